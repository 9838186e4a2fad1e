package providers

import (
	"context"
	"time"
)

// RetryReport is one attempt a provider's own client retried before the
// call returned (the AWS SDK retries throttling, 5xx answers and
// connection resets by itself). The caller sees only the call's outcome;
// these reports say what happened on the way.
type RetryReport struct {
	Op      string        // Stowage's operation ("put", "upload-part")
	Attempt int           // the failed attempt within the call, 1-based
	Wait    time.Duration // before the next attempt
	Err     error         // why the attempt failed (*Error)
}

type retryReporterKey struct{}

// WithRetryReporter returns a context whose provider calls report each
// retry their client makes to fn, as net/http/httptrace reports the events
// of one request. fn may be called from the goroutine of the call.
func WithRetryReporter(ctx context.Context, fn func(RetryReport)) context.Context {
	return context.WithValue(ctx, retryReporterKey{}, fn)
}

// RetryReporter returns the function WithRetryReporter set, or nil.
func RetryReporter(ctx context.Context) func(RetryReport) {
	fn, _ := ctx.Value(retryReporterKey{}).(func(RetryReport))
	return fn
}
