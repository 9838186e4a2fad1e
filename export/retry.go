package export

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/stowage-dev/stowage/internal/backoff"
	"github.com/stowage-dev/stowage/providers"
)

// retryable reports whether a failed request is worth another try: the
// provider says so (throttling, 5xx, connection resets), or the request hit
// its own deadline while the run goes on.
func retryable(ctx context.Context, err error) bool {
	if providers.IsRetryable(err) {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil
}

// do runs op until it succeeds, fails with an error that is not retryable,
// or has been retried maxTries times. Before every attempt it waits while
// the run is paused. part is the part number for Retry events (0 for a
// whole file).
func (e *engine) do(path string, part int, op func(ctx context.Context) error) error {
	// Retries the provider's own client makes inside one call are reported
	// too, so every retry is an event and counted.
	ctx := providers.WithRetryReporter(e.ctx, func(r providers.RetryReport) {
		e.countRetry(r.Err)
		e.ev.emit(Retry{Path: path, Part: part, Attempt: r.Attempt, Wait: r.Wait, Err: r.Err, Internal: true})
	})
	for attempt := 1; ; attempt++ {
		if err := e.ctl.gate(e.ctx); err != nil {
			return err
		}
		err := op(ctx)
		if err == nil {
			e.out.succeeded()
			return nil
		}
		if e.ctx.Err() != nil {
			return err
		}
		if e.out.failed(path, err) {
			e.stopUnreachable(err)
		}
		if !retryable(e.ctx, err) {
			e.checkLocation(err)
			return err
		}
		if e.out.isDown() {
			// The run stopped because the store is gone; retrying each
			// request in flight would only delay the message.
			return err
		}
		if attempt > e.s.maxTries {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		wait := backoff.Wait(e.s.BaseBackoff, e.s.MaxBackoff, attempt, err)
		e.countRetry(err)
		e.ev.emit(Retry{Path: path, Part: part, Attempt: attempt, Wait: wait, Err: err})
		select {
		case <-time.After(wait):
		case <-e.ctx.Done():
			return err
		case <-e.out.down:
			return err
		}
	}
}

// outage tracks connection-level failures (providers.ErrNetwork) since the
// last request that succeeded, so a store that is gone stops the run with
// one message instead of failing every file after all its retries.
type outage struct {
	timeout time.Duration
	mu      sync.Mutex
	since   time.Time // first failure since the last success; zero when none
	fails   int
	files   map[string]bool
	// down is closed once the run stops for it.
	down     chan struct{}
	downOnce sync.Once
}

func newOutage(timeout time.Duration) *outage {
	return &outage{timeout: timeout, down: make(chan struct{})}
}

// minOutageFailures is how many connection-level failures, with none
// succeeding in between, it takes to call the store gone.
const minOutageFailures = 3

func (o *outage) succeeded() {
	o.mu.Lock()
	o.since, o.fails, o.files = time.Time{}, 0, nil
	o.mu.Unlock()
}

// failed records a failed request and reports whether the store now counts
// as gone: enough connection-level failures with none succeeding, for
// longer than the timeout, or at once when retrying cannot help (a host
// name that does not resolve, a certificate that is not trusted).
func (o *outage) failed(path string, err error) bool {
	if !errors.Is(err, providers.ErrNetwork) {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	if o.since.IsZero() {
		o.since = now
	}
	o.fails++
	if o.files == nil {
		o.files = map[string]bool{}
	}
	o.files[path] = true
	if o.fails < minOutageFailures {
		return false
	}
	return !providers.IsRetryable(err) || now.Sub(o.since) >= o.timeout
}

// span says for how long and across how many files requests have failed.
func (o *outage) span() (time.Duration, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return time.Since(o.since), len(o.files)
}

func (o *outage) isDown() bool {
	select {
	case <-o.down:
		return true
	default:
		return false
	}
}

// stopUnreachable halts the run as a location error: the store cannot be
// reached, and files not yet attempted are left for the next run.
func (e *engine) stopUnreachable(err error) {
	d, files := e.out.span()
	hint := ""
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Hint != "" {
		hint = "; " + pe.Hint
	}
	e.setFatal(&locationError{
		msg: fmt.Sprintf("export stopped: the location cannot be reached: no request to it succeeded for %s (%d files tried): run `stowage test %s` (%v%s); files not yet exported are left for the next run",
			d.Round(100*time.Millisecond), files, e.loc, err, hint),
		err: err,
	})
	e.out.downOnce.Do(func() { close(e.out.down) })
}

// retryCounts counts a run's retries (or ignored entries) by reason, for
// the summary.
type retryCounts struct {
	mu      sync.Mutex
	total   int
	reasons map[string]int
}

// countRetry counts one retry of any layer under its reason: the kind of
// storage error ("throttled", "network error", "server error").
func (e *engine) countRetry(err error) {
	reason := "other"
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Kind != nil {
		reason = pe.Kind.Error()
	} else if errors.Is(err, context.DeadlineExceeded) {
		reason = "request timed out"
	}
	e.retries.add(reason)
}

func (c *retryCounts) add(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total++
	if c.reasons == nil {
		c.reasons = map[string]int{}
	}
	c.reasons[reason]++
}

func (c *retryCounts) snapshot() (int, map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.reasons) == 0 {
		return c.total, nil
	}
	return c.total, maps.Clone(c.reasons)
}
