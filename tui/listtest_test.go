package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
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
