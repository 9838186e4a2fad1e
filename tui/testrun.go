package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/providers"
)

// testScreen is the Test step: the checklist as the provider reports it.
// Enter continues from every row; the selected check's field and fix
// have keys of their own.
type testScreen struct {
	*common
	keys   testKeys
	height int
	spin   spinner.Model
	// run numbers each test, so results of a test that was abandoned (the
	// user retried or left) are dropped.
	run     int
	running bool
	cancel  context.CancelFunc
	ch      chan tea.Msg
	checks  []providers.Check
	cursor  int
	// scroll shows the part of the checklist that fits.
	scroll scroller
	// err is why the test could not run at all.
	err error
	// confirming shows the question "save with the failed test?", which
	// names what fails.
	confirming bool
}

type testKeys struct {
	Proceed key.Binding
	// SaveFailed saves the location although checks fail, after
	// confirming; shown on every row while the test has failures.
	SaveFailed key.Binding
	Confirm    key.Binding
	Cancel     key.Binding
	Up         key.Binding
	Down       key.Binding
	Jump       key.Binding
	Retry      key.Binding
	Fix        key.Binding
	Back       key.Binding
	Quit       key.Binding
}

func newTestScreen(c *common) *testScreen {
	return &testScreen{common: c, spin: newSpinner(), scroll: newScroller(), keys: testKeys{
		Proceed:    bind([]string{"enter"}, "enter", "continue"),
		SaveFailed: bind([]string{"s"}, "s", "save with failed test"),
		Confirm:    bind([]string{"y"}, "y", "save with failed test"),
		Cancel:     bind([]string{"n", "esc"}, "n/esc", "keep fixing"),
		Up:         upKey(),
		Down:       downKey(),
		Jump:       bind([]string{"e"}, "e", "go to field"),
		Retry:      bind([]string{"r"}, "r", "retry"),
		Fix:        bind([]string{"f"}, "f", "apply fix"),
		Back:       backKey(),
		Quit:       quitKey(),
	}}
}

func (k *testKeys) all() []*key.Binding {
	return []*key.Binding{&k.Confirm, &k.Cancel, &k.Proceed, &k.SaveFailed, &k.Up, &k.Down, &k.Jump, &k.Retry, &k.Fix, &k.Back, &k.Quit}
}

// sync enables what applies to the selected check; while the test runs
// only leaving it.
func (t *testScreen) sync() {
	k := &t.keys
	setAll(false, k.all()...)
	if t.confirming {
		setAll(true, &k.Confirm, &k.Cancel, &k.Quit)
		return
	}
	setAll(true, &k.Back, &k.Quit)
	if t.running {
		return
	}
	setAll(true, &k.Proceed, &k.Retry)
	k.SaveFailed.SetEnabled(len(t.failed()) > 0)
	setAll(len(t.checks) > 1, &k.Up, &k.Down)
	c, ok := t.selectedCheck()
	k.Jump.SetEnabled(ok && canJump(c))
	k.Fix.SetEnabled(ok && c.Fix != "")
}

// ShortHelp implements help.KeyMap.
func (t *testScreen) ShortHelp() []key.Binding {
	t.sync()
	return enabled(t.keys.all()...)
}

// FullHelp implements help.KeyMap.
func (t *testScreen) FullHelp() [][]key.Binding { return [][]key.Binding{t.ShortHelp()} }

func (t *testScreen) setSize(_, h int) { t.height = h }

// enter starts the test, unless the wizard still holds a report for the
// draft as it is: coming back then shows it.
func (t *testScreen) enter() tea.Cmd {
	t.confirming = false
	if t.running || t.doneFor() {
		return nil
	}
	return t.startTest()
}

func newSpinner() spinner.Model {
	return spinner.New(spinner.WithSpinner(spinner.Line))
}

// checkMsg is one check starting or finishing.
type checkMsg struct {
	run   int
	check providers.Check
}

// testDoneMsg ends a test.
type testDoneMsg struct {
	run    int
	report providers.Report
	err    error
}

// doneFor reports whether the wizard still holds a report for the draft
// as it is, so coming back to the Test step shows it instead of testing
// again.
func (t *testScreen) doneFor() bool {
	r, ok := t.w.TestReport()
	if ok {
		t.checks = r.Checks
		t.err = nil
		t.pointAtFailure()
	}
	return ok
}

func (t *testScreen) stop() {
	if t.cancel != nil {
		t.cancel()
		t.cancel = nil
	}
	t.running = false
}

