package downloadui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/tui/progressui"
)

// fakeControl records the calls the screen's commands make.
type fakeControl struct {
	*progressui.FakeRun
	mu   sync.Mutex
	prog map[string]int64
}

func (f *fakeControl) Next() tea.Msg { return nil }
func (f *fakeControl) Progress() map[string]int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.prog
}

const mib = 1 << 20

func newTestModel(t *testing.T, w, h int) (*model, *fakeControl) {
	t.Helper()
	ctl := &fakeControl{FakeRun: progressui.NewFakeRun()}
	m := newModel("acme", "./recordings", ctl, "stowage download acme ./recordings")
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, ctl
}

// send applies msgs and runs the commands they return, like the program
// would.
func send(m *model, msgs ...tea.Msg) { progressui.Send(m, msgs...) }

func events(evs ...download.Event) eventsMsg { return eventsMsg{Events: evs} }

var press = progressui.Press

func frame(m *model) string { return ansi.Strip(m.View().Content) }

// requireFits fails when the frame is wider or taller than the terminal.
func requireFits(t *testing.T, f string, w, h int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(f, "\n"), "\n")
	if len(lines) > h-1 {
		t.Errorf("frame has %d lines, terminal %d:\n%s", len(lines), h, f)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d columns, terminal %d: %q", i+1, n, w, l)
		}
	}
}

func stats(total, done int64, files, finished int) download.Stats {
	return download.Stats{
		FilesTotal: files, BytesTotal: total, FilesDone: finished, BytesDone: done,
		FilesActive: 3, Throughput: 42.5 * mib, ETA: 95 * time.Second, Elapsed: 61 * time.Second,
	}
}

var day = 24 * time.Hour
var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func expiry() download.Expiry {
	return download.Expiry{ExpiryDays: 30, Prefixes: []download.PrefixExpiry{
		{Prefix: "", Objects: 3, Oldest: now.Add(-5 * day), DaysLeft: 25, ExpiresAt: now.Add(25 * day)},
		{Prefix: "2026/10/", Objects: 1200, Oldest: now.Add(-28 * day), DaysLeft: 2, ExpiresAt: now.Add(2 * day), Soon: 40},
		{Prefix: "2026/11/", Objects: 800, Oldest: now.Add(-22 * day), DaysLeft: 8, ExpiresAt: now.Add(8 * day)},
		{Prefix: "screens/", Objects: 12, Oldest: now.Add(-10 * day), DaysLeft: 20, ExpiresAt: now.Add(20 * day)},
	}}
}

