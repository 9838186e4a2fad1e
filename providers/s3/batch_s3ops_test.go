package s3

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
)

// fakeControl is a recorded-format stand-in for AWS's S3 Control endpoint:
// no local server implements S3 Batch Operations, so these tests record
// the requests the SDK sends and answer with the response shapes of AWS's
// API reference (CreateJob, DescribeJob, UpdateJobStatus). It checks the
// contract Stowage relies on, not AWS's behaviour.
type fakeControl struct {
	mu       sync.Mutex
	reqs     []recorded
	states   []string // DescribeJob answers these in turn, then the last
	total    int
	failed   int
	jobID    string
	describe int
	// failCreate, when set, is the HTTP status and code CreateJob answers.
	failCreate int
	failCode   string
}

type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

func (f *fakeControl) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
	w.Header().Set("Content-Type", "application/xml")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v20180820/jobs":
		if f.failCreate != 0 {
			w.WriteHeader(f.failCreate)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Code>%s</Code><Message>denied</Message></Error><RequestId>R1</RequestId></ErrorResponse>`, f.failCode)
			return
		}
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><CreateJobResult><JobId>%s</JobId></CreateJobResult>`, f.jobID)
	case r.Method == http.MethodGet && r.URL.Path == "/v20180820/jobs/"+f.jobID:
		st := f.states[min(f.describe, len(f.states)-1)]
		f.describe++
		succ := 0
		if st == "Complete" || st == "Failed" {
			succ = f.total - f.failed
		}
		fail := ""
		if st == "Failed" {
			fail = `<FailureReasons><member><FailureCode>AccessDenied</FailureCode><FailureReason>Access denied to the manifest</FailureReason></member></FailureReasons>`
		}
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><DescribeJobResult><Job><JobId>%s</JobId><ConfirmationRequired>false</ConfirmationRequired><Description>d</Description><Status>%s</Status>%s<Priority>10</Priority><ProgressSummary><TotalNumberOfTasks>%d</TotalNumberOfTasks><NumberOfTasksSucceeded>%d</NumberOfTasksSucceeded><NumberOfTasksFailed>%d</NumberOfTasksFailed></ProgressSummary><CreationTime>2026-12-02T22:00:00Z</CreationTime></Job></DescribeJobResult>`,
			f.jobID, st, fail, f.total, succ, map[bool]int{true: f.failed}[st == "Complete"])
	case r.Method == http.MethodPost && r.URL.Path == "/v20180820/jobs/"+f.jobID+"/status":
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><UpdateJobStatusResult><JobId>%s</JobId><Status>Cancelling</Status><StatusUpdateReason>stopped in Stowage</StatusUpdateReason></UpdateJobStatusResult>`, f.jobID)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `<ErrorResponse><Error><Code>NoSuchJob</Code><Message>not found</Message></Error></ErrorResponse>`)
	}
}

func (f *fakeControl) find(method, path string) *recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.reqs {
		if f.reqs[i].Method == method && f.reqs[i].Path == path {
			return &f.reqs[i]
		}
	}
	return nil
}

// createJobXML is the part of the CreateJob request body the tests check,
// in the element names of AWS's API reference.
type createJobXML struct {
	XMLName              xml.Name `xml:"CreateJobRequest"`
	ConfirmationRequired bool
	ClientRequestToken   string
	Priority             int
	RoleArn              string
	Operation            struct {
		S3PutObjectCopy struct {
			TargetResource          string
			TargetKeyPrefix         string
			CannedAccessControlList string
			ChecksumAlgorithm       string
			MetadataDirective       string
			SSEAwsKmsKeyId          string
			BucketKeyEnabled        bool
			NewObjectMetadata       struct{ SSEAlgorithm string }
		}
	}
	Manifest struct {
		Spec struct {
			Format string
			Fields []string `xml:"Fields>member"`
		}
		Location struct{ ObjectArn, ETag string }
	}
	Report struct {
		Bucket, Format, Prefix, ReportScope string
		Enabled                             bool
	}
}

type s3opsEnv struct {
	m              *testenv.MinIO
	srcB, dstB     string
	src, dst       *Provider
	fake           *fakeControl
	srv            *httptest.Server
	b              *s3BatchOps
	dstLoc, srcLoc config.Location
}

