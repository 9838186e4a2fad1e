package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/policies"
	"github.com/stowage-dev/stowage/providers"
)

// EngineS3BatchOps names S3 Batch Operations.
const EngineS3BatchOps = "s3-batch-operations"

// Published prices (https://aws.amazon.com/s3/pricing/, "Batch
// Operations", us-east-1, as read for issue 12): per job and per million
// objects processed, plus the requests each copy makes.
const (
	PriceBatchJobUSD        = 0.25
	PriceBatchPerMillionUSD = 1.00
	// A copy is one PUT/COPY-class request on the destination ($0.005 per
	// 1,000 in S3 Standard) and one GET-class on the source ($0.0004 per
	// 1,000). Exported for the benchmark's sizing table (bench/).
	PricePutPer1000USD = 0.005
	PriceGetPer1000USD = 0.0004
	PricingPage        = "https://aws.amazon.com/s3/pricing/"
)

// Where Stowage keeps a job's manifest and report when none is given (the
// batch-role policy grants exactly these).
const (
	batchManifestPrefix = policies.BatchManifestPrefix
	batchReportPrefix   = policies.BatchReportPrefix
)

// s3BatchOps creates an S3 Batch Operations job (S3PutObjectCopy) in the
// destination's account, with the destination location's encryption, ACL
// and checksum settings, from a manifest CSV Stowage writes.
type s3BatchOps struct {
	src, dst *Provider
	opts     providers.BatchOptions
	ctl      *s3control.Client
	account  string
}

func newS3BatchOps(ctx context.Context, src, dst *Provider, opts providers.BatchOptions) (*s3BatchOps, error) {
	bad := func(field, rule, example string) error {
		return &providers.Error{Kind: providers.ErrInvalidConfig, Op: "batch",
			Hint: fmt.Sprintf("S3 Batch Operations: %s %s, e.g. %s", field, rule, example)}
	}
	acct := opts.AccountID
	if acct == "" && opts.RoleARN != "" {
		parts := strings.Split(opts.RoleARN, ":")
		if len(parts) < 6 || parts[0] != "arn" || parts[2] != "iam" || len(parts[4]) != 12 || !strings.HasPrefix(parts[5], "role/") {
			return nil, bad("--batch-role-arn", "must be an IAM role ARN", "arn:aws:iam::123456789012:role/StowageBatchOperations")
		}
		acct = parts[4]
	}
	if opts.Priority == 0 {
		opts.Priority = 10
	}
	ctl := s3control.New(s3control.Options{
		Region:      dst.s3c.Region,
		Credentials: dst.creds,
		HTTPClient:  dst.hc,
	}, func(o *s3control.Options) {
		if opts.ControlEndpoint != "" {
			o.EndpointResolverV2 = fixedEndpoint{opts.ControlEndpoint}
		}
	})
	return &s3BatchOps{src: src, dst: dst, opts: opts, ctl: ctl, account: acct}, nil
}

// fixedEndpoint sends every S3 Control request to the endpoint given, as
// given: AWS's rules would put the account ID in front of its host name.
type fixedEndpoint struct{ url string }

func (f fixedEndpoint) ResolveEndpoint(ctx context.Context, _ s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	u, err := url.Parse(f.url)
	if err != nil {
		return smithyendpoints.Endpoint{}, err
	}
	return smithyendpoints.Endpoint{URI: *u}, nil
}

func (b *s3BatchOps) Engine() string { return EngineS3BatchOps }

func (b *s3BatchOps) Describe() string {
	acct := b.account
	if acct == "" {
		acct = "of --batch-role-arn"
	}
	return fmt.Sprintf("S3 Batch Operations job in account %s: S3 copies the objects from s3://%s to s3://%s itself", acct, b.src.s3c.Bucket, b.dst.s3c.Bucket)
}

func (b *s3BatchOps) DestKey(key string) string {
	return strings.TrimPrefix(fullKeyJoin(b.dst.s3c.Prefix, b.src.key(key)), b.dst.s3c.Prefix)
}

// Estimate follows the published prices; see the constants.
func (b *s3BatchOps) Estimate(n int, bytes int64) providers.BatchEstimate {
	return EstimateBatchOps(n, bytes)
}

