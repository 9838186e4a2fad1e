package export

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/providers"
)

// The batch engine: the store copies the objects of a source location into
// the destination itself (MinIO batch replicate, S3 Batch Operations,
// Azure Copy Blob), and Stowage lists, confirms, starts, polls and
// reconciles. No object byte passes through this machine.

// Defaults of BatchOptions.
const (
	DefaultBatchPoll  = 2 * time.Second
	DefaultBatchStall = 30 * time.Minute
)

// ErrDeclined is returned by RunBatch when BatchOptions.Confirm said no;
// no job was created.
var ErrDeclined = errors.New("the batch job was not confirmed; nothing was started")

// BatchOptions describe one run of the batch engine.
type BatchOptions struct {
	// Source names the source location; Prefix is where under its prefix
	// the objects are listed ("" for all of it, "2024/" for a folder).
	Source string
	Prefix string
	// Include, Exclude, Since and Until filter the listing as they filter
	// files: globs on the key relative to Prefix, and the objects' last
	// modification time (Since inclusive, Until exclusive).
	Include, Exclude []string
	Since, Until     time.Time
	// KeyTemplate must be empty: the services keep the source's key.
	KeyTemplate string

	JournalPath string
	ManifestDir string
	// ManifestName: see Options.ManifestName.
	ManifestName string
	Events       func(Event)
	Controller   *Controller
	// StatsInterval is how often Totals is sent; zero means one second.
	StatsInterval time.Duration
	// PollInterval is how often the job's status is asked; zero means 2s.
	PollInterval time.Duration
	// StallTimeout ends the run when the job's progress has not changed
	// for this long (the job is left to the service and found again by
	// the next run); zero means 30 minutes.
	StallTimeout time.Duration
	// Confirm, when set, is asked before a job is created, with the task
	// count and the cost estimate; an error ends the run (ErrDeclined for
	// a plain no) and nothing is created.
	Confirm func(BatchPlan) error
	// Plan, when set, is told the plan (also in a dry run) before Confirm.
	Plan func(BatchPlan)
	// Service tunes the store's service (role, report location, retries).
	Service providers.BatchOptions
	// DryRun lists and plans; nothing is started or written.
	DryRun bool
}

// BatchPlan is what a batch run is about to ask the service for.
type BatchPlan struct {
	Engine   string
	Describe string
	// Objects and Bytes will be copied; Skipped objects (SkippedBytes)
	// were copied by an earlier run.
	Objects      int
	Bytes        int64
	Skipped      int
	SkippedBytes int64
	Estimate     providers.BatchEstimate
	// Resumed is set when the run found a job an earlier run started and
	// follows it instead of starting one.
	Resumed *providers.BatchJob
	// Checks are the service's own checks run before anything is started
	// (permissions, the source's SAS); a skipped one says why.
	Checks []providers.Check
}

// failedCheck returns the first failed check that is not advisory.
func (p BatchPlan) failedCheck() *providers.Check {
	for i, c := range p.Checks {
		if c.Status == providers.StatusFail && !c.Advisory {
			return &p.Checks[i]
		}
	}
	return nil
}

// BatchProgress reports the service's job: its IDs, state and counts.
type BatchProgress struct {
	Engine      string
	JobIDs      []string
	State       string
	Total       int64
	Succeeded   int64
	Failed      int64
	Bytes       int64
	Done        bool
	Description string
}

func (BatchProgress) Kind() string { return "batch_progress" }

// ObjectRef names a source object in the journal and the manifest's
// source column: "LOCATION:KEY", the key relative to the location's prefix.
func ObjectRef(location, key string) string { return location + ":" + key }

var bucketBatch = []byte("batch")

// batchJobKey is the journal key of the job copying source into loc.
func batchJobKey(source string) string { return "job:" + source }

func (j *Journal) putBatchJob(key string, job providers.BatchJob) error {
	b, err := json.Marshal(job)
	if err != nil {
		return err
	}
	return j.db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketBatch)
		if err != nil {
			return err
		}
		return bk.Put([]byte(key), b)
	})
}

func (j *Journal) batchJob(key string) (job providers.BatchJob, ok bool, err error) {
	err = j.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketBatch)
		if bk == nil {
			return nil
		}
		v := bk.Get([]byte(key))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &job)
	})
	return job, ok, err
}

