package serve

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"

	// The S3 location type, as cmd registers it.
	_ "github.com/stowage-dev/stowage/providers/s3"
)

const (
	roleARN       = "arn:aws:iam::123456789012:role/stowage-export"
	testAccountID = "123456789012"
)

// minioRole starts MinIO with a bucket and a user whose keys are the
// platform's base credentials (from the environment, as on the platform).
func minioRole(t *testing.T) (*testenv.MinIO, string, string, string) {
	t.Helper()
	m := testenv.StartMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("serve")
	m.CreateBucket(t, bucket)
	policy, err := policies.Permissions(config.Location{Name: "x", Type: config.TypeS3, S3: &config.S3{
		Bucket: bucket, Region: testenv.DefaultRegion, Prefix: "calls/", Auth: config.AuthRole,
	}})
	if err != nil {
		t.Fatal(err)
	}
	ak, sk := m.CreateUser(t, policy)
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", ak)
	t.Setenv("AWS_SECRET_ACCESS_KEY", sk)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	return m, bucket, ak, sk
}

// driveToTest types an S3 role location up to the connection test, with
// the keys of `stowage setup` (tui/flow_s3_test.go).
func driveToTest(tm *term, m *testenv.MinIO, name, bucket string) {
	tm.waitFor("Name *")
	tm.typeText(name)
	tm.press("enter")
	tm.waitFor("Amazon S3 — IAM role")
	tm.press("enter")
	tm.waitFor("Bucket *")
	tm.typeText(bucket)
	tm.press("enter")
	tm.waitFor("filter:")
	tm.typeText("us-east-1")
	tm.waitFor("› ● us-east-1")
	tm.press("enter")
	tm.waitFor("› Prefix")
	tm.typeText("calls")
	tm.press("enter")
	tm.waitFor("› ▸ Advanced settings")
	tm.press("space")
	tm.waitFor("▾ Advanced settings", "Endpoint")
	tm.press("tab")
	tm.waitFor("› Endpoint")
	tm.typeText(m.Endpoint)
	tm.press("tab")
	tm.waitFor("› [ ] Path-style addressing")
	tm.press("space")
	tm.waitFor("› [x] Path-style addressing")
	tm.press("tab")
	tm.waitFor("› CA bundle")
	tm.typeText(m.CAFile)
	tm.press("enter")
	tm.waitFor("› Checksum mode")
	for range 6 {
		tm.press("tab")
	}
	tm.waitFor("› Expire after (days)")
	tm.press("enter")
	tm.waitFor("Role ARN *", "External ID")
	tm.typeText(roleARN)
	tm.press("enter")
	frame := tm.waitFor("Policies to apply", "Permissions", "copy")
	if strings.Contains(frame, "s save") {
		tm.t.Fatalf("saving a document to a file (on the server) is offered:\n%s", frame)
	}
	tm.press("enter")
	tm.waitFor("Test connection")
}

// TestS3RoleFlowOverSSH: a customer logs in with a code and goes through
// the S3 role flow against MinIO to a saved, tested location in the
// tenant's own file; the audit log tells it without a secret or a full
// identifier, and the screen (screen-share mode) shows none either.
func TestS3RoleFlowOverSSH(t *testing.T) {
	m, bucket, ak, sk := minioRole(t)
	ts := startServer(t, nil)
	code := ts.invite(t, "acme", time.Hour)
	tm := openTerm(t, ts.dial(t, code, "").must(t), 80, 24)

	driveToTest(tm, m, "minio-role", bucket)
	frame := tm.waitForAny("checks passed", "Passed with")
	if strings.Contains(frame, "✗") {
		t.Fatalf("test failed:\n%s", frame)
	}
	tm.press("enter")
	tm.waitFor("Review", "Role ARN", "••••••••9012")
	tm.press("enter")
	frame = tm.waitFor("What to do next", "Press enter to finish.")
	if strings.Contains(frame, "x export") {
		t.Fatalf("export is offered over SSH:\n%s", frame)
	}
	tm.typeText("x") // no export from a session
	time.Sleep(200 * time.Millisecond)
	tm.waitFor("What to do next")
	tm.press("enter")
	if err := tm.wait(20 * time.Second); exitStatus(err) != 0 {
		t.Fatalf("session exit: %v", err)
	}

	path := LocationsPath(ts.tenants, "acme")
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("tenant file: %v, mode %v", err, info.Mode())
	}
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	loc, ok := f.Find("minio-role")
	if !ok || loc.S3 == nil || loc.S3.RoleARN != roleARN || loc.S3.Bucket != bucket || loc.S3.ExternalID == "" {
		t.Fatalf("saved: %+v", f.Locations)
	}
	if loc.LastTest == nil || !loc.LastTest.OK {
		t.Fatalf("last test = %+v", loc.LastTest)
	}
	if len(f.Platform.PrincipalARNs) != 1 || f.Platform.PrincipalARNs[0] != platform.PrincipalARNs[0] {
		t.Fatalf("platform in the tenant file = %+v, want the server's", f.Platform)
	}

	raw, evs := readAudit(t, ts)
	for _, want := range []string{evSessionStart, evTest, evLocationAdded, evSessionEnd} {
		if len(eventsOf(evs, want)) == 0 {
			t.Errorf("audit log has no %s event:\n%s", want, raw)
		}
	}
	if e := eventsOf(evs, evTest); len(e) > 0 && e[len(e)-1]["ok"] != true {
		t.Errorf("test event = %v", e[len(e)-1])
	}
	if e := eventsOf(evs, evLocationAdded); len(e) > 0 && (e[0]["tenant"] != "acme" || e[0]["location"] != "minio-role") {
		t.Errorf("location_added = %v", e[0])
	}
	secrets := map[string]string{
		"secret key": sk, "access key ID": ak, "external ID": loc.S3.ExternalID,
		"account ID": testAccountID, "onboarding code": code,
	}
	for what, s := range secrets {
		if strings.Contains(raw, s) {
			t.Errorf("audit log holds the %s %q:\n%s", what, s, raw)
		}
	}
	// The screens ran in screen-share mode: neither the secret key nor the
	// external ID was ever drawn.
	out := tm.output()
	for _, what := range []string{"secret key", "external ID"} {
		if strings.Contains(out, secrets[what]) {
			t.Errorf("session output holds the %s", what)
		}
	}
}

