package s3

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/providers"
)

// reported returns the per-call option that tells the context's retry
// reporter (providers.WithRetryReporter) of every attempt the SDK retries,
// with the attempt's error classified as the call's would be. Without a
// reporter it changes nothing.
func (p *Provider) reported(ctx context.Context, op, action string, bucketLevel bool) func(*s3.Options) {
	report := providers.RetryReporter(ctx)
	return func(o *s3.Options) {
		if report == nil || o.Retryer == nil {
			return
		}
		n := 0
		o.Retryer = &reportingRetryer{Retryer: o.Retryer, report: func(wait time.Duration, err error) {
			n++
			report(providers.RetryReport{Op: op, Attempt: n, Wait: wait, Err: p.mapErr(op, action, bucketLevel, err)})
		}}
	}
}

// reportingRetryer is the SDK's retryer with a hook: the retry loop asks
// for the delay only when it is about to try again, so RetryDelay sees
// every retry and nothing else. One is made per call, so its attempt count
// is the call's.
type reportingRetryer struct {
	aws.Retryer
	report func(wait time.Duration, err error)
}

func (r *reportingRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.Retryer.RetryDelay(attempt, err)
	if derr == nil {
		r.report(d, err)
	}
	return d, derr
}

// GetAttemptToken keeps the wrapped retryer's rate limiting (aws.RetryerV2).
func (r *reportingRetryer) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	if v2, ok := r.Retryer.(aws.RetryerV2); ok {
		return v2.GetAttemptToken(ctx)
	}
	return r.Retryer.GetInitialToken(), nil
}

var _ aws.RetryerV2 = (*reportingRetryer)(nil)
