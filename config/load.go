package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/stowage-dev/stowage/validate"
)

// Source says where a File came from. Load fills it in and Save updates it;
// it is never written to the file.
type Source struct {
	// Path is the file Load read (or would have read).
	Path string
	// Exists is false when the file did not exist and Load returned an empty
	// File; the first Save creates it.
	Exists bool
	// Warnings are problems that do not stop Stowage but that the user should
	// fix, such as a file with secrets that other users can read. Show them
	// once, before any other output.
	Warnings []string
}

// Load reads the locations file at path.
//
// A missing file is not an error: Load returns an empty File of the current
// version with Source.Exists false. Every other problem is returned as one
// or more *LoadError (joined with errors.Join) that name the file, the line
// and the field, e.g.
//
//	config.yaml:14: locations[2] ("acme").s3.bucket: must be 3 to 63 characters; example: acme-recordings
//
// Unknown fields are errors, so a misspelt key is never silently ignored. A
// file written by a newer Stowage is refused with ErrNewerVersion. Warnings
// (see PermissionWarning) are in the returned File's Source.Warnings.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &File{Version: CurrentVersion, Source: Source{Path: path}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read locations file: %w", err)
	}
	f, err := parse(path, data)
	if err != nil {
		return nil, err
	}
	f.Source = Source{Path: path, Exists: true}
	if info, err := os.Stat(path); err == nil {
		if w := permissionWarning(path, info.Mode(), f); w != "" {
			f.Source.Warnings = append(f.Source.Warnings, w)
		}
	}
	return f, nil
}

// parse decodes and validates the bytes of a locations file; path is only
// used in messages.
func parse(path string, data []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(path, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &LoadError{Path: path, Err: ErrMissingVersion,
			msg: fmt.Sprintf("the file is empty; it must start with \"version: %d\"", CurrentVersion)}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &LoadError{Path: path, Line: root.Line, Err: ErrSyntax,
			msg: "expected a mapping with the keys version, platform and locations"}
	}
	if err := checkVersion(path, root); err != nil {
		return nil, err
	}

	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, typeErrors(path, root, te)
		}
		return nil, syntaxError(path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := 0
		if err == nil {
			line = extra.Line
		}
		return nil, &LoadError{Path: path, Line: line, Err: ErrSyntax,
			msg: "only one YAML document is allowed; remove the second \"---\" and what follows it"}
	}

	if len(f.Locations) == 0 {
		f.Locations = nil // "locations: []" and no locations are the same file
	}
	if probs := f.problems(); len(probs) > 0 {
		les := make([]*LoadError, 0, len(probs))
		for _, p := range probs {
			les = append(les, p.loadError(path, root, &f))
		}
		// In file order, so the user can fix them top to bottom.
		sort.SliceStable(les, func(a, b int) bool { return les[a].Line < les[b].Line })
		errs := make([]error, len(les))
		for i, le := range les {
			errs[i] = le
		}
		return nil, errors.Join(errs...)
	}
	return &f, nil
}

// checkVersion runs before the strict decode so that a newer file is refused
// with a clear message instead of a list of fields this build does not know.
func checkVersion(path string, root *yaml.Node) error {
	key, val := mappingValue(root, "version")
	if val == nil {
		return &LoadError{Path: path, Line: root.Line, Err: ErrMissingVersion,
			msg: fmt.Sprintf("no \"version:\" key; add \"version: %d\" as the first line", CurrentVersion)}
	}
	var v int
	if val.Tag != "!!int" || val.Decode(&v) != nil {
		return &LoadError{Path: path, Line: key.Line, Field: "version", Err: ErrSyntax,
			msg: fmt.Sprintf("must be a whole number; example: version: %d", CurrentVersion)}
	}
	if v > CurrentVersion {
		return &LoadError{Path: path, Err: ErrNewerVersion, msg: fmt.Sprintf(
			"this file was written by a newer Stowage (version %d); this build reads version %d — upgrade stowage",
			v, CurrentVersion)}
	}
	if v < 1 {
		return &LoadError{Path: path, Line: key.Line, Field: "version", Err: ErrSyntax,
			msg: fmt.Sprintf("%d is not a valid version; example: version: %d", v, CurrentVersion)}
	}
	return nil
}

