package tui

import (
	"context"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/wizard"
)

// detectedMsg is the answer of one region probe, for the form of step.
type detectedMsg struct {
	step   wizard.Step
	answer wizard.RegionAnswer
}

// startDetect is ctrl+d (or enter on "detect from the bucket"): the
// wizard decides what to ask, and the probe runs in the returned command,
// never in Update.
func (fs *formScreen) startDetect() tea.Cmd {
	fs.probe.stop()
	p := fs.w.StartDetect()
	if it, ok := fs.current(); ok {
		// The wizard may have put a placeholder in the field.
		if in := fs.inputs[it.f.ID]; in != nil {
			if f, _ := fs.w.Field(it.f.ID); in.Value() != inputValue(f) {
				in.SetValue(inputValue(f))
				in.CursorEnd()
			}
		}
	}
	if p == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(fs.ctx)
	fs.probe.cancel = cancel
	step, open := fs.step, fs.opts.Open
	probe := func() tea.Msg {
		defer cancel()
		return detectedMsg{step: step, answer: p.Run(ctx, open)}
	}
	return tea.Batch(probe, fs.probe.spin.Tick)
}

// listen takes the answer of this form's probe and its spinner's ticks,
// whatever the screen.
func (fs *formScreen) listen(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case principalDetectedMsg:
		if msg.step != fs.step {
			return nil, false
		}
		return fs.principalDetected(msg), true
	case detectedMsg:
		if msg.step != fs.step {
			return nil, false
		}
		fs.probe.stop()
		if fs.w.RegionDetected(msg.answer) && fs.w.Step() == fs.step {
			if it, ok := fs.current(); ok && it.f.Detect {
				// Put the list cursor (or the input) on the region.
				return fs.focusChanged(), true
			}
		}
		return nil, true
	case spinner.TickMsg:
		if msg.ID != fs.probe.spin.ID() {
			return nil, false
		}
		if !fs.w.DetectRunning() {
			return nil, true
		}
		var cmd tea.Cmd
		fs.probe.spin, cmd = fs.probe.spin.Update(msg)
		return cmd, true
	}
	return nil, false
}

func (fs *formScreen) stop() { fs.probe.stop() }
