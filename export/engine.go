package export

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/internal/outage"
	"github.com/stowage-dev/stowage/internal/shellquote"
	"github.com/stowage-dev/stowage/providers"
)

// ErrStopped is returned by Run after a graceful stop (Controller.Stop)
// left files unexported; a rerun picks them up.
var ErrStopped = errors.New("export stopped before every file was exported; run it again to continue")

// ErrFilesFailed is returned (wrapped, with the count) by Run when some
// files could not be exported; the manifest and FileFailed events say why.
var ErrFilesFailed = errors.New("some files were not exported")

// ErrLocationUnusable is returned (wrapped, together with the provider's
// error) by Run when the location cannot take any upload: its bucket,
// container or folder does not exist (providers.ErrNoSuchBucket), or its
// credentials are refused (providers.ErrInvalidCredentials, ErrExpired,
// ErrTrustDenied). The run stops taking files at the first such error;
// files it did not attempt count as not started, so a rerun after fixing
// the location exports them. Access denied on one key is not such an
// error: a policy may deny single keys, and the other files go on.
var ErrLocationUnusable = errors.New("the location cannot take uploads")

// locationError is the error of a run halted by ErrLocationUnusable.
type locationError struct {
	msg string
	err error
}

func (e *locationError) Error() string   { return e.msg }
func (e *locationError) Unwrap() []error { return []error{ErrLocationUnusable, e.err} }

// checkLocation halts the run when err means no upload to the location can
// succeed, so thousands of files are not each failed with the same error.
func (e *engine) checkLocation(err error) {
	var what, next string
	var se *sourceError
	if errors.As(err, &se) {
		e.checkSource(se)
		return
	}
	switch {
	case errors.Is(err, providers.ErrNoSuchBucket):
		what = "the location's bucket/folder does not exist"
		next = fmt.Sprintf("run `stowage test %s`", e.loc)
	case errors.Is(err, providers.ErrExpired):
		what = "the location's credentials have expired"
		next = fmt.Sprintf("run `stowage test %s`, and `stowage setup --edit %s` to give it new ones", e.loc, e.loc)
	case errors.Is(err, providers.ErrInvalidCredentials):
		what = "the location's credentials were refused"
		next = fmt.Sprintf("run `stowage test %s`, and `stowage setup --edit %s` to correct them", e.loc, e.loc)
	case errors.Is(err, providers.ErrTrustDenied):
		what = "the location's role does not trust Stowage (its trust policy denies sts:AssumeRole)"
		next = fmt.Sprintf("run `stowage test %s`", e.loc)
	default:
		return
	}
	hint := ""
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Hint != "" {
		hint = "; " + pe.Hint
	}
	e.setFatal(&locationError{
		msg: fmt.Sprintf("export stopped: %s: %s (%v%s); files not yet attempted are left for the next run", what, next, err, hint),
		err: err,
	})
}

// Summary is the outcome of a run.
type Summary struct {
	Location string
	// Files exported in this run, Changed included.
	Files int
	// Changed: files exported again because they changed since an earlier
	// export.
	Changed int
	// Skipped: files already exported earlier.
	Skipped int
	Failed  int
	// Interrupted: large files stopped half-way; the next run resumes them.
	Interrupted int
	// NotStarted: files found but not started because the run was stopped
	// (or halted by a location error). When ScanComplete is false, files
	// the scan never reached are not counted anywhere.
	NotStarted int
	// Deleted: source files removed after their object was confirmed.
	Deleted int
	// Kept: source files kept although Options.DeleteSource was set,
	// KeptUnconfirmed included. Each has a Deleted event with the reason.
	Kept int
	// KeptUnconfirmed: files kept because the location's credentials may
	// not look objects up (providers.ErrAccessDenied from Stat, e.g. an S3
	// policy without s3:GetObject because read_back is off). Besides each
	// file's Deleted event, one Warning event, also in Warnings, says what
	// to change.
	KeptUnconfirmed int
	// Warnings are the messages of the run's Warning events, each once.
	Warnings []string
	// Retries counts every retried request (the store client's own retries
	// included, as in the Retry events); RetryReasons splits it by the kind
	// of error ("throttled", "network error", "server error").
	Retries      int
	RetryReasons map[string]int
	// Ignored counts entries of the sources that are not regular files
	// (named pipes, sockets, devices, links to folders, broken links, link
	// loops); IgnoredKinds splits it by kind. Each has a FileSkipped event
	// and an "ignored" manifest row with the reason; none counts as failed.
	Ignored      int
	IgnoredKinds map[string]int
	// UploadsLeftOpen counts multipart uploads the run knows are abandoned
	// (the file changed, or an earlier run stopped before recording one)
	// but could not abort; a Warning names the first and how to remove
	// them.
	UploadsLeftOpen int
	// DurableLagP50 and DurableLagMax are the median and largest gap from
	// the store's answer to the journal's committed done record: a crash
	// in that gap makes the next run send the file again.
	DurableLagP50, DurableLagMax time.Duration
	// Bytes uploaded in this run.
	Bytes   int64
	Elapsed time.Duration
	// MiBps is Bytes per second of Elapsed, in MiB.
	MiBps float64
	// ManifestCSV and ManifestJSONL are the manifest files (empty in a dry
	// run).
	ManifestCSV   string
	ManifestJSONL string
	// ManifestError is set when the manifests could not be written whole
	// (a full disk): they lack rows from then on, and Warnings says so.
	ManifestError string
	// Stopped is true when the run was asked to stop (Controller.Stop or a
	// cancelled context) before it finished. A run halted by an error
	// (ErrLocationUnusable, a journal that cannot be written) is not
	// Stopped; Run's error says why.
	Stopped bool
	// ScanComplete is true when the scan read every source to the end, so
	// the counts cover every file that passes the filters. It is false when
	// a stop or an error ended the scan early: files in the part not yet
	// scanned were neither counted nor exported, and the manifests end with
	// a RowScanIncomplete row. A rerun scans everything again.
	ScanComplete bool
	DryRun       bool
}

