package exporte2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"
)

// batchUserPolicy is the destination user's policy: the generated
// least-privilege policy plus the generated batch-target statements, and
// extra statements.
func batchUserPolicy(t *testing.T, loc config.Location, extra ...map[string]any) string {
	t.Helper()
	doc, err := policies.Permissions(loc)
	if err != nil {
		t.Fatal(err)
	}
	bt, err := policies.BatchDocument(policies.KindBatchTarget, loc, policies.BatchInput{})
	if err != nil {
		t.Fatal(err)
	}
	var p, q struct {
		Version   string
		Statement []any
	}
	json.Unmarshal([]byte(doc), &p)
	json.Unmarshal([]byte(bt), &q)
	p.Statement = append(p.Statement, q.Statement...)
	for _, e := range extra {
		p.Statement = append(p.Statement, e)
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// batchRun runs `stowage export customer --from platform --engine batch`.
func batchRun(t *testing.T, cfg string, args ...string) result {
	t.Helper()
	argv := append([]string{"--config", cfg, "export", "customer", "--from", "platform", "--engine", "batch"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, stowageBin(t), argv...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(cfg), "TERM=dumb", "NO_COLOR=1"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// TestExportEngineBatchMinIO drives a real MinIO batch replicate job from
// the platform's MinIO to the customer's (a second MinIO server, TLS on
// both) through the stowage binary: progress lines, a failed folder (the
// destination denies it) in the summary, manifest and journal, and a rerun
// after the fix that asks MinIO for the failed objects only.
func TestExportEngineBatchMinIO(t *testing.T) {
	dst := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	src := testenv.StartMinIO(t, testenv.MinIOOptions{TLS: true, TrustCAFile: dst.CAFile})
	sb, db := testenv.UniqueName("platform"), testenv.UniqueName("customer")
	src.CreateBucket(t, sb)
	dst.CreateBucket(t, db)
	want := map[string][]byte{}
	sc := src.S3Client(t, "", "")
	for _, k := range []string{"tenants/acme/2024/a.wav", "tenants/acme/2024/b.wav", "tenants/acme/deny/c.wav", "tenants/acme/2025/big.wav", "tenants/other/x.wav"} {
		n := 2000
		if strings.HasSuffix(k, "big.wav") {
			n = 6 << 20
		}
		want[k] = data(k, n)
		if _, err := sc.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(sb), Key: aws.String(k), Body: bytes.NewReader(want[k])}); err != nil {
			t.Fatal(err)
		}
	}
	platform := s3Location("platform", sb, src.Endpoint, src.CAFile, src.SigningRegion(), src.RootUser, src.RootPassword)
	platform.S3.Prefix = "tenants/acme/"
	customer := s3Location("customer", db, dst.Endpoint, dst.CAFile, dst.SigningRegion(), "", "")
	customer.S3.Prefix = "exports/"
	deny := map[string]any{"Effect": "Deny", "Action": []string{"s3:PutObject"}, "Resource": []string{"arn:aws:s3:::" + db + "/" + customer.S3.Prefix + "tenants/acme/deny/*"}}
	customer.S3.AccessKeyID, customer.S3.SecretAccessKey = dst.CreateUser(t, batchUserPolicy(t, customer, deny))

	cfg := filepath.Join(t.TempDir(), "stowage", "config.yaml")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	save := func() {
		// A location keeps its id (its journal) from one save to the next.
		if old, err := config.Load(cfg); err == nil {
			for _, l := range []*config.Location{&platform, &customer} {
				if o, ok := old.Find(l.Name); ok {
					l.ID = o.ID
				}
			}
		}
		if err := config.Save(cfg, &config.File{Version: config.CurrentVersion, Locations: []config.Location{platform, customer}}); err != nil {
			t.Fatal(err)
		}
	}
	save()

	// Without --yes and without a terminal the job is not started.
	res := batchRun(t, cfg, "--no-tui")
	if res.code != 2 || !strings.Contains(res.stderr, "--yes") {
		t.Fatalf("unconfirmed run: exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	if objs := listObjects(t, dst.S3Client(t, "", ""), db); len(objs) != 0 {
		t.Fatalf("an unconfirmed run copied %v", objs)
	}

	res = batchRun(t, cfg, "--no-tui", "--yes")
	if res.code != 1 {
		t.Fatalf("first run: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	for _, w := range []string{"minio-replicate job", "4 objects", "no charge for the job itself"} {
		if !strings.Contains(res.stderr+res.stdout, w) {
			t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", w, res.stdout, res.stderr)
		}
	}
	jpath := export.DefaultJournalPath(cfg, "customer")
	manifests, _ := filepath.Glob(filepath.Join(filepath.Dir(jpath), "*.jsonl"))
	if len(manifests) != 1 {
		t.Fatalf("manifests %v", manifests)
	}
	rows := readManifest(t, manifests[0])
	if st := statusCount(rows); st[export.RowExported] != 3 || st[export.RowFailed] != 1 {
		t.Errorf("manifest statuses %v", st)
	}

	// The customer fixes the policy; the rerun sends only the failed one.
	customer.S3.AccessKeyID, customer.S3.SecretAccessKey = dst.CreateUser(t, batchUserPolicy(t, customer))
	save()
	res = batchRun(t, cfg, "--json", "--yes")
	if res.code != 0 {
		t.Fatalf("rerun: exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	var lastProgress map[string]any
	for _, line := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["type"] == "batch_progress" {
			lastProgress = m
		}
	}
	if lastProgress == nil || lastProgress["tasks_succeeded"] != float64(1) || lastProgress["done"] != true {
		t.Errorf("rerun's last batch_progress %v, want the one failed object copied\nstdout:\n%s", lastProgress, res.stdout)
	}
	dc := dst.S3Client(t, "", "")
	for k, b := range want {
		if !strings.HasPrefix(k, "tenants/acme/") {
			continue
		}
		if got := getObject(t, dc, db, customer.S3.Prefix+k); !bytes.Equal(got, b) {
			t.Errorf("%s differs", k)
		}
	}
	if objs := listObjects(t, dc, db); len(objs) != 4 {
		t.Errorf("destination holds %v, want the 4 objects of the source prefix", objs)
	}
}