// TestTenantsApart: a second tenant's session sees none of the first's
// locations, and saving there leaves the first's file byte for byte.
func TestTenantsApart(t *testing.T) {
	ts := startServer(t, nil)
	acme := LocationsPath(ts.tenants, "acme")
	seed := &config.File{Version: config.CurrentVersion, Platform: platform}
	if err := seed.Upsert(config.Location{Name: "acme-calls", Type: config.TypeS3, S3: &config.S3{
		Bucket: "acme-recordings", Region: "eu-west-1", Auth: config.AuthRole, RoleARN: roleARN,
		ExternalID: "abcdefghijklmnopqrstuvwxyz234567",
	}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := config.Save(acme, seed); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(acme)

	tm := openTerm(t, ts.dial(t, ts.invite(t, "globex", time.Hour), "").must(t), 80, 24)
	frame := tm.waitFor("Stowage · Name")
	if strings.Contains(frame, "acme-calls") {
		t.Fatalf("globex's session shows acme's locations:\n%s", frame)
	}
	// The name acme uses is free for globex: its own file, not acme's.
	tm.typeText("acme-calls")
	tm.press("enter")
	tm.waitFor("Amazon S3 — IAM role")

	// Same for acme: its session lists its location.
	tm2 := openTerm(t, ts.dial(t, ts.invite(t, "acme", time.Hour), "").must(t), 80, 24)
	tm2.waitFor("acme-calls")

	// globex's store writes globex's file only.
	store := newTenantStore(ts.Server, "globex", Event{Tenant: "globex"}, &config.File{})
	gf := &config.File{Version: config.CurrentVersion}
	if err := gf.Upsert(config.Location{Name: "acme-calls", Type: config.TypeS3, S3: &config.S3{
		Bucket: "globex-recordings", Region: "us-west-1", Auth: config.AuthRole, RoleARN: roleARN,
		ExternalID: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := store.save(acme, gf); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(acme)
	if !bytes.Equal(before, after) {
		t.Fatal("globex's save changed acme's file")
	}
	if g, err := config.Load(LocationsPath(ts.tenants, "globex")); err != nil || len(g.Locations) != 1 || g.Locations[0].S3.Bucket != "globex-recordings" {
		t.Fatalf("globex's file: %v %+v", err, g)
	}
	// A local folder would be on the server: refused.
	local := &config.File{Version: config.CurrentVersion, Locations: []config.Location{{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: "/etc"}}}}
	if err := store.save("", local); err == nil || !strings.Contains(err.Error(), "vendor's server") {
		t.Fatalf("local save: %v", err)
	}
}

// TestDroppedMidFlow: a connection cut in the middle of the flow (after
// the test, before saving) leaves the tenant's file, the other files and
// the server as they were; the audit log records the end.
func TestDroppedMidFlow(t *testing.T) {
	m, bucket, _, _ := minioRole(t)
	ts := startServer(t, nil)
	acme := LocationsPath(ts.tenants, "acme")
	seed := &config.File{Version: config.CurrentVersion, Platform: platform}
	if err := seed.Upsert(config.Location{Name: "old", Type: config.TypeS3, S3: &config.S3{
		Bucket: "acme-old", Region: "eu-west-1", Auth: config.AuthRole, RoleARN: roleARN,
		ExternalID: "abcdefghijklmnopqrstuvwxyz234567",
	}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := config.Save(acme, seed); err != nil {
		t.Fatal(err)
	}
	snapshot := func() map[string]string {
		out := map[string]string{}
		_ = filepath.Walk(ts.tenants, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() && filepath.Base(p) != "audit.jsonl" {
				b, _ := os.ReadFile(p)
				out[p] = string(b)
			}
			return nil
		})
		return out
	}
	code := ts.invite(t, "acme", time.Hour)
	c := ts.dial(t, code, "").must(t)
	tm := openTerm(t, c, 80, 24)
	tm.waitFor("old")
	before := snapshot() // the code is now used; nothing else changes
	tm.press("down")
	tm.typeText("a")
	driveToTest(tm, m, "new-one", bucket)
	tm.waitForAny("checks passed", "Passed with", "✗")
	c.Close()
	time.Sleep(500 * time.Millisecond)

	after := snapshot()
	for p, b := range before {
		if after[p] != b {
			t.Errorf("%s changed after the dropped session", p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared after the dropped session", p)
		}
	}
	_, evs := readAudit(t, ts)
	ends := eventsOf(evs, evSessionEnd)
	if len(ends) != 1 || ends[0]["reason"] != "disconnected" {
		t.Fatalf("session_end = %v", ends)
	}
	if len(eventsOf(evs, evLocationAdded)) != 0 {
		t.Fatal("a location_added event for a location never saved")
	}
	// The server still serves.
	tm = openTerm(t, ts.dial(t, ts.invite(t, "acme", time.Hour), "").must(t), 80, 24)
	tm.waitFor("old")
}
