package downloadui

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"

	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/providers"
)

// Run is one download in its own goroutine, with the graceful stop the
// download engine itself does not have: download.Run only knows its
// context, and cancelling that abandons the requests in flight. Run puts a
// gate in front of the location instead: after Stop, objects already being
// fetched go on (every range, the verify, the journal record and, with
// DeleteAfter, the delete), nothing new is fetched, and the listing ends;
// once the last of them has finished the engine's context is cancelled, so
// it returns with the journal closed. Kill is the hard stop.
//
// Run also measures the bytes read per object, which the engine does not
// report, for the screen's per-download bars.
type Run struct {
	gate   *gate
	cancel context.CancelFunc
	ended  chan struct{}

	mu      sync.Mutex
	res     download.Result
	err     error
	stopped bool
}

// Start begins downloading from p with opts. The run's context is detached
// from ctx, so that ctx ending can be a graceful stop (the caller's to
// decide: call Stop); the hard stop is Kill. opts.Events is kept and called
// for every event.
func Start(ctx context.Context, p providers.Provider, opts download.Options) *Run {
	hard, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rs := opts.RangeSize
	if rs <= 0 {
		rs = download.DefaultRangeSize
	}
	g := &gate{
		p: p, cancel: cancel, deleteAfter: opts.DeleteAfter, rangeSize: rs,
		admitted: map[string]bool{}, read: map[string]map[int64]int64{}, base: map[string]int64{},
	}
	r := &Run{gate: g, cancel: cancel, ended: make(chan struct{})}
	outer := opts.Events
	opts.Events = func(ev download.Event) {
		if outer != nil {
			outer(ev)
		}
		g.observe(ev)
	}
	go func() {
		defer close(r.ended)
		defer cancel()
		res, err := download.Run(hard, g.wrap(), opts)
		g.mu.Lock()
		// After a hard stop objects are left half-way without an event.
		clear(g.admitted)
		clear(g.read)
		clear(g.base)
		g.mu.Unlock()
		r.mu.Lock()
		r.res, r.err = res, err
		r.stopped = err != nil && res.JournalPath != "" && hard.Err() != nil
		r.mu.Unlock()
	}()
	return r
}

// Stop asks for a graceful stop and reports whether this call asked first.
func (r *Run) Stop() bool { return r.gate.stop() }

// Kill stops at once: requests in flight are abandoned; the journal keeps
// every finished object and range.
func (r *Run) Kill() { r.cancel() }

// Stopping reports whether a stop was asked for.
func (r *Run) Stopping() bool {
	r.gate.mu.Lock()
	defer r.gate.mu.Unlock()
	return r.gate.stopping
}

// InFlight is how many objects are being fetched (or, after a stop, are
// still being finished).
func (r *Run) InFlight() int {
	r.gate.mu.Lock()
	defer r.gate.mu.Unlock()
	return len(r.gate.admitted)
}

// Progress returns the bytes on disk so far of each object in flight.
func (r *Run) Progress() map[string]int64 { return r.gate.progress() }

// Done is closed when the run has ended.
func (r *Run) Done() <-chan struct{} { return r.ended }

// Wait blocks until the run has ended and returns download.Run's result
// and error, and whether it ended early because it was stopped.
func (r *Run) Wait() (res download.Result, stopped bool, err error) {
	<-r.ended
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.res, r.stopped, r.err
}

// errListingStopped ends the listing after a graceful stop.
var errListingStopped = errors.New("listing stopped")

// gate stands between the engine and the location.
type gate struct {
	p           providers.Provider
	cancel      context.CancelFunc
	deleteAfter bool
	rangeSize   int64

	mu       sync.Mutex
	stopping bool
	// admitted holds the objects that reached the store before the stop
	// and have not finished yet: after a stop only they go on.
	admitted map[string]bool
	// read is the bytes read per object and request offset; base the bytes
	// of ranges an earlier run left on disk.
	read map[string]map[int64]int64
	base map[string]int64
}

func (g *gate) stop() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopping {
		return false
	}
	g.stopping = true
	g.drained()
	return true
}

// drained ends the run once a stop was asked for and nothing is in flight
// any more. g.mu is held.
func (g *gate) drained() {
	if g.stopping && len(g.admitted) == 0 {
		g.cancel()
	}
}

// admit lets a request for key through, or after a stop holds one for an
// object not yet started until the run ends (the engine then leaves the
// object for the next run, as it does any interrupted one).
func (g *gate) admit(ctx context.Context, key string) error {
	g.mu.Lock()
	if !g.stopping || g.admitted[key] {
		g.admitted[key] = true
		g.mu.Unlock()
		return nil
	}
	g.mu.Unlock()
	<-ctx.Done()
	return ctx.Err()
}

// observe follows the engine's events to know when an admitted object is
// finished: done (and deleted, with DeleteAfter), failed, or deleted after
// being skipped.
func (g *gate) observe(ev download.Event) {
	g.mu.Lock()
	defer g.mu.Unlock()
	key := ""
	switch ev := ev.(type) {
	case download.FileStarted:
		if ev.Resumed > 0 {
			g.base[ev.Key] = min(int64(ev.Resumed)*g.rangeSize, ev.Size)
		}
		return
	case download.FileDone:
		if g.deleteAfter {
			delete(g.read, ev.Key)
			delete(g.base, ev.Key)
			return
		}
		key = ev.Key
	case download.FileFailed:
		key = ev.Key
	case download.Deleted:
		key = ev.Key
	default:
		return
	}
	delete(g.admitted, key)
	delete(g.read, key)
	delete(g.base, key)
	g.drained()
}

