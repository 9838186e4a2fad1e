package iacmatrix

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/policies"
)

// TestDocuments renders the whole matrix: every case renders, paths are
// unique, each choice of each hardening dimension is in it, and the
// CloudFormation is JSON (the HCL is parsed in the policies tests).
func TestDocuments(t *testing.T) {
	docs, err := Documents()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	choices := map[string]bool{}
	for _, d := range docs {
		if seen[d.Path] {
			t.Errorf("%s twice", d.Path)
		}
		seen[d.Path] = true
		if d.Kind == policies.KindCloudFormation && !json.Valid([]byte(d.Text)) {
			t.Errorf("%s is not JSON", d.Path)
		}
		if d.Kind == policies.KindTerraform && strings.Count(d.Text, "#trivy:ignore:") != len(d.Suppressions) {
			t.Errorf("%s: %d ignore comments for %d suppressions", d.Path, strings.Count(d.Text, "#trivy:ignore:"), len(d.Suppressions))
		}
	}
	for _, c := range Cases() {
		choices["versioning="+map[bool]string{true: "on", false: "off"}[c.H.Versioning]] = true
		choices["logs="+string(c.H.AccessLogs)] = true
		choices["kms="+string(c.H.KMSKey)] = true
		choices["auth="+string(c.Loc.S3.Auth)] = true
	}
	for _, want := range []string{"versioning=on", "versioning=off", "logs=create", "logs=existing", "logs=off", "kms=create", "kms=existing", "kms=none", "auth=role", "auth=keys"} {
		if !choices[want] {
			t.Errorf("no case with %s", want)
		}
	}
	if len(docs) < 50 {
		t.Errorf("%d documents, want the full matrix", len(docs))
	}
}
