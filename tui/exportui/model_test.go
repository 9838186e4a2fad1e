package exportui

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/tui/progressui"
)

// fakeControl records the calls the screen's commands make.
type fakeControl struct{ *progressui.FakeRun }

func (f *fakeControl) Next() tea.Msg       { return nil }
func (f *fakeControl) Stats() export.Stats { return export.Stats{} }

const mib = 1 << 20

// newTestModel is a model at w×h driven by ctl.
func newTestModel(t *testing.T, w, h int) (*model, *fakeControl) {
	t.Helper()
	ctl := &fakeControl{progressui.NewFakeRun()}
	m := newModel("acme", ctl, "stowage export acme /data/calls")
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, ctl
}

// send applies msgs and runs the commands they return, like the program
// would.
func send(m *model, msgs ...tea.Msg) { progressui.Send(m, msgs...) }

func events(evs ...export.Event) eventsMsg { return eventsMsg{Events: evs} }

var press = progressui.Press

// frame is the rendered screen without escape codes.
func frame(m *model) string { return ansi.Strip(m.View().Content) }

// requireFits fails when the frame is wider or taller than the terminal.
func requireFits(t *testing.T, f string, w, h int) {
	t.Helper()
	lines := strings.Split(f, "\n")
	if len(lines) > h {
		t.Errorf("frame has %d lines, terminal %d:\n%s", len(lines), h, f)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d columns, terminal %d: %q", i+1, n, w, l)
		}
	}
}

func stats(total, done, inflight int64, files, finished int) export.Stats {
	return export.Stats{
		FilesTotal: files, BytesTotal: total, FilesDone: finished, BytesDone: done, BytesInFlight: inflight,
		FilesActive: 3, Throughput: 42.5 * mib, ETA: 95 * time.Second, Elapsed: 61 * time.Second,
	}
}

