package downloadui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/providers/local"
	"github.com/stowage-dev/stowage/tui/progressui"
)

// storeWith creates a local-folder location holding n objects of size
// bytes, and returns it.
func storeWith(t *testing.T, n, size int) *local.Provider {
	t.Helper()
	root := t.TempDir()
	if err := progressui.WriteCalls(root, 2026, n, size); err != nil {
		t.Fatal(err)
	}
	p, err := local.New("nas", root)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func dlOptions(t *testing.T, concurrency int) download.Options {
	return download.Options{
		Location: "nas", Dest: filepath.Join(t.TempDir(), "out"), Concurrency: concurrency,
		StatsInterval: 50 * time.Millisecond,
	}
}

// held is a real local location whose reads wait until the test opens the
// gate, so keys can be pressed while downloads are in flight.
type held struct {
	*local.Provider
	open    chan struct{}
	started chan string
}

func (h *held) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, providers.Object, error) {
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

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".wav") {
			n++
		}
		return nil
	})
	return n
}

func finalFrame(t *testing.T, tm *teatest.TestModel) (*model, string) {
	t.Helper()
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second)).(*model)
	if !ok {
		t.Fatal("final model is not the download screen")
	}
	return fm, ansi.Strip(fm.View().Content)
}

// TestScreenRunsRealDownload downloads a small local-folder location
// through the screen, in a program, to its summary frame.
func TestScreenRunsRealDownload(t *testing.T) {
	p := storeWith(t, 60, 4096)
	opts := dlOptions(t, 4)
	s := startSession(context.Background(), p, opts)
	tm := teatest.NewTestModel(t, newModel("nas", opts.Dest, s, "stowage download nas "+opts.Dest), teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("Download of nas finished"))
	}, teatest.WithDuration(20*time.Second))
	fm, f := finalFrame(t, tm)
	requireFits(t, f, 80, 24)
	for _, want := range []string{"Download of nas finished", "100.0%", "downloaded 60 files (240.0 KiB verified)", "skipped    0 files", "failed     0 files", "journal"} {
		if !strings.Contains(f, want) {
			t.Errorf("summary lacks %q:\n%s", want, f)
		}
	}
	if strings.Contains(f, "To continue") {
		t.Errorf("a finished run shows a resume command:\n%s", f)
	}
	if fm.end.Err != nil || fm.end.Stopped || fm.end.Result.FilesDone != 60 {
		t.Fatalf("run: %+v", fm.end)
	}
	if n := countFiles(t, opts.Dest); n != 60 {
		t.Fatalf("%d files downloaded, want 60", n)
	}
}

// TestScreenGracefulStop presses q while two downloads are held in flight:
// they finish and are verified, nothing else is fetched, the run reports
// stopped and the summary shows how to continue; the rerun gets the rest.
func TestScreenGracefulStop(t *testing.T) {
	base := storeWith(t, 30, 1024)
	p := &held{Provider: base, open: make(chan struct{}), started: make(chan string, 4)}
	opts := dlOptions(t, 2)
	s := startSession(context.Background(), p, opts)
	tm := teatest.NewTestModel(t, newModel("nas", opts.Dest, s, "stowage download nas "+opts.Dest), teatest.WithInitialTermSize(80, 24))
	for range 2 {
		select {
		case <-p.started:
		case <-time.After(10 * time.Second):
			t.Fatal("no download started")
		}
	}
	tm.Send(press("q"))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("STOPPING")) },
		teatest.WithDuration(10*time.Second))
	close(p.open)
	fm, f := finalFrame(t, tm)
	requireFits(t, f, 80, 24)
	for _, want := range []string{"Download of nas stopped", "downloaded 2 files", "To continue where it stopped, run:", "stowage download nas"} {
		if !strings.Contains(f, want) {
			t.Errorf("summary lacks %q:\n%s", want, f)
		}
	}
	if !fm.end.Stopped || fm.end.Result.FilesDone != 2 || fm.end.Result.FilesFailed != 0 {
		t.Fatalf("run: stopped %v, %+v", fm.end.Stopped, fm.end.Result.Stats)
	}
	if n := countFiles(t, opts.Dest); n != 2 {
		t.Fatalf("%d files in the destination after the stop, want the 2 in flight", n)
	}

	// The rerun skips the two and fetches the other 28.
	res, err := download.Run(context.Background(), base, opts)
	if err != nil || res.FilesSkipped != 2 || res.FilesDone != 28 {
		t.Fatalf("rerun: %v, %+v", err, res.Stats)
	}
}