// newS3OpsEnv: the source and destination are buckets on the shared MinIO
// (the manifest and the report are real objects there); only S3 Control is
// the recorded-format fake.
func newS3OpsEnv(t *testing.T, tweak func(*config.S3)) *s3opsEnv {
	t.Helper()
	m := tlsMinIO(t)
	e := &s3opsEnv{m: m, srcB: newBucket(t, m), dstB: newBucket(t, m)}
	e.fake = &fakeControl{jobID: "9d1c2b3a-0000-4000-8000-00000000abcd", states: []string{"Preparing", "Active", "Complete"}}
	e.srv = httptest.NewServer(e.fake)
	t.Cleanup(e.srv.Close)
	e.srcLoc = keysLocation(m, e.srcB, m.RootUser, m.RootPassword)
	e.srcLoc.Name, e.srcLoc.S3.Prefix = "platform", "rec/"
	e.dstLoc = keysLocation(m, e.dstB, m.RootUser, m.RootPassword)
	e.dstLoc.Name = "customer"
	if tweak != nil {
		tweak(e.dstLoc.S3)
	}
	e.src, e.dst = openS3(t, e.srcLoc), openS3(t, e.dstLoc)
	b, err := e.dst.Batch(context.Background(), e.src, providers.BatchOptions{
		RoleARN: "arn:aws:iam::111122223333:role/StowageBatchOperations", ControlEndpoint: e.srv.URL, Token: "tok-1"})
	if err != nil {
		t.Fatal(err)
	}
	e.b = b.(*s3BatchOps)
	return e
}

func (e *s3opsEnv) putObject(t *testing.T, bucket, key string, body []byte) {
	t.Helper()
	c := e.m.S3Client(t, "", "")
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func (e *s3opsEnv) getObject(t *testing.T, bucket, key string) []byte {
	t.Helper()
	out, err := e.m.S3Client(t, "", "").GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	return b
}

var s3opsItems = []providers.BatchItem{
	{Key: "2024/a.wav", Size: 10, ETag: "e1"},
	{Key: "2024/b c+d.wav", Size: 20, ETag: "e2"},
	{Key: "2024/ünï.wav", Size: 30, ETag: "e3"},
	{Key: "2024/missing.wav", Size: 40, ETag: "e4"},
}

// TestS3BatchOpsCreateJobContract checks the manifest CSV Stowage writes
// and every CreateJob field the SDK sends for a location with SSE-KMS,
// bucket-owner-full-control and checksums.
func TestS3BatchOpsCreateJobContract(t *testing.T) {
	kms := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	e := newS3OpsEnv(t, func(s *config.S3) {
		s.Encryption, s.KMSKeyARN, s.BucketOwnerFullControl, s.ChecksumMode = config.EncryptionSSEKMS, kms, true, config.ChecksumWhenSupported
	})
	job, err := e.b.Start(context.Background(), providers.BatchRequest{Items: s3opsItems})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if len(job.IDs) != 1 || job.IDs[0] != e.fake.jobID || job.Engine != EngineS3BatchOps {
		t.Fatalf("job %+v", job)
	}
	// The manifest: bucket,key in the documented CSV, keys URL-encoded.
	mkey := "exports/.stowage-batch/manifests/job-tok-1.csv"
	rows, err := csv.NewReader(bytes.NewReader(e.getObject(t, e.dstB, mkey))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{e.srcB, "rec/2024/a.wav"}, {e.srcB, "rec/2024/b%20c%2Bd.wav"}, {e.srcB, "rec/2024/%C3%BCn%C3%AF.wav"}, {e.srcB, "rec/2024/missing.wav"}}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("manifest rows\n got %q\nwant %q", rows, want)
	}
	req := e.fake.find(http.MethodPost, "/v20180820/jobs")
	if req == nil {
		t.Fatalf("no CreateJob request; saw %+v", e.fake.reqs)
	}
	if got := req.Header.Get("X-Amz-Account-Id"); got != "111122223333" {
		t.Errorf("x-amz-account-id %q, want the role's account", got)
	}
	if !strings.Contains(req.Header.Get("Authorization"), "/s3/aws4_request") {
		t.Errorf("not SigV4-signed for s3: %q", req.Header.Get("Authorization"))
	}
	var cj createJobXML
	if err := xml.Unmarshal(req.Body, &cj); err != nil {
		t.Fatalf("CreateJob body: %v\n%s", err, req.Body)
	}
	op := cj.Operation.S3PutObjectCopy
	checks := []struct{ name, got, want string }{
		{"TargetResource", op.TargetResource, "arn:aws:s3:::" + e.dstB},
		{"TargetKeyPrefix", op.TargetKeyPrefix, "exports"},
		{"CannedAccessControlList", op.CannedAccessControlList, "bucket-owner-full-control"},
		{"ChecksumAlgorithm", op.ChecksumAlgorithm, "CRC32C"},
		{"MetadataDirective", op.MetadataDirective, "COPY"},
		{"SSEAwsKmsKeyId", op.SSEAwsKmsKeyId, kms},
		{"NewObjectMetadata.SSEAlgorithm", op.NewObjectMetadata.SSEAlgorithm, "KMS"},
		{"Manifest.Spec.Format", cj.Manifest.Spec.Format, "S3BatchOperations_CSV_20180820"},
		{"Manifest.Spec.Fields", strings.Join(cj.Manifest.Spec.Fields, ","), "Bucket,Key"},
		{"Manifest.Location.ObjectArn", cj.Manifest.Location.ObjectArn, "arn:aws:s3:::" + e.dstB + "/" + mkey},
		{"Report.Bucket", cj.Report.Bucket, "arn:aws:s3:::" + e.dstB},
		{"Report.Prefix", cj.Report.Prefix, "exports/.stowage-batch/reports"},
		{"Report.Format", cj.Report.Format, "Report_CSV_20180820"},
		{"Report.ReportScope", cj.Report.ReportScope, "AllTasks"},
		{"RoleArn", cj.RoleArn, "arn:aws:iam::111122223333:role/StowageBatchOperations"},
		{"ClientRequestToken", cj.ClientRequestToken, "tok-1"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("CreateJob %s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !op.BucketKeyEnabled || cj.ConfirmationRequired || !cj.Report.Enabled || cj.Priority != 10 {
		t.Errorf("CreateJob flags: bucket key %v, confirmation %v, report %v, priority %d", op.BucketKeyEnabled, cj.ConfirmationRequired, cj.Report.Enabled, cj.Priority)
	}
	// The manifest's ETag is the one MinIO gave the manifest object.
	head, err := e.m.S3Client(t, "", "").HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(e.dstB), Key: aws.String(mkey)})
	if err != nil {
		t.Fatal(err)
	}
	if cj.Manifest.Location.ETag != trimETag(head.ETag) {
		t.Errorf("manifest ETag %q, object has %q", cj.Manifest.Location.ETag, trimETag(head.ETag))
	}
}

