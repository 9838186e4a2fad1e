package serve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// TestCodeLogsInOnce: a code as the user name opens the wizard in
// screen-share mode; the same code is refused afterwards, with the reason
// printed by the client.
func TestCodeLogsInOnce(t *testing.T) {
	ts := startServer(t, nil)
	code := ts.invite(t, "acme", time.Hour)
	tm := openTerm(t, ts.dial(t, code, "").must(t), 80, 24)
	tm.waitFor("Stowage · Name", "SCREEN-SHARE MODE")

	r := ts.dial(t, code, "")
	if r.err == nil {
		t.Fatal("a used code logged in again")
	}
	if len(r.said) == 0 || !strings.Contains(r.said[0], "already used") {
		t.Fatalf("server said %q, want that the code was already used", r.said)
	}
	if len(r.said) != 1 {
		t.Fatalf("server said %q: one refusal, not one per retry", r.said)
	}
	_, evs := readAudit(t, ts)
	if n := len(eventsOf(evs, evAuthFailed)); n != 1 {
		t.Fatalf("auth_failed events = %d, want 1: %v", n, evs)
	}
}

// TestCodeTypedAtPrompt: any other user name asks for the code.
func TestCodeTypedAtPrompt(t *testing.T) {
	ts := startServer(t, nil)
	code := ts.invite(t, "acme", time.Hour)
	tm := openTerm(t, ts.dial(t, "onboard", "  "+strings.ToUpper(code)+" ").must(t), 80, 24)
	tm.waitFor("Stowage · Name")
}

func TestCodeExpiredUnknownRefused(t *testing.T) {
	now := time.Now()
	ts := startServer(t, func(c *Config) { c.Now = func() time.Time { return now } })
	code, _, err := CreateInvite(ts.tenants, "acme", time.Minute, true, now.Add(-2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	r := ts.dial(t, code, "")
	if r.err == nil || len(r.said) == 0 || !strings.Contains(r.said[0], "expired") {
		t.Fatalf("expired code: err %v, said %q", r.err, r.said)
	}
	r = ts.dial(t, "aaaa-bbbb-cccc-dddd", "")
	if r.err == nil || len(r.said) == 0 || !strings.Contains(r.said[0], "not known") {
		t.Fatalf("unknown code: err %v, said %q", r.err, r.said)
	}
	// The expired code's file is still open, not used.
	if _, err := os.Stat(filepath.Join(ts.tenants, "invites", codeHash(code)+".json")); err != nil {
		t.Fatal(err)
	}
}

// TestAttemptsRateLimited: after MaxFailures wrong codes an address is
// refused even with a good code.
func TestAttemptsRateLimited(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxFailures = 3 })
	good := ts.invite(t, "acme", time.Hour)
	for i := range 3 {
		if r := ts.dial(t, "onboard", "zzzz-zzzz-zzzz-zzz"+string(rune('a'+i))); r.err == nil {
			t.Fatal("a wrong code logged in")
		}
	}
	r := ts.dial(t, good, "")
	if r.err == nil || len(r.said) == 0 || !strings.Contains(r.said[0], "Too many wrong onboarding codes") {
		t.Fatalf("rate limit: err %v, said %q", r.err, r.said)
	}
	// The good code was not spent by the refusal.
	if _, _, err := lookupInvite(ts.tenants, good, time.Now()); err != nil {
		t.Fatalf("good code after the refusal: %v", err)
	}
}