// EstimateBatchOps is what one S3 Batch Operations copy job of n objects
// costs at the published prices (the export's plan and the benchmark's
// sizing table both use it).
func EstimateBatchOps(n int, bytes int64) providers.BatchEstimate {
	jobs := 1.0
	perObj := float64(n) / 1e6 * PriceBatchPerMillionUSD
	reqs := float64(n) / 1000 * (PricePutPer1000USD + PriceGetPer1000USD)
	usd := jobs*PriceBatchJobUSD + perObj + reqs
	return providers.BatchEstimate{USD: usd, Lines: []string{
		fmt.Sprintf("S3 Batch Operations: $%.2f per job + $%.2f per million objects = $%.2f", PriceBatchJobUSD, PriceBatchPerMillionUSD, jobs*PriceBatchJobUSD+perObj),
		fmt.Sprintf("Requests: %d COPY on the destination at $%.4f per 1,000 and %d GET on the source at $%.4f per 1,000 = $%.2f", n, PricePutPer1000USD, n, PriceGetPer1000USD, reqs),
		"Prices: " + PricingPage + " (us-east-1, S3 Standard). Assumed: one copy request per object (objects up to 5 GiB);",
		"not included: storage of the copies, KMS requests with sse-kms, data transfer between regions, the manifest and report objects.",
	}}
}

// manifestCSV is the job's manifest in the documented format
// (S3BatchOperations_CSV_20180820): bucket,key[,versionId], keys
// URL-encoded.
func (b *s3BatchOps) manifestCSV(items []providers.BatchItem) ([]byte, bool) {
	versions := false
	for _, it := range items {
		if it.VersionID != "" {
			versions = true
			break
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, it := range items {
		row := []string{b.src.s3c.Bucket, encodeManifestKey(b.src.key(it.Key))}
		if versions {
			row = append(row, it.VersionID)
		}
		w.Write(row)
	}
	w.Flush()
	return buf.Bytes(), versions
}

// encodeManifestKey percent-encodes every byte outside the unreserved
// characters and "/", so a space is %20 and "+" is %2B whichever way the
// service decodes.
func encodeManifestKey(k string) string {
	var sb strings.Builder
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "%%%02X", c)
		}
	}
	return sb.String()
}

// locations of the manifest and report: bucket, prefix.
func (b *s3BatchOps) manifestLoc() (string, string) {
	bk, pfx := b.opts.ManifestBucket, b.opts.ManifestPrefix
	if bk == "" {
		bk, pfx = b.dst.s3c.Bucket, b.dst.s3c.Prefix+batchManifestPrefix
	}
	return bk, pfx
}

func (b *s3BatchOps) reportLoc() (string, string) {
	bk, pfx := b.opts.ReportBucket, b.opts.ReportPrefix
	if bk == "" {
		bk, pfx = b.dst.s3c.Bucket, b.dst.s3c.Prefix+batchReportPrefix
	}
	return bk, strings.TrimSuffix(pfx, "/")
}

