package downloadui

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/internal/runctl"
	"github.com/stowage-dev/stowage/tui/progressui"
)

// control is what the screen asks of a running download. The model calls
// it only from commands, so Update stays free of side effects.
type control interface {
	progressui.Control
	// Next blocks until the run reports events or ends (an eventsMsg).
	Next() tea.Msg
	// Progress is the bytes on disk of each object in flight.
	Progress() map[string]int64
}

// Messages.
type (
	// eventsMsg is a batch of engine events; End is set once, with or after
	// the run's last events.
	eventsMsg struct {
		Events []download.Event
		End    *finishedMsg
	}
	// finishedMsg is the run's outcome.
	finishedMsg struct {
		Result  download.Result
		Err     error
		Started bool
		Stopped bool
	}
	// progressMsg is the per-object byte counts, polled between events so
	// the bars of large objects move smoothly.
	progressMsg map[string]int64
)

// statsEvery is how often the engine sends Totals and the model polls
// per-object progress.
const statsEvery = 250 * time.Millisecond

// Pane sizes.
const (
	paneErrors = 5 // latest errors shown while running
	// FrameFailures is how many failed objects the summary frame names.
	FrameFailures = 5
	paneExpiry    = 3 // prefixes shown in the expiry outlook
)

// fetch is one object in flight.
type fetch struct {
	key           string
	size, done    int64
	ranges, done0 int
}

// large reports whether the object gets its own bar: it is fetched in
// ranges, or big enough to take a while.
func (f *fetch) large() bool { return f.ranges > 0 || f.size >= 8<<20 }

// paneLine is one entry of the errors pane.
type paneLine struct {
	kind string // "failed", "retry", "changed", "damaged", "kept"
	name string
	text string
}

// model is the download screen.
type model struct {
	ctl      control
	location string
	dest     string
	resume   string

	progressui.Layout
	keys progressui.Controls

	stats download.Stats
	// listed is the latest Listed event; listDone is set once the listing
	// finished.
	listedFiles int
	listDone    bool
	// verified is the bytes of objects downloaded and verified this run;
	// skippedBytes those of objects already in place. The overall bar is
	// verified of (total − already there − failed).
	verified     int64
	skippedBytes int64
	active       []*fetch
	pane         []paneLine
	failures     []download.FileFailed // the first FrameFailures
	failed       int
	retries      int
	kept         int
	expiry       *download.Expiry

	end *finishedMsg
}

func newModel(location, dest string, ctl control, resume string) *model {
	m := &model{
		ctl:      ctl,
		location: location,
		dest:     dest,
		resume:   resume,
		Layout:   progressui.NewLayout(),
		keys:     progressui.NewControls("stop after downloads in flight"),
		stats:    download.Stats{ETA: -1, Listing: true},
	}
	m.syncKeys()
	return m
}

// Init starts reading events, polling progress and the spinner.
func (m *model) Init() tea.Cmd {
	return tea.Batch(m.next(), m.poll(), m.Spin.Tick)
}

func (m *model) next() tea.Cmd {
	ctl := m.ctl
	return func() tea.Msg { return ctl.Next() }
}

func (m *model) poll() tea.Cmd {
	ctl := m.ctl
	return tea.Tick(statsEvery, func(time.Time) tea.Msg { return progressMsg(ctl.Progress()) })
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
			if msg.End.Started {
				m.stats = msg.End.Result.Stats
			}
			// The summary frame is drawn and left on the terminal.
			cmd = tea.Quit
		} else {
			cmd = m.next()
		}
	case progressMsg:
		if m.end == nil {
			for _, f := range m.active {
				if n, ok := msg[f.key]; ok {
					f.done = min(n, f.size)
				}
			}
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
func (m *model) apply(ev download.Event) {
	switch ev := ev.(type) {
	case download.Listed:
		m.listedFiles = ev.Objects
		m.listDone = m.listDone || ev.Done
	case download.Totals:
		m.stats = ev.Stats
	case download.Expiry:
		e := ev
		m.expiry = &e
	case download.FileStarted:
		if f := m.find(ev.Key); f != nil {
			// Started over on a new version.
			f.size, f.ranges, f.done0, f.done = ev.Size, ev.Ranges, ev.Resumed, 0
			return
		}
		m.active = append(m.active, &fetch{key: ev.Key, size: ev.Size, ranges: ev.Ranges, done0: ev.Resumed})
	case download.FileDone:
		m.remove(ev.Key)
		m.verified += ev.Size
	case download.FileSkipped:
		m.skippedBytes += ev.Size
	case download.FileFailed:
		m.remove(ev.Key)
		m.failed++
		if len(m.failures) < FrameFailures {
			m.failures = append(m.failures, ev)
		}
		m.addPane(paneLine{kind: "failed", name: ev.Key, text: m.ErrText(ev.Err)})
	case download.Retry:
		m.retries++
		name := ev.Key
		if ev.Range > 0 {
			name += fmt.Sprintf(" range %d", ev.Range)
		}
		m.addPane(paneLine{kind: "retry", name: name, text: fmt.Sprintf("%s (attempt %d, again in %s)", m.ErrText(ev.Err), ev.Attempt, ev.Wait.Round(time.Millisecond))})
	case download.Changed:
		m.addPane(paneLine{kind: "changed", name: ev.Key, text: "changed in the store after it was listed; fetching the new version"})
	case download.Corrupt:
		m.addPane(paneLine{kind: "damaged", name: ev.Key, text: fmt.Sprintf("%s of the partial file no longer match; fetching them again", humanize.Count(ev.Ranges, "range"))})
	case download.Deleted:
		if ev.Err != nil {
			m.kept++
			m.addPane(paneLine{kind: "kept", name: ev.Key, text: m.ErrText(ev.Err)})
		}
	}
}

func (m *model) addPane(l paneLine) {
	m.pane = append(m.pane, l)
	if len(m.pane) > paneErrors {
		m.pane = m.pane[len(m.pane)-paneErrors:]
	}
}

func (m *model) find(key string) *fetch {
	for _, f := range m.active {
		if f.key == key {
			return f
		}
	}
	return nil
}

func (m *model) remove(key string) {
	for i, f := range m.active {
		if f.key == key {
			m.active = append(m.active[:i], m.active[i+1:]...)
			return
		}
	}
}
