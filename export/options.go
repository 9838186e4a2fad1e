package export

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stowage-dev/stowage/internal/backoff"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/validate"
)

// Defaults applied by Run and Plan to zero-valued Options fields.
const (
	DefaultConcurrency        = 32
	DefaultPartSize           = 16 << 20
	DefaultMultipartThreshold = 64 << 20
	DefaultMaxRetries         = backoff.DefaultMaxRetries
	DefaultBaseBackoff        = backoff.DefaultBase
	DefaultMaxBackoff         = backoff.DefaultMax
	DefaultKeyTemplate        = "{path}"
	DefaultPlanSample         = 20
	DefaultStatsInterval      = time.Second
	DefaultOutageTimeout      = 10 * time.Second
	// DefaultStreamMemory caps the stream engine's default memory budget:
	// its parts are held in memory (files are read from disk), so the
	// Concurrency × PartSize of a folder export (512 MiB) would be a lot
	// to ask of a laptop or a small VM. 16 parts of 16 MiB in flight still
	// keep a link busy; --memory raises or lowers it.
	DefaultStreamMemory = 256 << 20

	maxConcurrency = 1024
	maxPartSize    = 5 << 30
)

// Options describe one export run. The zero value of every field but
// Sources (and JournalPath outside a dry run) is usable.
type Options struct {
	// Sources are the folders (walked recursively) and single files to
	// export. They must exist and must not lie inside each other.
	Sources []string

	// Include and Exclude filter files by glob on their path relative to
	// their source, with "/" separators. A pattern without "/" matches the
	// file's base name at any depth ("*.wav"); a pattern with "/" matches
	// the whole relative path segment by segment, where "**" stands for any
	// number of folders ("calls/**/*.wav"); a trailing "/" means everything
	// below that folder ("tmp/"). Each segment is matched with path.Match.
	// With Include set a file must match one of them; a file matching any
	// Exclude pattern is left out.
	Include, Exclude []string

	// Since and Until bound the files' modification time: Since is
	// inclusive, Until exclusive; zero means unbounded.
	Since, Until time.Time

	// KeyTemplate builds each object key (relative to the location's prefix,
	// which the provider adds). Fields:
	//   {path}   path relative to the source, "/"-separated ("2024/05/a.wav")
	//   {dir}    folder part of {path} ("2024/05"), empty at the top
	//   {base}   file name with extension ("a.wav")
	//   {name}   file name without extension ("a")
	//   {ext}    extension with its dot (".wav"), may be empty
	//   {source} base name of the source folder the file was found in
	//   {mtime:LAYOUT} modification time in UTC formatted with a Go time
	//            layout, e.g. {mtime:2006/01/02}
	// "{{" and "}}" stand for literal braces. Empty means "{path}".
	KeyTemplate string

	// DryRun scans and reports what would be exported; nothing is uploaded,
	// deleted or written (not even the journal).
	DryRun bool

	// Concurrency is the number of requests kept in flight, shared by whole
	// files and by parts of large files. Zero means 32.
	Concurrency int
	// PartSize of multipart uploads; raised to the provider's minimum and so
	// that a file fits in the provider's maximum number of parts. Zero means
	// 16 MiB.
	PartSize int64
	// MultipartThreshold: files larger than this are uploaded in parts when
	// the provider supports it. Zero means 64 MiB.
	MultipartThreshold int64
	// MemoryBudget caps the bytes of requests in flight at once (a request
	// larger than the budget waits for the whole budget). Uploads read the
	// files directly, so this bounds what the SDKs may buffer; the stream
	// engine holds its parts in (reused) buffers within it. Zero means
	// Concurrency × PartSize, and for the stream engine
	// min(Concurrency × PartSize, DefaultStreamMemory), at least one part.
	MemoryBudget int64

	// DeleteSource removes each local file once its object is confirmed in
	// the location (same size, and same checksum when both sides know it).
	// The provider must be able to look objects up (providers.Stater), and
	// the credentials must allow it (on S3, s3:GetObject, which the
	// least-privilege policy grants with read_back); when they do not,
	// every source is kept and one Warning event says why.
	DeleteSource bool

	// JournalPath is the bbolt file that records what was exported, so a
	// rerun skips finished files and resumes large ones. Required unless
	// DryRun; see DefaultJournalPath.
	JournalPath string
	// ManifestDir receives the CSV and JSON Lines manifests; empty means the
	// journal's folder.
	ManifestDir string
	// ManifestName is the stem of the manifests' file names
	// (<stem>-<UTC time>.csv); empty means the location name. Prepare sets
	// it to the location's ID (see ManifestName).
	ManifestName string
	// SkipPaths are files or folders the scan never enters, e.g. a local
	// location's own folder when it lies inside a source. The journal and
	// manifest folder are always skipped.
	SkipPaths []string

	// MaxRetries per request for retryable errors; zero means 10 and a
	// negative value means no retries.
	MaxRetries int
	// BaseBackoff and MaxBackoff bound the exponential backoff with full
	// jitter between retries; zero means 200ms and 20s. A Retry-After from
	// the store is honoured even when longer.
	BaseBackoff, MaxBackoff time.Duration
	// OutageTimeout is how long requests to the location may keep failing
	// for connection-level reasons (refused, DNS, TLS, timeout), with none
	// succeeding, before the run stops as a location error
	// (ErrLocationUnusable). A store that comes back sooner is ridden out.
	// Zero means 10s.
	OutageTimeout time.Duration

	// Events receives progress events, one call at a time in order, from a
	// goroutine of the run; it must return promptly. FileProgress, periodic
	// Totals and interim ScanProgress events are dropped rather than
	// delayed when the consumer falls behind (a later one supersedes
	// them); every other event, and the final Totals, is delivered before
	// Run returns.
	Events func(Event)
	// StatsInterval is how often a Totals event is sent and the throughput
	// average updated. Zero means one second.
	StatsInterval time.Duration

	// Controller pauses, resumes and gracefully stops the run and gives
	// Stats snapshots; nil means the run cannot be paused.
	Controller *Controller

	// PlanSample is how many planned keys Plan keeps; zero means 20.
	PlanSample int

	// From, when set, exports the objects of another saved location
	// (the copy and stream engines) instead of files: Sources must be
	// empty, and Include, Exclude, Since, Until and KeyTemplate apply to
	// the listing ({path} is the key below From.Prefix, {source} the
	// source location's name, {mtime} the object's modification time).
	From *FromLocation
}

