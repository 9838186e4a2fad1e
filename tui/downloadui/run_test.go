package downloadui

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/internal/testenv"
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
	s := startSession(context.Background(), p, opts, nil)
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
	s := startSession(context.Background(), p, opts, nil)
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

// TestRunDownloadScreen runs the exported entry point with a pipe as the
// terminal (drawn at 80×24) and checks the summary frame on it.
func TestRunDownloadScreen(t *testing.T) {
	p := storeWith(t, 5, 100)
	opts := dlOptions(t, 2)
	var out bytes.Buffer
	res, err := RunDownloadScreen(context.Background(), p, opts, Screen{
		// CLICOLOR_FORCE colours a pipe: without NO_COLOR this output has colours.
		In: strings.NewReader(""), Out: &out, Env: []string{"NO_COLOR=1", "TERM=xterm", "CLICOLOR_FORCE=1"},
	})
	if err != nil || !res.Started || res.Stopped || res.FilesDone != 5 {
		t.Fatalf("%v %+v", err, res)
	}
	f := ansi.Strip(out.String())
	if !strings.Contains(f, "Download of nas finished") {
		t.Fatalf("no summary in the output:\n%s", f)
	}
	// Only SGR sequences set colours: the cursor moves the renderer draws
	// with (ESC[3A, ESC[36C) depend on which frames a run redraws, and a
	// plain search for ESC[3 took them for colours.
	if codes := colourCodes(out.String()); len(codes) > 0 {
		t.Errorf("NO_COLOR output has colours %q: %q", codes, out.String())
	}
}

// colourCodes: see testenv.ColourCodes.
var colourCodes = testenv.ColourCodes

// TestRunDownloadScreenNotStarted: a run that cannot start (bad options)
// is reported on the frame, not drawn as a run.
func TestRunDownloadScreenNotStarted(t *testing.T) {
	p := storeWith(t, 1, 10)
	opts := dlOptions(t, 1)
	opts.Concurrency = -1
	var out bytes.Buffer
	res, err := RunDownloadScreen(context.Background(), p, opts, Screen{In: strings.NewReader(""), Out: &out})
	if err == nil || res.Started {
		t.Fatalf("bad options started a run: %v %+v", err, res)
	}
	if f := ansi.Strip(out.String()); !strings.Contains(f, "could not start") {
		t.Fatalf("frame lacks the reason:\n%s", f)
	}
}
