package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// readyTimeout bounds how long a server may take to answer its readiness
// probe; a cold MinIO on a busy 2-core CI runner takes a few seconds.
const readyTimeout = 60 * time.Second

// defaultStopGrace is how long a server gets to exit after SIGTERM before
// SIGKILL, unless the process sets its own.
const defaultStopGrace = 10 * time.Second

// logTailSize caps the captured server output kept in memory.
const logTailSize = 256 << 10

// tailBuffer keeps the last logTailSize bytes written to it. It is shared by
// the process's stdout and stderr, which are written from different goroutines.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - logTailSize; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// process is one run of a server binary. Its output is captured so a failed
// start or test can show what the server said.
type process struct {
	name    string
	cmd     *exec.Cmd
	log     *tailBuffer
	done    chan struct{} // closed when the process has exited
	waitErr error         // valid after done is closed
	redact  []string      // secrets to hide when showing the log
	grace   time.Duration // SIGTERM-to-SIGKILL wait; defaultStopGrace when 0
}

// startProcess starts path with args and env (env replaces the inherited
// environment, so a developer's MINIO_* or AWS_* variables cannot leak in).
// The child gets its own process group and, on Linux, SIGKILL when the test
// binary dies, so an interrupted or crashed test run never leaks servers.
func startProcess(name, path string, args, env []string, log *tailBuffer, redact []string) (*process, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Stdout = log
	cmd.Stderr = log
	cmd.SysProcAttr = childAttr()
	p := &process{name: name, cmd: cmd, log: log, done: make(chan struct{}), redact: redact}
	if err := startLocked(cmd); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, waits up to its grace and then
// kills the group. It is safe to call more than once.
func (p *process) stop() {
	if p.exited() {
		return
	}
	grace := p.grace
	if grace == 0 {
		grace = defaultStopGrace
	}
	terminateGroup(p.cmd.Process)
	select {
	case <-p.done:
		return
	case <-time.After(grace):
	}
	killGroup(p.cmd.Process)
	<-p.done
}

// logText returns the captured output with secrets replaced.
func (p *process) logText() string {
	s := p.log.String()
	for _, secret := range p.redact {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[REDACTED]")
		}
	}
	if strings.TrimSpace(s) == "" {
		return "(no output)"
	}
	return s
}

// lastLines returns at most the final n lines of the captured log, for test
// failure reports that should not drown the test's own output.
func (p *process) lastLines(n int) string {
	lines := strings.Split(strings.TrimRight(p.logText(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// errAddrInUse marks a start that lost a race for its port; the caller picks
// fresh ports and tries again.
var errAddrInUse = errors.New("address already in use")

// waitReady polls probe until it returns nil, the process exits, or
// readyTimeout passes. The returned error carries the server's log.
func (p *process) waitReady(probe func(ctx context.Context) error) error {
	deadline := time.Now().Add(readyTimeout)
	var last error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		last = probe(ctx)
		cancel()
		if last == nil {
			return nil
		}
		if p.exited() {
			out := p.logText()
			if strings.Contains(strings.ToLower(out), "address already in use") || strings.Contains(out, "EADDRINUSE") {
				return fmt.Errorf("%s exited: %w\n%s", p.name, errAddrInUse, out)
			}
			return fmt.Errorf("%s exited before it was ready (%v); its output:\n%s", p.name, p.waitErr, out)
		}
		if time.Now().After(deadline) {
			p.stop()
			return fmt.Errorf("%s not ready after %s (last probe: %v); its output:\n%s", p.name, readyTimeout, last, p.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// httpProbe returns a probe that succeeds when GET url answers with a status
// accepted by ok.
func httpProbe(client *http.Client, url string, ok func(status int) bool) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if !ok(resp.StatusCode) {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
}

// baseEnv is the environment every server starts with: PATH (Azurite's
// shebang needs node) and a private HOME so nothing touches the developer's.
func baseEnv(home string) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + os.TempDir()}
}
