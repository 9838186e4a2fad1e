package azure

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/stowage-dev/stowage/providers"
)

// sdkRetry is the Azure SDK's own retrying: the export engine retries whole
// parts with its own backoff and journal; a short SDK retry covers blips
// without hiding outages. RetryDelay and MaxRetryDelay are the SDK's
// defaults (800 ms, growing exponentially, at most 60 s), written out so
// the reported waits match them (the SDK adds ±25% jitter).
var sdkRetry = policy.RetryOptions{MaxRetries: 2, RetryDelay: 800 * time.Millisecond, MaxRetryDelay: 60 * time.Second}

// retryStatus are the answers the SDK retries by default.
var retryStatus = []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
	http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}

// reported returns ctx with per-call retry options that tell the context's
// retry reporter (providers.WithRetryReporter) of every attempt the SDK
// retries inside this call, with the attempt's error classified as the
// call's would be. Without a reporter it returns ctx. Call it once per SDK
// call: the attempt count is the call's.
func (p *Provider) reported(ctx context.Context, op, name string) context.Context {
	report := providers.RetryReporter(ctx)
	if report == nil {
		return ctx
	}
	o := sdkRetry
	tries := 0
	o.ShouldRetry = func(resp *http.Response, err error) bool {
		// The SDK asks after every failed try, the last one included, and
		// has already stopped for a cancelled context or a non-retriable
		// error.
		if err == nil && !runtime.HasStatusCode(resp, retryStatus...) {
			return false
		}
		tries++
		if tries > int(o.MaxRetries) {
			return true // the SDK gives up now; the call's error says why
		}
		wait := time.Duration(1<<tries-1) * o.RetryDelay
		if resp != nil {
			if s, aerr := strconv.Atoi(resp.Header.Get("Retry-After")); aerr == nil && s > 0 {
				wait = time.Duration(s) * time.Second
				if wait > o.MaxRetryDelay {
					return true // the SDK does not wait that long: no retry
				}
			}
		}
		wait = min(wait, o.MaxRetryDelay)
		cause := err
		if cause == nil {
			cause = runtime.NewResponseError(resp)
		}
		report(providers.RetryReport{Op: op, Attempt: tries, Wait: wait, Err: p.mapErr(op, name, cause)})
		return true
	}
	return policy.WithRetryOptions(ctx, o)
}
