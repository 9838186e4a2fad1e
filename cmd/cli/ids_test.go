package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
)

// A rename keeps what was exported: the journal is named after the
// location's stable ID, not its name (issue 10 §4).
func TestRenameKeepsJournal(t *testing.T) {
	cfg, _ := localExportConfig(t)
	src := recordings(t, 12, 500)

	out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", src)
	if code != ExitOK || !strings.Contains(out, "exported: 12 files") {
		t.Fatalf("first export: code %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runCLI(t, "", "--config", cfg, "setup", "--non-interactive", "--edit", "nas", "--name", "nas-two", "--test", "never")
	if code != ExitOK {
		t.Fatalf("rename: code %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = runCLI(t, "", "--config", cfg, "export", "nas-two", src)
	if code != ExitOK {
		t.Fatalf("export after rename: code %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "exported: 0 files") || !strings.Contains(out, "skipped:  12 files") {
		t.Fatalf("the renamed location exported again:\n%s", out)
	}
}

// A file an older Stowage wrote (no ids, journal named after the location)
// gets ids on its next save, and the journal moves to the id the first
// time, even when that save is a rename.
func TestOldJournalMigrates(t *testing.T) {
	for _, rename := range []bool{false, true} {
		t.Run(map[bool]string{false: "export", true: "rename first"}[rename], func(t *testing.T) {
			cfg, _ := localExportConfig(t)
			src := recordings(t, 6, 300)
			if out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", src); code != ExitOK {
				t.Fatalf("code %d\n%s%s", code, out, errOut)
			}
			// Make it look like an older Stowage's: no id, journal and
			// manifests named after the location.
			f, err := config.Load(cfg)
			if err != nil {
				t.Fatal(err)
			}
			id := f.Locations[0].ID
			dir := filepath.Join(filepath.Dir(cfg), "journals")
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), id) {
					os.Rename(filepath.Join(dir, e.Name()), filepath.Join(dir, "nas"+strings.TrimPrefix(e.Name(), id)))
				}
			}
			data, _ := os.ReadFile(cfg)
			var kept []string
			for _, line := range strings.Split(string(data), "\n") {
				if strings.TrimSpace(line) != "id: "+id {
					kept = append(kept, line)
				}
			}
			os.WriteFile(cfg, []byte(strings.Join(kept, "\n")), 0o600)
			if f, err = config.Load(cfg); err != nil || f.Locations[0].ID != "" {
				t.Fatalf("old file: %v %+v", err, f)
			}
			name := "nas"
			if rename {
				name = "nas-renamed"
				if out, errOut, code := runCLI(t, "", "--config", cfg, "setup", "--non-interactive", "--edit", "nas", "--name", name, "--test", "never"); code != ExitOK {
					t.Fatalf("rename: code %d\n%s%s", code, out, errOut)
				}
			}
			out, errOut, code := runCLI(t, "", "--config", cfg, "export", name, src)
			if code != ExitOK || !strings.Contains(out, "exported: 0 files") {
				t.Fatalf("code %d\n%s%s", code, out, errOut)
			}
			f, _ = config.Load(cfg)
			loc, _ := f.Find(name)
			if !rename {
				// An export does not save the file: the id comes with the next save.
				return
			}
			if loc.ID == "" {
				t.Fatal("the save wrote no id")
			}
			jp, _ := export.JournalPath(mustAbs(t, cfg), *loc)
			if filepath.Base(jp) != loc.ID+".db" {
				t.Fatalf("journal %s", jp)
			}
			if out, errOut, code := runCLI(t, "", "--config", cfg, "verify", name); code != ExitOK || !strings.Contains(out, "2 manifests") {
				t.Errorf("verify does not find both runs' manifests: code %d\n%s%s", code, out, errOut)
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// journalOf is where the journal of the saved location name is.
func journalOf(t *testing.T, cfg, name string) string {
	t.Helper()
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loc, ok := f.Find(name)
	if !ok {
		t.Fatalf("no location %q", name)
	}
	jp, err := export.JournalPath(mustAbs(t, cfg), *loc)
	if err != nil {
		t.Fatal(err)
	}
	return jp
}

// manifestsOf lists the manifests of the saved location name with ext.
func manifestsOf(t *testing.T, cfg, name, ext string) []string {
	t.Helper()
	jp := journalOf(t, cfg, name)
	ms, _ := filepath.Glob(strings.TrimSuffix(jp, ".db") + "-*." + ext)
	return ms
}