// scenarios build the screens the golden files hold.
var scenarios = []struct {
	name string
	msgs func() []tea.Msg
}{
	{"listing", func() []tea.Msg {
		s := stats(300*mib, 20*mib, 1000, 40)
		s.Listing = true
		s.ETA = -1
		return []tea.Msg{events(
			download.Listed{Objects: 1000, Bytes: 300 * mib},
			download.FileStarted{Key: "2026/10/01/call-0001.wav", Size: 3 * mib},
			download.FileDone{Key: "2026/10/01/call-0000.wav", Size: 20 * mib},
			download.Totals{Stats: s},
		)}
	}},
	{"downloading", func() []tea.Msg {
		evs := []download.Event{download.Listed{Objects: 2040, Bytes: 4096 * mib, Done: true}, expiry()}
		for i := range 30 {
			evs = append(evs, download.FileStarted{Key: fmt.Sprintf("2026/10/call-%04d.wav", i), Size: int64(i+1) * 100 * 1024})
		}
		big := "screens/2026/10/screen-recording-of-a-very-long-meeting-0001.mp4"
		evs = append(evs,
			download.FileStarted{Key: big, Size: 900 * mib, Ranges: 57, Resumed: 10},
			download.FileDone{Key: "2026/10/done.wav", Size: 700 * mib},
			download.FileSkipped{Key: "2026/10/old.wav", Size: 96 * mib},
			download.FileFailed{Key: "2026/10/bad.wav", Size: 10, Err: errors.New("get: access denied (s3:GetObject)")},
			download.Retry{Key: big, Range: 7, Attempt: 2, Wait: 400 * time.Millisecond, Err: errors.New("SlowDown: please reduce your request rate")},
			download.Changed{Key: "2026/11/moved.wav", ListedETag: "a", NowETag: "b"},
			download.Totals{Stats: stats(4096*mib, 800*mib, 2040, 150)},
		)
		return []tea.Msg{events(evs...), progressMsg{big: 300 * mib}}
	}},
	{"stopping", func() []tea.Msg {
		return []tea.Msg{
			events(download.Listed{Objects: 10, Bytes: 10 * mib, Done: true},
				download.FileStarted{Key: "a.wav", Size: mib},
				download.FileStarted{Key: "b.wav", Size: mib},
				download.Totals{Stats: stats(10*mib, 5*mib, 10, 5)}),
			press("q"),
		}
	}},
	{"paused", func() []tea.Msg {
		return []tea.Msg{
			events(download.Listed{Objects: 10, Bytes: 10 * mib, Done: true},
				download.FileStarted{Key: "a.wav", Size: mib},
				download.Totals{Stats: stats(10*mib, 5*mib, 10, 5)}),
			press("p"),
		}
	}},
	{"finished", func() []tea.Msg {
		s := stats(10*mib, 8*mib, 10, 8)
		s.FilesSkipped = 2
		s.FilesActive = 0
		return []tea.Msg{
			events(download.Listed{Objects: 10, Bytes: 10 * mib, Done: true},
				download.FileDone{Key: "a.wav", Size: 8 * mib},
				download.FileSkipped{Key: "b.wav", Size: 2 * mib},
				download.Totals{Stats: s}),
			eventsMsg{End: &finishedMsg{Started: true, Result: download.Result{Stats: withElapsed(s, 1500*time.Millisecond),
				JournalPath: "recordings/.stowage-download.db"}}},
		}
	}},
	{"expiring", func() []tea.Msg {
		s := stats(10*mib, 10*mib, 10, 10)
		s.FilesActive = 0
		return []tea.Msg{
			events(download.Listed{Objects: 10, Bytes: 10 * mib, Done: true}, expiry(),
				download.FileDone{Key: "2026/10/a.wav", Size: 10 * mib},
				download.Totals{Stats: s}),
			eventsMsg{End: &finishedMsg{Started: true, Result: download.Result{Stats: withElapsed(s, time.Second),
				JournalPath: "recordings/.stowage-download.db"}}},
		}
	}},
	{"failed", func() []tea.Msg {
		evs := []download.Event{download.Listed{Objects: 10, Bytes: 10 * mib, Done: true}}
		for i := range 3 {
			evs = append(evs, download.FileDone{Key: fmt.Sprintf("ok%d.wav", i), Size: mib})
		}
		var failed []download.FileFailed
		for i := range 7 {
			ff := download.FileFailed{Key: fmt.Sprintf("c%d.wav", i), Size: mib, Err: errors.New("get: access denied")}
			evs = append(evs, ff)
			failed = append(failed, ff)
		}
		s := stats(10*mib, 3*mib, 10, 10)
		s.FilesDone, s.FilesFailed, s.BytesFailed = 3, 7, 7*mib
		return []tea.Msg{
			events(evs...),
			eventsMsg{End: &finishedMsg{Started: true, Result: download.Result{Stats: withElapsed(s, time.Second), Failed: failed,
				JournalPath: "recordings/.stowage-download.db"}}},
		}
	}},
	{"stopped", func() []tea.Msg {
		s := stats(10*mib, 3*mib, 10, 3)
		s.Listing = false
		return []tea.Msg{
			events(download.Listed{Objects: 10, Bytes: 10 * mib, Done: true},
				download.FileDone{Key: "a.wav", Size: mib}, download.FileDone{Key: "b.wav", Size: mib},
				download.FileDone{Key: "c.wav", Size: mib}),
			press("q"),
			eventsMsg{End: &finishedMsg{Started: true, Stopped: true, Err: context.Canceled,
				Result: download.Result{Stats: withElapsed(s, time.Second), JournalPath: "recordings/.stowage-download.db"}}},
		}
	}},
	{"not_started", func() []tea.Msg {
		return []tea.Msg{eventsMsg{End: &finishedMsg{Err: download.ErrJournalBusy}}}
	}},
}

func withElapsed(s download.Stats, d time.Duration) download.Stats {
	s.Elapsed = d
	return s
}

// TestFrames compares each scenario's frame at 80×24, without escape
// codes, with its golden file (go test -update rewrites them).
func TestFrames(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			m, _ := newTestModel(t, 80, 24)
			send(m, sc.msgs()...)
			f := frame(m)
			requireFits(t, f, 80, 24)
			golden.RequireEqual(t, []byte(f))
		})
	}
}

