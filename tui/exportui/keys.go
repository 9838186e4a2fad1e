package exportui

import (
	"charm.land/bubbles/v2/key"

	"github.com/stowage-dev/stowage/tui/progressui"
)

// keyMap holds the screen's keys, each declared once with its help text;
// syncKeys enables the ones that apply to the run's state, so the help line
// shows only what works now.
type keyMap struct {
	Pause  key.Binding
	Resume key.Binding
	Stop   key.Binding // graceful: uploads in flight finish
	Abort  key.Binding // ctrl+c: graceful the first time, hard the second
}

func newKeyMap() keyMap {
	return keyMap{
		Pause:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
		Resume: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "resume")),
		Stop:   progressui.StopKey("stop after uploads in flight"),
		Abort:  progressui.AbortKey(),
	}
}

// ShortHelp is the help line.
func (k keyMap) ShortHelp() []key.Binding { return []key.Binding{k.Pause, k.Resume, k.Stop, k.Abort} }

// FullHelp is the same keys in one column; the screen has no full help.
func (k keyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// syncKeys enables the keys that apply to the current state.
func (m *model) syncKeys() {
	running := m.end == nil
	m.keys.Pause.SetEnabled(running && !m.stopping && !m.paused)
	m.keys.Resume.SetEnabled(running && !m.stopping && m.paused)
	progressui.SyncStopKeys(&m.keys.Stop, &m.keys.Abort, running, m.stopping, m.killing)
}