// String is a one-line account of the run for people.
func (s Summary) String() string {
	var b strings.Builder
	if s.DryRun {
		fmt.Fprintf(&b, "dry run: %s (%s) would be exported, %d already exported", humanize.Count(s.Files, "file"), humanize.Bytes(s.Bytes), s.Skipped)
		if s.Failed > 0 {
			fmt.Fprintf(&b, ", %d cannot be", s.Failed)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "exported %s (%s) in %s at %s", humanize.Count(s.Files, "file"), humanize.Bytes(s.Bytes), s.Elapsed.Round(time.Millisecond), humanize.Rate(s.MiBps*(1<<20)))
	if s.Changed > 0 {
		fmt.Fprintf(&b, ", %d of them changed since the last export", s.Changed)
	}
	fmt.Fprintf(&b, "; %d skipped, %d failed", s.Skipped, s.Failed)
	if s.Interrupted > 0 {
		fmt.Fprintf(&b, ", %d interrupted", s.Interrupted)
	}
	if s.NotStarted > 0 {
		fmt.Fprintf(&b, ", %d not started", s.NotStarted)
	}
	if s.Ignored > 0 {
		fmt.Fprintf(&b, "; %s ignored (not regular files)", humanize.Count(s.Ignored, "entry"))
	}
	if s.UploadsLeftOpen > 0 {
		fmt.Fprintf(&b, "; %d abandoned multipart uploads left open", s.UploadsLeftOpen)
	}
	if s.Retries > 0 {
		fmt.Fprintf(&b, "; %s retried", humanize.Count(s.Retries, "request"))
	}
	if !s.ScanComplete {
		b.WriteString("; the scan stopped before reading every source, so more files may remain")
	}
	if s.ManifestError != "" {
		b.WriteString("; the manifest was NOT written whole")
	}
	if s.Deleted > 0 {
		fmt.Fprintf(&b, "; %d source files deleted", s.Deleted)
	}
	if s.Kept > 0 {
		fmt.Fprintf(&b, "; %d source files kept", s.Kept)
		if s.KeptUnconfirmed > 0 {
			fmt.Fprintf(&b, " (%d could not be confirmed: the location may not read objects)", s.KeptUnconfirmed)
		}
	}
	return b.String()
}

// engine is one run of Run.
type engine struct {
	ctx    context.Context // hard stop
	p      providers.Provider
	mp     providers.Multipart // nil when the provider has no multipart
	stater providers.Stater    // nil when the provider cannot stat
	lister providers.Lister    // nil when the provider cannot list
	// copier is set for the copy engine, srcGet for the stream engine
	// (Options.From).
	copier providers.Copier
	srcGet providers.Getter
	loc    string
	s      *settings
	j      *Journal
	man    *manifest
	ctl    *Controller
	tr     *tracker
	ev     *dispatcher
	sched  *scheduler
	budget *semaphore.Weighted
	bufs   *partBufs // the stream engine's read buffers
	// reads bounds the stream engine's source reads in flight to half
	// the budget (streamReadLimit), so the other half is free for parts
	// going up while the next ones come down.
	reads *semaphore.Weighted
	cls   *classifier
	out   *outage.Tracker
	// gone is cancelled once the run stops because the store is gone, which
	// cancels the requests in flight (do).
	gone       context.Context
	goneCancel context.CancelFunc
	// retries counts every retry, the provider client's included.
	retries retryCounts
	// ignored counts entries that are not regular files, by kind.
	ignored retryCounts
	// lags are the gaps from a store's answer to the committed done record.
	lags lagLog

	halted atomic.Bool
	// stopAsked is set when Controller.Stop or the context ended the run,
	// as opposed to an error halting it.
	stopAsked atomic.Bool
	// scanCtx ends the walk as soon as the run halts, even inside folders
	// whose files the filters leave out; stopScan cancels it.
	scanCtx  context.Context
	stopScan context.CancelCauseFunc
	fatalMu  sync.Mutex
	fatalErr error

	exported, changed, interrupted, deleted atomic.Int64
	kept, keptUnconfirmed                   atomic.Int64
	uploadsLeftOpen                         atomic.Int64

	warnMu   sync.Mutex
	warned   map[string]bool
	warnings []string
}

// Run exports the files of opts.Sources to the location p (named loc for
// the manifest and messages). Cancelling ctx is a hard stop: requests in
// flight are abandoned and the journal keeps what finished.
// Controller.Stop is the graceful stop. Run returns ErrStopped after a
// graceful stop, a wrapped ErrFilesFailed when some files failed, and an
// error without a Summary only when the run could not start.
func Run(ctx context.Context, p providers.Provider, loc string, opts Options) (Summary, error) {
	if opts.DryRun {
		return dryRun(ctx, loc, opts)
	}
	s, err := prepare(opts, true)
	if err != nil {
		return Summary{}, err
	}
	if p == nil {
		return Summary{}, errors.New("export: no provider given")
	}
	e := &engine{ctx: ctx, p: p, loc: loc, s: s}
	e.scanCtx, e.stopScan = context.WithCancelCause(ctx)
	defer e.stopScan(nil)
	e.mp, _ = p.(providers.Multipart)
	e.stater, _ = p.(providers.Stater)
	e.lister, _ = p.(providers.Lister)
	if s.From != nil {
		if err := e.setupFrom(); err != nil {
			return Summary{}, err
		}
	}
	if s.DeleteSource && e.stater == nil {
		return Summary{}, optErr("--delete-source", "stowage export OTHER-LOCATION "+shellWords(opts.Sources)+" --delete-source",
			"location %q cannot look objects up, so Stowage cannot confirm an upload before deleting its source; run without --delete-source, or export to a location that can", loc)
	}
	if e.j, err = OpenJournal(s.JournalPath); err != nil {
		return Summary{}, err
	}
	defer e.j.Close()
	if e.cls, err = newClassifier(s, e.j); err != nil {
		return Summary{}, fmt.Errorf("read journal %s: %w", s.JournalPath, err)
	}
	start := time.Now()
	if e.man, err = openManifest(s.ManifestDir, cmp.Or(s.ManifestName, loc), start); err != nil {
		return Summary{}, err
	}
	e.man.onErr = func(err error) { e.warnOnce("manifest", err) }
	e.ctl = s.Controller
	if e.ctl == nil {
		e.ctl = NewController()
	}
	e.tr = newTracker(start)
	e.ctl.run.Store(e.tr)
	e.ev = newDispatcher(s.Events)
	e.sched = newScheduler(e.abandonPart)
	e.budget = semaphore.NewWeighted(s.MemoryBudget)
	e.out = outage.New(s.OutageTimeout)
	e.gone, e.goneCancel = context.WithCancel(context.Background())
	defer e.goneCancel()
	return e.run()
}

func (e *engine) run() (Summary, error) {
	done := make(chan struct{})
	var side sync.WaitGroup

	// A graceful or hard stop stops the queue; the goroutine is joined so
	// parts it abandons are finished before the journal closes.
	side.Add(1)
	go func() {
		defer side.Done()
		select {
		case <-e.ctl.sw.Stopped():
		case <-e.ctx.Done():
		case <-done:
			return
		}
		e.stopAsked.Store(true)
		e.halt()
	}()

	side.Add(1)
	go func() {
		defer side.Done()
		t := time.NewTicker(e.s.StatsInterval)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				e.tr.sample(now)
				e.ev.emitLossy(Totals{e.ctl.Stats()})
				e.man.flush()
				// Commits read the journal through its mapping too.
				_ = e.j.releaseMapped()
			case <-done:
				return
			}
		}
	}()

	var scanErr error
	scanDone := make(chan struct{})
	go func() {
		defer close(scanDone)
		scanErr = e.scan()
		e.tr.counting.Store(false)
		// Done promises final totals; a halted scan's totals are not.
		if scanErr == nil {
			e.ev.emit(ScanProgress{Files: int(e.tr.filesTotal.Load()), Bytes: e.tr.bytesTotal.Load(), Done: true})
		}
		e.sched.endScan()
	}()

	var workers sync.WaitGroup
	for i := 0; i < e.s.Concurrency; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			e.worker()
		}()
	}
	workers.Wait()
	// Workers only leave before the scan ends when the run is halting; the
	// halted flag stops the scan at its next file.
	<-scanDone
	close(done)
	side.Wait()

	end := time.Now()
	e.tr.sample(end)
	e.tr.finish(end)
	e.ev.emit(Totals{e.ctl.Stats()})
	e.ev.close()
	if scanErr != nil {
		// Rows list only the files the scan reached; this row says so, so a
		// manifest of a stopped scan cannot pass for a complete one.
		e.man.write(ManifestRow{Status: RowScanIncomplete, DurationMS: time.Since(e.tr.start).Milliseconds(),
			Error: "the scan stopped before reading every source (" + e.scanEndReason(scanErr) +
				"); files it did not reach are not listed here; run the export again to continue"})
	}
	manErr := e.man.close()

	st := e.tr.snapshot()
	sum := Summary{
		Location:        e.loc,
		Files:           int(e.exported.Load()),
		Changed:         int(e.changed.Load()),
		Skipped:         st.FilesSkipped,
		Failed:          st.FilesFailed,
		Interrupted:     int(e.interrupted.Load()),
		Deleted:         int(e.deleted.Load()),
		Kept:            int(e.kept.Load()),
		KeptUnconfirmed: int(e.keptUnconfirmed.Load()),
		Bytes:           st.BytesDone,
		Elapsed:         st.Elapsed,
		ManifestCSV:     e.man.csvPath,
		ManifestJSONL:   e.man.jsonlPath,
	}
	sum.NotStarted = st.FilesTotal - sum.Files - sum.Skipped - sum.Failed - sum.Interrupted
	if sum.NotStarted < 0 {
		sum.NotStarted = 0
	}
	if secs := sum.Elapsed.Seconds(); secs > 0 {
		sum.MiBps = float64(sum.Bytes) / (1 << 20) / secs
	}
	sum.Stopped = e.stopAsked.Load() || e.ctl.stopping() || e.ctx.Err() != nil
	e.warnMu.Lock()
	if manErr != nil {
		sum.ManifestError = manErr.Error()
		if !e.warned["manifest"] {
			// Found only at close, after the events ended.
			e.warnings = append(e.warnings, manErr.Error())
		}
	}
	sum.Warnings = append([]string(nil), e.warnings...)
	e.warnMu.Unlock()
	sum.Retries, sum.RetryReasons = e.retries.snapshot()
	sum.Ignored, sum.IgnoredKinds = e.ignored.snapshot()
	sum.UploadsLeftOpen = int(e.uploadsLeftOpen.Load())
	sum.DurableLagP50, sum.DurableLagMax = e.lags.summary()
	sum.ScanComplete = scanErr == nil

	switch {
	case e.ctx.Err() != nil:
		return sum, fmt.Errorf("export interrupted: %w", e.ctx.Err())
	case e.fatal() != nil:
		return sum, e.fatal()
	case scanErr != nil && !errors.Is(scanErr, errHalted):
		return sum, scanErr
	case sum.Stopped && (sum.NotStarted > 0 || sum.Interrupted > 0 || !sum.ScanComplete):
		return sum, ErrStopped
	case sum.Failed > 0:
		return sum, fmt.Errorf("%w: %d of %s failed; see %s", ErrFilesFailed, sum.Failed, humanize.Count(st.FilesTotal, "file"), sum.ManifestCSV)
	case manErr != nil:
		return sum, manErr
	}
	return sum, nil
}

