package progressui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"
)

// Styles are the screens' looks. Colours are the terminal's own 16, which
// follow its light or dark theme; everything that carries meaning is also
// bold, reverse or a word, so NO_COLOR and monochrome terminals lose
// nothing.
type Styles struct {
	Title  lipgloss.Style
	State  lipgloss.Style // "uploading", "downloading"
	Badge  lipgloss.Style // "PAUSED", "STOPPING", "EXPIRING"
	Muted  lipgloss.Style
	Label  lipgloss.Style
	Err    lipgloss.Style
	Warn   lipgloss.Style
	OK     lipgloss.Style
	Header lipgloss.Style // pane headings
}

// NewStyles is the screens' one set of styles.
func NewStyles() Styles {
	return Styles{
		Title:  lipgloss.NewStyle().Bold(true),
		State:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("4")),
		Badge:  lipgloss.NewStyle().Bold(true).Reverse(true),
		Muted:  lipgloss.NewStyle().Faint(true),
		Label:  lipgloss.NewStyle().Bold(true),
		Err:    lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("1")),
		Warn:   lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
		OK:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("2")),
		Header: lipgloss.NewStyle().Bold(true).Underline(true),
	}
}

// NewBar is a progress bar width columns wide drawn with full blocks,
// which stay readable without colour (the default half blocks rely on two
// colours).
func NewBar(width int) progress.Model {
	return progress.New(
		progress.WithFillCharacters(progress.DefaultFullCharFullBlock, progress.DefaultEmptyCharBlock),
		progress.WithColors(lipgloss.Color("4")),
		progress.WithoutPercentage(),
		progress.WithWidth(width),
	)
}

// NewHelp is the help line's model, its keys in bold.
func NewHelp() help.Model {
	h := help.New()
	h.Styles.ShortKey = h.Styles.ShortKey.Bold(true)
	return h
}

// StopKey is q, the graceful stop; what says what finishes first
// ("stop after uploads in flight").
func StopKey(what string) key.Binding {
	return key.NewBinding(key.WithKeys("q"), key.WithHelp("q", what))
}

// AbortKey is ctrl+c: a graceful stop the first time, a hard one the
// second.
func AbortKey() key.Binding {
	return key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "stop"))
}

// SyncStopKeys enables stop and abort (StopKey, AbortKey) for the run's
// state, so the help line shows only what works now: once stopping,
// ctrl+c is the hard stop.
func SyncStopKeys(stop, abort *key.Binding, running, stopping, killing bool) {
	stop.SetEnabled(running && !stopping)
	abort.SetEnabled(running && !killing)
	if stopping {
		abort.SetHelp("ctrl+c", "stop at once")
	} else {
		abort.SetHelp("ctrl+c", "stop")
	}
}
