package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Export formats.
const (
	FormatYAML = "yaml"
	FormatJSON = "json"
)

// Export returns a file with the named locations (all when names is empty)
// and the platform settings they need: only S3 locations that assume a role
// or use the ambient chain read them. redact masks secrets and identifiers,
// as `stowage show --redact` does.
func (f *File) Export(names []string, redact bool) (*File, error) {
	out := &File{Version: CurrentVersion}
	if len(names) == 0 {
		names = f.Names()
	}
	var missing []string
	for _, n := range names {
		l, ok := f.Find(n)
		if !ok {
			missing = append(missing, n)
			continue
		}
		loc := *l
		if redact {
			loc = loc.Shown(true)
		}
		out.Locations = append(out.Locations, loc)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s; known locations: %s", ErrNotFound, strings.Join(missing, ", "), strings.Join(f.Names(), ", "))
	}
	for _, l := range out.Locations {
		if l.S3 != nil && (l.S3.Auth == AuthRole || l.S3.Auth == AuthDefault) {
			out.Platform = f.Platform
			if redact {
				out.Platform = f.Platform.Shown(true)
			}
			break
		}
	}
	return out, nil
}

// MarshalExport renders an export as YAML (with a header saying whether it
// holds secrets) or JSON. Either can be read back by ReadImport.
func MarshalExport(e *File, format string, redacted bool) ([]byte, error) {
	secrets := e.HasSecrets()
	locs := "locations"
	if len(e.Locations) == 1 {
		locs = "location"
	}
	head := fmt.Sprintf("Stowage config export: %d %s, version %d.\n", len(e.Locations), locs, CurrentVersion)
	switch {
	case redacted:
		head += "Redacted (secrets and identifiers masked) for a support ticket; it cannot be imported."
	case secrets:
		head += "It HOLDS SECRETS (secret keys, connection strings): keep it private and delete it once imported.\nImport it with: stowage config import FILE"
	default:
		head += "It holds no secrets. Import it with: stowage config import FILE"
	}
	var node yaml.Node
	if err := node.Encode(e); err != nil {
		return nil, err
	}
	switch format {
	case "", FormatYAML:
		node.HeadComment = head
		return encodeYAML(&node)
	case FormatJSON:
		var v map[string]any
		if err := node.Decode(&v); err != nil {
			return nil, err
		}
		// JSON has no comments: the header is a key, ignored on import.
		v["_comment"] = head
		return json.MarshalIndent(v, "", "  ")
	}
	return nil, fmt.Errorf("format %q: must be yaml or json", format)
}

// WriteExport writes data to path atomically with mode 0600, whatever the
// content: an export may hold secrets.
func WriteExport(path string, data []byte) error {
	if err := writeAtomic(path, append(bytes.TrimRight(data, "\n"), '\n')); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ReadImport reads an exported file (YAML or JSON) and checks it with the
// rules and messages of the locations file. A redacted export is refused.
func ReadImport(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if bytes.Contains(data, []byte("•")) {
		return nil, fmt.Errorf("%s is a redacted export (secrets or identifiers masked with •) and cannot be imported; export again without --redact", path)
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		var v map[string]any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, &LoadError{Path: path, Err: ErrSyntax, msg: "invalid JSON: " + err.Error()}
		}
		delete(v, "_comment")
		if data, err = encodeYAML(v); err != nil {
			return nil, err
		}
	}
	f, err := parse(path, data)
	if err != nil {
		return nil, err
	}
	f.Source = Source{Path: path, Exists: true}
	return f, nil
}

// ImportOptions are the choices of `stowage config import`.
type ImportOptions struct {
	// Rename maps a name in the imported file to the name it gets here.
	Rename map[string]string
	// Replace overwrites locations (and platform settings) that exist here.
	Replace bool
}

// ImportResult says what Import changed.
type ImportResult struct {
	Added, Replaced []string
	Platform        bool // platform settings were taken from the import
}

