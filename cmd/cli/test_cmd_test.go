package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

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

// TestTestCommandFrom runs `stowage test NAME --from SOURCE` against
// MinIO: the destination's user lacks the copy-source statement, so with
// --engine copy the copy check fails (exit 1) naming the document that
// fixes it, with auto it is advisory and auto says stream (exit 0); the
// location's saved result holds its own checks only; --json holds the
// source checks and names the source; bad usage is refused.
func TestTestCommandFrom(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket, srcBucket := testenv.UniqueName("cmdfrom"), testenv.UniqueName("cmdsrc")
	m.CreateBucket(t, bucket)
	m.CreateBucket(t, srcBucket)
	if _, err := m.S3Client(t, "", "").PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(srcBucket), Key: aws.String("rec/a.wav"),
		Body: strings.NewReader("RIFF recording")}); err != nil {
		t.Fatal(err)
	}
	loc := config.Location{Name: "customer", Type: config.TypeS3, S3: &config.S3{
		Bucket: bucket, Region: "us-east-1", Prefix: "calls/", Auth: config.AuthKeys,
		Endpoint: m.Endpoint, PathStyle: true, CABundle: m.CAFile, ChecksumMode: config.ChecksumWhenRequired,
	}}
	doc, err := policies.Permissions(loc)
	if err != nil {
		t.Fatal(err)
	}
	loc.S3.AccessKeyID, loc.S3.SecretAccessKey = m.CreateUser(t, doc)
	src := config.Location{Name: "platform", Type: config.TypeS3, S3: &config.S3{
		Bucket: srcBucket, Region: "us-east-1", Prefix: "rec/", Auth: config.AuthKeys,
		Endpoint: m.Endpoint, PathStyle: true, CABundle: m.CAFile, ChecksumMode: config.ChecksumWhenRequired,
	}}
	src.S3.AccessKeyID, src.S3.SecretAccessKey = m.CreateUser(t, `{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::`+srcBucket+`"]},
{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::`+srcBucket+`/rec/*"]}]}`)
	cfg := saveLocations(t, loc, src)

	out, errOut, code := runCLI(t, "", "--config", cfg, "test", "customer", "--from", "platform", "--engine", "copy")
	t.Log("\n" + out)
	if code != ExitFailed {
		t.Fatalf("--engine copy: code %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Testing the export from platform", "[ok]   Source listable: 1 object", "[ok]   Source object readable",
		"[FAIL] Destination can read the source (copy)", "stowage policy customer --kind copy-source --from platform", "From platform: "} {
		if !strings.Contains(out, want) {
			t.Errorf("--engine copy: output lacks %q", want)
		}
	}
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := f.Find("customer"); l.LastTest == nil || !l.LastTest.OK {
		t.Errorf("the location's own checks passed, its saved result says %+v", l.LastTest)
	}

	out, errOut, code = runCLI(t, "", "--config", cfg, "test", "customer", "--from", "platform:", "--json")
	var report struct {
		OK     bool `json:"ok"`
		Source struct{ Location, Engine string }
		Checks []struct{ ID, Status, Detail string } `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil || code != ExitOK || !report.OK || report.Source.Location != "platform" || report.Source.Engine != "auto" {
		t.Fatalf("--json auto: code %d err %v\n%s%s", code, err, out, errOut)
	}
	ids := map[string]string{}
	for _, c := range report.Checks {
		ids[c.ID] = c.Status + " " + c.Detail
	}
	if !strings.HasPrefix(ids["source-copy-read"], "fail ") || !strings.HasPrefix(ids["source-engine"], "pass stream: ") || !strings.HasPrefix(ids["put"], "pass") {
		t.Errorf("--json auto checks: %v", ids)
	}

	for _, args := range [][]string{{"--engine", "batch"}, {"--from", "platform", "--engine", "fast"}, {"--from", "nowhere"}, {"--from", "customer"},
		{"--from", "platform", "--batch-role-arn", "arn:aws:iam::123456789012:role/B"}} {
		out, errOut, code = runCLI(t, "", append([]string{"--config", cfg, "test", "customer"}, args...)...)
		if code != ExitUsage || !strings.Contains(errOut, "example") && !strings.Contains(errOut, "platform") {
			t.Errorf("%v: code %d, want 2 with an example\n%s%s", args, code, out, errOut)
		}
	}
}
