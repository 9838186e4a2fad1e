package tui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stowage-dev/stowage/wizard"
)

// Minimum size the layout is designed for; smaller terminals still work,
// with more scrolling.
const (
	minWidth  = 80
	minHeight = 24
)

// model is the root Bubble Tea model: one wizard, a component per step,
// and the chrome around the current one (title, banner, status, help).
type model struct {
	*common

	// screens holds the component of every step; exp, when active, is
	// shown over them.
	screens map[wizard.Step]component
	exp     *exportPrompt

	keys   rootKeys
	help   help.Model
	height int
	// shown is the step the current component was entered for.
	shown wizard.Step
}

// rootKeys answer on every screen.
type rootKeys struct {
	// Quit is ctrl+c: it leaves at once when nothing would be lost, else
	// asks. Each screen shows it in its own help.
	Quit key.Binding
	// Help toggles the full help; off while keys type text.
	Help key.Binding
}

// newModel builds the model for opts; env is already resolved. run asks
// tmux how it treats a program's clipboard requests (nil: it cannot be
// asked from here).
func newModel(ctx context.Context, opts Options, w *wizard.Wizard, getenv func(string) string, nativeUnsupported bool, run commandRunner) *model {
	c := &common{
		ctx:   ctx,
		opts:  opts,
		w:     w,
		width: minWidth,
		clip:  detectClipboard(ctx, getenv, nativeUnsupported, run),
	}
	m := &model{
		common: c,
		keys: rootKeys{
			Quit: quitKey(),
			Help: bind([]string{"?"}, "?", "keys"),
		},
		help:   help.New(),
		height: minHeight,
	}
	m.screens = map[wizard.Step]component{
		wizard.StepStart:          newStartScreen(c),
		wizard.StepName:           newFormScreen(c, wizard.StepName),
		wizard.StepType:           newFormScreen(c, wizard.StepType),
		wizard.StepWhere:          newFormScreen(c, wizard.StepWhere),
		wizard.StepAccess:         newFormScreen(c, wizard.StepAccess),
		wizard.StepPolicies:       newPolicyScreen(c),
		wizard.StepTest:           newTestScreen(c),
		wizard.StepReview:         newReviewScreen(c),
		wizard.StepDone:           newDoneScreen(c),
		wizard.StepConfirmDelete:  newConfirmDelete(c),
		wizard.StepConfirmRotate:  newConfirmRotate(c),
		wizard.StepConfirmDiscard: newConfirmDiscard(c),

		wizard.StepResumeDraft:         newResumeScreen(c),
		wizard.StepConfirmDiscardDraft: newConfirmDiscardDraft(c),
	}
	c.exportTo = m.openExport
	c.stopAll = m.stopAll
	m.setStyles(true)
	_ = m.enterStep()
	return m
}

func (m *model) setStyles(isDark bool) {
	m.st = newStyles(isDark)
	m.help.Styles = m.st.help
	for _, s := range m.screens {
		if r, ok := s.(interface{ restyle() }); ok {
			r.restyle()
		}
	}
}

// current is the component on screen: the folders question when it is
// open, else the current step's.
func (m *model) current() component {
	if m.exp != nil {
		return m.exp
	}
	return m.screens[m.w.Step()]
}

// Init asks the terminal for its background so the palette fits it.
func (m *model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.enterStep())
}

// Update routes messages to the current component and enters the next
// one whenever the wizard moved to another step.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.resize()
		return m, nil
	case tea.BackgroundColorMsg:
		m.setStyles(msg.IsDark())
		return m, nil
	case copiedMsg:
		m.setCopyStatus(msg)
		return m, msg.writeCmd()
	case tea.KeyPressMsg:
		if key.Matches(msg, m.keys.Quit) {
			return m, m.requestQuit()
		}
		if m.helpKey().Enabled() && key.Matches(msg, m.keys.Help) {
			m.help.ShowAll = !m.help.ShowAll
			return m, nil
		}
		// A key press clears the last status unless the screen sets a new one.
		m.status = ""
	}
	cmds := []tea.Cmd{m.route(msg)}
	if m.quitting {
		m.keepDraft()
		return m, tea.Quit
	}
	if m.shown != m.w.Step() {
		// A new step is a checkpoint of the unsaved location.
		m.keepDraft()
		cmds = append(cmds, m.enterStep())
	}
	return m, tea.Batch(cmds...)
}

// route hands msg to the component that listens for it, whatever the
// screen (a late test result is still recorded or dropped consistently),
// else to the current one.
func (m *model) route(msg tea.Msg) tea.Cmd {
	for _, s := range m.screens {
		if l, ok := s.(listener); ok {
			if cmd, took := l.listen(msg); took {
				return cmd
			}
		}
	}
	if m.exp != nil {
		if cmd, took := m.exp.listen(msg); took {
			return cmd
		}
	}
	return m.current().update(msg)
}

// enterStep enters the component of the wizard's current step.
func (m *model) enterStep() tea.Cmd {
	m.shown = m.w.Step()
	m.help.ShowAll = false
	// The size before entering, for what enter lays out (inputs); after,
	// for the help line of the entered state.
	m.resize()
	cmd := m.screens[m.shown].enter()
	m.resize()
	return cmd
}

// resize gives the current component the room between the header and the
// footer; render does too, just before drawing.
func (m *model) resize() {
	h := m.height - lipgloss.Height(m.header()) - lipgloss.Height(m.footer())
	m.current().setSize(m.contentWidth(), max(3, h))
}

// requestQuit is ctrl+c: leave at once when nothing would be lost,
// otherwise ask.
func (m *model) requestQuit() tea.Cmd {
	if m.w.RequestQuit() {
		m.quitOnDiscard = true
		return m.enterStep()
	}
	m.quit()
	m.keepDraft()
	return tea.Quit
}