var errHalted = errors.New("export halted")

// shellWords joins words for a command line people can paste.
func shellWords(words []string) string { return shellquote.Join(words) }

// halt stops taking new files and ends the scan; what is in flight
// finishes.
func (e *engine) halt() {
	// Not a sync.Once: stop may finish abandoned files, whose journal
	// failure calls halt again from inside.
	if e.halted.CompareAndSwap(false, true) {
		e.stopScan(errHalted)
		e.sched.stop()
	}
}

// scanEndReason says in the manifest why the scan ended early.
func (e *engine) scanEndReason(scanErr error) string {
	switch {
	case e.ctx.Err() != nil:
		return "the export was interrupted"
	case e.fatal() != nil:
		return "the export stopped on an error: " + e.fatal().Error()
	case e.stopAsked.Load():
		return "the export was stopped"
	case errors.Is(scanErr, errHalted):
		return "the export stopped"
	}
	return scanErr.Error()
}

// setFatal records an error that makes going on pointless (the journal
// cannot be written) and halts the run.
func (e *engine) setFatal(err error) {
	e.fatalMu.Lock()
	if e.fatalErr == nil {
		e.fatalErr = err
	}
	e.fatalMu.Unlock()
	e.halt()
}

func (e *engine) fatal() error {
	e.fatalMu.Lock()
	defer e.fatalMu.Unlock()
	return e.fatalErr
}

