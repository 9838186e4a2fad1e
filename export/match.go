package export

import (
	"errors"

	"github.com/stowage-dev/stowage/internal/glob"
)

// matcher applies the Include and Exclude globs to "/"-separated paths
// relative to a source root.
type matcher struct{ set glob.Set }

// globOptions keep export's pattern reading: "\" is a folder separator
// (paths typed on Windows) and a lone "/" is the whole source.
var globOptions = glob.Options{Backslashes: true, LoneSlashIsRoot: true}

func newMatcher(include, exclude []string) (*matcher, error) {
	m := &matcher{}
	for _, p := range include {
		g, err := compileGlob("--include", p)
		if err != nil {
			return nil, err
		}
		m.set.Include = append(m.set.Include, g)
	}
	for _, p := range exclude {
		g, err := compileGlob("--exclude", p)
		if err != nil {
			return nil, err
		}
		m.set.Exclude = append(m.set.Exclude, g)
	}
	return m, nil
}

// compileGlob compiles one pattern of field, worded as an option error.
func compileGlob(field, raw string) (glob.Pattern, error) {
	g, err := glob.Compile(raw, globOptions)
	switch {
	case errors.Is(err, glob.ErrEmpty):
		return glob.Pattern{}, optErr(field, field+" '*.wav'", "a pattern is empty")
	case errors.Is(err, glob.ErrEmptySegment):
		return glob.Pattern{}, optErr(field, field+" 'calls/**/*.wav'", "pattern %q has an empty folder (\"//\")", raw)
	case errors.Is(err, glob.ErrMalformed):
		return glob.Pattern{}, optErr(field, field+" 'calls/**/*.wav'",
			"pattern %q is malformed (check [ ] and \\ escapes): %v", raw, errors.Unwrap(err))
	case err != nil:
		return glob.Pattern{}, err
	}
	return g, nil
}

// match reports whether rel passes the filters.
func (m *matcher) match(rel string) bool { return m.set.Match(rel) }
