// Package outage tells a store that is gone from one that fails now and
// then: the export and download engines stop a run with one message once
// every request has failed for connection-level reasons for a while,
// instead of failing each file after all its retries.
package outage

import (
	"errors"
	"sync"
	"time"

	"github.com/stowage-dev/stowage/providers"
)

// MinFailures is how many connection-level failures, with none succeeding
// in between, it takes to call the store gone.
const MinFailures = 3

// Tracker counts connection-level failures (providers.ErrNetwork) since
// the last request that succeeded. It is safe for concurrent use.
type Tracker struct {
	timeout time.Duration
	mu      sync.Mutex
	since   time.Time // first failure since the last success; zero when none
	fails   int
	items   map[string]bool
	// down is closed once the run stops for it.
	down     chan struct{}
	downOnce sync.Once
}

// New returns a tracker that calls the store gone after failures lasting
// timeout.
func New(timeout time.Duration) *Tracker {
	return &Tracker{timeout: timeout, down: make(chan struct{})}
}

// Succeeded records a request that worked.
func (o *Tracker) Succeeded() {
	o.mu.Lock()
	o.since, o.fails, o.items = time.Time{}, 0, nil
	o.mu.Unlock()
}

// Failed records a failed request for item (a file or key) and reports
// whether the store now counts as gone: enough connection-level failures
// with none succeeding, for longer than the timeout, or at once when
// retrying cannot help (a host name that does not resolve, a certificate
// that is not trusted).
func (o *Tracker) Failed(item string, err error) bool {
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
	if o.items == nil {
		o.items = map[string]bool{}
	}
	o.items[item] = true
	if o.fails < MinFailures {
		return false
	}
	return !providers.IsRetryable(err) || now.Sub(o.since) >= o.timeout
}

// Span says for how long and across how many items requests have failed.
func (o *Tracker) Span() (time.Duration, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return time.Since(o.since), len(o.items)
}

// MarkDown closes Down, once.
func (o *Tracker) MarkDown() { o.downOnce.Do(func() { close(o.down) }) }

// Down is closed once the run stopped because the store is gone.
func (o *Tracker) Down() <-chan struct{} { return o.down }

// IsDown reports whether MarkDown was called.
func (o *Tracker) IsDown() bool {
	select {
	case <-o.down:
		return true
	default:
		return false
	}
}
