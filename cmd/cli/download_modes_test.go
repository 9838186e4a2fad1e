package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/tui/downloadui"
)

// localDownloadConfig saves a locations file with one local-folder
// location "nas" holding n files (plus extra, key → content), and returns
// the config path.
func localDownloadConfig(t *testing.T, n int, extra map[string]string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "store")
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("2026/05/%02d/call-%04d.wav", i%3, i)] = strings.Repeat(string(rune('a'+i%26)), 100+i)
	}
	for k, v := range extra {
		files[k] = v
	}
	for k, v := range files {
		p := filepath.Join(root, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	f := &config.File{Version: config.CurrentVersion}
	if err := f.Upsert(config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: root}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := config.Save(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

// fakeTerminal makes the command believe stdout is a terminal and draws
// the screen into the returned buffer; it restores both at the end.
func fakeTerminal(t *testing.T, terminal bool) *bytes.Buffer {
	t.Helper()
	var screen bytes.Buffer
	oldTerm, oldScreen := downloadOnTerminal, downloadScreen
	t.Cleanup(func() { downloadOnTerminal, downloadScreen = oldTerm, oldScreen })
	downloadOnTerminal = func(*globals) bool { return terminal }
	downloadScreen = func(ctx context.Context, p providers.Provider, opts download.Options, scr downloadui.Screen) (downloadui.Result, error) {
		scr.In, scr.Out, scr.Env = strings.NewReader(""), &screen, []string{"TERM=xterm"}
		return downloadui.RunDownloadScreen(ctx, p, opts, scr)
	}
	return &screen
}

// TestDownloadModes: the screen on a terminal unless --no-tui or --json;
// status lines without a terminal or with --no-tui; JSON Lines with --json.
func TestDownloadModes(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		flags    []string
		want     string // "screen", "lines" or "json"
	}{
		{"terminal", true, nil, "screen"},
		{"terminal --no-tui", true, []string{"--no-tui"}, "lines"},
		{"terminal --json", true, []string{"--json"}, "json"},
		{"no terminal", false, nil, "lines"},
		{"no terminal --no-tui", false, []string{"--no-tui"}, "lines"},
		{"no terminal --json", false, []string{"--json"}, "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := localDownloadConfig(t, 5, nil)
			screen := fakeTerminal(t, tt.terminal)
			dest := filepath.Join(t.TempDir(), "out")
			out, errOut, code := runCLI(t, "", append([]string{"--config", cfg, "download", "nas", dest}, tt.flags...)...)
			if code != ExitOK {
				t.Fatalf("code %d\n%s%s", code, out, errOut)
			}
			drawn := ansi.Strip(screen.String())
			got := ""
			switch {
			case strings.Contains(drawn, "Download of nas finished"):
				got = "screen"
			case strings.Contains(out, `"type":"summary"`):
				got = "json"
			case strings.Contains(out, "5 downloaded, 0 already there, 0 failed") && strings.Contains(errOut, "Downloading nas"):
				got = "lines"
			}
			if got != tt.want {
				t.Fatalf("mode %q, want %q\nscreen:\n%s\nstdout:\n%s\nstderr:\n%s", got, tt.want, drawn, out, errOut)
			}
			if got != "screen" && screen.Len() > 0 {
				t.Fatalf("the screen was drawn in %s mode", got)
			}
			if got == "screen" && out != "" {
				t.Fatalf("the screen mode also printed to stdout:\n%s", out)
			}
			for i := range 5 {
				k := fmt.Sprintf("2026/05/%02d/call-%04d.wav", i%3, i)
				if _, err := os.Stat(filepath.Join(dest, filepath.FromSlash(k))); err != nil {
					t.Fatalf("%s not downloaded: %v", k, err)
				}
			}
		})
	}
}

// TestDownloadExitCodes: 0 when everything is in DEST, 1 when objects
// failed, 2 for bad usage, in each output mode.
func TestDownloadExitCodes(t *testing.T) {
	// A key named like Stowage's own partial files cannot be saved.
	bad := map[string]string{"x/.a.wav" + download.PartialSuffix: "odd"}
	tests := []struct {
		name     string
		terminal bool
		extra    map[string]string
		flags    []string
		code     int
		want     string // in the screen, stdout or stderr
	}{
		{"ok screen", true, nil, nil, ExitOK, "Download of nas finished"},
		{"ok lines", false, nil, nil, ExitOK, "0 failed"},
		{"ok json", false, nil, []string{"--json"}, ExitOK, `"ok":true`},
		{"failed screen", true, bad, nil, ExitFailed, "Failed files (1)"},
		{"failed lines", false, bad, []string{"--no-tui"}, ExitFailed, "collides with Stowage's own files"},
		{"failed json", false, bad, []string{"--json"}, ExitFailed, `"files_failed":1`},
		{"json and no-tui", true, nil, []string{"--json", "--no-tui"}, ExitUsage, "exclude each other"},
		{"bad concurrency", true, nil, []string{"--concurrency", "2000"}, ExitUsage, "--concurrency: must be between 1 and 1024"},
		{"bad include on the screen path", true, nil, []string{"--include", "[x"}, ExitUsage, "--include"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := localDownloadConfig(t, 3, tt.extra)
			screen := fakeTerminal(t, tt.terminal)
			dest := filepath.Join(t.TempDir(), "out")
			out, errOut, code := runCLI(t, "", append([]string{"--config", cfg, "download", "nas", dest}, tt.flags...)...)
			all := ansi.Strip(screen.String()) + out + errOut
			if code != tt.code {
				t.Fatalf("code %d, want %d\n%s", code, tt.code, all)
			}
			if !strings.Contains(all, tt.want) {
				t.Fatalf("output lacks %q:\n%s", tt.want, all)
			}
		})
	}
}

// TestDownloadInterrupted: a signal stops the run gracefully; the command
// exits 130 and prints how to continue, and running that continues.
func TestDownloadInterrupted(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		want  string
	}{
		{"lines", []string{"--no-tui"}, "To continue where it stopped, run:"},
		{"json", []string{"--json"}, `"stopped":true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := localDownloadConfig(t, 400, nil)
			fakeTerminal(t, false)
			old := forwarding
			t.Cleanup(func() { forwarding = old })
			forwarding = func(in *interrupts) { in.deliver() }
			dest := filepath.Join(t.TempDir(), "out")
			out, errOut, code := runCLI(t, "", append([]string{"--config", cfg, "download", "nas", dest, "--concurrency", "2"}, tt.flags...)...)
			if code != ExitInterrupted {
				t.Fatalf("code %d, want %d\n%s%s", code, ExitInterrupted, out, errOut)
			}
			if !strings.Contains(out, tt.want) || !strings.Contains(out, "download nas "+dest) {
				t.Fatalf("output lacks %q and the resume command:\n%s%s", tt.want, out, errOut)
			}
			if tt.name == "json" {
				for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
					if !json.Valid([]byte(line)) {
						t.Fatalf("not JSON Lines: %q", line)
					}
				}
			}
			// No partial file is left by the stop: in-flight downloads finished.
			filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
				if err == nil && strings.HasSuffix(p, download.PartialSuffix) {
					t.Errorf("partial file left after a graceful stop: %s", p)
				}
				return nil
			})

			forwarding = old
			out, errOut, code = runCLI(t, "", "--config", cfg, "download", "nas", dest, "--no-tui")
			if code != ExitOK || !strings.Contains(out, "0 failed") {
				t.Fatalf("resume: code %d\n%s%s", code, out, errOut)
			}
		})
	}
}
