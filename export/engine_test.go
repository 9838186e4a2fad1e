package export

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/providers"
)

func TestRetryableErrors(t *testing.T) {
	live := context.Background()
	dead, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		err  error
		want bool
	}{
		{"throttled", live, &providers.Error{Kind: providers.ErrThrottled, Retryable: true}, true},
		{"access denied", live, &providers.Error{Kind: providers.ErrAccessDenied}, false},
		{"request deadline", live, context.DeadlineExceeded, true},
		{"run cancelled", dead, context.DeadlineExceeded, false},
		{"plain error", live, errors.New("boom"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := retryable(c.ctx, c.err); got != c.want {
				t.Fatalf("retryable = %v, want %v", got, c.want)
			}
		})
	}
}

func TestTrackerThroughputAndETA(t *testing.T) {
	start := time.Unix(1000, 0)
	tr := newTracker(start)
	tr.counting.Store(false)
	tr.bytesTotal.Store(100 << 20)
	for i := 1; i <= 20; i++ {
		tr.bytesDone.Add(1 << 20) // 1 MiB per second
		tr.sample(start.Add(time.Duration(i) * time.Second))
	}
	s := tr.snapshot()
	if s.Throughput < 0.99*(1<<20) || s.Throughput > 1.01*(1<<20) {
		t.Fatalf("throughput %.0f B/s, want about 1 MiB/s", s.Throughput)
	}
	if s.ETA < 79*time.Second || s.ETA > 81*time.Second {
		t.Fatalf("ETA %s, want about 80s for 80 MiB at 1 MiB/s", s.ETA)
	}
	// A retry rolling in-flight bytes back is not negative throughput.
	tr.inflight.Store(-5 << 20)
	tr.sample(start.Add(21 * time.Second))
	if tr.snapshot().Throughput < 0 {
		t.Fatal("negative throughput after a rollback")
	}
}

func TestMemoryBudgetBoundsRequests(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 8; i++ {
		rel := "f" + string(rune('a'+i)) + ".wav"
		e.write(t, rel, content(rel, 600))
	}
	var cur, peak atomic.Int64
	rec := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
		c := cur.Add(1)
		for {
			p := peak.Load()
			if c <= p || peak.CompareAndSwap(p, c) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
		cur.Add(-1)
		return nil
	}}
	o := e.opts()
	o.Concurrency = 8
	o.MemoryBudget = 1000 // room for one 600-byte request at a time
	sum, err := Run(context.Background(), rec, "t", o)
	if err != nil || sum.Files != 8 {
		t.Fatalf("Run: %v, %+v", err, sum)
	}
	if peak.Load() != 1 {
		t.Fatalf("%d requests in flight at once, want 1 under the budget", peak.Load())
	}
}
