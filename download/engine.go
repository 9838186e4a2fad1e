package download

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/stowage-dev/stowage/internal/backoff"
	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/internal/outage"
	"github.com/stowage-dev/stowage/internal/runctl"
	"github.com/stowage-dev/stowage/providers"
)

// Result is the outcome of a run.
type Result struct {
	Stats
	// Failed lists the objects that could not be downloaded.
	Failed []FileFailed
	// JournalPath is the journal the run used.
	JournalPath string
	// Stopped is true when the run was asked to stop (Controller.Stop or
	// its context) before it ended.
	Stopped bool
}

// ErrStopped is returned by Run after a graceful stop (Controller.Stop)
// that left objects for the next run.
var ErrStopped = errors.New("download stopped before the end; run it again to continue")

// errListStopped ends the listing after a graceful stop.
var errListStopped = errors.New("listing stopped")

// ErrChanged is reported for an object that kept changing in the store
// while it was being downloaded.
var ErrChanged = errors.New("object changed in the store while it was being downloaded")

// ErrVerify is reported when a downloaded file does not match the store's
// size or checksum.
var ErrVerify = errors.New("downloaded file does not match the store")

// maxRestarts bounds how often one object is started over because it
// changed or failed verification.
const maxRestarts = 3

// Run downloads the objects of p that match opts into opts.Dest. Failed
// objects do not stop the run; they are in Result.Failed. The error is for
// a run that could not start, a listing that failed, a cancelled context
// (the hard stop) or ErrStopped (the graceful one, opts.Controller).
func Run(ctx context.Context, p providers.Provider, opts Options) (Result, error) {
	s, err := prepare(opts)
	if err != nil {
		return Result{}, err
	}
	lister, ok := p.(providers.Lister)
	if !ok {
		return Result{}, fmt.Errorf("location %q cannot list objects, so it cannot be downloaded from", s.Location)
	}
	getter, ok := p.(providers.Getter)
	if !ok {
		return Result{}, fmt.Errorf("location %q cannot read objects back, so it cannot be downloaded from", s.Location)
	}
	var deleter providers.Deleter
	if s.DeleteAfter {
		if deleter, ok = p.(providers.Deleter); !ok {
			return Result{}, fmt.Errorf("location %q cannot delete objects; run without --delete-after", s.Location)
		}
	}
	stater, _ := p.(providers.Stater)

	if err := os.MkdirAll(s.dest, 0o700); err != nil {
		return Result{}, fmt.Errorf("destination %s: %w", s.dest, err)
	}
	root, err := os.OpenRoot(s.dest)
	if err != nil {
		return Result{}, fmt.Errorf("destination %s: %w", s.dest, err)
	}
	defer root.Close()
	j, err := OpenJournal(s.JournalPath)
	if err != nil {
		return Result{}, err
	}
	defer j.Close()
	if err := j.adopt(s.Location, s.journalKey()); err != nil {
		return Result{}, fmt.Errorf("journal %s: %w", s.JournalPath, err)
	}

	e := &engine{
		s: s, ctx: ctx, get: getter, stat: stater, del: deleter, root: root, j: j,
		sem: semaphore.NewWeighted(int64(s.Concurrency)), start: time.Now(), listing: true, ctl: s.Controller,
		out: outage.New(s.OutageTimeout),
	}
	e.gone, e.goneCancel = context.WithCancel(context.Background())
	defer e.goneCancel()
	if e.ctl == nil {
		e.ctl = NewController()
	}
	e.ctl.run.Store(e)
	if rel, err := filepath.Rel(s.dest, s.JournalPath); err == nil && !strings.HasPrefix(rel, "..") {
		e.journalRel = filepath.ToSlash(rel)
	}
	stopTicker := e.tick()

	jobs := make(chan providers.Object, 4*s.Concurrency)
	var wg sync.WaitGroup
	for i := 0; i < s.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for obj := range jobs {
				// A stopped run starts no new object; one held by a pause
				// when the stop came is left too.
				if e.ctl.Stopping() || e.out.IsDown() || e.ctl.gate(ctx) != nil {
					e.left.Add(1)
					continue
				}
				e.process(obj)
			}
		}()
	}

	exp := newExpiryTracker(s.ExpiryDays, s.Now())
	listErr := lister.List(ctx, s.Prefix, func(obj providers.Object) error {
		if strings.HasSuffix(obj.Key, "/") || obj.Key == "" {
			return nil // folder marker
		}
		if !s.match.match(obj.Key) || (!s.Since.IsZero() && obj.Modified.Before(s.Since)) {
			return nil
		}
		if e.ctl.Stopping() || e.out.IsDown() {
			return errListStopped
		}
		exp.add(obj)
		e.mu.Lock()
		e.st.FilesTotal++
		e.st.BytesTotal += obj.Size
		n, b := e.st.FilesTotal, e.st.BytesTotal
		e.mu.Unlock()
		if n%1000 == 0 {
			e.emit(Listed{Objects: n, Bytes: b})
		}
		select {
		case jobs <- obj:
			return nil
		case <-e.ctl.sw.Stopped():
			e.left.Add(1)
			return errListStopped
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	listStopped := errors.Is(listErr, errListStopped)
	if listStopped {
		listErr = nil
	}
	close(jobs)
	e.mu.Lock()
	e.listing = false
	n, b := e.st.FilesTotal, e.st.BytesTotal
	e.mu.Unlock()
	if listErr == nil && !listStopped {
		e.emit(Listed{Objects: n, Bytes: b, Done: true})
		if s.ExpiryDays > 0 {
			e.emit(exp.report())
		}
	}
	wg.Wait()
	stopTicker()

	res := Result{Stats: e.snapshot(), Failed: e.failed, JournalPath: s.JournalPath}
	res.Stopped = e.ctl.Stopping() || ctx.Err() != nil
	e.emit(Totals{res.Stats})
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := e.unreachable(); err != nil {
		return res, err
	}
	if listErr != nil {
		return res, fmt.Errorf("listing %s: %w", s.Location, listErr)
	}
	if listStopped || e.left.Load() > 0 {
		return res, ErrStopped
	}
	return res, nil
}

// engine is one run's state.
type engine struct {
	s    *settings
	ctx  context.Context
	get  providers.Getter
	stat providers.Stater
	del  providers.Deleter
	root *os.Root
	j    *Journal
	sem  *semaphore.Weighted // requests in flight, whole objects and ranges alike
	ctl  *Controller
	prog progress
	// left counts objects a stop left for the next run.
	left atomic.Int64
	// out stops the run once the store is gone; downErr says why.
	out *outage.Tracker
	// gone is cancelled once the run stops because the store is gone, which
	// cancels the requests in flight (do).
	gone       context.Context
	goneCancel context.CancelFunc
	downMu     sync.Mutex
	downErr    error

	journalRel string

	evMu sync.Mutex

	mu      sync.Mutex
	st      Stats
	listing bool
	failed  []FileFailed
	start   time.Time
	bytes   atomic.Int64 // written to disk this run, net of restarts
	rate    float64
}

func (e *engine) emit(ev Event) {
	if e.s.Events == nil {
		return
	}
	e.evMu.Lock()
	defer e.evMu.Unlock()
	e.s.Events(ev)
}

func (e *engine) snapshot() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	st.Listing = e.listing
	st.BytesDone = e.bytes.Load()
	st.Throughput = e.rate
	st.Elapsed = time.Since(e.start)
	st.ETA = -1
	if !st.Listing && e.rate > 0 {
		left := st.BytesTotal - st.BytesDone - st.BytesSkipped - st.BytesFailed
		if left < 0 {
			left = 0
		}
		st.ETA = time.Duration(float64(left) / e.rate * float64(time.Second)).Round(time.Second)
	}
	return st
}

// tick sends Totals every StatsInterval and keeps a moving average of the
// throughput; the returned func stops it.
func (e *engine) tick() func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(e.s.StatsInterval)
		defer t.Stop()
		last, lastAt := int64(0), time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				cur := e.bytes.Load()
				inst := float64(cur-last) / now.Sub(lastAt).Seconds()
				last, lastAt = cur, now
				e.mu.Lock()
				if e.rate == 0 {
					e.rate = inst
				} else {
					e.rate = 0.7*e.rate + 0.3*inst
				}
				e.mu.Unlock()
				e.emit(Totals{e.snapshot()})
			}
		}
	}()
	return func() { close(done); <-stopped }
}

