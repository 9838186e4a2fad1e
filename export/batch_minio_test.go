package export

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
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

// batchServers: a source MinIO (platform) trusting the destination's CA,
// and the shared TLS MinIO as the customer's store.
type batchServers struct {
	src, dst             *testenv.MinIO
	srcBucket, dstBucket string
}

func newBatchServers(t *testing.T) *batchServers {
	t.Helper()
	dst := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	src := testenv.StartMinIO(t, testenv.MinIOOptions{TLS: true, TrustCAFile: dst.CAFile})
	bs := &batchServers{src: src, dst: dst, srcBucket: testenv.UniqueName("platform"), dstBucket: testenv.UniqueName("customer")}
	src.CreateBucket(t, bs.srcBucket)
	dst.CreateBucket(t, bs.dstBucket)
	return bs
}

func (bs *batchServers) putSource(t *testing.T, objs map[string]int) map[string][]byte {
	t.Helper()
	c := bs.src.S3Client(t, "", "")
	out := map[string][]byte{}
	for k, n := range objs {
		b := make([]byte, n)
		rand.Read(b)
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bs.srcBucket), Key: aws.String(k), Body: bytes.NewReader(b)}); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
		out[k] = b
	}
	return out
}

func s3Loc(m *testenv.MinIO, name, bucket, prefix, ak, sk string) config.Location {
	return config.Location{Name: name, Type: config.TypeS3, S3: &config.S3{
		Bucket: bucket, Region: m.SigningRegion(), Prefix: prefix, Endpoint: m.Endpoint, PathStyle: true,
		CABundle: m.CAFile, Auth: config.AuthKeys, AccessKeyID: ak, SecretAccessKey: sk}}
}

