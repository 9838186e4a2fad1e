package cli

import (
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
)

func TestRotateExternalID(t *testing.T) {
	cfg := writeConfig(t)
	const oldID = "abcdefghijklmnopqrstuvwxyz234567"
	current := func() *config.S3 {
		f, err := config.Load(cfg)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := f.Find("acme")
		return loc.S3
	}

	// Answering no changes nothing.
	out, _, code := runCLI(t, "n\n", "--config", cfg, "rotate-external-id", "acme")
	if code != 0 || !strings.Contains(out, "Nothing changed") || current().PendingExternalID != "" {
		t.Fatalf("answer no: code %d\n%s", code, out)
	}
	// Yes: a new pending ID, the old one still in force, both in the trust policy.
	out, _, code = runCLI(t, "y\n", "--config", cfg, "rotate-external-id", "acme")
	s := current()
	if code != 0 || s.ExternalID != oldID || s.PendingExternalID == "" || s.PendingExternalID == oldID {
		t.Fatalf("rotate: code %d, ids %q/%q\n%s", code, s.ExternalID, s.PendingExternalID, out)
	}
	for _, want := range []string{s.PendingExternalID, oldID, "sts:ExternalId", "will not work", "--confirm"} {
		if !strings.Contains(out, want) {
			t.Errorf("rotate output lacks %q", want)
		}
	}
	newID := s.PendingExternalID
	// Confirm: the new ID replaces the old.
	out, _, code = runCLI(t, "", "--config", cfg, "rotate-external-id", "acme", "--confirm")
	s = current()
	if code != 0 || s.ExternalID != newID || s.PendingExternalID != "" {
		t.Fatalf("confirm: code %d ids %q/%q\n%s", code, s.ExternalID, s.PendingExternalID, out)
	}
	// Nothing pending now: --confirm and --cancel are usage errors.
	for _, flag := range []string{"--confirm", "--cancel"} {
		_, errOut, code := runCLI(t, "", "--config", cfg, "rotate-external-id", "acme", flag)
		if code != ExitUsage || !strings.Contains(errOut, "no rotation pending") {
			t.Errorf("%s with nothing pending: code %d %s", flag, code, errOut)
		}
	}
	// Cancel keeps the current ID.
	runCLI(t, "", "--config", cfg, "rotate-external-id", "acme", "--yes")
	if _, _, code := runCLI(t, "", "--config", cfg, "rotate-external-id", "acme", "--cancel"); code != 0 {
		t.Fatalf("cancel: code %d", code)
	}
	if s := current(); s.ExternalID != newID || s.PendingExternalID != "" {
		t.Fatalf("after cancel: %q/%q", s.ExternalID, s.PendingExternalID)
	}
	// Keys-mode locations have no external ID.
	if _, errOut, code := runCLI(t, "", "--config", cfg, "rotate-external-id", "globex", "--yes"); code != ExitUsage || !strings.Contains(errOut, "role") {
		t.Fatalf("keys location: code %d %s", code, errOut)
	}
}
