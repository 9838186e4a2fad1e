package exporte2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
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

// copyCLI writes a locations file holding the platform's source location
// (a user that may list and read rec/ only) and the customer's destination
// (the generated least-privilege policy plus the generated copy-source
// statement, nothing more), both reached through the fault proxy.
func copyCLI(t *testing.T, m *testenv.MinIO, px *faultProxy, srcBucket, dstBucket string) *cli {
	t.Helper()
	src := s3Location("platform", srcBucket, px.URL, px.CAFile, m.SigningRegion(), "", "")
	src.S3.Prefix = "rec/"
	src.S3.AccessKeyID, src.S3.SecretAccessKey = m.CreateUser(t, fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::%[1]s"]},
{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%[1]s/rec/*"]}]}`, srcBucket))
	dst := s3Location("customer", dstBucket, px.URL, px.CAFile, m.SigningRegion(), "", "")
	dst.S3.Prefix = "exports/"
	cs, err := policies.BatchDocument(policies.KindCopySource, dst, policies.BatchInput{Source: &src})
	if err != nil {
		t.Fatal(err)
	}
	dst.S3.AccessKeyID, dst.S3.SecretAccessKey = m.CreateUser(t, withStatements(t, dst, cs))
	path := filepath.Join(t.TempDir(), "stowage", "config.yaml")
	f := &config.File{Version: config.CurrentVersion, Locations: []config.Location{src, dst}}
	if err := config.Save(path, f); err != nil {
		t.Fatal(err)
	}
	return &cli{bin: stowageBin(t), config: path, name: "customer"}
}

// withStatements is the generated least-privilege policy of loc with the
// statements of the document doc added.
func withStatements(t *testing.T, loc config.Location, doc string) string {
	t.Helper()
	base, err := policies.Permissions(loc)
	if err != nil {
		t.Fatal(err)
	}
	var p, q struct {
		Version   string
		Statement []any
	}
	if err := json.Unmarshal([]byte(base), &p); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(doc), &q); err != nil {
		t.Fatal(err)
	}
	p.Statement = append(p.Statement, q.Statement...)
	b, _ := json.Marshal(p)
	return string(b)
}

// TestKillMidUploadPartCopyThenRerun kills the stowage binary with SIGKILL
// while the copy engine copies a large object part by part (UploadPartCopy)
// and reruns the same command: the rerun resumes the same multipart upload,
// asks MinIO to copy only the parts it does not hold, each once, skips the
// small objects the killed run finished, and the destination then holds
// every object once, byte for byte.
func TestKillMidUploadPartCopyThenRerun(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	root := m.S3Client(t, "", "")
	srcBucket, dstBucket := testenv.UniqueName("platform"), testenv.UniqueName("customer")
	m.CreateBucket(t, srcBucket)
	m.CreateBucket(t, dstBucket)
	const partSize, nParts = 5 << 20, 12
	want := map[string][]byte{
		"big.wav":     data("big.wav", nParts*partSize-1234),
		"2024/a.wav":  data("a.wav", 3000),
		"2024/b.wav":  data("b.wav", 1<<20),
		"2024/c.json": data("c.json", 77),
	}
	for rel, b := range want {
		if _, err := root.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(srcBucket),
			Key: aws.String("rec/" + rel), Body: bytes.NewReader(b)}); err != nil {
			t.Fatal(err)
		}
	}
	px := startProxy(t, m, dstBucket)
	c := copyCLI(t, m, px, srcBucket, dstBucket)
	// The source location is given with --from in place of SRC.
	args := []string{"platform", "--engine", "copy", "--part-size", "5MiB", "--concurrency", "3"}
	const big = "exports/big.wav"

	upload := func() (string, []int) {
		for id, key := range openUploads(t, root, dstBucket) {
			if key == big {
				return id, listedParts(t, root, dstBucket, key, id)
			}
		}
		return "", nil
	}
	// Slow each copy request of the big object so the kill lands between
	// parts.
	px.setDelay(big, 200*time.Millisecond)
	// Once MinIO holds three parts, give the journal a moment to commit
	// them (it commits in groups, and a loaded machine can delay that past
	// the instant MinIO lists them), then kill: the parts copied meanwhile
	// are few, as each copy request of the big object waits 200 ms.
	var heldAt time.Time
	c.killWhen(t, "--from", func() bool {
		if heldAt.IsZero() {
			if _, parts := upload(); len(parts) >= 3 {
				heldAt = time.Now()
			}
			return false
		}
		return time.Since(heldAt) >= 250*time.Millisecond
	}, append(args, "--no-tui")...)
	uploadID, held := upload()
	if uploadID == "" || len(held) >= nParts {
		t.Fatalf("after the kill: upload %q holds parts %v; want a half-done upload", uploadID, held)
	}
	// The finished parts are those the journal recorded: the destination's
	// least-privilege identity may not list an upload's parts, so a part
	// MinIO stored in the instant before the kill, but the journal had not
	// committed yet, is rightly copied again.
	j, err := export.OpenJournal(c.journalPath(t))
	if err != nil {
		t.Fatal(err)
	}
	rec, ok, err := j.Get(export.ObjectRef("platform", "big.wav"))
	j.Close()
	if err != nil || !ok || rec.UploadID != uploadID {
		t.Fatalf("journal record of big.wav after the kill: %+v, %v, %v; want upload %s", rec, ok, err, uploadID)
	}
	var have []int
	for _, p := range rec.Parts {
		have = append(have, p.Number)
	}
	if len(have) == 0 {
		t.Fatalf("the journal holds no finished part of upload %s (MinIO holds %v)", uploadID, held)
	}
	t.Logf("kill: MinIO holds parts %v of upload %s, the journal %v", held, uploadID, have)

	px.setDelay("", 0)
	px.takeCalls()
	res := c.run(t, "--from", append(args, "--json")...)
	if res.code != 0 {
		t.Fatalf("rerun exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	calls := px.takeCalls()
	sent := assertResumed(t, calls, big, uploadID, have)
	for n := 1; n <= nParts; n++ {
		if sent[n] == 0 && !slices.Contains(have, n) {
			t.Fatalf("the rerun never copied part %d, which the journal did not hold (held %v)", n, have)
		}
	}
	// No object byte through the client: every part was a copy request
	// (x-amz-copy-source), none carried a body.
	for _, cl := range calls {
		if cl.Method == "PUT" && !cl.copied {
			t.Fatalf("the rerun sent %s %s with a body, not a copy request", cl.Method, cl.Key)
		}
	}
	assertRerunFinished(t, c, px, root, dstBucket, want, args, res, "copy")
}

// assertRerunFinished checks the rerun res of an export --from after a
// kill: engine named on its --json engine line, nothing failed, the
// destination holds want under exports/ and no upload is left open; and a
// third run sends nothing and skips all four objects.
func assertRerunFinished(t *testing.T, c *cli, px *faultProxy, root *s3.Client, dstBucket string, want map[string][]byte, args []string, res result, engine string) {
	t.Helper()
	ev := jsonEvents(t, res.stdout, "engine")
	if len(ev) != 1 || ev[0]["engine"] != engine {
		t.Fatalf("--json engine line: %v", ev)
	}
	sum := jsonEvents(t, res.stdout, "summary")
	if len(sum) != 1 || sum[0]["failed"] != float64(0) {
		t.Fatalf("rerun summary %v, want one summary with nothing failed", sum)
	}
	assertBucketHolds(t, root, dstBucket, "exports/", want)
	if ups := openUploads(t, root, dstBucket); len(ups) != 0 {
		t.Fatalf("uploads left open after the rerun: %v", ups)
	}
	// Every object once: a third run sends nothing.
	px.takeCalls()
	res = c.run(t, "--from", append(args, "--json")...)
	if res.code != 0 {
		t.Fatalf("third run exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	for _, cl := range px.takeCalls() {
		if cl.Method == "PUT" || cl.Method == "POST" {
			t.Fatalf("a run after everything was exported sent %s %s", cl.Method, cl.Key)
		}
	}
	if !strings.Contains(res.stdout, `"skipped":4`) {
		t.Fatalf("third run does not report 4 skipped:\n%s", res.stdout)
	}
}
