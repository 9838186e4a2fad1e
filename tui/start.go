package tui

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/wizard"
)

// startState is the list of saved locations; the row after the last
// location is "add a new location".
type startState struct {
	cursor int
	offset int
}

func (s *startState) clamp(n int) {
	s.cursor = max(0, min(s.cursor, n))
}

// selected returns the entry under the cursor, if any.
func (m *model) selected() (wizard.Entry, bool) {
	es := m.w.Entries()
	if m.start.cursor < len(es) {
		return es[m.start.cursor], true
	}
	return wizard.Entry{}, false
}

// offers reports whether the entry offers action a.
func offers(e wizard.Entry, a wizard.Action) bool { return slices.Contains(e.Actions, a) }

func (m *model) updateStart(msg tea.Msg) tea.Cmd {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := m.keys
	n := len(m.w.Entries())
	loc, onLoc := m.selected()
	var err error
	switch {
	case key.Matches(kp, k.Up):
		m.start.cursor = max(0, m.start.cursor-1)
	case key.Matches(kp, k.Down):
		m.start.cursor = min(n, m.start.cursor+1)
	case key.Matches(kp, k.Add), key.Matches(kp, k.AddOnStart):
		m.form.detecting = false
		m.detect.stop()
		m.w.Add()
	case key.Matches(kp, k.Edit) && onLoc:
		m.form.detecting = false
		m.detect.stop()
		err = m.w.Edit(loc.Name)
	case key.Matches(kp, k.TestLoc) && onLoc:
		m.form.detecting = false
		if err = m.w.Edit(loc.Name); err == nil {
			err = m.w.Goto(wizard.StepTest)
		}
	case key.Matches(kp, k.Rotate) && onLoc && offers(loc, wizard.ActionRotate):
		err = m.w.Rotate(loc.Name)
	case key.Matches(kp, k.ExportLoc) && onLoc:
		return m.openExport(loc.Name)
	case key.Matches(kp, k.DeleteLoc) && onLoc:
		err = m.w.Delete(loc.Name)
	case key.Matches(kp, k.QuitStart):
		m.quit()
	}
	if err != nil {
		m.setStatus(m.w.DisplayError(err), true)
	}
	return nil
}

// testWord is the last test in one word with a symbol, so it reads
// without colour.
func (m *model) testWord(t *config.TestResult) string {
	switch {
	case t == nil:
		return m.st.muted.Render("· not tested")
	case t.OK:
		return m.st.ok.Render("✓ test passed " + t.At.Format("2006-01-02 15:04"))
	}
	// The summary names the failed checks, whose titles come from the
	// store.
	summary := t.Summary
	if m.opts.ScreenShare {
		summary = wizard.MaskAccountIDs(summary)
	}
	return m.st.err.Render("✗ test failed " + t.At.Format("2006-01-02 15:04") + ": " + summary)
}

func (m *model) viewStart(height int) string {
	locs := m.w.Entries()
	var rows []string
	nameW := 8
	for _, l := range locs {
		nameW = max(nameW, min(24, len(l.Name)))
	}
	width := m.contentWidth()
	for i, l := range locs {
		marker := "  "
		if i == m.start.cursor {
			marker = "› "
		}
		name := fmt.Sprintf("%-*s", nameW, l.Name)
		line := marker + name + "  " + l.Where + "  " + m.st.muted.Render(l.Type)
		if l.RotationPending {
			line += "  (new external ID pending)"
		}
		line = clipLines(line, width)
		if i == m.start.cursor {
			line = m.st.selected.Render(line)
		}
		rows = append(rows, line, clipLines("    "+m.testWord(l.LastTest), width))
	}
	add := "  + Add a new location"
	if m.start.cursor == len(locs) {
		add = m.st.selected.Render("› + Add a new location")
	}
	if len(locs) > 0 {
		rows = append(rows, "")
	}
	rows = append(rows, add)
	// Scroll so the cursor's location (its two rows) stays in view, with
	// what does not fit marked above and below.
	cur, curEnd := 2*m.start.cursor, 2*m.start.cursor+2
	if m.start.cursor == len(locs) {
		cur, curEnd = len(rows)-1, len(rows)
	}
	m.start.offset = follow(m.start.offset, cur, curEnd, height)
	body, off := window(rows, m.start.offset, height, m.st.muted)
	m.start.offset = off
	return body
}
