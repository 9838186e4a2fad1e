package s3

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/madmin-go/v3"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"gopkg.in/yaml.v3"

	"github.com/stowage-dev/stowage/providers"
)

// EngineMinIOReplicate names MinIO's batch replicate job.
const EngineMinIOReplicate = "minio-replicate"

const (
	// minioJobLimit keeps one job's YAML below the 4 MiB MinIO reads of a
	// start-job request (cmd/batch-handlers.go StartBatchJob).
	minioJobLimit = 3 << 20
	// minioMaxJobs bounds the jobs one request is split into; a larger key
	// list is copied by prefix instead.
	minioMaxJobs = 32
	// minioDefaultAttempts is MinIO's own default (batchReplJobDefaultRetries).
	minioDefaultAttempts = 3
)

// minioBatch drives MinIO's batch framework: a replicate job started on the
// source's cluster (admin API start-job) that pushes the objects to the
// destination with the destination location's credentials.
type minioBatch struct {
	src, dst *Provider
	opts     providers.BatchOptions
	adm      *madmin.AdminClient
}

func newMinIOBatch(src, dst *Provider, opts providers.BatchOptions) (*minioBatch, error) {
	u, err := url.Parse(src.s3c.Endpoint)
	if err != nil || u.Host == "" {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "batch",
			Hint: fmt.Sprintf("source %q: endpoint %q is not a URL, e.g. https://minio.example.com:9000", src.loc.Name, src.s3c.Endpoint)}
	}
	adm, err := madmin.NewWithOptions(u.Host, &madmin.Options{
		Creds:     miniocreds.New(&awsCreds{p: src}),
		Secure:    u.Scheme == "https",
		Transport: roundTripper{src.hc},
	})
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "batch", Err: err,
			Hint: fmt.Sprintf("cannot build a MinIO admin client for source %q", src.loc.Name)}
	}
	if opts.Attempts <= 0 {
		opts.Attempts = minioDefaultAttempts
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = 500 * time.Millisecond
	}
	return &minioBatch{src: src, dst: dst, opts: opts, adm: adm}, nil
}

func (b *minioBatch) Engine() string { return EngineMinIOReplicate }

func (b *minioBatch) Describe() string {
	return fmt.Sprintf("MinIO batch replicate job on %s: the source's cluster pushes the objects to %s itself", hostOf(b.src.s3c.Endpoint, b.src.s3c.Region), b.dst.host())
}

func (b *minioBatch) DestKey(key string) string {
	return strings.TrimPrefix(fullKeyJoin(b.dst.s3c.Prefix, b.src.key(key)), b.dst.s3c.Prefix)
}

func (b *minioBatch) Estimate(n int, bytes int64) providers.BatchEstimate {
	return providers.BatchEstimate{Free: true, Lines: []string{
		"MinIO runs batch jobs on its own servers: no per-job or per-object charge.",
		"Requests and bytes are those of the servers; egress, if the destination is another provider, is billed by it.",
	}}
}

// minioJob is the replicate job description, in the fields of MinIO's
// BatchJobReplicateV1 (YAML, as `mc batch start` sends it).
type minioJob struct {
	Replicate minioReplicate `yaml:"replicate"`
}

type minioReplicate struct {
	APIVersion string      `yaml:"apiVersion"`
	Source     minioSource `yaml:"source"`
	Target     minioTarget `yaml:"target"`
	Flags      minioFlags  `yaml:"flags"`
}

type minioSource struct {
	Type   string   `yaml:"type"`
	Bucket string   `yaml:"bucket"`
	Prefix []string `yaml:"prefix,omitempty"`
}

type minioTarget struct {
	Type     string      `yaml:"type"`
	Bucket   string      `yaml:"bucket"`
	Prefix   string      `yaml:"prefix,omitempty"`
	Endpoint string      `yaml:"endpoint"`
	Path     string      `yaml:"path,omitempty"`
	Creds    minioTCreds `yaml:"credentials"`
}

type minioTCreds struct {
	AccessKey    string `yaml:"accessKey"`
	SecretKey    string `yaml:"secretKey"`
	SessionToken string `yaml:"sessionToken,omitempty"`
}

type minioFlags struct {
	Retry minioRetry `yaml:"retry"`
}

type minioRetry struct {
	Attempts int    `yaml:"attempts"`
	Delay    string `yaml:"delay"`
}