// scenarios build the screens the golden files hold.
var scenarios = []struct {
	name string
	msgs func() []tea.Msg
}{
	{"counting", func() []tea.Msg {
		s := stats(300*mib, 20*mib, 4*mib, 120, 40)
		s.Counting = true
		return []tea.Msg{events(
			export.ScanProgress{Files: 120, Bytes: 300 * mib},
			export.FileStarted{Path: "/data/calls/2024/05/01/call-0001.wav", Key: "2024/05/01/call-0001.wav", Size: 3 * mib},
			export.Totals{Stats: s},
		)}
	}},
	{"uploading", func() []tea.Msg {
		evs := []export.Event{export.ScanProgress{Files: 300, Bytes: 2048 * mib, Done: true}}
		for i := range 30 {
			evs = append(evs, export.FileStarted{Path: fmt.Sprintf("/data/calls/2024/05/call-%04d.wav", i), Key: fmt.Sprintf("2024/05/call-%04d.wav", i), Size: int64(i+1) * 100 * 1024})
		}
		evs = append(evs,
			export.FileStarted{Path: "/data/screens/2024/05/screen-recording-of-a-very-long-meeting-0001.mp4", Key: "2024/05/screen-recording-of-a-very-long-meeting-0001.mp4", Size: 900 * mib, Parts: 57},
			export.FileProgress{Path: "/data/screens/2024/05/screen-recording-of-a-very-long-meeting-0001.mp4", Done: 300 * mib, Size: 900 * mib},
			export.FileFailed{Path: "/data/calls/bad.wav", Key: "bad.wav", Size: 10, Err: errors.New("open source: permission denied")},
			export.Retry{Path: "/data/screens/2024/05/screen-recording-of-a-very-long-meeting-0001.mp4", Part: 7, Attempt: 2, Wait: 400 * time.Millisecond, Err: errors.New("SlowDown: please reduce your request rate")},
			export.Totals{Stats: stats(2048*mib, 700*mib, 64*mib, 300, 150)},
		)
		return []tea.Msg{events(evs...)}
	}},
	{"paused", func() []tea.Msg {
		return []tea.Msg{
			events(export.ScanProgress{Files: 10, Bytes: 10 * mib, Done: true},
				export.FileStarted{Path: "/d/a.wav", Key: "a.wav", Size: mib},
				export.Totals{Stats: stats(10*mib, 5*mib, 0, 10, 5)}),
			press("p"),
		}
	}},
	{"stopping", func() []tea.Msg {
		return []tea.Msg{
			events(export.ScanProgress{Files: 10, Bytes: 10 * mib, Done: true},
				export.FileStarted{Path: "/d/a.wav", Key: "a.wav", Size: mib},
				export.FileStarted{Path: "/d/b.wav", Key: "b.wav", Size: mib},
				export.Totals{Stats: stats(10*mib, 5*mib, 0, 10, 5)}),
			press("q"),
		}
	}},
	{"finished", func() []tea.Msg {
		s := stats(10*mib, 10*mib, 0, 10, 10)
		return []tea.Msg{
			events(export.ScanProgress{Files: 10, Bytes: 10 * mib, Done: true}, export.Totals{Stats: s}),
			eventsMsg{End: &finishedMsg{Started: true, Summary: export.Summary{
				Location: "acme", Files: 8, Skipped: 2, Bytes: 8 * mib, Elapsed: 1500 * time.Millisecond, MiBps: 5.3, ScanComplete: true,
				ManifestCSV:   "/home/user/.config/stowage/journals/acme-20261123T120000Z.csv",
				ManifestJSONL: "/home/user/.config/stowage/journals/acme-20261123T120000Z.jsonl",
			}}},
		}
	}},
	{"failed", func() []tea.Msg {
		var evs []export.Event
		for i := range 7 {
			evs = append(evs, export.FileFailed{Path: fmt.Sprintf("/data/calls/c%d.wav", i), Key: fmt.Sprintf("c%d.wav", i), Err: errors.New("open source: permission denied")})
		}
		return []tea.Msg{
			events(evs...),
			eventsMsg{End: &finishedMsg{Started: true, Err: fmt.Errorf("%w: 7 of 10 files failed", export.ErrFilesFailed), Summary: export.Summary{
				Location: "acme", Files: 3, Failed: 7, Bytes: 3 * mib, Elapsed: time.Second, MiBps: 3, ScanComplete: true,
				ManifestCSV: "/tmp/m.csv", ManifestJSONL: "/tmp/m.jsonl",
			}}},
		}
	}},
	{"stopped", func() []tea.Msg {
		return []tea.Msg{
			press("q"),
			eventsMsg{End: &finishedMsg{Started: true, Stopped: true, Err: export.ErrStopped, Summary: export.Summary{
				Location: "acme", Files: 3, NotStarted: 7, Interrupted: 1, Bytes: 3 * mib, Elapsed: time.Second, MiBps: 3, Stopped: true,
				ManifestCSV: "/tmp/m.csv", ManifestJSONL: "/tmp/m.jsonl",
			}}},
		}
	}},
	{"not_started", func() []tea.Msg {
		return []tea.Msg{eventsMsg{End: &finishedMsg{Err: export.ErrJournalBusy}}}
	}},
	// --delete-source without read access: one warning for every file,
	// pinned above the errors that come after it.
	{"warning", func() []tea.Msg {
		evs := []export.Event{
			export.ScanProgress{Files: 40, Bytes: 40 * mib, Done: true},
			export.FileStarted{Path: "/d/a.wav", Key: "a.wav", Size: mib},
			export.Warning{Err: errors.New(keptWarning)},
		}
		for i := range 6 {
			evs = append(evs, export.Retry{Path: "/d/a.wav", Attempt: i + 1, Wait: time.Second, Err: errors.New("SlowDown")})
		}
		evs = append(evs, export.Warning{Err: errors.New(keptWarning)}, export.Totals{Stats: stats(40*mib, 20*mib, 0, 40, 20)})
		return []tea.Msg{events(evs...)}
	}},
	{"kept", func() []tea.Msg {
		return []tea.Msg{
			events(export.Warning{Err: errors.New(keptWarning)}),
			eventsMsg{End: &finishedMsg{Started: true, Summary: export.Summary{
				Location: "acme", Files: 40, Bytes: 40 * mib, Elapsed: 2 * time.Second, MiBps: 20, ScanComplete: true,
				Kept: 40, KeptUnconfirmed: 40, Warnings: []string{keptWarning},
				ManifestCSV: "/tmp/m.csv", ManifestJSONL: "/tmp/m.jsonl",
			}}},
		}
	}},
	{"location_error", func() []tea.Msg {
		return []tea.Msg{
			events(export.FileFailed{Path: "/data/calls/a.wav", Key: "a.wav", Err: errors.New("put: no such bucket or container")}),
			eventsMsg{End: &finishedMsg{Started: true, Err: fmt.Errorf("export stopped: the location's bucket/folder does not exist: run `stowage test acme`: %w", export.ErrLocationUnusable),
				Summary: export.Summary{Location: "acme", Failed: 1, NotStarted: 9, Elapsed: time.Second,
					ManifestCSV: "/tmp/m.csv", ManifestJSONL: "/tmp/m.jsonl"}}},
		}
	}},
	// A default journal folder under a home folder: the manifests'
	// paths do not fit beside the label at 80 columns, so each gets a line
	// of its own rather than being broken in the middle.
	{"finished-long-paths", func() []tea.Msg {
		s := stats(10*mib, 10*mib, 0, 10, 10)
		return []tea.Msg{
			events(export.ScanProgress{Files: 10, Bytes: 10 * mib, Done: true}, export.Totals{Stats: s}),
			eventsMsg{End: &finishedMsg{Started: true, Summary: export.Summary{
				Location: "acme", Files: 10, Bytes: 10 * mib, Elapsed: 2 * time.Second, MiBps: 5, ScanComplete: true,
				ManifestCSV:   "/home/jsmith/.config/stowage/journals/21199ec0eb61-20261206T211952Z.csv",
				ManifestJSONL: "/home/jsmith/.config/stowage/journals/21199ec0eb61-20261206T211952Z.jsonl",
			}}},
		}
	}},
}

