package exporte2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
)

// localConfig saves a locations file with the local-folder location "nas"
// at dir.
func localConfig(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	f := &config.File{Version: config.CurrentVersion}
	if err := f.Upsert(config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: dir}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := config.Save(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

// signalled runs the binary with args, sends it SIGINT n times (gap apart)
// once its stdout has a line containing ready, and returns its exit code,
// stdout and stderr.
func signalled(t *testing.T, n int, gap time.Duration, ready string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(stowageBin(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	sc := bufio.NewScanner(pipe)
	sent := false
	for sc.Scan() {
		stdout.WriteString(sc.Text() + "\n")
		if !sent && strings.Contains(sc.Text(), ready) {
			sent = true
			for i := range n {
				if i > 0 {
					time.Sleep(gap)
				}
				cmd.Process.Signal(syscall.SIGINT)
			}
		}
	}
	cmd.Wait()
	if !sent {
		t.Fatalf("%q never appeared; stdout:\n%s\nstderr:\n%s", ready, stdout.String(), stderr.String())
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// TestSignalsToTheBinary: the command subscribes to SIGINT once, so one
// signal is one graceful stop (uploads or downloads in flight finish, exit
// 130, the resume command), and a second, however soon, is the hard stop;
// there is no time window that merges or splits them.
func TestSignalsToTheBinary(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	for i := range 1500 {
		p := filepath.Join(src, fmt.Sprintf("2024/%02d/call-%04d.wav", i%12+1, i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data(p, 2000), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A few large files, sent first (largest first; first in the listing a
	// download reads), so the request in flight when the signals come takes
	// long enough for the second one to find the run still stopping: with
	// tiny files alone the graceful stop could finish between the two.
	for i := range 4 {
		p := filepath.Join(src, fmt.Sprintf("2024/00/big-%d.wav", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data(p, 48<<20), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name string
		n    int
		gap  time.Duration
		hard bool
	}{
		{"one SIGINT is graceful", 1, 0, false},
		{"two SIGINTs are hard", 2, 5 * time.Millisecond, true},
	} {
		t.Run("export "+tt.name, func(t *testing.T) {
			store := filepath.Join(t.TempDir(), "store")
			cfg := localConfig(t, store)
			code, out, errOut := signalled(t, tt.n, tt.gap, `"type":"file_done"`,
				"--config", cfg, "export", "nas", src, "--json", "--concurrency", "1")
			checkStopped(t, code, out, errOut, tt.hard, "uploads")
		})
	}
	// The download reads back what one full export stored.
	store := filepath.Join(t.TempDir(), "store")
	cfg := localConfig(t, store)
	if out, err := exec.Command(stowageBin(t), "--config", cfg, "export", "nas", src, "--no-tui").CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	for _, tt := range []struct {
		name string
		n    int
		hard bool
	}{
		{"one SIGINT is graceful", 1, false},
		{"two SIGINTs are hard", 2, true},
	} {
		t.Run("download "+tt.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			code, out, errOut := signalled(t, tt.n, 5*time.Millisecond, `"type":"file_done"`,
				"--config", cfg, "download", "nas", dest, "--json", "--concurrency", "1")
			checkStopped(t, code, out, errOut, tt.hard, "downloads")
			if !tt.hard {
				filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
					if err == nil && strings.HasSuffix(p, ".stowage-partial") {
						t.Errorf("a graceful stop left %s", p)
					}
					return nil
				})
			}
		})
	}
}

func checkStopped(t *testing.T, code int, out, errOut string, hard bool, what string) {
	t.Helper()
	if code != 130 {
		t.Fatalf("exit %d, want 130\nstdout tail:\n%s\nstderr:\n%s", code, tail(out), errOut)
	}
	if !strings.Contains(out, `"stopped":true`) {
		t.Errorf("the summary does not say stopped:\n%s", tail(out))
	}
	if what == "uploads" && !strings.Contains(errOut, "stopping: finishing") {
		t.Errorf("no graceful-stop notice on stderr:\n%s", errOut)
	}
	if got := strings.Contains(errOut, "stopping now"); what == "uploads" && got != hard {
		t.Errorf("hard stop notice %v, want %v:\n%s", got, hard, errOut)
	}
}

func tail(s string) string {
	if len(s) > 800 {
		return s[len(s)-800:]
	}
	return s
}
