package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"
	"github.com/stowage-dev/stowage/providers"
)

// batchPair is a source MinIO (its own server, trusting the destination's
// CA) and the shared TLS MinIO as the destination.
type batchPair struct {
	src, dst             *testenv.MinIO
	srcBucket, dstBucket string
}

func newBatchPair(t *testing.T) batchPair {
	t.Helper()
	dst := tlsMinIO(t)
	src := testenv.StartMinIO(t, testenv.MinIOOptions{TLS: true, TrustCAFile: dst.CAFile})
	bp := batchPair{src: src, dst: dst, srcBucket: newBucket(t, src), dstBucket: newBucket(t, dst)}
	return bp
}

// put writes objects of the given sizes under key names into the source.
func (bp batchPair) put(t *testing.T, objs map[string]int) map[string][]byte {
	t.Helper()
	c := bp.src.S3Client(t, "", "")
	out := map[string][]byte{}
	for k, n := range objs {
		data := make([]byte, n)
		rand.Read(data)
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bp.srcBucket), Key: aws.String(k), Body: bytes.NewReader(data)}); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
		out[k] = data
	}
	return out
}

// srcLoc is the platform's source location: root keys (batch jobs are an
// admin API), prefix "rec/".
func (bp batchPair) srcLoc() config.Location {
	l := keysLocation(bp.src, bp.srcBucket, bp.src.RootUser, bp.src.RootPassword)
	l.Name, l.S3.Prefix = "platform", "rec/"
	return l
}

// dstLoc is the customer's location with keys of a user holding policy
// (the generated least-privilege one plus the batch target's statement
// when policy is "").
func (bp batchPair) dstLoc(t *testing.T, policy string) config.Location {
	t.Helper()
	l := bp.bareDst()
	if policy == "" {
		policy = withBatchTarget(t, leastPrivilege(t, l), l)
	}
	l.S3.AccessKeyID, l.S3.SecretAccessKey = bp.dst.CreateUser(t, policy)
	return l
}

func (bp batchPair) bareDst() config.Location {
	l := keysLocation(bp.dst, bp.dstBucket, "", "")
	l.Name = "customer"
	return l
}

// withBatchTarget adds the generated batch-target statements (stowage
// policy --kind batch-target) to doc.
func withBatchTarget(t *testing.T, doc string, loc config.Location) string {
	t.Helper()
	bt, err := policies.BatchDocument(policies.KindBatchTarget, loc, policies.BatchInput{})
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(bt), &p); err != nil {
		t.Fatal(err)
	}
	for _, st := range p.Statement {
		doc = withStatement(t, doc, st)
	}
	return doc
}

// withStatement adds st to the policy document doc.
func withStatement(t *testing.T, doc string, st map[string]any) string {
	t.Helper()
	var pol map[string]any
	if err := json.Unmarshal([]byte(doc), &pol); err != nil {
		t.Fatal(err)
	}
	pol["Statement"] = append(pol["Statement"].([]any), st)
	b, err := json.Marshal(pol)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func listItems(t *testing.T, p *Provider, prefix string) []providers.BatchItem {
	t.Helper()
	var items []providers.BatchItem
	if err := p.List(context.Background(), prefix, func(o providers.Object) error {
		items = append(items, providers.BatchItem{Key: o.Key, Size: o.Size, ETag: o.ETag})
		return nil
	}); err != nil {
		t.Fatalf("list source: %v", err)
	}
	return items
}

func waitBatch(t *testing.T, b providers.Batch, job providers.BatchJob) providers.BatchStatus {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		st, err := b.Status(context.Background(), job)
		if err != nil {
			t.Fatalf("Status: %v", err)
		}
		if st.Done {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %v not done after 90s: %+v", job.IDs, st)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func results(t *testing.T, b providers.Batch, job providers.BatchJob, items []providers.BatchItem) (ok, failed []providers.BatchResult) {
	t.Helper()
	if err := b.Results(context.Background(), job, items, func(r providers.BatchResult) error {
		if r.OK {
			ok = append(ok, r)
		} else {
			failed = append(failed, r)
		}
		return nil
	}); err != nil {
		t.Fatalf("Results: %v", err)
	}
	return ok, failed
}

// TestMinIOBatchReplicate runs a real MinIO batch replicate job from one
// MinIO server to another over TLS, with the destination's generated
// least-privilege policy, and checks every byte arrived.
func TestMinIOBatchReplicate(t *testing.T) {
	bp := newBatchPair(t)
	data := bp.put(t, map[string]int{
		"rec/2024/a.wav":     1000,
		"rec/2024/b.wav":     200 << 10,
		"rec/2025/c.wav":     6 << 20, // above snowball's 5 MiB: copied on its own
		"rec/2025/d e+f.wav": 10,
		"other/x.wav":        10, // outside the source's prefix
	})
	src, dst := openS3(t, bp.srcLoc()), openS3(t, bp.dstLoc(t, ""))
	b, err := dst.Batch(context.Background(), src, providers.BatchOptions{Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if b.Engine() != EngineMinIOReplicate {
		t.Fatalf("engine %s", b.Engine())
	}
	items := listItems(t, src, "")
	if len(items) != 4 {
		t.Fatalf("listed %d items, want 4: %+v", len(items), items)
	}
	job, err := b.Start(context.Background(), providers.BatchRequest{Items: items, All: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	st := waitBatch(t, b, job)
	if st.Succeeded != 4 || st.FailedTasks != 0 {
		t.Errorf("status %+v, want 4 succeeded", st)
	}
	ok, failed := results(t, b, job, items)
	if len(ok) != 4 || len(failed) != 0 {
		t.Fatalf("results ok=%d failed=%+v", len(ok), failed)
	}
	dc := bp.dst.S3Client(t, "", "")
	for k, want := range data {
		if !strings.HasPrefix(k, "rec/") {
			continue
		}
		// The job keeps the source's full key under the destination prefix.
		full := "exports/" + k
		out, err := dc.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bp.dstBucket), Key: aws.String(full)})
		if err != nil {
			t.Fatalf("get %s: %v", full, err)
		}
		var got bytes.Buffer
		got.ReadFrom(out.Body)
		out.Body.Close()
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s: %d bytes differ from the source's %d", full, got.Len(), len(want))
		}
		if d := b.DestKey(strings.TrimPrefix(k, "rec/")); d != k {
			t.Errorf("DestKey(%s) = %s, want %s", k, d, k)
		}
	}
	if _, err := dc.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bp.dstBucket), Key: aws.String("exports/other/x.wav")}); err == nil {
		t.Error("an object outside the source prefix was copied")
	}
}

