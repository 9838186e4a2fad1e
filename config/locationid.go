package config

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// locationIDBytes gives 12 hex characters: short enough to read in a file
// name, and 48 random bits make a clash within one file (which Save would
// refuse anyway) practically impossible.
const locationIDBytes = 6

// NewLocationID returns a fresh random location ID: 12 lowercase hex
// characters from crypto/rand. Use File.newLocationID inside a file, which
// also avoids the IDs already there.
func NewLocationID() (string, error) {
	b := make([]byte, locationIDBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate location ID: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// newLocationID returns an ID no location of f uses.
func (f *File) newLocationID() (string, error) {
	used := map[string]bool{}
	for _, l := range f.Locations {
		used[l.ID] = true
	}
	for range maxIDAttempts {
		id, err := NewLocationID()
		if err != nil {
			return "", err
		}
		if !used[id] {
			return id, nil
		}
	}
	return "", fmt.Errorf("generate location ID: %d attempts collided with existing IDs; the random source is broken", maxIDAttempts)
}

// EnsureIDs gives every location without an ID (a file written before IDs
// existed, a hand-written entry) a new one, and reports whether it did. Save
// calls it, so IDs are written the first time a file is saved.
func (f *File) EnsureIDs() (changed bool, err error) {
	for i := range f.Locations {
		if f.Locations[i].ID != "" {
			continue
		}
		id, err := f.newLocationID()
		if err != nil {
			return changed, err
		}
		f.Locations[i].ID = id
		changed = true
	}
	return changed, nil
}
