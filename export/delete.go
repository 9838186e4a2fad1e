package export

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/stowage-dev/stowage/config"
)

// JournalChoice is what deleting a location does with its journal and
// manifests.
type JournalChoice string

const (
	// KeepJournal leaves them where they are (the default): a location
	// imported again with the same id (stowage config import) finds them.
	KeepJournal JournalChoice = "keep"
	// DeleteJournal deletes them with the location.
	DeleteJournal JournalChoice = "delete"
)

// JournalChoices are the values of JournalChoice, in the order offered.
var JournalChoices = []JournalChoice{KeepJournal, DeleteJournal}

// ErrNotDeleted is returned by DeleteLocation when Confirm said no.
var ErrNotDeleted = errors.New("nothing was deleted")

// DeletePlan is what deleting a location touches, for the question asked
// before.
type DeletePlan struct {
	// Location is the location's name.
	Location string
	// Files are its journal (with the note naming the journal's last
	// holder) and its manifests, those that exist; none when it has no
	// journal.
	Files []string
}

// Journal is the journal's file among Files; "" when there is none (only
// manifests).
func (p DeletePlan) Journal() string {
	for _, f := range p.Files {
		if strings.HasSuffix(f, ".db") {
			return f
		}
	}
	return ""
}

// Dir is the folder holding Files; "" when there are none.
func (p DeletePlan) Dir() string {
	if len(p.Files) == 0 {
		return ""
	}
	return filepath.Dir(p.Files[0])
}

// JournalNote says where the journal and manifests are and what they are
// for; "" when there are none. The wizard and stowage delete ask with it.
func (p DeletePlan) JournalNote() string {
	if len(p.Files) == 0 {
		return ""
	}
	noun := "files"
	if len(p.Files) == 1 {
		noun = "file"
	}
	return fmt.Sprintf("Its export journal (what was exported, so a rerun skips it) and manifests, %d %s, are in %s.",
		len(p.Files), noun, p.Dir())
}

// DeleteOptions says which location to delete and how.
type DeleteOptions struct {
	// ConfigPath is the locations file; the journal is next to it.
	ConfigPath string
	// Location is the saved location to delete.
	Location config.Location
	// Journal is what happens to its journal and manifests; "" keeps them.
	Journal JournalChoice
	// Confirm, when set, is asked once the journal is known not to be in
	// use: whether to delete, and what to do with the journal (read only
	// when the plan has files). Without it the delete goes ahead.
	Confirm func(DeletePlan) (ok bool, journal JournalChoice, err error)
	// Remove takes the location out of the locations file and writes it
	// (the wizard's ConfirmDelete).
	Remove func() error
}

// LocationDeleted is what DeleteLocation did.
type LocationDeleted struct {
	DeletePlan
	// Journal is what became of the journal: deleted, or kept in Dir.
	Journal JournalChoice
}

// DeleteLocation deletes a saved location, the one way the wizard, its
// --accessible prompts and stowage delete do it. An export to the location
// in another process holds its journal: then nothing is asked or deleted,
// and the error (ErrJournalBusy, journaldb.ErrBusy) names that process.
// The journal is held (shared, as a dry run holds it) from that check
// until the location is out of the locations file, so no export to it
// starts meanwhile. Then, with DeleteJournal, its journal and manifests
// are deleted; an error after Remove succeeded comes with the location
// deleted (LocationDeleted.Location set).
func DeleteLocation(opts DeleteOptions) (LocationDeleted, error) {
	loc := opts.Location
	configPath, err := filepath.Abs(opts.ConfigPath)
	if err != nil {
		return LocationDeleted{}, fmt.Errorf("delete location %q: %w", loc.Name, err)
	}
	choice := opts.Journal
	switch choice {
	case "":
		choice = KeepJournal
	case KeepJournal, DeleteJournal:
	default:
		return LocationDeleted{}, fmt.Errorf("delete location %q: journal choice %q is neither %q nor %q", loc.Name, choice, KeepJournal, DeleteJournal)
	}
	hold, err := holdJournal(configPath, loc)
	if err != nil {
		return LocationDeleted{}, fmt.Errorf("delete location %q: %w", loc.Name, err)
	}
	release := func() {
		if hold != nil {
			_ = hold.Close()
			hold = nil
		}
	}
	defer release()
	plan := DeletePlan{Location: loc.Name, Files: JournalFiles(configPath, loc)}
	if opts.Confirm != nil {
		ok, j, err := opts.Confirm(plan)
		if err != nil {
			return LocationDeleted{}, err
		}
		if !ok {
			return LocationDeleted{}, ErrNotDeleted
		}
		if len(plan.Files) > 0 && j != "" {
			choice = j
		}
	}
	if err := opts.Remove(); err != nil {
		return LocationDeleted{}, err
	}
	// The journal is let go before its files are: Windows cannot delete
	// an open file.
	release()
	done := LocationDeleted{DeletePlan: plan, Journal: KeepJournal}
	if choice != DeleteJournal || len(plan.Files) == 0 {
		return done, nil
	}
	var errs []error
	for _, f := range plan.Files {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return done, fmt.Errorf("deleted location %q, but not all of its journal and manifests in %s: %w", loc.Name, plan.Dir(), err)
	}
	done.Journal = DeleteJournal
	return done, nil
}

// holdJournal opens loc's journal read-only, which waits for an export
// holding it and fails with ErrJournalBusy naming it. It returns nil when
// there is no journal, or one that cannot be opened (a damaged file): no
// export can hold that either.
func holdJournal(configPath string, loc config.Location) (*Journal, error) {
	name := loc.Name
	if loc.ID != "" {
		name = loc.ID
	}
	j, err := openJournal(DefaultJournalPath(configPath, name), true)
	switch {
	case err == nil:
		return j, nil
	case errors.Is(err, ErrJournalBusy):
		return nil, err
	}
	return nil, nil
}
