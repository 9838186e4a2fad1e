package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
)

func TestSetupNonInteractive(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "stowage", "config.yaml")
	base := []string{"--config", cfg, "setup", "--non-interactive"}

	// A local folder location, tested and saved.
	out, errOut, code := runCLI(t, "", append(base, "--name", "nas", "--type", "local", "--path", dir)...)
	if code != 0 || !strings.Contains(out, `Saved location "nas"`) || !strings.Contains(out, "[ok]") {
		t.Fatalf("local: code %d\n%s%s", code, out, errOut)
	}
	st, err := os.Stat(cfg)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("config file mode: %v %v", st, err)
	}

	// Platform principal first, then a role location: external ID generated
	// and printed with the trust policy; not tested while new.
	if _, errOut, code := runCLI(t, "", "--config", cfg, "platform", "--principal-arn", "arn:aws:iam::111122223333:root"); code != 0 {
		t.Fatalf("platform: %d %s", code, errOut)
	}
	out, errOut, code = runCLI(t, "", append(base, "--name", "acme", "--type", "s3-role", "--bucket", "acme-recordings",
		"--region", "eu-west-1", "--prefix", "calls/", "--role-arn", "arn:aws:iam::444455556666:role/stowage-export")...)
	if code != 0 {
		t.Fatalf("role: code %d\n%s%s", code, out, errOut)
	}
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	acme, ok := f.Find("acme")
	if !ok || acme.S3.ExternalID == "" || !strings.Contains(out, acme.S3.ExternalID) || !strings.Contains(out, "sts:ExternalId") || !strings.Contains(out, "arn:aws:iam::111122223333:root") {
		t.Fatalf("role location: %+v\n%s", acme, out)
	}
	if strings.Contains(out, "Testing acme") {
		t.Fatal("a new role location was tested before its trust policy could exist")
	}

	// Keys mode: the secret only from the environment, never printed.
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSECRETKEY"
	t.Setenv(envOf("secret_access_key"), secret)
	out, errOut, code = runCLI(t, "", append(base, "--name", "globex", "--type", "s3-keys", "--bucket", "globex-recordings",
		"--region", "us-west-1", "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--test", "never")...)
	if code != 0 || strings.Contains(out+errOut, secret) {
		t.Fatalf("keys: code %d\n%s%s", code, out, errOut)
	}
	raw, _ := os.ReadFile(cfg)
	if !strings.Contains(string(raw), secret) {
		t.Fatal("the secret did not reach the config file")
	}
	// From stdin instead of the environment.
	t.Setenv(envOf("secret_access_key"), "")
	_, errOut, code = runCLI(t, secret+"\n", append(base, "--name", "initech", "--type", "s3-keys", "--bucket", "initech-recordings",
		"--region", "us-west-1", "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secrets-from-stdin", "--test", "never")...)
	if code != 0 {
		t.Fatalf("keys from stdin: code %d %s", code, errOut)
	}
}

func TestSetupNonInteractiveErrors(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	base := []string{"--config", cfg, "setup", "--non-interactive"}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"bad bucket and region together", []string{"--name", "acme", "--type", "s3-role", "--bucket", "Acme_Recordings", "--region", "eu-west-9", "--role-arn", "arn:aws:iam::444455556666:role/x"},
			[]string{"--bucket", "--region", "example"}},
		{"missing role ARN", []string{"--name", "acme", "--type", "s3-role", "--bucket", "acme-recordings", "--region", "eu-west-1"},
			[]string{"--role-arn"}},
		{"keys without secret", []string{"--name", "g", "--type", "s3-keys", "--bucket", "globex-recordings", "--region", "us-west-1", "--access-key-id", "AKIAIOSFODNN7EXAMPLE"},
			[]string{"$" + envOf("secret_access_key")}},
		{"bad type", []string{"--name", "x", "--type", "ftp"}, []string{"--type"}},
		{"bad test mode", []string{"--name", "x", "--type", "local", "--path", "/tmp", "--test", "sometimes"}, []string{"--test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, "", append(base, tt.args...)...)
			if code != ExitUsage {
				t.Fatalf("code %d, want 2\n%s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if _, err := os.Stat(cfg); err == nil {
				t.Error("an invalid location was saved")
			}
		})
	}
	// Field flags without --non-interactive are a usage error, not ignored.
	_, errOut, code := runCLI(t, "", "--config", cfg, "setup", "--bucket", "x")
	if code != ExitUsage || !strings.Contains(errOut, "--non-interactive") {
		t.Fatalf("flags without --non-interactive: %d %s", code, errOut)
	}
}