// TestS3BatchOpsPlainLocation: no encryption, no ACL, when_required
// checksums and no prefix leave those fields out.
func TestS3BatchOpsPlainLocation(t *testing.T) {
	e := newS3OpsEnv(t, func(s *config.S3) { s.Prefix, s.ChecksumMode = "", config.ChecksumWhenRequired })
	if _, err := e.b.Start(context.Background(), providers.BatchRequest{Items: s3opsItems[:1]}); err != nil {
		t.Fatal(err)
	}
	body := string(e.fake.find(http.MethodPost, "/v20180820/jobs").Body)
	for _, absent := range []string{"TargetKeyPrefix", "CannedAccessControlList", "ChecksumAlgorithm", "SSEAwsKmsKeyId", "NewObjectMetadata"} {
		if strings.Contains(body, "<"+absent+">") {
			t.Errorf("CreateJob sends %s for a plain location:\n%s", absent, body)
		}
	}
}

// TestS3BatchOpsStatusAndReport polls DescribeJob to Complete and reads a
// completion report in the documented layout (manifest.json naming result
// CSVs; rows Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode,
// ResultMessage, and one row in the column order of AWS's own sample).
func TestS3BatchOpsStatusAndReport(t *testing.T) {
	e := newS3OpsEnv(t, nil)
	e.fake.total, e.fake.failed = 3, 1
	job, err := e.b.Start(context.Background(), providers.BatchRequest{Items: s3opsItems})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for i := 0; i < 5; i++ {
		st, err := e.b.Status(context.Background(), job)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, st.State)
		if st.Done {
			if st.Total != 3 || st.Succeeded != 2 || st.FailedTasks != 1 || st.Failed {
				t.Errorf("final status %+v", st)
			}
			break
		}
	}
	if strings.Join(states, ",") != "Preparing,Active,Complete" {
		t.Errorf("states %v", states)
	}
	rp := "exports/.stowage-batch/reports/job-" + e.fake.jobID
	manifest := fmt.Sprintf(`{"Format":"Report_CSV_20180820","ReportCreationDate":"2019-04-05T17:48:39.725Z","Results":[`+
		`{"TaskExecutionStatus":"succeeded","Bucket":"%[1]s","MD5Checksum":"83b1c4cbe93fc893f54053697e10fd6e","Key":"%[2]s/results/6217b0fab0de85c408b4be96aeaca9b195a7daa5.csv"},`+
		`{"TaskExecutionStatus":"failed","Bucket":"%[1]s","MD5Checksum":"22ee037f3515975f7719699e5c416eaa","Key":"%[2]s/results/b2ddad417e94331e9f37b44f1faf8c7ed5873f2e.csv"}],`+
		`"ReportSchema":"Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"}`, e.dstB, rp)
	e.putObject(t, e.dstB, rp+"/manifest.json", []byte(manifest))
	e.putObject(t, e.dstB, rp+"/results/6217b0fab0de85c408b4be96aeaca9b195a7daa5.csv",
		[]byte(e.srcB+",rec/2024/a.wav,,succeeded,200,,Successful\n"+e.srcB+",rec/2024/b%20c%2Bd.wav,,succeeded,200,,Successful\n"))
	e.putObject(t, e.dstB, rp+"/results/b2ddad417e94331e9f37b44f1faf8c7ed5873f2e.csv",
		[]byte(e.srcB+",rec/2024/%C3%BCn%C3%AF.wav,,failed,403,AccessDenied,\"Access Denied (Service: Amazon S3; Status Code: 403)\"\n"))
	got := map[string]providers.BatchResult{}
	if err := e.b.Results(context.Background(), job, s3opsItems, func(r providers.BatchResult) error { got[r.Item.Key] = r; return nil }); err != nil {
		t.Fatal(err)
	}
	if !got["2024/a.wav"].OK || !got["2024/b c+d.wav"].OK {
		t.Errorf("succeeded tasks not OK: %+v", got)
	}
	if r := got["2024/ünï.wav"]; r.OK || r.Reason != "AccessDenied (HTTP 403): Access Denied (Service: Amazon S3; Status Code: 403)" {
		t.Errorf("failed task %+v", r)
	}
	if r := got["2024/missing.wav"]; r.OK || !strings.Contains(r.Reason, "does not list it") {
		t.Errorf("unlisted item %+v", r)
	}
	if d := got["2024/a.wav"].DestKey; d != "rec/2024/a.wav" {
		t.Errorf("DestKey %q", d)
	}
}

