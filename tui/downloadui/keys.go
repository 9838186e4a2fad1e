package downloadui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"
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
		Stop:  key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "stop after downloads in flight")),
		Abort: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "stop")),
	}
}

// ShortHelp is the help line.
func (k keyMap) ShortHelp() []key.Binding { return []key.Binding{k.Stop, k.Abort} }

// FullHelp is the same keys in one column; the screen has no full help.
func (k keyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// syncKeys enables the keys that apply to the current state.
func (m *model) syncKeys() {
	running := m.end == nil
	m.keys.Stop.SetEnabled(running && !m.stopping)
	m.keys.Abort.SetEnabled(running && !m.killing)
	if m.stopping {
		m.keys.Abort.SetHelp("ctrl+c", "stop at once")
	} else {
		m.keys.Abort.SetHelp("ctrl+c", "stop")
	}
}

// styles are the screen's looks, the export screen's: the terminal's own
// 16 colours, and everything that carries meaning also bold, reverse or a
// word, so NO_COLOR loses nothing.
type styles struct {
	title  lipgloss.Style
	state  lipgloss.Style // "downloading"
	badge  lipgloss.Style // "STOPPING", "EXPIRING"
	muted  lipgloss.Style
	label  lipgloss.Style
	err    lipgloss.Style
	warn   lipgloss.Style
	ok     lipgloss.Style
	header lipgloss.Style
}

func newStyles() styles {
	return styles{
		title:  lipgloss.NewStyle().Bold(true),
		state:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("4")),
		badge:  lipgloss.NewStyle().Bold(true).Reverse(true),
		muted:  lipgloss.NewStyle().Faint(true),
		label:  lipgloss.NewStyle().Bold(true),
		err:    lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("1")),
		warn:   lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
		ok:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("2")),
		header: lipgloss.NewStyle().Bold(true).Underline(true),
	}
}

// newBar is a progress bar drawn with full blocks, which stay readable
// without colour.
func newBar(width int) progress.Model {
	return progress.New(
		progress.WithFillCharacters(progress.DefaultFullCharFullBlock, progress.DefaultEmptyCharBlock),
		progress.WithColors(lipgloss.Color("4")),
		progress.WithoutPercentage(),
		progress.WithWidth(width),
	)
}
