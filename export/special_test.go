//go:build unix

package export

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/providers"
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

// TestFolderWhereAFileWas replaces a file by a folder after the scan found
// it, and puts a folder in the location where a key goes. Both failures
// name the source file and what is in the way, not "invalid location
// settings" or "server error".
func TestFolderWhereAFileWas(t *testing.T) {
	e := newEnv(t)
	big := e.write(t, "big.wav", content("big", 5000))
	small := e.write(t, "small.wav", content("small", 100))
	e.write(t, "taken.wav", content("taken", 50))
	if err := os.MkdirAll(filepath.Join(e.dst, "taken.wav", "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The scan runs beside the worker: under load the worker can take
	// big.wav before the scan has read small.wav, which the scan then finds
	// a folder and ignores. The folder must appear after the scan queued
	// small.wav, so big.wav's upload waits for the end of the scan; with one
	// worker, largest first, small.wav is then still waiting.
	scanned := make(chan struct{})
	rec := &recorder{fullProvider: e.p}
	rec.before = func(op, key string, n int, src providers.Body) error {
		if op == "put" && key == "big.wav" {
			select {
			case <-scanned:
			case <-time.After(time.Minute):
				return errors.New("the scan did not end within a minute")
			}
			if err := os.Remove(small); err != nil {
				return err
			}
			return os.Mkdir(small, 0o755)
		}
		return nil
	}
	o := e.opts()
	o.Concurrency = 1
	var evs events
	o.Events = func(ev Event) {
		if sp, ok := ev.(ScanProgress); ok && sp.Done {
			close(scanned)
		}
		evs.add(ev)
	}
	sum, err := Run(context.Background(), rec, "t", o)
	if err == nil || sum.Files != 1 || sum.Failed != 2 {
		t.Fatalf("Run: %v, summary %+v; want big.wav exported, small.wav and taken.wav failed", err, sum)
	}
	failed := map[string]string{}
	for _, ev := range evs.list() {
		if f, ok := ev.(FileFailed); ok {
			failed[f.Path] = f.Err.Error()
		}
	}
	if msg := failed[small]; !strings.Contains(msg, small+" is now a folder") || !strings.Contains(msg, "source changed") {
		t.Errorf("small.wav failed with %q; want it named as now a folder", msg)
	}
	taken := filepath.Join(e.src, "taken.wav")
	if msg := failed[taken]; !strings.Contains(msg, providers.ErrKeyConflict.Error()) || !strings.Contains(msg, filepath.Join(e.dst, "taken.wav")) {
		t.Errorf("taken.wav failed with %q; want the key conflict with the location's folder named", msg)
	}
	for p, msg := range failed {
		if strings.Contains(msg, "invalid location settings") || strings.Contains(msg, "server error") {
			t.Errorf("%s: %q blames the location", p, msg)
		}
	}
	_ = big
}
