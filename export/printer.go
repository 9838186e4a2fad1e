package export

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/stowage-dev/stowage/internal/eventprint"
	"github.com/stowage-dev/stowage/internal/humanize"
)

// StatusPrinter writes plain-text progress for terminals without a UI
// (--no-tui) and for logs: a status line at most every Every, plus one line
// per failed file. Use its Event method as Options.Events (or call it from
// yours).
type StatusPrinter struct {
	W io.Writer
	// Every is the least time between status lines; zero means 5 seconds.
	Every time.Duration

	mu       sync.Mutex
	throttle eventprint.Throttle
	// batchState is the last batch job state printed.
	batchState string
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
	case FileFailed:
		fmt.Fprintf(p.W, "failed: %s: %v\n", ev.Path, ev.Err)
	case Deleted:
		if ev.Err != nil {
			fmt.Fprintf(p.W, "kept: %s: %v\n", ev.Path, ev.Err)
		}
	case Warning:
		fmt.Fprintf(p.W, "warning: %v\n", ev.Err)
	case BatchProgress:
		if ev.State != p.batchState {
			p.batchState = ev.State
			fmt.Fprintf(p.W, "%s job %s: %s (%d of %d tasks succeeded, %d failed)\n", ev.Engine, strings.Join(ev.JobIDs, ", "), ev.State, ev.Succeeded, ev.Total, ev.Failed)
		}
	case ScanProgress:
		if ev.Done {
			fmt.Fprintf(p.W, "found %s (%s)\n", humanize.Count(ev.Files, "file"), humanize.Bytes(ev.Bytes))
		}
	}
}

// StatusLine renders a Stats snapshot as one line of text, e.g.
// "1200/5000 files, 1.2 GiB of 48.0 GiB (2.5%), 85.3 MiB/s, ETA 9m12s, 2 failed".
func StatusLine(s Stats) string {
	line := fmt.Sprintf("%d/%s", s.FilesFinished(), humanize.Count(s.FilesTotal, "file"))
	work := s.BytesTotal - s.BytesSkipped
	done := s.BytesDone + s.BytesInFlight
	line += ", " + humanize.Portion(done, work)
	if s.Counting {
		line += " so far, still counting"
	}
	line += fmt.Sprintf(", %s/s", humanize.Bytes(int64(s.Throughput)))
	if s.ETA >= 0 && !s.Counting {
		line += ", ETA " + s.ETA.String()
	}
	if s.FilesSkipped > 0 {
		line += fmt.Sprintf(", %d skipped", s.FilesSkipped)
	}
	if s.FilesFailed > 0 {
		line += fmt.Sprintf(", %d failed", s.FilesFailed)
	}
	if s.Paused {
		line += ", paused"
	}
	if s.Stopping {
		line += ", stopping"
	}
	return line
}

// JSONPrinter writes every event as one JSON object per line (--json),
// with "type" from Event.Kind and "time" in RFC 3339. FileProgress events
// are left out unless Progress is set: they are many and a later event
// supersedes each.
type JSONPrinter struct {
	W        io.Writer
	Progress bool

	mu    sync.Mutex
	lines eventprint.JSONLines
}

// NewJSONPrinter returns a printer writing JSON Lines to w.
func NewJSONPrinter(w io.Writer) *JSONPrinter { return &JSONPrinter{W: w} }

// Event handles one event.
func (p *JSONPrinter) Event(ev Event) {
	if _, ok := ev.(FileProgress); ok && !p.Progress {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if sk, ok := ev.(FileSkipped); ok {
		// One line per file of a rerun: a struct encodes several times
		// faster than eventJSON's map (a million-file rerun spent 2 of its
		// 13 CPU seconds here, issue 12 §5), and with its fields in the
		// map's sorted order the line is byte for byte the same.
		p.lines.Encode(p.W, skippedJSON{Key: sk.Key, Path: sk.Path, Reason: sk.Reason, Size: sk.Size,
			Time: time.Now().UTC().Format(time.RFC3339Nano), Type: sk.Kind()})
		return
	}
	p.lines.Encode(p.W, eventJSON(ev, time.Now()))
}

// skippedJSON is eventJSON's map for FileSkipped, fields in key order.
type skippedJSON struct {
	Key    string `json:"key"`
	Path   string `json:"path"`
	Reason string `json:"reason"`
	Size   int64  `json:"size"`
	Time   string `json:"time"`
	Type   string `json:"type"`
}

// eventJSON flattens an event into a map with snake_case fields, errors as
// text and durations in milliseconds.
func eventJSON(ev Event, now time.Time) map[string]any {
	m := map[string]any{"type": ev.Kind(), "time": now.UTC().Format(time.RFC3339Nano)}
	switch ev := ev.(type) {
	case ScanProgress:
		m["files"], m["bytes"], m["done"] = ev.Files, ev.Bytes, ev.Done
	case FileStarted:
		m["path"], m["key"], m["size"] = ev.Path, ev.Key, ev.Size
		if ev.Parts > 0 {
			m["parts"], m["resumed_parts"] = ev.Parts, ev.Resumed
		}
	case FileProgress:
		m["path"], m["done"], m["size"] = ev.Path, ev.Done, ev.Size
	case FileDone:
		m["path"], m["key"], m["size"], m["duration_ms"] = ev.Path, ev.Key, ev.Size, ev.Duration.Milliseconds()
		m["checksum"], m["etag"], m["changed"] = ev.Checksum, ev.ETag, ev.Changed
	case FileSkipped:
		m["path"], m["key"], m["size"], m["reason"] = ev.Path, ev.Key, ev.Size, ev.Reason
	case FileFailed:
		m["path"], m["key"], m["size"], m["error"] = ev.Path, ev.Key, ev.Size, eventprint.ErrText(ev.Err)
	case Retry:
		m["path"], m["attempt"], m["wait_ms"], m["error"] = ev.Path, ev.Attempt, ev.Wait.Milliseconds(), eventprint.ErrText(ev.Err)
		if ev.Part > 0 {
			m["part"] = ev.Part
		}
		if ev.Internal {
			m["internal"] = true
		}
	case Deleted:
		m["path"] = ev.Path
		if ev.Err != nil {
			m["error"] = ev.Err.Error()
		}
	case Warning:
		m["message"] = eventprint.ErrText(ev.Err)
	case BatchProgress:
		m["engine"], m["job_ids"], m["state"], m["done"] = ev.Engine, ev.JobIDs, ev.State, ev.Done
		m["tasks_total"], m["tasks_succeeded"], m["tasks_failed"], m["bytes"] = ev.Total, ev.Succeeded, ev.Failed, ev.Bytes
		if ev.Description != "" {
			m["reason"] = ev.Description
		}
	case Totals:
		s := ev.Stats
		m["counting"], m["files_total"], m["bytes_total"] = s.Counting, s.FilesTotal, s.BytesTotal
		m["files_done"], m["files_skipped"], m["files_failed"], m["files_active"] = s.FilesDone, s.FilesSkipped, s.FilesFailed, s.FilesActive
		m["bytes_done"], m["bytes_skipped"], m["bytes_failed"], m["bytes_in_flight"] = s.BytesDone, s.BytesSkipped, s.BytesFailed, s.BytesInFlight
		m["bytes_per_second"], m["elapsed_ms"], m["paused"], m["stopping"] = s.Throughput, s.Elapsed.Milliseconds(), s.Paused, s.Stopping
		if s.ETA >= 0 {
			m["eta_ms"] = s.ETA.Milliseconds()
		}
	}
	return m
}