// scan feeds the queue while the workers run.
func (e *engine) scan() error {
	if e.s.From != nil {
		return e.scanObjects()
	}
	lastEmit := time.Now()
	onErr := func(p string, err error) {
		e.tr.filesTotal.Add(1)
		e.failFile(&fileTask{path: p}, fmt.Errorf("cannot read: %w", err), time.Now(), nil)
	}
	return scan(e.scanCtx, e.s, func(f found) error {
		if e.halted.Load() {
			return errHalted
		}
		t, dec, reason, err := e.cls.classify(f)
		return e.admit(t, dec, reason, err, f.size, &lastEmit)
	}, onErr, e.ignoreFile)
}

// admit counts a file (or source object) the scan found and, by the
// classifier's decision, fails it, skips it or queues it, reporting scan
// progress at most every 200 ms (lastEmit). Folder and location scans
// share it.
func (e *engine) admit(t *fileTask, dec decision, reason string, err error, size int64, lastEmit *time.Time) error {
	e.tr.filesTotal.Add(1)
	e.tr.bytesTotal.Add(size)
	if now := time.Now(); now.Sub(*lastEmit) >= 200*time.Millisecond {
		*lastEmit = now
		e.ev.emitLossy(ScanProgress{Files: int(e.tr.filesTotal.Load()), Bytes: e.tr.bytesTotal.Load()})
	}
	switch dec {
	case decFail:
		e.failFile(t, err, time.Now(), nil)
		return nil
	case decSkip:
		// --delete-source (folders only) still has a done file deleted.
		if e.s.DeleteSource && e.s.From == nil {
			t.skipOnly = true
			if !e.sched.pushFile(t) {
				return errHalted
			}
			return nil
		}
		e.skipFile(t, reason, false)
		return nil
	}
	if !e.sched.pushFile(t) {
		return errHalted
	}
	return nil
}

