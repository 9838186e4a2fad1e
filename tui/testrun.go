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
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/wizard"
)

// testState is the Test step: the checklist as the provider reports it.
type testState struct {
	spin spinner.Model
	// run numbers each test, so results of a test that was abandoned (the
	// user retried or left) are dropped.
	run     int
	running bool
	cancel  context.CancelFunc
	ch      chan tea.Msg
	checks  []providers.Check
	cursor  int
	// offset is the first line of the checklist on screen.
	offset int
	// err is why the test could not run at all.
	err error
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
func (t *testState) doneFor(w *wizard.Wizard) bool {
	r, ok := w.TestReport()
	if ok {
		t.checks = r.Checks
		t.err = nil
		t.pointAtFailure()
	}
	return ok
}

func (t *testState) stop() {
	if t.cancel != nil {
		t.cancel()
		t.cancel = nil
	}
	t.running = false
}

// pointAtFailure puts the cursor on the first failed check, else the
// first warning, else the top.
func (t *testState) pointAtFailure() {
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
func (m *model) startTest() tea.Cmd {
	m.test.stop()
	ctx, cancel := context.WithCancel(m.ctx)
	m.test.run++
	m.test.running = true
	m.test.cancel = cancel
	m.test.checks = nil
	m.test.err = nil
	m.test.cursor = 0
	m.test.offset = 0
	ch := make(chan tea.Msg, 32)
	m.test.ch = ch
	run, loc, open := m.test.run, m.w.Draft(), m.opts.Open
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
	return tea.Batch(first, m.test.spin.Tick)
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

func (m *model) onCheck(msg checkMsg) tea.Cmd {
	if msg.run != m.test.run || !m.test.running {
		return nil
	}
	t := &m.test
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

func (m *model) onTestDone(msg testDoneMsg) tea.Cmd {
	if msg.run != m.test.run || !m.test.running {
		return nil
	}
	t := &m.test
	t.stop()
	if msg.err != nil {
		t.err = msg.err
		return nil
	}
	if msg.report.Started.IsZero() {
		msg.report.Started = m.now()
	}
	t.checks = msg.report.Checks
	m.w.SetTestReport(msg.report)
	t.pointAtFailure()
	if m.form.detecting {
		// The user asked for the region to be detected: apply what the
		// test found and test again, without a key press.
		for _, c := range t.checks {
			if c.Field == "region" && c.Fix != "" {
				if err := m.w.ApplyFix(c.Field, c.Fix); err == nil {
					m.form.detecting = false
					m.setStatus(fmt.Sprintf("Detected the bucket's region: %s. Testing again.", m.w.DisplayText(c.Fix)), false)
					return m.startTest()
				}
			}
			if c.ID == "region" && c.Status == providers.StatusPass {
				m.form.detecting = false
			}
		}
	}
	return nil
}

func (m *model) now() time.Time {
	if m.opts.Now != nil {
		return m.opts.Now()
	}
	return time.Now()
}

// selectedCheck returns the check under the cursor.
func (t *testState) selectedCheck() (providers.Check, bool) {
	if t.cursor < len(t.checks) {
		return t.checks[t.cursor], true
	}
	return providers.Check{}, false
}

// canJump reports whether enter on c goes to the field behind it.
func canJump(c providers.Check) bool {
	return c.Field != "" && (c.Status == providers.StatusFail || c.Status == providers.StatusWarn)
}

func (m *model) updateTest(msg tea.Msg) tea.Cmd {
	t := &m.test
	if tick, ok := msg.(spinner.TickMsg); ok {
		if !t.running {
			return nil
		}
		var cmd tea.Cmd
		t.spin, cmd = t.spin.Update(tick)
		return cmd
	}
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := m.keys
	c, onCheck := t.selectedCheck()
	switch {
	case key.Matches(kp, k.Back):
		t.stop()
		m.w.Back()
	case key.Matches(kp, k.Up):
		t.cursor = max(0, t.cursor-1)
	case key.Matches(kp, k.Down):
		t.cursor = min(max(0, len(t.checks)-1), t.cursor+1)
	case key.Matches(kp, k.Retry):
		return m.startTest()
	case key.Matches(kp, k.Fix) && onCheck && c.Fix != "":
		if err := m.w.ApplyFix(c.Field, c.Fix); err != nil {
			m.setStatus(firstLine(m.w.DisplayError(err)), true)
			return nil
		}
		if c.Field == "region" {
			m.form.detecting = false
		}
		m.setStatus(fmt.Sprintf("Set %s to %s. Testing again.", c.Field, m.w.DisplayText(c.Fix)), false)
		return m.startTest()
	case key.Matches(kp, k.Jump) && onCheck && canJump(c):
		t.stop()
		m.w.JumpToField(c.Field)
	case key.Matches(kp, k.Proceed):
		t.stop()
		m.formNextStep()
	}
	return nil
}

// symbol marks a check's status with a character, so it reads without
// colour.
func (m *model) symbol(c providers.Check) string {
	switch c.Status {
	case providers.StatusRunning:
		return m.test.spin.View()
	case providers.StatusPass:
		return m.st.ok.Render("✓")
	case providers.StatusWarn:
		return m.st.warn.Render("!")
	case providers.StatusFail:
		if c.Advisory {
			return m.st.warn.Render("!")
		}
		return m.st.err.Render("✗")
	case providers.StatusSkipped:
		return m.st.muted.Render("–")
	}
	return " "
}

func (m *model) viewTest(height int) string {
	t := &m.test
	width := m.contentWidth()
	var head string
	switch {
	case t.running:
		head = m.test.spin.View() + " Testing " + where(m.w.Draft()) + " …"
	case t.err != nil:
		head = wrap(m.st.err, "✗ The test could not run: "+m.w.DisplayError(t.err), width)
	default:
		head = m.testSummary()
	}
	head += "\n"
	var lines []string
	var starts []int
	top, bottom := 0, 0
	for i, c := range t.checks {
		start := len(lines)
		starts = append(starts, start)
		lines = append(lines, m.checkLines(c, i == t.cursor && !t.running, width)...)
		// While the test runs the newest check is the news; after, the
		// one under the cursor.
		if (!t.running && i == t.cursor) || (t.running && i == len(t.checks)-1) {
			top, bottom = start, len(lines)
		}
	}
	// Scroll the checklist so the selected check is in view; the summary
	// stays on top, and what does not fit is marked above and below.
	room := max(2, height-lipgloss.Height(head))
	t.offset = follow(t.offset, top, bottom, room)
	if len(lines) > room {
		// At the end the window has no "more below" row to keep.
		t.offset = min(t.offset, len(lines)-(room-1))
	}
	// Start the window at a check, not inside one, as long as the check
	// to keep in view stays in it; the rows this frees at the end stay
	// empty.
	if i, found := slices.BinarySearch(starts, t.offset); !found && t.offset > 0 && i < len(starts) && starts[i] <= top {
		t.offset = starts[i]
		for len(lines)-(room-1) < t.offset {
			lines = append(lines, "")
		}
	}
	body, off := window(lines, t.offset, room, m.st.muted)
	t.offset = off
	return head + "\n" + body
}

// checkLines draws one check: status symbol, title and duration, then the
// detail (on the same line when it fits), and for a failure or warning the
// hint, the error code, the field behind it and the fix.
func (m *model) checkLines(c providers.Check, selected bool, width int) []string {
	// Everything a check says comes from the store or the provider and
	// may quote ARNs, the external ID or a request: mask it as the
	// wizard masks its own values.
	c.Title, c.Detail, c.Hint, c.Fix = m.w.DisplayText(c.Title), m.w.DisplayText(c.Detail), m.w.DisplayText(c.Hint), m.w.DisplayText(c.Fix)
	marker := "  "
	title := c.Title
	if selected {
		marker = "› "
		title = m.st.selected.Render(title)
	}
	dur := ""
	if c.Status != providers.StatusRunning && c.Duration >= time.Millisecond {
		dur = m.st.muted.Render(" (" + c.Duration.Round(time.Millisecond).String() + ")")
	}
	head := marker + m.symbol(c) + " " + title
	var out []string
	if c.Detail != "" && lipgloss.Width(head)+3+lipgloss.Width(c.Detail)+lipgloss.Width(dur) <= width {
		out = append(out, head+" — "+c.Detail+dur)
	} else {
		out = append(out, head+dur)
		if c.Detail != "" {
			out = append(out, strings.Split(indent(wrap(m.st.value, c.Detail, width-6), "      "), "\n")...)
		}
	}
	if c.Status == providers.StatusFail || c.Status == providers.StatusWarn {
		if c.Hint != "" {
			out = append(out, strings.Split(indent(wrap(m.st.muted, c.Hint, width-6), "      "), "\n")...)
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
			out = append(out, strings.Split(indent(wrap(m.st.muted, strings.Join(extra, " · "), width-6), "      "), "\n")...)
		}
	}
	return out
}

// testSummary says how the finished test went.
func (m *model) testSummary() string {
	failed, warned := 0, 0
	for _, c := range m.test.checks {
		switch {
		case c.Status == providers.StatusFail && !c.Advisory:
			failed++
		case c.Status == providers.StatusWarn || c.Status == providers.StatusFail:
			warned++
		}
	}
	n := len(m.test.checks)
	switch {
	case n == 0:
		return "The test has not run."
	case failed > 0:
		return m.st.err.Render(fmt.Sprintf("✗ %d of %d checks failed.", failed, n)) + " Fix them, then press r to test again."
	case warned > 0:
		return m.st.warn.Render(fmt.Sprintf("! Passed with %s.", plural(warned, "warning")))
	}
	return m.st.ok.Render(fmt.Sprintf("✓ All %d checks passed.", n))
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
