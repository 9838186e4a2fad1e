package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/internal/runctl"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/tui/exportui"
)

func init() { register(newExportCmd) }

// Bounds of --concurrency: one request at a time up to what a single
// machine's connection pool sensibly holds.
const (
	minExportConcurrency = 1
	maxExportConcurrency = 512
)

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
	memory           string
	deleteSource     bool
	noTUI            bool
	asJSON           bool
	from             string
	engine           string
	batch            batchFlags
}

func newExportCmd(g *globals) *cobra.Command {
	var fl exportFlags
	c := &cobra.Command{
		Use:   "export NAME SRC... | export NAME --from SOURCE[:PREFIX] [--engine auto|stream|copy|batch]",
		Short: "Export recordings from local folders (or another location) to a location, resumably",
		Long: `Upload the files below each SRC folder (or single SRC files) to the location
NAME. Finished files are recorded in a journal next to the locations file, so
running the same command again skips them and resumes large files half-way.

Each run writes a CSV and a JSON Lines manifest with one row per file.

On a terminal a progress screen is shown (p pauses, q stops after the uploads
in flight). With --no-tui, or when output is not a terminal, a status line is
printed to stderr every few seconds; --json prints one JSON event per line.

The first ctrl+c stops gracefully: uploads in flight finish, the journal is
saved and the command to resume is printed. A second ctrl+c stops at once.

With --from SOURCE[:PREFIX] the recordings come from another saved location
(the platform's own bucket or container, which may use other credentials)
instead of local folders; --include, --exclude, --since, --until and
--key-template apply to its listing ({path} is the key below PREFIX). The
journal, progress, manifest and resume work as for folders. --engine says how
the objects move:
  copy    the store copies each object (CopyObject; UploadPartCopy above
          5 GiB, or above --part-size when given, resumable part by part):
          both locations on one S3 endpoint, and the destination's
          credentials may read the source (stowage policy NAME --kind
          copy-source --from SOURCE prints the statement); no object byte
          passes through this machine
  stream  ranged reads from the source sent as the parts of an upload, any
          pair of stores (S3, S3-compatible, Azure); the parts in flight
          are held in memory, bounded by --memory (default: --concurrency x
          --part-size, at most 256 MiB, at least one part)
  auto    (the default) copy when it can be used, probed with a HEAD of one
          source object with the destination's credentials, else stream; the
          choice and why are printed first (--json: an "engine" line)
  batch   the store's own batch service, below
--engine batch has the store copy them itself: MinIO's batch replicate job,
S3 Batch Operations (needs --batch-role-arn; the task count and the cost
estimate at AWS's published prices are shown and confirmed first, --yes skips
the question), or Azure Copy Blob with a read SAS on the source. No object
byte passes through this machine; the job's progress is shown like an
upload's, and its result is reconciled into the journal and the manifest, so
a rerun asks the store for what failed only. The stores keep each object's
source key under the destination's prefix (--key-template does not apply).

Exit status: 0 when every file was exported (or already was), 1 when some
files failed, 2 for bad usage, 130 when stopped before the end.`,
		Example: `  stowage export acme /var/spool/recordings
  stowage export acme /data/calls /data/screens --include '*.wav' --since 2024-01-01
  stowage export acme /data/calls --key-template '{mtime:2006/01/02}/{base}' --dry-run
  stowage export nas /data/calls --no-tui --concurrency 64 --part-size 32MiB
  stowage export acme --from platform:tenants/acme/ --include '*.wav' --since 2024-01-01
  stowage export acme --from platform:tenants/acme/ --engine stream --part-size 32MiB --memory 128MiB
  stowage export acme --from platform:tenants/acme/ --engine batch --batch-role-arn arn:aws:iam::123456789012:role/StowageBatchOperations`,
		Args: func(c *cobra.Command, args []string) error {
			if fl.from != "" {
				if len(args) != 1 {
					return usagef("with --from, give the location alone, no SRC folders; example: stowage export NAME --from platform:tenants/acme/")
				}
				return nil
			}
			return cobra.MinimumNArgs(2)(c, args)
		},
		RunE: func(c *cobra.Command, args []string) error {
			if fl.from != "" || fl.engine != "" || fl.batch.used() {
				return runFromExport(c, g, &fl, args[0])
			}
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
	f.StringVar(&fl.memory, "memory", "", "most bytes of requests in flight at once, e.g. 128MiB, 1GiB (`SIZE`; default --concurrency x --part-size; with --engine stream, which holds its parts in memory, at most 256MiB)")
	f.BoolVar(&fl.deleteSource, "delete-source", false, "delete each local file once its object is confirmed in the location")
	f.BoolVar(&fl.noTUI, "no-tui", false, "print status lines to stderr instead of the progress screen")
	f.BoolVar(&fl.asJSON, "json", false, "print progress events and the summary as JSON Lines on stdout")
	f.StringVar(&fl.from, "from", "", "export from the saved location `SOURCE[:PREFIX]` (the platform's bucket or container) instead of folders")
	f.StringVar(&fl.engine, "engine", "", "how objects --from a location move: auto (default), copy (the store copies), stream (through this machine) or batch (the store's batch service)")
	fl.batch.register(f)
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
	if fl.noTUI && fl.asJSON {
		return usagef("--no-tui and --json exclude each other (--json never shows the screen); example: stowage export %s %s --json", name, strings.Join(sources, " "))
	}
	f, loc, err := loadLocation(g, name)
	if err != nil {
		return err
	}
	ctx := c.Context()
	p, opts, err := export.Prepare(ctx, f, *loc, opts)
	if err != nil {
		return err
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
	if fl.memory != "" {
		if opts.MemoryBudget, err = parseSize(fl.memory); err != nil {
			return opts, usagef("--memory: %v; example: --memory 256MiB", err)
		}
	}
	if fl.deleteSource && fl.dryRun {
		// Not an error: a dry run deletes nothing, which is what was asked
		// to be shown.
		opts.DeleteSource = false
	}
	return opts, nil
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
			humanize.Size(lo), humanize.Size(hi), name, fl.partSize, humanize.Size(size))
	}
	return nil
}

// runPlan prints what a run would do (--dry-run).
func runPlan(ctx context.Context, g *globals, mode exportMode, loc *config.Location, opts export.Options) error {
	res, err := export.Plan(ctx, opts)
	if err != nil {
		return engineError(err)
	}
	if mode == modeJSON {
		return writeJSONLine(g.stdout, export.PlanJSON(loc.Name, res))
	}
	export.WritePlan(g.stdout, loc.Name, where(*loc), opts.JournalPath, res)
	return nil
}

func writeJSONLine(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}

// engineError is the error of a run that could not start. The engine's
// option errors already name SRC and give this command's positional form
// in their examples, so they pass through unchanged; the wizard's export
// (setup.go) reports its errors the same way.
func engineError(err error) error {
	return err
}

// runExportLines runs the export with status lines (--no-tui) or JSON
// events (--json).
func runExportLines(ctx context.Context, g *globals, mode exportMode, p providers.Provider, loc *config.Location, opts export.Options, resume string) error {
	// Lines may quote a store's errors: print them through the redactor.
	defer g.redactOutput()()
	var failures export.FailureList
	var show func(export.Event)
	// The status printer and the stop messages write to stderr from
	// different goroutines.
	stderr := &lockedWriter{w: g.stderr}
	if mode == modeJSON {
		show = export.NewJSONPrinter(g.stdout).Event
	} else {
		show = export.NewStatusPrinter(stderr, statusEvery).Event
	}
	opts.Events = func(ev export.Event) {
		if ff, ok := ev.(export.FileFailed); ok {
			failures.Add(ff)
		}
		show(ev)
	}
	ctl := export.NewController()
	opts.Controller = ctl

	hard, stops, done := g.stopPolicy(ctx, ctl.Stop)
	printStops(stops, stderr, "uploads", func() int { return ctl.Stats().FilesActive }, "file and part")
	if mode != modeJSON {
		// After the forwarding began: a ctrl+c from here on is this run's.
		fmt.Fprintf(stderr, "Exporting to %s (%s); ctrl+c stops after the uploads in flight\n", loc.Name, where(*loc))
	}
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
		if jerr := writeJSONLine(g.stdout, export.SummaryJSON(sum, err, stopped, resume)); jerr != nil && err == nil {
			err = jerr
		}
	} else {
		export.WriteSummary(g.stdout, sum, err, failures.First, failures.Total, stopped, resume)
	}
	return exportExit(err, stopped)
}

// runExportScreen runs the export behind the progress screen on the
// command's terminal (the export command on a terminal, the wizard's
// "export now"); the screen's last frame is its summary, and any failures
// are listed after it.
func runExportScreen(ctx context.Context, g *globals, p providers.Provider, loc *config.Location, opts export.Options, resume string) error {
	opts.Controller = export.NewController()
	hard, stops, done := g.stopPolicy(ctx, opts.Controller.Stop)
	res, err := exportui.RunExportScreen(hard, p, loc.Name, opts, exportui.Screen{
		Mask:          g.mask,
		In:            g.stdin,
		Out:           g.stdout,
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
		w := g.redacted(g.stdout)
		export.WriteFailures(w, res.Failures, res.FailedTotal)
		_ = w.Flush()
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
