package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/stowage-dev/stowage/providers"
)

// The copy and stream engines: the source is another saved location
// (Options.From). Its objects go through the same queue, journal,
// manifest, progress, retries and stops as files; only the request that
// moves the bytes differs:
//   - copy: the destination's store copies the object itself (CopyObject,
//     UploadPartCopy for large ones); no object byte passes through here.
//   - stream: ranged reads of the source into memory, one part (or small
//     object) at a time, sent as the parts of an upload; memory is bounded
//     by the parts in flight (MemoryBudget, Concurrency × PartSize).

// Engines of an export whose source is a location.
const (
	EngineAuto   = "auto"
	EngineCopy   = "copy"
	EngineStream = "stream"
	EngineBatch  = "batch"
)

// Engines lists the values --engine takes.
var Engines = []string{EngineAuto, EngineStream, EngineCopy, EngineBatch}

// copyPartSize is the default part of UploadPartCopy: the store copies,
// so large parts cost no memory here and need fewer requests.
const copyPartSize = 256 << 20

// srcObject is the source object of a task of the copy or stream engine.
type srcObject struct {
	key  string // relative to the source location's prefix
	etag string // as listed; the copy is of this version
}

// sourceETag is the listed ETag of t's source object, "" for a file.
func (t *fileTask) sourceETag() string {
	if t.src == nil {
		return ""
	}
	return t.src.etag
}

// engineOf is the engine that sends t: "" for a file, the copy or stream
// engine for a source object.
func engineOf(s *settings, t *fileTask) string {
	if t.src == nil || s.From == nil {
		return ""
	}
	return s.From.Engine
}

// checkFrom validates Options.From and applies the copy engine's defaults.
func checkFrom(s *settings) error {
	f := s.From
	ex := "stowage export NAME --from SOURCE[:PREFIX]"
	switch {
	case len(s.Sources) > 0:
		return optErr("--from", ex, "give either folders to export or --from SOURCE, not both (got %q and --from %s)", s.Sources[0], f.Name)
	case f.Name == "" || f.Provider == nil:
		return optErr("--from", ex, "the source location is missing")
	case f.Engine != EngineCopy && f.Engine != EngineStream:
		return optErr("--engine", ex+" --engine stream", "export.Run drives the copy and stream engines, got %q", f.Engine)
	case s.DeleteSource:
		return optErr("--delete-source", ex, "--delete-source deletes local files; it cannot be used with --from")
	}
	if _, ok := f.Provider.(providers.Lister); !ok {
		return optErr("--from", ex, "source %q cannot be listed", f.Name)
	}
	if f.Engine == EngineStream {
		if _, ok := f.Provider.(providers.Getter); !ok {
			return optErr("--from", ex, "source %q cannot be read back, so it cannot be streamed", f.Name)
		}
	}
	if f.Engine == EngineCopy {
		// One CopyObject up to S3's 5 GiB, unless a part size was asked
		// for: then objects larger than a part are copied in parts.
		if s.MultipartThreshold == 0 {
			s.MultipartThreshold = 5 << 30
			if s.PartSize != 0 {
				s.MultipartThreshold = s.PartSize
			}
		}
		if s.PartSize == 0 {
			s.PartSize = copyPartSize
		}
	}
	return nil
}

// setupFrom checks that the destination can take the engine's requests.
func (e *engine) setupFrom() error {
	f := e.s.From
	if f.Engine != EngineCopy {
		e.srcGet = f.Provider.(providers.Getter)
		e.bufs = newPartBufs(e.s.MemoryBudget)
		e.reads = semaphore.NewWeighted(streamReadLimit(e.s.MemoryBudget))
		return nil
	}
	c, ok := e.p.(providers.Copier)
	if !ok {
		return optErr("--engine", "stowage export "+e.loc+" --from "+f.Name+" --engine stream",
			"location %q cannot copy objects server-side; use --engine stream", e.loc)
	}
	if ok, why := c.CanCopyFrom(f.Provider); !ok {
		return optErr("--engine", "stowage export "+e.loc+" --from "+f.Name+" --engine stream",
			"the copy engine cannot be used: %s; use --engine stream", why)
	}
	e.copier = c
	return nil
}

// sourceError is a failure of the source location (listing or reading
// it), so it is not taken for the destination's.
type sourceError struct {
	source string
	err    error
}