// pointAtFailure puts the cursor on the first failed check, else the
// first warning, else the top.
func (t *testScreen) pointAtFailure() {
	t.cursor = 0
	for _, want := range []providers.Status{providers.StatusFail, providers.StatusWarn} {
		for i, c := range t.checks {
			if c.Status == want {
				t.cursor = i
				return
			}
		}
	}
}

// startTest runs the connection test of the draft in the background; its
// checks come back one message at a time through a channel.
func (t *testScreen) startTest() tea.Cmd {
	t.stop()
	t.confirming = false
	ctx, cancel := context.WithCancel(t.ctx)
	t.run++
	t.running = true
	t.cancel = cancel
	t.checks = nil
	t.err = nil
	t.cursor = 0
	t.scroll.vp.GotoTop()
	ch := make(chan tea.Msg, 32)
	t.ch = ch
	run, loc, open := t.run, t.w.Draft(), t.opts.Open
	produce := func() {
		defer close(ch)
		send := func(msg tea.Msg) {
			select {
			case ch <- msg:
			case <-ctx.Done():
			}
		}
		if open == nil {
			send(testDoneMsg{run: run, err: errors.New("no way to open the location was given to the wizard")})
			return
		}
		p, err := open(ctx, loc)
		if err != nil {
			send(testDoneMsg{run: run, err: err})
			return
		}
		rep, err := p.Test(ctx, func(c providers.Check) { send(checkMsg{run: run, check: c}) })
		send(testDoneMsg{run: run, report: rep, err: err})
	}
	first := func() tea.Msg {
		go produce()
		return next(ch)
	}
	return tea.Batch(first, t.spin.Tick)
}

// next waits for the test's next message.
func next(ch <-chan tea.Msg) tea.Msg {
	msg, ok := <-ch
	if !ok {
		return nil
	}
	return msg
}

func waitNext(ch <-chan tea.Msg) tea.Cmd { return func() tea.Msg { return next(ch) } }

// listen takes the test's progress and its spinner's ticks, whatever the
// screen, so a late result of a test the user left is still recorded or
// dropped consistently.
func (t *testScreen) listen(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case checkMsg:
		return t.onCheck(msg), true
	case testDoneMsg:
		return t.onTestDone(msg), true
	case spinner.TickMsg:
		if msg.ID != t.spin.ID() {
			return nil, false
		}
		if !t.running {
			return nil, true
		}
		var cmd tea.Cmd
		t.spin, cmd = t.spin.Update(msg)
		return cmd, true
	}
	return nil, false
}

func (t *testScreen) onCheck(msg checkMsg) tea.Cmd {
	if msg.run != t.run || !t.running {
		return nil
	}
	replaced := false
	for i := range t.checks {
		if t.checks[i].ID == msg.check.ID {
			t.checks[i] = msg.check
			replaced = true
		}
	}
	if !replaced {
		t.checks = append(t.checks, msg.check)
	}
	return waitNext(t.ch)
}

func (t *testScreen) onTestDone(msg testDoneMsg) tea.Cmd {
	if msg.run != t.run || !t.running {
		return nil
	}
	t.stop()
	if msg.err != nil {
		t.err = msg.err
		return nil
	}
	if msg.report.Started.IsZero() {
		msg.report.Started = t.now()
	}
	t.checks = msg.report.Checks
	t.w.SetTestReport(msg.report)
	t.pointAtFailure()
	// The user asked for the region to be detected: the wizard applies
	// what the test found, and the test runs again without a key press.
	if region, ok := t.w.DetectFromTest(); ok {
		t.setStatus(fmt.Sprintf("Detected the bucket's region: %s. Testing again.", t.w.DisplayText(region)), false)
		return t.startTest()
	}
	// A test of a saved location started from the list: the list shows
	// its outcome from now on.
	if saved, err := t.w.SaveTestResult(t.opts.ConfigPath, t.opts.Save); err != nil {
		t.fail(err)
	} else if saved {
		t.setStatus("Saved the result to "+t.w.Editing()+"; esc returns to the list.", false)
	}
	return nil
}

func (t *testScreen) now() time.Time {
	if t.opts.Now != nil {
		return t.opts.Now()
	}
	return time.Now()
}

// selectedCheck returns the check under the cursor.
func (t *testScreen) selectedCheck() (providers.Check, bool) {
	if t.cursor < len(t.checks) {
		return t.checks[t.cursor], true
	}
	return providers.Check{}, false
}

// canJump reports whether enter on c goes to the field behind it.
func canJump(c providers.Check) bool {
	return c.Field != "" && (c.Status == providers.StatusFail || c.Status == providers.StatusWarn)
}

