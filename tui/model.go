package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
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

// model is the root Bubble Tea model: one wizard, the screen state of its
// current step, and the chrome around it (title, banner, status, help).
type model struct {
	opts Options
	w    *wizard.Wizard
	ctx  context.Context

	keys   keyMap
	help   help.Model
	st     styles
	width  int
	height int

	clip clipMethod
	tmux bool

	// shown is the step the screen state below was built for.
	shown wizard.Step

	status    string
	statusBad bool

	start  startState
	form   formState
	pol    policyState
	test   testState
	review reviewState
	detect detectState
	// exp asks for the folders to export before leaving for the export.
	exp exportPrompt

	// quitOnDiscard is set when ctrl+c led to the discard question, so
	// "yes" leaves the program rather than returning to the list.
	quitOnDiscard bool
	result        Result
	quitting      bool
}

// newModel builds the model for opts; env is already resolved.
func newModel(ctx context.Context, opts Options, w *wizard.Wizard, getenv func(string) string, nativeUnsupported bool) *model {
	m := &model{
		opts:   opts,
		w:      w,
		ctx:    ctx,
		keys:   defaultKeyMap(),
		help:   help.New(),
		width:  minWidth,
		height: minHeight,
		clip:   chooseClipboard(getenv, nativeUnsupported),
		tmux:   getenv("TMUX") != "",
	}
	m.setStyles(true)
	m.test.spin = newSpinner()
	m.detect.spin = newSpinner()
	m.enterStep()
	return m
}

func (m *model) setStyles(isDark bool) {
	m.st = newStyles(isDark)
	m.help.Styles = m.st.help
	m.form.restyle(m.st)
	m.pol.restyle(m.st)
}

// Init asks the terminal for its background so the palette fits it.
func (m *model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.stepCmd())
}

// Update routes messages to the current screen and rebuilds the screen
// state whenever the wizard moved to another step.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
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
		m.setStatus(copyStatus(msg), false)
		return m, nil
	case copiedFallbackMsg:
		m.setStatus(copyStatus(msg.copiedMsg), false)
		return m, osc52Cmd(msg.text, msg.method)
	case tea.KeyPressMsg:
		if key.Matches(msg, m.keys.Quit) {
			return m, m.requestQuit()
		}
		// A key press clears the last status unless the screen sets a new one.
		m.status = ""
	}
	before := m.w.Step()
	cmds = append(cmds, m.updateStep(msg))
	if m.quitting {
		return m, tea.Quit
	}
	if m.w.Step() != before || m.shown != m.w.Step() {
		m.enterStep()
		cmds = append(cmds, m.stepCmd())
	}
	m.syncKeys()
	return m, tea.Batch(cmds...)
}

// updateStep hands msg to the screen of the current step.
func (m *model) updateStep(msg tea.Msg) tea.Cmd {
	// Test progress arrives whatever the screen, so a late result of a
	// test the user left is still recorded or dropped consistently.
	switch msg := msg.(type) {
	case checkMsg:
		return m.onCheck(msg)
	case testDoneMsg:
		return m.onTestDone(msg)
	case docSavedMsg:
		m.onDocSaved(msg)
		return nil
	case detectedMsg:
		return m.onDetected(msg)
	case spinner.TickMsg:
		if msg.ID == m.detect.spin.ID() {
			if !m.detect.running {
				return nil
			}
			var cmd tea.Cmd
			m.detect.spin, cmd = m.detect.spin.Update(msg)
			return cmd
		}
	case sourcesMsg:
		return m.onSources(msg)
	}
	if m.exp.active {
		return m.updateExport(msg)
	}
	switch m.w.Step() {
	case wizard.StepStart:
		return m.updateStart(msg)
	case wizard.StepName, wizard.StepType, wizard.StepWhere, wizard.StepAccess:
		return m.updateForm(msg)
	case wizard.StepPolicies:
		return m.updatePolicies(msg)
	case wizard.StepTest:
		return m.updateTest(msg)
	case wizard.StepReview:
		return m.updateReview(msg)
	case wizard.StepDone:
		return m.updateDone(msg)
	case wizard.StepConfirmDelete, wizard.StepConfirmRotate, wizard.StepConfirmDiscard:
		return m.updateConfirm(msg)
	}
	return nil
}

// enterStep builds the screen state for the wizard's current step.
func (m *model) enterStep() {
	s := m.w.Step()
	m.shown = s
	switch s {
	case wizard.StepStart:
		m.start.clamp(len(m.w.File().Locations))
	case wizard.StepName, wizard.StepType, wizard.StepWhere, wizard.StepAccess:
		m.form.load(m.w, s, m.st, m.opts.ScreenShare)
	case wizard.StepPolicies:
		m.pol.load(m.w, m.st)
	case wizard.StepReview:
		m.review.load()
	}
	m.resize()
	m.syncKeys()
}