// TestMinIOBatchFailedThenOnlyFailed: a destination policy that denies one
// folder makes those objects fail; Results names them; a second job asked
// for the failed keys alone copies exactly those.
func TestMinIOBatchFailedThenOnlyFailed(t *testing.T) {
	bp := newBatchPair(t)
	bp.put(t, map[string]int{"rec/ok/1.wav": 100, "rec/ok/2.wav": 100, "rec/deny/3.wav": 100, "rec/deny/4.wav": 7 << 20})
	// Least privilege plus an explicit deny on exports/rec/deny/.
	dl := bp.bareDst()
	pol := withBatchTarget(t, leastPrivilege(t, dl), dl)
	pol = withStatement(t, pol, map[string]any{"Effect": "Deny", "Action": []string{"s3:PutObject"},
		"Resource": []string{"arn:aws:s3:::" + bp.dstBucket + "/exports/rec/deny/*"}})
	dl.S3.AccessKeyID, dl.S3.SecretAccessKey = bp.dst.CreateUser(t, pol)
	src, dst := openS3(t, bp.srcLoc()), openS3(t, dl)
	b, err := dst.Batch(context.Background(), src, providers.BatchOptions{Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	items := listItems(t, src, "")
	job, err := b.Start(context.Background(), providers.BatchRequest{Items: items, All: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	st := waitBatch(t, b, job)
	ok, failed := results(t, b, job, items)
	if len(ok) != 2 || len(failed) != 2 {
		t.Fatalf("status %+v; ok=%+v failed=%+v", st, ok, failed)
	}
	for _, f := range failed {
		if !strings.HasPrefix(f.Item.Key, "deny/") || !strings.Contains(f.Reason, "not in the destination") {
			t.Errorf("failed %+v", f)
		}
	}
	// The customer fixes the policy; only the failed keys go again.
	l2 := bp.dstLoc(t, "")
	dst2 := openS3(t, l2)
	b2, err := dst2.Batch(context.Background(), src, providers.BatchOptions{Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	var again []providers.BatchItem
	for _, f := range failed {
		again = append(again, f.Item)
	}
	sort.Slice(again, func(i, j int) bool { return again[i].Key < again[j].Key })
	job2, err := b2.Start(context.Background(), providers.BatchRequest{Items: again})
	if err != nil {
		t.Fatalf("Start again: %v", err)
	}
	st2 := waitBatch(t, b2, job2)
	if st2.Succeeded != 2 || st2.FailedTasks != 0 {
		t.Errorf("second job %+v, want exactly the 2 failed objects copied", st2)
	}
	ok2, failed2 := results(t, b2, job2, again)
	if len(ok2) != 2 || len(failed2) != 0 {
		t.Fatalf("second results ok=%d failed=%+v", len(ok2), failed2)
	}
}

// TestMinIOBatchNeedsVersioningRead: with the plain least-privilege policy
// MinIO refuses the job with a bare AccessDenied; Start names the
// permission instead.
func TestMinIOBatchNeedsVersioningRead(t *testing.T) {
	bp := newBatchPair(t)
	bp.put(t, map[string]int{"rec/a.wav": 10})
	dl := bp.bareDst()
	dl.S3.AccessKeyID, dl.S3.SecretAccessKey = bp.dst.CreateUser(t, leastPrivilege(t, dl))
	src, dst := openS3(t, bp.srcLoc()), openS3(t, dl)
	b, err := dst.Batch(context.Background(), src, providers.BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Start(context.Background(), providers.BatchRequest{Items: listItems(t, src, ""), All: true})
	if err == nil || !strings.Contains(err.Error(), "s3:GetBucketVersioning") {
		t.Fatalf("Start = %v, want a denial naming s3:GetBucketVersioning", err)
	}
	var pe *providers.Error
	if !errors.As(err, &pe) || !strings.Contains(pe.Hint, "batch-target") {
		t.Errorf("hint %q", pe.Hint)
	}
}