// createJobInput builds the CreateJob request for a manifest object.
func (b *s3BatchOps) createJobInput(manifestARN, manifestETag string, versions bool, token string) *s3control.CreateJobInput {
	s := b.dst.s3c
	op := &ctypes.S3CopyObjectOperation{
		TargetResource:    aws.String("arn:aws:s3:::" + s.Bucket),
		MetadataDirective: ctypes.S3MetadataDirectiveCopy,
	}
	if p := strings.TrimSuffix(s.Prefix, "/"); p != "" {
		op.TargetKeyPrefix = aws.String(p)
	}
	switch s.Encryption {
	case config.EncryptionSSES3:
		op.NewObjectMetadata = &ctypes.S3ObjectMetadata{SSEAlgorithm: ctypes.S3SSEAlgorithmAes256}
	case config.EncryptionSSEKMS:
		op.NewObjectMetadata = &ctypes.S3ObjectMetadata{SSEAlgorithm: ctypes.S3SSEAlgorithmKms}
		op.SSEAwsKmsKeyId = aws.String(s.KMSKeyARN)
		op.BucketKeyEnabled = true
	}
	if s.BucketOwnerFullControl {
		op.CannedAccessControlList = ctypes.S3CannedAccessControlListBucketOwnerFullControl
	}
	if b.dst.checksums == config.ChecksumWhenSupported {
		op.ChecksumAlgorithm = ctypes.S3ChecksumAlgorithmCrc32c
	}
	fields := []ctypes.JobManifestFieldName{ctypes.JobManifestFieldNameBucket, ctypes.JobManifestFieldNameKey}
	if versions {
		fields = append(fields, ctypes.JobManifestFieldNameVersionId)
	}
	rb, rp := b.reportLoc()
	report := &ctypes.JobReport{Enabled: true, Bucket: aws.String("arn:aws:s3:::" + rb), Format: ctypes.JobReportFormatReportCsv20180820,
		ReportScope: ctypes.JobReportScopeAllTasks}
	if rp != "" {
		report.Prefix = aws.String(rp)
	}
	return &s3control.CreateJobInput{
		AccountId:            aws.String(b.account),
		ClientRequestToken:   aws.String(token),
		ConfirmationRequired: aws.Bool(false), // Stowage asked before creating it
		Operation:            &ctypes.JobOperation{S3PutObjectCopy: op},
		Manifest: &ctypes.JobManifest{
			Spec:     &ctypes.JobManifestSpec{Format: ctypes.JobManifestFormatS3BatchOperationsCsv20180820, Fields: fields},
			Location: &ctypes.JobManifestLocation{ObjectArn: aws.String(manifestARN), ETag: aws.String(manifestETag)},
		},
		Report:      report,
		Priority:    aws.Int32(b.opts.Priority),
		RoleArn:     aws.String(b.opts.RoleARN),
		Description: aws.String(truncate(fmt.Sprintf("stowage export %s from %s", b.dst.loc.Name, b.src.loc.Name), 256)),
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// errNoRole says the job needs --batch-role-arn.
func (b *s3BatchOps) errNoRole() error {
	return &providers.Error{Kind: providers.ErrInvalidConfig, Op: "batch",
		Hint: fmt.Sprintf("S3 Batch Operations runs the job as a role: give --batch-role-arn (`stowage policy %s --kind batch-terraform --from %s` creates one), e.g. --batch-role-arn arn:aws:iam::123456789012:role/%s", b.dst.loc.Name, b.src.loc.Name, policies.BatchRoleName)}
}

func (b *s3BatchOps) Start(ctx context.Context, req providers.BatchRequest) (providers.BatchJob, error) {
	job := providers.BatchJob{Engine: EngineS3BatchOps, Items: len(req.Items)}
	if b.opts.RoleARN == "" {
		return job, b.errNoRole()
	}
	if len(req.Items) == 0 {
		job.Started = time.Now()
		return job, nil
	}
	token := b.opts.Token
	if token == "" {
		var r [16]byte
		rand.Read(r[:])
		token = hex.EncodeToString(r[:])
	}
	body, versions := b.manifestCSV(req.Items)
	mb, mp := b.manifestLoc()
	mkey := mp + "job-" + token + ".csv"
	put, err := b.dst.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(mb), Key: aws.String(mkey),
		Body: bytes.NewReader(body), ContentType: aws.String("text/csv")})
	if err != nil {
		return job, b.dst.mapErr("batch-manifest", "s3:PutObject", false, err)
	}
	in := b.createJobInput("arn:aws:s3:::"+mb+"/"+mkey, trimETag(put.ETag), versions, token)
	out, err := b.ctl.CreateJob(ctx, in)
	if err != nil {
		return job, b.mapControlErr("create-job", "s3:CreateJob", err)
	}
	rb, rp := b.reportLoc()
	job.IDs = []string{aws.ToString(out.JobId)}
	job.Started = time.Now()
	job.Extra = map[string]string{"manifest": "s3://" + mb + "/" + mkey, "report_bucket": rb, "report_prefix": rp}
	return job, nil
}

func (b *s3BatchOps) describe(ctx context.Context, id string) (*ctypes.JobDescriptor, error) {
	out, err := b.ctl.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(b.account), JobId: aws.String(id)})
	if err != nil {
		return nil, b.mapControlErr("describe-job", "s3:DescribeJob", err)
	}
	if out.Job == nil {
		return nil, &providers.Error{Kind: providers.ErrServer, Op: "describe-job", Hint: "DescribeJob answered without a job"}
	}
	return out.Job, nil
}

