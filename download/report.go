package download

import (
	"fmt"
	"io"
	"time"
)

// The reports of a finished run for people and for --json; the progress
// screen draws its own.

// MaxListedFailures is how many failed objects a summary names.
const MaxListedFailures = 20

// WriteSummary prints the outcome and the failed objects; stopped runs
// end with the command that continues them (resume).
func WriteSummary(w io.Writer, r Result, deleteAfter, stopped bool, resume string) {
	fmt.Fprintf(w, "\n%d downloaded, %d already there, %d failed", r.FilesDone, r.FilesSkipped, r.FilesFailed)
	if deleteAfter {
		fmt.Fprintf(w, ", %d deleted from the store", r.FilesDeleted)
	}
	fmt.Fprintf(w, " — %s in %s\n", FormatBytes(r.BytesDone), r.Elapsed.Round(time.Millisecond))
	WriteFailures(w, r.Failed)
	if r.FilesFailed > 0 {
		fmt.Fprintln(w, "Run the same command again to retry the failed objects; finished ones are skipped.")
	}
	if stopped {
		fmt.Fprintf(w, "Stopped before the end (journal %s). To continue where it stopped, run:\n  %s\n", r.JournalPath, resume)
	}
}

// WriteFailures names the first MaxListedFailures failed objects.
func WriteFailures(w io.Writer, failed []FileFailed) {
	for i, f := range failed {
		if i == MaxListedFailures {
			fmt.Fprintf(w, "  … and %d more failed\n", len(failed)-MaxListedFailures)
			break
		}
		fmt.Fprintf(w, "  failed: %s: %v\n", f.Key, f.Err)
	}
}

// SummaryJSON is the last --json line of a run of opts that returned r and
// err.
func SummaryJSON(opts Options, r Result, err error, stopped bool, resume string) map[string]any {
	sum := map[string]any{"type": "summary", "location": opts.Location, "dest": opts.Dest, "journal": r.JournalPath,
		"files_total": r.FilesTotal, "files_done": r.FilesDone, "files_skipped": r.FilesSkipped,
		"files_failed": r.FilesFailed, "files_deleted": r.FilesDeleted, "bytes_done": r.BytesDone,
		"elapsed_ms": r.Elapsed.Milliseconds(), "stopped": stopped,
		"ok": err == nil && !stopped && r.FilesFailed == 0}
	if err != nil && !stopped {
		sum["error"] = err.Error()
	}
	if stopped {
		sum["resume"] = resume
	}
	return sum
}
