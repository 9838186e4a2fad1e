package export

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Controller pauses, resumes and gracefully stops a run, and reads its
// progress. Create one with NewController, put it in Options.Controller and
// call its methods from any goroutine. A hard stop is cancelling the
// context given to Run.
type Controller struct {
	mu      sync.Mutex
	paused  bool
	resume  chan struct{} // closed on Resume
	stop    chan struct{} // closed on Stop
	stopped sync.Once

	run atomic.Pointer[tracker]
}

// NewController returns a controller of a run that is not paused.
func NewController() *Controller {
	return &Controller{resume: make(chan struct{}), stop: make(chan struct{})}
}

// Pause makes workers wait before starting any new request (a new file, a
// part or a retry); requests in flight finish.
func (c *Controller) Pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.paused {
		c.paused = true
		c.resume = make(chan struct{})
	}
}

// Resume lets paused workers go on.
func (c *Controller) Resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused {
		c.paused = false
		close(c.resume)
	}
}

// Paused reports whether the run is paused.
func (c *Controller) Paused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused
}

// Stop asks for a graceful stop: no new file or part is started, requests
// in flight finish and are recorded in the journal, and Run returns
// ErrStopped. Large files stopped half-way resume on the next run. Calling
// Stop again has no further effect; cancel Run's context for a hard stop.
func (c *Controller) Stop() {
	c.stopped.Do(func() { close(c.stop) })
}

// stopping reports whether Stop was called.
func (c *Controller) stopping() bool {
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

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

// errHeld is what a request waiting out a pause gets when the run is
// stopped: a paused run that is stopped sends nothing new, and the file is
// left for the next run, as an interrupted one is.
var errHeld = errors.New("stopped while paused; the next run continues")

// gate blocks while the run is paused. It returns ctx's error on a hard
// stop, and errHeld when the run is stopped while paused.
func (c *Controller) gate(ctx context.Context) error {
	for {
		c.mu.Lock()
		paused, resume := c.paused, c.resume
		c.mu.Unlock()
		if !paused {
			return ctx.Err()
		}
		select {
		case <-resume:
		case <-c.stop:
			if err := ctx.Err(); err != nil {
				return err
			}
			return errHeld
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

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
