package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The identifiers of writeConfig's locations: account IDs, the access key
// ID and the external ID. None may be printed whole with --screen-share.
var fixtureIdentifiers = []string{"444455556666", "777788889999", "111122223333", "AKIAIOSFODNN7EXAMPLE", "abcdefghijklmnopqrstuvwxyz234567"}

func TestScreenShareMasksIdentifiersInEveryCommand(t *testing.T) {
	cfg := writeConfig(t)
	for _, args := range [][]string{
		{"list"},
		{"list", "--json"},
		{"policy", "acme", "--kind", "trust"},
		{"client-settings", "acme", "--format", "aws-profile"},
		{"client-settings", "globex", "--format", "aws-profile"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, errOut, code := runCLI(t, "", append([]string{"--config", cfg, "--screen-share"}, args...)...)
			if code != 0 {
				t.Fatalf("code %d: %s", code, errOut)
			}
			for _, id := range fixtureIdentifiers {
				if strings.Contains(out+errOut, id) {
					t.Errorf("printed %q whole:\n%s%s", id, out, errOut)
				}
			}
		})
	}
}

// TestScreenShareDocumentToFileIsComplete checks that -o still writes the
// whole document, which is pasted into AWS, and that the terminal copy
// says once how to get it.
func TestScreenShareDocumentToFileIsComplete(t *testing.T) {
	cfg := writeConfig(t)
	out, errOut, code := runCLI(t, "", "--config", cfg, "--screen-share", "policy", "acme", "--kind", "trust")
	if code != 0 || strings.Count(out+errOut, "-o FILE") != 1 {
		t.Fatalf("code %d: the masked document does not say once how to get the full text:\n%s%s", code, out, errOut)
	}
	file := filepath.Join(t.TempDir(), "trust.json")
	_, errOut, code = runCLI(t, "", "--config", cfg, "--screen-share", "policy", "acme", "--kind", "trust", "-o", file)
	b, err := os.ReadFile(file)
	if code != 0 || err != nil || !strings.Contains(string(b), "abcdefghijklmnopqrstuvwxyz234567") || strings.Contains(errOut, "abcdefghijklmnopqrstuvwxyz234567") {
		t.Fatalf("-o in screen-share mode: code %d err %v stderr %s\n%s", code, err, errOut, b)
	}
}
