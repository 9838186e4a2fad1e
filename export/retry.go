package export

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/stowage-dev/stowage/internal/backoff"
	"github.com/stowage-dev/stowage/internal/humanize"
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
	// The requests are cancelled once the run stops because the store is
	// gone, so it does not wait out the SDK's own backoff.
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	defer context.AfterFunc(e.gone, cancel)()
	// Retries the provider's own client makes inside one call are reported
	// too, so every retry is an event and counted.
	ctx = providers.WithRetryReporter(ctx, func(r providers.RetryReport) {
		e.countRetry(r.Err)
		e.ev.emit(Retry{Path: path, Part: part, Attempt: r.Attempt, Wait: r.Wait, Err: r.Err, Internal: true})
		// A failed attempt inside the SDK is a failed request too: a store
		// that is gone is noticed while the SDK is still retrying.
		if e.out.Failed(path, r.Err) {
			e.stopUnreachable(r.Err)
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
			// Cancelled because the store is gone: the file is left for
			// the next run, like those not started.
			return fmt.Errorf("%w: %w", errGone, err)
		}
		if e.out.Failed(path, err) {
			e.stopUnreachable(err)
		}
		if !retryable(e.ctx, err) {
			e.checkLocation(err)
			return err
		}
		if e.out.IsDown() {
			// The run stopped because the store is gone; retrying each
			// request in flight would only delay the message, and the file
			// is left for the next run.
			return fmt.Errorf("%w: %w", errGone, err)
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
		case <-e.out.Down():
			// Waiting to retry when the store was called gone: left for
			// the next run too.
			return fmt.Errorf("%w: %w", errGone, err)
		}
	}
}

// stopUnreachable halts the run as a location error: the store cannot be
// reached, and files not yet attempted are left for the next run.
func (e *engine) stopUnreachable(err error) {
	d, files := e.out.Span()
	hint := ""
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Hint != "" {
		hint = "; " + pe.Hint
	}
	e.setFatal(&locationError{
		msg: fmt.Sprintf("export stopped: the location cannot be reached: no request to it succeeded for %s (%s tried): run `stowage test %s` (%v%s); files not yet exported are left for the next run",
			d.Round(100*time.Millisecond), humanize.Count(files, "file"), e.loc, err, hint),
		err: err,
	})
	e.out.MarkDown()
	e.goneCancel()
}

// errGone marks a request cancelled because the run stopped for a store
// that is gone: its file is interrupted, not failed.
var errGone = errors.New("stopped: the location cannot be reached")

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