// keptWarning is the engine's Warning when --delete-source cannot look
// objects up.
const keptWarning = "source kept: cannot confirm 2024/05/call-0001.wav: s3:GetObject is not granted; turn on read_back for this location (stowage setup --edit acme) to use --delete-source (stat: access denied (s3:GetObject) [AccessDenied]); every file affected is kept, and the summary counts them"

// TestFrames renders each scenario at 80×24 against its golden file, and
// checks it fits at every size.
func TestFrames(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			m, _ := newTestModel(t, 80, 24)
			send(m, sc.msgs()...)
			f := frame(m)
			requireFits(t, f, 80, 24)
			golden.RequireEqual(t, f)
			for _, size := range [][2]int{{100, 30}, {80, 24}, {132, 50}} {
				m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				requireFits(t, frame(m), size[0], size[1])
			}
		})
	}
}

func TestRunningScreen(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	msgs := scenarios[1].msgs()
	send(m, msgs...)
	f := frame(m)
	for _, want := range []string{
		"Exporting to acme", "uploading",
		"150 of 300 files",        // files done / total
		"42.5 MiB/s", "ETA 1m35s", // smoothed throughput and ETA
		"In flight (31)", "… and ", "more", // capped list
		"Latest errors (1 failed, 1 retry)",
		"failed", "bad.wav: open source: permission denied",
		"part 7: SlowDown",
		"p pause", "q stop", "ctrl+c stop",
	} {
		if !strings.Contains(f, want) {
			t.Errorf("frame lacks %q:\n%s", want, f)
		}
	}
	// The large file has its own bar at a third.
	var line string
	for _, l := range strings.Split(f, "\n") {
		if strings.Contains(l, "meeting-0001.mp4") {
			line = l
		}
	}
	if !strings.Contains(line, "█") || !strings.Contains(line, "33%") || !strings.Contains(line, "300.0/900.0 MiB") {
		t.Errorf("large file line has no bar: %q", line)
	}
	if !strings.Contains(f, "█") || !strings.Contains(f, "37.3%") {
		t.Errorf("overall bar should be at (700+64)/2048 MiB = 37.3%%:\n%s", f)
	}
}

// TestBarFollowsEngineStats: a retried part's bytes roll back out of the
// bar instead of being counted twice.
func TestBarFollowsEngineStats(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	tests := []struct {
		name     string
		s        export.Stats
		want     float64
		counting bool
	}{
		{"in flight", export.Stats{BytesTotal: 100, BytesDone: 40, BytesInFlight: 20, ETA: -1}, 0.6, false},
		{"retry rolled back", export.Stats{BytesTotal: 100, BytesDone: 40, BytesInFlight: 5, ETA: -1}, 0.45, false},
		{"skipped and failed leave the work", export.Stats{BytesTotal: 100, BytesSkipped: 50, BytesFailed: 10, BytesDone: 20, ETA: -1}, 0.5, false},
		{"all skipped", export.Stats{BytesTotal: 100, BytesSkipped: 100, ETA: -1}, 1, false},
		{"nothing found yet", export.Stats{Counting: true, ETA: -1}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			send(m, statsMsg(tt.s))
			if got := m.fraction(); got < tt.want-1e-9 || got > tt.want+1e-9 {
				t.Fatalf("fraction %v, want %v", got, tt.want)
			}
			if tt.counting != strings.Contains(frame(m), "still counting") {
				t.Fatalf("counting %v, frame:\n%s", tt.counting, frame(m))
			}
		})
	}
}