// Import adds the locations of in to f. Nothing changes unless every
// location is valid and none clashes; the error names each problem and how
// to fix it (--rename OLD=NEW or --replace).
func (f *File) Import(in *File, opts ImportOptions) (ImportResult, error) {
	var res ImportResult
	var errs []error
	cand := &File{Version: CurrentVersion, Platform: f.Platform, Locations: slices.Clone(f.Locations)}
	for old := range opts.Rename {
		if _, ok := in.Find(old); !ok {
			errs = append(errs, fmt.Errorf("--rename %s=%s: %s has no location named %q; it has: %s",
				old, opts.Rename[old], in.Source.Path, old, strings.Join(in.Names(), ", ")))
		}
	}
	for _, l := range in.Locations {
		orig := l.Name
		if n, ok := opts.Rename[orig]; ok {
			l.Name = n
		}
		i := slices.IndexFunc(cand.Locations, func(c Location) bool { return strings.EqualFold(c.Name, l.Name) })
		// IDs name journals, which live next to this file: a replaced
		// location keeps the ID it has here (its journal records what was
		// exported to it, as after an edit); an added one keeps its own ID
		// (a file moved to a new machine, or restored, finds its journals
		// again) unless a location here has it, when it gets a new one so
		// no two locations ever share a journal.
		if i >= 0 && opts.Replace {
			l.ID = cand.Locations[i].ID
		} else if l.ID != "" && slices.ContainsFunc(cand.Locations, func(c Location) bool { return c.ID == l.ID }) {
			l.ID = ""
		}
		switch {
		case i >= 0 && opts.Replace:
			cand.Locations[i] = l
			res.Replaced = append(res.Replaced, l.Name)
		case i >= 0:
			errs = append(errs, fmt.Errorf("%w: location %q is already in %s; import it under another name with --rename %s=%s-2, or overwrite the one here with --replace",
				ErrExists, cand.Locations[i].Name, f.Source.Path, orig, l.Name))
		default:
			cand.Locations = append(cand.Locations, l)
			res.Added = append(res.Added, l.Name)
		}
	}
	if !platformEmpty(in.Platform) {
		switch {
		case platformEmpty(f.Platform) || opts.Replace:
			res.Platform = !platformEqual(f.Platform, in.Platform)
			cand.Platform = in.Platform
		case !platformEqual(f.Platform, in.Platform):
			errs = append(errs, fmt.Errorf("the platform settings in %s differ from those in %s (see `stowage platform`); take the imported ones with --replace, or import into another file with --config",
				in.Source.Path, f.Source.Path))
		}
	}
	if _, err := cand.EnsureIDs(); err != nil {
		errs = append(errs, err)
	}
	if err := cand.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return ImportResult{}, fmt.Errorf("nothing imported:\n%w", err)
	}
	f.Platform, f.Locations = cand.Platform, cand.Locations
	return res, nil
}

func platformEmpty(p Platform) bool { return platformEqual(p, Platform{}) }

func platformEqual(a, b Platform) bool {
	return slices.Equal(a.PrincipalARNs, b.PrincipalARNs) && a.AWSProfile == b.AWSProfile &&
		a.SessionDuration == b.SessionDuration && a.TemplateURL == b.TemplateURL
}

// ExportFile writes the locations names of f (all when none) with the
// platform settings they need to path, as `stowage config export NAME -o
// PATH [--redact]` does: JSON when path ends in .json, else YAML, with the
// header saying whether it holds secrets; atomically with mode 0600. It
// returns the export written, to say what it holds.
func (f *File) ExportFile(path string, names []string, redact bool) (*File, error) {
	e, err := f.Export(names, redact)
	if err != nil {
		return nil, err
	}
	format := FormatYAML
	if strings.EqualFold(filepath.Ext(path), ".json") {
		format = FormatJSON
	}
	data, err := MarshalExport(e, format, redact)
	if err != nil {
		return nil, err
	}
	if err := WriteExport(path, data); err != nil {
		return nil, err
	}
	return e, nil
}
