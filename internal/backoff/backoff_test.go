package backoff

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/providers"
)

func TestWait(t *testing.T) {
	base, max := 200*time.Millisecond, 20*time.Second
	plain := &providers.Error{Kind: providers.ErrThrottled, Retryable: true}
	cases := []struct {
		attempt  int
		err      error
		min, cap time.Duration
	}{
		{1, plain, 0, 200 * time.Millisecond},
		{3, plain, 0, 800 * time.Millisecond},
		{30, plain, 0, max},
		{200, plain, 0, max},
		{2, nil, 0, 400 * time.Millisecond},
		{1, &providers.Error{Kind: providers.ErrThrottled, Retryable: true, RetryAfter: 3}, 3 * time.Second, 3 * time.Second},
		{40, &providers.Error{Kind: providers.ErrThrottled, Retryable: true, RetryAfter: 60}, 60 * time.Second, 60 * time.Second},
		{1, fmt.Errorf("put: %w", &providers.Error{Kind: providers.ErrThrottled, RetryAfter: 2}), 2 * time.Second, 2 * time.Second},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("attempt %d %v", c.attempt, c.err), func(t *testing.T) {
			for i := 0; i < 200; i++ {
				w := Wait(base, max, c.attempt, c.err)
				if w < c.min || w > c.cap {
					t.Fatalf("wait %s outside [%s, %s]", w, c.min, c.cap)
				}
			}
		})
	}
}

// TestWaitJitters fails if every wait is the same, which full jitter makes
// vanishingly unlikely over 200 draws.
func TestWaitJitters(t *testing.T) {
	seen := map[time.Duration]bool{}
	for i := 0; i < 200; i++ {
		seen[Wait(time.Second, time.Minute, 5, nil)] = true
	}
	if len(seen) < 2 {
		t.Fatalf("200 waits took %d distinct values", len(seen))
	}
}

func TestSleep(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"elapses", context.Background(), time.Millisecond, nil},
		{"cancelled", done, time.Hour, context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := Sleep(c.ctx, c.d); !errors.Is(err, c.want) {
				t.Fatalf("Sleep = %v, want %v", err, c.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct {
		name            string
		retries         int
		base, max       time.Duration
		wantTries       int
		wantBase, wantM time.Duration
	}{
		{"zero values", 0, 0, 0, DefaultMaxRetries, DefaultBase, DefaultMax},
		{"no retries", -1, 0, 0, 0, DefaultBase, DefaultMax},
		{"explicit", 3, time.Second, time.Minute, 3, time.Second, time.Minute},
		{"negative durations", 2, -time.Second, -time.Second, 2, DefaultBase, DefaultMax},
		{"max below base", 1, time.Minute, time.Second, 1, time.Minute, time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tries, b, m := Normalize(c.retries, c.base, c.max)
			if tries != c.wantTries || b != c.wantBase || m != c.wantM {
				t.Fatalf("Normalize = %d, %s, %s; want %d, %s, %s", tries, b, m, c.wantTries, c.wantBase, c.wantM)
			}
		})
	}
}