func (e *sourceError) Error() string { return fmt.Sprintf("source %q: %v", e.source, e.err) }
func (e *sourceError) Unwrap() error { return e.err }

// scanObjects lists the source location into the queue, with the filters
// and the key template of a folder scan.
func (e *engine) scanObjects() error {
	lastEmit := time.Now()
	return listFound(e.scanCtx, e.s, func(fo found, o providers.Object) error {
		if e.halted.Load() {
			return errHalted
		}
		t, dec, reason, err := e.cls.classify(fo)
		return e.admit(t, classifyObject(t, dec, o), reason, err, o.Size, &lastEmit)
	})
}

// classifyObject completes the classifier's decision dec for t, the task
// of source object o: an object the journal holds as done is sent again,
// as changed, when its ETag differs from the one recorded (the object was
// replaced, perhaps with the same size and time). Run and Plan share it,
// so a dry run flags what the run would send again.
func classifyObject(t *fileTask, dec decision, o providers.Object) decision {
	t.src = &srcObject{key: o.Key, etag: o.ETag}
	if dec == decSkip && t.prior != nil && t.prior.SourceETag != "" && o.ETag != "" &&
		strings.Trim(t.prior.SourceETag, `"`) != strings.Trim(o.ETag, `"`) {
		t.changed = true
		return decUpload
	}
	return dec
}

// listFound lists the source location of s.From and calls fn for each
// object the filters let through, as a scan calls it for files: path is
// the object's ObjectRef, rel its key below From.Prefix.
func listFound(ctx context.Context, s *settings, fn func(found, providers.Object) error) error {
	f := s.From
	lister := f.Provider.(providers.Lister)
	var fnErr error
	err := lister.List(ctx, f.Prefix, func(o providers.Object) error {
		if strings.HasSuffix(o.Key, "/") && o.Size == 0 {
			return nil // a folder marker
		}
		rel := strings.TrimPrefix(o.Key, f.Prefix)
		if !s.match.match(rel) || (!s.Since.IsZero() && o.Modified.Before(s.Since)) || (!s.Until.IsZero() && !o.Modified.Before(s.Until)) {
			return nil
		}
		fnErr = fn(found{path: ObjectRef(f.Name, o.Key), rel: rel, size: o.Size, mtime: o.Modified, source: f.Name}, o)
		return fnErr
	})
	if err != nil && fnErr == nil && ctx.Err() == nil {
		return &sourceError{source: f.Name, err: fmt.Errorf("list: %w", err)}
	}
	return err
}

// runObject copies or streams one source object that fits one request,
// or starts its multipart upload.
func (e *engine) runObject(t *fileTask) {
	start := time.Now()
	e.tr.filesActive.Add(1)
	before := identity{size: t.size, mtime: t.mtime}
	if e.mp != nil && t.size > e.s.MultipartThreshold {
		e.startMultipart(t, nil, before, start)
		return
	}
	defer e.sched.fileFinished()
	defer e.tr.filesActive.Add(-1)
	if e.copier != nil && t.size > e.copier.CopyMax() {
		e.failFile(t, fmt.Errorf("the object is larger than one copy request takes and location %q has no multipart uploads; use --engine stream", e.loc), start, nil)
		return
	}

	fp := &fileProg{path: t.path, size: t.size}
	e.ev.emit(FileStarted{Path: t.path, Key: t.key, Size: t.size})
	fl := &flight{e: e, fp: fp}
	var obj providers.Object
	err := e.do(t.path, 0, func(ctx context.Context) error {
		fl.report(0)
		var err error
		if e.copier != nil {
			obj, err = e.copier.CopyObject(ctx, t.key, e.s.From.Provider, t.src.key, t.src.etag, providers.PutOptions{})
			return e.copyErr(err)
		}
		n := min(t.size, e.s.MemoryBudget)
		if err := e.budget.Acquire(ctx, n); err != nil {
			return err
		}
		defer e.budget.Release(n)
		buf, err := e.readSource(ctx, t, 0, t.size)
		if err != nil {
			return err
		}
		obj, err = e.p.Put(ctx, t.key, providers.NewBytes(t.path, buf), t.size, providers.PutOptions{Progress: fl.report})
		e.bufs.put(buf, err == nil)
		return err
	})
	if err == nil && obj.Size != 0 && obj.Size != t.size {
		err = fmt.Errorf("the store reports %d bytes for %s but the source has %d", obj.Size, t.key, t.size)
	}
	if err != nil {
		fl.settle(0)
		e.failFile(t, err, start, nil)
		return
	}
	fl.settle(t.size)
	e.finishDone(t, obj, before, start)
}