// TestRunningScreen checks what the running screen must say.
func TestRunningScreen(t *testing.T) {
	tests := []struct {
		scenario string
		want     []string
		notWant  []string
	}{
		{"listing", []string{"still listing", "ETA after listing", "20.0 MiB of 300.0 MiB verified", "In flight (1)", "p pause"}, nil},
		{"downloading", []string{"EXPIRING", "40 objects expire within 3 days: 2026/10/ 2 days left",
			"Expiry outlook (deleted 30 days after upload)", "2 days left", "… and 2 more prefixes",
			"700.0 MiB of 3.9 GiB verified", "ETA 1m35s", "1 failed", "1 retry",
			"range 7", "access denied", "changed", "300.0/900.0 MiB", "q stop after downloads in flight"}, nil},
		{"stopping", []string{"STOPPING", "finishing 2 in-flight downloads", "ctrl+c stop at once"}, []string{"q stop", "p pause"}},
		{"paused", []string{"PAUSED", "ETA paused", "p resume"}, []string{"p pause"}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			m, _ := newTestModel(t, 80, 24)
			for _, sc := range scenarios {
				if sc.name == tt.scenario {
					send(m, sc.msgs()...)
				}
			}
			f := frame(m)
			for _, w := range tt.want {
				if !strings.Contains(f, w) {
					t.Errorf("frame lacks %q:\n%s", w, f)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(f, w) {
					t.Errorf("frame has %q:\n%s", w, f)
				}
			}
		})
	}
}

// TestBarByVerifiedBytes: bytes written but not yet verified do not move
// the overall bar; a verified object does.
func TestBarByVerifiedBytes(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	s := stats(100*mib, 90*mib, 2, 0)
	send(m, events(download.Listed{Objects: 2, Bytes: 100 * mib, Done: true},
		download.FileStarted{Key: "a", Size: 50 * mib}, download.FileStarted{Key: "b", Size: 50 * mib},
		download.Totals{Stats: s}))
	if f := m.fraction(); f != 0 {
		t.Fatalf("fraction %v before anything is verified, want 0", f)
	}
	send(m, events(download.FileDone{Key: "a", Size: 50 * mib}))
	if f := m.fraction(); f != 0.5 {
		t.Fatalf("fraction %v after one of two verified, want 0.5", f)
	}
	send(m, events(download.FileSkipped{Key: "c", Size: 0}, download.FileFailed{Key: "b", Size: 50 * mib, Err: errors.New("x")},
		download.Totals{Stats: download.Stats{BytesTotal: 100 * mib, BytesFailed: 50 * mib, ETA: -1}}))
	if f := m.fraction(); f != 1 {
		t.Fatalf("fraction %v once the rest failed, want 1", f)
	}
}

// TestKeys: q and the first ctrl+c stop gracefully, the second request
// (ctrl+c, q or a signal) stops at once, a signal counts as ctrl+c, and p
// pauses and resumes.
func TestKeys(t *testing.T) {
	tests := []struct {
		name string
		msgs []tea.Msg
		want []string
	}{
		{"q", []tea.Msg{press("q")}, []string{"stop"}},
		{"q twice", []tea.Msg{press("q"), press("q")}, []string{"stop", "kill"}},
		{"ctrl+c", []tea.Msg{press("ctrl+c")}, []string{"stop"}},
		{"ctrl+c twice", []tea.Msg{press("ctrl+c"), press("ctrl+c")}, []string{"stop", "kill"}},
		{"q then ctrl+c", []tea.Msg{press("q"), press("ctrl+c")}, []string{"stop", "kill"}},
		{"signals", []tea.Msg{progressui.SignalMsg{}, progressui.SignalMsg{}, progressui.SignalMsg{}}, []string{"stop", "kill"}},
		{"signal then q", []tea.Msg{progressui.SignalMsg{}, press("q")}, []string{"stop", "kill"}},
		{"p", []tea.Msg{press("p")}, []string{"pause"}},
		{"p twice", []tea.Msg{press("p"), press("p")}, []string{"pause", "resume"}},
		{"paused then q", []tea.Msg{press("p"), press("q")}, []string{"pause", "stop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ctl := newTestModel(t, 80, 24)
			for _, msg := range tt.msgs {
				if _, ok := msg.(progressui.SignalMsg); ok {
					msg = ctl.Signal()
				}
				send(m, msg)
			}
			if got := ctl.Calls(); !slices.Equal(got, tt.want) {
				t.Fatalf("calls %v, want %v", got, tt.want)
			}
		})
	}
}

// TestHelpOffersPause: the download can pause now that its engine has a
// controller; paused, the frame says so and p resumes.
func TestHelpOffersPause(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	f := frame(m)
	if !strings.Contains(f, "p pause") || !strings.Contains(f, "q stop after downloads in flight") {
		t.Fatalf("help lacks p or q:\n%s", f)
	}
	send(m, press("p"))
	f = frame(m)
	for _, want := range []string{"PAUSED", "ETA paused", "p resume", "paused: requests in flight finish"} {
		if !strings.Contains(f, want) {
			t.Errorf("paused frame lacks %q:\n%s", want, f)
		}
	}
	send(m, press("q"))
	if f = frame(m); strings.Contains(f, "PAUSED") || !strings.Contains(f, "STOPPING") {
		t.Fatalf("a stop while paused shows:\n%s", f)
	}
}

