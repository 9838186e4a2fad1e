package export

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stowage-dev/stowage/internal/runctl"
)

// Controller pauses, resumes and gracefully stops a run, and reads its
// progress. Create one with NewController, put it in Options.Controller and
// call its methods from any goroutine. A hard stop is cancelling the
// context given to Run.
type Controller struct {
	sw  *runctl.Switch
	run atomic.Pointer[tracker]
}

// NewController returns a controller of a run that is not paused.
func NewController() *Controller { return &Controller{sw: runctl.New()} }

// Pause makes workers wait before starting any new request (a new file, a
// part or a retry); requests in flight finish.
func (c *Controller) Pause() { c.sw.Pause() }

// Resume lets paused workers go on.
func (c *Controller) Resume() { c.sw.Resume() }

// Paused reports whether the run is paused.
func (c *Controller) Paused() bool { return c.sw.Paused() }

// Stop asks for a graceful stop: no new file or part is started, requests
// in flight finish and are recorded in the journal, and Run returns
// ErrStopped. Large files stopped half-way resume on the next run. A run
// stopped while paused sends nothing new. Calling Stop again has no
// further effect; cancel Run's context for a hard stop.
func (c *Controller) Stop() { c.sw.Stop() }

// stopping reports whether Stop was called.
func (c *Controller) stopping() bool { return c.sw.Stopping() }

// Stats returns a snapshot of the run's progress; the zero Stats before the
// run starts, and the final numbers after it ended.
func (c *Controller) Stats() Stats {
	t := c.run.Load()
	if t == nil {
		return Stats{ETA: -1}
	}
	s := t.snapshot()
	s.Paused = c.Paused()
	s.Stopping = c.stopping()
	return s
}

// errHeld: see runctl.ErrHeld.
var errHeld = runctl.ErrHeld

// gate blocks while the run is paused (runctl.Switch.Wait).
func (c *Controller) gate(ctx context.Context) error { return c.sw.Wait(ctx) }

// tracker holds a run's counters; all fields are updated atomically by the
// workers.
type tracker struct {
	start time.Time

	counting                                         atomic.Bool
	filesTotal, filesDone, filesSkipped, filesFailed atomic.Int64
	filesActive                                      atomic.Int64
	bytesTotal, bytesDone, bytesSkipped, bytesFailed atomic.Int64
	inflight                                         atomic.Int64

	mu       sync.Mutex
	rate     float64
	lastN    int64
	lastT    time.Time
	haveRate bool
	end      time.Time
}

func newTracker(now time.Time) *tracker {
	t := &tracker{start: now, lastT: now}
	t.counting.Store(true)
	return t
}

// rateWindow is the time constant of the throughput average: long enough to
// smooth out part-sized steps, short enough to follow a real change.
const rateWindow = 5 * time.Second

// sample updates the moving average of throughput from the bytes sent since
// the last sample, counting in-flight bytes so large requests show as a
// steady flow rather than steps.
func (t *tracker) sample(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.bytesDone.Load() + t.inflight.Load()
	dt := now.Sub(t.lastT).Seconds()
	if dt <= 0 {
		return
	}
	delta := n - t.lastN
	if delta < 0 {
		// A retry rolled in-flight bytes back; not negative throughput.
		delta = 0
	}
	inst := float64(delta) / dt
	if !t.haveRate {
		if delta > 0 {
			t.rate, t.haveRate = inst, true
		}
	} else {
		alpha := 1 - math.Exp(-dt/rateWindow.Seconds())
		t.rate += alpha * (inst - t.rate)
	}
	t.lastN, t.lastT = n, now
}

func (t *tracker) finish(now time.Time) {
	t.mu.Lock()
	t.end = now
	t.mu.Unlock()
}

func (t *tracker) snapshot() Stats {
	s := Stats{
		Counting:      t.counting.Load(),
		FilesTotal:    int(t.filesTotal.Load()),
		BytesTotal:    t.bytesTotal.Load(),
		FilesDone:     int(t.filesDone.Load()),
		FilesSkipped:  int(t.filesSkipped.Load()),
		FilesFailed:   int(t.filesFailed.Load()),
		FilesActive:   int(t.filesActive.Load()),
		BytesDone:     t.bytesDone.Load(),
		BytesSkipped:  t.bytesSkipped.Load(),
		BytesFailed:   t.bytesFailed.Load(),
		BytesInFlight: t.inflight.Load(),
		ETA:           -1,
	}
	t.mu.Lock()
	s.Throughput = t.rate
	end := t.end
	t.mu.Unlock()
	if end.IsZero() {
		end = time.Now()
	}
	s.Elapsed = end.Sub(t.start)
	if s.Throughput > 0 {
		s.ETA = time.Duration(float64(s.Remaining()) / s.Throughput * float64(time.Second)).Round(time.Second)
	}
	return s
}
