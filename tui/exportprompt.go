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

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// sourcesExample is a valid answer to the folders question.
const sourcesExample = "/var/spool/recordings, ~/screen-recordings"

// exportPrompt asks which folders to export before the wizard hands over
// to the export (x on the Done screen or on a saved location). It is
// shown over the screen it was asked from.
type exportPrompt struct {
	*common
	still
	keys exportKeys
	// name is the location to export to.
	name string
	in   textinput.Model
	// checking is set while the folders are being looked at; the answer
	// comes as a sourcesMsg.
	checking bool
	err      string
	// close returns to the screen the question was asked from.
	close func()
}

type exportKeys struct {
	StartExport, Cancel, Quit key.Binding
}

// sourcesMsg is the outcome of checking the typed folders.
type sourcesMsg struct {
	text    string
	sources []string
	from    string
	err     error
}

// openExport shows the folders question for location name.
func (m *model) openExport(name string) tea.Cmd {
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = "e.g. " + sourcesExample
	in.SetStyles(m.st.input)
	in.SetWidth(max(20, m.contentWidth()-8))
	m.exp = &exportPrompt{common: m.common, name: name, in: in, close: func() { m.exp = nil }, keys: exportKeys{
		StartExport: bind([]string{"enter"}, "enter", "start export"),
		Cancel:      bind([]string{"esc"}, "esc", "cancel"),
		Quit:        quitKey(),
	}}
	return m.exp.in.Focus()
}

// ShortHelp implements help.KeyMap.
func (e *exportPrompt) ShortHelp() []key.Binding {
	k := &e.keys
	k.StartExport.SetEnabled(!e.checking)
	return enabled(&k.StartExport, &k.Cancel, &k.Quit)
}

// FullHelp implements help.KeyMap.
func (e *exportPrompt) FullHelp() [][]key.Binding { return [][]key.Binding{e.ShortHelp()} }

func (e *exportPrompt) typing() bool { return true }

// update handles the folders question: enter checks the folders (in a
// command: a folder may be on a slow network share), esc returns to the
// screen it was asked from.
func (e *exportPrompt) update(msg tea.Msg) tea.Cmd {
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
	e.ShortHelp()
	kp, isKey := msg.(tea.KeyPressMsg)
	switch {
	case isKey && key.Matches(kp, e.keys.Cancel):
		e.close()
		return nil
	case isKey && key.Matches(kp, e.keys.StartExport):
		e.checking, e.err = true, ""
		text := e.in.Value()
		f := e.w.File()
		return func() tea.Msg {
			srcs, from, err := exportSource(text, f, e.name)
			return sourcesMsg{text: text, sources: srcs, from: from, err: err}
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

// listen ends the wizard with the checked folders, or shows what is wrong
// with them.
func (e *exportPrompt) listen(msg tea.Msg) (tea.Cmd, bool) {
	src, ok := msg.(sourcesMsg)
	if !ok {
		return nil, false
	}
	if !e.checking {
		return nil, true
	}
	e.checking = false
	if src.text != e.in.Value() {
		// Typed on while the check ran: check what is there now.
		return nil, true
	}
	if src.err != nil {
		e.err = src.err.Error()
		return nil, true
	}
	e.result.Location, e.result.ExportNow, e.result.Sources, e.result.From = e.name, true, src.sources, src.from
	e.quit()
	return nil, true
}

func (e *exportPrompt) header() string {
	lines := []string{e.st.title.Render("Stowage · Export to " + e.name)}
	if e.opts.ScreenShare {
		lines = append(lines, e.st.banner.Render(" SCREEN-SHARE MODE: secrets hidden "))
	}
	intro := "Which folders hold the recordings? Everything below them is exported to " + e.name +
		" behind a progress screen. Files already exported are skipped, so an export that stops can simply be run again."
	if others := otherLocations(e.w.File(), e.name); len(others) > 0 {
		intro += " Or name a saved location to export from (" + strings.Join(others, ", ") + "), with a prefix after a colon if you like."
	}
	lines = append(lines, "", wrap(e.st.intro, intro, e.contentWidth()), "")
	return strings.Join(lines, "\n")
}

func (e *exportPrompt) view() string {
	st, width := e.st, e.contentWidth()
	var b strings.Builder
	b.WriteString(st.focused.Render("› Folders of recordings *") + "\n")
	b.WriteString("  " + e.in.View())
	switch {
	case e.checking:
		b.WriteString("\n" + st.muted.Render("    checking the folders…"))
	case e.err != "":
		// The error ends with an example; the help would repeat it.
		b.WriteString("\n" + indent(wrap(st.err, "✗ "+e.err, width-4), "    "))
		return b.String()
	}
	b.WriteString("\n" + indent(wrap(st.muted, "Separate several folders with commas; ~ is your home folder. For example: "+sourcesExample, width-4), "    "))
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

// exportSource reads the answer to the folders question: folders (see
// sourceFolders), or a saved location other than dest to export from,
// SOURCE or SOURCE:PREFIX, returned as from. A folder of that name wins.
func exportSource(text string, f *config.File, dest string) (sources []string, from string, err error) {
	srcs, ferr := sourceFolders(text)
	if ferr == nil {
		return srcs, "", nil
	}
	t := strings.TrimSpace(text)
	name, _, _ := strings.Cut(t, ":")
	if f != nil && name != "" && !strings.Contains(t, ",") {
		if _, ok := f.Find(name); ok {
			if name == dest {
				return nil, "", &validate.Error{Field: "folders", Rule: fmt.Sprintf("%q is the location being exported to; name another saved location or folders", name),
					Example: sourcesExample}
			}
			return nil, t, nil
		}
		if others := otherLocations(f, dest); len(others) > 0 && !strings.ContainsAny(name, `/\~`) {
			return nil, "", &validate.Error{Field: "folders", Rule: fmt.Sprintf("%q is neither a folder nor a saved location (saved: %s)", name, strings.Join(others, ", ")),
				Example: sourcesExample + ", or " + others[0]}
		}
	}
	return nil, "", ferr
}

// otherLocations are the saved locations a wizard's export could read
// from: every one but dest.
func otherLocations(f *config.File, dest string) []string {
	if f == nil {
		return nil
	}
	var out []string
	for _, n := range f.Names() {
		if n != dest {
			out = append(out, n)
		}
	}
	return out
}