// stepCmd is what entering the current step starts: the connection test
// on the Test step, the cursor blink on a form.
func (m *model) stepCmd() tea.Cmd {
	switch m.w.Step() {
	case wizard.StepTest:
		if !m.test.running && !m.test.doneFor(m.w) {
			return m.startTest()
		}
	case wizard.StepName, wizard.StepType, wizard.StepWhere, wizard.StepAccess:
		return m.form.focusCmd()
	}
	return nil
}

// requestQuit is ctrl+c: leave at once when nothing would be lost,
// otherwise ask.
func (m *model) requestQuit() tea.Cmd {
	if m.pol.prompting {
		m.pol.prompting = false
	}
	if m.w.RequestQuit() {
		m.quitOnDiscard = true
		m.enterStep()
		return nil
	}
	m.quit()
	return tea.Quit
}

func (m *model) quit() {
	m.quitting = true
	m.test.stop()
	m.detect.stop()
}

func (m *model) setStatus(s string, bad bool) {
	m.status, m.statusBad = s, bad
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
	bodyH := m.height - lipgloss.Height(head) - lipgloss.Height(foot)
	if bodyH < 3 {
		bodyH = 3
	}
	body := m.body(bodyH)
	lines := strings.Split(body, "\n")
	if len(lines) > bodyH {
		lines = lines[:bodyH]
	}
	for len(lines) < bodyH {
		lines = append(lines, "")
	}
	out := head + "\n" + strings.Join(lines, "\n") + "\n" + foot
	return clipLines(out, m.width)
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

// contentWidth is the width text is wrapped to.
func (m *model) contentWidth() int {
	w := m.width - 2
	if w < 20 {
		w = 20
	}
	return w
}

func (m *model) header() string {
	step := m.w.Step()
	if m.exp.active {
		return m.exportHeader()
	}
	title := m.st.title.Render("Stowage · " + wizard.StepTitle(step))
	if p := m.progress(step); p != "" {
		title += "  " + m.st.progress.Render(p)
	}
	lines := []string{title}
	if m.opts.ScreenShare {
		lines = append(lines, m.st.banner.Render(" SCREEN-SHARE MODE: secrets hidden "))
	}
	if step == wizard.StepPolicies {
		// Each document says where it goes; the room is the document's.
		if !m.pol.plain {
			lines = append(lines, "")
		}
		return strings.Join(lines, "\n")
	}
	if intro := m.w.Intro(); intro != "" {
		lines = append(lines, "", wrap(m.st.intro, intro, m.contentWidth()))
	}
	lines = append(lines, "")
	return strings.Join(lines, "\n")
}

// progress is "step 3 of 7" for the add/edit flow.
func (m *model) progress(s wizard.Step) string { return progress(m.w, s) }

// progress is "step 3 of 7" for step s of w's flow, "step 2" while the
// number of steps is not known yet, "" outside the flow.
func progress(w *wizard.Wizard, s wizard.Step) string {
	flow := w.Flow()
	i := slices.Index(flow, s)
	if i < 0 {
		return ""
	}
	if s == wizard.StepName || s == wizard.StepType {
		// The number of steps depends on the storage type.
		if f, err := w.Field("type"); err == nil && f.Value == "" {
			return fmt.Sprintf("step %d", i+1)
		}
	}
	return fmt.Sprintf("step %d of %d", i+1, len(flow))
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

// helpView lays the enabled keys out on up to two lines.
func (m *model) helpView() string {
	var on []key.Binding
	for _, b := range m.keys.ShortHelp() {
		if b.Enabled() {
			on = append(on, b)
		}
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

// body renders the current step into height lines at most.
func (m *model) body(height int) string {
	if m.exp.active {
		return m.viewExport()
	}
	switch m.w.Step() {
	case wizard.StepStart:
		return m.viewStart(height)
	case wizard.StepName, wizard.StepType, wizard.StepWhere, wizard.StepAccess:
		m.form.note, m.form.noteBad = m.regionNote()
		return m.form.view(m.w, m.st, m.contentWidth(), height, m.opts.ScreenShare)
	case wizard.StepPolicies:
		return m.pol.view(m.st, m.contentWidth(), height)
	case wizard.StepTest:
		return m.viewTest(height)
	case wizard.StepReview:
		return m.viewReview(height)
	case wizard.StepDone:
		return m.viewDone()
	case wizard.StepConfirmDelete, wizard.StepConfirmRotate, wizard.StepConfirmDiscard:
		return m.viewConfirm()
	}
	return ""
}

// resize passes the body size to the screens that scroll.
func (m *model) resize() {
	head := m.header()
	foot := m.footer()
	h := m.height - lipgloss.Height(head) - lipgloss.Height(foot)
	if h < 3 {
		h = 3
	}
	m.pol.setSize(m.contentWidth(), h)
	m.review.setSize(m.width, h)
	m.form.setWidth(m.contentWidth())
}

// wrap word-wraps s to width and styles each line.
func wrap(st lipgloss.Style, s string, width int) string {
	w := lipgloss.Wrap(s, width, " /-")
	lines := strings.Split(w, "\n")
	for i, l := range lines {
		lines[i] = st.Render(l)
	}
	return strings.Join(lines, "\n")
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