// customer opens the destination with a user holding the generated
// least-privilege policy, the batch-target statement, and extra statements.
func (bs *batchServers) customer(t *testing.T, extra ...map[string]any) providers.Provider {
	t.Helper()
	loc := s3Loc(bs.dst, "customer", bs.dstBucket, "exports/", "", "")
	doc, err := policies.Permissions(loc)
	if err != nil {
		t.Fatal(err)
	}
	var pol map[string]any
	json.Unmarshal([]byte(doc), &pol)
	sts := pol["Statement"].([]any)
	bt, err := policies.BatchDocument(policies.KindBatchTarget, loc, policies.BatchInput{})
	if err != nil {
		t.Fatal(err)
	}
	var btDoc struct{ Statement []any }
	json.Unmarshal([]byte(bt), &btDoc)
	sts = append(sts, btDoc.Statement...)
	for _, e := range extra {
		sts = append(sts, e)
	}
	pol["Statement"] = sts
	pj, _ := json.Marshal(pol)
	loc.S3.AccessKeyID, loc.S3.SecretAccessKey = bs.dst.CreateUser(t, string(pj))
	p, err := providers.Open(context.Background(), loc, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (bs *batchServers) platform(t *testing.T) providers.Provider {
	t.Helper()
	p, err := providers.Open(context.Background(), s3Loc(bs.src, "platform", bs.srcBucket, "rec/", bs.src.RootUser, bs.src.RootPassword), providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func readBatchManifest(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, r := range rows[1:] {
		out[r[0]] = r
	}
	return out
}

// TestRunBatchMinIO drives a real MinIO batch replicate job through the
// export engine: objects in one folder are denied at the destination and
// fail; journal and manifest say so; after the policy is fixed the rerun
// asks MinIO for the failed objects only and the journal then holds all.
func TestRunBatchMinIO(t *testing.T) {
	bs := newBatchServers(t)
	data := bs.putSource(t, map[string]int{
		"rec/2024/a.wav": 1500, "rec/2024/b.wav": 300 << 10, "rec/2024/big.wav": 6 << 20,
		"rec/deny/c.wav": 100, "rec/deny/d.wav": 100, "rec/skip.txt": 10, "elsewhere/x.wav": 5,
	})
	deny := map[string]any{"Effect": "Deny", "Action": []string{"s3:PutObject"},
		"Resource": []string{"arn:aws:s3:::" + bs.dstBucket + "/exports/rec/deny/*"}}
	dir := t.TempDir()
	var evs events
	var plans []BatchPlan
	opts := BatchOptions{Source: "platform", Include: []string{"*.wav"}, JournalPath: dir + "/journal.db", ManifestDir: dir,
		Events: evs.add, PollInterval: 200 * time.Millisecond, StatsInterval: 100 * time.Millisecond,
		Service: providers.BatchOptions{Attempts: 1},
		Confirm: func(p BatchPlan) error { plans = append(plans, p); return nil }}
	src := bs.platform(t)
	sum, err := RunBatch(context.Background(), src, bs.customer(t, deny), "customer", opts)
	if !errors.Is(err, ErrFilesFailed) {
		t.Fatalf("first run: %v (%+v), want ErrFilesFailed", err, sum)
	}
	if sum.Files != 3 || sum.Failed != 2 || sum.Skipped != 0 {
		t.Fatalf("first run summary %+v, want 3 copied, 2 failed", sum)
	}
	if len(plans) != 1 || plans[0].Objects != 5 || plans[0].Engine != "minio-replicate" || !plans[0].Estimate.Free {
		t.Fatalf("plan %+v", plans)
	}
	if n := countKind[BatchProgress](evs.list()); n == 0 {
		t.Error("no batch_progress event")
	}
	var sawTotals bool
	for _, ev := range evs.list() {
		if tt, ok := ev.(Totals); ok && tt.FilesTotal == 5 {
			sawTotals = true
		}
	}
	if !sawTotals {
		t.Error("no Totals event with the 5 objects")
	}
	rows := readBatchManifest(t, sum.ManifestCSV)
	for _, k := range []string{"2024/a.wav", "2024/b.wav", "2024/big.wav"} {
		if r := rows["platform:"+k]; r == nil || r[6] != RowExported || r[1] != "rec/"+k {
			t.Errorf("manifest row of %s = %q", k, r)
		}
	}
	for _, k := range []string{"deny/c.wav", "deny/d.wav"} {
		if r := rows["platform:"+k]; r == nil || r[6] != RowFailed || !strings.Contains(r[7], "not in the destination") {
			t.Errorf("manifest row of %s = %q", k, r)
		}
	}
	if _, ok := rows["platform:skip.txt"]; ok {
		t.Error("an excluded object is in the manifest")
	}

	// Rerun with the fixed policy: only the two failed objects are asked for.
	dc := bs.dst.S3Client(t, "", "")
	before, err := dc.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bs.dstBucket), Key: aws.String("exports/rec/2024/a.wav")})
	if err != nil {
		t.Fatal(err)
	}
	plans, evs = nil, events{}
	time.Sleep(1100 * time.Millisecond) // a resend would show in LastModified
	sum2, err := RunBatch(context.Background(), src, bs.customer(t), "customer", opts)
	if err != nil {
		t.Fatalf("rerun: %v (%+v)", err, sum2)
	}
	if sum2.Files != 2 || sum2.Skipped != 3 || sum2.Failed != 0 {
		t.Fatalf("rerun summary %+v, want 2 copied, 3 skipped", sum2)
	}
	if len(plans) != 1 || plans[0].Objects != 2 || plans[0].Skipped != 3 {
		t.Fatalf("rerun plan %+v", plans)
	}
	var last BatchProgress
	for _, ev := range evs.list() {
		if bp, ok := ev.(BatchProgress); ok {
			last = bp
		}
	}
	if !last.Done || last.Succeeded != 2 || last.Failed != 0 {
		t.Errorf("rerun job progress %+v, want exactly 2 objects copied by MinIO", last)
	}
	after, err := dc.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bs.dstBucket), Key: aws.String("exports/rec/2024/a.wav")})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToTime(after.LastModified).Equal(aws.ToTime(before.LastModified)) {
		t.Error("the rerun copied an object the first run had copied")
	}
	for k, want := range data {
		if !strings.HasSuffix(k, ".wav") || !strings.HasPrefix(k, "rec/") {
			continue
		}
		out, err := dc.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bs.dstBucket), Key: aws.String("exports/" + k)})
		if err != nil {
			t.Fatalf("get %s: %v", k, err)
		}
		var got bytes.Buffer
		got.ReadFrom(out.Body)
		out.Body.Close()
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s differs", k)
		}
	}
	j, err := OpenJournal(opts.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	n := 0
	j.Each(func(path string, rec Record) error {
		if rec.Status != StatusDone {
			t.Errorf("journal %s: %s", path, rec.Status)
		}
		n++
		return nil
	})
	if n != 5 {
		t.Errorf("journal holds %d records, want 5", n)
	}
	if _, ok, _ := j.batchJob(batchJobKey("platform")); ok {
		t.Error("a finished job is still recorded in the journal")
	}

	// A third run has nothing to do and starts no job.
	j.Close()
	plans = nil
	sum3, err := RunBatch(context.Background(), src, bs.customer(t), "customer", opts)
	if err != nil || sum3.Files != 0 || sum3.Skipped != 5 || len(plans) != 0 {
		t.Fatalf("third run %+v %v plans=%d", sum3, err, len(plans))
	}
}

