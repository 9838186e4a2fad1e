package serve

import (
	"sync"
	"time"
)

// failureLimiter counts failed code attempts per remote address in a
// sliding window; an address over the limit is refused until its oldest
// failure leaves the window, even with a good code.
type failureLimiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newFailureLimiter(max int, window time.Duration) *failureLimiter {
	return &failureLimiter{max: max, window: window, fails: map[string][]time.Time{}}
}

// prune drops the failures of addr older than the window; mu is held.
func (l *failureLimiter) prune(addr string, now time.Time) []time.Time {
	f := l.fails[addr]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= l.window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, addr)
	} else {
		l.fails[addr] = f
	}
	return f
}

// blocked says whether addr has used up its attempts, and until when.
func (l *failureLimiter) blocked(addr string, now time.Time) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.prune(addr, now)
	if len(f) < l.max {
		return false, time.Time{}
	}
	return true, f[0].Add(l.window)
}

func (l *failureLimiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(addr, now)
	l.fails[addr] = append(l.fails[addr], now)
}
