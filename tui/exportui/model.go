package exportui

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/runctl"
	"github.com/stowage-dev/stowage/tui/progressui"
)

// control is what the screen asks of a running export. The model calls it
// only from commands, so Update stays free of side effects.
type control interface {
	progressui.Control
	// Next blocks until the run reports events or ends (an eventsMsg).
	Next() tea.Msg
	Stats() export.Stats
}

// Messages.
type (
	// eventsMsg is a batch of engine events; End is set once, with or
	// after the run's last events.
	eventsMsg struct {
		Events []export.Event
		End    *finishedMsg
	}
	// finishedMsg is the run's outcome.
	finishedMsg struct {
		Summary export.Summary
		Err     error
		Started bool
		Stopped bool
	}
	// statsMsg is a fresh Stats snapshot, polled between Totals events so
	// the bar moves smoothly.
	statsMsg export.Stats
)

// statsEvery is how often the model polls Stats.
const statsEvery = 250 * time.Millisecond

// Pane sizes.
const (
	paneErrors    = 5 // latest errors shown while running
	FrameFailures = 5 // failed files named on the summary frame
)

// upload is one file in flight.
type upload struct {
	path, key     string
	size, done    int64
	parts, resume int
}

// large reports whether the file gets its own bar: a multipart upload or a
// file big enough to take a while.
func (u *upload) large() bool { return u.parts > 0 || u.size >= 8<<20 }

// paneLine is one entry of the errors pane.
type paneLine struct {
	kind string // "failed", "retry", "kept", "warn"
	name string // empty for a warning, which is about the run
	text string
}

// model is the export screen.
type model struct {
	ctl      control
	location string
	resume   string

	progressui.Layout
	keys progressui.Controls

	stats     export.Stats
	scanFiles int
	scanBytes int64
	scanDone  bool
	active    []*upload
	pane      []paneLine
	// warnings are the run's Warning events, each once; they stay at the
	// top of the errors pane, as they apply to many files, and are
	// repeated on the summary frame.
	warnings []string
	failures []export.FileFailed // the first FrameFailures, for the summary
	failed   int
	retries  int

	end *finishedMsg
}

func newModel(location string, ctl control, resume string) *model {
	m := &model{
		ctl:      ctl,
		location: location,
		resume:   resume,
		Layout:   progressui.NewLayout(),
		keys:     progressui.NewControls("stop after uploads in flight"),
		stats:    export.Stats{ETA: -1, Counting: true},
	}
	m.syncKeys()
	return m
}

// Init starts reading events, polling stats and the spinner.
func (m *model) Init() tea.Cmd {
	return tea.Batch(m.next(), m.poll(), m.Spin.Tick)
}

func (m *model) next() tea.Cmd {
	ctl := m.ctl
	return func() tea.Msg { return ctl.Next() }
}

func (m *model) poll() tea.Cmd {
	ctl := m.ctl
	return tea.Tick(statsEvery, func(time.Time) tea.Msg { return statsMsg(ctl.Stats()) })
}

// Update applies one message.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.Resize(msg.Width, msg.Height)
	case tea.KeyPressMsg:
		cmd = m.key(msg)
	case progressui.LevelMsg:
		m.keys.SetLevel(runctl.Level(msg))
	case eventsMsg:
		for _, ev := range msg.Events {
			m.apply(ev)
		}
		if msg.End != nil {
			m.end = msg.End
			m.keys.Paused = false
			// The last Totals event has the final numbers; the summary
			// frame is drawn from it and left on the terminal.
			cmd = tea.Quit
		} else {
			cmd = m.next()
		}
	case statsMsg:
		if m.end == nil {
			m.stats = export.Stats(msg)
			cmd = m.poll()
		}
	case spinner.TickMsg:
		if m.end == nil {
			m.Spin, cmd = m.Spin.Update(msg)
		}
	}
	m.syncKeys()
	return m, cmd
}

func (m *model) key(k tea.KeyPressMsg) tea.Cmd {
	if m.end != nil {
		return nil
	}
	cmd, _ := m.keys.Key(k, m.ctl)
	return cmd
}

// apply folds one engine event into the model.
func (m *model) apply(ev export.Event) {
	switch ev := ev.(type) {
	case export.ScanProgress:
		m.scanFiles, m.scanBytes = ev.Files, ev.Bytes
		m.scanDone = m.scanDone || ev.Done
	case export.Totals:
		m.stats = ev.Stats
	case export.FileStarted:
		m.active = append(m.active, &upload{path: ev.Path, key: ev.Key, size: ev.Size, parts: ev.Parts, resume: ev.Resumed})
	case export.FileProgress:
		if u := m.find(ev.Path); u != nil {
			u.done, u.size = ev.Done, ev.Size
		}
	case export.FileDone:
		m.remove(ev.Path)
	case export.FileFailed:
		m.remove(ev.Path)
		m.failed++
		if len(m.failures) < FrameFailures {
			m.failures = append(m.failures, ev)
		}
		m.addPane(paneLine{kind: "failed", name: nameOf(ev.Key, ev.Path), text: m.ErrText(ev.Err)})
	case export.Retry:
		m.retries++
		name := nameOf(m.keyOf(ev.Path), ev.Path)
		if ev.Part > 0 {
			name += fmt.Sprintf(" part %d", ev.Part)
		}
		m.addPane(paneLine{kind: "retry", name: name, text: fmt.Sprintf("%s (attempt %d, again in %s)", m.ErrText(ev.Err), ev.Attempt, ev.Wait.Round(time.Millisecond))})
	case export.Deleted:
		if ev.Err != nil {
			m.addPane(paneLine{kind: "kept", name: ev.Path, text: m.ErrText(ev.Err)})
		}
	case export.Warning:
		text := m.ErrText(ev.Err)
		for _, w := range m.warnings {
			if w == text {
				return
			}
		}
		m.warnings = append(m.warnings, text)
	}
}

func (m *model) addPane(l paneLine) {
	m.pane = append(m.pane, l)
	if len(m.pane) > paneErrors {
		m.pane = m.pane[len(m.pane)-paneErrors:]
	}
}

func (m *model) find(path string) *upload {
	for _, u := range m.active {
		if u.path == path {
			return u
		}
	}
	return nil
}

func (m *model) keyOf(path string) string {
	if u := m.find(path); u != nil {
		return u.key
	}
	return ""
}

func (m *model) remove(path string) {
	for i, u := range m.active {
		if u.path == path {
			m.active = append(m.active[:i], m.active[i+1:]...)
			return
		}
	}
}

// nameOf is what a file is called on screen: its object key, which is
// shorter than the source path and is what the user will look for.
func nameOf(key, path string) string {
	if key != "" {
		return key
	}
	return path
}