// ignoreFile reports an entry of a source that is not a regular file: a
// FileSkipped event and an "ignored" manifest row with the reason, counted
// in the summary but not in the run's file totals.
func (e *engine) ignoreFile(path string, why ignored) {
	e.ignored.add(why.Short())
	e.man.write(ManifestRow{Source: path, Status: RowIgnored, Error: why.String()})
	e.ev.emit(FileSkipped{Path: path, Reason: why.String()})
}

func (e *engine) worker() {
	for {
		// Wait out a pause before taking work, so a paused run does not
		// report files as started; a stopped run takes none (the stop may
		// not have reached the scheduler yet).
		if e.ctl.gate(e.ctx) != nil || e.ctl.stopping() {
			return
		}
		f, p, ok := e.sched.next()
		if !ok {
			return
		}
		if p != nil {
			e.runPart(p)
			continue
		}
		e.runFile(f)
	}
}

// skipFile records a file exported earlier.
func (e *engine) skipFile(t *fileTask, reason string, deleted bool) {
	e.tr.filesSkipped.Add(1)
	e.tr.bytesSkipped.Add(t.size)
	row := ManifestRow{Source: t.path, Key: t.key, Size: t.size, Status: RowSkipped, Deleted: deleted}
	if t.prior != nil {
		row.Checksum, row.ETag, row.VersionID = t.prior.Checksum, t.prior.ETag, t.prior.VersionID
	}
	e.man.write(row)
	e.ev.emit(FileSkipped{Path: t.path, Key: t.key, Size: t.size, Reason: reason})
}

// runFile uploads one file, or starts its multipart upload; the file is
// finished here except for multipart uploads, which the last part finishes.
func (e *engine) runFile(t *fileTask) {
	if t.skipOnly {
		e.skipFile(t, "already exported", e.deleteSource(t.path, t.key, identity{size: t.size, mtime: t.mtime}, t.prior.Checksum))
		e.sched.fileFinished()
		return
	}
	if t.src != nil {
		e.runObject(t)
		return
	}
	start := time.Now()
	e.tr.filesActive.Add(1)
	file, err := os.Open(t.path)
	if err != nil {
		e.tr.filesActive.Add(-1)
		e.failFile(t, fmt.Errorf("open source: %w", err), start, nil)
		e.sched.fileFinished()
		return
	}
	fi, err := file.Stat()
	if err != nil {
		file.Close()
		e.tr.filesActive.Add(-1)
		e.failFile(t, fmt.Errorf("stat source: %w", err), start, nil)
		e.sched.fileFinished()
		return
	}
	if !fi.Mode().IsRegular() {
		// Replaced since the scan (a folder where the file was): say so
		// rather than let the upload fail on reading it.
		file.Close()
		e.tr.filesActive.Add(-1)
		what := "a " + kindOf(fi.Mode())
		e.failFile(t, fmt.Errorf("%w: %s is now %s, not a file; it was not exported", errSourceChanged, t.path, what), start, nil)
		e.sched.fileFinished()
		return
	}
	before := identityOf(fi)
	// The file may have grown since the scan; upload what is there now and
	// keep the totals honest.
	if before.size != t.size {
		e.tr.bytesTotal.Add(before.size - t.size)
		t.size = before.size
	}
	t.mtime = before.mtime
	if e.mp != nil && t.size > e.s.MultipartThreshold {
		e.startMultipart(t, file, before, start)
		return
	}
	defer e.sched.fileFinished()
	defer e.tr.filesActive.Add(-1)
	defer file.Close()

	fp := &fileProg{path: t.path, size: t.size}
	e.ev.emit(FileStarted{Path: t.path, Key: t.key, Size: t.size})
	fl := &flight{e: e, fp: fp}
	var obj providers.Object
	err = e.do(t.path, 0, func(ctx context.Context) error {
		fl.report(0)
		if _, err := file.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("rewind source: %w", err)
		}
		n := min(t.size, e.s.MemoryBudget)
		if err := e.budget.Acquire(ctx, n); err != nil {
			return err
		}
		defer e.budget.Release(n)
		var err error
		obj, err = e.p.Put(ctx, t.key, file, t.size, providers.PutOptions{Progress: fl.report})
		return sourceFirst(err, file, t.path, before)
	})
	if err == nil && obj.Size != 0 && obj.Size != t.size {
		err = fmt.Errorf("the store reports %d bytes for %s but %d were sent", obj.Size, t.key, t.size)
	}
	if err == nil {
		if err = unchanged(file, t.path, before); err != nil {
			err = e.dropChanged(t, err)
		}
	}
	if err != nil {
		fl.settle(0)
		e.failFile(t, err, start, nil)
		return
	}
	fl.settle(t.size)
	e.finishDone(t, obj, before, start)
}

