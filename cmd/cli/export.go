package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/runctl"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/tui/exportui"
	"github.com/stowage-dev/stowage/validate"
)

func init() { register(newExportCmd) }

// Bounds of --concurrency: one request at a time up to what a single
// machine's connection pool sensibly holds.
const (
	minExportConcurrency = 1
	maxExportConcurrency = 512
)

// maxListedFailures is how many failed files the summary names; the rest
// are counted (the CSV manifest lists them all).
const maxListedFailures = 20

// statusEvery is how often --no-tui prints a status line.
const statusEvery = 5 * time.Second

// exportFlags are the export command's flags as given.
type exportFlags struct {
	include, exclude []string
	since, until     string
	keyTemplate      string
	dryRun           bool
	concurrency      int
	partSize         string
	deleteSource     bool
	noTUI            bool
	asJSON           bool
}

func newExportCmd(g *globals) *cobra.Command {
	var fl exportFlags
	c := &cobra.Command{
		Use:   "export NAME SRC...",
		Short: "Export recordings from local folders to a location, resumably",
		Long: `Upload the files below each SRC folder (or single SRC files) to the location
NAME. Finished files are recorded in a journal next to the locations file, so
running the same command again skips them and resumes large files half-way.

Each run writes a CSV and a JSON Lines manifest with one row per file.

On a terminal a progress screen is shown (p pauses, q stops after the uploads
in flight). With --no-tui, or when output is not a terminal, a status line is
printed to stderr every few seconds; --json prints one JSON event per line.

The first ctrl+c stops gracefully: uploads in flight finish, the journal is
saved and the command to resume is printed. A second ctrl+c stops at once.

Exit status: 0 when every file was exported (or already was), 1 when some
files failed, 2 for bad usage, 130 when stopped before the end.`,
		Example: `  stowage export acme /var/spool/recordings
  stowage export acme /data/calls /data/screens --include '*.wav' --since 2024-01-01
  stowage export acme /data/calls --key-template '{mtime:2006/01/02}/{base}' --dry-run
  stowage export nas /data/calls --no-tui --concurrency 64 --part-size 32MiB`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			return runExport(c, g, &fl, args[0], args[1:])
		},
	}
	f := c.Flags()
	f.StringArrayVar(&fl.include, "include", nil, "export only files matching `GLOB` (repeatable; '*.wav', 'calls/**/*.mp4')")
	f.StringArrayVar(&fl.exclude, "exclude", nil, "leave out files matching `GLOB` (repeatable; 'tmp/', '*.part')")
	f.StringVar(&fl.since, "since", "", "only files modified at or after `DATE` (2006-01-02 in local time, or RFC 3339)")
	f.StringVar(&fl.until, "until", "", "only files modified before `DATE` (exclusive; same forms as --since)")
	f.StringVar(&fl.keyTemplate, "key-template", "", "object key of each file, e.g. '{mtime:2006/01/02}/{base}' (`TEMPLATE`; default {path})")
	f.BoolVar(&fl.dryRun, "dry-run", false, "show what would be exported and upload nothing")
	f.IntVar(&fl.concurrency, "concurrency", export.DefaultConcurrency, fmt.Sprintf("uploads and parts in flight at once (%d-%d)", minExportConcurrency, maxExportConcurrency))
	f.StringVar(&fl.partSize, "part-size", "", "part size of large files' uploads, e.g. 16MiB, 64M, 1GiB (`SIZE`; default 16MiB)")
	f.BoolVar(&fl.deleteSource, "delete-source", false, "delete each local file once its object is confirmed in the location")
	f.BoolVar(&fl.noTUI, "no-tui", false, "print status lines to stderr instead of the progress screen")
	f.BoolVar(&fl.asJSON, "json", false, "print progress events and the summary as JSON Lines on stdout")
	return c
}

// exportMode is how progress is shown.
type exportMode int

const (
	modeTUI exportMode = iota
	modeLines
	modeJSON
)

