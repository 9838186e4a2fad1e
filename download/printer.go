package download

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/stowage-dev/stowage/internal/eventprint"
	"github.com/stowage-dev/stowage/internal/humanize"
)

// StatusPrinter writes plain-text progress for --no-tui and logs: a status
// line at most every Every, the expiry outlook, and one line per failure,
// change, damaged partial file and kept object.
type StatusPrinter struct {
	W io.Writer
	// Every is the least time between status lines; zero means 5 seconds.
	Every time.Duration

	mu       sync.Mutex
	throttle eventprint.Throttle
}

// NewStatusPrinter returns a printer writing to w every interval.
func NewStatusPrinter(w io.Writer, every time.Duration) *StatusPrinter {
	return &StatusPrinter{W: w, Every: every}
}

// Event handles one event.
func (p *StatusPrinter) Event(ev Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case Totals:
		if p.throttle.Due(time.Now(), p.Every) {
			fmt.Fprintln(p.W, StatusLine(ev.Stats))
		}
	case Listed:
		if ev.Done {
			fmt.Fprintf(p.W, "found %s (%s)\n", humanize.Count(ev.Objects, "object"), FormatBytes(ev.Bytes))
		}
	case Expiry:
		fmt.Fprint(p.W, ExpiryText(ev))
	case FileFailed:
		fmt.Fprintf(p.W, "failed: %s: %v\n", ev.Key, ev.Err)
	case Changed:
		fmt.Fprintf(p.W, "changed: %s changed in the store after it was listed (ETag %q → %q); fetching the new version\n", ev.Key, ev.ListedETag, ev.NowETag)
	case Corrupt:
		fmt.Fprintf(p.W, "damaged: %s: %s of the partial file from an earlier run no longer match; fetching them again\n", ev.Key, humanize.Count(ev.Ranges, "range"))
	case Deleted:
		if ev.Err != nil {
			fmt.Fprintf(p.W, "kept in store: %s: %v\n", ev.Key, ev.Err)
		}
	}
}

// StatusLine renders a Stats snapshot as one line, e.g.
// "120/500 files, 1.2 GiB of 48.0 GiB (2.5%), 85.3 MiB/s, ETA 9m12s, 3 skipped".
func StatusLine(s Stats) string {
	line := fmt.Sprintf("%d/%s", s.FilesFinished(), humanize.Count(s.FilesTotal, "file"))
	work := s.BytesTotal - s.BytesSkipped
	line += ", " + humanize.Portion(s.BytesDone, work)
	if s.Listing {
		line += " so far, still listing"
	}
	line += fmt.Sprintf(", %s/s", FormatBytes(int64(s.Throughput)))
	if s.ETA >= 0 && !s.Listing {
		line += ", ETA " + s.ETA.String()
	}
	if s.FilesSkipped > 0 {
		line += fmt.Sprintf(", %d skipped", s.FilesSkipped)
	}
	if s.FilesDeleted > 0 {
		line += fmt.Sprintf(", %d deleted from the store", s.FilesDeleted)
	}
	if s.FilesFailed > 0 {
		line += fmt.Sprintf(", %d failed", s.FilesFailed)
	}
	return line
}

// ExpiryText renders the expiry outlook: one line per top-level prefix and
// a warning for objects expiring within ExpiryWarnDays days.
func ExpiryText(ev Expiry) string {
	if len(ev.Prefixes) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "lifecycle expiry: objects are deleted %s after upload\n", humanize.Count(ev.ExpiryDays, "day"))
	soon := 0
	for _, p := range ev.Prefixes {
		name := p.Prefix
		if name == "" {
			name = "(top level)"
		}
		left := fmt.Sprintf("%s left", humanize.Count(p.DaysLeft, "day"))
		switch {
		case p.DaysLeft < 0:
			left = fmt.Sprintf("expired %s ago", humanize.Count(-p.DaysLeft, "day"))
		case p.DaysLeft == 1:
			left = "1 day left"
		}
		fmt.Fprintf(&b, "  %-24s %6d objects, oldest %s: %s (%s)\n", name, p.Objects,
			p.Oldest.UTC().Format("2006-01-02"), left, p.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"))
		soon += p.Soon
	}
	if soon > 0 {
		fmt.Fprintf(&b, "warning: %s expire within %d days; download them first (--prefix narrows the run)\n", humanize.Count(soon, "object"), ExpiryWarnDays)
	}
	return b.String()
}