// TestFitsAnySize: every scenario fits terminals from 40×10 up, and a
// resize redraws at the new size.
func TestFitsAnySize(t *testing.T) {
	sizes := [][2]int{{80, 24}, {40, 12}, {60, 16}, {120, 40}, {200, 10}}
	for _, sc := range scenarios {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				m, _ := newTestModel(t, 80, 24)
				send(m, sc.msgs()...)
				send(m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				f := frame(m)
				requireFits(t, f, sz[0], sz[1])
				if m.end == nil && sz[1] >= 16 && !strings.Contains(f, "q stop") && !strings.Contains(f, "ctrl+c") {
					t.Errorf("running frame at %dx%d lost its help line:\n%s", sz[0], sz[1], f)
				}
			})
		}
	}
}

// TestErrorPaneKeepsLatest: only the latest errors are shown.
func TestErrorPaneKeepsLatest(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	for i := range 9 {
		send(m, events(download.FileFailed{Key: fmt.Sprintf("f%d.wav", i), Err: errors.New("boom")}))
	}
	f := frame(m)
	if strings.Contains(f, "f3.wav") || !strings.Contains(f, "f4.wav") || !strings.Contains(f, "f8.wav") {
		t.Fatalf("pane should hold f4..f8:\n%s", f)
	}
	if !strings.Contains(f, "Latest errors (9 failed)") {
		t.Fatalf("pane title lacks the count:\n%s", f)
	}
}

// TestSummaryEndsProgram: the end of the run quits the program, and keys
// after it do nothing.
func TestSummaryEndsProgram(t *testing.T) {
	m, ctl := newTestModel(t, 80, 24)
	_, cmd := m.Update(eventsMsg{End: &finishedMsg{Started: true}})
	if cmd == nil {
		t.Fatal("no command after the end")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("the end does not quit the program")
	}
	send(m, press("q"), press("ctrl+c"))
	if len(ctl.Calls()) != 0 {
		t.Fatalf("keys after the end reached the run: %v", ctl.Calls())
	}
}

// TestResumeCommand: a stopped run and one with failures name the command
// to run again; a finished one does not.
func TestResumeCommand(t *testing.T) {
	tests := []struct {
		scenario, want string
	}{
		{"stopped", "To continue where it stopped, run:"},
		{"failed", "To retry the failed files, run:"},
		{"finished", ""},
		{"not_started", ""},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			m, _ := newTestModel(t, 80, 24)
			for _, sc := range scenarios {
				if sc.name == tt.scenario {
					send(m, sc.msgs()...)
				}
			}
			f := frame(m)
			if tt.want == "" {
				if strings.Contains(f, "stowage download acme") {
					t.Fatalf("frame shows a resume command:\n%s", f)
				}
				return
			}
			if !strings.Contains(f, tt.want) || !strings.Contains(f, "  stowage download acme ./recordings") {
				t.Fatalf("frame lacks %q and the command:\n%s", tt.want, f)
			}
		})
	}
}

// TestSummaryPathsCopyWhole: a folder and a journal path too long to sit
// beside their labels at 80 columns each get a line of their own, whole,
// instead of being broken in the middle, so a mouse selection copies them.
func TestSummaryPathsCopyWhole(t *testing.T) {
	dest := "/home/jsmith/recordings/acme-call-recordings/2025-2026-archive/q4" // 66 columns, fits beside
	journal := dest + "/" + download.JournalName                                // 87 columns, wider than the screen
	dest2 := "/home/jsmith/recordings/acme-call-recordings/2026"                // 49 columns
	journal2 := dest2 + "/" + download.JournalName                              // 70 columns, one line of its own
	ctl := &fakeControl{FakeRun: progressui.NewFakeRun()}
	m := newModel("acme", dest, ctl, "stowage download acme "+dest)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	send(m, eventsMsg{End: &finishedMsg{Started: true, Result: download.Result{JournalPath: journal}}})
	f := frame(m)
	requireFits(t, f, 80, 24)
	var lines []string
	for l := range strings.SplitSeq(f, "\n") {
		lines = append(lines, strings.TrimRight(l, " "))
	}
	if !slices.Contains(lines, "into       "+dest) || !slices.Contains(lines, "journal") ||
		!slices.Contains(lines, journal[:80]) || !slices.Contains(lines, journal[80:]) {
		t.Errorf("want %s beside its label and %s alone under its own, broken only at the screen's edge:\n%s", dest, journal, f)
	}

	m = newModel("acme", dest2, ctl, "stowage download acme "+dest2)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	send(m, eventsMsg{End: &finishedMsg{Started: true, Result: download.Result{JournalPath: journal2}}})
	f = frame(m)
	if lines := strings.Split(f, "\n"); !slices.Contains(lines, journal2) {
		t.Errorf("%s is not on a line of its own:\n%s", journal2, f)
	}
}