// jobs splits req into job descriptions: one for a whole prefix, or the
// keys themselves (each a prefix to MinIO) in jobs below minioJobLimit.
func (b *minioBatch) jobs(ctx context.Context, req providers.BatchRequest) ([]minioJob, error) {
	creds, err := b.dst.creds.Retrieve(ctx)
	if err != nil {
		return nil, b.dst.mapErr("batch", "", false, err)
	}
	endpoint := b.dst.s3c.Endpoint
	tgtType, pathStyle := "minio", "on"
	if endpoint == "" {
		endpoint = "https://" + regionalHost(b.dst.s3c.Region)
		tgtType, pathStyle = "s3", "auto"
		if b.dst.s3c.PathStyle {
			pathStyle = "on"
		}
	}
	base := minioReplicate{
		APIVersion: "v1",
		Source:     minioSource{Type: "minio", Bucket: b.src.s3c.Bucket},
		Target: minioTarget{Type: tgtType, Bucket: b.dst.s3c.Bucket, Prefix: strings.TrimSuffix(b.dst.s3c.Prefix, "/"),
			Endpoint: endpoint, Path: pathStyle,
			Creds: minioTCreds{AccessKey: creds.AccessKeyID, SecretKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}},
		Flags: minioFlags{Retry: minioRetry{Attempts: b.opts.Attempts, Delay: b.opts.RetryDelay.String()}},
	}
	whole := func() []minioJob {
		j := base
		if p := b.src.key(req.Prefix); p != "" {
			j.Source.Prefix = []string{p}
		}
		return []minioJob{{Replicate: j}}
	}
	if req.All {
		return whole(), nil
	}
	var out []minioJob
	var keys []string
	size := 0
	flush := func() {
		if len(keys) > 0 {
			j := base
			j.Source.Prefix = keys
			out = append(out, minioJob{Replicate: j})
			keys, size = nil, 0
		}
	}
	for _, it := range req.Items {
		k := b.src.key(it.Key)
		if size+len(k)+16 > minioJobLimit {
			flush()
		}
		keys = append(keys, k)
		size += len(k) + 16 // "- " + quoting + newline, generously
	}
	flush()
	if len(out) > minioMaxJobs {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "batch",
			Hint: fmt.Sprintf("%d objects need %d MinIO batch jobs (at most %d): export the whole prefix again, or use --engine stream for a selection this large", len(req.Items), len(out), minioMaxJobs)}
	}
	return out, nil
}

func (b *minioBatch) Start(ctx context.Context, req providers.BatchRequest) (providers.BatchJob, error) {
	job := providers.BatchJob{Engine: EngineMinIOReplicate, Items: len(req.Items)}
	if len(req.Items) == 0 {
		job.Started = time.Now()
		return job, nil
	}
	// MinIO checks the target's versioning before it takes the job and
	// answers a bare AccessDenied when it may not; asked first, the
	// denial names the permission.
	if _, err := b.dst.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b.dst.s3c.Bucket)}); err != nil {
		err = b.dst.mapErr("batch", "s3:GetBucketVersioning", true, err)
		var pe *providers.Error
		if errors.As(err, &pe) && errors.Is(err, providers.ErrAccessDenied) {
			pe.Hint = fmt.Sprintf("MinIO's batch replicate job reads the destination bucket's versioning before it starts: allow s3:GetBucketVersioning on arn:aws:s3:::%s for the credentials of %q (`stowage policy %s --kind batch-target` prints the statement)", b.dst.s3c.Bucket, b.dst.loc.Name, b.dst.loc.Name)
		}
		return job, err
	}
	descs, err := b.jobs(ctx, req)
	if err != nil {
		return job, err
	}
	for _, d := range descs {
		y, err := yaml.Marshal(d)
		if err != nil {
			return job, err
		}
		res, err := b.adm.StartBatchJob(ctx, string(y))
		if err != nil {
			if len(job.IDs) > 0 {
				// Started ones run on; the caller records them.
				return job, fmt.Errorf("%d of %d MinIO batch jobs started: %w", len(job.IDs), len(descs), b.mapAdminErr("start-job", "admin:StartBatchJob", err))
			}
			return job, b.mapAdminErr("start-job", "admin:StartBatchJob", err)
		}
		job.IDs = append(job.IDs, res.ID)
	}
	job.Started = time.Now()
	return job, nil
}