func (e *engine) acquire() error { return e.sem.Acquire(e.ctx, 1) }

func (e *engine) release() { e.sem.Release(1) }

// sameVersion reports whether a and b are the same version of an object:
// same size, and same ETag (or, on stores without ETags, same modification
// time).
func sameVersion(a, b providers.Object) bool {
	if a.Size != b.Size {
		return false
	}
	if a.ETag != "" || b.ETag != "" {
		return a.ETag == b.ETag
	}
	return a.Modified.Equal(b.Modified)
}

func recordMatches(rec Record, obj providers.Object) bool {
	return sameVersion(providers.Object{Size: rec.Size, ETag: rec.ETag, Modified: time.Unix(0, rec.Modified)},
		providers.Object{Size: obj.Size, ETag: obj.ETag, Modified: time.Unix(0, obj.Modified.UnixNano())})
}

// checkKey refuses keys that cannot be a path below the destination, or
// that would collide with the engine's own files.
func (e *engine) checkKey(key string) error {
	if strings.HasPrefix(key, "/") || strings.ContainsRune(key, 0) {
		return fmt.Errorf("key %q cannot be saved as a file below the destination", key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("key %q has an empty, \".\" or \"..\" folder name and cannot be saved below the destination", key)
		}
	}
	if strings.HasSuffix(key, PartialSuffix) || key == e.journalRel || key == e.journalRel+"-lock" {
		return fmt.Errorf("key %q collides with Stowage's own files in the destination", key)
	}
	return nil
}

