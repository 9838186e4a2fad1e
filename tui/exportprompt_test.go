package tui

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
	"github.com/stowage-dev/stowage/wizard"
)

func TestSourceFolders(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	calls := filepath.Join(home, "calls")
	screens := filepath.Join(home, "screens")
	comma := filepath.Join(home, "calls, 2024")
	for _, d := range []string{calls, screens, comma} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(home, "call.wav")
	if err := os.WriteFile(file, []byte("RIFF"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		text    string
		want    []string
		wantErr string
	}{
		{"one folder", calls, []string{calls}, ""},
		{"commas and spaces", " " + calls + " , " + screens + ",", []string{calls, screens}, ""},
		{"one per line", calls + "\n" + screens + "\n", []string{calls, screens}, ""},
		{"home folder", "~/calls, ~/screens", []string{calls, screens}, ""},
		{"duplicates dropped", calls + "," + calls + "/", []string{calls}, ""},
		{"a comma in the name", comma, []string{comma}, ""},
		{"empty", "  ", nil, "folders: enter at least one folder of recordings; example: /var/spool/recordings"},
		{"only commas", ",,", nil, "enter at least one folder"},
		{"missing folder", calls + ", ~/nope", nil, `folders: folder "~/nope" does not exist; example: /var/spool/recordings`},
		{"a file", file, nil, `"` + file + `" is a file, not a folder`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sourceFolders(tt.text)
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, validate.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("sourceFolders(%q) = %q, %v; want %q", tt.text, got, err, tt.want)
			}
		})
	}
}

// TestFlowExportNowLocal saves a local folder location by keystrokes,
// presses x on the Done screen, is refused a folder that does not exist
// and leaves with the folder of recordings to export.
func TestFlowExportNowLocal(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "nas")
	src := filepath.Join(dir, "spool")
	for _, d := range []string{target, src} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"a.wav", "b.wav", "c.wav"} {
		if err := os.WriteFile(filepath.Join(src, n), []byte("recording "+n), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "locations.yaml")
	s := startSession(t, Options{ConfigPath: cfg}, nil)
	s.waitFor("Name *")
	s.typeText("nas")
	s.press("enter")
	s.waitFor("Local or NAS folder")
	s.press("down", "down", "down", "down")
	s.waitFor("› ● Local or NAS folder")
	s.press("enter")
	s.waitFor("Folder *")
	s.typeText(target)
	s.press("enter")
	s.waitFor("checks passed")
	s.press("enter")
	s.waitFor("Review")
	s.press("enter")
	s.waitFor("What to do next")
	s.press("x")
	s.waitFor("Export to nas", "Folders of recordings", "enter start export", "esc cancel")
	s.press("esc")
	s.waitFor("What to do next")
	s.press("x")
	s.waitFor("Folders of recordings")
	missing := filepath.Join(dir, "nope")
	s.typeText(missing)
	s.press("enter")
	s.waitFor(`✗ folders: folder "`+missing+`" does`, "example: /var/spool/recordings")
	s.press("ctrl+u") // clears the input
	s.typeText(src)
	s.press("enter")
	res := s.result()
	if !res.Saved || res.Location != "nas" || !res.ExportNow || res.Accessible || !slices.Equal(res.Sources, []string{src}) {
		t.Fatalf("result = %+v, want nas saved and an export of %s", res, src)
	}
}

// TestExportFromStartList presses x on a saved location of the list: the
// folders are asked for the location under the cursor, and a paste of
// one folder per line is taken as a list.
func TestExportFromStartList(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform})
	press(m, "down", "down", "down") // nas
	if m.w.Step() != wizard.StepStart {
		t.Fatalf("step %s", m.w.Step())
	}
	press(m, "x")
	if m.exp == nil || m.exp.name != "nas" || !strings.Contains(screen(m), "Export to nas") {
		t.Fatalf("no folders question for nas:\n%s", screen(m))
	}
	send(m, tea.PasteMsg{Content: a + "\n" + b + "\n"})
	if got := m.exp.in.Value(); got != a+", "+b {
		t.Fatalf("input after paste = %q", got)
	}
	_, cmd := m.Update(keyMsg("enter"))
	send(m, findMsg[sourcesMsg](t, cmd))
	if !m.quitting || !m.result.ExportNow || m.result.Location != "nas" || !slices.Equal(m.result.Sources, []string{a, b}) {
		t.Fatalf("result = %+v (quitting %v)", m.result, m.quitting)
	}
	if _, ok := m.w.File().Find("nas"); !ok {
		t.Fatal("the location list lost nas")
	}
}

// TestExportSource: the folders question also takes a saved location (with
// a prefix after a colon) to export from; a folder of that name wins, the
// destination itself is refused naming the rule.
func TestExportSource(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	f := &config.File{Locations: []config.Location{{Name: "nas"}, {Name: "platform"}, {Name: "shadow"}}}
	if err := os.Mkdir(filepath.Join(dir, "shadow"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		text, from, wantErr string
		folders             int
	}{
		{text: "platform", from: "platform"},
		{text: " platform:tenants/acme/ ", from: "platform:tenants/acme/"},
		{text: "shadow", folders: 1},
		{text: "nas", wantErr: `"nas" is the location being exported to`},
		{text: "nowhere", wantErr: `"nowhere" is neither a folder nor a saved location (saved: platform, shadow)`},
		{text: dir + "/nowhere", wantErr: `does not exist`},
	} {
		srcs, from, err := exportSource(tt.text, f, "nas")
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%q: err %v, want %q", tt.text, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || from != tt.from || len(srcs) != tt.folders):
			t.Errorf("%q: %q, %q, %v; want from %q and %d folders", tt.text, srcs, from, err, tt.from, tt.folders)
		}
	}
	if got := otherLocations(f, "nas"); !slices.Equal(got, []string{"platform", "shadow"}) {
		t.Errorf("otherLocations = %q", got)
	}
}