func runExport(c *cobra.Command, g *globals, fl *exportFlags, name string, sources []string) error {
	opts, err := fl.options(sources)
	if err != nil {
		return err
	}
	// Checked here as well as by the engine so a typo is reported before
	// the progress screen opens, in this command's words.
	for _, src := range sources {
		if _, err := os.Stat(src); err != nil {
			return &validate.Error{Field: "SRC", Rule: fmt.Sprintf("%q cannot be read: %v", src, errors.Unwrap(err)), Example: "stowage export NAME /var/spool/recordings"}
		}
	}
	if fl.noTUI && fl.asJSON {
		return usagef("--no-tui and --json exclude each other (--json never shows the screen); example: stowage export %s %s --json", name, strings.Join(sources, " "))
	}
	f, err := loadConfig(g)
	if err != nil {
		return err
	}
	loc, err := findLocation(f, name)
	if err != nil {
		return err
	}
	cfgPath, err := filepath.Abs(f.Source.Path)
	if err != nil {
		return fmt.Errorf("locate the locations file %s: %w", f.Source.Path, err)
	}
	opts.JournalPath = export.DefaultJournalPath(cfgPath, loc.Name)
	if loc.Type == config.TypeLocal && loc.Local != nil {
		// A local location inside a source folder must not be exported into
		// itself.
		opts.SkipPaths = append(opts.SkipPaths, loc.Local.Path)
	}

	ctx := c.Context()
	p, err := openProvider(ctx, f, *loc, opts.Concurrency)
	if err != nil {
		return err
	}
	if root, ok := p.(interface{ Root() string }); ok {
		opts.SkipPaths = append(opts.SkipPaths, root.Root())
	}
	if err := checkPartSize(g, fl, p, loc.Name, opts.PartSize); err != nil {
		return err
	}

	mode := modeLines
	switch {
	case fl.asJSON:
		mode = modeJSON
	case !fl.noTUI && g.stdout == os.Stdout && isTerminal(os.Stdout):
		mode = modeTUI
	}
	if fl.dryRun {
		return runPlan(ctx, g, mode, loc, opts)
	}
	resume := resumeCommand(c)
	if mode == modeTUI {
		return runExportScreen(ctx, g, p, loc, opts, resume)
	}
	return runExportLines(ctx, g, mode, p, loc, opts, resume)
}

// options turns the flags into export options, with usage errors naming
// the flag.
func (fl *exportFlags) options(sources []string) (export.Options, error) {
	opts := export.Options{
		Sources:      sources,
		Include:      fl.include,
		Exclude:      fl.exclude,
		KeyTemplate:  fl.keyTemplate,
		DryRun:       fl.dryRun,
		DeleteSource: fl.deleteSource,
	}
	var err error
	if opts.Since, err = parseDate("--since", fl.since); err != nil {
		return opts, err
	}
	if opts.Until, err = parseDate("--until", fl.until); err != nil {
		return opts, err
	}
	if fl.concurrency < minExportConcurrency || fl.concurrency > maxExportConcurrency {
		return opts, usagef("--concurrency: must be between %d and %d, got %d; example: --concurrency 32", minExportConcurrency, maxExportConcurrency, fl.concurrency)
	}
	opts.Concurrency = fl.concurrency
	if fl.partSize != "" {
		if opts.PartSize, err = parseSize(fl.partSize); err != nil {
			return opts, usagef("--part-size: %v; example: --part-size 16MiB", err)
		}
	}
	if fl.deleteSource && fl.dryRun {
		// Not an error: a dry run deletes nothing, which is what was asked
		// to be shown.
		opts.DeleteSource = false
	}
	return opts, nil
}

// parseDate reads a --since/--until value: a calendar day (midnight local
// time) or an RFC 3339 timestamp.
func parseDate(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("%s: %q is not a date; use YYYY-MM-DD (local time) or RFC 3339; example: %s 2024-05-01 or %s 2024-05-01T08:00:00Z", flag, s, flag, flag)
}

// sizeUnits are the suffixes parseSize accepts. K, M and G are binary, as
// in rclone and dd; KB, MB and GB are decimal.
var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30},
	{"b", 1},
}

// parseSize reads a byte count with an optional unit: 16MiB, 64M, 1GiB,
// 5000000, 8MB.
func parseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	// !(n*mult >= 1) also refuses NaN, and sizes below one byte.
	if err != nil || t == "" || !(n*float64(mult) >= 1) || n*float64(mult) > float64(1<<62) {
		return 0, fmt.Errorf("%q is not a positive size; use a number with an optional unit (B, KiB, MiB, GiB; K, M and G mean the same)", s)
	}
	return int64(n * float64(mult)), nil
}