// partialName is "<dir>/.<name>.stowage-partial" for key.
func partialName(key string) string {
	dir, name := path.Split(key)
	return filepath.FromSlash(dir + "." + name + PartialSuffix)
}

func (e *engine) fail(obj providers.Object, err error) {
	if e.out.IsDown() && (errors.Is(err, providers.ErrNetwork) || errors.Is(err, errGone)) {
		// Cut short by the outage that stopped the run: left for the
		// next run, like the objects not started.
		e.left.Add(1)
		return
	}
	ev := FileFailed{Key: obj.Key, Size: obj.Size, Err: err}
	e.mu.Lock()
	e.st.FilesFailed++
	e.st.BytesFailed += obj.Size
	e.failed = append(e.failed, ev)
	e.mu.Unlock()
	e.emit(ev)
}

func (e *engine) skip(obj providers.Object, reason string) {
	e.mu.Lock()
	e.st.FilesSkipped++
	e.st.BytesSkipped += obj.Size
	e.mu.Unlock()
	e.emit(FileSkipped{Key: obj.Key, Size: obj.Size, Reason: reason})
}

// process downloads one listed object, or skips it when the journal says
// an identical copy is already in place.
func (e *engine) process(obj providers.Object) {
	if e.ctx.Err() != nil {
		return
	}
	if err := e.checkKey(obj.Key); err != nil {
		e.fail(obj, err)
		return
	}
	rel := filepath.FromSlash(obj.Key)
	rec, ok, err := e.j.Get(e.s.journalKey(), obj.Key)
	if err != nil {
		e.fail(obj, fmt.Errorf("journal: %w", err))
		return
	}
	if ok && rec.Status == StatusDone && recordMatches(rec, obj) {
		if fi, err := e.root.Stat(rel); err == nil && fi.Mode().IsRegular() && fi.Size() == obj.Size {
			e.skip(obj, "already downloaded")
			if e.del != nil && !rec.Deleted {
				e.deleteRemote(obj, rec)
			}
			return
		}
	}

	e.mu.Lock()
	e.st.FilesActive++
	e.mu.Unlock()
	e.prog.track(obj.Key)
	defer e.prog.untrack(obj.Key)
	startAt := time.Now()
	var done Record
	var got providers.Object
	if obj.Size >= e.s.RangeThreshold && obj.Size > 0 && e.s.RangeThreshold > 0 {
		got, done, err = e.ranged(obj, rec, ok)
	} else {
		got, done, err = e.single(obj)
	}
	e.mu.Lock()
	e.st.FilesActive--
	e.mu.Unlock()
	if err != nil {
		if e.ctx.Err() != nil || errors.Is(err, runctl.ErrHeld) {
			// Interrupted, or held by a pause when the stop came: the
			// journal keeps what is resumable.
			e.left.Add(1)
			return
		}
		e.fail(obj, err)
		return
	}
	verified := "size"
	if done.Checksum != "" {
		verified = "size+" + algoOf(done.Checksum)
	}
	e.mu.Lock()
	e.st.FilesDone++
	e.mu.Unlock()
	e.emit(FileDone{Key: obj.Key, Path: filepath.Join(e.s.dest, rel), Size: got.Size, Checksum: done.Local,
		Verified: verified, Duration: time.Since(startAt)})
	if e.del != nil {
		e.deleteRemote(got, done)
	}
}