func (b *s3BatchOps) Status(ctx context.Context, job providers.BatchJob) (providers.BatchStatus, error) {
	st := providers.BatchStatus{Done: true}
	for _, id := range job.IDs {
		j, err := b.describe(ctx, id)
		if err != nil {
			return st, err
		}
		st.State = string(j.Status)
		if ps := j.ProgressSummary; ps != nil {
			st.Total += aws.ToInt64(ps.TotalNumberOfTasks)
			st.Succeeded += aws.ToInt64(ps.NumberOfTasksSucceeded)
			st.FailedTasks += aws.ToInt64(ps.NumberOfTasksFailed)
		}
		switch j.Status {
		case ctypes.JobStatusComplete, ctypes.JobStatusCancelled:
		case ctypes.JobStatusFailed:
			st.Failed = true
			var rs []string
			for _, f := range j.FailureReasons {
				rs = append(rs, aws.ToString(f.FailureCode)+": "+aws.ToString(f.FailureReason))
			}
			if len(rs) == 0 && j.StatusUpdateReason != nil {
				rs = append(rs, aws.ToString(j.StatusUpdateReason))
			}
			st.Reason = strings.Join(rs, "; ")
		case ctypes.JobStatusSuspended:
			// Only console-created jobs wait for confirmation; say so.
			st.Done = false
			st.Reason = "the job waits for confirmation (aws s3control update-job-status --requested-job-status Ready)"
		default:
			st.Done = false
		}
		if j.TerminationDate != nil && j.TerminationDate.After(st.Updated) {
			st.Updated = *j.TerminationDate
		}
	}
	return st, nil
}

func (b *s3BatchOps) Cancel(ctx context.Context, job providers.BatchJob) error {
	var errs []error
	for _, id := range job.IDs {
		_, err := b.ctl.UpdateJobStatus(ctx, &s3control.UpdateJobStatusInput{AccountId: aws.String(b.account), JobId: aws.String(id),
			RequestedJobStatus: ctypes.RequestedJobStatusCancelled, StatusUpdateReason: aws.String("stopped in Stowage")})
		if err != nil {
			errs = append(errs, b.mapControlErr("update-job-status", "s3:UpdateJobStatus", err))
		}
	}
	return errors.Join(errs...)
}

// reportManifest is the completion report's top-level manifest.json.
type reportManifest struct {
	Format  string `json:"Format"`
	Results []struct {
		TaskExecutionStatus string `json:"TaskExecutionStatus"`
		Bucket              string `json:"Bucket"`
		Key                 string `json:"Key"`
	} `json:"Results"`
	ReportSchema string `json:"ReportSchema"`
}

// ReportTask is one row of a completion report.
type ReportTask struct {
	Bucket, Key, VersionID string
	Succeeded              bool
	ErrorCode, HTTPStatus  string
	Message                string
}

// ParseReportCSV reads one result file of a completion report
// (Report_CSV_20180820: Bucket, Key, VersionId, TaskStatus, ErrorCode,
// HTTPStatusCode, ResultMessage). AWS's own sample puts the HTTP status
// before the error code, so the numeric one of the two is taken as the
// status. Keys are URL-encoded as in the manifest.
func ParseReportCSV(r io.Reader) ([]ReportTask, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var out []ReportTask
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("completion report: %w", err)
		}
		if len(rec) < 4 {
			return out, fmt.Errorf("completion report: a row has %d fields, want at least 4 (Bucket, Key, VersionId, TaskStatus)", len(rec))
		}
		key, err := url.PathUnescape(rec[1])
		if err != nil {
			key = rec[1]
		}
		t := ReportTask{Bucket: rec[0], Key: key, VersionID: rec[2], Succeeded: strings.EqualFold(rec[3], "succeeded")}
		if len(rec) > 5 {
			a, b := rec[4], rec[5]
			if _, err := strconv.Atoi(a); err == nil {
				a, b = b, a
			}
			t.ErrorCode, t.HTTPStatus = a, b
		}
		if len(rec) > 6 {
			t.Message = strings.Join(rec[6:], ",")
		}
		out = append(out, t)
	}
}

