package tui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/stowage-dev/stowage/wizard"
)

// component is one screen of the wizard: a model with its own keys. The
// root model keeps one per step, enters it when the wizard reaches its
// step, gives it the body's size and draws its help line from its keys.
type component interface {
	// KeyMap is the component's keys as they apply now: bindings that do
	// not apply to the focused row or the state are disabled, and so
	// left out of the help line.
	help.KeyMap
	// enter builds the screen for the wizard's current step and returns
	// what entering starts (the connection test, a cursor blink).
	enter() tea.Cmd
	update(msg tea.Msg) tea.Cmd
	// view draws the body in the size setSize gave.
	view() string
	setSize(width, height int)
}

// Optional parts of a component.
type (
	// listener takes messages that arrive whatever screen is shown (a
	// test's progress, a probe's answer); ok reports it took msg.
	listener interface {
		listen(msg tea.Msg) (cmd tea.Cmd, ok bool)
	}
	// header draws the lines above the body instead of the step's title
	// and intro.
	header interface {
		header() string
	}
	// typist reports whether printable keys type text now, so ? is text
	// rather than the help toggle.
	typist interface {
		typing() bool
	}
	// stopper ends what the component runs in the background.
	stopper interface {
		stop()
	}
)

// common is what every component shares: the wizard and its options, the
// styles, the status line and the outcome of the run.
type common struct {
	ctx  context.Context
	opts Options
	w    *wizard.Wizard
	st   styles
	// width is the terminal's; components wrap to contentWidth.
	width int

	// clip is how a copy reaches the user's clipboard.
	clip clipRoute

	status    string
	statusBad bool

	result   Result
	quitting bool
	// quitOnDiscard is set when ctrl+c led to the discard question, so
	// "yes" leaves the program rather than returning to the list.
	quitOnDiscard bool

	// exportTo opens the folders question for a location.
	exportTo func(name string) tea.Cmd
	// stopAll ends every background job (the test, a region probe).
	stopAll func()
}

func (c *common) setStatus(s string, bad bool) { c.status, c.statusBad = s, bad }

// setCopyStatus says what a copy did, wrapped at spaces only (after the
// status line's two-cell marker) so no command or name is cut at a hyphen.
func (c *common) setCopyStatus(msg copiedMsg) {
	s, bad := copyStatus(msg)
	c.setStatus(wrapText(s, c.contentWidth()-2), bad)
}

// fail shows the first line of err, masked, as a bad status.
func (c *common) fail(err error) { c.setStatus(firstLine(c.w.DisplayError(err)), true) }

// quit ends the program once the current message is handled.
func (c *common) quit() {
	c.quitting = true
	if c.stopAll != nil {
		c.stopAll()
	}
}

// contentWidth is the width text is wrapped to.
func (c *common) contentWidth() int { return max(20, c.width-2) }

// next asks the wizard to move on from a step without fields.
func (c *common) next() {
	if err := c.w.Next(); err != nil {
		c.fail(err)
	}
}

// bind declares a key: the keys it answers to, and its help (the key as
// the help line shows it, and what it does).
func bind(keys []string, helpKey, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
}

// The keys several screens share, declared once.
func backKey() key.Binding { return bind([]string{"esc"}, "esc", "back") }
func quitKey() key.Binding { return bind([]string{"ctrl+c"}, "ctrl+c", "quit") }
func upKey() key.Binding   { return bind([]string{"up", "k"}, "↑/k", "up") }
func downKey() key.Binding { return bind([]string{"down", "j"}, "↓/j", "down") }

// still is embedded by screens that start nothing when entered and lay
// nothing out by size.
type still struct{}

func (still) enter() tea.Cmd   { return nil }
func (still) setSize(_, _ int) {}

// enabled keeps the bindings that apply now, in order.
func enabled(bs ...*key.Binding) []key.Binding {
	var out []key.Binding
	for _, b := range bs {
		if b.Enabled() {
			out = append(out, *b)
		}
	}
	return out
}

// setAll enables or disables every binding.
func setAll(on bool, bs ...*key.Binding) {
	for _, b := range bs {
		b.SetEnabled(on)
	}
}

// keyNames spells keys as the full help lists them.
var keyNames = strings.NewReplacer("up", "↑", "down", "↓", "left", "←", "right", "→", "pgdown", "pgdn")

// fullHelp is the full help of bindings: every key each answers to,
// laid out in as few rows as fit width.
func fullHelp(h help.Model, width int, bindings []key.Binding) string {
	var all []key.Binding
	for _, b := range bindings {
		if !b.Enabled() {
			continue
		}
		names := make([]string, len(b.Keys()))
		for i, k := range b.Keys() {
			names[i] = keyNames.Replace(k)
		}
		b.SetHelp(strings.Join(names, "/"), b.Help().Desc)
		all = append(all, b)
	}
	h.SetWidth(0)
	var out string
	for rows := 1; rows <= len(all); rows++ {
		var groups [][]key.Binding
		for i := 0; i < len(all); i += rows {
			groups = append(groups, all[i:min(i+rows, len(all))])
		}
		out = h.FullHelpView(groups)
		if w := maxLineWidth(out); w <= width {
			break
		}
	}
	return out
}

func maxLineWidth(s string) int {
	w := 0
	for _, l := range strings.Split(s, "\n") {
		w = max(w, lipgloss.Width(l))
	}
	return w
}
