package export

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

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

// backoff is exponential with full jitter: a uniform wait in
// [0, min(max, base·2^(attempt-1))], so many workers retrying after one
// outage do not come back in lockstep. A Retry-After from the store is a
// floor.
func backoff(base, max time.Duration, attempt int, err error) time.Duration {
	ceil := max
	if attempt-1 < 40 {
		if c := base << (attempt - 1); c > 0 && c < max {
			ceil = c
		}
	}
	wait := time.Duration(rand.Int64N(int64(ceil) + 1))
	var pe *providers.Error
	if errors.As(err, &pe) && pe.RetryAfter > 0 {
		if ra := time.Duration(pe.RetryAfter) * time.Second; ra > wait {
			wait = ra
		}
	}
	return wait
}

// do runs op until it succeeds, fails with an error that is not retryable,
// or has been retried maxTries times. Before every attempt it waits while
// the run is paused. part is the part number for Retry events (0 for a
// whole file).
func (e *engine) do(path string, part int, op func(ctx context.Context) error) error {
	ctx := e.ctx
	for attempt := 1; ; attempt++ {
		if err := e.ctl.gate(ctx); err != nil {
			return err
		}
		err := op(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		if !retryable(ctx, err) {
			e.checkLocation(err)
			return err
		}
		if attempt > e.s.maxTries {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		wait := backoff(e.s.BaseBackoff, e.s.MaxBackoff, attempt, err)
		e.ev.emit(Retry{Path: path, Part: part, Attempt: attempt, Wait: wait, Err: err})
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}
