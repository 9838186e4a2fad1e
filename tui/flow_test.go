package tui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
	_ "github.com/stowage-dev/stowage/providers/local"
	_ "github.com/stowage-dev/stowage/providers/s3"
)

// recorder wraps the model to keep every frame it draws, ANSI-free, so a
// test can wait for a screen and check that nothing secret was ever drawn.
type recorder struct {
	m      *model
	mu     sync.Mutex
	frames []string
}

func (r *recorder) Init() tea.Cmd { return r.m.Init() }

func (r *recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := r.m.Update(msg)
	return r, cmd
}

func (r *recorder) View() tea.View {
	v := r.m.View()
	r.mu.Lock()
	r.frames = append(r.frames, ansi.Strip(v.Content))
	r.mu.Unlock()
	return v
}

func (r *recorder) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.frames) == 0 {
		return ""
	}
	return r.frames[len(r.frames)-1]
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.frames...)
}

// session is a running program driven by keystrokes.
type session struct {
	t   *testing.T
	tm  *teatest.TestModel
	rec *recorder
}

// startSession runs the wizard for opts in a test program at 80×24.
func startSession(t *testing.T, opts Options, env map[string]string) *session {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	if opts.Save == nil {
		opts.Save = config.Save
	}
	if opts.Open == nil {
		opts.Open = func(ctx context.Context, loc config.Location) (providers.Provider, error) {
			return providers.Open(ctx, loc, providers.Options{Platform: opts.Platform})
		}
	}
	w, err := newWizard(opts)
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string { return env[k] }
	rec := &recorder{m: newModel(context.Background(), opts, w, getenv, false, nil)}
	tm := teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(80, 24))
	t.Cleanup(func() { _ = tm.Quit() })
	return &session{t: t, tm: tm, rec: rec}
}

// waitFor waits until the last frame contains every one of want.
func (s *session) waitFor(want ...string) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		f := s.rec.last()
		ok := true
		for _, w := range want {
			if !strings.Contains(f, w) {
				ok = false
				break
			}
		}
		if ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("screen never showed %q; last frame:\n%s", want, s.rec.last())
}

func (s *session) press(keys ...string) {
	for _, k := range keys {
		s.tm.Send(keyMsg(k))
	}
}

func (s *session) typeText(text string) { s.tm.Type(text) }

// result waits for the program to end and returns the wizard's result.
func (s *session) result() Result {
	s.t.Helper()
	s.tm.WaitFinished(s.t, teatest.WithFinalTimeout(10*time.Second))
	return s.rec.m.result
}

func TestFlowLocalFolder(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "recordings")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "stowage", "locations.yaml")
	s := startSession(t, Options{ConfigPath: cfg}, nil)

	s.waitFor("Name *")
	s.typeText("nas-archive")
	s.press("enter")
	s.waitFor("Storage type", "Local or NAS folder")
	s.press("down", "down", "down", "down")
	s.waitFor("› ● Local or NAS folder")
	s.press("enter")
	s.waitFor("Folder *")
	s.typeText(target)
	s.press("enter")
	s.waitFor("checks passed")
	s.press("enter")
	s.waitFor("Review", "nas-archive", target)
	s.press("enter")
	s.waitFor("What to do next", "stowage export nas-archive DIR")
	s.press("enter")
	res := s.result()
	if !res.Saved || res.Location != "nas-archive" || res.ExportNow {
		t.Fatalf("result = %+v, want saved nas-archive without export", res)
	}
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loc, ok := f.Find("nas-archive")
	if !ok || loc.Type != config.TypeLocal || loc.Local == nil || loc.Local.Path != target {
		t.Fatalf("saved location = %+v", loc)
	}
	if loc.LastTest == nil || !loc.LastTest.OK {
		t.Fatalf("saved location has no passing test: %+v", loc.LastTest)
	}
}

// waitForAny waits until the last frame contains one of want.
func (s *session) waitForAny(want ...string) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		f := s.rec.last()
		for _, w := range want {
			if strings.Contains(f, w) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("screen never showed any of %q; last frame:\n%s", want, s.rec.last())
}

func (s *session) dump(name string) {
	if os.Getenv("TUI_DUMP") == "" {
		return
	}
	var b strings.Builder
	prev := ""
	for _, f := range s.rec.all() {
		if f != prev {
			b.WriteString("=========\n" + f + "\n")
		}
		prev = f
	}
	_ = os.WriteFile("/tmp/"+name+".frames", []byte(b.String()), 0o644)
}