// TestRunStop drives the graceful and hard stops of Run without a screen.
func TestRunStop(t *testing.T) {
	tests := []struct {
		name     string
		hard     bool
		wantDone int
	}{
		{"graceful finishes what is in flight", false, 3},
		{"hard abandons it", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := storeWith(t, 20, 512)
			p := &held{Provider: base, open: make(chan struct{}), started: make(chan string, 8)}
			opts := dlOptions(t, 3)
			r := Start(context.Background(), p, opts)
			for range 3 {
				select {
				case <-p.started:
				case <-time.After(10 * time.Second):
					t.Fatal("no download started")
				}
			}
			if !r.Stop() || r.Stop() {
				t.Fatal("Stop should report true once, then false")
			}
			if !r.Stopping() {
				t.Fatal("Stopping is false after Stop")
			}
			if tt.hard {
				r.Kill()
			}
			select {
			case <-r.Done():
				if !tt.hard {
					t.Fatal("the run ended before its downloads in flight finished")
				}
			case <-time.After(200 * time.Millisecond):
			}
			close(p.open)
			res, stopped, err := r.Wait()
			if !stopped || !errors.Is(err, context.Canceled) {
				t.Fatalf("stopped %v, err %v", stopped, err)
			}
			if res.FilesDone != tt.wantDone || res.FilesFailed != 0 {
				t.Fatalf("%+v, want %d done and none failed", res.Stats, tt.wantDone)
			}
			if n := countFiles(t, opts.Dest); n != tt.wantDone {
				t.Fatalf("%d files on disk, want %d", n, tt.wantDone)
			}
			if r.InFlight() != 0 {
				t.Fatalf("%d still in flight after the end", r.InFlight())
			}
		})
	}
}

// TestRunProgressCountsRanges: a large object fetched in ranges reports
// its bytes as they arrive, for its bar.
func TestRunProgressCountsRanges(t *testing.T) {
	base := storeWith(t, 1, 4<<20)
	p := &held{Provider: base, open: make(chan struct{}), started: make(chan string, 8)}
	opts := dlOptions(t, 4)
	opts.RangeThreshold, opts.RangeSize = 1<<20, 1<<20
	var got []download.FileStarted
	opts.Events = func(ev download.Event) {
		if fs, ok := ev.(download.FileStarted); ok {
			got = append(got, fs)
		}
	}
	r := Start(context.Background(), p, opts)
	<-p.started
	if pr := r.Progress(); len(pr) != 0 {
		t.Fatalf("progress before any byte arrived: %v", pr)
	}
	close(p.open)
	res, stopped, err := r.Wait()
	if err != nil || stopped || res.FilesDone != 1 {
		t.Fatalf("%v %v %+v", err, stopped, res.Stats)
	}
	if len(got) != 1 || got[0].Ranges != 4 {
		t.Fatalf("FileStarted %+v, want one with 4 ranges", got)
	}
	if pr := r.Progress(); len(pr) != 0 {
		t.Fatalf("progress kept after the object finished: %v", pr)
	}
}

// TestGateProgress checks the byte counts per object and offset.
func TestGateProgress(t *testing.T) {
	g := &gate{admitted: map[string]bool{}, read: map[string]map[int64]int64{}, base: map[string]int64{}, rangeSize: 10, cancel: func() {}}
	g.observe(download.FileStarted{Key: "big", Size: 100, Ranges: 10, Resumed: 3})
	g.started("big", 30, 10)
	g.add("big", 30, 10)
	g.started("big", 40, 10)
	g.add("big", 40, 4)
	g.started("small", 0, -1)
	g.add("small", 0, 7)
	g.started("small", 7, -1) // resumed after a cut
	g.add("small", 7, 3)
	want := map[string]int64{"big": 30 + 10 + 4, "small": 10}
	got := g.progress()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d, want %d", k, got[k], v)
		}
	}
	g.started("small", 0, -1) // started over on a new version
	if n := g.progress()["small"]; n != 0 {
		t.Errorf("small after starting over: %d, want 0", n)
	}
	g.observe(download.FileDone{Key: "big"})
	if _, ok := g.progress()["big"]; ok {
		t.Error("big still has progress after FileDone")
	}
}

// TestRunDownloadScreen runs the exported entry point with a pipe as the
// terminal (drawn at 80×24) and checks the summary frame on it.
func TestRunDownloadScreen(t *testing.T) {
	p := storeWith(t, 5, 100)
	opts := dlOptions(t, 2)
	var out bytes.Buffer
	res, err := RunDownloadScreen(context.Background(), p, opts, Screen{
		In: strings.NewReader(""), Out: &out, Env: []string{"NO_COLOR=1", "TERM=xterm"}, NoSignals: true,
	})
	if err != nil || !res.Started || res.Stopped || res.FilesDone != 5 {
		t.Fatalf("%v %+v", err, res)
	}
	f := ansi.Strip(out.String())
	if !strings.Contains(f, "Download of nas finished") {
		t.Fatalf("no summary in the output:\n%s", f)
	}
	if strings.Contains(out.String(), "\x1b[3") {
		t.Errorf("NO_COLOR output has foreground colours: %q", out.String())
	}
}

// TestRunDownloadScreenNotStarted: a run that cannot start (bad options)
// is reported on the frame, not drawn as a run.
func TestRunDownloadScreenNotStarted(t *testing.T) {
	p := storeWith(t, 1, 10)
	opts := dlOptions(t, 1)
	opts.Concurrency = -1
	var out bytes.Buffer
	res, err := RunDownloadScreen(context.Background(), p, opts, Screen{In: strings.NewReader(""), Out: &out, NoSignals: true})
	if err == nil || res.Started {
		t.Fatalf("bad options started a run: %v %+v", err, res)
	}
	if f := ansi.Strip(out.String()); !strings.Contains(f, "could not start") {
		t.Fatalf("frame lacks the reason:\n%s", f)
	}
}
