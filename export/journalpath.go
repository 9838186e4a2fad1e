package export

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/stowage-dev/stowage/config"
)

// JournalPath is where the journal of loc lives when the locations file is
// at configPath: <config dir>/journals/<id>.db, named after the location's
// stable ID so that a rename keeps it (a location not yet given an ID, in
// a file no Stowage with IDs has saved, still uses DefaultJournalPath). A
// journal an older Stowage kept under the location's name, and that name's
// manifests, are moved to the ID the first time (see MigrateJournal), so
// an upgrade does not start the exports from zero.
func JournalPath(configPath string, loc config.Location) (string, error) {
	if loc.ID == "" {
		return DefaultJournalPath(configPath, loc.Name), nil
	}
	if _, err := MigrateJournal(configPath, loc.Name, loc); err != nil {
		return "", err
	}
	return DefaultJournalPath(configPath, loc.ID), nil
}

// ManifestName is the stem of loc's manifest file names: its ID (its name
// before it had one), as the journal's, so `stowage verify` finds the
// manifests of every run whatever the location was called then.
func ManifestName(loc config.Location) string {
	if loc.ID == "" {
		return loc.Name
	}
	return loc.ID
}

// MigrateJournal moves the journal kept under the name name (the way
// Stowage named journals before locations had IDs), with its manifests, to
// loc's ID, unless loc already has a journal under its ID. It returns the
// journal's new path, or "" when there was nothing to move. The wizard calls
// it with the old name when a rename is saved, for a location that had no
// ID before that save.
func MigrateJournal(configPath, name string, loc config.Location) (string, error) {
	if loc.ID == "" || name == "" || safeName(name) == safeName(loc.ID) {
		return "", nil
	}
	from := DefaultJournalPath(configPath, name)
	to := DefaultJournalPath(configPath, loc.ID)
	if _, err := os.Stat(to); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return "", nil // the ID's journal exists (or cannot be looked at): leave both alone
	}
	if _, err := os.Stat(from); err != nil {
		return "", nil
	}
	if err := os.Rename(from, to); err != nil {
		return "", fmt.Errorf("move the journal of location %q from %s to %s (it is now named after the location's id): %w", loc.Name, from, to, err)
	}
	// The note of the process that last held it goes with it.
	_ = os.Rename(from+".owner", to+".owner")
	dir := filepath.Dir(from)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return to, nil
	}
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(safeName(name)) + `(-\d{8}T\d{6}Z(?:-\d+)?\.(?:csv|jsonl))$`)
	for _, e := range entries {
		if m := re.FindStringSubmatch(e.Name()); m != nil && !e.IsDir() {
			dst := filepath.Join(dir, safeName(loc.ID)+m[1])
			if _, err := os.Stat(dst); err == nil {
				continue
			}
			if err := os.Rename(filepath.Join(dir, e.Name()), dst); err != nil {
				return to, fmt.Errorf("move manifest %s to %s: %w", e.Name(), dst, err)
			}
		}
	}
	return to, nil
}

// JournalFiles lists the files kept for loc next to the locations file at
// configPath: its journal and its manifests (those that exist). Deleting a
// location offers to delete them.
func JournalFiles(configPath string, loc config.Location) []string {
	jp := DefaultJournalPath(configPath, loc.Name)
	if loc.ID != "" {
		jp = DefaultJournalPath(configPath, loc.ID)
	}
	var out []string
	for _, p := range []string{jp, jp + ".owner"} {
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	stem := strings.TrimSuffix(filepath.Base(jp), ".db")
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(stem) + `-\d{8}T\d{6}Z(?:-\d+)?\.(?:csv|jsonl)$`)
	entries, _ := os.ReadDir(filepath.Dir(jp))
	for _, e := range entries {
		if !e.IsDir() && re.MatchString(e.Name()) {
			out = append(out, filepath.Join(filepath.Dir(jp), e.Name()))
		}
	}
	return out
}
