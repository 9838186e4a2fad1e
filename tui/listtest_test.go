package tui

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/wizard"
)

// `t` on the list tests the saved location, saves the outcome to it (the
// list shows the new state, the file holds it) and esc returns to the list
// (issue 10 §4).
func TestListTestSavesResult(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "recordings")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "stowage", "locations.yaml")
	f := &config.File{Version: config.CurrentVersion}
	old := fixedNow.Add(-48 * time.Hour)
	if err := f.Upsert(config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: target},
		LastTest: &config.TestResult{At: old, OK: false, Summary: "1 of 3 checks failed: Folder exists"}}, old); err != nil {
		t.Fatal(err)
	}
	if err := config.Save(cfg, f); err != nil {
		t.Fatal(err)
	}
	s := startSession(t, Options{ConfigPath: cfg, File: f}, nil)
	s.waitFor("nas", "✗ test failed")
	s.press("t")
	s.waitFor("checks passed")
	s.waitFor("Saved the result to nas")
	saved, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if lt := saved.Locations[0].LastTest; lt == nil || !lt.OK {
		t.Fatalf("the file keeps the old result: %+v", lt)
	}
	s.press("esc")
	s.waitFor("nas", "✓ test passed")
	if last := s.rec.last(); strings.Contains(last, "Name *") || strings.Contains(last, "test failed") {
		t.Fatalf("esc did not return to the list showing the new result:\n%s", last)
	}
}

// Saving with a failed test is its own key on every row of the test
// screen, and asks first, naming what fails (issue 10 §5).
func TestSaveWithFailedTest(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "locations.yaml")
	m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform, EditName: "acme-recordings", ConfigPath: cfg})
	if err := m.w.Goto(wizard.StepTest); err != nil {
		t.Fatal(err)
	}
	_ = m.enterStep()
	send(m, testDoneMsg{run: m.tests().run, report: providers.Report{Location: "acme-recordings", Started: fixedNow, Checks: sampleChecks()}})
	for i := range len(sampleChecks()) {
		if help := screen(m); !strings.Contains(help, "s save with failed test") {
			t.Fatalf("row %d: the help line does not offer the save:\n%s", i, help)
		}
		press(m, "down")
	}
	press(m, "s")
	if got := screen(m); !strings.Contains(got, "Save acme-recordings although 1 of 5 checks failed?") ||
		!strings.Contains(got, "✗ Bucket region — the bucket is in eu-central-1, not eu-west-1") {
		t.Fatalf("the confirmation does not say what fails:\n%s", got)
	}
	press(m, "esc")
	if m.w.Step() != wizard.StepTest || strings.Contains(screen(m), "although") {
		t.Fatalf("esc did not keep fixing: step %s\n%s", m.w.Step(), screen(m))
	}
	if _, err := os.Stat(cfg); !os.IsNotExist(err) {
		t.Fatalf("saved before the confirmation: %v", err)
	}
	press(m, "s", "y")
	if m.w.Step() != wizard.StepDone || !m.result.Saved {
		t.Fatalf("not saved: step %s, result %+v\n%s", m.w.Step(), m.result, screen(m))
	}
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loc, ok := f.Find("acme-recordings")
	if !ok || loc.LastTest == nil || loc.LastTest.OK || !strings.Contains(loc.LastTest.Summary, "Bucket region") {
		t.Fatalf("the saved location does not record the failed test: %+v", loc)
	}
}

// Deleting a location says where its journal is and asks whether it goes
// too; y keeps it (issue 10 §4).
func TestDeleteAsksAboutJournal(t *testing.T) {
	for _, key := range []string{"y", "d"} {
		t.Run(key, func(t *testing.T) {
			cfg, f, jp := savedNAS(t)
			manifest := strings.TrimSuffix(jp, ".db") + "-20261206T120000Z.jsonl"
			for _, p := range []string{jp, manifest} {
				if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			m := newTestModel(t, Options{File: f, ConfigPath: cfg})
			press(m, "d")
			got := screen(m)
			for _, want := range []string{"2 files, are in " + filepath.Dir(jp), "y to delete and keep the journal", "d delete with journal"} {
				if !strings.Contains(strings.Join(strings.Fields(got), " "), want) {
					t.Fatalf("the question lacks %q:\n%s", want, got)
				}
			}
			press(m, key)
			saved, err := config.Load(cfg)
			if err != nil || len(saved.Locations) != 0 {
				t.Fatalf("not deleted: %v %+v", err, saved)
			}
			_, jerr := os.Stat(jp)
			_, merr := os.Stat(manifest)
			if key == "y" && (jerr != nil || merr != nil || !strings.Contains(screen(m), "its journal stays in")) {
				t.Fatalf("y did not keep the journal: %v %v\n%s", jerr, merr, screen(m))
			}
			if key == "d" && (!os.IsNotExist(jerr) || !os.IsNotExist(merr)) {
				t.Fatalf("d kept the journal: %v %v\n%s", jerr, merr, screen(m))
			}
		})
	}
}

// TestDeleteRefusedWhileExporting: a location whose journal an export
// holds (here opened for writing, as a run opens it) is not deleted, on
// the screens or in --accessible, and the message names the process.
func TestDeleteRefusedWhileExporting(t *testing.T) {
	cfg, f, jp := savedNAS(t)
	j, err := export.OpenJournal(jp)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	holder := "held by process " + strconv.Itoa(os.Getpid())

	m := newTestModel(t, Options{File: f, ConfigPath: cfg})
	press(m, "d")
	press(m, "d")
	if got := strings.Join(strings.Fields(screen(m)), " "); !strings.Contains(got, "journal is in use by another export") {
		t.Errorf("the screen does not say the journal is in use:\n%s", screen(m))
	}

	var out bytes.Buffer
	opts := Options{File: f, ConfigPath: cfg, In: strings.NewReader("5\n1\n"), Out: &out, Save: config.Save, Now: func() time.Time { return fixedNow }}
	if _, err := RunWizard(context.Background(), opts); !errors.Is(err, ErrInputEnded) {
		t.Fatalf("accessible: %v\n%s", err, out.String())
	}
	if got := strings.Join(strings.Fields(out.String()), " "); !strings.Contains(got, "journal is in use by another export") || !strings.Contains(got, holder) {
		t.Errorf("--accessible does not say the journal is in use by %s:\n%s", holder, out.String())
	}

	saved, err := config.Load(cfg)
	if err != nil || len(saved.Locations) != 1 {
		t.Fatalf("deleted while in use: %v %+v", err, saved)
	}
	if _, err := os.Stat(jp); err != nil {
		t.Fatalf("the journal is gone: %v", err)
	}
}

// savedNAS saves a locations file in a new folder holding one local
// location, nas, and returns the file's path, its contents and where the
// location's export journal goes.
func savedNAS(t *testing.T) (cfg string, f *config.File, journal string) {
	t.Helper()
	dir := t.TempDir()
	cfg = filepath.Join(dir, "locations.yaml")
	f = &config.File{Version: config.CurrentVersion}
	if err := f.Upsert(config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: dir}}, fixedNow); err != nil {
		t.Fatal(err)
	}
	if err := config.Save(cfg, f); err != nil {
		t.Fatal(err)
	}
	journal, err := export.JournalPath(cfg, f.Locations[0])
	if err != nil {
		t.Fatal(err)
	}
	return cfg, f, journal
}