// do runs op until it succeeds, fails with an error that is not retryable,
// or has been retried maxTries times. op gets ctx (a request's context)
// with two additions: retries the provider's own client makes inside one
// call are reported, as Retry events marked Internal and to the outage
// tracker, so a store that is gone is noticed while the SDK is still
// retrying; and the requests are cancelled once the run stops for that
// reason, so the run does not wait out the SDK's backoff.
func (e *engine) do(ctx context.Context, key string, rng int, op func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(e.gone, cancel)()
	ctx = providers.WithRetryReporter(ctx, func(r providers.RetryReport) {
		e.emit(Retry{Key: key, Range: rng, Attempt: r.Attempt, Wait: r.Wait, Err: r.Err, Internal: true})
		if e.out.Failed(key, r.Err) {
			e.storeGone(r.Err)
		}
	})
	for attempt := 1; ; attempt++ {
		if err := e.ctl.gate(e.ctx); err != nil {
			return err
		}
		err := op(ctx)
		if err == nil {
			e.out.Succeeded()
			return nil
		}
		if e.ctx.Err() != nil {
			return err
		}
		if e.out.IsDown() && ctx.Err() != nil {
			// Cancelled because the store is gone: left for the next run.
			return fmt.Errorf("%w: %w", errGone, err)
		}
		if e.out.Failed(key, err) {
			e.storeGone(err)
		}
		if !providers.IsRetryable(err) || e.out.IsDown() {
			return err
		}
		if attempt > e.s.maxTries {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		wait := backoff.Wait(e.s.BaseBackoff, e.s.MaxBackoff, attempt, err)
		e.emit(Retry{Key: key, Range: rng, Attempt: attempt, Wait: wait, Err: err})
		select {
		case <-time.After(wait):
		case <-e.ctx.Done():
			return err
		case <-e.out.Down():
			// Waiting to retry when the store was called gone: left for
			// the next run too.
			return fmt.Errorf("%w: %w", errGone, err)
		}
	}
}

// errGone marks a request cancelled because the run stopped for a store
// that is gone.
var errGone = errors.New("stopped: the location cannot be reached")

// counter adds written bytes to the run's total and the object's.
type counter struct {
	e   *engine
	obj *atomic.Int64
	n   int64
}

func (e *engine) newCounter(key string) *counter { return &counter{e: e, obj: e.prog.of(key)} }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	c.e.bytes.Add(int64(len(p)))
	c.obj.Add(int64(len(p)))
	return len(p), nil
}

// undo takes back bytes that will be written again.
func (c *counter) undo() { c.e.bytes.Add(-c.n); c.obj.Add(-c.n); c.n = 0 }

// openPartial creates the folders of key and opens its partial file.
func (e *engine) openPartial(key string, flag int) (*os.File, string, error) {
	part := partialName(key)
	if dir := filepath.Dir(part); dir != "." {
		if err := e.root.MkdirAll(dir, 0o700); err != nil {
			return nil, "", fmt.Errorf("create folder for %s: %w", key, err)
		}
	}
	f, err := e.root.OpenFile(part, flag, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("open partial file for %s: %w", key, err)
	}
	return f, part, nil
}

