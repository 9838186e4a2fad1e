package export

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/providers"
)

// TestStopWhilePausedStartsNothing is the defect of issue 9: paused at 30
// of 300 files, q, and the run ended with 37 exported. A paused run that is
// stopped sends no new request: the workers waiting out the pause leave.
func TestStopWhilePausedStartsNothing(t *testing.T) {
	for round := 0; round < 3; round++ {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			e := newEnv(t)
			const files = 300
			for i := 0; i < files; i++ {
				rel := fmt.Sprintf("f%03d.wav", i)
				e.write(t, rel, content(rel, 2000))
			}
			ctl := NewController()
			var stopped atomic.Bool
			var afterStop atomic.Int64
			rec := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
				if stopped.Load() {
					afterStop.Add(1)
				}
				time.Sleep(time.Millisecond)
				return nil
			}}
			o := e.opts()
			o.Concurrency = 32
			o.Controller = ctl
			var done atomic.Int64
			o.Events = func(ev Event) {
				if _, ok := ev.(FileDone); ok && done.Add(1) == 30 {
					ctl.Pause()
				}
			}
			type result struct {
				sum Summary
				err error
			}
			res := make(chan result, 1)
			go func() {
				sum, err := Run(context.Background(), rec, "t", o)
				res <- result{sum, err}
			}()
			// Wait until the pause holds and the requests in flight ended.
			deadline := time.Now().Add(10 * time.Second)
			for !ctl.Paused() || ctl.Stats().BytesInFlight > 0 {
				if time.Now().After(deadline) {
					t.Fatal("the run did not pause")
				}
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond)
			before := rec.putCount()
			stopped.Store(true)
			ctl.Stop()
			r := <-res
			if n := afterStop.Load(); n != 0 {
				t.Fatalf("%d requests after a stop while paused (%d puts before it); a paused run that is stopped starts nothing new", n, before)
			}
			if r.sum.Files != before {
				t.Fatalf("%d files exported, %d were when the stop came", r.sum.Files, before)
			}
			if !errors.Is(r.err, ErrStopped) || !r.sum.Stopped || r.sum.Files+r.sum.NotStarted+r.sum.Interrupted != files {
				t.Fatalf("stopped run: err %v, summary %+v", r.err, r.sum)
			}
		})
	}
}

// TestStopWhilePausedDropsARetry: a retry waiting out a pause is a new
// request; after a stop it is not sent, and the file is left for the next
// run (interrupted, not failed).
func TestStopWhilePausedDropsARetry(t *testing.T) {
	e := newEnv(t)
	e.write(t, "a.wav", content("a", 1000))
	ctl := NewController()
	var puts atomic.Int64
	rec := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
		if op == "put" && puts.Add(1) == 1 {
			ctl.Pause()
			return &providers.Error{Kind: providers.ErrThrottled, Op: op, Code: "SlowDown", Retryable: true}
		}
		return nil
	}}
	o := e.opts()
	o.Concurrency = 1
	o.Controller = ctl
	res := make(chan Summary, 1)
	errs := make(chan error, 1)
	go func() {
		sum, err := Run(context.Background(), rec, "t", o)
		res <- sum
		errs <- err
	}()
	for puts.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // past the backoff, into the pause
	ctl.Stop()
	sum, err := <-res, <-errs
	if n := puts.Load(); n != 1 {
		t.Fatalf("%d puts; the retry held by the pause was sent after the stop", n)
	}
	if !errors.Is(err, ErrStopped) || sum.Interrupted != 1 || sum.Failed != 0 {
		t.Fatalf("err %v, summary %+v; want the file interrupted, not failed", err, sum)
	}
	again, err := Run(context.Background(), e.p, "t", e.opts())
	if err != nil || again.Files != 1 {
		t.Fatalf("rerun: err %v, summary %+v", err, again)
	}
}