func TestKeys(t *testing.T) {
	tests := []struct {
		name      string
		keys      []tea.Msg
		calls     []string
		want      []string
		notWanted []string
	}{
		{"pause", []tea.Msg{press("p")}, []string{"pause"}, []string{"PAUSED", "p resume", "paused: uploads in flight finish"}, []string{"p pause"}},
		{"resume", []tea.Msg{press("p"), press("p")}, []string{"pause", "resume"}, []string{"uploading", "p pause"}, []string{"PAUSED"}},
		{"q stops gracefully", []tea.Msg{press("q")}, []string{"stop"}, []string{"STOPPING", "stopping: finishing 2 in-flight uploads…", "ctrl+c stop at once"}, []string{"p pause", "q stop"}},
		{"ctrl+c stops gracefully", []tea.Msg{press("ctrl+c")}, []string{"stop"}, []string{"stopping: finishing 2 in-flight uploads…"}, nil},
		{"second ctrl+c stops at once", []tea.Msg{press("ctrl+c"), press("ctrl+c")}, []string{"stop", "kill"}, []string{"STOPPING NOW", "abandoning uploads in flight"}, []string{"ctrl+c"}},
		{"q then ctrl+c", []tea.Msg{press("q"), press("q"), press("ctrl+c")}, []string{"stop", "kill"}, []string{"STOPPING NOW"}, nil},
		{"signal counts as ctrl+c", []tea.Msg{progressui.SignalMsg{}, progressui.SignalMsg{}}, []string{"stop", "kill"}, []string{"STOPPING NOW"}, nil},
		{"signal then q", []tea.Msg{progressui.SignalMsg{}, press("q")}, []string{"stop", "kill"}, []string{"STOPPING NOW"}, nil},
		{"paused then q", []tea.Msg{press("p"), press("q")}, []string{"pause", "stop"}, []string{"STOPPING"}, []string{"PAUSED", "STOPPING NOW"}},
		{"pause while stopping does nothing", []tea.Msg{press("q"), press("p")}, []string{"stop"}, []string{"STOPPING"}, []string{"PAUSED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ctl := newTestModel(t, 80, 24)
			send(m, events(
				export.FileStarted{Path: "/d/a.wav", Key: "a.wav", Size: mib},
				export.FileStarted{Path: "/d/b.wav", Key: "b.wav", Size: mib},
			))
			for _, k := range tt.keys {
				if _, ok := k.(progressui.SignalMsg); ok {
					k = ctl.Signal()
				}
				send(m, k)
			}
			if got := ctl.Calls(); strings.Join(got, ",") != strings.Join(tt.calls, ",") {
				t.Errorf("controller calls %v, want %v", got, tt.calls)
			}
			f := frame(m)
			requireFits(t, f, 80, 24)
			for _, w := range tt.want {
				if !strings.Contains(f, w) {
					t.Errorf("frame lacks %q:\n%s", w, f)
				}
			}
			for _, w := range tt.notWanted {
				if strings.Contains(f, w) {
					t.Errorf("frame has %q:\n%s", w, f)
				}
			}
		})
	}
}

func TestErrorPaneKeepsLatestFive(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	for i := range 9 {
		send(m, events(export.FileFailed{Path: fmt.Sprintf("/d/f%d.wav", i), Key: fmt.Sprintf("f%d.wav", i), Err: fmt.Errorf("reason %d", i)}))
	}
	f := frame(m)
	for i := range 9 {
		has := strings.Contains(f, fmt.Sprintf("f%d.wav: reason %d", i, i))
		if want := i >= 4; has != want {
			t.Errorf("f%d shown %v, want %v:\n%s", i, has, want, f)
		}
	}
	if !strings.Contains(f, "Latest errors (9 failed)") {
		t.Errorf("pane title lacks the count:\n%s", f)
	}
}