func (b *minioBatch) Status(ctx context.Context, job providers.BatchJob) (providers.BatchStatus, error) {
	st := providers.BatchStatus{Total: int64(job.Items), Done: true, State: "Complete"}
	for _, id := range job.IDs {
		s, err := b.adm.BatchJobStatus(ctx, id)
		if err != nil {
			if madmin.ToErrorResponse(err).Code == "XMinioAdminNoSuchJob" {
				// Not recorded yet: MinIO saves a job's state with its first object.
				st.Done, st.State = false, "Queued"
				continue
			}
			return st, b.mapAdminErr("status-job", "admin:ListBatchJobs", err)
		}
		m := s.LastMetric
		if r := m.Replicate; r != nil {
			// A retry counts objects it finds already copied as failures
			// undone, so the failure count can go below zero.
			st.Succeeded += max(r.Objects, 0)
			st.FailedTasks += max(r.ObjectsFailed, 0)
			st.Bytes += max(r.BytesTransferred, 0)
		}
		if m.LastUpdate.After(st.Updated) {
			st.Updated = m.LastUpdate
		}
		st.Total = max(st.Total, st.Succeeded+st.FailedTasks)
		if minioJobOver(m, b.opts.Attempts) {
			continue
		}
		st.Done = false
		st.State = "Active"
	}
	if st.Done && st.FailedTasks > 0 {
		st.State = "Complete with failures"
	}
	return st, nil
}

// minioJobOver reads MinIO's job state (cmd/batch-handlers.go, Start): at
// the end of attempt k it records RetryAttempts=k and Complete (no
// failures) or Failed (failures: it retries while attempts remain, with
// Failed still set). A retry that finds objects already copied drives the
// failure count below zero, which leaves both false, and the job ends.
func minioJobOver(m madmin.JobMetric, attempts int) bool {
	switch {
	case m.Complete:
		return true
	case m.Failed:
		return m.RetryAttempts >= attempts
	}
	return m.RetryAttempts > 0
}

func (b *minioBatch) Cancel(ctx context.Context, job providers.BatchJob) error {
	var errs []error
	for _, id := range job.IDs {
		if err := b.adm.CancelBatchJob(ctx, id); err != nil {
			errs = append(errs, b.mapAdminErr("cancel-job", "admin:CancelBatchJob", err))
		}
	}
	return errors.Join(errs...)
}

// Results compares the destination with the items: MinIO reports counts
// only, so an item is copied when the destination holds its key with the
// same size (and the same ETag where both are plain MD5s).
func (b *minioBatch) Results(ctx context.Context, job providers.BatchJob, items []providers.BatchItem, fn func(providers.BatchResult) error) error {
	return reconcileByListing(ctx, b.dst, b.DestKey, items, "the MinIO batch job "+strings.Join(job.IDs, ", ")+" did not copy it (MinIO reports counts only; its server log names the error)", fn)
}

