//go:build unix

package export

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSpecialEntriesReportedAndSkipped puts a named pipe, a socket, a link
// to a folder, a broken link and a link loop among the recordings. Each is
// reported as skipped with its reason, counted in the summary and listed in
// the manifest; none fails the run, and the dry run lists them too.
func TestSpecialEntriesReportedAndSkipped(t *testing.T) {
	e := newEnv(t)
	e.write(t, "a.wav", content("a", 100))
	e.write(t, "sub/b.wav", content("b", 200))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(syscall.Mkfifo(filepath.Join(e.src, "pipe.wav"), 0o644))
	// Socket paths are limited to about 100 bytes; a short working
	// directory keeps the relative path short.
	t.Chdir(e.src)
	ln, err := net.Listen("unix", "sock.wav")
	must(err)
	defer ln.Close()
	must(os.Symlink(filepath.Join(e.src, "sub"), filepath.Join(e.src, "folderlink")))
	must(os.Symlink(filepath.Join(e.src, "gone.wav"), filepath.Join(e.src, "broken.wav")))
	must(os.Symlink(filepath.Join(e.src, "loop2.wav"), filepath.Join(e.src, "loop1.wav")))
	must(os.Symlink(filepath.Join(e.src, "loop1.wav"), filepath.Join(e.src, "loop2.wav")))
	// Left out by the filter: not reported.
	must(syscall.Mkfifo(filepath.Join(e.src, "other.fifo"), 0o644))

	want := map[string]string{
		"pipe.wav":   "named pipe (FIFO)",
		"sock.wav":   "socket",
		"folderlink": "link to a folder",
		"broken.wav": "broken link",
		"loop1.wav":  "link loop",
		"loop2.wav":  "link loop",
	}
	o := e.opts()
	o.Exclude = []string{"*.fifo"}
	o.DryRun = true
	plan, err := Plan(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Files != 2 || plan.Ignored != len(want) || plan.ProblemsTotal != 0 {
		t.Errorf("plan: %d files, %d ignored %v, %d problems %v; want 2 files, %d ignored, no problems",
			plan.Files, plan.Ignored, plan.IgnoredList, plan.ProblemsTotal, plan.Problems, len(want))
	}

	var evs events
	o.DryRun = false
	o.Events = evs.add
	sum, err := Run(context.Background(), e.p, "t", o)
	if err != nil || sum.Files != 2 || sum.Failed != 0 {
		t.Fatalf("Run: %v (summary %+v); want 2 files exported and the special entries skipped, not failed", err, sum)
	}
	if sum.Ignored != len(want) || sum.IgnoredKinds["link loop"] != 2 || sum.IgnoredKinds["named pipe (FIFO)"] != 1 {
		t.Errorf("summary ignored %d %v, want %d", sum.Ignored, sum.IgnoredKinds, len(want))
	}
	got := map[string]string{}
	for _, ev := range evs.list() {
		if sk, ok := ev.(FileSkipped); ok && sk.Key == "" {
			got[filepath.Base(sk.Path)] = sk.Reason
		}
	}
	for name, kind := range want {
		if !strings.Contains(got[name], kind) {
			t.Errorf("skip reason of %s = %q, want one naming a %s", name, got[name], kind)
		}
	}
	if len(got) != len(want) {
		t.Errorf("skipped entries %v, want exactly %v", got, want)
	}
	b, err := os.ReadFile(sum.ManifestJSONL)
	must(err)
	rows := 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r ManifestRow
		must(json.Unmarshal([]byte(line), &r))
		if r.Status == RowIgnored {
			rows++
			if kind := want[filepath.Base(r.Source)]; kind == "" || !strings.Contains(r.Error, kind) {
				t.Errorf("ignored row %+v, want the reason of %s", r, filepath.Base(r.Source))
			}
		}
	}
	if rows != len(want) {
		t.Errorf("%d ignored manifest rows, want %d", rows, len(want))
	}
}
