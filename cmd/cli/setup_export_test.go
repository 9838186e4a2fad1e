package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/tui"
	"github.com/stowage-dev/stowage/validate"
)

// syncBuffer is an output the export screen writes from its own goroutine.
type syncBuffer = testenv.SyncBuffer

// TestExportFromWizard hands a wizard result over to the export, as
// runWizard does after "export now": the files end up in the location,
// with the summary and the exit status of `stowage export`.
func TestExportFromWizard(t *testing.T) {
	tests := []struct {
		name       string
		accessible bool
		// sources returns the folders picked in the wizard.
		sources  func(t *testing.T) []string
		wantErr  func(error) bool
		wantOut  []string
		wantCode int
		want     int // files in the location
	}{
		{"screen", false, func(t *testing.T) []string { return []string{recordings(t, 3, 500)} },
			nil, []string{"Export to nas finished"}, ExitOK, 3},
		{"lines after the accessible wizard", true, func(t *testing.T) []string { return []string{recordings(t, 3, 500)} },
			nil, []string{"Export finished: nas", "exported: 3 files", "failed:   0 files"}, ExitOK, 3},
		{"two folders", true, func(t *testing.T) []string {
			other := t.TempDir()
			for _, n := range []string{"screen-1.mp4", "screen-2.mp4"} {
				if err := os.WriteFile(filepath.Join(other, n), []byte(n), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			return []string{recordings(t, 4, 10), other}
		}, nil, []string{"exported: 6 files"}, ExitOK, 6},
		{"a folder gone since the wizard", true, func(t *testing.T) []string { return []string{filepath.Join(t.TempDir(), "gone")} },
			func(err error) bool {
				return errors.Is(err, validate.ErrInvalid) && strings.Contains(err.Error(), "SRC: ")
			}, nil, ExitUsage, 0},
		// Two folders laid out alike give two files the same key: the
		// second of each fails, as with `stowage export`, and the exit
		// status says so.
		{"files that fail", true, func(t *testing.T) []string { return []string{recordings(t, 2, 10), recordings(t, 2, 10)} },
			func(err error) bool { return err != nil }, []string{"Export finished with failures", "failed:   2 files", "is also the key of"}, ExitFailed, 2},
		{"files that fail on the screen", false, func(t *testing.T) []string { return []string{recordings(t, 2, 10), recordings(t, 2, 10)} },
			func(err error) bool { return err != nil }, []string{"Export to nas finished with failures", "Failed files (2)"}, ExitFailed, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, dst := localExportConfig(t)
			f, err := config.Load(cfg)
			if err != nil {
				t.Fatal(err)
			}
			sources := tt.sources(t)
			in, inW := io.Pipe()
			defer inW.Close()
			var out, errOut syncBuffer
			g := &globals{configPath: cfg, stdin: in, stdout: &out, stderr: &errOut}
			err = exportFromWizard(context.Background(), g, f, tui.Result{
				Saved: true, Location: "nas", ExportNow: true, Sources: sources, Accessible: tt.accessible,
			})
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !tt.wantErr(err) {
				t.Fatalf("err = %v\n%s%s", err, ansi.Strip(out.String()), errOut.String())
			}
			if code := ExitCode(err); code != tt.wantCode {
				t.Errorf("exit code %d, want %d (err %v)", code, tt.wantCode, err)
			}
			text := ansi.Strip(out.String())
			for _, want := range tt.wantOut {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q:\n%s", want, text)
				}
			}
			if n := countFiles(t, dst); n != tt.want {
				t.Errorf("%d files in the location, want %d", n, tt.want)
			}
		})
	}
}

// TestWizardExportCommand is the command line shown to resume.
func TestWizardExportCommand(t *testing.T) {
	got := wizardExportCommand("nas", []string{"/data/calls", "/data/my screens"})
	if !strings.HasSuffix(got, " export nas /data/calls '/data/my screens'") {
		t.Fatalf("command = %q", got)
	}
}

// TestSetupWizardExportNow runs `stowage setup` from a pipe (the
// accessible wizard), saves a local location, answers yes to "export
// now" with a folder of three recordings, and gets the export's summary
// and exit status.
func TestSetupWizardExportNow(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "locations.yaml")
	dst := filepath.Join(dir, "nas")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	src := recordings(t, 3, 100)
	input := strings.Join([]string{
		"nas", // name
		"5",   // Local or NAS folder
		dst,
		"1", // save
		"y", // export now
		filepath.Join(dir, "nope"),
		src,
	}, "\n") + "\n"
	out, errOut, code := runCLI(t, input, "--config", cfg, "setup")
	if code != ExitOK {
		t.Fatalf("code %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Saved to " + cfg, `folder "` + filepath.Join(dir, "nope") + `" does not exist`, "Export finished: nas", "exported: 3 files"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := countFiles(t, dst); n != 3 {
		t.Fatalf("%d files in the location, want 3", n)
	}
}

// TestExportFromWizardStopped: an export stopped before it could finish
// (here the context is already cancelled, as by a first ctrl+c) exits
// 130 and shows the command that resumes it.
func TestExportFromWizardStopped(t *testing.T) {
	for _, accessible := range []bool{true, false} {
		name := map[bool]string{true: "lines", false: "screen"}[accessible]
		t.Run(name, func(t *testing.T) {
			cfg, _ := localExportConfig(t)
			f, err := config.Load(cfg)
			if err != nil {
				t.Fatal(err)
			}
			src := recordings(t, 50, 100)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			in, inW := io.Pipe()
			defer inW.Close()
			var out, errOut syncBuffer
			g := &globals{configPath: cfg, stdin: in, stdout: &out, stderr: &errOut}
			err = exportFromWizard(ctx, g, f, tui.Result{Location: "nas", ExportNow: true, Sources: []string{src}, Accessible: accessible})
			if code := ExitCode(err); code != ExitInterrupted {
				t.Fatalf("exit code %d (err %v), want %d\n%s%s", code, err, ExitInterrupted, ansi.Strip(out.String()), errOut.String())
			}
			// The screen wraps the command with a backslash.
			text := strings.ReplaceAll(ansi.Strip(out.String()), "\\\n ", "")
			if !strings.Contains(strings.Join(strings.Fields(text), " "), "stowage export nas "+src) {
				t.Errorf("no resume command in the output:\n%s", ansi.Strip(out.String()))
			}
		})
	}
}

// TestExportFromWizardLocation: "export now" with a saved location picked
// as the source (a local folder location here): auto says it streams and
// why, the objects end up in the destination, the resume command is the
// --from form.
func TestExportFromWizardLocation(t *testing.T) {
	dst := t.TempDir()
	src := recordings(t, 3, 500)
	cfg := saveLocations(t, config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: dst}},
		config.Location{Name: "platform", Type: config.TypeLocal, Local: &config.Local{Path: src}})
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	in, inW := io.Pipe()
	defer inW.Close()
	var out, errOut syncBuffer
	g := &globals{configPath: cfg, stdin: in, stdout: &out, stderr: &errOut}
	err = exportFromWizard(context.Background(), g, f, tui.Result{Location: "nas", ExportNow: true, From: "platform", Accessible: true})
	if err != nil {
		t.Fatalf("err = %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "Engine: stream (") || !strings.Contains(out.String(), "exported: 3 files") {
		t.Fatalf("output:\n%s%s", out.String(), errOut.String())
	}
	if n := countFiles(t, dst); n != 3 {
		t.Fatalf("%d files in the location, want 3", n)
	}
}