func TestPlatformCommand(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	out, _, code := runCLI(t, "", "--config", cfg, "platform")
	if code != 0 || !strings.Contains(out, "(none") {
		t.Fatalf("empty platform: %d %s", code, out)
	}
	_, errOut, code := runCLI(t, "", "--config", cfg, "platform", "--principal-arn", "arn:aws:iam::12345:root")
	if code != ExitUsage || !strings.Contains(errOut, "example") {
		t.Fatalf("bad principal: %d %s", code, errOut)
	}
	out, _, code = runCLI(t, "", "--config", cfg, "platform", "--principal-arn", "arn:aws:iam::111122223333:root",
		"--principal-arn", "arn:aws:iam::444455556666:role/exporter", "--session-duration", "2h")
	if code != 0 || !strings.Contains(out, "arn:aws:iam::111122223333:root, arn:aws:iam::444455556666:role/exporter") || !strings.Contains(out, "2h0m0s") {
		t.Fatalf("set: %d %s", code, out)
	}
	if _, errOut, code := runCLI(t, "", "--config", cfg, "platform", "--session-duration", "13h"); code != ExitUsage {
		t.Fatalf("13h accepted: %s", errOut)
	}
}

// TestSetupAcceptsGlobalFlags: --config, --accessible and --screen-share are
// the root's flags, not wizard fields, so setup without --non-interactive
// takes them.
func TestSetupAcceptsGlobalFlags(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	dir := t.TempDir()
	_, errOut, code := runCLI(t, "nas\n5\n"+dir+"\n\n\n\n", "--config", cfg, "setup", "--accessible", "--screen-share")
	if strings.Contains(errOut, "need --non-interactive") {
		t.Fatalf("global flags refused: code %d %s", code, errOut)
	}
}

// The advice after a save without a test fits the location: only a role
// location waits for a trust policy (issue 10 §6).
func TestSetupNoTestAdviceFitsType(t *testing.T) {
	cfg := writeConfig(t)
	out, errOut, code := runCLI(t, "", "--config", cfg, "setup", "--non-interactive", "--edit", "nas", "--path", t.TempDir(), "--test", "never")
	if code != 0 {
		t.Fatalf("edit nas: code %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out, "trust policy") || strings.Contains(out, "external ID") {
		t.Fatalf("a local folder was told about a role's trust policy:\n%s", out)
	}
	if !strings.Contains(out, "Not tested (--test never); test it with: stowage test nas") {
		t.Fatalf("no test advice:\n%s", out)
	}
	out, errOut, code = runCLI(t, "", "--config", cfg, "setup", "--non-interactive", "--edit", "acme", "--prefix", "other/", "--test", "never")
	if code != 0 || !strings.Contains(out, "When the role's trust policy holds the external ID, test it with: stowage test acme") {
		t.Fatalf("edit acme: code %d\n%s%s", code, out, errOut)
	}
}

// TestAccessibleInputEndsExitCode: --accessible input that ends at a
// prompt, here right after an answer the type select refused (which made
// huh's select panic), exits 2 (the input was incomplete: bad input, not
// an interrupt) naming the prompt, writes no locations file and keeps
// what was typed in the draft.
func TestAccessibleInputEndsExitCode(t *testing.T) {
	for _, in := range []string{"nas\nacme\n", "nas\n9\n", "nas\n1\nmaybe\n", "nas\n"} {
		t.Run(strings.ReplaceAll(in, "\n", "|"), func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "config.yaml")
			_, errOut, code := runCLI(t, in, "--config", cfg, "--accessible")
			if code != ExitUsage {
				t.Errorf("code %d, want %d; stderr:\n%s", code, ExitUsage, errOut)
			}
			if _, err := os.Stat(cfg); !os.IsNotExist(err) {
				t.Errorf("locations file written: %v", err)
			}
			// The session's own draft, left for the next start.
			ds, err := config.LeftDrafts(cfg)
			if err != nil || len(ds) != 1 || ds[0].Values["name"] != "nas" || ds[0].Owner != nil {
				t.Fatalf("left drafts = %+v, %v", ds, err)
			}
			if !strings.Contains(errOut, "error: the input ended at \"") || !strings.Contains(errOut, "nothing was saved") ||
				!strings.Contains(errOut, ds[0].Path) || ds[0].Path == config.DraftPath(cfg) {
				t.Errorf("stderr does not name the prompt, say nothing was saved and where the draft is:\n%s", errOut)
			}
		})
	}
}

