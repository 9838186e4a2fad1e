package exportui

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

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/runctl"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/providers/local"
	"github.com/stowage-dev/stowage/tui/progressui"
)

// writeFiles creates n files of size bytes under dir/calls and returns the
// source folder.
func writeFiles(t *testing.T, n, size int) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "calls")
	if err := progressui.WriteCalls(src, 2024, n, size); err != nil {
		t.Fatal(err)
	}
	return src
}

// gated is a real local location whose uploads wait until the test opens
// the gate, so keys can be pressed while uploads are in flight.
type gated struct {
	*local.Provider
	gate    chan struct{}
	started chan string
}

func (g *gated) Put(ctx context.Context, key string, src providers.Body, size int64, opts providers.PutOptions) (providers.Object, error) {
	select {
	case g.started <- key:
	default:
	}
	select {
	case <-g.gate:
	case <-ctx.Done():
		return providers.Object{}, ctx.Err()
	}
	return g.Provider.Put(ctx, key, src, size, opts)
}

func newLocal(t *testing.T) *local.Provider {
	t.Helper()
	p, err := local.New("nas", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func options(t *testing.T, src string, concurrency int) export.Options {
	return export.Options{
		Sources:       []string{src},
		Concurrency:   concurrency,
		JournalPath:   filepath.Join(t.TempDir(), "journals", "nas.db"),
		StatsInterval: 50 * time.Millisecond,
	}
}

// finalFrame is the last frame the program drew, as the terminal shows it.
func finalFrame(t *testing.T, tm *teatest.TestModel) (*model, string) {
	t.Helper()
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second)).(*model)
	if !ok {
		t.Fatal("final model is not the export screen")
	}
	return fm, ansi.Strip(fm.View().Content)
}

// TestScreenRunsRealExport runs a small export to a local folder through
// the screen, in a program, to its summary frame.
func TestScreenRunsRealExport(t *testing.T) {
	src := writeFiles(t, 60, 4096)
	p := newLocal(t)
	s := start(context.Background(), p, "nas", options(t, src, 4), nil, nil)
	tm := teatest.NewTestModel(t, newModel("nas", s, "stowage export nas "+src), teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("Export to nas finished"))
	}, teatest.WithDuration(20*time.Second))
	fm, f := finalFrame(t, tm)
	requireFits(t, f, 80, 24)
	for _, want := range []string{"Export to nas finished", "100.0%", "exported  60 files (240.0 KiB)", "skipped   0 files", "failed    0 files", "manifest"} {
		if !strings.Contains(f, want) {
			t.Errorf("summary lacks %q:\n%s", want, f)
		}
	}
	if strings.Contains(f, "To continue") {
		t.Errorf("a finished run shows a resume command:\n%s", f)
	}
	if fm.end.Err != nil || fm.end.Summary.Files != 60 {
		t.Fatalf("run: %+v", fm.end)
	}
	<-s.ended
	n := 0
	filepath.WalkDir(p.Root(), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".wav") {
			n++
		}
		return nil
	})
	if n != 60 {
		t.Fatalf("%d files in the location, want 60", n)
	}
}

