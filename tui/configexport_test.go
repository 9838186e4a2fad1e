package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/wizard"
)

// doneOn saves the location name of the fixture (in a temporary file) and
// returns the model on its Done step.
func doneOn(t *testing.T, name string, screenShare bool, served *Served) *model {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "locations.yaml")
	m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform, EditName: name, ScreenShare: screenShare,
		ConfigPath: cfg, Served: served})
	if err := m.w.Goto(wizard.StepReview); err != nil {
		t.Fatal(err)
	}
	_ = m.enterStep()
	press(m, "enter")
	if m.w.Step() != wizard.StepDone {
		t.Fatalf("not saved:\n%s", screen(m))
	}
	return m
}

// exportConfigTo opens "Export config file", types path, picks redacted
// or complete with ↓ when toggle, and runs the write.
func exportConfigTo(t *testing.T, m *model, path string, toggle bool) string {
	t.Helper()
	press(m, "e")
	d := m.screens[wizard.StepDone].(*doneScreen)
	d.export.path.SetValue(path)
	if toggle {
		press(m, "down")
	}
	_, cmd := m.Update(keyMsg("enter"))
	send(m, findMsg[configExportedMsg](t, cmd))
	// The status wraps long paths after a "/".
	return strings.ReplaceAll(strings.Join(strings.Fields(screen(m)), " "), "/ ", "/")
}

// TestDoneExportsConfigFile: the Done step writes the config file through
// config.ExportFile, complete or redacted, mode 0600, and says exactly what
// it wrote and where; screen-share preselects redacted (issue 10 §1).
func TestDoneExportsConfigFile(t *testing.T) {
	dir := t.TempDir()

	m := doneOn(t, "acme-keys", false, nil)
	press(m, "e")
	if s := screen(m); !strings.Contains(s, "./stowage-acme-keys.yaml") || !strings.Contains(s, "● Complete") {
		t.Fatalf("prompt without the default path or with redacted preselected outside screen-share:\n%s", s)
	}
	press(m, "esc")
	complete := filepath.Join(dir, "complete.yaml")
	s := exportConfigTo(t, m, complete, false)
	if !strings.Contains(s, `Wrote location "acme-keys" to `+complete+" as YAML (mode 0600), complete: it HOLDS SECRETS") {
		t.Fatalf("status does not say what was written:\n%s", s)
	}
	st, err := os.Stat(complete)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v", complete, st, err)
	}
	in, err := config.ReadImport(complete)
	if err != nil || len(in.Locations) != 1 || in.Locations[0].S3.SecretAccessKey != fixtureSecretKey {
		t.Fatalf("the complete export does not import: %v %+v", err, in)
	}

	// A name ending in .json writes JSON (as stowage config export -o
	// does), and the status says which.
	asJSON := filepath.Join(dir, "complete.json")
	if s := exportConfigTo(t, m, asJSON, false); !strings.Contains(s, " to "+asJSON+" as JSON (mode 0600)") {
		t.Fatalf("status does not say JSON:\n%s", s)
	}
	if b, err := os.ReadFile(asJSON); err != nil || !strings.Contains(string(b), `"locations"`) {
		t.Fatalf("%s is not the JSON export: %v\n%s", asJSON, err, b)
	}
	if in, err := config.ReadImport(asJSON); err != nil || len(in.Locations) != 1 {
		t.Fatalf("the JSON export does not import: %v %+v", err, in)
	}

	// Screen-share: redacted preselected and said; the file holds no secret.
	m = doneOn(t, "acme-keys", true, nil)
	press(m, "e")
	if s := strings.Join(strings.Fields(screen(m)), " "); !strings.Contains(s, "● Redacted") || !strings.Contains(s, "Screen-share mode: Redacted is preselected") {
		t.Fatalf("screen-share prompt:\n%s", screen(m))
	}
	press(m, "esc")
	redacted := filepath.Join(dir, "redacted.yaml")
	s = exportConfigTo(t, m, redacted, false)
	if !strings.Contains(s, "redacted: secrets and identifiers masked") {
		t.Fatalf("status:\n%s", s)
	}
	raw, _ := os.ReadFile(redacted)
	if strings.Contains(string(raw), fixtureSecretKey) || strings.Contains(string(raw), "AKIAIOSFODNN7EXAMPLE") {
		t.Fatalf("the redacted export holds a secret or identifier:\n%s", raw)
	}

	// A file that exists is replaced only on a second enter.
	m = doneOn(t, "nas", false, nil)
	press(m, "e")
	m.screens[wizard.StepDone].(*doneScreen).export.path.SetValue(complete)
	press(m, "enter")
	if s := strings.Join(strings.Fields(screen(m)), " "); !strings.Contains(s, "exists; press enter again") {
		t.Fatalf("no warning before replacing:\n%s", s)
	}
}

// TestServedDoneHasNoConfigExport: a served session never writes a file
// on the server.
func TestServedDoneHasNoConfigExport(t *testing.T) {
	m := doneOn(t, "nas", false, &Served{Width: 80, Height: 24})
	press(m, "e")
	if s := screen(m); strings.Contains(s, "Export config file") || strings.Contains(s, "e export config file") {
		t.Fatalf("a served Done step offers the config export:\n%s", s)
	}
}