// reconcileByListing lists the destination under the items' common key
// prefix and reports each item by what is there.
func reconcileByListing(ctx context.Context, dst *Provider, destKey func(string) string, items []providers.BatchItem,
	missing string, fn func(providers.BatchResult) error) error {
	want := make(map[string]int, len(items))
	keys := make([]string, 0, len(items))
	for i, it := range items {
		k := destKey(it.Key)
		want[k] = i
		keys = append(keys, k)
	}
	sort.Strings(keys)
	prefix := commonPrefix(keys)
	found := make(map[int]providers.Object, len(items))
	if len(items) > 0 {
		err := dst.List(ctx, prefix, func(o providers.Object) error {
			if i, ok := want[o.Key]; ok {
				found[i] = o
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for i, it := range items {
		r := providers.BatchResult{Item: it, DestKey: destKey(it.Key)}
		o, ok := found[i]
		switch {
		case !ok:
			r.Reason = "not in the destination: " + missing
		case o.Size != it.Size:
			r.Reason = fmt.Sprintf("the destination holds %d bytes, the source %d", o.Size, it.Size)
		case !etagsAgree(o.ETag, it.ETag):
			r.Reason = fmt.Sprintf("the destination's ETag %s differs from the source's %s", o.ETag, it.ETag)
		default:
			r.OK, r.ETag, r.Size = true, o.ETag, o.Size
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// etagsAgree compares ETags when both are single-part MD5s; a multipart
// ETag ("…-N") depends on part sizes, so it cannot disagree.
func etagsAgree(a, b string) bool {
	if a == "" || b == "" || strings.Contains(a, "-") || strings.Contains(b, "-") {
		return true
	}
	return strings.EqualFold(a, b)
}

// commonPrefix of sorted keys.
func commonPrefix(sorted []string) string {
	if len(sorted) == 0 {
		return ""
	}
	a, z := sorted[0], sorted[len(sorted)-1]
	i := 0
	for i < len(a) && i < len(z) && a[i] == z[i] {
		i++
	}
	return a[:i]
}

// mapAdminErr classifies a MinIO admin API error.
func (b *minioBatch) mapAdminErr(op, action string, err error) error {
	if err == nil {
		return nil
	}
	var pe *providers.Error
	if errors.As(err, &pe) {
		return pe
	}
	er := madmin.ToErrorResponse(err)
	e := &providers.Error{Op: op, Code: er.Code, Err: err, Kind: providers.ErrServer}
	host := hostOf(b.src.s3c.Endpoint, b.src.s3c.Region)
	switch er.Code {
	case "AccessDenied", "XMinioAdminNotAllowed":
		e.Kind, e.Action = providers.ErrAccessDenied, action
		e.Hint = fmt.Sprintf("the credentials of source %q may not run batch jobs on %s: attach a policy allowing %s, admin:ListBatchJobs and admin:CancelBatchJob", b.src.loc.Name, host, "admin:StartBatchJob")
	case "InvalidAccessKeyId", "SignatureDoesNotMatch":
		e.Kind = providers.ErrInvalidCredentials
		e.Hint = fmt.Sprintf("run `stowage test %s`", b.src.loc.Name)
	case "XMinioAdminAPINotSupported", "NotImplemented":
		e.Kind = providers.ErrInvalidConfig
		e.Hint = fmt.Sprintf("%s has no MinIO batch framework; use --engine copy or stream", host)
	case "NoSuchTargetBucket", "NoSuchSourceBucket":
		e.Kind = providers.ErrNoSuchBucket
	case "":
		e.Kind, e.Retryable = providers.ErrNetwork, true
		e.Hint = fmt.Sprintf("cannot reach the MinIO admin API on %s", host)
	default:
		if strings.Contains(strings.ToLower(er.Message), "target bucket") {
			e.Kind = providers.ErrNoSuchBucket
		}
		if e.Hint == "" && er.Message != "" {
			e.Hint = "MinIO says: " + er.Message
		}
	}
	return e
}

// awsCreds hands the provider's AWS credentials (static, assumed role or
// the ambient chain) to minio-go's credential interface.
type awsCreds struct {
	p   *Provider
	exp time.Time
}

func (c *awsCreds) RetrieveWithCredContext(*miniocreds.CredContext) (miniocreds.Value, error) {
	return c.Retrieve()
}

func (c *awsCreds) Retrieve() (miniocreds.Value, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := c.p.creds.Retrieve(ctx)
	if err != nil {
		return miniocreds.Value{}, c.p.mapErr("credentials", "", false, err)
	}
	c.exp = time.Time{}
	if v.CanExpire {
		c.exp = v.Expires
	}
	return miniocreds.Value{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: v.SessionToken,
		Expiration: v.Expires, SignerType: miniocreds.SignatureV4}, nil
}

func (c *awsCreds) IsExpired() bool {
	return !c.exp.IsZero() && time.Now().After(c.exp.Add(-time.Minute))
}

// Checks: the source's credentials may use the batch API, the
// destination's may read the bucket's versioning; no role is passed.
func (b *minioBatch) Checks(ctx context.Context) []providers.Check {
	var l providers.Checklist
	l.Run("batch-admin", "Source may run MinIO batch jobs", func(c *providers.Check) {
		if _, err := b.adm.ListBatchJobs(ctx, &madmin.ListBatchJobsFilter{}); err != nil {
			e := b.mapAdminErr("list-jobs", "admin:ListBatchJobs", err)
			c.Status, c.Detail = providers.StatusFail, e.Error()
			var pe *providers.Error
			if errors.As(e, &pe) {
				c.Hint, c.Code = pe.Hint, pe.Code
			}
			return
		}
		c.Detail = "the admin API of " + hostOf(b.src.s3c.Endpoint, b.src.s3c.Region) + " answers the source's credentials"
	})
	l.Run("batch-target", "Destination's versioning readable", func(c *providers.Check) {
		if _, err := b.dst.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b.dst.s3c.Bucket)}); err != nil {
			c.Status, c.Detail = providers.StatusFail, b.dst.mapErr("batch", "s3:GetBucketVersioning", true, err).Error()
			c.Hint = fmt.Sprintf("MinIO's replicate job reads it before it starts; add the statement of `stowage policy %s --kind batch-target`", b.dst.loc.Name)
			return
		}
		c.Detail = "s3:GetBucketVersioning allowed"
	})
	l.Run("batch-role", "Batch role can be passed", func(c *providers.Check) {
		c.Status, c.Advisory = providers.StatusSkipped, true
		c.Detail = "not run: MinIO has no IAM role to pass; the job runs with the source's admin credentials and pushes with the destination's keys"
	})
	return l.Report.Checks
}
