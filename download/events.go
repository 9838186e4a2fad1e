package download

import "time"

// Event is one progress report of a run. The concrete types are Listed,
// FileStarted, FileDone, FileSkipped, FileFailed, Changed, Corrupt, Retry,
// Deleted, Expiry and Totals.
type Event interface {
	// Kind names the event type in JSON output ("file_done", ...).
	Kind() string
}

// Listed reports the objects found so far that pass the filters. Done is
// true once the listing has finished.
type Listed struct {
	Objects int
	Bytes   int64
	Done    bool
}

// FileStarted: an object's download began. Ranges is the number of ranged
// GETs (0 for a single GET) and Resumed how many were already on disk.
type FileStarted struct {
	Key     string
	Path    string
	Size    int64
	Ranges  int
	Resumed int
}

// FileDone: the object is on disk, verified and recorded. Verified says how:
// "size" or "size+CRC32C" (the store's algorithm).
type FileDone struct {
	Key      string
	Path     string
	Size     int64
	Checksum string // the local file's CRC32C
	Verified string
	Duration time.Duration
}

// FileSkipped: the object was not fetched; Reason says why.
type FileSkipped struct {
	Key    string
	Size   int64
	Reason string
}

// FileFailed: the object could not be downloaded; the others go on.
type FileFailed struct {
	Key  string
	Size int64
	Err  error
}

// Changed: the object changed in the store between the listing and the
// download (its ETag differs); the new version is fetched.
type Changed struct {
	Key                 string
	ListedETag, NowETag string
	ListedSize, NowSize int64
}

// Corrupt: a partial file left by an earlier run no longer matches what
// was written (it was truncated or altered); the damaged ranges are fetched
// again.
type Corrupt struct {
	Key    string
	Ranges int // ranges fetched again
}

// Retry: a request failed with a retryable error and is tried again after
// Wait. Range is the 1-based range number, 0 for a single GET.
type Retry struct {
	Key     string
	Range   int
	Attempt int
	Wait    time.Duration
	Err     error
	// Internal is true for a retry the provider's own client made inside
	// one request (the AWS SDK's retryer): Attempt counts within it.
	Internal bool
}

// Deleted: the remote object was deleted after its copy was verified
// (Err == nil), or could not be (Err says why; it stays in the store).
type Deleted struct {
	Key string
	Err error
}

// Expiry reports, once the listing is complete, how long the objects of
// each top-level prefix have before the location's lifecycle rule deletes
// them.
type Expiry struct {
	ExpiryDays int
	Prefixes   []PrefixExpiry
}

// PrefixExpiry is the expiry outlook of one top-level prefix ("2026/",
// or "" for objects at the top).
type PrefixExpiry struct {
	Prefix  string
	Objects int
	Oldest  time.Time
	// DaysLeft is how many whole days the oldest object has left
	// (LastModified + expiry − now); negative when already past.
	DaysLeft int
	// ExpiresAt is when the oldest object expires.
	ExpiresAt time.Time
	// Soon counts objects expiring within ExpiryWarnDays days.
	Soon int
}

// Totals is a periodic Stats snapshot, sent every StatsInterval and once at
// the end.
type Totals struct{ Stats }

func (Listed) Kind() string      { return "listed" }
func (FileStarted) Kind() string { return "file_started" }
func (FileDone) Kind() string    { return "file_done" }
func (FileSkipped) Kind() string { return "file_skipped" }
func (FileFailed) Kind() string  { return "file_failed" }
func (Changed) Kind() string     { return "changed" }
func (Corrupt) Kind() string     { return "corrupt_partial" }
func (Retry) Kind() string       { return "retry" }
func (Deleted) Kind() string     { return "deleted" }
func (Expiry) Kind() string      { return "expiry" }
func (Totals) Kind() string      { return "totals" }

// Stats is a snapshot of a run's progress.
type Stats struct {
	// Listing is true while objects are still being listed, so the totals
	// can still grow.
	Listing      bool
	FilesTotal   int
	BytesTotal   int64
	FilesDone    int
	FilesSkipped int
	FilesFailed  int
	FilesActive  int
	FilesDeleted int
	// BytesDone counts bytes written to disk in this run.
	BytesDone    int64
	BytesSkipped int64
	BytesFailed  int64
	// Throughput is a moving average of bytes per second.
	Throughput float64
	// ETA is the estimated time left, or -1 when unknown.
	ETA     time.Duration
	Elapsed time.Duration
	// Paused and Stopping are the Controller's state (Controller.Stats).
	Paused, Stopping bool
}

// FilesFinished is the count of files with an outcome.
func (s Stats) FilesFinished() int { return s.FilesDone + s.FilesSkipped + s.FilesFailed }
