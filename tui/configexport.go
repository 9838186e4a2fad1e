package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/config"
)

// configExport is the Done step's "Export config file" (issue 10 §1): a
// path (default ./stowage-NAME.yaml) and whether the file is redacted or
// complete, written through config.ExportFile, as `stowage config export
// NAME -o FILE [--redact]` writes it. In screen-share mode redacted is
// preselected, and the prompt says so. A served session never offers it:
// it would write on the server.
type configExport struct {
	open   bool
	path   textinput.Model
	redact bool
	// overwrite is the path the user was warned exists; enter again
	// replaces it.
	overwrite string
}

// configExportKeys are the prompt's keys.
type configExportKeys struct {
	Write, Choose, Cancel key.Binding
}

func newConfigExportKeys() configExportKeys {
	return configExportKeys{
		Write:  bind([]string{"enter"}, "enter", "write"),
		Choose: bind([]string{"up", "down", "tab"}, "↑/↓", "redacted/complete"),
		Cancel: bind([]string{"esc"}, "esc", "cancel"),
	}
}

// defaultExportPath is ./stowage-NAME.yaml, with path separators in the
// name replaced.
func defaultExportPath(name string) string {
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '-'
		}
		return r
	}, name)
	return "./stowage-" + safe + ".yaml"
}

// configExportedMsg reports the export written (or why not).
type configExportedMsg struct {
	path     string
	name     string
	redacted bool
	secrets  bool
	platform bool
	err      error
}

// openExport starts the prompt for the location name.
func (d *doneScreen) openExport() tea.Cmd {
	ce := &d.export
	ce.open = true
	ce.overwrite = ""
	ce.redact = d.opts.ScreenShare
	ce.path = textinput.New()
	ce.path.Prompt = "File: "
	ce.path.SetStyles(d.st.input)
	ce.path.SetValue(defaultExportPath(d.result.Location))
	ce.path.CursorEnd()
	ce.path.SetWidth(max(20, d.contentWidth()-10))
	return ce.path.Focus()
}

// exportUpdate handles a message while the prompt is open.
func (d *doneScreen) exportUpdate(msg tea.Msg) tea.Cmd {
	ce := &d.export
	if kp, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(kp, d.ekeys.Cancel):
			ce.open = false
			return nil
		case key.Matches(kp, d.ekeys.Write):
			return d.writeExport()
		case key.Matches(kp, d.ekeys.Choose):
			ce.redact = !ce.redact
			return nil
		}
	}
	var cmd tea.Cmd
	ce.path, cmd = ce.path.Update(msg)
	ce.overwrite = ""
	return cmd
}

// writeExport checks the path and writes the file in a command, asking
// once before replacing a file.
func (d *doneScreen) writeExport() tea.Cmd {
	ce := &d.export
	name := d.result.Location
	path := strings.TrimSpace(ce.path.Value())
	if path == "" {
		d.setStatus("File: enter where to write the config file, e.g. "+defaultExportPath(name), true)
		return nil
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		d.setStatus(fmt.Sprintf("File: the folder %s does not exist; pick an existing folder, e.g. %s", filepath.Dir(path), defaultExportPath(name)), true)
		return nil
	}
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			d.setStatus(fmt.Sprintf("File: %s is a folder; add a file name, e.g. %s", path, filepath.Join(path, filepath.Base(defaultExportPath(name)))), true)
			return nil
		}
		if ce.overwrite != path {
			ce.overwrite = path
			d.setStatus(path+" exists; press enter again to replace it, or change the name.", true)
			return nil
		}
	}
	ce.open = false
	f, redact := d.w.File(), ce.redact
	return func() tea.Msg {
		e, err := f.ExportFile(path, []string{name}, redact)
		msg := configExportedMsg{path: path, name: name, redacted: redact, err: err}
		if e != nil {
			msg.secrets = e.HasSecrets()
			msg.platform = hasPlatform(e)
		}
		return msg
	}
}

// exportedText says exactly what was written and where.
func exportedText(m configExportedMsg) string {
	what := fmt.Sprintf("location %q", m.name)
	if m.platform {
		what += " and the platform settings it needs"
	}
	how := "complete: it holds no secrets; import it with: stowage config import FILE"
	switch {
	case m.redacted:
		how = "redacted: secrets and identifiers masked, for a support ticket; it cannot be imported"
	case m.secrets:
		how = "complete: it HOLDS SECRETS, keep it private; import it with: stowage config import FILE"
	}
	format := "YAML"
	if strings.EqualFold(filepath.Ext(m.path), ".json") {
		format = "JSON"
	}
	return fmt.Sprintf("Wrote %s to %s as %s (mode 0600), %s.", what, m.path, format, how)
}

// listen takes the export's outcome, whatever the screen.
func (d *doneScreen) listen(msg tea.Msg) (tea.Cmd, bool) {
	m, ok := msg.(configExportedMsg)
	if !ok {
		return nil, false
	}
	if m.err != nil {
		var pe *fs.PathError
		if errors.As(m.err, &pe) {
			d.setStatus(fmt.Sprintf("Not written: %s: %v", m.path, pe.Err), true)
		} else {
			d.setStatus("Not written: "+d.w.DisplayError(m.err), true)
		}
		return nil, true
	}
	d.setStatus(exportedText(m), false)
	d.exported = m.path
	return nil, true
}

// exportView draws the prompt.
func (d *doneScreen) exportView(width int) string {
	st, ce := d.st, &d.export
	var b strings.Builder
	b.WriteString(st.label.Bold(true).Render("Export config file") + "\n\n")
	what := fmt.Sprintf("The location %q", d.result.Location)
	if e, err := d.w.File().Export([]string{d.result.Location}, false); err == nil && hasPlatform(e) {
		what += " and the platform settings it needs"
	}
	b.WriteString(wrap(st.muted, what+": the file stowage config export writes (mode 0600). A name ending in .json writes JSON; any other, YAML.", width) + "\n\n")
	b.WriteString("  " + ce.path.View() + "\n\n")
	opts := []struct {
		redact      bool
		label, help string
	}{
		{true, "Redacted", "secrets and identifiers masked; for a support ticket, cannot be imported"},
		{false, "Complete", "everything, secrets included; can be imported with stowage config import FILE"},
	}
	for _, o := range opts {
		mark, ls := "○ ", st.label
		if o.redact == ce.redact {
			mark, ls = "● ", st.focused
		}
		b.WriteString("  " + ls.Render(mark+o.label) + "\n")
		b.WriteString(indent(wrap(st.muted, o.help, width-6), "      ") + "\n")
	}
	if d.opts.ScreenShare {
		b.WriteString("\n" + wrap(st.warn, "! Screen-share mode: Redacted is preselected, so no secret or identifier is written by accident.", width) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// hasPlatform reports whether the export e carries platform settings.
func hasPlatform(e *config.File) bool {
	p := e.Platform
	return len(p.PrincipalARNs) > 0 || p.AWSProfile != "" || p.SessionDuration != 0 || p.TemplateURL != ""
}