func (j *Journal) deleteBatchJob(key string) error {
	return j.db.Update(func(tx *bolt.Tx) error {
		if bk := tx.Bucket(bucketBatch); bk != nil {
			return bk.Delete([]byte(key))
		}
		return nil
	})
}

// batchRun is one run of RunBatch.
type batchRun struct {
	ctx    context.Context
	b      providers.Batch
	loc    string
	o      BatchOptions
	j      *Journal
	man    *manifest
	ctl    *Controller
	tr     *tracker
	ev     *dispatcher
	warned []string
}

// RunBatch copies the objects of the source location src (opened for
// opts.Source) into the location dst (named loc) with the store's own
// batch service. A rerun skips what the journal records as copied (same
// size and ETag) and asks the service for the rest only; a job an
// interrupted run left running is followed, not started again.
// Cancelling ctx leaves the job to the service (the next run finds it);
// Controller.Stop cancels the job and reconciles what it copied.
func RunBatch(ctx context.Context, src, dst providers.Provider, loc string, opts BatchOptions) (Summary, error) {
	if opts.KeyTemplate != "" {
		return Summary{}, optErr("--key-template", "stowage export NAME --from SOURCE --engine batch",
			"the batch services keep each object's source key under the destination's prefix, so --key-template cannot be used with --engine batch; leave it out, or use --engine copy or stream")
	}
	if opts.Source == "" {
		return Summary{}, optErr("--from", "stowage export NAME --from SOURCE --engine batch", "the batch engine needs a source location")
	}
	if opts.JournalPath == "" && !opts.DryRun {
		return Summary{}, errors.New("export: no journal path given")
	}
	bc, ok := dst.(providers.BatchCopier)
	if !ok {
		return Summary{}, optErr("--engine", "stowage export NAME --from SOURCE --engine stream",
			"location %q has no batch service Stowage can drive; use --engine copy or stream", loc)
	}
	lister, ok := src.(providers.Lister)
	if !ok {
		return Summary{}, optErr("--from", "stowage export NAME --from SOURCE --engine batch", "source %q cannot be listed", opts.Source)
	}
	m, err := newMatcher(opts.Include, opts.Exclude)
	if err != nil {
		return Summary{}, err
	}
	if !opts.Since.IsZero() && !opts.Until.IsZero() && !opts.Until.After(opts.Since) {
		return Summary{}, optErr("--until", "--since 2024-01-01 --until 2024-02-01", "--until must be after --since")
	}
	if opts.ManifestDir == "" && opts.JournalPath != "" {
		opts.ManifestDir = filepath.Dir(opts.JournalPath)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultBatchPoll
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = DefaultBatchStall
	}
	if opts.StatsInterval <= 0 {
		opts.StatsInterval = DefaultStatsInterval
	}
	b, err := bc.Batch(ctx, src, opts.Service)
	if err != nil {
		return Summary{}, err
	}
	r := &batchRun{ctx: ctx, b: b, loc: loc, o: opts, ctl: opts.Controller}
	if r.ctl == nil {
		r.ctl = NewController()
	}
	start := time.Now()
	r.tr = newTracker(start)
	r.ctl.run.Store(r.tr)
	r.ev = newDispatcher(opts.Events)
	defer r.ev.close()

	var prior map[string]*Record
	if opts.DryRun {
		if j, err := openJournal(opts.JournalPath, true); err == nil {
			prior, err = j.load()
			j.Close()
			if err != nil {
				return Summary{}, err
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return Summary{}, err
		}
	} else {
		if r.j, err = OpenJournal(opts.JournalPath); err != nil {
			return Summary{}, err
		}
		defer r.j.Close()
		if prior, err = r.j.load(); err != nil {
			return Summary{}, fmt.Errorf("read journal %s: %w", opts.JournalPath, err)
		}
	}

	// List, filter, skip what is done.
	var items []providers.BatchItem
	var plan BatchPlan
	filtered := len(opts.Include) > 0 || len(opts.Exclude) > 0 || !opts.Since.IsZero() || !opts.Until.IsZero()
	var skippedRows []ManifestRow
	err = lister.List(ctx, opts.Prefix, func(o providers.Object) error {
		rel := strings.TrimPrefix(o.Key, opts.Prefix)
		if strings.HasSuffix(o.Key, "/") && o.Size == 0 {
			return nil // a folder marker
		}
		if !m.match(rel) || (!opts.Since.IsZero() && o.Modified.Before(opts.Since)) || (!opts.Until.IsZero() && !o.Modified.Before(opts.Until)) {
			return nil
		}
		r.tr.filesTotal.Add(1)
		r.tr.bytesTotal.Add(o.Size)
		if p := prior[ObjectRef(opts.Source, o.Key)]; p != nil && p.Status == StatusDone && p.Size == o.Size && p.SourceETag == o.ETag {
			plan.Skipped++
			plan.SkippedBytes += o.Size
			r.tr.filesSkipped.Add(1)
			r.tr.bytesSkipped.Add(o.Size)
			skippedRows = append(skippedRows, ManifestRow{Source: ObjectRef(opts.Source, o.Key), Key: p.Key, Size: o.Size,
				ETag: p.ETag, VersionID: p.VersionID, Checksum: p.Checksum, Status: RowSkipped})
			return nil
		}
		items = append(items, providers.BatchItem{Key: o.Key, Size: o.Size, ETag: o.ETag, VersionID: o.VersionID})
		plan.Objects++
		plan.Bytes += o.Size
		return nil
	})
	if err != nil {
		return Summary{}, fmt.Errorf("list source %q: %w", opts.Source, err)
	}
	r.tr.counting.Store(false)
	r.ev.emit(ScanProgress{Files: int(r.tr.filesTotal.Load()), Bytes: r.tr.bytesTotal.Load(), Done: true})
	plan.Engine, plan.Describe = b.Engine(), b.Describe()
	plan.Estimate = b.Estimate(plan.Objects, plan.Bytes)
	plan.Checks = BatchChecks(ctx, b)
	if opts.Plan != nil {
		opts.Plan(plan)
	}

	sum := Summary{Location: loc, Skipped: plan.Skipped, ScanComplete: true}
	checkErr := func() error {
		if c := plan.failedCheck(); c != nil {
			msg := fmt.Sprintf("%s: %s", c.Title, c.Detail)
			if c.Hint != "" {
				msg += "; " + c.Hint
			}
			return fmt.Errorf("the %s job cannot start: %s", b.Engine(), msg)
		}
		return nil
	}
	if opts.DryRun {
		sum.DryRun, sum.Files, sum.Bytes = true, plan.Objects, plan.Bytes
		return sum, checkErr()
	}

	if r.man, err = openManifest(opts.ManifestDir, cmp.Or(opts.ManifestName, loc), start); err != nil {
		return Summary{}, err
	}
	r.man.onErr = func(err error) { r.warn(err) }
	sum.ManifestCSV, sum.ManifestJSONL = r.man.csvPath, r.man.jsonlPath
	for _, row := range skippedRows {
		r.man.write(row)
		r.ev.emit(FileSkipped{Path: row.Source, Key: row.Key, Size: row.Size, Reason: "already copied"})
	}
	finish := func(err error) (Summary, error) {
		end := time.Now()
		r.tr.sample(end)
		r.tr.finish(end)
		st := r.tr.snapshot()
		r.ev.emit(Totals{st})
		if merr := r.man.close(); merr != nil {
			sum.ManifestError = merr.Error()
			r.warned = append(r.warned, merr.Error())
			if err == nil {
				err = merr
			}
		}
		sum.Files, sum.Failed, sum.Bytes, sum.Elapsed = st.FilesDone, st.FilesFailed, st.BytesDone, st.Elapsed
		if secs := sum.Elapsed.Seconds(); secs > 0 {
			sum.MiBps = float64(sum.Bytes) / (1 << 20) / secs
		}
		sum.Warnings = r.warned
		if err == nil && sum.Failed > 0 {
			err = fmt.Errorf("%w: %d of %s failed; see %s", ErrFilesFailed, sum.Failed, humanize.Count(st.FilesTotal-st.FilesSkipped, "object"), sum.ManifestCSV)
		}
		return sum, err
	}

	jobKey := batchJobKey(opts.Source)
	job, pending, err := r.j.batchJob(jobKey)
	if err != nil {
		return finish(fmt.Errorf("read journal %s: %w", opts.JournalPath, err))
	}
	if pending && job.Engine != b.Engine() {
		pending = false
	}
	if pending {
		plan.Resumed = &job
		r.warn(fmt.Errorf("following %s job %s, started by an earlier run at %s", job.Engine, strings.Join(job.IDs, ", "), job.Started.Format(time.RFC3339)))
	}
	if len(items) == 0 && !pending {
		return finish(nil)
	}
	if err := checkErr(); err != nil && !pending {
		sum.NotStarted = len(items)
		return finish(err)
	}
	if opts.Confirm != nil && !pending {
		if err := opts.Confirm(plan); err != nil {
			return finish(err)
		}
	}
	if r.ctl.stopping() || ctx.Err() != nil {
		sum.Stopped = true
		sum.NotStarted = len(items)
		return finish(ErrStopped)
	}
	if !pending {
		job, err = b.Start(ctx, providers.BatchRequest{Prefix: opts.Prefix, Items: items, All: !filtered && plan.Skipped == 0})
		if len(job.IDs) > 0 {
			if jerr := r.j.putBatchJob(jobKey, job); jerr != nil && err == nil {
				err = fmt.Errorf("journal %s: %w", opts.JournalPath, jerr)
			}
		}
		if err != nil {
			sum.NotStarted = len(items)
			return finish(fmt.Errorf("start %s: %w", b.Engine(), err))
		}
	}
	r.tr.filesActive.Store(int64(len(items)))

	stopped, err := r.follow(job)
	r.tr.filesActive.Store(0)
	if err != nil {
		// The job goes on at the service; the next run follows it.
		sum.Stopped = ctx.Err() != nil
		sum.Interrupted = len(items)
		r.tr.filesDone.Store(0)
		r.tr.filesFailed.Store(0)
		r.tr.bytesDone.Store(0)
		return finish(err)
	}
	if err := r.reconcile(job, items, stopped); err != nil {
		return finish(err)
	}
	if err := r.j.deleteBatchJob(jobKey); err != nil {
		return finish(fmt.Errorf("journal %s: %w", opts.JournalPath, err))
	}
	sum.Stopped = stopped
	sum.Interrupted = int(r.tr.filesActive.Load())
	if stopped && sum.Interrupted > 0 {
		return finish(ErrStopped)
	}
	return finish(nil)
}

// follow polls the job until the service says it is done. It returns
// stopped when Controller.Stop cancelled the job, and an error when the
// run must end with the job still running (hard stop, stall, status
// errors).
func (r *batchRun) follow(job providers.BatchJob) (stopped bool, err error) {
	lastChange := time.Now()
	var last providers.BatchStatus
	statsEvery := time.NewTicker(r.o.StatsInterval)
	defer statsEvery.Stop()
	failures := 0
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return false, fmt.Errorf("export interrupted: %w; the %s job %s goes on at the service and the next run follows it", r.ctx.Err(), job.Engine, strings.Join(job.IDs, ", "))
		case <-r.ctl.sw.Stopped():
			if err := r.b.Cancel(r.ctx, job); err != nil {
				return false, fmt.Errorf("cancel %s job %s: %w", job.Engine, strings.Join(job.IDs, ", "), err)
			}
			r.warn(fmt.Errorf("the %s job %s was cancelled; objects it had not copied are left for the next run", job.Engine, strings.Join(job.IDs, ", ")))
			return true, nil
		case now := <-statsEvery.C:
			r.tr.sample(now)
			r.ev.emitLossy(Totals{r.ctl.Stats()})
			r.man.flush()
			continue
		case <-poll.C:
		}
		st, err := r.b.Status(r.ctx, job)
		if err != nil {
			failures++
			if !providers.IsRetryable(err) || failures > 10 {
				return false, fmt.Errorf("status of %s job %s: %w; the job goes on at the service and the next run follows it", job.Engine, strings.Join(job.IDs, ", "), err)
			}
			poll.Reset(r.o.PollInterval)
			continue
		}
		failures = 0
		if st.Succeeded != last.Succeeded || st.FailedTasks != last.FailedTasks || st.Bytes != last.Bytes || st.State != last.State {
			lastChange = time.Now()
		}
		last = st
		r.tr.filesDone.Store(min(st.Succeeded, int64(job.Items)))
		r.tr.filesFailed.Store(min(st.FailedTasks, int64(job.Items)))
		r.tr.bytesDone.Store(st.Bytes)
		r.tr.filesActive.Store(max(0, int64(job.Items)-st.Succeeded-st.FailedTasks))
		r.ev.emit(BatchProgress{Engine: job.Engine, JobIDs: job.IDs, State: st.State, Total: max(st.Total, int64(job.Items)),
			Succeeded: st.Succeeded, Failed: st.FailedTasks, Bytes: st.Bytes, Done: st.Done, Description: st.Reason})
		if st.Done {
			if st.Failed {
				r.warn(fmt.Errorf("the %s job %s failed: %s", job.Engine, strings.Join(job.IDs, ", "), st.Reason))
			}
			return false, nil
		}
		if time.Since(lastChange) > r.o.StallTimeout {
			return false, fmt.Errorf("the %s job %s has reported no progress for %s (state %q); it is left to the service and the next run follows it", job.Engine, strings.Join(job.IDs, ", "), r.o.StallTimeout, st.State)
		}
		poll.Reset(r.o.PollInterval)
	}
}

