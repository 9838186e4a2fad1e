package export

import (
	"context"
	"errors"
	"fmt"

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
		wait := backoff.Wait(e.s.BaseBackoff, e.s.MaxBackoff, attempt, err)
		e.ev.emit(Retry{Path: path, Part: part, Attempt: attempt, Wait: wait, Err: err})
		if backoff.Sleep(ctx, wait) != nil {
			return err
		}
	}
}