// TestInFlightFitsHeight: more uploads than lines are summed up, at any
// height, with the errors pane shown too.
func TestInFlightFitsHeight(t *testing.T) {
	for _, h := range []int{24, 30, 40} {
		t.Run(fmt.Sprint(h), func(t *testing.T) {
			m, _ := newTestModel(t, 80, h)
			var evs []export.Event
			for i := range 100 {
				evs = append(evs, export.FileStarted{Path: fmt.Sprint(i), Key: fmt.Sprintf("k%03d.wav", i), Size: 1000})
			}
			for i := range 5 {
				evs = append(evs, export.FileFailed{Path: fmt.Sprint("x", i), Err: errors.New("no")})
			}
			send(m, events(evs...), press("p"))
			f := frame(m)
			lines := strings.Split(f, "\n")
			if len(lines) != h {
				t.Errorf("frame has %d lines, want all %d used", len(lines), h)
			}
			requireFits(t, f, 80, h)
			shown := strings.Count(f, ".wav")
			if !strings.Contains(f, fmt.Sprintf("… and %d more", 100-shown)) {
				t.Errorf("%d uploads shown but no matching count of the rest:\n%s", shown, f)
			}
		})
	}
}

func TestResizeRedraws(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	send(m, scenarios[1].msgs()...)
	narrow := frame(m)
	send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	wide := frame(m)
	requireFits(t, wide, 120, 40)
	barWidth := func(f string) int {
		return strings.Count(strings.Split(f, "\n")[1], "█") + strings.Count(strings.Split(f, "\n")[1], "░")
	}
	if barWidth(wide) <= barWidth(narrow) {
		t.Errorf("bar did not grow: %d then %d columns", barWidth(narrow), barWidth(wide))
	}
	if strings.Count(wide, ".wav") <= strings.Count(narrow, ".wav") {
		t.Errorf("a taller terminal should list more uploads")
	}
}

func TestSummaryEndsProgram(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	_, cmd := m.Update(eventsMsg{End: &finishedMsg{Started: true, Summary: export.Summary{Location: "acme"}}})
	if cmd == nil {
		t.Fatal("no command after the end")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("the program does not quit after the end")
	}
	if m.View().ProgressBar != nil {
		t.Error("the terminal progress bar should be cleared on the summary")
	}
	// Keys after the end do nothing.
	if _, cmd := m.Update(press("p")); cmd != nil {
		t.Error("p after the end returned a command")
	}
}

func TestStoppedSummaryShowsResumeCommand(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	m.resume = "stowage --config '/home/user/my configs/stowage.yaml' export acme /data/calls/2024 /data/screens/2024 --include '*.wav' --since 2024-05-01 --concurrency 64"
	send(m, scenarios[6].msgs()...)
	f := frame(m)
	requireFits(t, f, 80, 24)
	i := strings.Index(f, "To continue where it stopped, run:")
	if i < 0 {
		t.Fatalf("no resume command:\n%s", f)
	}
	cmd := strings.TrimSpace(f[i+len("To continue where it stopped, run:"):])
	joined := strings.Join(strings.Fields(strings.ReplaceAll(cmd, "\\\n", " ")), " ")
	if joined != m.resume {
		t.Errorf("continued lines do not rebuild the command:\n%s\n%s", joined, m.resume)
	}
	if !strings.Contains(cmd, "'/home/user/my configs/stowage.yaml'") {
		t.Errorf("a quoted word was split across lines:\n%s", cmd)
	}
}

func TestFeedCoalescesAndKeepsOrder(t *testing.T) {
	f := newFeed()
	f.Push(export.FileStarted{Path: "a"})
	f.Push(export.FileProgress{Path: "a", Done: 1})
	f.Push(export.Totals{Stats: export.Stats{FilesDone: 1}})
	f.Push(export.FileProgress{Path: "a", Done: 2})
	f.Push(export.FileDone{Path: "a"})
	f.Push(export.Totals{Stats: export.Stats{FilesDone: 2}})
	evs, _ := f.Next()
	msg := eventsMsg{Events: evs}
	want := []string{"file_started", "file_progress", "totals", "file_done"}
	var got []string
	for _, ev := range msg.Events {
		got = append(got, ev.Kind())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v", got, want)
	}
	if msg.Events[1].(export.FileProgress).Done != 2 || msg.Events[2].(export.Totals).FilesDone != 2 {
		t.Fatalf("coalesced events are not the latest: %+v", msg.Events)
	}
	f.Push(export.FileStarted{Path: "b"})
	f.Finish(finishedMsg{Started: true})
	evs, end := f.Next()
	msg = eventsMsg{Events: evs, End: end}
	if len(msg.Events) != 1 || msg.End == nil {
		t.Fatalf("the end should come with the last events: %+v", msg)
	}
}

