package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/tui/downloadui"
)

func init() { register(newDownloadCmd) }

// downloadFlags are the flags of `stowage download`.
type downloadFlags struct {
	prefix      string
	include     []string
	since       string
	deleteAfter bool
	concurrency int
	noTUI       bool
	asJSON      bool
}

func newDownloadCmd(g *globals) *cobra.Command {
	var fl downloadFlags
	c := &cobra.Command{
		Use:   "download NAME DEST",
		Short: "Download a location's recordings into a local folder, resumably",
		Long: `Download the objects of location NAME into the folder DEST, each at its key
(relative to the location's prefix). Listing and downloading run together,
many requests at once; objects of 64 MiB or more are fetched as parallel
16 MiB ranges.

Each file is written as DEST/<dir>/.<name>.stowage-partial and renamed only
once its size, and its checksum when the store keeps one (CRC32C, SHA-256,
MD5, ...), match. A journal in DEST/` + download.JournalName + ` records what is done:
running the same command again skips finished files and resumes large ones
from the ranges already on disk (each re-checked first). An object changed in
the store after it was listed is reported and its new version fetched.

--delete-after removes each object from the store once its local copy is
verified, and only if the store still holds that same version. It needs the
delete permission, which the location grants only with ` + "`delete: true`" + `.

When the location has a lifecycle expiry, the days left for the oldest object
of each top-level folder are shown, with a warning for objects expiring
within 3 days.

On a terminal a progress screen is shown: the overall bar by verified bytes,
each download in flight, the latest errors and the expiry outlook. With
--no-tui, or when output is not a terminal, a status line is printed to
stderr every few seconds; --json prints one JSON event per line on stdout.

The first ctrl+c (or q on the screen) stops gracefully: downloads in flight
finish and are verified, the journal is saved and the command to resume is
printed. A second ctrl+c stops at once.

Exit status: 0 when every object is in DEST, 1 when some failed, 2 for bad
usage, 130 when stopped before the end (rerun to resume).`,
		Example: `  stowage download acme ./recordings
  stowage download acme /srv/calls --prefix 2026/05/ --include '*.wav'
  stowage download sea ./sea --since 2026-11-01 --delete-after --json`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			return runDownload(c, g, &fl, args[0], args[1])
		},
	}
	f := c.Flags()
	f.StringVar(&fl.prefix, "prefix", "", "only keys starting with `PREFIX` (relative to the location's prefix, e.g. 2026/05/)")
	f.StringArrayVar(&fl.include, "include", nil, "only keys matching `GLOB` (repeatable; '*.wav', '2026/**/*.mp4', 'calls/')")
	f.StringVar(&fl.since, "since", "", "only objects modified at or after `DATE` (2006-01-02 in local time, or RFC 3339)")
	f.BoolVar(&fl.deleteAfter, "delete-after", false, "delete each object from the store once its local copy is verified")
	f.IntVar(&fl.concurrency, "concurrency", download.DefaultConcurrency, "requests in flight at once (1-1024)")
	f.BoolVar(&fl.noTUI, "no-tui", false, "print status lines to stderr instead of the progress screen")
	f.BoolVar(&fl.asJSON, "json", false, "print progress events and the summary as JSON Lines on stdout")
	return c
}

func runDownload(c *cobra.Command, g *globals, fl *downloadFlags, name, dest string) error {
	if fl.noTUI && fl.asJSON {
		return usagef("--no-tui and --json exclude each other; example: stowage download %s %s --json", name, dest)
	}
	if fl.concurrency < 1 || fl.concurrency > 1024 {
		return usagef("--concurrency: must be between 1 and 1024, got %d; example: --concurrency 16", fl.concurrency)
	}
	since, err := parseDate("--since", fl.since)
	if err != nil {
		return err
	}
	f, loc, err := loadLocation(g, name)
	if err != nil {
		return err
	}
	ctx := c.Context()
	p, opts, warning, err := download.Prepare(ctx, f, *loc, download.Options{
		Dest: dest, Prefix: fl.prefix, Include: fl.include, Since: since,
		DeleteAfter: fl.deleteAfter, Concurrency: fl.concurrency,
	})
	if err != nil {
		return err
	}
	if warning != "" {
		fmt.Fprintln(g.stderr, "warning: "+warning)
	}
	resume := resumeCommand(c)
	switch {
	case fl.asJSON:
		return runDownloadLines(ctx, g, modeJSON, p, loc, opts, resume)
	case !fl.noTUI && downloadOnTerminal(g):
		return runDownloadScreen(ctx, g, p, opts, resume)
	}
	return runDownloadLines(ctx, g, modeLines, p, loc, opts, resume)
}