// copyErr turns a copy's failed If-Match into errSourceChanged.
func (e *engine) copyErr(err error) error {
	if err != nil && errors.Is(err, providers.ErrPreconditionFailed) {
		return fmt.Errorf("%w (the source object changed since it was listed); it will be copied again on the next run", errSourceChanged)
	}
	return err
}

// streamReadLimit is the bytes of source reads the stream engine keeps in
// flight with a memory budget of budget: half of it. Were every part the
// budget admits read at once, they would share the client's link down,
// all end together, go up together while the full budget held back the
// next reads, and so on: the two directions of the link would take turns
// (1.3–1.5× the link's bound in the bench). With half the budget for
// reads, the parts read first go up while the next ones come down.
func streamReadLimit(budget int64) int64 { return max(budget/2, 1) }

// readSource reads bytes [off, off+n) of t's source object into a buffer
// of e.bufs, checking that the object is still the version listed; the
// caller gives the buffer back once its request has ended. The read holds
// a share of e.reads until its bytes are in the buffer (a read larger
// than the share waits for all of it).
func (e *engine) readSource(ctx context.Context, t *fileTask, off, n int64) ([]byte, error) {
	w := min(n, streamReadLimit(e.s.MemoryBudget))
	if err := e.reads.Acquire(ctx, w); err != nil {
		return nil, err
	}
	defer e.reads.Release(w)
	length := n
	if off == 0 && n == t.size {
		// A whole-object read: the source's client verifies the stored
		// checksum where the store keeps one.
		length = -1
	}
	rc, obj, err := e.srcGet.Get(ctx, t.src.key, off, length)
	if err != nil {
		return nil, &sourceError{source: e.s.From.Name, err: fmt.Errorf("read %s: %w", t.src.key, err)}
	}
	defer rc.Close()
	if t.src.etag != "" && obj.ETag != "" && strings.Trim(obj.ETag, `"`) != strings.Trim(t.src.etag, `"`) {
		return nil, fmt.Errorf("%w (the source object changed since it was listed); it will be exported again on the next run", errSourceChanged)
	}
	buf := e.bufs.get(n)
	if _, err := io.ReadFull(rc, buf); err != nil {
		e.bufs.put(buf, true)
		return nil, &sourceError{source: e.s.From.Name, err: fmt.Errorf("read %s: %w", t.src.key, err)}
	}
	if length < 0 {
		// Reading on to the end lets the client check the stored checksum;
		// more bytes than listed means the object changed.
		m, err := io.Copy(io.Discard, io.LimitReader(rc, 1))
		if err != nil {
			e.bufs.put(buf, true)
			return nil, &sourceError{source: e.s.From.Name, err: fmt.Errorf("read %s: %w", t.src.key, err)}
		}
		if m > 0 {
			e.bufs.put(buf, true)
			return nil, fmt.Errorf("%w (the source object grew since it was listed); it will be exported again on the next run", errSourceChanged)
		}
	}
	return buf, nil
}

// sendObjectPart copies or streams one part of a source object.
func (e *engine) sendObjectPart(ctx context.Context, mf *multipartFile, pt *partTask, fl *flight) (providers.Part, error) {
	t := mf.t
	if e.copier != nil {
		part, err := e.copier.UploadPartCopy(ctx, t.key, mf.uploadID, pt.number, e.s.From.Provider, t.src.key, t.src.etag, pt.offset, pt.size)
		return part, e.copyErr(err)
	}
	n := min(pt.size, e.s.MemoryBudget)
	if err := e.budget.Acquire(ctx, n); err != nil {
		return providers.Part{}, err
	}
	defer e.budget.Release(n)
	buf, err := e.readSource(ctx, t, pt.offset, pt.size)
	if err != nil {
		return providers.Part{}, err
	}
	part, err := e.mp.UploadPart(ctx, t.key, mf.uploadID, pt.number, providers.NewBytes(t.path, buf), 0, pt.size,
		providers.PutOptions{Progress: fl.report})
	e.bufs.put(buf, err == nil)
	return part, err
}