// TestParseReportCSVDocumentedSample parses the failed-task rows of AWS's
// published completion-report example, whose HTTP status comes before the
// error code, and a quoted message holding commas and quotes.
func TestParseReportCSVDocumentedSample(t *testing.T) {
	sample := `awsexamplebucket1,image_14975,,failed,200,PermanentFailure,"Lambda returned function error: {""errorMessage"":""2019-04-05T17:35:21.155Z 2845ca0d-38d9-4c4b-abcf-379dc749c452 Task timed out after 3.00 seconds""}"
awsexamplebucket1,image_15897,,failed,200,PermanentFailure,"Lambda returned function error: {""errorMessage"":""2019-04-05T17:35:29.610Z 2d0a330b-de9b-425f-b511-29232fde5fe4 Task timed out after 3.00 seconds""}"
awsexamplebucket1,image_14819,,succeeded,200,,"{""message"":""This is a successful result""}"
`
	ts, err := ParseReportCSV(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 3 {
		t.Fatalf("%d tasks", len(ts))
	}
	if ts[0].Succeeded || ts[0].ErrorCode != "PermanentFailure" || ts[0].HTTPStatus != "200" || !strings.Contains(ts[0].Message, `"errorMessage"`) {
		t.Errorf("row 1 %+v", ts[0])
	}
	if !ts[2].Succeeded || ts[2].Key != "image_14819" {
		t.Errorf("row 3 %+v", ts[2])
	}
	if _, err := ParseReportCSV(strings.NewReader("a,b\n")); err == nil {
		t.Error("a two-field row was accepted")
	}
}

// TestS3BatchOpsFailedJobAndCancel: a job that fails as a whole reports
// AWS's failure reasons; Cancel sends UpdateJobStatus Cancelled.
func TestS3BatchOpsFailedJobAndCancel(t *testing.T) {
	e := newS3OpsEnv(t, nil)
	e.fake.states = []string{"Failed"}
	job, err := e.b.Start(context.Background(), providers.BatchRequest{Items: s3opsItems[:1]})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.b.Status(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Done || !st.Failed || st.Reason != "AccessDenied: Access denied to the manifest" {
		t.Errorf("status %+v", st)
	}
	if err := e.b.Cancel(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	r := e.fake.find(http.MethodPost, "/v20180820/jobs/"+e.fake.jobID+"/status")
	if r == nil || !strings.Contains(r.Query, "requestedJobStatus=Cancelled") {
		t.Errorf("cancel request %+v", r)
	}
}

// TestS3BatchOpsCreateDenied: AccessDenied on CreateJob names what to grant.
func TestS3BatchOpsCreateDenied(t *testing.T) {
	e := newS3OpsEnv(t, nil)
	e.fake.failCreate, e.fake.failCode = http.StatusForbidden, "AccessDenied"
	_, err := e.b.Start(context.Background(), providers.BatchRequest{Items: s3opsItems[:1]})
	var pe *providers.Error
	if !errors.As(err, &pe) || !errors.Is(err, providers.ErrAccessDenied) || !strings.Contains(pe.Hint, "iam:PassRole") || pe.Action != "s3:CreateJob" {
		t.Fatalf("err %v (%+v)", err, pe)
	}
}

// TestS3BatchOpsEstimate: $0.25 per job + $1.00 per million objects plus
// the copy requests, from the published prices.
func TestS3BatchOpsEstimate(t *testing.T) {
	b := &s3BatchOps{}
	est := b.Estimate(100_000_000, 0)
	// 0.25 + 100 + 1e8/1000*(0.005+0.0004) = 0.25 + 100 + 540 = 640.25
	if est.USD < 640.24 || est.USD > 640.26 {
		t.Errorf("estimate %.4f, want 640.25", est.USD)
	}
	if !strings.Contains(strings.Join(est.Lines, "\n"), "https://aws.amazon.com/s3/pricing/") {
		t.Errorf("estimate does not cite the pricing page: %q", est.Lines)
	}
	if one := b.Estimate(1, 0); one.USD < 0.25 || one.USD > 0.2501 {
		t.Errorf("one object: %.6f", one.USD)
	}
}

// TestS3BatchOpsChecks: DescribeJob of a job that does not exist answers
// NoSuchJob when allowed (pass) and AccessDenied when not (fail); the
// PassRole check says it was not run and why.
func TestS3BatchOpsChecks(t *testing.T) {
	e := newS3OpsEnv(t, nil)
	got := map[string]providers.Check{}
	for _, c := range e.b.Checks(context.Background()) {
		got[c.ID] = c
	}
	if c := got["batch-describe"]; c.Status != providers.StatusPass {
		t.Errorf("describe check %+v", c)
	}
	if c := got["batch-role"]; c.Status != providers.StatusSkipped || !strings.Contains(c.Detail, "not run") || !strings.Contains(c.Detail, "iam:PassRole") {
		t.Errorf("role check %+v", c)
	}
	deny := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<ErrorResponse><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error></ErrorResponse>`)
	}))
	defer deny.Close()
	b, err := e.dst.Batch(context.Background(), e.src, providers.BatchOptions{RoleARN: "arn:aws:iam::111122223333:role/R", ControlEndpoint: deny.URL})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range b.(providers.BatchChecker).Checks(context.Background()) {
		if c.ID == "batch-describe" && (c.Status != providers.StatusFail || !strings.Contains(c.Hint, "batch-caller")) {
			t.Errorf("denied describe check %+v", c)
		}
	}
}

// TestS3BatchOpsNeedsRole: without --batch-role-arn the checks fail naming
// the flag and Start creates nothing.
func TestS3BatchOpsNeedsRole(t *testing.T) {
	e := newS3OpsEnv(t, nil)
	b, err := e.dst.Batch(context.Background(), e.src, providers.BatchOptions{ControlEndpoint: e.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	cs := b.(providers.BatchChecker).Checks(context.Background())
	if len(cs) != 1 || cs[0].Status != providers.StatusFail || cs[0].Field != "--batch-role-arn" {
		t.Errorf("checks %+v", cs)
	}
	if _, err := b.Start(context.Background(), providers.BatchRequest{Items: s3opsItems}); err == nil || !strings.Contains(err.Error(), "--batch-role-arn") && !strings.Contains(err.(*providers.Error).Hint, "--batch-role-arn") {
		t.Errorf("Start without a role: %v", err)
	}
	if len(e.fake.reqs) != 0 {
		t.Errorf("requests sent without a role: %d", len(e.fake.reqs))
	}
	if _, err := e.dst.Batch(context.Background(), e.src, providers.BatchOptions{RoleARN: "arn:aws:iam::111122223333:user/x", ControlEndpoint: e.srv.URL}); err == nil {
		t.Error("a user ARN was taken as the batch role")
	}
}