// single fetches a whole object with one GET (resumed from the bytes
// already written when a retryable error cuts it), hashing as it writes.
func (e *engine) single(listed providers.Object) (providers.Object, Record, error) {
	f, part, err := e.openPartial(listed.Key, os.O_RDWR|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return listed, Record{}, err
	}
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	cnt := e.newCounter(listed.Key)
	var (
		cur      providers.Object // the version being written
		started  bool
		expected string
		crc      = crc32.New(castagnoli)
		sum      hash.Hash
		changes  int
	)
	reset := func() error {
		cnt.undo()
		started, sum = false, nil
		crc.Reset()
		if err := f.Truncate(0); err != nil {
			return err
		}
		_, err := f.Seek(0, io.SeekStart)
		return err
	}
	for verifyTries := 0; ; verifyTries++ {
		err = e.do(e.ctx, listed.Key, 0, func(ctx context.Context) error {
			if err := e.acquire(); err != nil {
				return err
			}
			defer e.release()
			if started && cnt.n == cur.Size {
				return nil
			}
			rc, o, err := e.get.Get(ctx, listed.Key, cnt.n, -1)
			if err != nil {
				return err
			}
			defer rc.Close()
			if !started {
				cur, started = o, true
				if !sameVersion(o, listed) {
					e.emit(Changed{Key: listed.Key, ListedETag: listed.ETag, NowETag: o.ETag, ListedSize: listed.Size, NowSize: o.Size})
				}
				expected = o.Checksum
				if expected == "" && sameVersion(o, listed) {
					expected = listed.Checksum
				}
				sum = newHash(expected)
				if sum == nil {
					expected = ""
				}
				e.emit(FileStarted{Key: listed.Key, Path: filepath.Join(e.s.dest, filepath.FromSlash(listed.Key)), Size: o.Size})
			} else if !sameVersion(o, cur) {
				// The object was replaced while we resumed: start over on
				// the new version.
				if changes++; changes > maxRestarts {
					return fmt.Errorf("%w: %s", ErrChanged, listed.Key)
				}
				e.emit(Changed{Key: listed.Key, ListedETag: cur.ETag, NowETag: o.ETag, ListedSize: cur.Size, NowSize: o.Size})
				if err := reset(); err != nil {
					return err
				}
				return retryNow
			}
			w := []io.Writer{f, crc, cnt}
			if sum != nil {
				w = append(w, sum)
			}
			_, err = io.Copy(io.MultiWriter(w...), rc)
			return err
		})
		if err != nil {
			return listed, Record{}, err
		}
		if err := f.Sync(); err != nil {
			return listed, Record{}, fmt.Errorf("write %s: %w", listed.Key, err)
		}
		verr := error(nil)
		if cnt.n != cur.Size {
			verr = fmt.Errorf("%w: %s is %d bytes, the store says %d", ErrVerify, listed.Key, cnt.n, cur.Size)
		} else if sum != nil {
			if got := format(algoOf(expected), sum); !sameChecksum(got, expected) {
				verr = fmt.Errorf("%w: %s has %s, the store says %s", ErrVerify, listed.Key, got, expected)
			}
		}
		if verr == nil {
			break
		}
		if verifyTries+1 >= maxRestarts {
			f.Close()
			f = nil
			_ = e.root.Remove(part)
			return listed, Record{}, verr
		}
		if err := reset(); err != nil {
			return listed, Record{}, err
		}
	}
	if err := f.Close(); err != nil {
		f = nil
		return listed, Record{}, fmt.Errorf("write %s: %w", listed.Key, err)
	}
	f = nil
	rec := Record{Size: cur.Size, ETag: cur.ETag, Modified: cur.Modified.UnixNano(), Status: StatusDone,
		Checksum: expected, Local: format("CRC32C", crc)}
	return cur, rec, e.finish(listed.Key, part, cur, &rec)
}

// retryNow is a retryable error that makes do try again without waiting
// for a store error (used after starting over on a changed object).
var retryNow = &providers.Error{Kind: providers.ErrPreconditionFailed, Op: "get", Retryable: true,
	Err: errors.New("object changed; starting over")}

