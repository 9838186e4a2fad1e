package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/wizard"
)

// reviewState scrolls the Review step when it is taller than the screen.
type reviewState struct {
	// offset is the first line on screen; height the rows the body had
	// when last drawn, for paging.
	offset, height int
}

func (r *reviewState) load() { *r = reviewState{} }

func (r *reviewState) setSize(w, h int) { r.height = h }

// scroll moves the Review step by a key: a line with ↑/↓, a page with
// pgup/pgdown. The view clamps the offset to the text.
func (r *reviewState) scroll(kp tea.KeyPressMsg) {
	page := max(1, r.height-2)
	switch kp.String() {
	case "up", "k":
		r.offset--
	case "down", "j":
		r.offset++
	case "pgup":
		r.offset -= page
	case "pgdown":
		r.offset += page
	}
	r.offset = max(0, r.offset)
}

func (m *model) updateReview(msg tea.Msg) tea.Cmd {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(kp, m.keys.Back):
		m.w.Back()
	case key.Matches(kp, m.keys.Save):
		m.save()
	case key.Matches(kp, m.keys.Scroll):
		m.review.scroll(kp)
	}
	return nil
}

// save writes the locations file through the wizard. The write happens
// here, on the loop that owns the wizard, because the wizard changes its
// state only once the write has succeeded; the file is small.
func (m *model) save() {
	if m.opts.Save == nil {
		m.setStatus("cannot save: no save function was given to the wizard", true)
		return
	}
	if err := m.w.Save(m.opts.ConfigPath, m.opts.Save); err != nil {
		m.setStatus(firstLine(m.w.DisplayError(err)), true)
		return
	}
	m.result.Saved = true
	m.result.Location = m.w.Draft().Name
}

