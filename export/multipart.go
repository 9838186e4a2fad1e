package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/providers"
)

// multipartFile is a large file whose parts are spread over the workers.
// The worker that finishes its last part completes the upload.
type multipartFile struct {
	t        *fileTask
	file     *os.File
	before   identity
	start    time.Time
	uploadID string
	partSize int64
	nParts   int
	fp       *fileProg

	mu          sync.Mutex
	parts       []providers.Part // index n-1; Number 0 while missing
	remaining   int              // part tasks not yet ended
	err         error            // first part failure
	interrupted bool             // a stop dropped parts
}

// partSizeFor picks the part size of a file: the wanted size, raised to the
// provider's minimum, and raised again (to whole MiB) so the file fits in
// the provider's maximum number of parts.
func partSizeFor(size, want, minSize, maxSize int64, maxParts int) (int64, error) {
	ps := want
	if minSize > 0 && ps < minSize {
		ps = minSize
	}
	if maxParts > 0 && (size+ps-1)/ps > int64(maxParts) {
		ps = (size + int64(maxParts) - 1) / int64(maxParts)
		const mib = 1 << 20
		ps = (ps + mib - 1) / mib * mib
	}
	if maxSize > 0 && ps > maxSize {
		return 0, fmt.Errorf("file is %s, more than the location accepts in one object (%d parts of at most %s)",
			humanize.Bytes(size), maxParts, humanize.Bytes(maxSize))
	}
	return ps, nil
}

// partBounds returns the offset and size of part n (1-based).
func partBounds(size, partSize int64, n int) (off, length int64) {
	off = int64(n-1) * partSize
	return off, min(partSize, size-off)
}