// TestScreenPauseAndStop presses p and q on a real export whose uploads
// are held in flight: the controller pauses, q stops after the uploads in
// flight, and the summary says how to continue.
func TestScreenPauseAndStop(t *testing.T) {
	src := writeFiles(t, 40, 1024)
	p := &gated{Provider: newLocal(t), gate: make(chan struct{}), started: make(chan string, 1)}
	opts := options(t, src, 2)
	ctl := export.NewController()
	opts.Controller = ctl
	// q must land after the scan queued all 40 files: a stop halts the
	// scan, and files it had not found would not count as not started.
	scanned := make(chan struct{})
	opts.Events = func(ev export.Event) {
		if sp, ok := ev.(export.ScanProgress); ok && sp.Done {
			close(scanned)
		}
	}
	s := start(context.Background(), p, "nas", opts, nil, nil)
	tm := teatest.NewTestModel(t, newModel("nas", s, "stowage export nas "+src), teatest.WithInitialTermSize(80, 24))
	select {
	case <-p.started:
	case <-time.After(10 * time.Second):
		t.Fatal("no upload started")
	}
	select {
	case <-scanned:
	case <-time.After(10 * time.Second):
		t.Fatal("the scan did not end")
	}
	tm.Send(tea.KeyPressMsg{Code: 'p', Text: "p"})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("PAUSED")) }, teatest.WithDuration(5*time.Second))
	if !ctl.Paused() {
		t.Fatal("p did not pause the run")
	}
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	// "finishing 1 in-flight upload…" or "2 in-flight uploads…": the
	// second worker may not have reached its upload when q lands.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("in-flight upload")) }, teatest.WithDuration(5*time.Second))
	if !ctl.Stats().Stopping {
		t.Fatal("q did not stop the run")
	}
	close(p.gate)
	fm, f := finalFrame(t, tm)
	requireFits(t, f, 80, 24)
	if !errors.Is(fm.end.Err, export.ErrStopped) || !fm.end.Stopped {
		t.Fatalf("run ended with %v, want ErrStopped", fm.end.Err)
	}
	sum := fm.end.Summary
	if sum.Files < 1 || sum.Files > 3 || sum.NotStarted < 37 {
		t.Errorf("a graceful stop should finish only the uploads in flight: %+v", sum)
	}
	for _, want := range []string{"Export to nas stopped", "not started", "To continue where it stopped, run:", "stowage export nas"} {
		if !strings.Contains(f, want) {
			t.Errorf("summary lacks %q:\n%s", want, f)
		}
	}
}

// TestScreenHardStop: a second ctrl+c cancels the run's context; uploads
// held in flight are abandoned and the run ends at once.
func TestScreenHardStop(t *testing.T) {
	src := writeFiles(t, 10, 1024)
	p := &gated{Provider: newLocal(t), gate: make(chan struct{}), started: make(chan string, 1)}
	defer close(p.gate)
	s := start(context.Background(), p, "nas", options(t, src, 2), nil, nil)
	tm := teatest.NewTestModel(t, newModel("nas", s, "stowage export nas "+src), teatest.WithInitialTermSize(80, 24))
	<-p.started
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	fm, f := finalFrame(t, tm)
	if !fm.end.Stopped || !errors.Is(fm.end.Err, context.Canceled) {
		t.Fatalf("run ended with %v, want a hard stop", fm.end.Err)
	}
	if fm.end.Summary.Files != 0 || !strings.Contains(f, "stopped at once") || !strings.Contains(f, "To continue") {
		t.Errorf("summary after a hard stop:\n%s", f)
	}
}

