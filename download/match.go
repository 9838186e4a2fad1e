package download

import (
	"path"
	"strings"
)

// matcher applies the Include globs to keys.
type matcher struct{ include []glob }

// glob is one pattern: without "/" it matches the base name at any depth;
// otherwise it is matched segment by segment and "**" matches zero or more
// whole segments.
type glob struct {
	baseOnly bool
	segs     []string
}

func newMatcher(include []string) (*matcher, error) {
	m := &matcher{}
	for _, raw := range include {
		p := strings.TrimPrefix(strings.TrimSpace(raw), "/")
		if p == "" {
			return nil, optErr("--include", "--include '*.wav'", "a pattern is empty")
		}
		if strings.HasSuffix(p, "/") {
			p += "**"
		}
		g := glob{}
		if !strings.Contains(p, "/") {
			g.baseOnly, g.segs = true, []string{p}
		} else {
			g.segs = strings.Split(p, "/")
		}
		for _, s := range g.segs {
			if s == "" {
				return nil, optErr("--include", "--include 'calls/**/*.wav'", "pattern %q has an empty folder name (\"//\")", raw)
			}
			if _, err := path.Match(s, ""); err != nil {
				return nil, optErr("--include", "--include '*.wav'", "pattern %q is malformed: %v", raw, err)
			}
		}
		m.include = append(m.include, g)
	}
	return m, nil
}

// match reports whether key passes the filters.
func (m *matcher) match(key string) bool {
	if len(m.include) == 0 {
		return true
	}
	for _, g := range m.include {
		if g.match(key) {
			return true
		}
	}
	return false
}

func (g glob) match(key string) bool {
	if g.baseOnly {
		ok, _ := path.Match(g.segs[0], path.Base(key))
		return ok
	}
	return matchSegs(g.segs, strings.Split(key, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegs(pat[1:], name[i:]) {
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
