package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
)

const fakeSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSECRETKEY"

// runCLI runs the command tree in-process and returns stdout, stderr, code.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// writeConfig saves a locations file with an S3 role location, an S3 keys
// location and a local one, and returns its path.
func writeConfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	f := &config.File{Version: config.CurrentVersion, Platform: config.Platform{
		PrincipalARNs: []string{"arn:aws:iam::111122223333:root"},
	}}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	locs := []config.Location{
		{Name: "acme", Type: config.TypeS3, S3: &config.S3{
			Bucket: "acme-recordings", Region: "eu-west-1", Prefix: "calls/",
			Auth: config.AuthRole, RoleARN: "arn:aws:iam::444455556666:role/stowage-export",
			ExternalID: "abcdefghijklmnopqrstuvwxyz234567",
		}},
		{Name: "globex", Type: config.TypeS3, S3: &config.S3{
			Bucket: "globex-recordings", Region: "us-west-1",
			Auth: config.AuthKeys, AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: fakeSecret,
			UserARN: "arn:aws:iam::777788889999:user/globex-export",
		}},
		{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: t.TempDir()}},
	}
	for _, l := range locs {
		if err := f.Upsert(l, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := config.Save(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVersion(t *testing.T) {
	out, _, code := runCLI(t, "", "version")
	if code != ExitOK || !strings.HasPrefix(out, "stowage ") {
		t.Fatalf("version: code %d, out %q", code, out)
	}
}

func TestExitCodes(t *testing.T) {
	cfg := writeConfig(t)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"unknown flag", []string{"list", "--nope"}, ExitUsage, "unknown flag"},
		{"missing arg", []string{"show"}, ExitUsage, "accepts 1 arg"},
		{"unknown location", []string{"--config", cfg, "show", "nope"}, ExitUsage, "known locations: acme, globex, nas"},
		{"unknown kind", []string{"--config", cfg, "policy", "acme", "--kind", "nope"}, ExitUsage, "--kind: unknown kind"},
		{"kind not applicable", []string{"--config", cfg, "policy", "acme", "--kind", "bucket"}, ExitUsage, "does not apply"},
		{"local needs no policy", []string{"--config", cfg, "policy", "nas"}, ExitUsage, "needs no policy"},
		{"ok", []string{"--config", cfg, "list"}, ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("code %d, want %d; stderr: %s", code, tt.code, errOut)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Fatalf("stderr %q does not contain %q", errOut, tt.want)
			}
		})
	}
}

func TestBrokenConfigIsInvalidInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("version: 1\nlocations:\n  - name: x\n    type: s3\n    s3:\n      bucket: A\n      region: eu-west-1\n      auth: default\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, "", "--config", path, "list")
	if code != ExitUsage || !strings.Contains(errOut, "config.yaml:6") || !strings.Contains(errOut, "bucket") {
		t.Fatalf("code %d stderr %q", code, errOut)
	}
}

func TestListShowsEveryLocationWithoutSecrets(t *testing.T) {
	cfg := writeConfig(t)
	for _, args := range [][]string{{"list"}, {"list", "--json"}} {
		out, _, code := runCLI(t, "", append([]string{"--config", cfg}, args...)...)
		if code != 0 {
			t.Fatalf("%v: code %d", args, code)
		}
		for _, want := range []string{"acme", "globex", "nas", "s3://acme-recordings/calls/"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: output lacks %q:\n%s", args, want, out)
			}
		}
		if strings.Contains(out, fakeSecret) {
			t.Fatalf("%v printed the secret", args)
		}
	}
}

func TestShowMasksSecrets(t *testing.T) {
	cfg := writeConfig(t)
	tests := []struct {
		args    []string
		want    []string
		notWant []string
	}{
		{[]string{"show", "globex"}, []string{config.RedactedSecret, "AKIAIOSFODNN7EXAMPLE"}, []string{fakeSecret}},
		{[]string{"show", "globex", "--redact"}, []string{config.RedactedSecret, "••••MPLE", "arn:aws:iam::••••••••9999:user/globex-export"}, []string{fakeSecret, "AKIAIOSFODNN7EXAMPLE", "777788889999"}},
		{[]string{"--screen-share", "show", "acme"}, []string{"••••4567", "••••••••6666"}, []string{"abcdefghijklmnopqrstuvwxyz234567", "444455556666"}},
		{[]string{"show", "acme"}, []string{"abcdefghijklmnopqrstuvwxyz234567", "role_arn: arn:aws:iam::444455556666:role/stowage-export"}, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := runCLI(t, "", append([]string{"--config", cfg}, tt.args...)...)
			if code != 0 {
				t.Fatalf("code %d: %s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output contains %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestPolicyCommand(t *testing.T) {
	cfg := writeConfig(t)
	out, _, code := runCLI(t, "", "--config", cfg, "policy", "acme", "--kind", "trust")
	if code != 0 || !strings.Contains(out, `"sts:ExternalId": "abcdefghijklmnopqrstuvwxyz234567"`) || !strings.Contains(out, "arn:aws:iam::111122223333:root") {
		t.Fatalf("trust policy: code %d\n%s", code, out)
	}
	out, _, code = runCLI(t, "", "--config", cfg, "policy", "acme")
	if code != 0 || !strings.Contains(out, `"s3:PutObject"`) || !strings.Contains(out, "arn:aws:s3:::acme-recordings/calls/*") {
		t.Fatalf("permissions policy: code %d\n%s", code, out)
	}
	file := filepath.Join(t.TempDir(), "bucket.json")
	_, errOut, code := runCLI(t, "", "--config", cfg, "policy", "globex", "--kind", "bucket", "-o", file)
	b, err := os.ReadFile(file)
	if code != 0 || err != nil || !strings.Contains(string(b), "arn:aws:iam::777788889999:user/globex-export") || !strings.Contains(string(b), "aws:SecureTransport") {
		t.Fatalf("bucket policy -o: code %d err %v stderr %s\n%s", code, err, errOut, b)
	}
	out, _, code = runCLI(t, "", "--config", cfg, "policy", "acme", "--all")
	for _, want := range []string{"Permissions policy", "Trust policy", "AWSTemplateFormatVersion", `resource "aws_iam_role"`, "aws iam create-role"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("--all lacks %q (code %d)", want, code)
		}
	}
}