// sourceUnchanged checks, before a multipart upload is completed, that a
// file is still what was sent. An object of a source location was read
// (or copied) with its listed ETag as a condition, so it needs no check.
func (mf *multipartFile) sourceUnchanged() error {
	if mf.file == nil {
		return nil
	}
	return unchanged(mf.file, mf.t.path, mf.before)
}

// checkSource halts the run when the source location cannot be used at
// all: its bucket is gone or its credentials are refused.
func (e *engine) checkSource(se *sourceError) {
	var what string
	switch {
	case errors.Is(se.err, providers.ErrNoSuchBucket):
		what = "the source's bucket/container does not exist"
	case errors.Is(se.err, providers.ErrExpired):
		what = "the source's credentials have expired"
	case errors.Is(se.err, providers.ErrInvalidCredentials):
		what = "the source's credentials were refused"
	case errors.Is(se.err, providers.ErrTrustDenied):
		what = "the source's role does not trust Stowage"
	default:
		return
	}
	e.setFatal(&locationError{
		msg: fmt.Sprintf("export stopped: %s: run `stowage test %s` (%v); objects not yet attempted are left for the next run", what, se.source, se.err),
		err: se,
	})
}

// ChooseEngine resolves --engine for an export from the source location
// from into dst: want is EngineAuto, EngineCopy or EngineStream. auto
// picks copy when the destination's store can copy from the source (both
// S3 on one endpoint) and the destination's credentials may read the
// source (probed with a HEAD of the first listed object), and stream
// otherwise; why says why in one sentence. want copy when copy
// is impossible is an error saying why and suggesting stream.
func ChooseEngine(ctx context.Context, dst providers.Provider, loc string, from FromLocation, want string) (engine, why string, err error) {
	fromArg := from.Name
	if from.Prefix != "" {
		fromArg += ":" + from.Prefix
	}
	ex := "stowage export " + loc + " --from " + fromArg + " --engine stream"
	if want == "" {
		want = EngineAuto
	}
	switch want {
	case EngineStream:
		return EngineStream, "asked for with --engine stream; each object is read from the source and sent through this computer", nil
	case EngineAuto, EngineCopy:
	default:
		return "", "", optErr("--engine", ex, "must be one of %s, got %q", strings.Join(Engines, ", "), want)
	}
	refuse := func(reason string) (string, string, error) {
		if want == EngineCopy {
			return "", "", optErr("--engine", ex, "the copy engine cannot be used: %s; use --engine stream (or auto, which picks it)", reason)
		}
		return EngineStream, reason + "; each object is read from the source and sent through this computer", nil
	}
	c, ok := dst.(providers.Copier)
	if !ok {
		return refuse(fmt.Sprintf("location %q cannot copy objects server-side", loc))
	}
	if ok, reason := c.CanCopyFrom(from.Provider); !ok {
		return refuse(reason)
	}
	lister, ok := from.Provider.(providers.Lister)
	if !ok {
		return "", "", optErr("--from", ex, "source %q cannot be listed", from.Name)
	}
	// One listed object is enough to learn whether the destination's
	// credentials may read the source.
	errFound := errors.New("found")
	probe := ""
	err = lister.List(ctx, from.Prefix, func(o providers.Object) error {
		if strings.HasSuffix(o.Key, "/") && o.Size == 0 {
			return nil
		}
		probe = o.Key
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return "", "", &sourceError{source: from.Name, err: fmt.Errorf("list: %w", err)}
	}
	if probe == "" {
		return EngineCopy, "both are on one store; the source holds nothing to export yet, so the destination's read access to it was not probed", nil
	}
	if perr := c.CheckCopyRead(ctx, from.Provider, probe); perr != nil {
		if errors.Is(perr, providers.ErrAccessDenied) {
			return refuse(fmt.Sprintf("location %q's credentials may not read the source (a HEAD of %s was denied; `stowage policy %s --kind copy-source --from %s` prints the statement that allows it)", loc, probe, loc, fromArg))
		}
		return refuse(fmt.Sprintf("the probe of the source with location %q's credentials failed (%v)", loc, perr))
	}
	return EngineCopy, fmt.Sprintf("both are on one store and %q's credentials may read the source; the store copies each object, no object bytes pass through this computer", loc), nil
}