// reviewText is the Review step's content: every setting as saved, masked
// by the wizard, then where the file goes and any warnings.
func (m *model) reviewText(width int) string {
	lines := m.w.Review()
	labelW := 0
	for _, l := range lines {
		labelW = max(labelW, len(l.Label))
	}
	labelW = min(labelW, 26)
	var b strings.Builder
	valW := max(20, width-labelW-4)
	for _, l := range lines {
		val := wrap(m.st.value, l.Value, valW)
		vl := strings.Split(val, "\n")
		b.WriteString("  " + m.st.label.Bold(true).Render(fmt.Sprintf("%-*s", labelW, l.Label)) + "  " + vl[0] + "\n")
		for _, more := range vl[1:] {
			b.WriteString(strings.Repeat(" ", labelW+4) + more + "\n")
		}
	}
	b.WriteString("\n" + wrap(m.st.muted, "Saves to "+m.opts.ConfigPath+" (mode 0600: it may hold secret keys).", width) + "\n")
	for _, wn := range m.w.Warnings() {
		b.WriteString(indent(wrap(m.st.warn, "! "+m.w.DisplayText(wn), width-2), "") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (m *model) viewReview(height int) string {
	m.review.height = height
	body, off := window(strings.Split(m.reviewText(m.contentWidth()), "\n"), m.review.offset, height, m.st.muted)
	m.review.offset = off
	return body
}

func (m *model) updateDone(msg tea.Msg) tea.Cmd {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(kp, m.keys.ExportNow):
		// Which folders to export is asked here, so the export can start
		// as soon as the wizard closes.
		return m.openExport(m.result.Location)
	case key.Matches(kp, m.keys.Finish):
		m.quit()
	case key.Matches(kp, m.keys.Back):
		// Back to the list, to add or change another location.
		_ = m.w.Next()
	}
	return nil
}

func (m *model) viewDone() string {
	name := m.result.Location
	width := m.contentWidth()
	var b strings.Builder
	b.WriteString(m.st.ok.Render("✓ Saved to "+m.opts.ConfigPath) + "\n\n")
	if r, ok := m.w.TestReport(); ok {
		if r.OK() {
			b.WriteString(m.st.ok.Render("✓ The connection test passed.") + "\n\n")
		} else {
			b.WriteString(wrap(m.st.warn, "! The last connection test failed; exports will fail until it passes.", width) + "\n\n")
		}
	}
	b.WriteString("What to do next:\n\n")
	b.WriteString("  " + m.st.label.Bold(true).Render(shellWord("stowage test "+name)) + "\n")
	b.WriteString(indent(wrap(m.st.muted, "runs the connection test again, e.g. after changing a policy", width-6), "      ") + "\n\n")
	b.WriteString("  " + m.st.label.Bold(true).Render(shellWord("stowage export "+name)+" DIR") + "\n")
	b.WriteString(indent(wrap(m.st.muted, "exports the recordings in DIR to this location; it resumes where it stopped", width-6), "      ") + "\n\n")
	b.WriteString(wrap(m.st.intro, "Press x to start an export now, or enter to finish.", width))
	return b.String()
}

// shellWord quotes a command line's last word when it needs quoting.
func shellWord(s string) string {
	i := strings.LastIndexByte(s, ' ')
	last := s[i+1:]
	if strings.ContainsAny(last, " '\"$`\\!*?[]{}()<>|&;#~") {
		last = "'" + strings.ReplaceAll(last, "'", `'\''`) + "'"
	}
	return s[:i+1] + last
}

func (m *model) updateConfirm(msg tea.Msg) tea.Cmd {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := m.keys
	var err error
	switch m.w.Step() {
	case wizard.StepConfirmDelete:
		switch {
		case key.Matches(kp, k.Yes):
			name := m.w.DeleteTarget()
			if m.opts.Save == nil {
				err = fmt.Errorf("cannot delete: no save function was given to the wizard")
				break
			}
			if err = m.w.ConfirmDelete(m.opts.ConfigPath, m.opts.Save); err == nil {
				m.result.Saved = true
				m.setStatus(fmt.Sprintf("Deleted location %q.", name), false)
			}
		case key.Matches(kp, k.No):
			m.w.Back()
		}
	case wizard.StepConfirmRotate:
		switch {
		case key.Matches(kp, k.Yes):
			var id string
			if id, err = m.w.ConfirmRotate(); err == nil {
				m.setStatus("New external ID generated; put it in the trust policy, then save. "+mask(id, m.opts.ScreenShare), false)
			}
		case key.Matches(kp, k.TrustUpdated):
			err = m.w.ConfirmTrustUpdated()
		case key.Matches(kp, k.CancelRotate):
			m.w.CancelRotation()
		case key.Matches(kp, k.No):
			m.w.Back()
		}
	case wizard.StepConfirmDiscard:
		switch {
		case key.Matches(kp, k.Yes):
			m.w.ConfirmDiscard()
			if m.quitOnDiscard {
				m.quit()
			}
		case key.Matches(kp, k.No):
			m.quitOnDiscard = false
			m.w.Back()
		}
	}
	if err != nil {
		m.setStatus(firstLine(m.w.DisplayError(err)), true)
	}
	return nil
}

// mask hides an identifier in screen-share mode but its last four
// characters.
func mask(id string, screenShare bool) string {
	if !screenShare || len(id) <= 4 {
		return id
	}
	return "••••••••" + id[len(id)-4:]
}

func (m *model) viewConfirm() string {
	var b strings.Builder
	if m.w.Step() == wizard.StepConfirmRotate {
		cur, pending := m.w.Rotation()
		b.WriteString("  External ID in force:  " + m.st.mark.Render(" "+mask(cur, m.opts.ScreenShare)+" ") + "\n")
		if pending != "" {
			b.WriteString("  New external ID:       " + m.st.mark.Render(" "+mask(pending, m.opts.ScreenShare)+" ") + "\n")
		}
		b.WriteString("\n")
	}
	switch m.w.Step() {
	case wizard.StepConfirmDelete:
		b.WriteString(m.st.label.Bold(true).Render("Press y to delete, n to keep it."))
	case wizard.StepConfirmRotate:
		b.WriteString(m.st.label.Bold(true).Render("Press y to generate a new external ID, n to keep the current one."))
	case wizard.StepConfirmDiscard:
		b.WriteString(m.st.label.Bold(true).Render("Press y to discard your changes, n to keep editing."))
	}
	return b.String()
}