// FromLocation is the source location of an export whose source is not a
// folder.
type FromLocation struct {
	// Name of the source location: journal keys and the manifest's
	// source column are ObjectRef(Name, key).
	Name string
	// Prefix, below the source location's own prefix, the objects are
	// listed under ("" for all of it).
	Prefix string
	// Provider is the opened source location.
	Provider providers.Provider
	// Engine is EngineCopy or EngineStream (ChooseEngine resolves
	// EngineAuto).
	Engine string
}

// DefaultJournalPath is where the journal of location lives when the config
// file is at configPath: <config dir>/journals/<location>.db.
func DefaultJournalPath(configPath, location string) string {
	return filepath.Join(filepath.Dir(configPath), "journals", safeName(location)+".db")
}

// safeName keeps a location name usable as a file name on every platform.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "location"
	}
	return b.String()
}

// settings are Options after defaults and validation.
type settings struct {
	Options
	sources  []source
	tmpl     *keyTemplate
	match    *matcher
	skip     []string
	maxTries int
}

// source is one validated source root.
type source struct {
	abs    string // absolute, cleaned
	isFile bool
	root   string // folder relative paths are taken from
	name   string // {source}
}

// srcField and srcExample name the sources in option errors the way the
// export command takes them: positional SRC arguments after the location.
const (
	srcField   = "SRC"
	srcExample = "stowage export NAME /var/spool/recordings"
)

func optErr(field, example, format string, args ...any) error {
	return &validate.Error{Field: field, Rule: fmt.Sprintf(format, args...), Example: example}
}