// reconcile records each item's outcome in the journal and the manifest.
func (r *batchRun) reconcile(job providers.BatchJob, items []providers.BatchItem, stopped bool) error {
	r.tr.filesDone.Store(0)
	r.tr.filesFailed.Store(0)
	r.tr.bytesDone.Store(0)
	r.tr.filesActive.Store(0)
	elapsed := time.Since(job.Started).Milliseconds()
	return r.b.Results(r.ctx, job, items, func(res providers.BatchResult) error {
		ref := ObjectRef(r.o.Source, res.Item.Key)
		if res.OK {
			rec := &Record{Size: res.Item.Size, Key: res.DestKey, Status: StatusDone, ETag: res.ETag, VersionID: res.VersionID,
				Checksum: res.Checksum, SourceETag: res.Item.ETag, DurationMS: elapsed}
			if err := r.j.put(ref, rec); err != nil {
				return fmt.Errorf("journal %s: %w", r.j.Path(), err)
			}
			r.tr.filesDone.Add(1)
			r.tr.bytesDone.Add(res.Item.Size)
			r.man.write(ManifestRow{Source: ref, Key: res.DestKey, Size: res.Item.Size, Checksum: res.Checksum, ETag: res.ETag,
				VersionID: res.VersionID, Status: RowExported, DurationMS: elapsed})
			r.ev.emit(FileDone{Path: ref, Key: res.DestKey, Size: res.Item.Size, Checksum: res.Checksum, ETag: res.ETag,
				Duration: time.Duration(elapsed) * time.Millisecond})
			return nil
		}
		if stopped {
			r.tr.filesActive.Add(1)
			r.man.write(ManifestRow{Source: ref, Key: res.DestKey, Size: res.Item.Size, Status: RowInterrupted,
				Error: "the job was cancelled before it copied this object; the next run sends it", DurationMS: elapsed})
			return nil
		}
		rec := &Record{Size: res.Item.Size, Key: res.DestKey, Status: StatusFailed, SourceETag: res.Item.ETag, Error: res.Reason, DurationMS: elapsed}
		if err := r.j.put(ref, rec); err != nil {
			return fmt.Errorf("journal %s: %w", r.j.Path(), err)
		}
		r.tr.filesFailed.Add(1)
		r.tr.bytesFailed.Add(res.Item.Size)
		r.man.write(ManifestRow{Source: ref, Key: res.DestKey, Size: res.Item.Size, Status: RowFailed, Error: res.Reason, DurationMS: elapsed})
		r.ev.emit(FileFailed{Path: ref, Key: res.DestKey, Size: res.Item.Size, Err: errors.New(res.Reason)})
		return nil
	})
}

func (r *batchRun) warn(err error) {
	r.warned = append(r.warned, err.Error())
	r.ev.emit(Warning{Err: err})
}
