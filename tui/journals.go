package tui

import (
	"fmt"
	"path/filepath"

	"github.com/stowage-dev/stowage/config"
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
	return export.DeletePlan{Files: files}.JournalNote()
}

// deleteLocation deletes the location the wizard's StepConfirmDelete asks
// about, as stowage delete does (export.DeleteLocation): refused while an
// export holds its journal; withJournal also deletes its journal and
// manifests.
func deleteLocation(opts Options, w *wizard.Wizard, withJournal bool) (export.LocationDeleted, error) {
	loc, ok := w.File().Find(w.DeleteTarget())
	if !ok {
		return export.LocationDeleted{}, fmt.Errorf("delete location %q: %w", w.DeleteTarget(), config.ErrNotFound)
	}
	choice := export.KeepJournal
	if withJournal {
		choice = export.DeleteJournal
	}
	return export.DeleteLocation(export.DeleteOptions{
		ConfigPath: opts.ConfigPath,
		Location:   *loc,
		Journal:    choice,
		Remove:     func() error { return w.ConfirmDelete(opts.ConfigPath, opts.Save) },
	})
}
