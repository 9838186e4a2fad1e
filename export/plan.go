package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/stowage-dev/stowage/providers"
)

// PlannedFile is one file a run would upload.
type PlannedFile struct {
	Path    string
	Key     string
	Size    int64
	Changed bool // exported before, but changed since
	Resume  bool // a multipart upload of an earlier run is half-done
}

// PlanProblem is a file a run would fail on (a key collision, a key the
// template cannot build, an unreadable folder).
type PlanProblem struct {
	Path string
	Err  error
}

// PlanResult is what a run with the same options would do.
type PlanResult struct {
	// Files and Bytes would be uploaded: new, changed and resumed files.
	Files int
	Bytes int64
	// Changed of them were exported before and changed since.
	Changed int
	// Resumable of them have a half-done multipart upload to continue.
	Resumable int
	// Skipped files (SkippedBytes) were already exported.
	Skipped      int
	SkippedBytes int64
	// Problems lists the files a run would fail on (at most PlanSample).
	Problems      []PlanProblem
	ProblemsTotal int
	// StaleUploads counts multipart uploads earlier runs left that the run
	// would abort: of files changed since, or created by a run that stopped
	// before recording them (found by listing).
	StaleUploads int
	// Ignored counts entries that are not regular files (pipes, sockets,
	// devices, links to folders, broken links), which a run reports and
	// does not export; IgnoredList holds the first of them with the reason.
	Ignored     int
	IgnoredList []PlanProblem
	// Sample holds the first Options.PlanSample files to upload, in scan
	// order.
	Sample []PlannedFile
	// Journal is false when no journal exists yet (nothing exported).
	Journal bool
	Elapsed time.Duration
}

// Plan scans the sources as Run would and reports what it would do,
// reading the journal without changing it (a missing journal means nothing
// was exported yet). It uploads and writes nothing. ScanProgress events go
// to opts.Events.
func Plan(ctx context.Context, opts Options) (PlanResult, error) {
	start := time.Now()
	s, err := prepare(opts, false)
	if err != nil {
		return PlanResult{}, err
	}
	var res PlanResult
	var j *Journal
	if s.JournalPath != "" {
		var err error
		j, err = openJournal(s.JournalPath, true)
		switch {
		case err == nil:
			defer j.Close()
			res.Journal = true
		case errors.Is(err, os.ErrNotExist):
		default:
			return PlanResult{}, err
		}
	}
	ev := newDispatcher(s.Events)
	defer ev.close()
	cls, err := newClassifier(s, j)
	if err != nil {
		return PlanResult{}, fmt.Errorf("read journal %s: %w", s.JournalPath, err)
	}
	files, bytes := 0, int64(0)
	last := time.Now()
	problem := func(p string, err error) {
		res.ProblemsTotal++
		if len(res.Problems) < s.PlanSample {
			res.Problems = append(res.Problems, PlanProblem{Path: p, Err: err})
		}
	}
	walk := scan
	var obj providers.Object // the source object being classified (From)
	if s.From != nil {
		walk = func(ctx context.Context, s *settings, fn func(found) error, _ func(string, error), _ func(string, ignored)) error {
			return listFound(ctx, s, func(f found, o providers.Object) error {
				obj = o
				return fn(f)
			})
		}
	}
	err = walk(ctx, s, func(f found) error {
		files++
		bytes += f.size
		if now := time.Now(); now.Sub(last) >= 200*time.Millisecond {
			last = now
			ev.emitLossy(ScanProgress{Files: files, Bytes: bytes})
		}
		t, dec, _, err := cls.classify(f)
		if s.From != nil {
			dec = classifyObject(t, dec, obj)
		}
		switch dec {
		case decFail:
			problem(f.path, err)
		case decSkip:
			res.Skipped++
			res.SkippedBytes += f.size
		default:
			// The run opens the file to send it; a file it could not open
			// is not one it would export.
			if err := openable(f.path); s.From == nil && err != nil {
				problem(f.path, fmt.Errorf("cannot read: %w", err))
				return nil
			}
			res.Files++
			res.Bytes += f.size
			resume := t.prior != nil && t.prior.Status != StatusDone && t.prior.UploadID != "" &&
				t.prior.Size == t.size && t.prior.MTime == t.mtime && t.prior.Key == t.key &&
				t.prior.SourceETag == t.sourceETag() && t.prior.Engine == engineOf(s, t)
			if t.changed {
				res.Changed++
			}
			if pr := t.prior; pr != nil && pr.Status != StatusDone && !resume &&
				(pr.UploadID != "" || pr.Status == StatusUploading && !pr.CreateIntent.IsZero()) {
				res.StaleUploads++
			}
			if resume {
				res.Resumable++
			}
			if len(res.Sample) < s.PlanSample {
				res.Sample = append(res.Sample, PlannedFile{Path: f.path, Key: t.key, Size: f.size, Changed: t.changed, Resume: resume})
			}
		}
		return nil
	}, func(p string, err error) { problem(p, fmt.Errorf("cannot read: %w", err)) }, func(p string, why ignored) {
		res.Ignored++
		if len(res.IgnoredList) < s.PlanSample {
			res.IgnoredList = append(res.IgnoredList, PlanProblem{Path: p, Err: errors.New(why.String())})
		}
	})
	ev.emit(ScanProgress{Files: files, Bytes: bytes, Done: err == nil})
	res.Elapsed = time.Since(start)
	return res, err
}

// dryRun is Run with Options.DryRun: a Plan reported as a Summary.
func dryRun(ctx context.Context, loc string, opts Options) (Summary, error) {
	res, err := Plan(ctx, opts)
	sum := Summary{Location: loc, DryRun: true, Files: res.Files, Changed: res.Changed, Skipped: res.Skipped,
		Failed: res.ProblemsTotal, Bytes: res.Bytes, Elapsed: res.Elapsed, ScanComplete: err == nil, Ignored: res.Ignored}
	return sum, err
}

// openable opens path for reading as the export would, and closes it.
func openable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}
