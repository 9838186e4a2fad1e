package runctl

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestStopsEscalateOncePerRequest(t *testing.T) {
	var calls, seen []string
	s := NewStops(func() { calls = append(calls, "graceful") }, func() { calls = append(calls, "hard") })
	s.Watch(func(l Level) { seen = append(seen, []string{"running", "graceful", "hard"}[l]) })
	got := []Level{s.Request(), s.Request(), s.Request()}
	if !slices.Equal(got, []Level{Graceful, Hard, Hard}) {
		t.Fatalf("levels %v", got)
	}
	if !slices.Equal(calls, []string{"graceful", "hard"}) || !slices.Equal(seen, []string{"graceful", "hard"}) {
		t.Fatalf("calls %v, watched %v", calls, seen)
	}
}

func TestSwitchHoldsAPausedStoppedRun(t *testing.T) {
	s := New()
	if err := s.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Pause()
	got := make(chan error, 1)
	go func() { got <- s.Wait(context.Background()) }()
	select {
	case err := <-got:
		t.Fatalf("Wait returned %v while paused", err)
	case <-time.After(20 * time.Millisecond):
	}
	s.Stop()
	if err := <-got; !errors.Is(err, ErrHeld) {
		t.Fatalf("Wait after a stop while paused: %v, want ErrHeld", err)
	}
	s.Resume()
	if err := s.Wait(context.Background()); err != nil {
		t.Fatalf("Wait after Resume: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Pause()
	if err := s.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a cancelled context: %v", err)
	}
}
