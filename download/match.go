package download

import (
	"errors"

	"github.com/stowage-dev/stowage/internal/glob"
)

// matcher applies the Include globs to keys.
type matcher struct{ set glob.Set }

// globOptions keep download's pattern reading: "\" stays a path.Match
// escape and a lone "/" is an empty pattern.
var globOptions = glob.Options{}

func newMatcher(include []string) (*matcher, error) {
	m := &matcher{}
	for _, raw := range include {
		g, err := glob.Compile(raw, globOptions)
		switch {
		case errors.Is(err, glob.ErrEmpty):
			return nil, optErr("--include", "--include '*.wav'", "a pattern is empty")
		case errors.Is(err, glob.ErrEmptySegment):
			return nil, optErr("--include", "--include 'calls/**/*.wav'", "pattern %q has an empty folder name (\"//\")", raw)
		case errors.Is(err, glob.ErrMalformed):
			return nil, optErr("--include", "--include '*.wav'", "pattern %q is malformed: %v", raw, errors.Unwrap(err))
		case err != nil:
			return nil, err
		}
		m.set.Include = append(m.set.Include, g)
	}
	return m, nil
}

// match reports whether key passes the filters.
func (m *matcher) match(key string) bool { return m.set.Match(key) }
