package export

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stowage-dev/stowage/internal/humanize"
)

// The reports of a run for people and for --json: what a dry run would
// do, and the summary once a run ended. The commands render them; the
// progress screen draws its own.

// MaxListedFailures is how many failed files a summary names; the rest are
// counted (the CSV manifest lists them all).
const MaxListedFailures = 20

// WritePlan prints what a run would do (--dry-run) to the location named
// location, described by where; journalPath is the run's journal.
func WritePlan(w io.Writer, location, where, journalPath string, res PlanResult) {
	fmt.Fprintf(w, "Dry run for location %q (%s): nothing was uploaded.\n", location, where)
	fmt.Fprintf(w, "  would export:     %s (%s)", humanize.Count(res.Files, "file"), humanize.Size(res.Bytes))
	var notes []string
	if res.Changed > 0 {
		notes = append(notes, fmt.Sprintf("%d changed since their last export", res.Changed))
	}
	if res.Resumable > 0 {
		notes = append(notes, fmt.Sprintf("%d resume a half-done upload", res.Resumable))
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "; %s", strings.Join(notes, ", "))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  already exported: %s (%s), skipped\n", humanize.Count(res.Skipped, "file"), humanize.Size(res.SkippedBytes))
	if !res.Journal {
		fmt.Fprintf(w, "  journal:          none yet (%s); nothing was exported to this location before\n", journalPath)
	}
	if res.ProblemsTotal > 0 {
		fmt.Fprintf(w, "  cannot export:    %s\n", humanize.Count(res.ProblemsTotal, "file"))
		for _, pr := range res.Problems {
			fmt.Fprintf(w, "    %s: %v\n", pr.Path, pr.Err)
		}
		if more := res.ProblemsTotal - len(res.Problems); more > 0 {
			fmt.Fprintf(w, "    … and %d more\n", more)
		}
	}
	if res.StaleUploads > 0 {
		fmt.Fprintf(w, "  stale uploads:    %d multipart uploads of earlier runs would be aborted (or reported, if the location may not); `stowage uploads %s` lists them\n", res.StaleUploads, location)
	}
	if res.Ignored > 0 {
		fmt.Fprintf(w, "  ignored:          %s that are not regular files\n", humanize.Count(res.Ignored, "entry"))
		for _, pr := range res.IgnoredList {
			fmt.Fprintf(w, "    %s: %v\n", pr.Path, pr.Err)
		}
		if more := res.Ignored - len(res.IgnoredList); more > 0 {
			fmt.Fprintf(w, "    … and %d more\n", more)
		}
	}
	if len(res.Sample) > 0 {
		fmt.Fprintf(w, "First keys:\n")
		for _, s := range res.Sample {
			note := ""
			switch {
			case s.Resume:
				note = ", resumes"
			case s.Changed:
				note = ", changed"
			}
			fmt.Fprintf(w, "  %s  (%s%s)\n", s.Key, humanize.Size(s.Size), note)
		}
		if more := res.Files - len(res.Sample); more > 0 {
			fmt.Fprintf(w, "  … and %d more\n", more)
		}
	}
}

// PlanJSON is the --dry-run --json line.
func PlanJSON(name string, res PlanResult) map[string]any {
	sample := make([]map[string]any, 0, len(res.Sample))
	for _, s := range res.Sample {
		sample = append(sample, map[string]any{"path": s.Path, "key": s.Key, "size": s.Size, "changed": s.Changed, "resume": s.Resume})
	}
	problems := make([]map[string]any, 0, len(res.Problems))
	for _, pr := range res.Problems {
		problems = append(problems, map[string]any{"path": pr.Path, "error": pr.Err.Error()})
	}
	ignored := make([]map[string]any, 0, len(res.IgnoredList))
	for _, pr := range res.IgnoredList {
		ignored = append(ignored, map[string]any{"path": pr.Path, "reason": pr.Err.Error()})
	}
	return map[string]any{
		"type": "plan", "location": name, "files": res.Files, "bytes": res.Bytes, "changed": res.Changed,
		"resumable": res.Resumable, "skipped": res.Skipped, "skipped_bytes": res.SkippedBytes,
		"problems_total": res.ProblemsTotal, "problems": problems, "sample": sample, "journal": res.Journal,
		"ignored": res.Ignored, "ignored_list": ignored, "stale_uploads": res.StaleUploads,
	}
}

// FailureList keeps the first MaxListedFailures failed files and counts
// the rest, for the summary; Add may be called from any goroutine.
type FailureList struct {
	mu    sync.Mutex
	First []FileFailed
	Total int
}

func (l *FailureList) Add(ev FileFailed) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Total++
	if len(l.First) < MaxListedFailures {
		l.First = append(l.First, ev)
	}
}