// TestRunExportScreen drives the public entry point with keys on a pipe:
// the export runs, q stops it, and Result and the error tell what
// happened; a cancelled context is a graceful stop too.
func TestRunExportScreen(t *testing.T) {
	t.Run("finishes", func(t *testing.T) {
		src := writeFiles(t, 20, 512)
		in, inW := io.Pipe()
		defer inW.Close()
		var out testenv.SyncBuffer
		res, err := RunExportScreen(context.Background(), newLocal(t), "nas", options(t, src, 4),
			Screen{In: in, Out: &out, Env: []string{"TERM=xterm-256color", "NO_COLOR=1"}})
		if err != nil || !res.Started || res.Stopped || res.Summary.Files != 20 {
			t.Fatalf("err %v, result %+v", err, res)
		}
		if !strings.Contains(ansi.Strip(out.String()), "Export to nas finished") {
			t.Fatalf("no summary frame in the output:\n%s", ansi.Strip(out.String()))
		}
	})
	t.Run("q stops", func(t *testing.T) {
		src := writeFiles(t, 20, 512)
		p := &gated{Provider: newLocal(t), gate: make(chan struct{}), started: make(chan string, 1)}
		in, inW := io.Pipe()
		defer inW.Close()
		opts := options(t, src, 2)
		opts.Controller = export.NewController()
		scanned := make(chan struct{})
		opts.Events = func(ev export.Event) {
			if sp, ok := ev.(export.ScanProgress); ok && sp.Done {
				close(scanned)
			}
		}
		go func() {
			// q is pressed while two uploads are held and, the scan over,
			// the other files wait in the queue; the uploads are let go
			// once the stop has landed. (A q pressed before the scan queued
			// a file past those in flight left none not started; a fixed
			// 200 ms for the stop to land let the whole export finish.)
			<-p.started
			<-scanned
			inW.Write([]byte("q"))
			for deadline := time.Now().Add(10 * time.Second); !opts.Controller.Stats().Stopping && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
			}
			close(p.gate)
		}()
		var out testenv.SyncBuffer
		res, err := RunExportScreen(context.Background(), p, "nas", opts,
			Screen{In: in, Out: &out, Env: []string{"TERM=xterm-256color"}, ResumeCommand: "stowage export nas " + src})
		if !errors.Is(err, export.ErrStopped) || !res.Stopped || res.Summary.NotStarted == 0 {
			t.Fatalf("err %v, result %+v", err, res)
		}
		if !strings.Contains(ansi.Strip(out.String()), "stowage export nas "+src) {
			t.Errorf("no resume command in the output")
		}
	})
	t.Run("context cancelled is the hard stop", func(t *testing.T) {
		src := writeFiles(t, 20, 512)
		p := &gated{Provider: newLocal(t), gate: make(chan struct{}), started: make(chan string, 1)}
		in, inW := io.Pipe()
		defer inW.Close()
		// The gate opens only after the run: a Put that sees the cancelled
		// context and the open gate at once may take either.
		defer close(p.gate)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-p.started
			cancel()
		}()
		var out testenv.SyncBuffer
		res, err := RunExportScreen(ctx, p, "nas", options(t, src, 2), Screen{In: in, Out: &out})
		if !errors.Is(err, context.Canceled) || !res.Stopped || res.Summary.Files != 0 {
			t.Fatalf("a cancelled context abandons the uploads in flight: err %v, result %+v", err, res)
		}
	})
	t.Run("a forwarded signal then q", func(t *testing.T) {
		// The command forwards SIGINT to the same policy the keys use: the
		// signal is the graceful stop, q after it the hard one.
		src := writeFiles(t, 20, 512)
		p := &gated{Provider: newLocal(t), gate: make(chan struct{}), started: make(chan string, 1)}
		in, inW := io.Pipe()
		defer inW.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		opts := options(t, src, 2)
		opts.Controller = export.NewController()
		stops := runctl.NewStops(opts.Controller.Stop, cancel)
		go func() {
			<-p.started
			stops.Request()
			time.Sleep(200 * time.Millisecond)
			inW.Write([]byte("q"))
		}()
		var out testenv.SyncBuffer
		res, err := RunExportScreen(ctx, p, "nas", opts, Screen{In: in, Out: &out, Stops: stops})
		if !errors.Is(err, context.Canceled) || !res.Stopped || res.Summary.Files != 0 || stops.Level() != runctl.Hard {
			t.Fatalf("signal then q: err %v, result %+v, level %v", err, res, stops.Level())
		}
		if !strings.Contains(ansi.Strip(out.String()), "stopped at once") && !strings.Contains(ansi.Strip(out.String()), "STOPPING NOW") {
			t.Errorf("the screen did not show the hard stop:\n%s", ansi.Strip(out.String()))
		}
	})
	t.Run("bad options", func(t *testing.T) {
		in, inW := io.Pipe()
		defer inW.Close()
		var out testenv.SyncBuffer
		opts := options(t, filepath.Join(t.TempDir(), "missing"), 2)
		res, err := RunExportScreen(context.Background(), newLocal(t), "nas", opts, Screen{In: in, Out: &out})
		if err == nil || res.Started {
			t.Fatalf("err %v, result %+v", err, res)
		}
		if !strings.Contains(ansi.Strip(out.String()), "could not start") {
			t.Errorf("no error frame:\n%s", ansi.Strip(out.String()))
		}
	})
}
