package exportui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"
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
		Stop:   key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "stop after uploads in flight")),
		Abort:  key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "stop")),
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
	m.keys.Stop.SetEnabled(running && !m.stopping)
	m.keys.Abort.SetEnabled(running && !m.killing)
	if m.stopping {
		m.keys.Abort.SetHelp("ctrl+c", "stop at once")
	} else {
		m.keys.Abort.SetHelp("ctrl+c", "stop")
	}
}

// styles are the screen's looks. Colours are the terminal's own 16, which
// follow its light or dark theme; everything that carries meaning is also
// bold, reverse or a word, so NO_COLOR and monochrome terminals lose
// nothing.
type styles struct {
	title  lipgloss.Style
	state  lipgloss.Style // "uploading"
	paused lipgloss.Style // "PAUSED", "STOPPING"
	muted  lipgloss.Style
	label  lipgloss.Style
	err    lipgloss.Style
	warn   lipgloss.Style
	ok     lipgloss.Style
	header lipgloss.Style // pane headings
}

func newStyles() styles {
	return styles{
		title:  lipgloss.NewStyle().Bold(true),
		state:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("4")),
		paused: lipgloss.NewStyle().Bold(true).Reverse(true),
		muted:  lipgloss.NewStyle().Faint(true),
		label:  lipgloss.NewStyle().Bold(true),
		err:    lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("1")),
		warn:   lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
		ok:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("2")),
		header: lipgloss.NewStyle().Bold(true).Underline(true),
	}
}

// newBar is a progress bar drawn with full blocks, which stay readable
// without colour (the default half blocks rely on two colours).
func newBar(width int) progress.Model {
	return progress.New(
		progress.WithFillCharacters(progress.DefaultFullCharFullBlock, progress.DefaultEmptyCharBlock),
		progress.WithColors(lipgloss.Color("4")),
		progress.WithoutPercentage(),
		progress.WithWidth(width),
	)
}
