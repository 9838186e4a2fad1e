package export

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
)

// deleteFixture makes loc's journal (a real one), its owner note and a
// manifest next to a locations file, and returns the file's path.
func deleteFixture(t *testing.T, loc config.Location) (cfg string, files []string) {
	t.Helper()
	cfg = filepath.Join(t.TempDir(), "config.yaml")
	jp := DefaultJournalPath(cfg, loc.ID)
	j, err := OpenJournal(jp)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	manifest := strings.TrimSuffix(jp, ".db") + "-20261206T120000Z.jsonl"
	if err := os.WriteFile(manifest, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	files = JournalFiles(cfg, loc)
	if len(files) != 3 {
		t.Fatalf("journal files: %v", files)
	}
	return cfg, files
}

// TestDeleteLocation: Confirm is asked with the files and may say no
// (nothing is removed) or choose the journal's fate; a journal file that
// cannot be removed leaves the location deleted and says so.
func TestDeleteLocation(t *testing.T) {
	loc := config.Location{Name: "nas", ID: "0123456789ab", Type: config.TypeLocal, Local: &config.Local{Path: t.TempDir()}}

	t.Run("declined", func(t *testing.T) {
		cfg, files := deleteFixture(t, loc)
		removed := false
		var asked DeletePlan
		_, err := DeleteLocation(DeleteOptions{ConfigPath: cfg, Location: loc, Journal: DeleteJournal,
			Confirm: func(p DeletePlan) (bool, JournalChoice, error) { asked = p; return false, "", nil },
			Remove:  func() error { removed = true; return nil }})
		if !errors.Is(err, ErrNotDeleted) || removed {
			t.Fatalf("err %v, removed %v", err, removed)
		}
		if len(asked.Files) != 3 || asked.Journal() != files[0] || asked.Dir() != filepath.Dir(files[0]) ||
			!strings.Contains(asked.JournalNote(), "3 files, are in "+asked.Dir()) {
			t.Errorf("asked with %+v (%q)", asked, asked.JournalNote())
		}
		for _, f := range files {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	})
	t.Run("Confirm chooses delete", func(t *testing.T) {
		cfg, files := deleteFixture(t, loc)
		d, err := DeleteLocation(DeleteOptions{ConfigPath: cfg, Location: loc,
			Confirm: func(DeletePlan) (bool, JournalChoice, error) { return true, DeleteJournal, nil },
			Remove:  func() error { return nil }})
		if err != nil || d.Location != "nas" || d.Journal != DeleteJournal {
			t.Fatalf("%+v %v", d, err)
		}
		for _, f := range files {
			if _, err := os.Stat(f); !os.IsNotExist(err) {
				t.Errorf("%s left: %v", f, err)
			}
		}
	})
	t.Run("a file that cannot be removed", func(t *testing.T) {
		cfg, files := deleteFixture(t, loc)
		// A folder with something in it where the owner note was: removing
		// it fails even for root.
		owner := files[1]
		if err := os.Remove(owner); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(owner, "x"), 0o700); err != nil {
			t.Fatal(err)
		}
		d, err := DeleteLocation(DeleteOptions{ConfigPath: cfg, Location: loc, Journal: DeleteJournal, Remove: func() error { return nil }})
		if d.Location != "nas" || d.Journal != KeepJournal || err == nil ||
			!strings.Contains(err.Error(), `deleted location "nas", but not all of its journal and manifests in `+filepath.Dir(owner)) {
			t.Fatalf("%+v %v", d, err)
		}
	})
	t.Run("Remove fails", func(t *testing.T) {
		cfg, files := deleteFixture(t, loc)
		d, err := DeleteLocation(DeleteOptions{ConfigPath: cfg, Location: loc, Journal: DeleteJournal, Remove: func() error { return errors.New("disk full") }})
		if d.Location != "" || err == nil || err.Error() != "disk full" {
			t.Fatalf("%+v %v", d, err)
		}
		if _, err := os.Stat(files[0]); err != nil {
			t.Errorf("the journal went although the location stayed: %v", err)
		}
	})
}
