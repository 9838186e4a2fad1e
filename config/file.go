package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stowage-dev/stowage/validate"
)

// Validate checks the platform settings, every location, and the rules
// across locations: unique names (ignoring case) and unique external IDs.
// It returns nil or errors.Join of *FieldError.
func (f *File) Validate() error {
	var errs []error
	for _, p := range f.problems() {
		errs = append(errs, p.fieldError(f))
	}
	return errors.Join(errs...)
}

// index returns the position of the location called name, or -1.
func (f *File) index(name string) int {
	for i := range f.Locations {
		if f.Locations[i].Name == name {
			return i
		}
	}
	return -1
}

// Find returns the location called name (names are case-sensitive). The
// pointer is into f.Locations, so changes through it are saved by Save; it
// is invalidated by Upsert and Remove.
func (f *File) Find(name string) (*Location, bool) {
	if i := f.index(name); i >= 0 {
		return &f.Locations[i], true
	}
	return nil, false
}

// Names returns the location names, sorted.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Locations))
	for _, l := range f.Locations {
		names = append(names, l.Name)
	}
	slices.Sort(names)
	return names
}

// Upsert adds loc, or replaces the location with the same name in place.
// It validates loc and its clashes with the other locations (name differing
// only in case, shared external ID) before changing anything. On add it sets
// CreatedAt; on replace it keeps the existing CreatedAt. Both set UpdatedAt.
// Times are stored in UTC, to the second, so the file stays readable.
// A location without an ID gets the replaced one's, or a new one on add, so
// its journal stays its own.
func (f *File) Upsert(loc Location, now time.Time) error {
	if err := loc.Validate(); err != nil {
		return err
	}
	now = now.UTC().Truncate(time.Second)
	loc.UpdatedAt = now
	i := f.index(loc.Name)
	candidate := &File{Locations: slices.Clone(f.Locations)}
	if i >= 0 {
		loc.CreatedAt = f.Locations[i].CreatedAt
		if loc.ID == "" {
			loc.ID = f.Locations[i].ID
		}
		candidate.Locations[i] = loc
	} else {
		loc.CreatedAt = now
		i = len(candidate.Locations)
		candidate.Locations = append(candidate.Locations, loc)
	}
	if candidate.Locations[i].ID == "" {
		id, err := candidate.newLocationID()
		if err != nil {
			return err
		}
		candidate.Locations[i].ID = id
	}

	var errs []error
	for _, p := range candidate.crossProblems() {
		if p.loc == i || p.other == i {
			errs = append(errs, p.fieldError(candidate))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	f.Locations = candidate.Locations
	return nil
}

// Rename gives the location old the name new. The new name must be valid
// and not used by another location (ignoring case). The location keeps its
// ID, and with it its journals.
func (f *File) Rename(old, new string) error {
	i := f.index(old)
	if i < 0 {
		return f.notFound(old)
	}
	if old == new {
		return nil
	}
	if err := validate.LocationName(new); err != nil {
		return &FieldError{Location: old, Field: "name", Err: err}
	}
	for j, l := range f.Locations {
		if j != i && strings.EqualFold(l.Name, new) {
			return fmt.Errorf("rename location %q: %w: %q is taken by location %q; pick another name",
				old, ErrExists, new, l.Name)
		}
	}
	f.Locations[i].Name = new
	return nil
}

// Remove deletes the location called name, keeping the others in order.
func (f *File) Remove(name string) error {
	i := f.index(name)
	if i < 0 {
		return f.notFound(name)
	}
	f.Locations = slices.Delete(f.Locations, i, i+1)
	return nil
}