// prepare validates opts and applies defaults. needJournal is false for
// Plan, which runs without a journal when none exists yet.
func prepare(opts Options, needJournal bool) (*settings, error) {
	s := &settings{Options: opts}
	if opts.From != nil {
		if err := checkFrom(s); err != nil {
			return nil, err
		}
	} else if len(opts.Sources) == 0 {
		return nil, optErr(srcField, srcExample, "at least one folder or file to export is needed")
	}
	for _, src := range opts.Sources {
		if strings.TrimSpace(src) == "" {
			return nil, optErr(srcField, srcExample, "a source path is empty")
		}
		abs, err := filepath.Abs(src)
		if err != nil {
			return nil, optErr(srcField, srcExample, "cannot resolve %q: %v", src, err)
		}
		fi, err := os.Stat(abs)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, optErr(srcField, srcExample, "%s does not exist", src)
		case err != nil:
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is already named
			}
			return nil, optErr(srcField, srcExample, "%s cannot be read: %v", src, err)
		}
		// A source is often a link to a NAS mount; the walk starts at its
		// target (a walk does not enter a root that is a link), while
		// {source} keeps the name the user gave.
		given := abs
		if real, err := filepath.EvalSymlinks(abs); err == nil && fi.IsDir() {
			abs = real
		}
		so := source{abs: abs, isFile: !fi.IsDir(), root: abs, name: filepath.Base(given)}
		if so.isFile {
			if !fi.Mode().IsRegular() {
				return nil, optErr(srcField, srcExample, "%s is neither a folder nor a regular file", src)
			}
			so.root = filepath.Dir(abs)
			so.name = filepath.Base(filepath.Dir(given))
		}
		for _, other := range s.sources {
			if within(abs, other.abs) || within(other.abs, abs) {
				return nil, optErr(srcField, "stowage export NAME /data/calls /data/screens",
					"%s and %s overlap; give each folder once, or only the outer one", other.abs, abs)
			}
		}
		s.sources = append(s.sources, so)
	}

	var err error
	if s.match, err = newMatcher(opts.Include, opts.Exclude); err != nil {
		return nil, err
	}
	if !opts.Since.IsZero() && !opts.Until.IsZero() && !opts.Until.After(opts.Since) {
		return nil, optErr("--until", "--since 2024-01-01 --until 2024-02-01",
			"must be after --since (%s), got %s", opts.Since.Format(time.RFC3339), opts.Until.Format(time.RFC3339))
	}
	if s.KeyTemplate == "" {
		s.KeyTemplate = DefaultKeyTemplate
	}
	if s.tmpl, err = parseKeyTemplate(s.KeyTemplate); err != nil {
		return nil, err
	}

	switch {
	case s.Concurrency == 0:
		s.Concurrency = DefaultConcurrency
	case s.Concurrency < 0 || s.Concurrency > maxConcurrency:
		return nil, optErr("--concurrency", "--concurrency 32", "must be between 1 and %d, got %d", maxConcurrency, s.Concurrency)
	}
	switch {
	case s.PartSize == 0:
		s.PartSize = DefaultPartSize
	case s.PartSize < 0 || s.PartSize > maxPartSize:
		return nil, optErr("--part-size", "--part-size 16MiB", "must be between 1 byte and 5 GiB, got %d bytes", s.PartSize)
	}
	switch {
	case s.MultipartThreshold == 0:
		s.MultipartThreshold = DefaultMultipartThreshold
	case s.MultipartThreshold < 0:
		return nil, optErr("--multipart-threshold", "--multipart-threshold 64MiB", "must not be negative, got %d", s.MultipartThreshold)
	}
	switch {
	case s.MemoryBudget == 0:
		s.MemoryBudget = int64(s.Concurrency) * s.PartSize
		if s.From != nil && s.From.Engine == EngineStream {
			s.MemoryBudget = max(min(s.MemoryBudget, DefaultStreamMemory), s.PartSize)
		}
	case s.MemoryBudget < 0:
		return nil, optErr("--memory", "--memory 512MiB", "must not be negative, got %d", s.MemoryBudget)
	}
	s.maxTries, s.BaseBackoff, s.MaxBackoff = backoff.Normalize(s.MaxRetries, s.BaseBackoff, s.MaxBackoff)
	if s.OutageTimeout <= 0 {
		s.OutageTimeout = DefaultOutageTimeout
	}
	if s.StatsInterval <= 0 {
		s.StatsInterval = DefaultStatsInterval
	}
	if s.PlanSample <= 0 {
		s.PlanSample = DefaultPlanSample
	}

	if needJournal && s.JournalPath == "" {
		return nil, optErr("journal path", "~/.config/stowage/journals/recordings.db",
			"is required so a rerun skips finished files")
	}
	if s.JournalPath != "" {
		if s.JournalPath, err = filepath.Abs(s.JournalPath); err != nil {
			return nil, optErr("journal path", "~/.config/stowage/journals/recordings.db", "cannot resolve: %v", err)
		}
		s.skip = append(s.skip, s.JournalPath, s.JournalPath+"-lock")
	}
	if s.ManifestDir == "" && s.JournalPath != "" {
		s.ManifestDir = filepath.Dir(s.JournalPath)
	}
	if s.ManifestDir != "" {
		if s.ManifestDir, err = filepath.Abs(s.ManifestDir); err != nil {
			return nil, optErr("manifest folder", "~/.config/stowage/journals", "cannot resolve: %v", err)
		}
		// The manifest folder is skipped when it lies inside a source; when a
		// source is inside it (or is it) skipping it would skip everything.
		inside := false
		for _, so := range s.sources {
			if within(so.root, s.ManifestDir) {
				inside = true
			}
		}
		if !inside {
			s.skip = append(s.skip, s.ManifestDir)
		}
	}
	for _, p := range opts.SkipPaths {
		if abs, err := filepath.Abs(p); err == nil {
			s.skip = append(s.skip, abs)
		}
	}
	// The walk sees resolved paths below a linked source, so skip paths are
	// compared in both forms.
	for _, p := range s.skip {
		if real, err := filepath.EvalSymlinks(p); err == nil && real != p {
			s.skip = append(s.skip, real)
		}
	}
	return s, nil
}

// within reports whether p is dir or lies below it.
func within(p, dir string) bool {
	if p == dir {
		return true
	}
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
