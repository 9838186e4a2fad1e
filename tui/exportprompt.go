package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/validate"
)

// sourcesExample is a valid answer to the folders question.
const sourcesExample = "/var/spool/recordings, ~/screen-recordings"

// exportPrompt asks which folders to export before the wizard hands over
// to the export (x on the Done screen or on a saved location).
type exportPrompt struct {
	active bool
	// name is the location to export to.
	name string
	in   textinput.Model
	// checking is set while the folders are being looked at; the answer
	// comes as a sourcesMsg.
	checking bool
	err      string
}

// sourcesMsg is the outcome of checking the typed folders.
type sourcesMsg struct {
	text    string
	sources []string
	err     error
}

// openExport shows the folders question for location name.
func (m *model) openExport(name string) tea.Cmd {
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = "e.g. " + sourcesExample
	in.SetStyles(m.st.input)
	in.SetWidth(max(20, m.contentWidth()-8))
	m.exp = exportPrompt{active: true, name: name, in: in}
	m.syncKeys()
	return m.exp.in.Focus()
}

// updateExport handles the folders question: enter checks the folders
// (in a command: a folder may be on a slow network share), esc returns to
// the screen it was asked from.
func (m *model) updateExport(msg tea.Msg) tea.Cmd {
	e := &m.exp
	if p, ok := msg.(tea.PasteMsg); ok {
		// One folder per line is fine too: the input is one line, so the
		// lines become a comma-separated list instead of running together.
		lines := strings.FieldsFunc(strings.ReplaceAll(p.Content, "\r", ""), func(r rune) bool { return r == '\n' })
		p.Content = strings.Join(lines, ", ")
		if strings.TrimSpace(e.in.Value()) != "" && len(lines) > 1 {
			p.Content = ", " + p.Content
		}
		msg = p
	}
	kp, isKey := msg.(tea.KeyPressMsg)
	switch {
	case isKey && key.Matches(kp, m.keys.Cancel):
		m.exp = exportPrompt{}
		return nil
	case isKey && key.Matches(kp, m.keys.StartExport):
		if e.checking {
			return nil
		}
		e.checking, e.err = true, ""
		text := e.in.Value()
		return func() tea.Msg {
			srcs, err := sourceFolders(text)
			return sourcesMsg{text: text, sources: srcs, err: err}
		}
	}
	before := e.in.Value()
	var cmd tea.Cmd
	e.in, cmd = e.in.Update(msg)
	if e.in.Value() != before {
		e.err = ""
	}
	return cmd
}

// onSources ends the wizard with the checked folders, or shows what is
// wrong with them.
func (m *model) onSources(msg sourcesMsg) tea.Cmd {
	e := &m.exp
	if !e.active || !e.checking {
		return nil
	}
	e.checking = false
	if msg.text != e.in.Value() {
		// Typed on while the check ran: check what is there now.
		return nil
	}
	if msg.err != nil {
		e.err = msg.err.Error()
		return nil
	}
	m.result.Location, m.result.ExportNow, m.result.Sources = e.name, true, msg.sources
	m.quit()
	return nil
}

func (m *model) exportHeader() string {
	lines := []string{m.st.title.Render("Stowage · Export to " + m.exp.name)}
	if m.opts.ScreenShare {
		lines = append(lines, m.st.banner.Render(" SCREEN-SHARE MODE: secrets hidden "))
	}
	lines = append(lines, "", wrap(m.st.intro, "Which folders hold the recordings? Everything below them is exported to "+m.exp.name+
		" behind a progress screen. Files already exported are skipped, so an export that stops can simply be run again.", m.contentWidth()), "")
	return strings.Join(lines, "\n")
}

func (m *model) viewExport() string {
	e := &m.exp
	width := m.contentWidth()
	var b strings.Builder
	b.WriteString(m.st.focused.Render("› Folders of recordings *") + "\n")
	b.WriteString("  " + e.in.View())
	switch {
	case e.checking:
		b.WriteString("\n" + m.st.muted.Render("    checking the folders…"))
	case e.err != "":
		// The error ends with an example; the help would repeat it.
		b.WriteString("\n" + indent(wrap(m.st.err, "✗ "+e.err, width-4), "    "))
		return b.String()
	}
	b.WriteString("\n" + indent(wrap(m.st.muted, "Separate several folders with commas; ~ is your home folder. For example: "+sourcesExample, width-4), "    "))
	return b.String()
}

// sourceFolders turns the answer to the folders question into absolute
// paths of existing folders: separated by commas or lines, ~ expanded,
// duplicates dropped. The error names the folder, what is wrong and an
// example. An answer that is one existing folder is taken whole, so a
// folder whose name holds a comma still works.
func sourceFolders(text string) ([]string, error) {
	text = strings.TrimSpace(text)
	bad := func(rule string) error {
		return &validate.Error{Field: "folders", Rule: rule, Example: sourcesExample}
	}
	if text == "" {
		return nil, bad("enter at least one folder of recordings")
	}
	var parts []string
	if st, err := os.Stat(expandHome(text)); err == nil && st.IsDir() && !strings.Contains(text, "\n") {
		parts = []string{text}
	} else {
		parts = strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' })
	}
	var out []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		abs, err := filepath.Abs(expandHome(p))
		if err != nil {
			return nil, bad(fmt.Sprintf("%q cannot be resolved: %v", p, err))
		}
		st, err := os.Stat(abs)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, bad(fmt.Sprintf("folder %q does not exist", p))
		case errors.Is(err, fs.ErrPermission):
			return nil, bad(fmt.Sprintf("folder %q cannot be read: permission denied", p))
		case err != nil:
			return nil, bad(fmt.Sprintf("folder %q cannot be read: %v", p, errors.Unwrap(err)))
		case !st.IsDir():
			return nil, bad(fmt.Sprintf("%q is a file, not a folder: give the folder that holds the recordings", p))
		}
		if !slices.Contains(out, abs) {
			out = append(out, abs)
		}
	}
	if len(out) == 0 {
		return nil, bad("enter at least one folder of recordings")
	}
	return out, nil
}

// expandHome replaces a leading ~ (alone or before a slash) with the home
// folder; ~user is left as typed.
func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, "~"+string(filepath.Separator)) {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, p[1:])
}
