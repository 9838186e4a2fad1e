package exporte2e

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// TestKillMidStreamThenRerun kills the stowage binary with SIGKILL while
// the stream engine sends a large object part by part (ranged reads of the
// source, UploadPart to the destination), after parts were acknowledged,
// and reruns the same command: the rerun resumes the same multipart
// upload, sends each part the journal did not hold once and none it held,
// skips the small objects the killed run finished, and the destination
// then holds every object once, byte for byte; a third run sends nothing.
func TestKillMidStreamThenRerun(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	root := m.S3Client(t, "", "")
	srcBucket, dstBucket := testenv.UniqueName("platform"), testenv.UniqueName("customer")
	m.CreateBucket(t, srcBucket)
	m.CreateBucket(t, dstBucket)
	const partSize, nParts = 5 << 20, 14 // above the 64 MiB multipart threshold
	want := map[string][]byte{
		"big.wav":     data("big.wav", nParts*partSize-999),
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
	args := []string{"platform", "--engine", "stream", "--part-size", "5MiB", "--concurrency", "2"}
	const big = "exports/big.wav"

	// The parts the journal holds as acknowledged.
	jpath := c.journalPath(t)
	journalled := func() (string, []int) {
		j, err := export.OpenJournal(jpath)
		if err != nil {
			return "", nil
		}
		defer j.Close()
		rec, ok, err := j.Get(export.ObjectRef("platform", "big.wav"))
		if err != nil || !ok {
			return "", nil
		}
		var have []int
		for _, p := range rec.Parts {
			have = append(have, p.Number)
		}
		return rec.UploadID, have
	}
	// Slow each part of the big object so the kill lands between parts.
	px.setDelay(big, 300*time.Millisecond)
	c.killWhen(t, "--from", func() bool {
		for id, key := range openUploads(t, root, dstBucket) {
			if key == big {
				return len(listedParts(t, root, dstBucket, key, id)) >= 3
			}
		}
		return false
	}, append(args, "--no-tui")...)
	uploadID, have := journalled()
	if uploadID == "" || len(have) == 0 || len(have) >= nParts {
		t.Fatalf("after the kill: the journal holds upload %q with parts %v; want a half-done upload with acknowledged parts", uploadID, have)
	}
	t.Logf("kill: the journal holds parts %v of upload %s", have, uploadID)

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
			t.Fatalf("the rerun never sent part %d, which the journal did not hold (held %v)", n, have)
		}
	}
	for _, cl := range calls {
		if cl.copied {
			t.Fatalf("the stream engine sent a copy request: %s %s", cl.Method, cl.Key)
		}
	}
	assertRerunFinished(t, c, px, root, dstBucket, want, args, res, "stream")
}