// downloadOnTerminal reports whether the progress screen can be drawn:
// stdout is the process's own and a terminal. A variable so tests can take
// the screen's path without one.
var downloadOnTerminal = func(g *globals) bool {
	return g.stdout == os.Stdout && isTerminal(os.Stdout)
}

// downloadScreen runs the progress screen on the terminal; a variable so
// tests can draw it into a buffer.
var downloadScreen = func(ctx context.Context, p providers.Provider, opts download.Options, scr downloadui.Screen) (downloadui.Result, error) {
	scr.In, scr.Out = os.Stdin, os.Stdout
	return downloadui.RunDownloadScreen(ctx, p, opts, scr)
}

// runDownloadScreen runs the download behind the progress screen; its last
// frame is the summary, and a longer list of failures follows it.
func runDownloadScreen(ctx context.Context, g *globals, p providers.Provider, opts download.Options, resume string) error {
	opts.Controller = download.NewController()
	hard, stops, done := g.stopPolicy(ctx, opts.Controller.Stop)
	res, err := downloadScreen(hard, p, opts, downloadui.Screen{ResumeCommand: resume, Stops: stops, Mask: g.mask})
	done()
	if !res.Started {
		return err
	}
	if len(res.Failed) > downloadui.FrameFailures {
		w := g.redacted(g.stdout)
		download.WriteFailures(w, res.Failed)
		_ = w.Flush()
	}
	return downloadExit(res.Result, err, res.Stopped)
}

// runDownloadLines runs the download with status lines (--no-tui) or JSON
// events (--json). The first ctrl+c is a graceful stop, the second a hard
// one, as on the screen.
func runDownloadLines(ctx context.Context, g *globals, mode exportMode, p providers.Provider, loc *config.Location, opts download.Options, resume string) error {
	// Lines may quote a store's errors: print them through the redactor.
	defer g.redactOutput()()
	// The status printer and the stop messages below write to stderr from
	// different goroutines.
	stderr := &lockedWriter{w: g.stderr}
	if mode == modeJSON {
		opts.Events = download.NewJSONPrinter(g.stdout).Event
	} else {
		opts.Events = download.NewStatusPrinter(stderr, statusEvery).Event
	}
	ctl := download.NewController()
	opts.Controller = ctl
	hard, stops, done := g.stopPolicy(ctx, ctl.Stop)
	if mode != modeJSON {
		printStops(stops, stderr, "downloads", func() int { return ctl.Stats().FilesActive }, "file and range")
		fmt.Fprintf(stderr, "Downloading %s (%s) into %s; ctrl+c stops after the downloads in flight\n", loc.Name, where(*loc), opts.Dest)
	}
	res, err := download.Run(hard, p, opts)
	done()
	stopped := download.Stopped(res, err)
	if err != nil && res.JournalPath == "" {
		// The run could not start; bad options are *validate.Error values,
		// which exit with the usage code.
		return err
	}
	if mode == modeJSON {
		if jerr := writeJSONLine(g.stdout, download.SummaryJSON(opts, res, err, stopped, resume)); jerr != nil && err == nil {
			err = jerr
		}
	} else {
		download.WriteSummary(g.stdout, res, opts.DeleteAfter, stopped, resume)
	}
	return downloadExit(res, err, stopped)
}

// downloadExit maps a finished run to the exit status, as export's: 130
// when stopped, 1 when objects failed (the summary named them) or the
// listing failed (the error says why), 0 otherwise.
func downloadExit(res download.Result, err error, stopped bool) error {
	switch {
	case stopped:
		return &SilentError{Code: ExitInterrupted}
	case err != nil:
		return err
	case res.FilesFailed > 0:
		return &SilentError{Code: ExitFailed}
	}
	return nil
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
