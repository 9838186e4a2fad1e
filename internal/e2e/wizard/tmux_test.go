package wizard

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stowage-dev/stowage/internal/testenv"
)

// Terminal size of every session: the smallest the wizard promises to fit.
const (
	cols = 80
	rows = 24
)

// waitTimeout bounds every wait for a screen. The connection test against
// MinIO takes about a second; the margin is for a loaded 2-core machine.
const waitTimeout = 30 * time.Second

// terminal is the wizard running in its own tmux server, driven by
// send-keys and read with capture-pane. It keeps every distinct screen it
// captured and the raw bytes the program wrote, so a test can check that
// nothing secret was ever on screen, even for a moment between captures.
type terminal struct {
	t      *testing.T
	tmux   string
	sock   string
	conf   string
	rawLog string
	// statusFile receives the program's exit status and pidFile its pid,
	// written by the script that runs it.
	statusFile, pidFile string
	frames              []capture
}

// capture is one distinct screen and how many times in a row it was
// captured: a screen seen more than once was drawn completely, not caught
// halfway through a redraw.
type capture struct {
	text  string
	times int
}

const session = "e2e"

// requireTmux returns tmux's path; without tmux the test fails under CI
// and skips elsewhere, like the storage servers.
func requireTmux(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("tmux")
	if err != nil {
		if testenv.InCI() {
			t.Fatalf("tmux is required for the terminal end-to-end tests under CI: %v (install the tmux package)", err)
		}
		t.Skipf("tmux not installed: %v", err)
	}
	return p
}

