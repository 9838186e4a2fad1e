package progressui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/internal/runctl"
)

// Control is what the keys of a progress screen ask of a running export or
// download.
type Control interface {
	Pause()
	Resume()
	// Interrupt is one stop request through the run's policy
	// (runctl.Stops): the first graceful, the second hard.
	Interrupt() runctl.Level
}

// LevelMsg is the run's stop level after a request: a key's, or a signal
// the command forwarded to the same policy.
type LevelMsg runctl.Level

// Controls is the part of a screen's model that turns keys into pause and
// stop requests and remembers what the screen shows of them: p pauses and
// resumes, q and ctrl+c are stop requests. Whether a request is graceful or
// hard is the policy's answer (LevelMsg), not counted here. A screen's model
// embeds it.
type Controls struct {
	Pause, Resume, Stop, Abort key.Binding
	// Paused is a pause asked for on this screen; a stop ends it.
	Paused bool
	level  runctl.Level
}

// NewControls are the keys of a screen whose stop finishes stopWhat first
// ("stop after uploads in flight").
func NewControls(stopWhat string) Controls {
	return Controls{
		Pause:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
		Resume: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "resume")),
		Stop:   StopKey(stopWhat),
		Abort:  AbortKey(),
	}
}

// Stopping reports a graceful or hard stop; Killing a hard one.
func (c *Controls) Stopping() bool { return c.level >= runctl.Graceful }
func (c *Controls) Killing() bool  { return c.level == runctl.Hard }

// SetLevel shows the policy's level; it never goes back.
func (c *Controls) SetLevel(l runctl.Level) {
	if l > c.level {
		c.level = l
	}
	if c.Stopping() {
		c.Paused = false
	}
}

// Key handles a key press while the run goes on; ok is false for keys that
// are not these.
func (c *Controls) Key(k tea.KeyPressMsg, ctl Control) (cmd tea.Cmd, ok bool) {
	switch {
	case key.Matches(k, c.Pause):
		c.Paused = true
		return func() tea.Msg { ctl.Pause(); return nil }, true
	case key.Matches(k, c.Resume):
		c.Paused = false
		return func() tea.Msg { ctl.Resume(); return nil }, true
	case k.String() == "ctrl+c" && c.Killing():
		// A third ctrl+c: stop drawing; the caller still waits for the
		// run to end.
		return tea.Quit, true
	case key.Matches(k, c.Stop), key.Matches(k, c.Abort), k.String() == "q" && c.Stopping():
		// q once stopping is the second request, as ctrl+c is, though
		// the help line shows only ctrl+c for it.
		return func() tea.Msg { return LevelMsg(ctl.Interrupt()) }, true
	}
	return nil, false
}

// Sync enables the keys that apply now, so the help line shows only what
// works; pausable is false for a screen without pause.
func (c *Controls) Sync(running, pausable bool) {
	c.Pause.SetEnabled(pausable && running && !c.Stopping() && !c.Paused)
	c.Resume.SetEnabled(pausable && running && !c.Stopping() && c.Paused)
	SyncStopKeys(&c.Stop, &c.Abort, running, c.Stopping(), c.Killing())
}

// ShortHelp is the help line (help.KeyMap).
func (c Controls) ShortHelp() []key.Binding { return []key.Binding{c.Pause, c.Resume, c.Stop, c.Abort} }

// FullHelp is the same keys in one column; the screens have no full help.
func (c Controls) FullHelp() [][]key.Binding { return [][]key.Binding{c.ShortHelp()} }