// accessibleSession is `stowage --accessible` running on cfg with its
// input fed through a pipe, as a person types.
type accessibleSession struct {
	in   *io.PipeWriter
	out  bytes.Buffer
	code chan int
}

func startAccessible(cfg string) *accessibleSession {
	pr, pw := io.Pipe()
	s := &accessibleSession{in: pw, code: make(chan int, 1)}
	go func() {
		code := run(context.Background(), []string{"--config", cfg, "--accessible"}, pr, &s.out, io.Discard)
		_ = pr.Close()
		s.code <- code
	}()
	return s
}

// end closes the session's input and waits for it to exit.
func (s *accessibleSession) end(t *testing.T) {
	t.Helper()
	_ = s.in.Close()
	select {
	case <-s.code:
	case <-time.After(20 * time.Second):
		t.Fatal("the session did not end")
	}
}

// draftsNamed maps the location name of each draft file next to cfg
// (config.draft*.yaml) to its external ID.
func draftsNamed(t *testing.T, cfg string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(cfg))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, "config.draft") && strings.HasSuffix(n, ".yaml") {
			d, err := config.LoadDraft(filepath.Join(filepath.Dir(cfg), n))
			if err != nil {
				t.Fatal(err)
			}
			if d != nil {
				got[d.Values["name"]] = d.ExternalID()
			}
		}
	}
	return got
}

// waitDraft waits until a draft next to cfg holds the location name.
func waitDraft(t *testing.T, cfg, name string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, ok := draftsNamed(t, cfg)[name]; ok {
			return
		}
	}
	t.Fatalf("no draft of %q; drafts: %v", name, draftsNamed(t, cfg))
}

// TestTwoSetupSessionsKeepTheirDrafts: two wizards on one locations file
// at once (a screen-share session and the customer's own terminal) both
// keep what was typed: the second one's draft does not replace the first
// one's. A third start while the first still runs offers the second's
// draft (that session ended), not the first's.
func TestTwoSetupSessionsKeepTheirDrafts(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	a, b := startAccessible(cfg), startAccessible(cfg)
	// Both wait on the Name prompt, neither offered a draft.
	if _, err := io.WriteString(a.in, "acme\n"); err != nil {
		t.Fatal(err)
	}
	waitDraft(t, cfg, "acme")
	if _, err := io.WriteString(b.in, "globex\n"); err != nil {
		t.Fatal(err)
	}
	waitDraft(t, cfg, "globex")
	if got := draftsNamed(t, cfg); len(got) != 2 {
		t.Fatalf("drafts on disk while both sessions run: %v, want acme's and globex's", got)
	}
	b.end(t)

	out, errOut, _ := runCLI(t, "", "--config", cfg, "--accessible")
	if !strings.Contains(out, `"globex"`) || strings.Contains(out, `"acme"`) {
		t.Errorf("the third start offers the wrong draft:\n%s%s", out, errOut)
	}
	a.end(t)
	if got := draftsNamed(t, cfg); len(got) != 2 {
		t.Fatalf("drafts on disk after both sessions ended: %v", got)
	}
}