func (m *model) stopAll() {
	for _, s := range m.screens {
		if st, ok := s.(stopper); ok {
			st.stop()
		}
	}
}

// helpKey is ? as it applies now: off while keys type text.
func (m *model) helpKey() *key.Binding {
	t, ok := m.current().(typist)
	m.keys.Help.SetEnabled(!ok || !t.typing())
	m.keys.Help.SetHelp("?", "keys")
	if m.help.ShowAll {
		m.keys.Help.SetHelp("?", "fewer keys")
	}
	return &m.keys.Help
}

// View draws the whole screen: title and progress, the screen-share banner,
// the step's intro, its body cut to the space left, the status line and
// the help line.
func (m *model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "Stowage setup"
	return v
}

// render returns the screen as text, for View and the golden tests.
func (m *model) render() string {
	if m.quitting {
		return ""
	}
	head := m.header()
	foot := m.footer()
	bodyH := max(3, m.height-lipgloss.Height(head)-lipgloss.Height(foot))
	lines := strings.Split(m.body(bodyH), "\n")
	if len(lines) > bodyH {
		lines = lines[:bodyH]
	}
	for len(lines) < bodyH {
		lines = append(lines, "")
	}
	out := head + "\n" + strings.Join(lines, "\n") + "\n" + foot
	return clipLines(out, m.width)
}

// body draws the current component into height lines at most.
func (m *model) body(height int) string {
	c := m.current()
	c.setSize(m.contentWidth(), height)
	return c.view()
}

// clipLines cuts every line to width cells, a last guard against a line
// the terminal would otherwise wrap and push the screen out of place.
func clipLines(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if ansi.StringWidth(l) > width {
			lines[i] = ansi.Truncate(l, width, "…")
		}
	}
	return strings.Join(lines, "\n")
}

func (m *model) header() string {
	if h, ok := m.current().(header); ok {
		return h.header()
	}
	lines := m.titleLines(wizard.StepTitle(m.w.Step()))
	if intro := m.w.Intro(); intro != "" {
		lines = append(lines, "", wrap(m.st.intro, intro, m.contentWidth()))
	}
	return strings.Join(append(lines, ""), "\n")
}

// titleLines are the title, with the step's progress, and the
// screen-share banner.
func (c *common) titleLines(title string) []string {
	title = c.st.title.Render("Stowage · " + title)
	if p := progress(c.w, c.w.Step()); p != "" {
		title += "  " + c.st.progress.Render(p)
	}
	lines := []string{title}
	if c.opts.ScreenShare {
		lines = append(lines, c.st.banner.Render(" SCREEN-SHARE MODE: secrets hidden "))
	}
	return lines
}

// progress is "step 3 of 7" for step s of w's flow, "step 2" while the
// number of steps is not known yet, "" outside the flow.
func progress(w *wizard.Wizard, s wizard.Step) string {
	switch n, of := w.Progress(s); {
	case n == 0:
		return ""
	case of == 0:
		return fmt.Sprintf("step %d", n)
	default:
		return fmt.Sprintf("step %d of %d", n, of)
	}
}

func (m *model) footer() string {
	var lines []string
	if m.status != "" {
		st := m.st.status
		prefix := "• "
		if m.statusBad {
			st = m.st.err
			prefix = "✗ "
		}
		lines = append(lines, wrap(st, prefix+m.status, m.contentWidth()))
	}
	lines = append(lines, m.helpView())
	return strings.Join(lines, "\n")
}

// helpView is the current component's keys and ?: on up to two lines,
// or all of them with every key they answer to when ? asked for it.
func (m *model) helpView() string {
	on := append(m.current().ShortHelp(), enabled(m.helpKey())...)
	if m.help.ShowAll {
		var all []key.Binding
		for _, g := range m.current().FullHelp() {
			all = append(all, g...)
		}
		return fullHelp(m.help, m.width, append(all, *m.helpKey()))
	}
	h := m.help
	h.SetWidth(0)
	var lines []string
	for len(on) > 0 && len(lines) < 2 {
		n := len(on)
		for n > 1 && lipgloss.Width(h.ShortHelpView(on[:n])) > m.width {
			n--
		}
		if len(lines) == 1 {
			// The last line keeps what still fits, with an ellipsis.
			h.SetWidth(m.width)
			n = len(on)
		}
		lines = append(lines, h.ShortHelpView(on[:n]))
		on = on[n:]
	}
	return strings.Join(lines, "\n")
}

// wrap word-wraps s to width and styles each line. Lines break between
// words only, so a flag (--principal-arn), an ARN or a path stays whole;
// only a word longer than the width is broken, after a "/" or "-" where it
// can be (issue 10 §2).
func wrap(st lipgloss.Style, s string, width int) string {
	w := wrapText(s, width)
	lines := strings.Split(w, "\n")
	for i, l := range lines {
		lines[i] = st.Render(l)
	}
	return strings.Join(lines, "\n")
}

// nbHyphen stands in for "-" while wrapping: the wrapper always breaks
// after a hyphen, which would cut --principal-arn in two.
const nbHyphen = "\u2011"

// wrapText wraps s to width between words; only when a word is wider
// than width may lines break after a "/" or "-" inside words.
func wrapText(s string, width int) string {
	for _, word := range strings.Fields(ansi.Strip(s)) {
		if ansi.StringWidth(word) > width {
			return lipgloss.Wrap(s, width, " /-")
		}
	}
	w := lipgloss.Wrap(strings.ReplaceAll(s, "-", nbHyphen), width, " ")
	return strings.ReplaceAll(w, nbHyphen, "-")
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

// firstLine returns the first line of s.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