// startMultipart creates or resumes the upload of t and queues its missing
// parts. It owns file from here on.
func (e *engine) startMultipart(t *fileTask, file *os.File, before identity, start time.Time) {
	fail := func(err error, rec *Record) {
		if file != nil {
			file.Close()
		}
		e.tr.filesActive.Add(-1)
		e.failFile(t, err, start, rec)
		e.sched.fileFinished()
	}
	minSize, maxSize, maxParts := e.mp.PartLimits()
	partSize, err := partSizeFor(t.size, e.s.PartSize, minSize, maxSize, maxParts)
	if err != nil {
		fail(err, nil)
		return
	}

	uploadID := ""
	have := map[int]providers.Part{}
	if rec := t.prior; rec != nil && rec.Status != StatusDone && rec.UploadID != "" {
		switch {
		case rec.Key == t.key && rec.Size == t.size && rec.MTime == t.mtime && rec.SourceETag == t.sourceETag() &&
			rec.Engine != engineOf(e.s, t) && rec.PartSize > 0:
			// The same object, begun by the other engine: a copy's upload
			// declares no checksum and a stream's parts carry one (and the
			// reverse), so its parts cannot be mixed. Start afresh, saying so.
			e.warnOnce("engine-switch "+t.key, fmt.Errorf("multipart upload %s of %s was begun by %s and this run uses %s, whose parts cannot join it: the object is sent again from its first part and the old upload is aborted",
				rec.UploadID, t.key, nameEngine(rec.Engine), nameEngine(engineOf(e.s, t))))
			e.abortAbandoned(t.key, rec.UploadID, "it was begun by "+nameEngine(rec.Engine))
		case rec.Key == t.key && rec.Size == t.size && rec.MTime == t.mtime && rec.SourceETag == t.sourceETag() && rec.PartSize > 0:
			var listed []providers.Part
			err := e.do(t.path, 0, func(ctx context.Context) error {
				var err error
				listed, err = e.mp.ListParts(ctx, t.key, rec.UploadID)
				return err
			})
			switch {
			case err == nil:
				uploadID, partSize = rec.UploadID, rec.PartSize
				// The store's list is the truth: a part may have finished
				// after the journal's last commit. A part of the wrong size
				// is sent again.
				n := int((t.size + partSize - 1) / partSize)
				for _, p := range listed {
					if p.Number < 1 || p.Number > n {
						continue
					}
					if _, want := partBounds(t.size, partSize, p.Number); p.Size == want {
						have[p.Number] = p
					}
				}
			case e.ctx.Err() != nil:
				fail(err, nil)
				return
			case errors.Is(err, providers.ErrAccessDenied):
				// The least-privilege policy grants s3:PutObject (which
				// covers UploadPart and CompleteMultipartUpload) but not
				// s3:ListMultipartUploadParts: trust the journal's parts,
				// each recorded only after the store acknowledged it. If
				// the upload is gone after all, Complete fails and the
				// next run starts over.
				uploadID, partSize = rec.UploadID, rec.PartSize
				n := int((t.size + partSize - 1) / partSize)
				for _, p := range rec.Parts {
					if p.Number < 1 || p.Number > n {
						continue
					}
					if _, want := partBounds(t.size, partSize, p.Number); p.Size == want {
						have[p.Number] = p
					}
				}
			case errors.Is(err, providers.ErrNoSuchKey) && journalledAll(rec, t.size):
				// Every part was sent, so the upload may have been
				// completed by a run whose answer was lost (or that ended
				// before journalling it). If the object is there as those
				// parts make it, the file is done; otherwise start over.
				if obj, cerr := e.confirmCompleted(t, rec.Parts); cerr == nil {
					n := len(rec.Parts)
					e.tr.bytesSkipped.Add(t.size)
					e.ev.emit(FileStarted{Path: t.path, Key: t.key, Size: t.size, Parts: n, Resumed: n})
					if file != nil {
						file.Close()
					}
					e.tr.filesActive.Add(-1)
					e.finishDone(t, obj, before, start)
					e.sched.fileFinished()
					return
				} else if e.ctx.Err() != nil {
					fail(cerr, nil)
					return
				}
			default:
				// The upload expired or was aborted: start over.
			}
		default:
			// The file changed since the upload began; its parts are stale.
			e.abortAbandoned(t.key, rec.UploadID, "the file changed since its upload began")
		}
	}

	if rec := t.prior; rec != nil && rec.Status == StatusUploading && rec.UploadID == "" && !rec.CreateIntent.IsZero() {
		e.abortUnrecorded(t, rec.CreateIntent)
	}
	if uploadID == "" {
		// The intent is committed before the request, so a crash after the
		// store created the upload leaves a trace the next run follows.
		intent := &Record{Size: t.size, MTime: t.mtime, Key: t.key, SourceETag: t.sourceETag(), Engine: engineOf(e.s, t), Status: StatusUploading, CreateIntent: time.Now().UTC()}
		if err := e.j.put(t.path, intent); err != nil {
			err = fmt.Errorf("journal %s: %w", e.j.Path(), err)
			e.setFatal(err)
			fail(err, nil)
			return
		}
		err := e.do(t.path, 0, func(ctx context.Context) error {
			var err error
			uploadID, err = e.mp.CreateMultipart(ctx, t.key, providers.PutOptions{ServerCopy: e.copier != nil,
				Warn: func(err error) { e.warnOnce("lost-create "+t.key, err) }})
			return err
		})
		if err != nil {
			fail(fmt.Errorf("start multipart upload: %w", err), nil)
			return
		}
	}
	rec := &Record{Size: t.size, MTime: t.mtime, Key: t.key, SourceETag: t.sourceETag(), Engine: engineOf(e.s, t), Status: StatusUploading, UploadID: uploadID, PartSize: partSize}
	for _, p := range have {
		rec.Parts = append(rec.Parts, p)
	}
	sort.Slice(rec.Parts, func(i, k int) bool { return rec.Parts[i].Number < rec.Parts[k].Number })
	// The upload ID must be committed before any part is sent, or a crash
	// would leave parts no run can find.
	if err := e.j.put(t.path, rec); err != nil {
		err = fmt.Errorf("journal %s: %w", e.j.Path(), err)
		e.setFatal(err)
		fail(err, nil)
		return
	}

	n := int((t.size + partSize - 1) / partSize)
	if n == 0 {
		n = 1
	}
	mf := &multipartFile{t: t, file: file, before: before, start: start, uploadID: uploadID,
		partSize: partSize, nParts: n, parts: make([]providers.Part, n),
		fp: &fileProg{path: t.path, size: t.size}}
	var resumedBytes int64
	var tasks []*partTask
	for i := 1; i <= n; i++ {
		off, length := partBounds(t.size, partSize, i)
		if p, ok := have[i]; ok {
			mf.parts[i-1] = p
			resumedBytes += length
			continue
		}
		tasks = append(tasks, &partTask{mf: mf, number: i, offset: off, size: length})
	}
	mf.remaining = len(tasks)
	mf.fp.acked.Store(resumedBytes)
	e.tr.bytesSkipped.Add(resumedBytes)
	e.ev.emit(FileStarted{Path: t.path, Key: t.key, Size: t.size, Parts: n, Resumed: len(have)})
	if len(tasks) == 0 {
		e.finishMultipart(mf)
		return
	}
	e.sched.pushParts(tasks)
}

