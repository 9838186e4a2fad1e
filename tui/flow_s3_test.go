package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"
)

// TestFlowS3RoleMinIO drives the whole flow by keystrokes to a saved S3
// location in role mode against a real MinIO: the base credentials come
// from the environment, as on the platform, and MinIO's STS hands out the
// "role" session.
func TestFlowS3RoleMinIO(t *testing.T) {
	m := testenv.StartMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("wizard")
	m.CreateBucket(t, bucket)
	policy, err := policies.Permissions(config.Location{Name: "x", Type: config.TypeS3, S3: &config.S3{
		Bucket: bucket, Region: testenv.DefaultRegion, Prefix: "calls/", Auth: config.AuthRole,
	}})
	if err != nil {
		t.Fatal(err)
	}
	ak, sk := m.CreateUser(t, policy)

	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", ak)
	t.Setenv("AWS_SECRET_ACCESS_KEY", sk)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)

	cfg := filepath.Join(dir, "locations.yaml")
	s := startSession(t, Options{ConfigPath: cfg, Platform: config.Platform{PrincipalARNs: []string{"arn:aws:iam::111122223333:root"}}}, nil)
	const roleARN = "arn:aws:iam::123456789012:role/stowage-export"

	s.waitFor("Name *")
	s.typeText("minio-role")
	s.press("enter")
	s.waitFor("Amazon S3 — IAM role")
	s.press("enter") // the highlighted first option
	s.waitFor("Bucket *")
	s.typeText(bucket)
	s.press("enter")
	s.waitFor("filter:")
	s.typeText("us-east-1")
	s.waitFor("› ● us-east-1")
	s.press("enter")
	s.waitFor("› Prefix")
	s.typeText("calls")
	s.press("enter")
	s.waitFor("› ▸ Advanced settings")
	s.press("space") // unfold
	s.waitFor("▾ Advanced settings", "Endpoint")
	s.press("tab")
	s.waitFor("› Endpoint")
	s.typeText(m.Endpoint)
	s.press("tab")
	s.waitFor("› [ ] Path-style addressing")
	s.press("space")
	s.waitFor("› [x] Path-style addressing")
	s.press("tab")
	s.waitFor("› CA bundle")
	s.typeText(m.CAFile)
	s.press("enter")
	s.waitFor("› Checksum mode")
	for range 6 {
		s.press("tab")
	}
	s.waitFor("› Expire after (days)")
	s.press("enter")

	s.waitFor("Role ARN *", "External ID")
	s.typeText(roleARN)
	s.press("enter")
	s.waitFor("Policies to apply", "Permissions")
	s.press("enter")
	s.waitFor("Test connection")
	s.waitForAny("checks passed", "Passed with")
	frame := s.rec.last()
	if strings.Contains(frame, "✗") {
		t.Fatalf("test failed:\n%s", frame)
	}
	s.press("enter")
	s.waitFor("Review", roleARN)
	s.press("enter")
	s.waitFor("What to do next")
	s.press("x")
	s.waitFor("Export to minio-role", "Folders of recordings")
	src := t.TempDir()
	s.typeText(src)
	s.press("enter")
	res := s.result()
	s.dump("s3role")
	if !res.Saved || res.Location != "minio-role" || !res.ExportNow || len(res.Sources) != 1 || res.Sources[0] != src {
		t.Fatalf("result = %+v, want minio-role saved and export now from %s", res, src)
	}
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loc, ok := f.Find("minio-role")
	if !ok || loc.S3 == nil {
		t.Fatalf("saved file has no S3 location minio-role: %+v", f.Locations)
	}
	got := loc.S3
	if got.Auth != config.AuthRole || got.RoleARN != roleARN || got.ExternalID == "" || got.Bucket != bucket ||
		got.Prefix != "calls/" || got.Endpoint != m.Endpoint || !got.PathStyle || got.CABundle != m.CAFile || got.Region != "us-east-1" {
		t.Fatalf("saved S3 settings = %+v", got)
	}
	if loc.LastTest == nil || !loc.LastTest.OK {
		t.Fatalf("last test = %+v, want a passing one", loc.LastTest)
	}
}
