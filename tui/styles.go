package tui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// styles are the wizard's looks for one background. Every style that
// carries meaning also carries a text attribute (bold, underline, reverse)
// or a symbol next to it, so 16-colour and monochrome terminals, and
// NO_COLOR, lose the colour but not the meaning.
type styles struct {
	isDark bool

	title    lipgloss.Style // screen heading
	progress lipgloss.Style // "Step 3 of 7"
	banner   lipgloss.Style // screen-share banner
	intro    lipgloss.Style
	label    lipgloss.Style
	focused  lipgloss.Style // label of the focused field
	value    lipgloss.Style
	muted    lipgloss.Style // help text, hints, placeholders
	err      lipgloss.Style
	warn     lipgloss.Style
	ok       lipgloss.Style
	selected lipgloss.Style // chosen option / list row under the cursor
	tab      lipgloss.Style
	tabOn    lipgloss.Style
	mark     lipgloss.Style // the external ID inside documents
	status   lipgloss.Style
	doc      lipgloss.Style // bordered document box
	gutter   lipgloss.Style

	help  help.Styles
	input textinput.Styles
}

// newStyles builds the styles for a dark or light background.
func newStyles(isDark bool) styles {
	ld := lipgloss.LightDark(isDark)
	var (
		accent = ld(lipgloss.Color("#1F5FAD"), lipgloss.Color("#7AB8FF"))
		red    = ld(lipgloss.Color("#B00020"), lipgloss.Color("#FF7B7B"))
		yellow = ld(lipgloss.Color("#8A5A00"), lipgloss.Color("#F2C94C"))
		green  = ld(lipgloss.Color("#1B7F3B"), lipgloss.Color("#6FD98B"))
		muted  = ld(lipgloss.Color("#5F5F5F"), lipgloss.Color("#A0A0A0"))
		border = ld(lipgloss.Color("#8A8A8A"), lipgloss.Color("#5A5A5A"))
	)
	s := styles{isDark: isDark}
	s.title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.progress = lipgloss.NewStyle().Foreground(muted)
	s.banner = lipgloss.NewStyle().Bold(true).Reverse(true)
	s.intro = lipgloss.NewStyle()
	s.label = lipgloss.NewStyle()
	s.focused = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.value = lipgloss.NewStyle()
	s.muted = lipgloss.NewStyle().Foreground(muted)
	s.err = lipgloss.NewStyle().Bold(true).Foreground(red)
	s.warn = lipgloss.NewStyle().Foreground(yellow)
	s.ok = lipgloss.NewStyle().Foreground(green)
	s.selected = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.tab = lipgloss.NewStyle().Padding(0, 1)
	s.tabOn = lipgloss.NewStyle().Padding(0, 1).Bold(true).Reverse(true)
	s.mark = lipgloss.NewStyle().Bold(true).Reverse(true)
	s.status = lipgloss.NewStyle().Bold(true)
	s.doc = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(border)
	s.gutter = lipgloss.NewStyle().Foreground(muted)

	s.help = help.DefaultStyles(isDark)
	s.help.ShortKey = s.help.ShortKey.Bold(true)
	s.input = textinput.DefaultStyles(isDark)
	return s
}