// TestRunBatchDeclined: a confirmation that says no starts nothing.
func TestRunBatchDeclined(t *testing.T) {
	bs := newBatchServers(t)
	bs.putSource(t, map[string]int{"rec/a.wav": 10})
	dir := t.TempDir()
	_, err := RunBatch(context.Background(), bs.platform(t), bs.customer(t), "customer", BatchOptions{Source: "platform",
		JournalPath: dir + "/j.db", ManifestDir: dir, Confirm: func(BatchPlan) error { return ErrDeclined }})
	if !errors.Is(err, ErrDeclined) {
		t.Fatalf("err %v", err)
	}
	if _, err := bs.dst.S3Client(t, "", "").HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bs.dstBucket), Key: aws.String("exports/rec/a.wav")}); err == nil {
		t.Error("a declined job copied the object")
	}
}

// TestRunBatchChecksStopBeforeAnything: a destination whose credentials
// may not read the bucket's versioning fails the batch-target check; the
// run says so and starts no job; the dry run reports the same.
func TestRunBatchChecksStopBeforeAnything(t *testing.T) {
	bs := newBatchServers(t)
	bs.putSource(t, map[string]int{"rec/a.wav": 10})
	loc := s3Loc(bs.dst, "customer", bs.dstBucket, "exports/", "", "")
	doc, _ := policies.Permissions(loc)
	loc.S3.AccessKeyID, loc.S3.SecretAccessKey = bs.dst.CreateUser(t, doc)
	dst, err := providers.Open(context.Background(), loc, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var plan BatchPlan
	opts := BatchOptions{Source: "platform", JournalPath: dir + "/j.db", ManifestDir: dir, Plan: func(p BatchPlan) { plan = p },
		Confirm: func(BatchPlan) error { t.Error("asked to confirm a job that cannot start"); return nil }}
	for _, dry := range []bool{true, false} {
		opts.DryRun = dry
		_, err = RunBatch(context.Background(), bs.platform(t), dst, "customer", opts)
		if err == nil || !strings.Contains(err.Error(), "s3:GetBucketVersioning") || !strings.Contains(err.Error(), "batch-target") {
			t.Fatalf("dry=%v: %v", dry, err)
		}
	}
	ids := map[string]providers.Status{}
	for _, c := range plan.Checks {
		ids[c.ID] = c.Status
	}
	if ids["batch-admin"] != providers.StatusPass || ids["batch-target"] != providers.StatusFail || ids["batch-role"] != providers.StatusSkipped {
		t.Errorf("checks %+v", plan.Checks)
	}
}
