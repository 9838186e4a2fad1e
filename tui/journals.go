package tui

import (
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
