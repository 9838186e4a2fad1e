package export

import (
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

const templateExample = "{mtime:2006/01/02}/{base}"

var templateFields = []string{"path", "dir", "base", "name", "ext", "source", "mtime:LAYOUT"}

// keyTemplate is a parsed Options.KeyTemplate.
type keyTemplate struct {
	raw   string
	parts []tmplPart
}

type tmplPart struct {
	lit    string // literal text when field == ""
	field  string
	layout string // for mtime
}

// fileVars are the values a key template can use for one file.
type fileVars struct {
	rel    string // "/"-separated, relative to the source root
	source string
	mtime  time.Time
}

func tmplErr(format string, args ...any) error {
	return optErr("--key-template", templateExample, format, args...)
}

// parseKeyTemplate checks the whole template up front, so a typo fails
// before any file is uploaded rather than on the first file.
func parseKeyTemplate(raw string) (*keyTemplate, error) {
	t := &keyTemplate{raw: raw}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, tmplPart{lit: lit.String()})
			lit.Reset()
		}
	}
	distinct := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '{' && i+1 < len(raw) && raw[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(raw) && raw[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '}':
			return nil, tmplErr("unmatched \"}\" at character %d of %q (write \"}}\" for a literal brace)", i+1, raw)
		case c == '{':
			end := strings.IndexByte(raw[i:], '}')
			if end < 0 {
				return nil, tmplErr("unclosed \"{\" at character %d of %q", i+1, raw)
			}
			body := raw[i+1 : i+end]
			name, layout, hasLayout := strings.Cut(body, ":")
			switch name {
			case "path", "dir", "base", "name", "ext", "source":
				if hasLayout {
					return nil, tmplErr("field {%s} takes no \":%s\"", name, layout)
				}
			case "mtime":
				if !hasLayout || layout == "" {
					return nil, tmplErr("field {mtime} needs a Go time layout, e.g. {mtime:2006/01/02} or {mtime:2006-01-02T15}")
				}
				if strings.ContainsAny(layout, "{") {
					return nil, tmplErr("the layout of {mtime:%s} must not contain \"{\"", layout)
				}
				// A layout without any time element would put every file
				// under the same literal text; that is always a mistake.
				ref := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
				if ref.Format(layout) == layout {
					return nil, tmplErr("{mtime:%s} has no time elements; Go layouts use the reference time 2006-01-02 15:04:05, e.g. {mtime:2006/01/02}", layout)
				}
			case "":
				return nil, tmplErr("empty field \"{}\" in %q; fields are %s", raw, fieldList())
			default:
				return nil, tmplErr("unknown field {%s} in %q; fields are %s", body, raw, fieldList())
			}
			if name == "path" || name == "base" || name == "name" {
				distinct = true
			}
			flush()
			t.parts = append(t.parts, tmplPart{field: name, layout: layout})
			i += end
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	if !distinct {
		return nil, tmplErr("%q must contain {path}, {base} or {name} so that each file gets its own key", raw)
	}
	// Render a sample so literal text that breaks keys ("../", a leading
	// "/" that would be dropped is fine) fails now.
	sample := fileVars{rel: "2024/05/call-0001.wav", source: "recordings", mtime: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
	if _, err := t.render(sample); err != nil {
		return nil, tmplErr("%v", err)
	}
	return t, nil
}

func fieldList() string {
	out := make([]string, len(templateFields))
	for i, f := range templateFields {
		out[i] = "{" + f + "}"
	}
	return strings.Join(out, ", ")
}

// render builds the key of one file. Repeated "/" collapse and a leading "/"
// is dropped, so "{dir}/{base}" works for files at the top of a source.
func (t *keyTemplate) render(v fileVars) (string, error) {
	var b strings.Builder
	dir, base := path.Split(v.rel)
	dir = strings.TrimSuffix(dir, "/")
	ext := path.Ext(base)
	for _, p := range t.parts {
		switch p.field {
		case "":
			b.WriteString(p.lit)
		case "path":
			b.WriteString(v.rel)
		case "dir":
			b.WriteString(dir)
		case "base":
			b.WriteString(base)
		case "name":
			b.WriteString(strings.TrimSuffix(base, ext))
		case "ext":
			b.WriteString(ext)
		case "source":
			b.WriteString(v.source)
		case "mtime":
			b.WriteString(v.mtime.UTC().Format(p.layout))
		}
	}
	segs := strings.Split(b.String(), "/")
	out := segs[:0]
	for _, s := range segs {
		switch s {
		case "":
			continue
		case ".", "..":
			return "", fmt.Errorf("key %q has a %q segment; object keys must not step between folders", b.String(), s)
		}
		out = append(out, s)
	}
	key := strings.Join(out, "/")
	if key == "" {
		return "", fmt.Errorf("key template %q gives an empty key for %q", t.raw, v.rel)
	}
	if !utf8.ValidString(key) {
		return "", fmt.Errorf("key %q is not valid UTF-8; rename the file or leave the name out of --key-template", key)
	}
	if len(key) > 1024 {
		return "", fmt.Errorf("key is %d bytes long; object keys are limited to 1024", len(key))
	}
	return key, nil
}

// has reports whether the template uses field name.
func (t *keyTemplate) has(name string) bool {
	for _, p := range t.parts {
		if p.field == name {
			return true
		}
	}
	return false
}

// distinguishHint names the fields that would tell apart two files whose
// keys collide, leaving out those the template already has: {path}, the
// default, is never suggested to a template that holds it (issue 10 §6).
func (t *keyTemplate) distinguishHint(candidates ...string) string {
	var add []string
	for _, c := range candidates {
		name, _, _ := strings.Cut(c, ":")
		if t.has(name) || (name == "dir" && t.has("path")) {
			continue
		}
		add = append(add, "{"+c+"}")
	}
	if len(add) == 0 {
		add = []string{"{source}"}
	}
	list := add[0]
	if n := len(add); n > 1 {
		list = strings.Join(add[:n-1], ", ") + " or " + add[n-1]
	}
	return "add " + list + " to --key-template so keys differ"
}