// nameEngine names the engine of a journal record for messages.
func nameEngine(engine string) string {
	if engine == "" {
		return "an engine this version did not record"
	}
	return "the " + engine + " engine"
}

// journalledAll reports whether rec holds every part of a file of size
// bytes, each of the size its number calls for.
func journalledAll(rec *Record, size int64) bool {
	if rec.PartSize <= 0 {
		return false
	}
	n := int((size + rec.PartSize - 1) / rec.PartSize)
	if n == 0 {
		n = 1
	}
	if len(rec.Parts) != n {
		return false
	}
	seen := make([]bool, n+1)
	for _, p := range rec.Parts {
		if p.Number < 1 || p.Number > n || seen[p.Number] {
			return false
		}
		if _, want := partBounds(size, rec.PartSize, p.Number); p.Size != want {
			return false
		}
		seen[p.Number] = true
	}
	return true
}

// runPart uploads one part.
func (e *engine) runPart(pt *partTask) {
	mf := pt.mf
	mf.mu.Lock()
	dead := mf.err != nil || mf.interrupted
	mf.mu.Unlock()
	if dead {
		e.partEnded(pt, providers.Part{}, errAbandoned)
		return
	}
	t := mf.t
	fl := &flight{e: e, fp: mf.fp}
	var part providers.Part
	err := e.do(t.path, pt.number, func(ctx context.Context) error {
		fl.report(0)
		if t.src != nil {
			var err error
			part, err = e.sendObjectPart(ctx, mf, pt, fl)
			return err
		}
		if err := e.budget.Acquire(ctx, min(pt.size, e.s.MemoryBudget)); err != nil {
			return err
		}
		defer e.budget.Release(min(pt.size, e.s.MemoryBudget))
		var err error
		part, err = e.mp.UploadPart(ctx, t.key, mf.uploadID, pt.number, mf.file, pt.offset, pt.size,
			providers.PutOptions{Progress: fl.report})
		return sourceFirst(err, mf.file, t.path, mf.before)
	})
	if err == nil {
		if part.Number == 0 {
			part.Number = pt.number
		}
		if part.Size == 0 {
			part.Size = pt.size
		}
		switch {
		case part.Number != pt.number:
			err = fmt.Errorf("the store answered part %d with part number %d", pt.number, part.Number)
		case part.Size != pt.size:
			err = fmt.Errorf("the store took %d bytes for part %d, %d were sent", part.Size, pt.number, pt.size)
		}
	}
	if err == nil {
		if jerr := e.j.addPart(t.path, part); jerr != nil {
			err = fmt.Errorf("journal %s: %w", e.j.Path(), jerr)
			e.setFatal(err)
		}
	}
	if err != nil {
		fl.settle(0)
		e.partEnded(pt, part, fmt.Errorf("part %d of %d: %w", pt.number, mf.nParts, err))
		return
	}
	fl.settle(pt.size)
	e.partEnded(pt, part, nil)
}

