package download

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/stowage-dev/stowage/internal/backoff"
	"github.com/stowage-dev/stowage/validate"
)

// Defaults applied to zero-valued Options fields.
const (
	DefaultConcurrency    = 16
	DefaultRangeThreshold = 64 << 20
	DefaultRangeSize      = 16 << 20
	DefaultMaxRetries     = backoff.DefaultMaxRetries
	DefaultOutageTimeout  = 10 * time.Second
	DefaultBaseBackoff    = backoff.DefaultBase
	DefaultMaxBackoff     = backoff.DefaultMax
	DefaultStatsInterval  = time.Second
	// ExpiryWarnDays: objects expiring within this many days are warned
	// about.
	ExpiryWarnDays = 3

	maxConcurrency = 1024
)

// JournalName is the journal's file name inside the destination folder.
const JournalName = ".stowage-download.db"

// PartialSuffix ends the name of a file being downloaded.
const PartialSuffix = ".stowage-partial"

// Options describe one download run.
type Options struct {
	// Location is the location's name, for messages.
	Location string
	// LocationID is the location's stable ID; journal records are kept
	// under it (under Location when it is empty), so a renamed location
	// resumes its downloads. Records an older Stowage kept under the name
	// move to the ID on the first run.
	LocationID string
	// Dest is the local folder the objects are written into, each at its
	// key (relative to the location's prefix). It is created if missing.
	Dest string
	// Prefix limits the download to keys starting with it (relative to the
	// location's prefix).
	Prefix string
	// Include keeps only keys matching one of these globs. A pattern
	// without "/" matches the base name at any depth ("*.wav"); one with "/"
	// matches the whole key segment by segment, "**" standing for any
	// number of folders ("2024/**/*.wav"); a trailing "/" means everything
	// below that folder.
	Include []string
	// Since keeps only objects modified at or after it; zero means all.
	Since time.Time

	// DeleteAfter removes each remote object once its local copy is
	// verified. The provider must implement providers.Deleter.
	DeleteAfter bool

	// Concurrency is the number of requests in flight, shared by whole
	// objects and ranges of large ones. Zero means 16.
	Concurrency int
	// RangeThreshold: objects of this size or more are fetched as parallel
	// ranges. Zero means 64 MiB.
	RangeThreshold int64
	// RangeSize of each ranged GET. Zero means 16 MiB.
	RangeSize int64

	// JournalPath overrides "<Dest>/.stowage-download.db".
	JournalPath string

	// ExpiryDays is the location's lifecycle expiry; when set, the run
	// reports per top-level prefix how long its oldest object has left.
	ExpiryDays int

	// MaxRetries per request for retryable errors; zero means 10, negative
	// means none. BaseBackoff and MaxBackoff bound the exponential backoff
	// with full jitter; zero means 200ms and 20s.
	MaxRetries              int
	BaseBackoff, MaxBackoff time.Duration
	// OutageTimeout is how long requests to the location may keep failing
	// for connection-level reasons, with none succeeding, before the run
	// stops as unreachable (ErrUnreachable); zero means 10s. A store that
	// comes back sooner is ridden out.
	OutageTimeout time.Duration

	// Controller pauses, resumes and gracefully stops the run and gives
	// its progress; nil means the run cannot be paused or stopped except
	// by cancelling its context.
	Controller *Controller

	// Events receives progress events one at a time from a goroutine of the
	// run; it must return promptly.
	Events func(Event)
	// StatsInterval is how often a Totals event is sent; zero means 1s.
	StatsInterval time.Duration

	// Now is the clock for expiry reports; nil means time.Now.
	Now func() time.Time
}

func optErr(field, example, format string, args ...any) error {
	return &validate.Error{Field: field, Rule: fmt.Sprintf(format, args...), Example: example}
}

// settings are Options after defaults and validation.
type settings struct {
	Options
	dest     string
	match    *matcher
	maxTries int
}

// journalKey is what the journal keeps the location's records under.
func (s *settings) journalKey() string {
	if s.LocationID != "" {
		return s.LocationID
	}
	return s.Location
}

func prepare(o Options) (*settings, error) {
	s := &settings{Options: o}
	if strings.TrimSpace(o.Dest) == "" {
		return nil, optErr("DEST", "stowage download acme ./recordings", "a local folder to download into is needed")
	}
	dest, err := validate.ExpandHome(o.Dest)
	if err != nil {
		return nil, optErr("DEST", "stowage download acme ./recordings", "cannot resolve %q: %v", o.Dest, err)
	}
	if s.dest, err = filepath.Abs(dest); err != nil {
		return nil, optErr("DEST", "stowage download acme ./recordings", "cannot resolve %q: %v", o.Dest, err)
	}
	if strings.HasPrefix(o.Prefix, "/") {
		return nil, optErr("--prefix", "--prefix 2024/05/", "must be relative to the location's prefix, without a leading \"/\"; got %q", o.Prefix)
	}
	if s.match, err = newMatcher(o.Include); err != nil {
		return nil, err
	}
	switch {
	case s.Concurrency == 0:
		s.Concurrency = DefaultConcurrency
	case s.Concurrency < 0 || s.Concurrency > maxConcurrency:
		return nil, optErr("--concurrency", "--concurrency 16", "must be between 1 and %d, got %d", maxConcurrency, s.Concurrency)
	}
	switch {
	case s.RangeThreshold == 0:
		s.RangeThreshold = DefaultRangeThreshold
	case s.RangeThreshold < 0:
		return nil, optErr("range threshold", "64MiB", "must not be negative, got %d", s.RangeThreshold)
	}
	switch {
	case s.RangeSize == 0:
		s.RangeSize = DefaultRangeSize
	case s.RangeSize < 0:
		return nil, optErr("range size", "16MiB", "must be positive, got %d", s.RangeSize)
	}
	s.maxTries, s.BaseBackoff, s.MaxBackoff = backoff.Normalize(s.MaxRetries, s.BaseBackoff, s.MaxBackoff)
	if s.StatsInterval <= 0 {
		s.StatsInterval = DefaultStatsInterval
	}
	if s.OutageTimeout <= 0 {
		s.OutageTimeout = DefaultOutageTimeout
	}
	if s.ExpiryDays < 0 {
		return nil, optErr("expiry_days", "expiry_days: 30", "must not be negative, got %d", s.ExpiryDays)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.JournalPath == "" {
		s.JournalPath = filepath.Join(s.dest, JournalName)
	}
	return s, nil
}
