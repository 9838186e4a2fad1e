// Package glob compiles the include/exclude patterns that export and
// download take: a pattern without "/" matches the base name at any depth
// (as in .gitignore); one with "/" is matched segment by segment, "**"
// standing for zero or more whole segments; a trailing "/" names a folder
// and everything below it. Each segment is matched with path.Match.
package glob

import (
	"errors"
	"path"
	"strings"
)

// Options choose how a raw pattern is normalised before it is compiled.
// The two callers differ here, and each keeps its own behaviour.
type Options struct {
	// Backslashes turns every "\" into "/" first, so Windows-style folder
	// separators typed by a user work (export does this; download does not,
	// and there "\" stays a path.Match escape).
	Backslashes bool
	// LoneSlashIsRoot makes a pattern of just "/" mean "the root folder and
	// everything below it" (export). Without it, the leading "/" is removed
	// before a trailing "/" is read, so "/" is an empty pattern (download).
	LoneSlashIsRoot bool
}

// Sentinels of a *SyntaxError, to be told apart with errors.Is so each
// caller can word its own message.
var (
	// ErrEmpty: the pattern is blank.
	ErrEmpty = errors.New("pattern is empty")
	// ErrEmptySegment: the pattern holds "//" (or starts with two "/").
	ErrEmptySegment = errors.New("pattern has an empty folder")
	// ErrMalformed: a segment is not a valid path.Match pattern.
	ErrMalformed = errors.New("pattern is malformed")
)

// SyntaxError is why a pattern does not compile. Kind is one of the
// sentinels above; Err is path.Match's error for ErrMalformed.
type SyntaxError struct {
	Raw  string
	Kind error
	Err  error
}

// Error is the kind and the pattern; callers usually word their own.
func (e *SyntaxError) Error() string {
	if e.Err != nil {
		return e.Kind.Error() + ": " + e.Raw + ": " + e.Err.Error()
	}
	return e.Kind.Error() + ": " + e.Raw
}

// Is matches the kind sentinel.
func (e *SyntaxError) Is(target error) bool { return target == e.Kind }

// Unwrap returns path.Match's error, if any.
func (e *SyntaxError) Unwrap() error { return e.Err }

// Pattern is one compiled pattern.
type Pattern struct {
	raw      string
	baseOnly bool
	segs     []string
}

// Compile parses raw (surrounding white space is ignored; a leading "/" is
// the root, not an empty folder).
func Compile(raw string, opt Options) (Pattern, error) {
	p := strings.TrimSpace(raw)
	if opt.Backslashes {
		p = strings.ReplaceAll(p, "\\", "/")
	}
	// One leading "/" is removed either before or after a trailing "/" is
	// read; the order only matters for "/" itself (see LoneSlashIsRoot).
	if !opt.LoneSlashIsRoot {
		p = strings.TrimPrefix(p, "/")
	}
	if p == "" {
		return Pattern{}, &SyntaxError{Raw: raw, Kind: ErrEmpty}
	}
	// A trailing "/" names a folder: everything below it.
	if strings.HasSuffix(p, "/") {
		p += "**"
	}
	if opt.LoneSlashIsRoot {
		p = strings.TrimPrefix(p, "/")
	}
	g := Pattern{raw: raw}
	if !strings.Contains(p, "/") {
		g.baseOnly, g.segs = true, []string{p}
	} else {
		g.segs = strings.Split(p, "/")
	}
	for _, s := range g.segs {
		if s == "" {
			return Pattern{}, &SyntaxError{Raw: raw, Kind: ErrEmptySegment}
		}
		if _, err := path.Match(s, ""); err != nil {
			return Pattern{}, &SyntaxError{Raw: raw, Kind: ErrMalformed, Err: err}
		}
	}
	return g, nil
}

// String is the pattern as given.
func (g Pattern) String() string { return g.raw }

// Match reports whether name, a "/"-separated relative path, matches.
func (g Pattern) Match(name string) bool {
	if g.baseOnly {
		ok, _ := path.Match(g.segs[0], path.Base(name))
		return ok
	}
	return matchSegs(g.segs, strings.Split(name, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			// Collapse runs of "**" and try every split point.
			for len(pat) > 0 && pat[0] == "**" {
				pat = pat[1:]
			}
			if len(pat) == 0 {
				return true
			}
			for i := 0; i <= len(name); i++ {
				if matchSegs(pat, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// Set is an include list and an exclude list.
type Set struct {
	Include, Exclude []Pattern
}

// Match reports whether name passes: it matches one Include pattern (or
// there are none) and no Exclude pattern.
func (s *Set) Match(name string) bool {
	if len(s.Include) > 0 {
		ok := false
		for _, g := range s.Include {
			if g.Match(name) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, g := range s.Exclude {
		if g.Match(name) {
			return false
		}
	}
	return true
}