// errAbandoned marks a part that was never sent because its file already
// failed or the run is stopping.
var errAbandoned = errors.New("part abandoned")

// abandonPart is the scheduler's callback for parts a stop dropped.
func (e *engine) abandonPart(pt *partTask) {
	e.partEnded(pt, providers.Part{}, errAbandoned)
}

// partEnded accounts for one part task; the last one finishes the file.
func (e *engine) partEnded(pt *partTask, part providers.Part, err error) {
	mf := pt.mf
	mf.mu.Lock()
	switch {
	case err == nil:
		mf.parts[pt.number-1] = part
	case errors.Is(err, errAbandoned):
		if mf.err == nil {
			mf.interrupted = true
		}
	case e.ctx.Err() != nil, errors.Is(err, errHeld), errors.Is(err, errGone):
		mf.interrupted = true
	case mf.err == nil:
		mf.err = err
	}
	mf.remaining--
	last := mf.remaining == 0
	mf.mu.Unlock()
	if last {
		e.finishMultipart(mf)
	}
}

// finishMultipart completes the upload once every part has ended, or
// records why it cannot be.
func (e *engine) finishMultipart(mf *multipartFile) {
	t := mf.t
	defer e.sched.fileFinished()
	defer e.tr.filesActive.Add(-1)
	if mf.file != nil {
		defer mf.file.Close()
	}

	journalled := func() *Record {
		rec := &Record{Size: t.size, MTime: t.mtime, Key: t.key, SourceETag: t.sourceETag(), Engine: engineOf(e.s, t), UploadID: mf.uploadID, PartSize: mf.partSize}
		for _, p := range mf.parts {
			if p.Number != 0 {
				rec.Parts = append(rec.Parts, p)
			}
		}
		return rec
	}
	mf.mu.Lock()
	perr, interrupted := mf.err, mf.interrupted
	mf.mu.Unlock()
	switch {
	case perr != nil && errors.Is(perr, errSourceChanged):
		// The parts sent hold the old bytes; a rerun starts over with the
		// file as it is then. The message is the change itself, not the
		// part that noticed it.
		err := perr
		if mf.file != nil {
			if cerr := unchanged(mf.file, t.path, mf.before); cerr != nil {
				err = cerr
			}
		}
		e.abortAbandoned(t.key, mf.uploadID, "the file changed during its upload")
		e.failFile(t, err, mf.start, &Record{Size: t.size, MTime: t.mtime, Key: t.key})
		return
	case perr != nil:
		// The upload stays open and recorded: the next run sends only the
		// parts still missing.
		e.failFile(t, perr, mf.start, journalled())
		return
	case interrupted:
		e.interruptFile(t, mf.start)
		return
	}
	if err := mf.sourceUnchanged(); err != nil {
		e.abortAbandoned(t.key, mf.uploadID, "the file changed during its upload")
		e.failFile(t, err, mf.start, &Record{Size: t.size, MTime: t.mtime, Key: t.key})
		return
	}
	var obj providers.Object
	err := e.do(t.path, 0, func(ctx context.Context) error {
		var err error
		obj, err = e.mp.CompleteMultipart(ctx, t.key, mf.uploadID, mf.parts)
		return err
	})
	if err == nil && obj.Size != 0 && obj.Size != t.size {
		err = fmt.Errorf("the store reports %d bytes for %s but %d were sent", obj.Size, t.key, t.size)
	}
	if err != nil && errors.Is(err, providers.ErrNoSuchKey) && e.ctx.Err() == nil {
		// NoSuchUpload: the store completed the upload but its answer was
		// lost, and the retry found the upload gone; or the upload expired
		// or was aborted. The object decides which.
		got, cerr := e.confirmCompleted(t, mf.parts)
		if cerr != nil {
			e.failFile(t, fmt.Errorf("complete multipart upload: %w; %v", err, cerr), mf.start, journalled())
			return
		}
		obj, err = got, nil
	}
	if err != nil {
		e.failFile(t, fmt.Errorf("complete multipart upload: %w", err), mf.start, journalled())
		return
	}
	e.finishDone(t, obj, mf.before, mf.start)
}

