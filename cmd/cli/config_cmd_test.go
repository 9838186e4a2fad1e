package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Export, import into an empty file, and every location shows the same
// (issue 10 §1), in both formats.
func TestConfigExportImportRoundTrip(t *testing.T) {
	src := writeConfig(t)
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "export."+format)
			out, stderr, code := runCLI(t, "", "--config", src, "config", "export", "-o", file, "--format", format)
			if code != ExitOK {
				t.Fatalf("export: %d %s", code, stderr)
			}
			if !strings.Contains(out, "Exported 3 locations") {
				t.Fatalf("export said %q", out)
			}
			info, err := os.Stat(file)
			if err != nil || info.Mode().Perm() != 0o600 {
				t.Fatalf("export file mode: %v %v", info, err)
			}
			data, _ := os.ReadFile(file)
			if !strings.Contains(string(data), "HOLDS SECRETS") {
				t.Errorf("no secrets header:\n%s", data)
			}
			dst := filepath.Join(t.TempDir(), "config.yaml")
			if _, stderr, code := runCLI(t, "", "--config", dst, "config", "import", file); code != ExitOK {
				t.Fatalf("import: %d %s", code, stderr)
			}
			for _, name := range []string{"acme", "globex", "nas"} {
				a, _, _ := runCLI(t, "", "--config", src, "show", name)
				b, _, _ := runCLI(t, "", "--config", dst, "show", name)
				if a != b || a == "" {
					t.Errorf("show %s differs after the round trip:\n%s\n---\n%s", name, a, b)
				}
			}
			a, _, _ := runCLI(t, "", "--config", src, "platform")
			b, _, _ := runCLI(t, "", "--config", dst, "platform")
			if a != b {
				t.Errorf("platform differs:\n%s\n---\n%s", a, b)
			}
		})
	}
}

// A clash imports nothing and says how to rename or replace.
func TestConfigImportClashImportsNothing(t *testing.T) {
	src := writeConfig(t)
	file := filepath.Join(t.TempDir(), "acme.yaml")
	if _, stderr, code := runCLI(t, "", "--config", src, "config", "export", "acme", "nas", "-o", file); code != ExitOK {
		t.Fatal(stderr)
	}
	before, _ := os.ReadFile(src)
	_, stderr, code := runCLI(t, "", "--config", src, "config", "import", file)
	if code != ExitUsage {
		t.Fatalf("clash: exit %d", code)
	}
	for _, want := range []string{"nothing imported", `location "acme" is already in`, "--rename acme=acme-2", "--replace", `location "nas"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if after, _ := os.ReadFile(src); string(after) != string(before) {
		t.Error("a failed import changed the file")
	}
	// Renamed, the copy still shares acme's external ID: the file's own rule says so.
	_, stderr, code = runCLI(t, "", "--config", src, "config", "import", file, "--rename", "acme=acme-2", "--rename", "nas=nas-2")
	if code != ExitUsage || !strings.Contains(stderr, "same external ID") {
		t.Fatalf("rename with shared external ID: %d %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", "--config", src, "config", "import", file, "--replace"); code != ExitOK {
		t.Fatalf("replace: %s", stderr)
	}
}

// A redacted export masks secrets and identifiers and cannot be imported.
func TestConfigExportRedacted(t *testing.T) {
	src := writeConfig(t)
	out, _, code := runCLI(t, "", "--config", src, "config", "export", "--redact")
	if code != ExitOK {
		t.Fatal(code)
	}
	for _, leak := range []string{fakeSecret, "abcdefghijklmnopqrstuvwxyz234567", "444455556666"} {
		if strings.Contains(out, leak) {
			t.Errorf("redacted export shows %q", leak)
		}
	}
	ss, _, _ := runCLI(t, "", "--config", src, "--screen-share", "config", "export")
	if strings.Contains(ss, fakeSecret) || strings.Contains(ss, "444455556666") {
		t.Error("--screen-share export to stdout is not redacted")
	}
	file := filepath.Join(t.TempDir(), "r.yaml")
	os.WriteFile(file, []byte(out), 0o600)
	_, stderr, code := runCLI(t, "", "--config", filepath.Join(t.TempDir(), "c.yaml"), "config", "import", file)
	if code != ExitUsage || !strings.Contains(stderr, "redacted export") {
		t.Fatalf("import of redacted: %d %s", code, stderr)
	}
	if out, _, _ := runCLI(t, "", "--config", src, "config", "path"); strings.TrimSpace(out) != src {
		t.Errorf("config path = %q", out)
	}
}
