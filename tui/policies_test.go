package tui

import (
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/wizard"
)

// TestPolicyHardeningLines: the tabs of the documents that create the
// bucket say, a line per choice, what they do and why, following the
// location's settings; the policies alone say nothing of it.
func TestPolicyHardeningLines(t *testing.T) {
	f := fixtureFile()
	off := false
	f.Locations[0].S3.Versioning = &off
	f.Locations[0].S3.AccessLogs = config.AccessLogsOff
	f.Locations[0].S3.Encryption = config.EncryptionSSES3
	m := newTestModel(t, Options{File: f, Platform: fixturePlatform, EditName: "acme-recordings"})
	if err := m.w.Goto(wizard.StepPolicies); err != nil {
		t.Fatal(err)
	}
	_ = m.enterStep()
	want := []string{
		"Versioning off (s3.versioning): a replaced or deleted recording is lost",
		"Access logs off (s3.access_logs): no record of who read or wrote a recording",
		"SSE-S3 (s3.encryption): AWS-managed keys, no key policy of yours to audit",
	}
	for tab, shows := range map[string]bool{"Permissions": false, "Trust": false, "CloudFormation": true, "Terraform": true, "AWS CLI": true} {
		for m.pols().tab = 0; shortTitle(m.pols().docs[m.pols().tab].Kind) != tab; m.pols().tab++ {
		}
		m.pols().setContent()
		out := screen(m)
		for _, w := range want {
			if strings.Contains(out, w) != shows {
				t.Errorf("%s tab: shows %q = %v, want %v:\n%s", tab, w, !shows, shows, out)
			}
		}
	}
}