// startTerminal runs the binary with args in a fresh 80×24 tmux session.
// The program sees only env (plus nothing inherited: it is started
// through env -i), so the test controls TERM, NO_COLOR, HOME and the AWS
// variables exactly.
func startTerminal(t *testing.T, env []string, args ...string) *terminal {
	t.Helper()
	tmuxPath := requireTmux(t)
	// A socket path must stay under about 100 bytes; t.TempDir() paths
	// carry the test name and can be longer.
	sockDir, err := os.MkdirTemp("", "stowage-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(sockDir) })
	dir := t.TempDir()
	tm := &terminal{
		t:      t,
		tmux:   tmuxPath,
		sock:   filepath.Join(sockDir, "sock"),
		conf:   filepath.Join(dir, "tmux.conf"),
		rawLog: filepath.Join(dir, "raw.log"),

		statusFile: filepath.Join(dir, "status"),
		pidFile:    filepath.Join(dir, "pid"),
	}
	// No status line (the pane gets all 24 rows), the pane kept after the
	// program exits (for its last screen and any error it printed), and no
	// escape delay so Escape is a key of its own.
	conf := "set -g status off\nset -g remain-on-exit on\nset -s escape-time 0\nset -g history-limit 2000\n"
	if err := os.WriteFile(tm.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// The program waits for one line before it starts, so pipe-pane is
	// recording before its first byte. env -i drops whatever tmux adds
	// (TMUX, TMUX_PANE, its own TERM). The script, not tmux, reports the
	// exit status: tmux 3.3 here sometimes leaves the exited program a
	// zombie, and the pane alive, for many seconds.
	var script strings.Builder
	script.WriteString("#!/bin/sh\nIFS= read -r _\n")
	script.WriteString(`sh -c 'echo $$ > "$0"; exec "$@"' ` + shellQuote(tm.pidFile) + " env -i")
	for _, kv := range env {
		script.WriteString(" " + shellQuote(kv))
	}
	script.WriteString(" " + shellQuote(binary))
	for _, a := range args {
		script.WriteString(" " + shellQuote(a))
	}
	script.WriteString("\n")
	script.WriteString(fmt.Sprintf("echo $? > %[1]s.tmp && mv %[1]s.tmp %[1]s\n", shellQuote(tm.statusFile)))
	run := filepath.Join(dir, "run.sh")
	// 0700: the script holds the platform's base credentials.
	if err := os.WriteFile(run, []byte(script.String()), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.run("new-session", "-d", "-x", strconv.Itoa(cols), "-y", strconv.Itoa(rows), "-s", session, run); err != nil {
		t.Fatalf("starting tmux: %v", err)
	}
	t.Cleanup(func() {
		_, _ = tm.run("kill-server")
		tm.dump()
	})
	if _, err := tm.run("pipe-pane", "-O", "-t", session, "cat >> "+shellQuote(tm.rawLog)); err != nil {
		t.Fatalf("tmux pipe-pane: %v", err)
	}
	tm.keys("Enter")
	return tm
}

// run runs one tmux command against this terminal's server.
func (tm *terminal) run(args ...string) (string, error) {
	full := append([]string{"-u", "-S", tm.sock, "-f", tm.conf}, args...)
	cmd := exec.Command(tm.tmux, full...)
	// The tmux server inherits this environment; keep it small and fixed.
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + filepath.Dir(tm.conf), "LANG=C.UTF-8", "TERM=xterm-256color"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// keys sends named keys (tmux names: Enter, Tab, BTab, Space, Down,
// Escape, C-c).
func (tm *terminal) keys(keys ...string) {
	tm.t.Helper()
	if _, err := tm.run(append([]string{"send-keys", "-t", session}, keys...)...); err != nil {
		tm.t.Fatal(err)
	}
}

// typeText types s literally, as keystrokes.
func (tm *terminal) typeText(s string) {
	tm.t.Helper()
	if _, err := tm.run("send-keys", "-t", session, "-l", s); err != nil {
		tm.t.Fatal(err)
	}
}

// capture returns the visible pane and records it.
func (tm *terminal) capture() string {
	tm.t.Helper()
	out, err := tm.run("capture-pane", "-p", "-t", session)
	if err != nil {
		tm.t.Fatal(err)
	}
	out = strings.TrimRight(out, "\n")
	if n := len(tm.frames); n > 0 && tm.frames[n-1].text == out {
		tm.frames[n-1].times++
	} else {
		tm.frames = append(tm.frames, capture{text: out, times: 1})
	}
	return out
}

// dead reports whether the program has exited, and its exit status.
func (tm *terminal) dead() (bool, int) {
	tm.t.Helper()
	b, err := os.ReadFile(tm.statusFile)
	if errors.Is(err, fs.ErrNotExist) {
		return false, 0
	}
	if err != nil {
		tm.t.Fatal(err)
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		tm.t.Fatalf("exit status file holds %q", b)
	}
	return true, code
}

// waitFor polls the screen until it shows every one of want, and returns
// that screen. On timeout, or if the program exits first, the test fails
// with the whole pane.
func (tm *terminal) waitFor(want ...string) string {
	tm.t.Helper()
	return tm.waitUntil(func(screen string) string {
		for _, w := range want {
			if !strings.Contains(screen, w) {
				return fmt.Sprintf("the screen does not show %q", w)
			}
		}
		return ""
	})
}

// waitUntil polls the screen until missing (which says what is missing,
// or "" when nothing is) accepts it.
func (tm *terminal) waitUntil(missing func(screen string) string) string {
	tm.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		screen := tm.capture()
		why := missing(screen)
		if why == "" {
			return screen
		}
		if d, code := tm.dead(); d {
			tm.t.Fatalf("the program exited before the wait was over (%s): %s", why, tm.exitReport(code))
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("after %s %s; screen:\n%s", waitTimeout, why, frame(screen))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitStep waits for a step's title on the first row — which also proves
// the screen did not overflow 24 rows and push its title off — and for
// every one of want.
func (tm *terminal) waitStep(title string, want ...string) string {
	tm.t.Helper()
	return tm.waitUntil(func(screen string) string {
		if first, _, _ := strings.Cut(screen, "\n"); !strings.HasPrefix(first, "Stowage · "+title) {
			return fmt.Sprintf("the first row is %q, not the title %q (or the screen overflowed %d rows)", first, "Stowage · "+title, rows)
		}
		for _, w := range want {
			if !strings.Contains(screen, w) {
				return fmt.Sprintf("the screen does not show %q", w)
			}
		}
		return ""
	})
}

// pressUntil presses key, up to n times, until the screen shows want.
func (tm *terminal) pressUntil(key string, n int, want string) string {
	tm.t.Helper()
	screen := tm.capture()
	for i := 0; i < n && !strings.Contains(screen, want); i++ {
		before := screen
		tm.keys(key)
		// Wait for the key to take effect before judging the screen.
		deadline := time.Now().Add(5 * time.Second)
		for screen = tm.capture(); screen == before && time.Now().Before(deadline); screen = tm.capture() {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !strings.Contains(screen, want) {
		tm.t.Fatalf("after pressing %s %d times the screen does not show %q; screen:\n%s", key, n, want, frame(screen))
	}
	return screen
}

// scrollToEnd presses key until the screen stops changing (the end of a
// scrolled document), at most n times, and returns every screen on the
// way, the first included.
func (tm *terminal) scrollToEnd(key string, n int) string {
	tm.t.Helper()
	screen := tm.capture()
	all := []string{screen}
	for range n {
		before := screen
		tm.keys(key)
		// A key that changes nothing redraws nothing: give it a moment.
		deadline := time.Now().Add(500 * time.Millisecond)
		for screen = tm.capture(); screen == before && time.Now().Before(deadline); screen = tm.capture() {
			time.Sleep(20 * time.Millisecond)
		}
		if screen == before {
			return strings.Join(all, "\n")
		}
		all = append(all, screen)
	}
	tm.t.Fatalf("the screen still changed after pressing %s %d times; screen:\n%s", key, n, frame(screen))
	return ""
}

// cursor returns the terminal cursor's column and row.
func (tm *terminal) cursor() string {
	tm.t.Helper()
	out, err := tm.run("display-message", "-p", "-t", session, "#{cursor_x},#{cursor_y} #{cursor_flag}")
	if err != nil {
		tm.t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// waitExit waits for the program to end and returns its exit status.
func (tm *terminal) waitExit() int {
	tm.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		if d, code := tm.dead(); d {
			return code
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the program did not exit within %s; screen:\n%s\n%s", waitTimeout, frame(tm.capture()), tm.goroutines())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dumpEnv names a folder to write every captured screen of each test to,
// for reviewing the screens by eye.
const dumpEnv = "STOWAGE_E2E_DUMP"

func (tm *terminal) dump() {
	dir := os.Getenv(dumpEnv)
	if dir == "" {
		return
	}
	var b strings.Builder
	for _, f := range tm.frames {
		b.WriteString(frame(f.text) + "\n")
	}
	name := strings.ReplaceAll(tm.t.Name(), "/", "_") + ".screens"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o600); err != nil {
		tm.t.Logf("writing the screens: %v", err)
	}
}

// goroutines makes a hung program print its goroutines (SIGQUIT, as Go
// programs answer it) and returns the pane's whole history, which then
// holds them.
func (tm *terminal) goroutines() string {
	b, err := os.ReadFile(tm.pidFile)
	if err != nil {
		return "no pid: " + err.Error()
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Sprintf("pid file holds %q", b)
	}
	proc := procInfo(pid)
	// The pid is the shell exec'd into env and then into stowage, so the
	// program itself.
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Signal(syscall.SIGQUIT)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if d, _ := tm.dead(); d {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	hist, err := tm.run("capture-pane", "-p", "-S", "-", "-t", session)
	if err != nil {
		return err.Error()
	}
	return proc + "\ngoroutines after SIGQUIT:\n" + hist
}

// procInfo describes a process from /proc (Linux only): its command line,
// state and what each thread waits in.
func procInfo(pid int) string {
	dir := fmt.Sprintf("/proc/%d", pid)
	cmdline, err := os.ReadFile(dir + "/cmdline")
	if err != nil {
		return fmt.Sprintf("pid %d: %v", pid, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "pid %d: %s\n", pid, strings.ReplaceAll(string(cmdline), "\x00", " "))
	if st, err := os.ReadFile(dir + "/status"); err == nil {
		for _, l := range strings.Split(string(st), "\n") {
			if strings.HasPrefix(l, "State:") || strings.HasPrefix(l, "SigBlk:") || strings.HasPrefix(l, "SigIgn:") || strings.HasPrefix(l, "SigCgt:") {
				b.WriteString("  " + l + "\n")
			}
		}
	}
	tasks, _ := os.ReadDir(dir + "/task")
	for _, t := range tasks {
		wchan, _ := os.ReadFile(dir + "/task/" + t.Name() + "/wchan")
		stat, _ := os.ReadFile(dir + "/task/" + t.Name() + "/stat")
		fmt.Fprintf(&b, "  thread %s wchan=%s stat=%s\n", t.Name(), wchan, strings.TrimSpace(string(stat)))
	}
	if kids, err := os.ReadFile(fmt.Sprintf("%s/task/%d/children", dir, pid)); err == nil {
		fmt.Fprintf(&b, "  children: %s\n", kids)
	}
	return b.String()
}

// screens is every distinct screen captured, in order, including screens
// caught halfway through a redraw.
func (tm *terminal) screens() string {
	var all []string
	for _, f := range tm.frames {
		all = append(all, f.text)
	}
	return strings.Join(all, "\n")
}

// output is everything the program wrote to the terminal, escape
// sequences removed: it holds what was drawn between two captures too,
// though not laid out in lines.
func (tm *terminal) output() string {
	tm.t.Helper()
	raw, err := os.ReadFile(tm.rawLog)
	if err != nil {
		tm.t.Fatalf("reading the pane's output log: %v", err)
	}
	out := ansi.Strip(string(raw))
	// An empty log would make every check on it pass: prove it recorded.
	if !strings.Contains(out, "Stowage · ") {
		tm.t.Fatalf("the pane's output log (%d bytes) does not hold the wizard's screens; pipe-pane recorded nothing useful", len(raw))
	}
	return out
}

// exitReport describes how the program ended: its status, the last
// screen and the end of what it wrote (an error printed after it left
// the alternate screen shows there).
func (tm *terminal) exitReport(code int) string {
	tail := ""
	if raw, err := os.ReadFile(tm.rawLog); err == nil {
		s := ansi.Strip(string(raw))
		tail = s[max(0, len(s)-1500):]
	}
	return fmt.Sprintf("status %d; screen:\n%s\nend of its output:\n%s", code, frame(tm.capture()), tail)
}

// frame draws a screen with a ruler, so trailing blanks and the 80×24
// edges are visible in a failure message.
func frame(screen string) string {
	var b strings.Builder
	b.WriteString("┌" + strings.Repeat("─", cols) + "┐\n")
	for _, l := range strings.Split(screen, "\n") {
		pad := cols - ansi.StringWidth(l)
		if pad < 0 {
			pad = 0
		}
		b.WriteString("│" + l + strings.Repeat(" ", pad) + "│\n")
	}
	b.WriteString("└" + strings.Repeat("─", cols) + "┘")
	return b.String()
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