// checkPartSize holds --part-size to the location's part limits. A location
// without multipart uploads sends every file whole, so the flag does not
// apply there.
func checkPartSize(g *globals, fl *exportFlags, p providers.Provider, name string, size int64) error {
	if size == 0 {
		return nil
	}
	mp, ok := p.(providers.Multipart)
	if !ok {
		fmt.Fprintf(g.stderr, "warning: location %q uploads every file whole; --part-size has no effect\n", name)
		return nil
	}
	lo, hi, _ := mp.PartLimits()
	if size < lo || size > hi {
		return usagef("--part-size: must be between %s and %s for location %q, got %s (%s); example: --part-size 16MiB",
			formatSize(lo), formatSize(hi), name, fl.partSize, formatSize(size))
	}
	return nil
}

// formatSize renders n in binary units ("16 MiB", "1.5 GiB").
func formatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %ciB", int64(v), "KMGTPE"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}

// resumeCommand rebuilds the command line that continues this export: the
// same location, sources and flags (global flags first, each group in name
// order).
func resumeCommand(c *cobra.Command) string {
	var global, local []string
	c.Flags().Visit(func(f *pflag.Flag) {
		if c.LocalFlags().Lookup(f.Name) != nil {
			local = append(local, flagWords(f)...)
		} else {
			global = append(global, flagWords(f)...)
		}
	})
	words := append([]string{programName()}, global...)
	words = append(words, c.Name())
	words = append(words, c.Flags().Args()...)
	words = append(words, local...)
	for i, w := range words {
		words[i] = shellQuote(w)
	}
	return strings.Join(words, " ")
}

// programName is how the user started Stowage when it looks like Stowage
// (a path to the binary included), else "stowage".
func programName() string {
	if len(os.Args) > 0 && strings.HasPrefix(filepath.Base(os.Args[0]), "stowage") {
		return os.Args[0]
	}
	return "stowage"
}

// flagWords renders one set flag as command-line words.
func flagWords(f *pflag.Flag) []string {
	if f.Value.Type() == "bool" {
		if f.Value.String() == "true" {
			return []string{"--" + f.Name}
		}
		return []string{"--" + f.Name + "=false"}
	}
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		var out []string
		for _, v := range sv.GetSlice() {
			out = append(out, "--"+f.Name, v)
		}
		return out
	}
	return []string{"--" + f.Name, f.Value.String()}
}