var (
	syntaxLineRE   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownFieldRE = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (\S+)$`)
	// The value in yaml.v3's message is dropped on purpose: it may be the
	// first characters of a secret pasted under the wrong key.
	wrongKindRE = regexp.MustCompile("^line (\\d+): cannot unmarshal (!!\\w+)(?: `.*`)? into (.+)$")
	dupKeyRE    = regexp.MustCompile(`^line (\d+): mapping key "(.*)" already defined at line (\d+)$`)
)

func syntaxError(path string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := syntaxLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &LoadError{Path: path, Line: line, Err: ErrSyntax, msg: "invalid YAML: " + m[2]}
	}
	return &LoadError{Path: path, Err: ErrSyntax, msg: "invalid YAML: " + msg}
}

// typeErrors rewords yaml.v3's unmarshal errors so that each names the line
// and the field path, says what was expected, and never repeats the value.
func typeErrors(path string, root *yaml.Node, te *yaml.TypeError) error {
	ix := indexLines(root)
	var errs []error
	for _, raw := range te.Errors {
		switch {
		case unknownFieldRE.MatchString(raw):
			m := unknownFieldRE.FindStringSubmatch(raw)
			line, _ := strconv.Atoi(m[1])
			field, msg := ix.field(line, m[2]), unknownFieldMessage(m[2], m[3])
			if !keyLike(m[2]) {
				// Probably a value pasted as a key, maybe a secret: don't echo it.
				field = strings.TrimSuffix(field, m[2]) + "(unnamed)"
				msg = "unknown field whose name is not shown because it looks like a value; check the indentation and colons on this line"
			}
			errs = append(errs, &LoadError{Path: path, Line: line, Field: field, Err: ErrSyntax, msg: msg})
		case wrongKindRE.MatchString(raw):
			m := wrongKindRE.FindStringSubmatch(raw)
			line, _ := strconv.Atoi(m[1])
			errs = append(errs, &LoadError{Path: path, Line: line, Field: ix.field(line, ""),
				Err: ErrSyntax, msg: fmt.Sprintf("expected %s, found %s", goKind(m[3]), yamlKind(m[2]))})
		case dupKeyRE.MatchString(raw):
			m := dupKeyRE.FindStringSubmatch(raw)
			line, _ := strconv.Atoi(m[1])
			errs = append(errs, &LoadError{Path: path, Line: line, Field: ix.field(line, m[2]),
				Err: ErrSyntax, msg: fmt.Sprintf("key %q appears twice (first at line %s); keep one", m[2], m[3])})
		default:
			errs = append(errs, &LoadError{Path: path, Err: ErrSyntax, msg: raw})
		}
	}
	return errors.Join(errs...)
}

// keyLike reports whether s looks like a config key (short words joined by
// "_" or "-") rather than a value; secret keys are 40 characters or more.
func keyLike(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// yamlTypes maps the type names in yaml.v3 messages to the structs whose
// fields are suggested for an unknown key.
var yamlTypes = map[string]reflect.Type{
	"config.File":       reflect.TypeFor[File](),
	"config.Platform":   reflect.TypeFor[Platform](),
	"config.Location":   reflect.TypeFor[Location](),
	"config.S3":         reflect.TypeFor[S3](),
	"config.Azure":      reflect.TypeFor[Azure](),
	"config.Local":      reflect.TypeFor[Local](),
	"config.TestResult": reflect.TypeFor[TestResult](),
}

func unknownFieldMessage(field, typeName string) string {
	known := yamlFields(yamlTypes[typeName])
	if len(known) == 0 {
		return "unknown field"
	}
	if s := closest(field, known); s != "" {
		return fmt.Sprintf("unknown field; did you mean %q?", s)
	}
	return "unknown field; known fields here: " + strings.Join(known, ", ")
}

// yamlFields lists the YAML keys of a struct type, in declaration order.
func yamlFields(t reflect.Type) []string {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// closest returns the known key within a small edit distance of s, or "".
func closest(s string, known []string) string {
	best, bestD := "", len(s)/3+2
	s = strings.ToLower(s)
	for _, k := range known {
		d := validate.EditDistance(s, k)
		if len(k) >= 3 && (strings.HasPrefix(s, k) || strings.HasPrefix(k, s)) {
			d = 1 // "bucket_name" for "bucket", "role" for "role_arn"
		}
		if d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func goKind(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch t {
	case "int", "int64":
		return "a whole number"
	case "bool":
		return "true or false"
	case "time.Duration":
		return "a duration such as 1h or 90m"
	case "time.Time":
		return "a date and time such as 2025-01-31T09:00:00Z"
	case "string", "config.Type", "config.AuthMode", "config.Encryption":
		return "a single text value"
	case "[]string":
		return "a list of text values"
	case "[]config.Location":
		return "a list of locations"
	}
	if strings.HasPrefix(t, "config.") {
		return "a mapping of fields"
	}
	return "a value of type " + t
}

func yamlKind(tag string) string {
	switch tag {
	case "!!str":
		return "text"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "true/false"
	case "!!seq":
		return "a list"
	case "!!map":
		return "a mapping"
	case "!!null":
		return "nothing"
	case "!!timestamp":
		return "a timestamp"
	}
	return tag
}

// lineEntry is one key or list item of the file and its field path.
type lineEntry struct {
	line  int
	key   string // the mapping key, "" for list items
	field string // e.g. `locations[2] ("acme").s3.bucket`
	depth int
}

type lineIndex []lineEntry

// indexLines records the field path of every key and list item, so that an
// error that yaml.v3 reports by line can name the field.
func indexLines(root *yaml.Node) lineIndex {
	var ix lineIndex
	var walk func(n *yaml.Node, field string, depth int)
	walk = func(n *yaml.Node, field string, depth int) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				f := k.Value
				if field != "" {
					f = field + "." + k.Value
				}
				ix = append(ix, lineEntry{line: k.Line, key: k.Value, field: f, depth: depth})
				walk(v, f, depth+1)
			}
		case yaml.SequenceNode:
			for i, item := range n.Content {
				f := fmt.Sprintf("%s[%d]", field, i)
				if field == "locations" {
					f = locationLabel(i, nodeName(item))
				}
				ix = append(ix, lineEntry{line: item.Line, field: f, depth: depth})
				walk(item, f, depth+1)
			}
		}
	}
	walk(root, "", 0)
	return ix
}

// field returns the path of the deepest entry on line, preferring the entry
// whose key is key when one is given (several keys share a line in flow
// mappings like {bucket: x, region: y}).
func (ix lineIndex) field(line int, key string) string {
	best, bestDepth := "", -1
	for _, e := range ix {
		if e.line != line {
			continue
		}
		if key != "" && e.key == key {
			return e.field
		}
		if e.depth > bestDepth {
			best, bestDepth = e.field, e.depth
		}
	}
	return best
}

func locationLabel(i int, name string) string {
	if name == "" {
		return fmt.Sprintf("locations[%d]", i)
	}
	return fmt.Sprintf("locations[%d] (%q)", i, name)
}

func nodeName(n *yaml.Node) string {
	if _, v := mappingValue(n, "name"); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// mappingValue returns the key and value nodes of key in mapping n.
func mappingValue(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

var segmentRE = regexp.MustCompile(`^([^\[]*)((?:\[\d+\])*)$`)

// lineOf returns the line of the node at a dotted path such as
// "locations.2.s3.bucket" written as "locations[2].s3.bucket". When the path
// ends in a key that is absent, it returns the line of the nearest existing
// parent, which is where the missing field belongs.
func lineOf(root *yaml.Node, path string) int {
	n, line := root, root.Line
	for _, seg := range strings.Split(path, ".") {
		m := segmentRE.FindStringSubmatch(seg)
		if m == nil {
			return line
		}
		if m[1] != "" {
			k, v := mappingValue(n, m[1])
			if v == nil {
				return line
			}
			n, line = v, k.Line
		}
		for _, idx := range strings.Split(strings.Trim(m[2], "[]"), "][") {
			if idx == "" {
				continue
			}
			i, _ := strconv.Atoi(idx)
			if n.Kind != yaml.SequenceNode || i >= len(n.Content) {
				return line
			}
			n, line = n.Content[i], n.Content[i].Line
		}
	}
	return line
}

// problem is one validation failure of a File, located by location index so
// that Load can find its line and Validate can name the location.
type problem struct {
	loc   int    // index into Locations, or -1 for file-level fields
	field string // path inside the location, or inside the file when loc < 0
	err   error
	// other is the index of the earlier location a duplicate clashes with,
	// or -1.
	other int
	// dup renders a duplicate's message given a reference to the other
	// location; nil for ordinary problems.
	dup func(ref string) error
}

func (p problem) fullField(f *File) string {
	if p.loc < 0 {
		return p.field
	}
	return locationLabel(p.loc, f.Locations[p.loc].Name) + "." + p.field
}

func (p problem) yamlPath() string {
	if p.loc < 0 {
		return p.field
	}
	return fmt.Sprintf("locations[%d].%s", p.loc, p.field)
}

func (p problem) loadError(path string, root *yaml.Node, f *File) *LoadError {
	e := &LoadError{Path: path, Line: lineOf(root, p.yamlPath()), Field: p.fullField(f), Err: p.err}
	if p.dup != nil {
		other := locationLabel(p.other, f.Locations[p.other].Name)
		ref := fmt.Sprintf("%s at line %d", other, lineOf(root, fmt.Sprintf("locations[%d]", p.other)))
		e.Err = p.dup(ref)
	}
	return e
}

func (p problem) fieldError(f *File) *FieldError {
	fe := &FieldError{Field: p.field, Err: p.err}
	if p.loc >= 0 {
		fe.Location = f.Locations[p.loc].Name
	}
	if p.dup != nil {
		fe.Err = p.dup(locationLabel(p.other, f.Locations[p.other].Name))
	}
	return fe
}

// problems validates the whole file: platform, every location, and the
// rules across locations (unique names, unique external IDs).
func (f *File) problems() []problem {
	var out []problem
	for _, fe := range f.Platform.fieldErrors() {
		out = append(out, problem{loc: -1, field: fe.Field, err: fe.Err, other: -1})
	}
	for i, l := range f.Locations {
		for _, fe := range l.fieldErrors() {
			out = append(out, problem{loc: i, field: fe.Field, err: fe.Err, other: -1})
		}
	}
	out = append(out, f.crossProblems()...)
	sort.SliceStable(out, func(a, b int) bool { return out[a].loc < out[b].loc })
	return out
}

// crossProblems finds names and external IDs used by two locations. Names
// are compared without case, because "Acme" and "acme" in one list are a
// mistake waiting to happen.
func (f *File) crossProblems() []problem {
	var out []problem
	firstName := map[string]int{}
	firstID := map[string]int{}
	firstLocID := map[string]int{}
	for j, l := range f.Locations {
		if i, ok := firstLocID[l.ID]; ok && l.ID != "" {
			out = append(out, problem{loc: j, field: "id", other: i, err: ErrDuplicateID,
				dup: func(ref string) error {
					return fmt.Errorf("%w: %s has the same id, so both would share one export journal; delete this \"id:\" line and Stowage writes a new one on the next save",
						ErrDuplicateID, ref)
				}})
		} else if !ok {
			firstLocID[l.ID] = j
		}
		key := strings.ToLower(l.Name)
		if i, ok := firstName[key]; ok && l.Name != "" {
			name := l.Name
			out = append(out, problem{loc: j, field: "name", other: i, err: ErrDuplicateName,
				dup: func(ref string) error {
					return fmt.Errorf("%w: %q is also the name of %s; give each location its own name",
						ErrDuplicateName, name, ref)
				}})
		} else if !ok {
			firstName[key] = j
		}
		if l.S3 == nil {
			continue
		}
		for _, id := range []struct{ field, value string }{
			{"s3.external_id", l.S3.ExternalID},
			{"s3.pending_external_id", l.S3.PendingExternalID},
		} {
			if id.value == "" {
				continue
			}
			if i, ok := firstID[id.value]; ok && i != j {
				out = append(out, problem{loc: j, field: id.field, other: i, err: ErrDuplicateExternalID,
					dup: func(ref string) error {
						return fmt.Errorf("%w: %s uses the same external ID; every location needs its own — generate a new one for this location",
							ErrDuplicateExternalID, ref)
					}})
			} else if !ok {
				firstID[id.value] = j
			}
		}
	}
	return out
}
