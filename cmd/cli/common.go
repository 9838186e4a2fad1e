package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/stowage-dev/stowage/config"
)

// loadConfig reads the locations file named by --config, $STOWAGE_CONFIG or
// the default path, and prints its warnings (e.g. loose file mode) once.
func loadConfig(g *globals) (*config.File, error) {
	path := config.ResolvePath(g.configPath)
	f, err := config.Load(path)
	if err != nil {
		var le *config.LoadError
		if errors.As(err, &le) {
			return nil, &UsageError{Err: err}
		}
		return nil, err
	}
	if g.redactor == nil {
		g.redactor = config.NewRedactor(g.screenShare)
	}
	g.redactor.AddFile(f)
	for _, w := range f.Source.Warnings {
		fmt.Fprintf(g.stderr, "warning: %s\n", w)
	}
	return f, nil
}

// findLocation returns the named location or a usage error listing the
// names that exist.
func findLocation(f *config.File, name string) (*config.Location, error) {
	if loc, ok := f.Find(name); ok {
		return loc, nil
	}
	names := f.Names()
	if len(names) == 0 {
		return nil, usagef("no location named %q: %s has no locations yet; create one with `stowage setup`", name, f.Source.Path)
	}
	return nil, usagef("no location named %q in %s; known locations: %s", name, f.Source.Path, strings.Join(names, ", "))
}

// loadLocation loads the locations file and finds the location name in it,
// the first two steps of every command that works on one location.
func loadLocation(g *globals, name string) (*config.File, *config.Location, error) {
	f, err := loadConfig(g)
	if err != nil {
		return nil, nil, err
	}
	loc, err := findLocation(f, name)
	if err != nil {
		return nil, nil, err
	}
	return f, loc, nil
}

// saveConfig writes f back to where it was loaded from.
// The redactor learns the values saved (a new external ID), so what the
// command prints next masks them too.
func saveConfig(g *globals, f *config.File) error {
	if g.redactor != nil {
		g.redactor.AddFile(f)
	}
	return config.Save(f.Source.Path, f)
}