func (g *gate) progress() map[string]int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]int64, len(g.read))
	for key, offs := range g.read {
		n := g.base[key]
		for _, b := range offs {
			n += b
		}
		out[key] = n
	}
	return out
}

// started notes a GET of key from offset: a whole-object GET from 0 starts
// the count over (the engine restarts a changed object from scratch).
func (g *gate) started(key string, offset, length int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	offs := g.read[key]
	if offs == nil || (offset == 0 && length < 0) {
		offs = map[int64]int64{}
		g.read[key] = offs
	}
	offs[offset] = 0
}

func (g *gate) add(key string, offset, n int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if offs := g.read[key]; offs != nil {
		offs[offset] += n
	}
}

// wrap returns the location behind the gate, with the same optional
// interfaces the engine looks for (Stater, Deleter) as p has.
func (g *gate) wrap() providers.Provider {
	_, stat := g.p.(providers.Stater)
	_, del := g.p.(providers.Deleter)
	base := gated{g: g}
	switch {
	case stat && del:
		return gatedStatDelete{gatedStat{base}, gatedDelete{base}}
	case stat:
		return gatedStat{base}
	case del:
		return gatedDelete{base}
	}
	return base
}

// gated is the location behind the gate. Without a Lister or Getter it
// has neither, so the engine reports that as it would for p.
type gated struct{ g *gate }

func (w gated) Test(ctx context.Context, emit func(providers.Check)) (providers.Report, error) {
	return w.g.p.Test(ctx, emit)
}

func (w gated) Put(ctx context.Context, key string, src *os.File, size int64, opts providers.PutOptions) (providers.Object, error) {
	return w.g.p.Put(ctx, key, src, size, opts)
}

// List passes objects on until a stop.
func (w gated) List(ctx context.Context, prefix string, fn func(providers.Object) error) error {
	l, ok := w.g.p.(providers.Lister)
	if !ok {
		return errors.New("location cannot list objects")
	}
	return l.List(ctx, prefix, func(o providers.Object) error {
		w.g.mu.Lock()
		stopping := w.g.stopping
		w.g.mu.Unlock()
		if stopping {
			return errListingStopped
		}
		return fn(o)
	})
}

// Get fetches through the gate, counting the bytes read.
func (w gated) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, providers.Object, error) {
	gt, ok := w.g.p.(providers.Getter)
	if !ok {
		return nil, providers.Object{}, errors.New("location cannot read objects")
	}
	if err := w.g.admit(ctx, key); err != nil {
		return nil, providers.Object{}, err
	}
	rc, obj, err := gt.Get(ctx, key, offset, length)
	if err != nil {
		return rc, obj, err
	}
	w.g.started(key, offset, length)
	return &countingReader{ReadCloser: rc, g: w.g, key: key, offset: offset}, obj, nil
}

type gatedStat struct{ gated }

func (w gatedStat) Stat(ctx context.Context, key string) (providers.Object, error) {
	if err := w.g.admit(ctx, key); err != nil {
		return providers.Object{}, err
	}
	return w.g.p.(providers.Stater).Stat(ctx, key)
}

type gatedDelete struct{ gated }

func (w gatedDelete) Delete(ctx context.Context, key string) error {
	if err := w.g.admit(ctx, key); err != nil {
		return err
	}
	return w.g.p.(providers.Deleter).Delete(ctx, key)
}

type gatedStatDelete struct {
	gatedStat
	gatedDelete
}

// The embedded gated appears twice; these pick one.
func (w gatedStatDelete) Test(ctx context.Context, emit func(providers.Check)) (providers.Report, error) {
	return w.gatedStat.Test(ctx, emit)
}

func (w gatedStatDelete) Put(ctx context.Context, key string, src *os.File, size int64, opts providers.PutOptions) (providers.Object, error) {
	return w.gatedStat.Put(ctx, key, src, size, opts)
}

func (w gatedStatDelete) List(ctx context.Context, prefix string, fn func(providers.Object) error) error {
	return w.gatedStat.List(ctx, prefix, fn)
}

func (w gatedStatDelete) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, providers.Object, error) {
	return w.gatedStat.Get(ctx, key, offset, length)
}

// countingReader adds what is read to the object's progress.
type countingReader struct {
	io.ReadCloser
	g      *gate
	key    string
	offset int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if n > 0 {
		c.g.add(c.key, c.offset, int64(n))
	}
	return n, err
}

var (
	_ providers.Provider = gated{}
	_ providers.Lister   = gated{}
	_ providers.Getter   = gated{}
	_ providers.Stater   = gatedStat{}
	_ providers.Deleter  = gatedDelete{}
	_ providers.Stater   = gatedStatDelete{}
	_ providers.Deleter  = gatedStatDelete{}
	_ providers.Lister   = gatedStatDelete{}
	_ providers.Getter   = gatedStatDelete{}
)
