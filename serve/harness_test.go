package serve

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"github.com/stowage-dev/stowage/config"
)

// platform is the server's own settings in every test.
var platform = config.Platform{PrincipalARNs: []string{"arn:aws:iam::111122223333:root"}}

type testServer struct {
	*Server
	addr    string
	tenants string
}

// startServer runs a server on a random loopback port until the test ends.
func startServer(t *testing.T, mod func(*Config)) *testServer {
	t.Helper()
	dir := t.TempDir()
	cfg := Config{
		HostKey:  filepath.Join(dir, "host_key"),
		Tenants:  filepath.Join(dir, "tenants"),
		Platform: platform,
		Log:      testLog{t},
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &testServer{Server: s, addr: l.Addr().String(), tenants: cfg.Tenants}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Logf("server: %s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}

// invite makes a code for tenant valid for ttl, in screen-share mode.
func (ts *testServer) invite(t *testing.T, tenant string, ttl time.Duration) string {
	t.Helper()
	code, _, err := CreateInvite(ts.tenants, tenant, ttl, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// dialResult is a login attempt: the client, or the error and what the
// server said in its keyboard-interactive instructions.
type dialResult struct {
	client *gossh.Client
	err    error
	said   []string
}

// dial logs in as user; answer is typed at a code prompt, and keys are
// offered first as a client with an agent would.
func (ts *testServer) dial(t *testing.T, user, answer string, keys ...gossh.Signer) dialResult {
	t.Helper()
	var r dialResult
	var mu sync.Mutex
	auth := []gossh.AuthMethod{}
	if len(keys) > 0 {
		auth = append(auth, gossh.PublicKeys(keys...))
	}
	auth = append(auth, gossh.KeyboardInteractive(func(name, instruction string, questions []string, echos []bool) ([]string, error) {
		mu.Lock()
		defer mu.Unlock()
		if instruction != "" {
			r.said = append(r.said, instruction)
		}
		ans := make([]string, len(questions))
		for i := range ans {
			ans[i] = answer
		}
		return ans, nil
	}))
	c, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
	r.client, r.err = c, err
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return r
}

func (r dialResult) must(t *testing.T) *gossh.Client {
	t.Helper()
	if r.err != nil {
		t.Fatalf("login: %v (server said %q)", r.err, r.said)
	}
	return r.client
}

func newKey(t *testing.T) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, string(gossh.MarshalAuthorizedKey(s.PublicKey()))
}

// term is one session on a pty, its output read by a terminal emulator.
type term struct {
	t    *testing.T
	sess *gossh.Session
	in   io.WriteCloser
	inMu sync.Mutex

	mu   sync.Mutex
	emu  *vt.Emulator
	raw  bytes.Buffer
	done chan error
}

// openTerm asks for a pty of w×h and a shell, as `ssh -t` does.
func openTerm(t *testing.T, c *gossh.Client, w, h int) *term {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{gossh.ECHO: 0}); err != nil {
		t.Fatal(err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, sess: sess, in: stdin, emu: vt.NewEmulator(w, h), done: make(chan error, 1)}
	// The emulator answers the program's queries (background colour,
	// cursor position) on its input side, as a terminal does.
	go func() {
		b := make([]byte, 256)
		for {
			n, err := tm.emu.Read(b)
			if n > 0 {
				tm.send(string(b[:n]))
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := stdout.Read(b)
			if n > 0 {
				tm.mu.Lock()
				tm.raw.Write(b[:n])
				_, _ = tm.emu.Write(b[:n])
				tm.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { tm.done <- sess.Wait() }()
	t.Cleanup(func() {
		sess.Close()
		// Ends the answer reader; Emulator.Close races with Read.
		_ = tm.emu.InputPipe().(*io.PipeWriter).Close()
	})
	return tm
}

func (tm *term) send(s string) {
	tm.inMu.Lock()
	defer tm.inMu.Unlock()
	_, _ = io.WriteString(tm.in, s)
}

// screen is the emulator's text.
func (tm *term) screen() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.emu.String()
}

// output is every byte the session sent.
func (tm *term) output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.raw.String()
}

func (tm *term) waitFor(want ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := tm.screen()
		ok := true
		for _, w := range want {
			if !strings.Contains(s, w) {
				ok = false
				break
			}
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen never showed %q; it shows:\n%s", want, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (tm *term) waitForAny(want ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := tm.screen()
		for _, w := range want {
			if strings.Contains(s, w) {
				return s
			}
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen never showed any of %q; it shows:\n%s", want, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var keyBytes = map[string]string{
	"enter": "\r", "tab": "\t", "space": " ", "esc": "\x1b", "backspace": "\x7f",
	"ctrl+c": "\x03", "up": "\x1b[A", "down": "\x1b[B",
}

func (tm *term) press(name string) {
	tm.t.Helper()
	b, ok := keyBytes[name]
	if !ok {
		tm.t.Fatalf("no key %q", name)
	}
	tm.send(b)
	// A lone ESC is only a key once nothing follows it for a moment.
	time.Sleep(60 * time.Millisecond)
}

func (tm *term) typeText(s string) {
	tm.send(s)
	time.Sleep(60 * time.Millisecond)
}

func (tm *term) resize(w, h int) {
	tm.t.Helper()
	tm.mu.Lock()
	tm.emu.Resize(w, h)
	tm.mu.Unlock()
	if err := tm.sess.WindowChange(h, w); err != nil {
		tm.t.Fatal(err)
	}
}

// wait is the session's exit, or a failure after the timeout.
func (tm *term) wait(d time.Duration) error {
	tm.t.Helper()
	select {
	case err := <-tm.done:
		return err
	case <-time.After(d):
		tm.t.Fatalf("session did not end within %s; screen:\n%s", d, tm.screen())
		return nil
	}
}

func exitStatus(err error) int {
	var ee *gossh.ExitError
	if errors.As(err, &ee) {
		return ee.ExitStatus()
	}
	if err == nil {
		return 0
	}
	return -1
}

// readAudit returns the audit log's events.
func readAudit(t *testing.T, ts *testServer) (string, []map[string]any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(ts.tenants, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var evs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		evs = append(evs, m)
	}
	return string(data), evs
}

func eventsOf(evs []map[string]any, name string) []map[string]any {
	var out []map[string]any
	for _, e := range evs {
		if e["event"] == name {
			out = append(out, e)
		}
	}
	return out
}