// dropChanged handles a single-request upload the store accepted although
// the file changed while it was read: the object holds partial or mixed
// content. It is deleted when the location allows; otherwise the failure
// says the location holds it until the next run replaces it.
func (e *engine) dropChanged(t *fileTask, cause error) error {
	del, ok := e.p.(providers.Deleter)
	if !ok {
		return fmt.Errorf("%w; the location holds %s as it was read during the change (partial or mixed content) until then", cause, t.key)
	}
	derr := e.do(t.path, 0, func(ctx context.Context) error { return del.Delete(ctx, t.key) })
	var pe *providers.Error
	switch {
	case derr == nil:
		return fmt.Errorf("%w; the object the store had accepted as %s was deleted, as it was read during the change", cause, t.key)
	case errors.Is(derr, providers.ErrAccessDenied) && errors.As(derr, &pe) && pe.Action != "":
		return fmt.Errorf("%w; the location holds %s as it was read during the change (partial or mixed content) until then: it may not be deleted (%s is not granted; the least-privilege policy leaves it out)", cause, t.key, pe.Action)
	}
	return fmt.Errorf("%w; the location holds %s as it was read during the change (partial or mixed content) until then: deleting it failed: %v", cause, t.key, derr)
}

// finishDone records an acknowledged object: journal first (committed), then
// the source deletion, the manifest row and the event.
func (e *engine) finishDone(t *fileTask, obj providers.Object, before identity, start time.Time) {
	acked := time.Now() // the store has answered
	dur := acked.Sub(start)
	rec := &Record{Size: t.size, MTime: before.mtime, Key: t.key, Status: StatusDone,
		Checksum: obj.Checksum, ETag: obj.ETag, VersionID: obj.VersionID, SourceETag: t.sourceETag(), DurationMS: dur.Milliseconds()}
	if err := e.j.put(t.path, rec); err != nil {
		// Without the record a rerun would send the file again; the export
		// cannot promise resumability any more, so it stops.
		err = fmt.Errorf("journal %s: %w", e.j.Path(), err)
		e.setFatal(err)
		e.failFile(t, err, start, nil)
		return
	}
	e.lags.add(time.Since(acked))
	e.tr.filesDone.Add(1)
	e.exported.Add(1)
	status := RowExported
	if t.changed {
		e.changed.Add(1)
		status = RowChanged
	}
	deleted := false
	if e.s.DeleteSource {
		deleted = e.deleteSource(t.path, t.key, before, obj.Checksum)
	}
	e.man.write(ManifestRow{Source: t.path, Key: t.key, Size: t.size, Checksum: obj.Checksum, ETag: obj.ETag,
		VersionID: obj.VersionID, Status: status, DurationMS: dur.Milliseconds(), Deleted: deleted})
	e.ev.emit(FileDone{Path: t.path, Key: t.key, Size: t.size, Checksum: obj.Checksum, ETag: obj.ETag,
		Duration: dur, Changed: t.changed})
}

