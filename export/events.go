package export

import (
	"time"
)

// Event is one progress report of a run. The concrete types are
// ScanProgress, FileStarted, FileProgress, FileDone, FileSkipped,
// FileFailed, Retry, Deleted, Warning, Totals and BatchProgress.
type Event interface {
	// Kind names the event type in JSON output ("file_done", ...).
	Kind() string
}

// ScanProgress reports the files found so far that pass the filters
// (including ones that will be skipped). Done is true once the scan of all
// sources has finished, so totals are final.
type ScanProgress struct {
	Files int
	Bytes int64
	Done  bool
}

// FileStarted: a file's upload began. Parts is the number of parts of a
// multipart upload (0 for a single request) and Resumed how many of them
// the store already held from an earlier run.
type FileStarted struct {
	Path    string
	Key     string
	Size    int64
	Parts   int
	Resumed int
}

// FileProgress: Done bytes of a file were sent (acknowledged parts plus
// bytes of requests in flight); it may go down when a request is retried.
type FileProgress struct {
	Path string
	Done int64
	Size int64
}

// FileDone: the store acknowledged the object and the journal recorded it.
// Changed is true when an earlier export of the file was replaced because
// the file's size or modification time changed since.
type FileDone struct {
	Path     string
	Key      string
	Size     int64
	Checksum string
	ETag     string
	Duration time.Duration
	Changed  bool
}

// FileSkipped: the file was not uploaded; Reason says why (already exported).
type FileSkipped struct {
	Path   string
	Key    string
	Size   int64
	Reason string
}

// FileFailed: the file could not be exported; the other files go on.
type FileFailed struct {
	Path string
	Key  string
	Size int64
	Err  error
}

// Retry: a request failed with a retryable error and is tried again after
// Wait. Part is the part number of a multipart upload, 0 otherwise.
// Internal is true for a retry the provider's own client made inside one
// call (the AWS SDK's); Attempt then counts within that call.
type Retry struct {
	Path     string
	Part     int
	Attempt  int
	Wait     time.Duration
	Err      error
	Internal bool
}

// Deleted: a source file was removed after its object was confirmed
// (Err == nil), or could not be (Err says why; the file stays). When the
// location may not look objects up at all, every file is kept: each has
// its Deleted event naming the denial, and one Warning says what to
// change.
type Deleted struct {
	Path string
	Err  error
}

// Warning: a condition that affects many files, and what to do about it,
// sent once per run rather than once per file (e.g. --delete-source cannot
// confirm any object because the location's credentials may not read
// them). Summary.Warnings repeats it.
type Warning struct {
	Err error
}

// Totals is a periodic Stats snapshot, sent every Options.StatsInterval and
// once at the end.
type Totals struct {
	Stats
}

func (ScanProgress) Kind() string { return "scan" }
func (FileStarted) Kind() string  { return "file_started" }
func (FileProgress) Kind() string { return "file_progress" }
func (FileDone) Kind() string     { return "file_done" }
func (FileSkipped) Kind() string  { return "file_skipped" }
func (FileFailed) Kind() string   { return "file_failed" }
func (Retry) Kind() string        { return "retry" }
func (Deleted) Kind() string      { return "deleted" }
func (Warning) Kind() string      { return "warning" }
func (Totals) Kind() string       { return "totals" }

// Stats is a snapshot of a run's progress.
type Stats struct {
	// Counting is true while the scan is still finding files, so the totals
	// can still grow.
	Counting bool
	// FilesTotal and BytesTotal count every file found that passes the
	// filters, skipped ones included.
	FilesTotal int
	BytesTotal int64

	FilesDone    int // exported in this run
	FilesSkipped int // already exported earlier
	FilesFailed  int
	FilesActive  int // being uploaded now

	// BytesDone counts bytes the store acknowledged in this run (whole files
	// and finished parts); it never counts a byte twice across retries.
	BytesDone int64
	// BytesSkipped counts bytes of skipped files and of parts an earlier run
	// already uploaded.
	BytesSkipped int64
	// BytesFailed counts bytes of failed files, so they leave the remaining
	// work.
	BytesFailed int64
	// BytesInFlight are bytes sent by requests not yet acknowledged.
	BytesInFlight int64

	// Throughput is a moving average of bytes per second.
	Throughput float64
	// ETA is the estimated time left, or -1 when unknown.
	ETA     time.Duration
	Elapsed time.Duration
	Paused  bool
	// Stopping is true after a graceful stop was asked for.
	Stopping bool
}

// Remaining is the bytes not yet exported, skipped or failed.
func (s Stats) Remaining() int64 {
	r := s.BytesTotal - s.BytesDone - s.BytesSkipped - s.BytesFailed - s.BytesInFlight
	if r < 0 {
		return 0
	}
	return r
}

// FilesFinished is the count of files with an outcome.
func (s Stats) FilesFinished() int { return s.FilesDone + s.FilesSkipped + s.FilesFailed }