// abortAbandoned discards an upload that will never be completed (why
// says so). When the location may not abort uploads (the least-privilege
// policy grants no s3:AbortMultipartUpload), the upload is reported as
// left open.
func (e *engine) abortAbandoned(key, uploadID, why string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.ctx), 30*time.Second)
	defer cancel()
	err := e.mp.AbortMultipart(ctx, key, uploadID)
	var pe *providers.Error
	switch {
	case err == nil:
	case errors.As(err, &pe) && errors.Is(pe.Kind, providers.ErrCannotAbort):
		// Azure: the upload is uncommitted blocks, which no request can
		// discard; say when the store does.
		e.uploadsLeftOpen.Add(1)
		e.warnOnce("upload-left-open", fmt.Errorf("the unfinished upload %s of %s is left as uncommitted blocks (%s): the store cannot discard them on request; %s; `stowage uploads %s` lists them, and the summary counts every one",
			uploadID, key, why, pe.Hint, e.loc))
	default:
		e.leftOpen(key, uploadID, fmt.Errorf("%s; aborting it failed: %w", why, err))
	}
}

// leftOpen records a multipart upload (uploadID empty when unknown) this
// run knows to be abandoned but could not abort: counted in the summary,
// with one warning saying how to find and remove them.
func (e *engine) leftOpen(key, uploadID string, why error) {
	e.uploadsLeftOpen.Add(1)
	id := ""
	if uploadID != "" {
		id = " " + uploadID
	}
	e.warnOnce("upload-left-open", fmt.Errorf("multipart upload%s of %s is left open (%v); `stowage uploads %s` lists open uploads and `--abort` removes them where the location allows (S3: turn on manage_uploads with `stowage setup --edit %s` to grant it), and the bucket's lifecycle rule aborts them after %d days; the summary counts every one",
		id, key, why, e.loc, e.loc, abortAfterDays))
}

// abortAfterDays is the lifecycle rule of the generated policies
// (policies.AbortIncompleteUploadDays), named in messages.
const abortAfterDays = 7

// intentWindow is how far before a journalled create intent an upload may
// have been initiated and still be the one it announced (the store's clock
// may differ from this computer's).
const intentWindow = 2 * time.Minute

// abortUnrecorded aborts the uploads of t's key that an earlier run
// created but never journalled (it stopped between CreateMultipartUpload
// and recording the answer): open uploads of the key initiated since the
// intent. When the location may not list or abort uploads, a warning says
// what may be left open.
func (e *engine) abortUnrecorded(t *fileTask, since time.Time) {
	ul, ok := e.p.(providers.UploadLister)
	if !ok {
		return
	}
	if ls, ok := e.p.(providers.LocalUploadStart); ok && ls.StartsUploadsLocally() {
		// Nothing was created on the store before the ID was journalled.
		return
	}
	var found []providers.Upload
	err := e.do(t.path, 0, func(ctx context.Context) error {
		found = found[:0]
		return ul.ListUploads(ctx, t.key, func(u providers.Upload) error {
			if u.Key == t.key && !u.Initiated.Before(since.Add(-intentWindow)) {
				found = append(found, u)
			}
			return nil
		})
	})
	if err != nil {
		if e.ctx.Err() == nil {
			e.leftOpen(t.key, "", fmt.Errorf("an earlier run stopped while starting this upload, and the uploads it may have left cannot be looked for: %w", err))
		}
		return
	}
	for _, u := range found {
		e.abortAbandoned(t.key, u.UploadID, "an earlier run stopped before recording it")
	}
}