// failFile records a file that could not be exported, or that a hard stop
// interrupted. rec, when not nil, is journalled with the error (a
// multipart upload keeps its ID there so a rerun resumes it).
func (e *engine) failFile(t *fileTask, err error, start time.Time, rec *Record) {
	dur := time.Since(start)
	if (e.ctx.Err() != nil || errors.Is(err, errHeld) || errors.Is(err, errGone)) && !errors.Is(err, errSourceChanged) {
		e.interruptFile(t, start)
		return
	}
	e.tr.filesFailed.Add(1)
	e.tr.bytesFailed.Add(t.size)
	if t.key != "" && (rec != nil || t.prior == nil || t.prior.Status != StatusDone) {
		if rec == nil {
			rec = &Record{Size: t.size, MTime: t.mtime, Key: t.key}
		}
		rec.SourceETag = t.sourceETag()
		rec.Status, rec.Error, rec.DurationMS = StatusFailed, err.Error(), dur.Milliseconds()
		if jerr := e.j.put(t.path, rec); jerr != nil && e.fatal() == nil {
			e.setFatal(fmt.Errorf("journal %s: %w", e.j.Path(), jerr))
		}
	}
	e.man.write(ManifestRow{Source: t.path, Key: t.key, Size: t.size, Status: RowFailed, Error: err.Error(), DurationMS: dur.Milliseconds()})
	e.ev.emit(FileFailed{Path: t.path, Key: t.key, Size: t.size, Err: err})
}

// interruptFile records a file a stop cut short; the journal keeps whatever
// it already had, so the next run resumes or resends it.
func (e *engine) interruptFile(t *fileTask, start time.Time) {
	e.interrupted.Add(1)
	e.man.write(ManifestRow{Source: t.path, Key: t.key, Size: t.size, Status: RowInterrupted,
		Error: "stopped before the upload finished; the next run continues it", DurationMS: time.Since(start).Milliseconds()})
}

var errSourceChanged = errors.New("source changed during upload")

// sourceFirst returns, for a failed request, errSourceChanged when the
// file changed since the upload began, and err otherwise. A change explains
// the failure better than the store's answer (a body that no longer
// matches the checksum sent with it: providers.ErrIntegrity), and it is
// not retryable, so a file that keeps changing is not sent again and
// again.
func sourceFirst(err error, file *os.File, path string, before identity) error {
	if err == nil || errors.Is(err, errSourceChanged) {
		return err
	}
	if cerr := unchanged(file, path, before); cerr != nil {
		return cerr
	}
	return err
}

// unchanged checks that the file still has the identity it had before the
// upload, both through the open descriptor (appends, rewrites) and by path
// (the file was replaced or removed).
func unchanged(file *os.File, path string, before identity) error {
	fi, err := file.Stat()
	if err != nil {
		return fmt.Errorf("%w: %v", errSourceChanged, err)
	}
	if after := identityOf(fi); after != before {
		return fmt.Errorf("%w (%s); it will be exported again on the next run", errSourceChanged, describeChange(before, after))
	}
	pfi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%w: %v", errSourceChanged, err)
	}
	if after := identityOf(pfi); after != before {
		return fmt.Errorf("%w (the file was replaced); it will be exported again on the next run", errSourceChanged)
	}
	return nil
}

func describeChange(before, after identity) string {
	switch {
	case before.size != after.size:
		return fmt.Sprintf("size %d → %d bytes", before.size, after.size)
	case before.mtime != after.mtime:
		return "modification time changed"
	default:
		return "file metadata changed"
	}
}

// deleteSource removes a source file once the store shows its object with
// the same size, and the same checksum when both sides know one, and the
// file still is what was uploaded. It reports whether the file was removed.
func (e *engine) deleteSource(path, key string, want identity, checksum string) bool {
	var obj providers.Object
	err := e.do(path, 0, func(ctx context.Context) error {
		var err error
		obj, err = e.stater.Stat(ctx, key)
		return err
	})
	var warning error // why every file will be kept, said once
	switch {
	case err != nil && errors.Is(err, providers.ErrAccessDenied):
		// Looking an object up needs read access (s3:GetObject for
		// HeadObject), which the least-privilege policy grants only with
		// read_back; every file is kept for the same reason. Each file's
		// Deleted event names the denial; the Warning, once, what to
		// change.
		var pe *providers.Error
		if errors.As(err, &pe) && pe.Action != "" {
			// A cloud location: the permission is named, and read_back is
			// the setting that grants it.
			warning = fmt.Errorf("source kept: cannot confirm %s: %s is not granted; turn on read_back for this location (stowage setup --edit %s) to use --delete-source (%w)", key, pe.Action, e.loc, err)
		} else {
			warning = fmt.Errorf("source kept: cannot confirm %s: the location denies looking objects up; check its permissions with `stowage test %s` to use --delete-source (%w)", key, e.loc, err)
		}
		err = fmt.Errorf("source kept: cannot confirm %s: %w", key, err)
	case err != nil:
		err = fmt.Errorf("source kept: cannot confirm %s in the location: %w", key, err)
	case obj.Size != want.size:
		err = fmt.Errorf("source kept: the location holds %d bytes for %s, the file has %d", obj.Size, key, want.size)
	case !checksumsAgree(checksum, obj.Checksum):
		err = fmt.Errorf("source kept: checksum of %s is %s in the location, %s at upload", key, obj.Checksum, checksum)
	}
	if err == nil {
		if fi, serr := os.Stat(path); serr != nil {
			err = fmt.Errorf("source kept: %w", serr)
		} else if id := identityOf(fi); id.size != want.size || id.mtime != want.mtime {
			err = errors.New("source kept: the file changed after its upload")
		}
	}
	if err == nil {
		if rerr := os.Remove(path); rerr != nil {
			err = fmt.Errorf("delete source: %w", rerr)
		}
	}
	switch {
	case warning != nil:
		e.kept.Add(1)
		e.keptUnconfirmed.Add(1)
		e.warnOnce("stat-denied", fmt.Errorf("%w; every file affected is kept, and the summary counts them", warning))
		e.ev.emit(Deleted{Path: path, Err: err})
		return false
	case err != nil:
		e.kept.Add(1)
		e.ev.emit(Deleted{Path: path, Err: err})
		return false
	}
	e.ev.emit(Deleted{Path: path})
	e.deleted.Add(1)
	return true
}

