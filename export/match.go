package export

import (
	"path"
	"strings"
)

// matcher applies the Include and Exclude globs to "/"-separated paths
// relative to a source root.
type matcher struct {
	include, exclude []glob
}

// glob is one pattern. A pattern without "/" matches the base name at any
// depth, as in .gitignore; otherwise it is matched segment by segment and
// "**" matches zero or more whole segments.
type glob struct {
	raw      string
	baseOnly bool
	segs     []string
}

func newMatcher(include, exclude []string) (*matcher, error) {
	m := &matcher{}
	for _, p := range include {
		g, err := compileGlob("--include", p)
		if err != nil {
			return nil, err
		}
		m.include = append(m.include, g)
	}
	for _, p := range exclude {
		g, err := compileGlob("--exclude", p)
		if err != nil {
			return nil, err
		}
		m.exclude = append(m.exclude, g)
	}
	return m, nil
}

func compileGlob(field, raw string) (glob, error) {
	p := strings.ReplaceAll(strings.TrimSpace(raw), "\\", "/")
	if p == "" {
		return glob{}, optErr(field, field+" '*.wav'", "a pattern is empty")
	}
	// A trailing "/" names a folder: everything below it.
	if strings.HasSuffix(p, "/") {
		p += "**"
	}
	p = strings.TrimPrefix(p, "/")
	g := glob{raw: raw}
	if !strings.Contains(p, "/") {
		g.baseOnly = true
		g.segs = []string{p}
	} else {
		g.segs = strings.Split(p, "/")
	}
	for _, s := range g.segs {
		if s == "" {
			return glob{}, optErr(field, field+" 'calls/**/*.wav'", "pattern %q has an empty folder (\"//\")", raw)
		}
		if _, err := path.Match(s, ""); err != nil {
			return glob{}, optErr(field, field+" 'calls/**/*.wav'",
				"pattern %q is malformed (check [ ] and \\ escapes): %v", raw, err)
		}
	}
	return g, nil
}

// match reports whether rel passes the filters.
func (m *matcher) match(rel string) bool {
	if len(m.include) > 0 {
		ok := false
		for _, g := range m.include {
			if g.match(rel) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, g := range m.exclude {
		if g.match(rel) {
			return false
		}
	}
	return true
}

func (g glob) match(rel string) bool {
	if g.baseOnly {
		ok, _ := path.Match(g.segs[0], path.Base(rel))
		return ok
	}
	return matchSegs(g.segs, strings.Split(rel, "/"))
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