// Results reads the job's completion report: its manifest.json names the
// result files; every task row gives one item's outcome. Items the report
// does not name are reported as not copied.
func (b *s3BatchOps) Results(ctx context.Context, job providers.BatchJob, items []providers.BatchItem, fn func(providers.BatchResult) error) error {
	rb, rp := job.Extra["report_bucket"], job.Extra["report_prefix"]
	if rb == "" {
		rb, rp = b.reportLoc()
	}
	tasks := map[string]ReportTask{}
	for _, id := range job.IDs {
		key := "job-" + id + "/manifest.json"
		if rp != "" {
			key = rp + "/" + key
		}
		body, err := b.getObject(ctx, rb, key)
		if err != nil {
			return fmt.Errorf("completion report of job %s (s3://%s/%s): %w", id, rb, key, err)
		}
		var m reportManifest
		if err := json.Unmarshal(body, &m); err != nil {
			return fmt.Errorf("completion report s3://%s/%s: %w", rb, key, err)
		}
		for _, r := range m.Results {
			csvBody, err := b.getObject(ctx, r.Bucket, r.Key)
			if err != nil {
				return fmt.Errorf("completion report file s3://%s/%s: %w", r.Bucket, r.Key, err)
			}
			ts, err := ParseReportCSV(bytes.NewReader(csvBody))
			if err != nil {
				return err
			}
			for _, t := range ts {
				if prev, ok := tasks[t.Key]; ok && prev.Succeeded {
					continue // a retried task that succeeded once stays succeeded
				}
				tasks[t.Key] = t
			}
		}
	}
	for _, it := range items {
		full := b.src.key(it.Key)
		r := providers.BatchResult{Item: it, DestKey: b.DestKey(it.Key)}
		t, ok := tasks[full]
		switch {
		case !ok:
			r.Reason = "the job's completion report does not list it"
		case t.Succeeded:
			r.OK, r.Size = true, it.Size
		default:
			r.Reason = strings.TrimSpace(fmt.Sprintf("%s (HTTP %s): %s", t.ErrorCode, t.HTTPStatus, t.Message))
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (b *s3BatchOps) getObject(ctx context.Context, bucket, key string) ([]byte, error) {
	out, err := b.dst.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, b.dst.mapErr("batch-report", "s3:GetObject", false, err)
	}
	defer out.Body.Close()
	return io.ReadAll(io.LimitReader(out.Body, 1<<30))
}

// mapControlErr classifies an S3 Control error, naming what to grant.
func (b *s3BatchOps) mapControlErr(op, action string, err error) error {
	e := classify(err, errInput{Op: op, Action: action, Resource: "arn:aws:s3:" + b.dst.s3c.Region + ":" + b.account + ":job/*",
		Host: "s3-control." + b.dst.s3c.Region + ".amazonaws.com", Region: b.dst.s3c.Region, RoleARN: b.dst.s3c.RoleARN})
	var pe *providers.Error
	if errors.As(e, &pe) && errors.Is(e, providers.ErrAccessDenied) && action == "s3:CreateJob" {
		pe.Hint = fmt.Sprintf("the credentials of %q need s3:CreateJob, and iam:PassRole on %s (`stowage policy %s --kind batch-role` prints the statements)", b.dst.loc.Name, b.opts.RoleARN, b.dst.loc.Name)
	}
	return e
}

var _ providers.Batch = (*s3BatchOps)(nil)
var _ providers.Batch = (*minioBatch)(nil)

// Checks asks what can be asked without creating a job: DescribeJob of a
// job that does not exist answers NoSuchJob when s3:DescribeJob is
// allowed. Whether the role can be passed AWS decides only at CreateJob.
func (b *s3BatchOps) Checks(ctx context.Context) []providers.Check {
	var l providers.Checklist
	if b.opts.RoleARN == "" {
		l.Run("batch-role-arn", "Batch Operations role given", func(c *providers.Check) {
			c.Status, c.Detail, c.Field = providers.StatusFail, "no role ARN", "--batch-role-arn"
			c.Hint = b.errNoRole().(*providers.Error).Hint
		})
		return l.Report.Checks
	}
	l.Run("batch-describe", "May follow Batch Operations jobs", func(c *providers.Check) {
		_, err := b.ctl.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(b.account), JobId: aws.String("00000000-0000-4000-8000-000000000000")})
		var api interface{ ErrorCode() string }
		switch {
		case err == nil, errors.As(err, &api) && (api.ErrorCode() == "NoSuchJob" || api.ErrorCode() == "NotFoundException"):
			c.Detail = "s3:DescribeJob allowed in account " + b.account
		default:
			e := b.mapControlErr("describe-job", "s3:DescribeJob", err)
			c.Status, c.Detail = providers.StatusFail, e.Error()
			c.Hint = fmt.Sprintf("add the statements of `stowage policy %s --kind batch-caller --batch-role-arn %s`", b.dst.loc.Name, b.opts.RoleARN)
		}
	})
	l.Run("batch-role", "Batch role can be passed", func(c *providers.Check) {
		c.Status, c.Advisory = providers.StatusSkipped, true
		c.Detail = "not run: AWS checks iam:PassRole on " + b.opts.RoleARN + " only when the job is created, and no request can ask it beforehand without IAM read access; a refused CreateJob names iam:PassRole"
	})
	return l.Report.Checks
}
