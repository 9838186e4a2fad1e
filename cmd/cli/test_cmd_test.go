package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// saveLocations writes a locations file holding locs.
func saveLocations(t *testing.T, locs ...config.Location) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	f := &config.File{Version: config.CurrentVersion}
	for _, l := range locs {
		if err := f.Upsert(l, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := config.Save(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTestCommandLocal(t *testing.T) {
	dir := t.TempDir()
	cfg := saveLocations(t,
		config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: dir}},
		config.Location{Name: "gone", Type: config.TypeLocal, Local: &config.Local{Path: filepath.Join(dir, "missing")}},
	)
	out, errOut, code := runCLI(t, "", "--config", cfg, "test", "nas")
	if code != ExitOK || !strings.Contains(out, "[ok]") || strings.Contains(out, "[FAIL]") {
		t.Fatalf("nas: code %d\n%s%s", code, out, errOut)
	}
	out, _, code = runCLI(t, "", "--config", cfg, "test", "gone")
	if code != ExitFailed || !strings.Contains(out, "[FAIL]") || !strings.Contains(out, "mkdir -p") {
		t.Fatalf("gone: code %d\n%s", code, out)
	}
	out, _, code = runCLI(t, "", "--config", cfg, "test", "gone", "--json")
	var report struct {
		OK     bool `json:"ok"`
		Checks []struct {
			ID, Status, Field string
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil || code != ExitFailed || report.OK || len(report.Checks) == 0 || report.Checks[0].Field != "path" {
		t.Fatalf("--json: code %d err %v\n%s", code, err, out)
	}
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, ok := range map[string]bool{"nas": true, "gone": false} {
		loc, _ := f.Find(name)
		if loc.LastTest == nil || loc.LastTest.OK != ok || time.Since(loc.LastTest.At) > time.Minute {
			t.Errorf("%s: last test %+v, want ok=%v saved just now", name, loc.LastTest, ok)
		}
	}
}

// TestTestCommandS3NamesMissingPermission runs the command against MinIO
// with a user whose policy lacks s3:PutObject: exit 1 and a hint naming it.
func TestTestCommandS3NamesMissingPermission(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("cmdtest")
	m.CreateBucket(t, bucket)
	loc := config.Location{Name: "minio", Type: config.TypeS3, S3: &config.S3{
		Bucket: bucket, Region: "us-east-1", Prefix: "calls/", Auth: config.AuthKeys,
		Endpoint: m.Endpoint, PathStyle: true, CABundle: m.CAFile, ChecksumMode: config.ChecksumWhenRequired,
	}}
	full, err := policies.Permissions(loc)
	if err != nil {
		t.Fatal(err)
	}
	// The same policy without the object statement: no s3:PutObject.
	var doc map[string]any
	if err := json.Unmarshal([]byte(full), &doc); err != nil {
		t.Fatal(err)
	}
	var kept []any
	for _, st := range doc["Statement"].([]any) {
		if !strings.Contains(toJSON(t, st), "s3:PutObject") {
			kept = append(kept, st)
		}
	}
	doc["Statement"] = kept
	ak, sk := m.CreateUser(t, toJSON(t, doc))
	loc.S3.AccessKeyID, loc.S3.SecretAccessKey = ak, sk
	cfg := saveLocations(t, loc)

	out, errOut, code := runCLI(t, "", "--config", cfg, "test", "minio")
	t.Log("\n" + out)
	if code != ExitFailed {
		t.Fatalf("code %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"[FAIL]", "s3:PutObject", "arn:aws:s3:::" + bucket + "/calls/*"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, sk) {
		t.Fatal("the secret access key was printed")
	}
	raw, _ := os.ReadFile(cfg)
	if !strings.Contains(string(raw), "ok: false") {
		t.Errorf("failed result not saved:\n%s", raw)
	}
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
