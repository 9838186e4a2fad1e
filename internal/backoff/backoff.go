// Package backoff holds the retry timing that export and download share:
// exponential backoff with full jitter, the store's Retry-After as a floor,
// and the defaults of their retry options.
package backoff

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/stowage-dev/stowage/providers"
)

// Defaults of the retry options of export and download.
const (
	DefaultMaxRetries = 10
	DefaultBase       = 200 * time.Millisecond
	DefaultMax        = 20 * time.Second
)

// Wait is how long to wait before retrying attempt (1 for the first
// retry): a uniform wait in [0, min(max, base·2^(attempt-1))], so many
// workers retrying after one outage do not come back in lockstep. A
// Retry-After carried by err (a *providers.Error) is a floor.
func Wait(base, max time.Duration, attempt int, err error) time.Duration {
	ceil := max
	// Past 40 doublings the shift would overflow; max applies long before.
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

// Sleep waits d or until ctx is done; it returns ctx.Err() in that case.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}

// Normalize applies the defaults to the retry options: maxRetries zero
// means DefaultMaxRetries and negative means none (tries is the number of
// retries allowed); base and max zero or negative mean DefaultBase and
// DefaultMax, and max is raised to base when below it.
func Normalize(maxRetries int, base, max time.Duration) (tries int, b, m time.Duration) {
	switch {
	case maxRetries == 0:
		tries = DefaultMaxRetries
	case maxRetries < 0:
		tries = 0
	default:
		tries = maxRetries
	}
	if base <= 0 {
		base = DefaultBase
	}
	if max <= 0 {
		max = DefaultMax
	}
	if max < base {
		max = base
	}
	return tries, base, max
}