// TestPublicKeyLogin: a key in the tenant's authorized_keys logs in as that
// tenant and no other.
func TestPublicKeyLogin(t *testing.T) {
	ts := startServer(t, nil)
	key, line := newKey(t)
	other, _ := newKey(t)
	for _, tenant := range []string{"acme", "globex"} {
		if err := os.MkdirAll(filepath.Join(ts.tenants, tenant), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(authorizedKeysPath(ts.tenants, "acme"), []byte("# acme's laptop\n"+line), 0o600); err != nil {
		t.Fatal(err)
	}
	tm := openTerm(t, ts.dial(t, "acme", "", key).must(t), 80, 24)
	tm.waitFor("Stowage · Name", "SCREEN-SHARE MODE")
	if r := ts.dial(t, "globex", "", key); r.err == nil {
		t.Fatal("acme's key logged in as globex")
	}
	if r := ts.dial(t, "acme", "", other); r.err == nil {
		t.Fatal("an unlisted key logged in as acme")
	}
	if r := ts.dial(t, "../acme", "", key); r.err == nil {
		t.Fatal("a path as the tenant logged in")
	}
}

// TestOnlyTheWizard: exec, subsystems (sftp), port forwarding both ways and
// agent forwarding are refused; without a pty the session says why.
func TestOnlyTheWizard(t *testing.T) {
	ts := startServer(t, nil)
	key, line := newKey(t)
	if err := os.MkdirAll(filepath.Join(ts.tenants, "acme"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(authorizedKeysPath(ts.tenants, "acme"), []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	c := ts.dial(t, "acme", "", key).must(t)

	s, _ := c.NewSession()
	if out, err := s.CombinedOutput("id; cat /etc/passwd"); err == nil || len(out) > 0 {
		t.Fatalf("exec: err %v, output %q", err, out)
	}
	s, _ = c.NewSession()
	if err := s.RequestSubsystem("sftp"); err == nil {
		t.Fatal("sftp subsystem accepted")
	}
	s.Close()
	if conn, err := c.Dial("tcp", ts.addr); err == nil {
		conn.Close()
		t.Fatal("direct-tcpip (ssh -L) accepted")
	}
	if l, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close()
		t.Fatal("tcpip-forward (ssh -R) accepted")
	}
	s, _ = c.NewSession()
	if err := agent.RequestAgentForwarding(s); err == nil {
		t.Fatal("agent forwarding accepted")
	}
	s.Close()
	if ok, _, err := c.SendRequest("x11-req", true, nil); err == nil && ok {
		t.Fatal("x11 accepted")
	}

	s, _ = c.NewSession()
	var out strings.Builder
	s.Stdout, s.Stderr = &out, &out
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	err := s.Wait()
	if exitStatus(err) != 1 || !strings.Contains(out.String(), "needs a terminal") {
		t.Fatalf("no pty: exit %v, output %q", err, out.String())
	}
}

// TestSmallTerminalWaits: under 80×24 the session says so and starts the
// wizard once the window is large enough.
func TestSmallTerminalWaits(t *testing.T) {
	ts := startServer(t, nil)
	tm := openTerm(t, ts.dial(t, ts.invite(t, "acme", time.Hour), "").must(t), 70, 20)
	tm.waitFor("This terminal is 70×20", "at least 80×24")
	tm.resize(79, 30)
	tm.waitFor("This terminal is 79×30")
	tm.resize(80, 24)
	tm.waitFor("Stowage · Name")

	// q leaves the size message.
	tm = openTerm(t, ts.dial(t, ts.invite(t, "acme", time.Hour), "").must(t), 60, 20)
	tm.waitFor("This terminal is 60×20")
	tm.typeText("q")
	tm.wait(10 * time.Second)
}

func TestIdleTimeout(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.IdleTimeout = 1500 * time.Millisecond })
	tm := openTerm(t, ts.dial(t, ts.invite(t, "acme", time.Hour), "").must(t), 80, 24)
	tm.waitFor("Stowage · Name")
	tm.typeText("abc")
	start := time.Now()
	tm.wait(20 * time.Second)
	if d := time.Since(start); d < time.Second {
		t.Fatalf("ended %s after the last key, before the idle timeout", d)
	}
	if out := tm.output(); !strings.Contains(out, "without input") {
		t.Fatalf("no idle message in the output:\n%q", out[max(0, len(out)-300):])
	}
	_, evs := readAudit(t, ts)
	if e := eventsOf(evs, evSessionEnd); len(e) != 1 || e[0]["reason"] != "idle" {
		t.Fatalf("session_end = %v", e)
	}
}

func TestSessionLimit(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxSessions = 1 })
	first := openTerm(t, ts.dial(t, ts.invite(t, "acme", time.Hour), "").must(t), 80, 24)
	first.waitFor("Stowage · Name")
	second := openTerm(t, ts.dial(t, ts.invite(t, "globex", time.Hour), "").must(t), 80, 24)
	second.waitFor("All 1 setup sessions are in use")
	if err := second.wait(10 * time.Second); exitStatus(err) != 1 {
		t.Fatalf("refused session exit = %v, want status 1", err)
	}
}

// TestHostKeyKept: the host key is made on first start (0600) and the same
// key is served after a restart.
func TestHostKeyKept(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{HostKey: filepath.Join(dir, "keys", "host"), Tenants: filepath.Join(dir, "t")}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fp1, err := s.HostKeyFingerprint()
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	info, err := os.Stat(cfg.HostKey)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v, mode %v", err, info.Mode())
	}
	s, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fp2, _ := s.HostKeyFingerprint()
	if fp1 != fp2 || !strings.HasPrefix(fp1, "SHA256:") {
		t.Fatalf("fingerprints %q then %q", fp1, fp2)
	}
}

var _ = gossh.ErrNoAuth