// JSONPrinter writes every event as one JSON object per line (--json), with
// "type" from Event.Kind and "time" in RFC 3339.
type JSONPrinter struct {
	W io.Writer

	mu    sync.Mutex
	lines eventprint.JSONLines
}

// NewJSONPrinter returns a printer writing JSON Lines to w.
func NewJSONPrinter(w io.Writer) *JSONPrinter { return &JSONPrinter{W: w} }

// Event handles one event.
func (p *JSONPrinter) Event(ev Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines.Encode(p.W, EventJSON(ev, time.Now()))
}

// EventJSON flattens an event into a map with snake_case fields, errors as
// text and durations in milliseconds.
func EventJSON(ev Event, now time.Time) map[string]any {
	m := map[string]any{"type": ev.Kind(), "time": now.UTC().Format(time.RFC3339Nano)}
	switch ev := ev.(type) {
	case Listed:
		m["objects"], m["bytes"], m["done"] = ev.Objects, ev.Bytes, ev.Done
	case FileStarted:
		m["key"], m["path"], m["size"] = ev.Key, ev.Path, ev.Size
		if ev.Ranges > 0 {
			m["ranges"], m["resumed_ranges"] = ev.Ranges, ev.Resumed
		}
	case FileDone:
		m["key"], m["path"], m["size"], m["checksum"], m["verified"] = ev.Key, ev.Path, ev.Size, ev.Checksum, ev.Verified
		m["duration_ms"] = ev.Duration.Milliseconds()
	case FileSkipped:
		m["key"], m["size"], m["reason"] = ev.Key, ev.Size, ev.Reason
	case FileFailed:
		m["key"], m["size"], m["error"] = ev.Key, ev.Size, eventprint.ErrText(ev.Err)
	case Changed:
		m["key"], m["listed_etag"], m["now_etag"], m["listed_size"], m["now_size"] = ev.Key, ev.ListedETag, ev.NowETag, ev.ListedSize, ev.NowSize
	case Corrupt:
		m["key"], m["ranges"] = ev.Key, ev.Ranges
	case Retry:
		m["key"], m["attempt"], m["wait_ms"], m["error"] = ev.Key, ev.Attempt, ev.Wait.Milliseconds(), eventprint.ErrText(ev.Err)
		if ev.Range > 0 {
			m["range"] = ev.Range
		}
		if ev.Internal {
			m["internal"] = true
		}
	case Deleted:
		m["key"] = ev.Key
		if ev.Err != nil {
			m["error"] = ev.Err.Error()
		}
	case Expiry:
		var ps []map[string]any
		for _, p := range ev.Prefixes {
			ps = append(ps, map[string]any{"prefix": p.Prefix, "objects": p.Objects, "oldest": p.Oldest.UTC().Format(time.RFC3339),
				"expires_at": p.ExpiresAt.UTC().Format(time.RFC3339), "days_left": p.DaysLeft, "expiring_soon": p.Soon})
		}
		m["expiry_days"], m["prefixes"] = ev.ExpiryDays, ps
	case Totals:
		s := ev.Stats
		m["listing"], m["files_total"], m["bytes_total"] = s.Listing, s.FilesTotal, s.BytesTotal
		m["files_done"], m["files_skipped"], m["files_failed"], m["files_active"], m["files_deleted"] = s.FilesDone, s.FilesSkipped, s.FilesFailed, s.FilesActive, s.FilesDeleted
		m["bytes_done"], m["bytes_skipped"], m["bytes_failed"] = s.BytesDone, s.BytesSkipped, s.BytesFailed
		m["bytes_per_second"], m["elapsed_ms"] = s.Throughput, s.Elapsed.Milliseconds()
		if s.ETA >= 0 {
			m["eta_ms"] = s.ETA.Milliseconds()
		}
	}
	return m
}

// FormatBytes renders n in binary units with one decimal ("1.5 GiB").
func FormatBytes(n int64) string { return humanize.Bytes(n) }