func (t *testScreen) update(msg tea.Msg) tea.Cmd {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	t.sync()
	k := t.keys
	c, _ := t.selectedCheck()
	if t.confirming {
		switch {
		case key.Matches(kp, k.Confirm):
			t.confirming = false
			t.saveWithFailures()
		case key.Matches(kp, k.Cancel):
			t.confirming = false
		}
		return nil
	}
	switch {
	case key.Matches(kp, k.SaveFailed):
		t.confirming = true
	case key.Matches(kp, k.Back):
		t.stop()
		t.w.Back()
	case key.Matches(kp, k.Up):
		t.cursor = max(0, t.cursor-1)
	case key.Matches(kp, k.Down):
		t.cursor = min(max(0, len(t.checks)-1), t.cursor+1)
	case key.Matches(kp, k.Retry):
		return t.startTest()
	case key.Matches(kp, k.Fix):
		if err := t.w.AcceptFix(c); err != nil {
			t.fail(err)
			return nil
		}
		t.setStatus(fmt.Sprintf("Set %s to %s. Testing again.", c.Field, t.w.DisplayText(c.Fix)), false)
		return t.startTest()
	case key.Matches(kp, k.Jump):
		t.stop()
		t.w.JumpToField(c.Field)
	case key.Matches(kp, k.Proceed):
		t.stop()
		t.next()
	}
	return nil
}

// allPassed is the summary of a test without failures or warnings.
func allPassed(n int) string {
	if n == 1 {
		return "✓ The check passed."
	}
	return fmt.Sprintf("✓ All %d checks passed.", n)
}

// failed returns the checks that failed (advisory ones aside): what a save
// with the failed test leaves broken.
func (t *testScreen) failed() []providers.Check {
	var out []providers.Check
	for _, c := range t.checks {
		if c.Status == providers.StatusFail && !c.Advisory {
			out = append(out, c)
		}
	}
	return out
}

// saveWithFailures saves the draft as the user confirmed, failed test and
// all, the way Save on the Review step does; the result (failed) is saved
// with it, so the list says so.
func (t *testScreen) saveWithFailures() {
	if t.opts.Save == nil {
		t.setStatus("cannot save: no save function was given to the wizard", true)
		return
	}
	name := t.w.Draft().Name
	if err := t.w.Save(t.opts.ConfigPath, t.opts.Save); err != nil {
		t.fail(err)
		return
	}
	if err := keepJournals(t.opts.ConfigPath, t.w); err != nil {
		t.setStatus("saved, but "+t.w.DisplayError(err), true)
	}
	t.result.Saved = true
	t.result.Location = name
}

// confirmView is the question before a save with failed checks: each
// failed check with what it said, and what saving means.
func (t *testScreen) confirmView(width int) string {
	failed := t.failed()
	var b strings.Builder
	b.WriteString(wrap(t.st.warn, fmt.Sprintf("Save %s although %d of %s failed?", t.w.Draft().Name, len(failed), plural(len(t.checks), "check")), width) + "\n\n")
	for _, c := range failed {
		line := t.w.DisplayText(c.Title)
		if c.Detail != "" {
			line += " — " + t.w.DisplayText(c.Detail)
		}
		b.WriteString(indent(wrap(t.st.err, "✗ "+line, width-2), "  ") + "\n")
	}
	b.WriteString("\n" + wrap(t.st.muted, "It is saved with the failed test (the list shows it), and exports to it will fail until these are fixed.", width))
	return b.String()
}

// symbol marks a check's status with a character, so it reads without
// colour.
func (t *testScreen) symbol(c providers.Check) string {
	switch c.Status {
	case providers.StatusRunning:
		return t.spin.View()
	case providers.StatusPass:
		return t.st.ok.Render("✓")
	case providers.StatusWarn:
		return t.st.warn.Render("!")
	case providers.StatusFail:
		if c.Advisory {
			return t.st.warn.Render("!")
		}
		return t.st.err.Render("✗")
	case providers.StatusSkipped:
		return t.st.muted.Render("–")
	}
	return " "
}