// TestNoColorKeepsMeaning renders through the profile NO_COLOR selects: no
// colour codes reach the terminal, and bold and reverse still mark state.
func TestNoColorKeepsMeaning(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	send(m, scenarios[1].msgs()...)
	send(m, press("p"))
	var colour, plain strings.Builder
	(&colorprofile.Writer{Forward: &colour, Profile: colorprofile.ANSI}).WriteString(m.View().Content)
	(&colorprofile.Writer{Forward: &plain, Profile: colorprofile.Ascii}).WriteString(m.View().Content)
	sgr := regexp.MustCompile(`\x1b\[[0-9;]*m`)
	hasColour := func(s string) bool {
		for _, seq := range sgr.FindAllString(s, -1) {
			for _, p := range strings.Split(strings.Trim(seq, "\x1b[m"), ";") {
				if n, err := strconv.Atoi(p); err == nil && (n >= 30 && n <= 49 || n >= 90 && n <= 107) {
					return true
				}
			}
		}
		return false
	}
	if !hasColour(colour.String()) {
		t.Fatal("the coloured render has no colour; the test checks nothing")
	}
	if hasColour(plain.String()) {
		t.Errorf("colour codes left under NO_COLOR: %q", plain.String())
	}
	if !strings.Contains(plain.String(), "PAUSED") || !regexp.MustCompile(`\x1b\[[0-9;]*7[0-9;]*m PAUSED`).MatchString(plain.String()) {
		t.Errorf("reverse lost on PAUSED under NO_COLOR: %q", plain.String())
	}
	if !regexp.MustCompile(`\x1b\[[0-9;]*1[0-9;]*mExporting to acme`).MatchString(plain.String()) {
		t.Errorf("bold title lost under NO_COLOR: %q", plain.String())
	}
}

// TestWarningPinnedOnce: a Warning is shown once however often it comes,
// stays in the errors pane while later errors scroll through it, and is
// repeated on the summary frame.
func TestWarningPinnedOnce(t *testing.T) {
	cases := []struct {
		name string
		// fromSummary: the summary carries the warning (the engine's
		// Summary.Warnings); otherwise only the event did.
		fromSummary bool
	}{
		{"warning in the summary", true},
		{"warning only as an event", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, _ := newTestModel(t, 100, 30)
			send(m, events(export.Warning{Err: errors.New("cannot confirm: turn on read_back")}))
			for i := range 9 {
				send(m, events(export.FileFailed{Path: fmt.Sprintf("/d/f%d.wav", i), Key: fmt.Sprintf("f%d.wav", i), Err: fmt.Errorf("reason %d", i)}),
					events(export.Warning{Err: errors.New("cannot confirm: turn on read_back")}))
			}
			f := frame(m)
			if n := strings.Count(f, "turn on read_back"); n != 1 {
				t.Fatalf("warning shown %d times, want once:\n%s", n, f)
			}
			if !strings.Contains(f, "Latest errors (9 failed, 1 warning)") || !strings.Contains(f, "f8.wav: reason 8") || strings.Contains(f, "f3.wav") {
				t.Fatalf("pane should hold the warning and the latest five errors:\n%s", f)
			}
			sum := export.Summary{Location: "acme", Failed: 9, ScanComplete: true}
			if c.fromSummary {
				sum.Warnings = []string{"cannot confirm: turn on read_back"}
			}
			send(m, eventsMsg{End: &finishedMsg{Started: true, Summary: sum}})
			f = frame(m)
			requireFits(t, f, 100, 30)
			if n := strings.Count(f, "warning   cannot confirm: turn on read_back"); n != 1 {
				t.Fatalf("summary frame shows the warning %d times, want once:\n%s", n, f)
			}
			if strings.Contains(f, "scan ") {
				t.Fatalf("a complete scan is reported as stopped:\n%s", f)
			}
		})
	}
}

// TestStoreErrorsAreMasked: what a store says about a failed upload (AWS
// names the assumed role's account) goes through the screen's Mask.
func TestStoreErrorsAreMasked(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	r := config.NewRedactor(true)
	m.Mask = r.Text
	send(m, events(export.FileFailed{Path: "/d/a.wav", Key: "a.wav",
		Err: errors.New("AccessDenied: User: arn:aws:sts::444455556666:assumed-role/x/s is not authorized")}))
	f := frame(m)
	if strings.Contains(f, "444455556666") || !strings.Contains(f, "arn:aws:sts::••••••••6666") {
		t.Errorf("the store's error is not masked:\n%s", f)
	}
}
