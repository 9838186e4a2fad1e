package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestServeInvite(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := runCLI(t, "", "serve", "invite", "acme", "--tenants", dir, "--host", "onboard.example.com", "--expires", "24h")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	m := regexp.MustCompile(`ssh -p 2222 ([a-z0-9]{4}(-[a-z0-9]{4}){3})@onboard\.example\.com`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "onboard@onboard.example.com") || !strings.Contains(out, "screen-share") {
		t.Fatalf("output:\n%s", out)
	}
	// Only the code's hash is stored.
	files, _ := filepath.Glob(filepath.Join(dir, "invites", "*.json"))
	if len(files) != 1 {
		t.Fatalf("invite files: %v", files)
	}
	data, _ := os.ReadFile(files[0])
	if strings.Contains(string(data), m[1]) || strings.Contains(files[0], m[1]) {
		t.Fatal("the invite file holds the code itself")
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "invite", "../etc", "--tenants", dir}, "TENANT"},
		{[]string{"serve", "invite", "acme"}, "--tenants: required"},
		{[]string{"serve", "invite", "acme", "--tenants", dir, "--expires", "-1h"}, "--expires"},
		{[]string{"serve", "--tenants", dir}, "--host-key: required"},
	} {
		_, errOut, code := runCLI(t, "", tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}