func (t *testScreen) view() string {
	height, width := t.height, t.contentWidth()
	if t.confirming {
		return t.confirmView(width)
	}
	var head string
	switch {
	case t.running:
		head = t.spin.View() + " Testing " + where(t.w.Draft()) + " …"
	case t.err != nil:
		head = wrap(t.st.err, "✗ The test could not run: "+t.w.DisplayError(t.err), width)
	default:
		head = t.testSummary()
	}
	head += "\n"
	var lines []string
	var starts []int
	top, bottom := 0, 0
	for i, c := range t.checks {
		start := len(lines)
		starts = append(starts, start)
		lines = append(lines, t.checkLines(c, i == t.cursor && !t.running, width)...)
		// While the test runs the newest check is the news; after, the
		// one under the cursor.
		if (!t.running && i == t.cursor) || (t.running && i == len(t.checks)-1) {
			top, bottom = start, len(lines)
		}
	}
	// Scroll the checklist so the selected check is in view; the summary
	// stays on top, and what does not fit is marked above and below.
	room := max(2, height-lipgloss.Height(head))
	off := follow(t.scroll.offset(), top, bottom, room)
	if len(lines) > room {
		// At the end the window has no "more below" row to keep.
		off = min(off, len(lines)-(room-1))
	}
	// Start the window at a check, not inside one, as long as the check
	// to keep in view stays in it; the rows this frees at the end stay
	// empty.
	if i, found := slices.BinarySearch(starts, off); !found && off > 0 && i < len(starts) && starts[i] <= top {
		off = starts[i]
		for len(lines)-(room-1) < off {
			lines = append(lines, "")
		}
	}
	return head + "\n" + t.scroll.window(lines, off, room, t.st.muted)
}

// checkLines draws one check: status symbol, title and duration, then the
// detail (on the same line when it fits), and for a failure or warning the
// hint, the error code, the field behind it and the fix.
func (t *testScreen) checkLines(c providers.Check, selected bool, width int) []string {
	// Everything a check says comes from the store or the provider and
	// may quote ARNs, the external ID or a request: mask it as the
	// wizard masks its own values.
	c.Title, c.Detail, c.Hint, c.Fix = t.w.DisplayText(c.Title), t.w.DisplayText(c.Detail), t.w.DisplayText(c.Hint), t.w.DisplayText(c.Fix)
	marker := "  "
	title := c.Title
	if selected {
		marker = "› "
		title = t.st.selected.Render(title)
	}
	dur := ""
	if c.Status != providers.StatusRunning && c.Duration >= time.Millisecond {
		dur = t.st.muted.Render(" (" + c.Duration.Round(time.Millisecond).String() + ")")
	}
	head := marker + t.symbol(c) + " " + title
	var out []string
	if c.Detail != "" && lipgloss.Width(head)+3+lipgloss.Width(c.Detail)+lipgloss.Width(dur) <= width {
		out = append(out, head+" — "+c.Detail+dur)
	} else {
		out = append(out, head+dur)
		if c.Detail != "" {
			out = append(out, strings.Split(indent(wrap(t.st.value, c.Detail, width-6), "      "), "\n")...)
		}
	}
	if c.Status == providers.StatusFail || c.Status == providers.StatusWarn {
		if c.Hint != "" {
			out = append(out, strings.Split(indent(wrap(t.st.muted, c.Hint, width-6), "      "), "\n")...)
		}
		var extra []string
		if c.Code != "" {
			extra = append(extra, "code "+c.Code)
		}
		if c.Field != "" {
			extra = append(extra, "field "+c.Field)
		}
		if c.Fix != "" {
			extra = append(extra, "fix: "+c.Field+" = "+c.Fix)
		}
		if len(extra) > 0 {
			out = append(out, strings.Split(indent(wrap(t.st.muted, strings.Join(extra, " · "), width-6), "      "), "\n")...)
		}
	}
	return out
}

// testSummary says how the finished test went.
func (t *testScreen) testSummary() string {
	failed, warned := 0, 0
	for _, c := range t.checks {
		switch {
		case c.Status == providers.StatusFail && !c.Advisory:
			failed++
		case c.Status == providers.StatusWarn || c.Status == providers.StatusFail:
			warned++
		}
	}
	n := len(t.checks)
	switch {
	case n == 0:
		return "The test has not run."
	case failed > 0:
		them := "them"
		if failed == 1 {
			them = "it"
		}
		return t.st.err.Render(fmt.Sprintf("✗ %d of %s failed.", failed, humanize.Count(n, "check"))) + " Fix " + them + ", then press r to test again."
	case warned > 0:
		return t.st.warn.Render(fmt.Sprintf("! Passed with %s.", plural(warned, "warning")))
	}
	return t.st.ok.Render(allPassed(n))
}

// where names the draft's storage for the test line.
func where(l config.Location) string {
	switch {
	case l.S3 != nil:
		return "s3://" + l.S3.Bucket + "/" + l.S3.Prefix
	case l.Azure != nil:
		return "container " + l.Azure.Container
	case l.Local != nil:
		return l.Local.Path
	}
	return l.Name
}