// WriteSummary prints the outcome of a run for people. err is Run's
// error: a location error (ErrLocationUnusable) halts the run like
// a stop, so the heading says so and the resume command follows; the error
// itself, with what to fix, is printed on stderr as the command's error.
func WriteSummary(w io.Writer, sum Summary, err error, failed []FileFailed, failedTotal int, stopped bool, resume string) {
	head := "Export finished"
	locErr := errors.Is(err, ErrLocationUnusable)
	switch {
	case locErr:
		head = "Export stopped by a location error"
	case stopped:
		head = "Export stopped"
	case sum.Failed > 0:
		head = "Export finished with failures"
	}
	fmt.Fprintf(w, "\n%s: %s\n", head, sum.Location)
	fmt.Fprintf(w, "  exported: %s (%s)", humanize.Count(sum.Files, "file"), humanize.Size(sum.Bytes))
	if sum.Changed > 0 {
		fmt.Fprintf(w, ", %d of them changed since the last export", sum.Changed)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  skipped:  %s (already exported)\n", humanize.Count(sum.Skipped, "file"))
	fmt.Fprintf(w, "  failed:   %s\n", humanize.Count(sum.Failed, "file"))
	if sum.Interrupted > 0 || sum.NotStarted > 0 {
		fmt.Fprintf(w, "  left:     %d interrupted, %d not started (the next run continues)\n", sum.Interrupted, sum.NotStarted)
	}
	if !sum.ScanComplete && !sum.DryRun {
		fmt.Fprintln(w, "  scan:     stopped before every source was read; more files may remain (the next run continues)")
	}
	if sum.Deleted > 0 {
		fmt.Fprintf(w, "  deleted:  %d source files\n", sum.Deleted)
	}
	if sum.Kept > 0 {
		fmt.Fprintf(w, "  kept:     %d source files", sum.Kept)
		if sum.KeptUnconfirmed > 0 {
			fmt.Fprintf(w, " (%d could not be confirmed in the location)", sum.KeptUnconfirmed)
		}
		fmt.Fprintln(w)
	}
	if sum.Ignored > 0 {
		fmt.Fprintf(w, "  ignored:  %d entries that are not regular files (%s); the manifest names each\n", sum.Ignored, RetryReasonText(sum.IgnoredKinds))
	}
	if sum.UploadsLeftOpen > 0 {
		fmt.Fprintf(w, "  uploads:  %d abandoned multipart uploads left open (see the warning)\n", sum.UploadsLeftOpen)
	}
	if sum.Retries > 0 {
		fmt.Fprintf(w, "  retries:  %d requests retried (%s)\n", sum.Retries, RetryReasonText(sum.RetryReasons))
	}
	for _, warn := range sum.Warnings {
		fmt.Fprintf(w, "  warning:  %s\n", warn)
	}
	fmt.Fprintf(w, "  time:     %s at %s\n", sum.Elapsed.Round(time.Millisecond), humanize.Rate(sum.MiBps*(1<<20)))
	if sum.ManifestCSV != "" {
		fmt.Fprintf(w, "  manifest: %s\n", sum.ManifestCSV)
		fmt.Fprintf(w, "            %s\n", sum.ManifestJSONL)
	}
	if failedTotal > 0 {
		WriteFailures(w, failed, failedTotal)
	}
	if stopped || locErr {
		fmt.Fprintf(w, "\nTo continue where it stopped, run:\n  %s\n", resume)
	}
}

// WriteFailures lists failed files with their reasons, the first few and
// a count of the rest.
func WriteFailures(w io.Writer, failed []FileFailed, total int) {
	fmt.Fprintf(w, "\nFailed files (%d):\n", total)
	for _, f := range failed {
		fmt.Fprintf(w, "  %s: %v\n", f.Path, f.Err)
	}
	if more := total - len(failed); more > 0 {
		fmt.Fprintf(w, "  … and %d more; the CSV manifest lists every one\n", more)
	}
}

// SummaryJSON is the last --json line.
func SummaryJSON(sum Summary, err error, stopped bool, resume string) map[string]any {
	// An empty list rather than null, so consumers can always iterate.
	warnings := append([]string{}, sum.Warnings...)
	reasons := maps.Clone(sum.RetryReasons)
	if reasons == nil {
		reasons = map[string]int{}
	}
	m := map[string]any{
		"type": "summary", "time": time.Now().UTC().Format(time.RFC3339Nano), "location": sum.Location,
		"files": sum.Files, "changed": sum.Changed, "skipped": sum.Skipped, "failed": sum.Failed,
		"interrupted": sum.Interrupted, "not_started": sum.NotStarted, "deleted": sum.Deleted,
		"bytes": sum.Bytes, "elapsed_ms": sum.Elapsed.Milliseconds(), "mib_per_second": sum.MiBps,
		"manifest_csv": sum.ManifestCSV, "manifest_jsonl": sum.ManifestJSONL, "stopped": stopped,
		"scan_complete": sum.ScanComplete, "kept": sum.Kept, "kept_unconfirmed": sum.KeptUnconfirmed,
		"warnings": warnings, "retries": sum.Retries, "retry_reasons": reasons, "ignored": sum.Ignored,
		"uploads_left_open":  sum.UploadsLeftOpen,
		"durable_lag_p50_ms": float64(sum.DurableLagP50.Microseconds()) / 1000, "durable_lag_max_ms": float64(sum.DurableLagMax.Microseconds()) / 1000,
	}
	if err != nil {
		m["error"] = err.Error()
	}
	if errors.Is(err, ErrLocationUnusable) {
		m["location_error"] = true
	}
	if sum.ManifestError != "" {
		m["manifest_error"] = sum.ManifestError
	}
	if stopped || errors.Is(err, ErrLocationUnusable) {
		m["resume_command"] = resume
	}
	return m
}

// RetryReasonText lists counts by reason, most frequent first:
// "9 network error, 3 throttled".
func RetryReasonText(reasons map[string]int) string {
	keys := slices.Collect(maps.Keys(reasons))
	slices.SortFunc(keys, func(a, b string) int {
		if reasons[a] != reasons[b] {
			return reasons[b] - reasons[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", reasons[k], k))
	}
	return strings.Join(parts, ", ")
}
