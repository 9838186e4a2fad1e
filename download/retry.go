package download

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/stowage-dev/stowage/providers"
)

// backoff is exponential with full jitter: a uniform wait in
// [0, min(max, base·2^(attempt-1))], so many workers retrying after one
// outage do not return in lockstep. A Retry-After from the store is a
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
