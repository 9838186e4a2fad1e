package tui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/wizard"
)

// keepJournals runs after a save: when it renamed a location that had no
// ID before (a file an older Stowage wrote), the journal and manifests kept
// under the old name move to the ID, so the next export skips what is done.
// It returns what went wrong, for the status line; the save itself stands.
func keepJournals(configPath string, w *wizard.Wizard) error {
	from := w.RenamedFrom()
	if from == "" {
		return nil
	}
	loc, ok := w.File().Find(w.Draft().Name)
	if !ok {
		return nil
	}
	abs, err := filepath.Abs(configPath)
	if err != nil {
		return err
	}
	_, err = export.MigrateJournal(abs, from, *loc)
	return err
}

// journalFiles lists the export journal and manifests kept for the saved
// location name next to the locations file; nil when there are none.
func journalFiles(configPath string, w *wizard.Wizard, name string) []string {
	loc, ok := w.File().Find(name)
	if !ok {
		return nil
	}
	abs, err := filepath.Abs(configPath)
	if err != nil {
		return nil
	}
	return export.JournalFiles(abs, *loc)
}

// journalNote says where a location's journal is and what the delete
// choices do with it.
func journalNote(files []string) string {
	if len(files) == 0 {
		return ""
	}
	return fmt.Sprintf("Its export journal (what was exported, so a rerun skips it) and manifests, %d %s, are in %s.",
		len(files), map[bool]string{true: "file", false: "files"}[len(files) == 1], filepath.Dir(files[0]))
}

// removeFiles deletes the journal files of a deleted location.
func removeFiles(files []string) error {
	var errs []error
	for _, f := range files {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