// warnOnce sends a Warning event the first time a condition (kind) occurs
// in the run and records it for the Summary.
func (e *engine) warnOnce(kind string, err error) {
	e.warnMu.Lock()
	if e.warned[kind] {
		e.warnMu.Unlock()
		return
	}
	if e.warned == nil {
		e.warned = map[string]bool{}
	}
	e.warned[kind] = true
	e.warnings = append(e.warnings, err.Error())
	e.warnMu.Unlock()
	e.ev.emit(Warning{Err: err})
}

// checksumsAgree compares two "ALGO:value" checksums when both are known
// and use the same algorithm; anything else cannot disagree.
func checksumsAgree(a, b string) bool {
	if a == "" || b == "" {
		return true
	}
	aa, av, ok1 := strings.Cut(a, ":")
	ba, bv, ok2 := strings.Cut(b, ":")
	if !ok1 || !ok2 || !strings.EqualFold(aa, ba) {
		return true
	}
	return av == bv
}

// fileProg tracks the bytes of one file for FileProgress events.
type fileProg struct {
	path     string
	size     int64
	acked    atomic.Int64
	inflight atomic.Int64
	lastEmit atomic.Int64
}

// flight tracks the in-flight bytes of one request, so a retry rolls them
// back and a byte is never counted twice.
type flight struct {
	e  *engine
	fp *fileProg
	n  atomic.Int64
}

const progressEvery = int64(200 * time.Millisecond)

// report is the PutOptions.Progress callback.
func (fl *flight) report(done int64) {
	if done < 0 {
		done = 0
	}
	old := fl.n.Swap(done)
	d := done - old
	if d == 0 {
		return
	}
	fl.fp.inflight.Add(d)
	fl.e.tr.inflight.Add(d)
	now := time.Now().UnixNano()
	last := fl.fp.lastEmit.Load()
	if now-last >= progressEvery && fl.fp.lastEmit.CompareAndSwap(last, now) {
		fl.e.emitProgress(fl.fp)
	}
}

// settle ends the request: its in-flight bytes go away and acked bytes,
// when it succeeded, count as done.
func (fl *flight) settle(acked int64) {
	fl.report(0)
	if acked > 0 {
		fl.fp.acked.Add(acked)
		fl.e.tr.bytesDone.Add(acked)
	}
	fl.e.emitProgress(fl.fp)
}

func (e *engine) emitProgress(fp *fileProg) {
	done := fp.acked.Load() + fp.inflight.Load()
	if done > fp.size {
		done = fp.size
	}
	e.ev.emitLossy(FileProgress{Path: fp.path, Done: done, Size: fp.size})
}

// dispatcher delivers events to Options.Events from one goroutine, in
// order.
type dispatcher struct {
	fn   func(Event)
	ch   chan Event
	done chan struct{}
}

func newDispatcher(fn func(Event)) *dispatcher {
	d := &dispatcher{fn: fn}
	if fn == nil {
		return d
	}
	d.ch = make(chan Event, 1024)
	d.done = make(chan struct{})
	go func() {
		defer close(d.done)
		for ev := range d.ch {
			fn(ev)
		}
	}()
	return d
}

func (d *dispatcher) emit(ev Event) {
	if d.ch != nil {
		d.ch <- ev
	}
}

// emitLossy drops the event when the consumer is behind; for progress that
// a later event supersedes.
func (d *dispatcher) emitLossy(ev Event) {
	if d.ch == nil {
		return
	}
	select {
	case d.ch <- ev:
	default:
	}
}

func (d *dispatcher) close() {
	if d.ch != nil {
		close(d.ch)
		<-d.done
	}
}

// lagLog keeps the gaps from store answer to durable done record.
type lagLog struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *lagLog) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// summary returns the median and the largest gap (zero when none).
func (l *lagLog) summary() (p50, max time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0, 0
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	return s[len(s)/2], s[len(s)-1]
}
