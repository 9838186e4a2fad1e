package download

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/providers/local"
)

// heldStore is a real local location whose GETs wait until open is
// closed, so a test can stop or pause with downloads in flight; gets
// counts every GET that reached the store.
type heldStore struct {
	*local.Provider
	open    chan struct{}
	started chan string
	gets    atomic.Int64
}

func (h *heldStore) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, providers.Object, error) {
	h.gets.Add(1)
	select {
	case h.started <- key:
	default:
	}
	select {
	case <-h.open:
	case <-ctx.Done():
		return nil, providers.Object{}, ctx.Err()
	}
	return h.Provider.Get(ctx, key, offset, length)
}

func heldWith(t *testing.T, n, size int) *heldStore {
	t.Helper()
	root := t.TempDir()
	for i := range n {
		p := filepath.Join(root, fmt.Sprintf("2026/05/call-%04d.wav", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.Repeat(string(rune('a'+i%26)), size)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := local.New("nas", root)
	if err != nil {
		t.Fatal(err)
	}
	return &heldStore{Provider: p, open: make(chan struct{}), started: make(chan string, 64)}
}

func partials(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, PartialSuffix) {
			n++
		}
		return nil
	})
	return n
}

func waitStarted(t *testing.T, h *heldStore, n int) {
	t.Helper()
	for range n {
		select {
		case <-h.started:
		case <-time.After(10 * time.Second):
			t.Fatal("no download started")
		}
	}
}

type runResult struct {
	res Result
	err error
}

// TestControllerStops: Stop finishes the objects in flight and starts no
// other; cancelling the context abandons them.
func TestControllerStops(t *testing.T) {
	for _, hard := range []bool{false, true} {
		t.Run(fmt.Sprintf("hard=%v", hard), func(t *testing.T) {
			h := heldWith(t, 20, 512)
			ctl := NewController()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := Options{Location: "nas", Dest: filepath.Join(t.TempDir(), "out"), Concurrency: 3, Controller: ctl}
			got := make(chan runResult, 1)
			go func() {
				res, err := Run(ctx, h, opts)
				got <- runResult{res, err}
			}()
			waitStarted(t, h, 3)
			ctl.Stop()
			if !ctl.Stopping() || !ctl.Stats().Stopping {
				t.Fatal("Stopping is false after Stop")
			}
			if hard {
				cancel()
			}
			select {
			case r := <-got:
				if !hard {
					t.Fatalf("the run ended before its downloads in flight finished: %+v", r)
				}
				got <- r
			case <-time.After(200 * time.Millisecond):
			}
			close(h.open)
			r := <-got
			wantErr, wantDone := error(ErrStopped), 3
			if hard {
				wantErr, wantDone = context.Canceled, 0
			}
			if !errors.Is(r.err, wantErr) || !Stopped(r.res, r.err) {
				t.Fatalf("err %v, stopped %v; want %v", r.err, Stopped(r.res, r.err), wantErr)
			}
			if r.res.FilesDone != wantDone || r.res.FilesFailed != 0 || h.gets.Load() != 3 {
				t.Fatalf("%+v after %d GETs, want %d done, none failed, no GET after the stop", r.res.Stats, h.gets.Load(), wantDone)
			}
			if !hard && partials(t, opts.Dest) != 0 {
				t.Fatal("a graceful stop left partial files")
			}
			// The rerun fetches the rest.
			again, err := Run(context.Background(), h.Provider, Options{Location: "nas", Dest: opts.Dest})
			if err != nil || again.FilesDone != 20-wantDone || again.FilesSkipped != wantDone {
				t.Fatalf("rerun: %v %+v", err, again.Stats)
			}
		})
	}
}

// TestControllerPauseThenStop: a paused download sends no new request, and
// stopped while paused it starts nothing new either; the objects it held
// resume on the next run.
func TestControllerPauseThenStop(t *testing.T) {
	h := heldWith(t, 30, 512)
	ctl := NewController()
	opts := Options{Location: "nas", Dest: filepath.Join(t.TempDir(), "out"), Concurrency: 2, Controller: ctl}
	got := make(chan runResult, 1)
	go func() {
		res, err := Run(context.Background(), h, opts)
		got <- runResult{res, err}
	}()
	waitStarted(t, h, 2)
	ctl.Pause()
	if !ctl.Stats().Paused {
		t.Fatal("Stats does not show the pause")
	}
	close(h.open) // the two in flight finish
	deadline := time.Now().Add(10 * time.Second)
	for ctl.Stats().FilesDone < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the downloads in flight did not finish")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if n := h.gets.Load(); n != 2 {
		t.Fatalf("%d GETs while paused, want only the 2 in flight", n)
	}
	ctl.Stop()
	r := <-got
	if !errors.Is(r.err, ErrStopped) || r.res.FilesDone != 2 || h.gets.Load() != 2 {
		t.Fatalf("stopped while paused: err %v, %+v, %d GETs", r.err, r.res.Stats, h.gets.Load())
	}
	again, err := Run(context.Background(), h.Provider, Options{Location: "nas", Dest: opts.Dest})
	if err != nil || again.FilesDone != 28 || again.FilesSkipped != 2 {
		t.Fatalf("rerun: %v %+v", err, again.Stats)
	}
}

// TestControllerProgressCountsRanges: a large object fetched in ranges
// reports its bytes on disk as they arrive, for its bar, and is dropped
// once it is done.
func TestControllerProgressCountsRanges(t *testing.T) {
	h := heldWith(t, 1, 4<<20)
	ctl := NewController()
	opts := Options{Location: "nas", Dest: filepath.Join(t.TempDir(), "out"), Concurrency: 4, Controller: ctl,
		RangeThreshold: 1 << 20, RangeSize: 1 << 20}
	var seen atomic.Int64
	opts.Events = func(ev Event) {
		if _, ok := ev.(FileDone); ok {
			seen.Store(ctl.Progress()["2026/05/call-0000.wav"])
		}
	}
	got := make(chan runResult, 1)
	go func() {
		res, err := Run(context.Background(), h, opts)
		got <- runResult{res, err}
	}()
	waitStarted(t, h, 1)
	if pr := ctl.Progress(); pr["2026/05/call-0000.wav"] != 0 {
		t.Fatalf("progress before any byte arrived: %v", pr)
	}
	close(h.open)
	r := <-got
	if r.err != nil || r.res.FilesDone != 1 {
		t.Fatalf("%v %+v", r.err, r.res.Stats)
	}
	if n := seen.Load(); n != 4<<20 {
		t.Fatalf("progress at FileDone %d, want %d", n, 4<<20)
	}
	if pr := ctl.Progress(); len(pr) != 0 {
		t.Fatalf("progress kept after the object finished: %v", pr)
	}
}
