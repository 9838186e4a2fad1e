package cli

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/stowage-dev/stowage/config"
)

// `stowage list` fits 80 columns, marking what it cuts, and names the Azure
// account even when the connection string only has it in the endpoint
// (issue 10 §6).
func TestListFitsTheTerminal(t *testing.T) {
	cfg := saveLocations(t,
		config.Location{Name: "acme-call-recordings-eu", Type: config.TypeS3, S3: &config.S3{Bucket: "acme-call-recordings-production", Region: "eu-central-1",
			Prefix: "exports/calls/", Auth: config.AuthRole, RoleARN: "arn:aws:iam::444455556666:role/stowage-export-production", ExternalID: "abcdefghijklmnopqrstuvwxyz234567"}},
		config.Location{Name: "archive", Type: config.TypeAzure, Azure: &config.Azure{Container: "recordings",
			ConnectionString: "BlobEndpoint=https://acmearchive.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sr=c&sp=cwl&se=2030-01-01T00:00:00Z&sig=abc%2Bdef"}},
		config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: "/mnt/nas/very/long/path/to/the/recordings/share/of/the/customer/service/call/centre"}},
	)
	t.Setenv("COLUMNS", "80")
	for _, screenShare := range []bool{false, true} {
		args := []string{"--config", cfg, "list"}
		if screenShare {
			args = append([]string{"--screen-share"}, args...)
		}
		out, errOut, code := runCLI(t, "", args...)
		if code != ExitOK {
			t.Fatalf("code %d: %s", code, errOut)
		}
		for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if w := ansi.StringWidth(line); w > 80 {
				t.Errorf("line of %d columns:\n%s", w, line)
			}
		}
		for _, want := range []string{"azure://acmearchive/recordings/", "…", "/mnt/nas/", "centre", "NAME", "LAST TEST"} {
			if !strings.Contains(out, want) {
				t.Errorf("screen share %v: output lacks %q:\n%s", screenShare, want, out)
			}
		}
		if strings.Contains(out, "azure://?") {
			t.Errorf("the account is unknown:\n%s", out)
		}
		if screenShare && strings.Contains(out, "4455") {
			t.Errorf("screen share shows the account ID:\n%s", out)
		}
	}
	// Piped without COLUMNS: whole values, for scripts.
	t.Setenv("COLUMNS", "")
	out, _, _ := runCLI(t, "", "--config", cfg, "list")
	if !strings.Contains(out, "/mnt/nas/very/long/path/to/the/recordings/share/of/the/customer/service/call/centre") || !strings.Contains(out, "role/stowage-export-production") {
		t.Errorf("a pipe gets cut values:\n%s", out)
	}
}
