package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"
	"github.com/stowage-dev/stowage/providers"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// tlsMinIO is the shared HTTPS MinIO server started without a region.
func tlsMinIO(t *testing.T) *testenv.MinIO {
	t.Helper()
	return testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
}

// newBucket creates a fresh bucket on m.
func newBucket(t *testing.T, m *testenv.MinIO) string {
	t.Helper()
	b := testenv.UniqueName("s3test")
	m.CreateBucket(t, b)
	return b
}

// keysLocation is a keys-mode location on m with prefix "exports/".
func keysLocation(m *testenv.MinIO, bucket, accessKey, secretKey string) config.Location {
	return config.Location{
		Name: "test " + bucket,
		Type: config.TypeS3,
		S3: &config.S3{
			Bucket:          bucket,
			Region:          m.SigningRegion(),
			Prefix:          "exports/",
			Endpoint:        m.Endpoint,
			PathStyle:       true,
			CABundle:        m.CAFile,
			Auth:            config.AuthKeys,
			AccessKeyID:     accessKey,
			SecretAccessKey: secretKey,
		},
	}
}

// policyJSON builds an IAM policy granting bucketActions on the bucket and
// objectActions on prefix* in it.
func policyJSON(t *testing.T, bucket, prefix string, bucketActions, objectActions []string) string {
	t.Helper()
	var st []map[string]any
	if len(bucketActions) > 0 {
		st = append(st, map[string]any{"Effect": "Allow", "Action": bucketActions,
			"Resource": []string{"arn:aws:s3:::" + bucket}})
	}
	if len(objectActions) > 0 {
		st = append(st, map[string]any{"Effect": "Allow", "Action": objectActions,
			"Resource": []string{"arn:aws:s3:::" + bucket + "/" + prefix + "*"}})
	}
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": st})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// leastPrivilege is the generated least-privilege permissions policy of
// loc.
func leastPrivilege(t *testing.T, loc config.Location) string {
	t.Helper()
	doc, err := policies.Permissions(loc)
	if err != nil {
		t.Fatalf("policies.Permissions: %v", err)
	}
	return doc
}

// openS3 opens loc, failing the test on error.
func openS3(t *testing.T, loc config.Location) *Provider {
	t.Helper()
	p, err := open(context.Background(), loc, providers.Options{Concurrency: 4})
	if err != nil {
		t.Fatalf("open %s: %v", loc.Name, err)
	}
	return p
}

// runTest runs the connection test and checks the emit contract: each check
// is emitted running, then finished, in order.
func runTest(t *testing.T, p providers.Provider) providers.Report {
	t.Helper()
	var emitted []providers.Check
	rep, err := p.Test(context.Background(), func(c providers.Check) { emitted = append(emitted, c) })
	if err != nil {
		t.Fatalf("Test: %v", err)
	}
	if len(emitted) != 2*len(rep.Checks) {
		t.Fatalf("emitted %d events for %d checks", len(emitted), len(rep.Checks))
	}
	for i, c := range rep.Checks {
		if emitted[2*i].ID != c.ID || emitted[2*i].Status != providers.StatusRunning {
			t.Errorf("event %d = %s/%s, want %s/running", 2*i, emitted[2*i].ID, emitted[2*i].Status, c.ID)
		}
		if emitted[2*i+1].ID != c.ID || emitted[2*i+1].Status == providers.StatusRunning {
			t.Errorf("event %d = %s/%s, want %s finished", 2*i+1, emitted[2*i+1].ID, emitted[2*i+1].Status, c.ID)
		}
	}
	return rep
}

// checkOf returns the check with id.
func checkOf(t *testing.T, rep providers.Report, id string) providers.Check {
	t.Helper()
	for _, c := range rep.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", id, rep.Checks)
	return providers.Check{}
}

// dump renders a report for failure messages.
func dump(rep providers.Report) string {
	var b strings.Builder
	for _, c := range rep.Checks {
		b.WriteString("\n  " + c.ID + ": " + string(c.Status) + " " + c.Detail)
		if c.Hint != "" {
			b.WriteString(" | hint: " + c.Hint)
		}
		if c.Field != "" {
			b.WriteString(" | field: " + c.Field)
		}
	}
	return b.String()
}

// randomFile writes size random bytes to a temporary file, open for reading.
func randomFile(t *testing.T, size int) (*os.File, []byte) {
	t.Helper()
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "recording.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, data
}

func readAllGet(t *testing.T, p *Provider, key string, off, n int64) []byte {
	t.Helper()
	rc, _, err := p.Get(context.Background(), key, off, n)
	if err != nil {
		t.Fatalf("Get %s [%d,+%d): %v", key, off, n, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return buf.Bytes()
}