// finish moves a verified partial file into place and records it done.
func (e *engine) finish(key, part string, obj providers.Object, rec *Record) error {
	if !obj.Modified.IsZero() {
		_ = e.root.Chtimes(part, obj.Modified, obj.Modified)
	}
	rel := filepath.FromSlash(key)
	if fi, err := e.root.Lstat(rel); err == nil && fi.IsDir() {
		return fmt.Errorf("cannot save %s: a folder of that name exists in the destination (another key uses it as a folder)", key)
	}
	if err := e.root.Rename(part, rel); err != nil {
		return fmt.Errorf("move %s into place: %w", key, err)
	}
	syncDir(e.root, filepath.Dir(rel))
	if err := e.j.put(e.s.journalKey(), key, rec); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// syncDir makes a rename durable; errors are ignored because some file
// systems cannot sync folders.
func syncDir(root *os.Root, dir string) {
	if d, err := root.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// ranged fetches a large object as parallel ranges into one preallocated
// partial file, resuming ranges an earlier run wrote after checking each
// against its recorded CRC32C.
func (e *engine) ranged(listed providers.Object, rec Record, haveRec bool) (providers.Object, Record, error) {
	for restart := 0; ; restart++ {
		cur := listed
		if e.stat != nil {
			var st providers.Object
			err := e.do(e.ctx, listed.Key, 0, func(ctx context.Context) error {
				var err error
				st, err = e.stat.Stat(ctx, listed.Key)
				return err
			})
			if err != nil {
				return listed, Record{}, err
			}
			if st.Checksum == "" && sameVersion(st, listed) {
				st.Checksum = listed.Checksum
			}
			if st.Modified.IsZero() {
				st.Modified = listed.Modified
			}
			if !sameVersion(st, listed) {
				e.emit(Changed{Key: listed.Key, ListedETag: listed.ETag, NowETag: st.ETag, ListedSize: listed.Size, NowSize: st.Size})
			}
			cur = st
		}
		if cur.Size < e.s.RangeThreshold || cur.Size == 0 {
			return e.single(cur)
		}
		got, done, err := e.rangedVersion(cur, rec, haveRec && restart == 0)
		if errors.Is(err, ErrChanged) && restart+1 < maxRestarts && e.stat != nil {
			// The next Stat reports the change and gives the new version.
			haveRec = false
			listed = cur
			continue
		}
		return got, done, err
	}
}

// rangedVersion downloads version cur of an object in ranges.
func (e *engine) rangedVersion(cur providers.Object, rec Record, resume bool) (providers.Object, Record, error) {
	key := cur.Key
	rs := e.s.RangeSize
	n := int((cur.Size + rs - 1) / rs)
	done := map[int]uint32{}
	var f *os.File
	var part string
	var err error
	if resume && rec.Status == StatusPartial && recordMatches(rec, cur) && rec.RangeSize == rs {
		f, part, err = e.openPartial(key, os.O_RDWR)
		if err == nil {
			done = e.checkRanges(f, cur, rec)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return cur, Record{}, err
		}
	}
	if f == nil {
		if f, part, err = e.openPartial(key, os.O_RDWR|os.O_CREATE|os.O_TRUNC); err != nil {
			return cur, Record{}, err
		}
	}
	defer f.Close()
	if err := f.Truncate(cur.Size); err != nil {
		return cur, Record{}, fmt.Errorf("allocate %s: %w", key, err)
	}
	prec := Record{Size: cur.Size, ETag: cur.ETag, Modified: cur.Modified.UnixNano(), Status: StatusPartial, RangeSize: rs, Ranges: done}
	if err := e.j.put(e.s.journalKey(), key, &prec); err != nil {
		return cur, Record{}, fmt.Errorf("journal: %w", err)
	}
	// The object's bytes on disk: the ranges an earlier run wrote, which
	// are not fetched again.
	e.prog.of(key).Store(min(int64(len(done))*rs, cur.Size))
	if len(done) > 0 {
		e.mu.Lock()
		e.st.BytesSkipped += min(int64(len(done))*rs, cur.Size)
		e.mu.Unlock()
	}
	e.emit(FileStarted{Key: key, Path: filepath.Join(e.s.dest, filepath.FromSlash(key)), Size: cur.Size, Ranges: n, Resumed: len(done)})

	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	setErr := func(err error) {
		errMu.Lock()
		if firstErr == nil || (errors.Is(err, ErrChanged) && !errors.Is(firstErr, ErrChanged)) {
			firstErr = err
		}
		errMu.Unlock()
		cancel()
	}
	for i := 0; i < n; i++ {
		if _, ok := done[i]; ok {
			continue
		}
		if err := e.acquire(); err != nil {
			setErr(err)
			break
		}
		if ctx.Err() != nil {
			e.release()
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer e.release()
			off := int64(i) * rs
			length := min(rs, cur.Size-off)
			crc, err := e.fetchRange(ctx, f, cur, i, off, length)
			if err != nil {
				setErr(err)
				return
			}
			if err := e.j.addRange(e.s.journalKey(), key, i, crc); err != nil {
				setErr(fmt.Errorf("journal: %w", err))
			}
		}(i)
	}
	wg.Wait()
	if firstErr != nil {
		return cur, Record{}, firstErr
	}
	if err := e.ctx.Err(); err != nil {
		return cur, Record{}, err
	}
	if err := f.Sync(); err != nil {
		return cur, Record{}, fmt.Errorf("write %s: %w", key, err)
	}

	// Verify the assembled file as a whole: size, then the store's checksum.
	fi, err := f.Stat()
	if err != nil {
		return cur, Record{}, err
	}
	crc := crc32.New(castagnoli)
	w := []io.Writer{crc}
	sum := newHash(cur.Checksum)
	if sum != nil {
		w = append(w, sum)
	}
	if _, err := io.Copy(io.MultiWriter(w...), io.NewSectionReader(f, 0, fi.Size())); err != nil {
		return cur, Record{}, fmt.Errorf("read back %s: %w", key, err)
	}
	expected := ""
	switch {
	case fi.Size() != cur.Size:
		err = fmt.Errorf("%w: %s is %d bytes, the store says %d", ErrVerify, key, fi.Size(), cur.Size)
	case sum != nil:
		expected = cur.Checksum
		if got := format(algoOf(expected), sum); !sameChecksum(got, expected) {
			err = fmt.Errorf("%w: %s has %s, the store says %s", ErrVerify, key, got, expected)
		}
	}
	if err != nil {
		// Start the next run from scratch: no range of this file is trusted.
		f.Close()
		_ = e.root.Remove(part)
		_ = e.j.put(e.s.journalKey(), key, &Record{Size: cur.Size, ETag: cur.ETag, Status: StatusPartial})
		return cur, Record{}, err
	}
	if err := f.Close(); err != nil {
		return cur, Record{}, err
	}
	out := Record{Size: cur.Size, ETag: cur.ETag, Modified: cur.Modified.UnixNano(), Status: StatusDone,
		Checksum: expected, Local: format("CRC32C", crc)}
	return cur, out, e.finish(key, part, cur, &out)
}

// checkRanges re-reads the ranges an earlier run recorded and keeps those
// whose bytes still have the recorded CRC32C.
func (e *engine) checkRanges(f *os.File, cur providers.Object, rec Record) map[int]uint32 {
	good := map[int]uint32{}
	bad := 0
	fi, err := f.Stat()
	for i, want := range rec.Ranges {
		off := int64(i) * rec.RangeSize
		length := min(rec.RangeSize, cur.Size-off)
		if err != nil || off+length > fi.Size() {
			bad++
			continue
		}
		got, rerr := crc32cOf(io.NewSectionReader(f, off, length))
		if rerr != nil || got != want {
			bad++
			continue
		}
		good[i] = want
	}
	if bad > 0 {
		e.emit(Corrupt{Key: cur.Key, Ranges: bad})
	}
	return good
}

// fetchRange GETs one range and writes it at its offset, returning the
// CRC32C of its bytes. A response for another version of the object fails
// with ErrChanged.
func (e *engine) fetchRange(ctx context.Context, f *os.File, cur providers.Object, i int, off, length int64) (uint32, error) {
	var crc uint32
	err := e.do(ctx, cur.Key, i+1, func(ctx context.Context) error {
		rc, o, err := e.get.Get(ctx, cur.Key, off, length)
		if err != nil {
			return err
		}
		defer rc.Close()
		if o.Size != cur.Size || (cur.ETag != "" && o.ETag != cur.ETag) {
			return fmt.Errorf("%w: %s (ETag %q, now %q)", ErrChanged, cur.Key, cur.ETag, o.ETag)
		}
		h := crc32.New(castagnoli)
		cnt := e.newCounter(cur.Key)
		n, err := io.Copy(io.MultiWriter(io.NewOffsetWriter(f, off), h, cnt), io.LimitReader(rc, length))
		if err == nil && n != length {
			err = &providers.Error{Kind: providers.ErrNetwork, Op: "get", Retryable: true,
				Err: fmt.Errorf("range %d of %s ended after %d of %d bytes", i+1, cur.Key, n, length)}
		}
		if err != nil {
			cnt.undo()
			return err
		}
		crc = h.Sum32()
		return nil
	})
	if err != nil {
		return 0, err
	}
	// The range must be on disk before the journal says it is.
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("write %s: %w", cur.Key, err)
	}
	return crc, nil
}

// deleteRemote removes the object whose verified copy is in place, if the
// store still holds that same version.
func (e *engine) deleteRemote(obj providers.Object, rec Record) {
	if e.stat != nil {
		var st providers.Object
		err := e.do(e.ctx, obj.Key, 0, func(ctx context.Context) error {
			var err error
			st, err = e.stat.Stat(ctx, obj.Key)
			return err
		})
		switch {
		case errors.Is(err, runctl.ErrHeld):
			return // stopped while paused: the next run deletes it
		case errors.Is(err, providers.ErrNoSuchKey):
			e.markDeleted(obj, rec)
			return
		case err != nil:
			e.emit(Deleted{Key: obj.Key, Err: fmt.Errorf("check before delete: %w", err)})
			return
		case st.Size != rec.Size || (rec.ETag != "" && st.ETag != rec.ETag):
			e.emit(Deleted{Key: obj.Key, Err: fmt.Errorf("kept: the object changed in the store after it was downloaded (ETag %q, now %q); rerun to fetch the new version", rec.ETag, st.ETag)})
			return
		}
	}
	err := e.do(e.ctx, obj.Key, 0, func(ctx context.Context) error { return e.del.Delete(ctx, obj.Key) })
	if errors.Is(err, runctl.ErrHeld) {
		return
	}
	if err != nil && !errors.Is(err, providers.ErrNoSuchKey) {
		e.emit(Deleted{Key: obj.Key, Err: err})
		return
	}
	e.markDeleted(obj, rec)
}

func (e *engine) markDeleted(obj providers.Object, rec Record) {
	rec.Deleted = true
	if err := e.j.put(e.s.journalKey(), obj.Key, &rec); err != nil {
		e.emit(Deleted{Key: obj.Key, Err: fmt.Errorf("deleted, but the journal could not record it: %w", err)})
		return
	}
	e.mu.Lock()
	e.st.FilesDeleted++
	e.mu.Unlock()
	e.emit(Deleted{Key: obj.Key})
}

// expiryTracker collects, per top-level prefix, the oldest object and how
// many expire soon.
type expiryTracker struct {
	days int
	now  time.Time
	by   map[string]*PrefixExpiry
}

func newExpiryTracker(days int, now time.Time) *expiryTracker {
	return &expiryTracker{days: days, now: now, by: map[string]*PrefixExpiry{}}
}

func (t *expiryTracker) add(obj providers.Object) {
	if t.days <= 0 || obj.Modified.IsZero() {
		return
	}
	top := ""
	if i := strings.Index(obj.Key, "/"); i >= 0 {
		top = obj.Key[:i+1]
	}
	p := t.by[top]
	if p == nil {
		p = &PrefixExpiry{Prefix: top}
		t.by[top] = p
	}
	p.Objects++
	if p.Oldest.IsZero() || obj.Modified.Before(p.Oldest) {
		p.Oldest = obj.Modified
	}
	if obj.Modified.Add(t.life()).Sub(t.now) < ExpiryWarnDays*24*time.Hour {
		p.Soon++
	}
}

func (t *expiryTracker) life() time.Duration { return time.Duration(t.days) * 24 * time.Hour }

func (t *expiryTracker) report() Expiry {
	out := Expiry{ExpiryDays: t.days}
	for _, p := range t.by {
		p.ExpiresAt = p.Oldest.Add(t.life())
		left := p.ExpiresAt.Sub(t.now)
		p.DaysLeft = int(left / (24 * time.Hour))
		if left < 0 && left%(24*time.Hour) != 0 {
			p.DaysLeft-- // floor, so a day and a bit overdue is -2
		}
		out.Prefixes = append(out.Prefixes, *p)
	}
	sort.Slice(out.Prefixes, func(i, k int) bool { return out.Prefixes[i].Prefix < out.Prefixes[k].Prefix })
	return out
}

// ErrUnreachable is returned (wrapped, with the provider's error) by Run
// when no request to the location succeeded for Options.OutageTimeout
// because of connection-level failures: the run stops at once rather than
// failing each object after all its retries.
var ErrUnreachable = errors.New("the location cannot be reached")

// unreachableError is the error of a run the outage stopped.
type unreachableError struct {
	msg string
	err error
}

func (e *unreachableError) Error() string   { return e.msg }
func (e *unreachableError) Unwrap() []error { return []error{ErrUnreachable, e.err} }

// storeGone stops the run: no new object starts and requests in flight
// stop retrying.
func (e *engine) storeGone(err error) {
	d, n := e.out.Span()
	hint := ""
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Hint != "" {
		hint = "; " + pe.Hint
	}
	e.downMu.Lock()
	if e.downErr == nil {
		e.downErr = &unreachableError{err: err, msg: fmt.Sprintf(
			"download stopped: the location cannot be reached: no request to it succeeded for %s (%s tried): run `stowage test %s` (%v%s); objects not yet downloaded are left: run the same command again to continue",
			d.Round(100*time.Millisecond), humanize.Count(n, "object"), e.s.Location, err, hint)}
	}
	e.downMu.Unlock()
	e.out.MarkDown()
	e.goneCancel()
}

func (e *engine) unreachable() error {
	e.downMu.Lock()
	defer e.downMu.Unlock()
	return e.downErr
}