// shellQuote quotes w for POSIX shells when it holds anything but safe
// characters.
func shellQuote(w string) string {
	if w != "" && strings.IndexFunc(w, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// engineError is the error of a run that could not start. The engine's
// option errors already name SRC and give this command's positional form
// in their examples, so they pass through unchanged; the wizard's export
// (setup.go) reports its errors the same way.
func engineError(err error) error {
	return err
}

// runPlan prints what a run would do (--dry-run).
func runPlan(ctx context.Context, g *globals, mode exportMode, loc *config.Location, opts export.Options) error {
	res, err := export.Plan(ctx, opts)
	if err != nil {
		return engineError(err)
	}
	if mode == modeJSON {
		return writeJSONLine(g.stdout, planJSON(loc.Name, res))
	}
	w := g.stdout
	fmt.Fprintf(w, "Dry run for location %q (%s): nothing was uploaded.\n", loc.Name, where(*loc))
	fmt.Fprintf(w, "  would export:     %d files (%s)", res.Files, formatSize(res.Bytes))
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
	fmt.Fprintf(w, "  already exported: %d files (%s), skipped\n", res.Skipped, formatSize(res.SkippedBytes))
	if !res.Journal {
		fmt.Fprintf(w, "  journal:          none yet (%s); nothing was exported to this location before\n", opts.JournalPath)
	}
	if res.ProblemsTotal > 0 {
		fmt.Fprintf(w, "  cannot export:    %d files\n", res.ProblemsTotal)
		for _, pr := range res.Problems {
			fmt.Fprintf(w, "    %s: %v\n", pr.Path, pr.Err)
		}
		if more := res.ProblemsTotal - len(res.Problems); more > 0 {
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
			fmt.Fprintf(w, "  %s  (%s%s)\n", s.Key, formatSize(s.Size), note)
		}
		if more := res.Files - len(res.Sample); more > 0 {
			fmt.Fprintf(w, "  … and %d more\n", more)
		}
	}
	return nil
}

// planJSON is the --dry-run --json line.
func planJSON(name string, res export.PlanResult) map[string]any {
	sample := make([]map[string]any, 0, len(res.Sample))
	for _, s := range res.Sample {
		sample = append(sample, map[string]any{"path": s.Path, "key": s.Key, "size": s.Size, "changed": s.Changed, "resume": s.Resume})
	}
	problems := make([]map[string]any, 0, len(res.Problems))
	for _, pr := range res.Problems {
		problems = append(problems, map[string]any{"path": pr.Path, "error": pr.Err.Error()})
	}
	return map[string]any{
		"type": "plan", "location": name, "files": res.Files, "bytes": res.Bytes, "changed": res.Changed,
		"resumable": res.Resumable, "skipped": res.Skipped, "skipped_bytes": res.SkippedBytes,
		"problems_total": res.ProblemsTotal, "problems": problems, "sample": sample, "journal": res.Journal,
	}
}

func writeJSONLine(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}

// failureList keeps the first failed files and counts the rest.
type failureList struct {
	mu    sync.Mutex
	first []export.FileFailed
	total int
}

func (l *failureList) add(ev export.FileFailed) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total++
	if len(l.first) < maxListedFailures {
		l.first = append(l.first, ev)
	}
}

// runExportLines runs the export with status lines (--no-tui) or JSON
// events (--json).
func runExportLines(ctx context.Context, g *globals, mode exportMode, p providers.Provider, loc *config.Location, opts export.Options, resume string) error {
	var failures failureList
	var show func(export.Event)
	// The status printer and the stop messages write to stderr from
	// different goroutines.
	stderr := &lockedWriter{w: g.stderr}
	if mode == modeJSON {
		show = export.NewJSONPrinter(g.stdout).Event
	} else {
		show = export.NewStatusPrinter(stderr, statusEvery).Event
		fmt.Fprintf(stderr, "Exporting to %s (%s); ctrl+c stops after the uploads in flight\n", loc.Name, where(*loc))
	}
	opts.Events = func(ev export.Event) {
		if ff, ok := ev.(export.FileFailed); ok {
			failures.add(ff)
		}
		show(ev)
	}
	ctl := export.NewController()
	opts.Controller = ctl

	hard, stops, done := g.stopPolicy(ctx, ctl.Stop)
	stops.Watch(func(l runctl.Level) {
		switch l {
		case runctl.Graceful:
			fmt.Fprintf(stderr, "stopping: finishing %d in-flight uploads… (ctrl+c again stops at once)\n", ctl.Stats().FilesActive)
		case runctl.Hard:
			fmt.Fprintln(stderr, "stopping now; the journal keeps every finished file and part")
		}
	})
	sum, err := export.Run(hard, p, loc.Name, opts)
	done()
	if err != nil && sum.Location == "" {
		// The run could not start; nothing was uploaded.
		return engineError(err)
	}
	// Summary.Stopped is true whenever a stop was asked for, also when the
	// run had nothing left to do and Run returned nil; a stop during the
	// scan comes back as ErrStopped (or the hard stop's context error).
	stopped := sum.Stopped || errors.Is(err, export.ErrStopped) || stops.Level() != runctl.Running
	if mode == modeJSON {
		if jerr := writeJSONLine(g.stdout, summaryJSON(sum, err, stopped, resume)); jerr != nil && err == nil {
			err = jerr
		}
	} else {
		writeSummary(g.stdout, sum, err, failures.first, failures.total, stopped, resume)
	}
	return exportExit(err, stopped)
}

// runExportScreen runs the export behind the progress screen; the screen's
// last frame is its summary, and any failures are listed after it.
func runExportScreen(ctx context.Context, g *globals, p providers.Provider, loc *config.Location, opts export.Options, resume string) error {
	opts.Controller = export.NewController()
	hard, stops, done := g.stopPolicy(ctx, opts.Controller.Stop)
	res, err := exportui.RunExportScreen(hard, p, loc.Name, opts, exportui.Screen{
		In:            os.Stdin,
		Out:           os.Stdout,
		ResumeCommand: resume,
		Stops:         stops,
	})
	done()
	if !res.Started {
		return engineError(err)
	}
	// The summary frame names the first few failed files; a longer list
	// follows it as plain text.
	if res.FailedTotal > exportui.FrameFailures {
		writeFailures(g.stdout, res.Failures, res.FailedTotal)
	}
	return exportExit(err, res.Stopped)
}

// exportExit maps a finished run's error to the exit status: the summary
// already told the user what happened.
func exportExit(err error, stopped bool) error {
	switch {
	case stopped:
		return &SilentError{Code: ExitInterrupted}
	case err == nil:
		return nil
	case errors.Is(err, export.ErrFilesFailed):
		return &SilentError{Code: ExitFailed}
	}
	return err
}

// writeSummary prints the outcome of a run for people. err is Run's
// error: a location error (export.ErrLocationUnusable) halts the run like
// a stop, so the heading says so and the resume command follows; the error
// itself, with what to fix, is printed on stderr as the command's error.
func writeSummary(w io.Writer, sum export.Summary, err error, failed []export.FileFailed, failedTotal int, stopped bool, resume string) {
	head := "Export finished"
	locErr := errors.Is(err, export.ErrLocationUnusable)
	switch {
	case locErr:
		head = "Export stopped by a location error"
	case stopped:
		head = "Export stopped"
	case sum.Failed > 0:
		head = "Export finished with failures"
	}
	fmt.Fprintf(w, "\n%s: %s\n", head, sum.Location)
	fmt.Fprintf(w, "  exported: %d files (%s)", sum.Files, formatSize(sum.Bytes))
	if sum.Changed > 0 {
		fmt.Fprintf(w, ", %d of them changed since the last export", sum.Changed)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  skipped:  %d files (already exported)\n", sum.Skipped)
	fmt.Fprintf(w, "  failed:   %d files\n", sum.Failed)
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
	for _, warn := range sum.Warnings {
		fmt.Fprintf(w, "  warning:  %s\n", warn)
	}
	fmt.Fprintf(w, "  time:     %s at %.1f MiB/s\n", sum.Elapsed.Round(time.Millisecond), sum.MiBps)
	if sum.ManifestCSV != "" {
		fmt.Fprintf(w, "  manifest: %s\n", sum.ManifestCSV)
		fmt.Fprintf(w, "            %s\n", sum.ManifestJSONL)
	}
	if failedTotal > 0 {
		writeFailures(w, failed, failedTotal)
	}
	if stopped || locErr {
		fmt.Fprintf(w, "\nTo continue where it stopped, run:\n  %s\n", resume)
	}
}

// writeFailures lists failed files with their reasons, the first few and
// a count of the rest.
func writeFailures(w io.Writer, failed []export.FileFailed, total int) {
	fmt.Fprintf(w, "\nFailed files (%d):\n", total)
	for _, f := range failed {
		fmt.Fprintf(w, "  %s: %v\n", f.Path, f.Err)
	}
	if more := total - len(failed); more > 0 {
		fmt.Fprintf(w, "  … and %d more; the CSV manifest lists every one\n", more)
	}
}

// summaryJSON is the last --json line.
func summaryJSON(sum export.Summary, err error, stopped bool, resume string) map[string]any {
	// An empty list rather than null, so consumers can always iterate.
	warnings := append([]string{}, sum.Warnings...)
	m := map[string]any{
		"type": "summary", "time": time.Now().UTC().Format(time.RFC3339Nano), "location": sum.Location,
		"files": sum.Files, "changed": sum.Changed, "skipped": sum.Skipped, "failed": sum.Failed,
		"interrupted": sum.Interrupted, "not_started": sum.NotStarted, "deleted": sum.Deleted,
		"bytes": sum.Bytes, "elapsed_ms": sum.Elapsed.Milliseconds(), "mib_per_second": sum.MiBps,
		"manifest_csv": sum.ManifestCSV, "manifest_jsonl": sum.ManifestJSONL, "stopped": stopped,
		"scan_complete": sum.ScanComplete, "kept": sum.Kept, "kept_unconfirmed": sum.KeptUnconfirmed,
		"warnings": warnings,
	}
	if err != nil {
		m["error"] = err.Error()
	}
	if errors.Is(err, export.ErrLocationUnusable) {
		m["location_error"] = true
	}
	if stopped || errors.Is(err, export.ErrLocationUnusable) {
		m["resume_command"] = resume
	}
	return m
}
