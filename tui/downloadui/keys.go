package downloadui

import (
	"charm.land/bubbles/v2/key"

	"github.com/stowage-dev/stowage/tui/progressui"
)

// keyMap holds the screen's keys, each declared once with its help text;
// syncKeys enables the ones that apply to the run's state. There is no
// pause key: the download engine has no way to pause.
type keyMap struct {
	Stop  key.Binding // graceful: downloads in flight finish
	Abort key.Binding // ctrl+c: graceful the first time, hard the second
}

func newKeyMap() keyMap {
	return keyMap{
		Stop:  progressui.StopKey("stop after downloads in flight"),
		Abort: progressui.AbortKey(),
	}
}

// ShortHelp is the help line.
func (k keyMap) ShortHelp() []key.Binding { return []key.Binding{k.Stop, k.Abort} }

// FullHelp is the same keys in one column; the screen has no full help.
func (k keyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// syncKeys enables the keys that apply to the current state.
func (m *model) syncKeys() {
	running := m.end == nil
	progressui.SyncStopKeys(&m.keys.Stop, &m.keys.Abort, running, m.stopping, m.killing)
}
