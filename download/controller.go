package download

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/stowage-dev/stowage/internal/runctl"
)

// Controller pauses, resumes and gracefully stops a download run, and reads
// its progress, as export.Controller does for an export. Create one with
// NewController, put it in Options.Controller and call its methods from any
// goroutine. A hard stop is cancelling the context given to Run.
type Controller struct {
	sw  *runctl.Switch
	run atomic.Pointer[engine]
}

// NewController returns a controller of a run that is not paused.
func NewController() *Controller { return &Controller{sw: runctl.New()} }

// Pause makes the run wait before any new request (an object, a range, a
// look-up, a delete or a retry); requests in flight finish.
func (c *Controller) Pause() { c.sw.Pause() }

// Resume lets a paused run go on.
func (c *Controller) Resume() { c.sw.Resume() }

// Paused reports whether the run is paused.
func (c *Controller) Paused() bool { return c.sw.Paused() }

// Stop asks for a graceful stop: the listing ends, no new object is
// started, objects being fetched finish (every range, the verify, the
// journal record and, with DeleteAfter, the delete), and Run returns
// ErrStopped. A run stopped while paused sends nothing new: objects it
// held are left half-way, and the next run resumes them from the journal.
// Calling Stop again has no further effect; cancel Run's context for a
// hard stop.
func (c *Controller) Stop() { c.sw.Stop() }

// Stopping reports whether Stop was called.
func (c *Controller) Stopping() bool { return c.sw.Stopping() }

// Stats returns a snapshot of the run's progress; the zero Stats (ETA -1)
// before the run starts.
func (c *Controller) Stats() Stats {
	var s Stats
	if e := c.run.Load(); e != nil {
		s = e.snapshot()
	} else {
		s.ETA = -1
	}
	s.Paused, s.Stopping = c.Paused(), c.Stopping()
	return s
}

// Progress returns the bytes on disk so far of each object being fetched,
// by key, counting ranges an earlier run left.
func (c *Controller) Progress() map[string]int64 {
	e := c.run.Load()
	if e == nil {
		return map[string]int64{}
	}
	return e.prog.snapshot()
}

// Stopped reports whether a run that returned res and err ended early
// because it was asked to stop (ErrStopped, or the context's error after a
// hard stop).
func Stopped(res Result, err error) bool { return res.Stopped && err != nil }

// gate blocks while the run is paused (runctl.Switch.Wait).
func (c *Controller) gate(ctx context.Context) error { return c.sw.Wait(ctx) }

// progress counts the bytes on disk of each object being fetched.
type progress struct {
	mu sync.Mutex
	by map[string]*atomic.Int64
}

// track starts counting key; untrack ends it.
func (p *progress) track(key string) *atomic.Int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.by == nil {
		p.by = map[string]*atomic.Int64{}
	}
	n := new(atomic.Int64)
	p.by[key] = n
	return n
}

func (p *progress) untrack(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.by, key)
}

func (p *progress) of(key string) *atomic.Int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.by[key]; n != nil {
		return n
	}
	return new(atomic.Int64) // not tracked: counted nowhere
}

func (p *progress) snapshot() map[string]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int64, len(p.by))
	for k, n := range p.by {
		out[k] = n.Load()
	}
	return out
}
