package s3

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

// endpointTimeout bounds the reachability check: an unreachable endpoint
// must be reported, not hang the wizard.
const endpointTimeout = 10 * time.Second

// Test runs the ordered connection checks: endpoint, credentials (and the
// external ID in role mode), bucket region, list, put, read-back, delete,
// then advisory bucket settings. A check that makes the later ones
// pointless (unreachable endpoint, bad credentials, missing bucket, wrong
// region) marks them skipped. The error is only for a cancelled context.
func (p *Provider) Test(ctx context.Context, emit func(providers.Check)) (providers.Report, error) {
	if emit == nil {
		emit = func(providers.Check) {}
	}
	r := &testRun{p: p, ctx: ctx, emit: emit,
		report: providers.Report{Location: p.loc.Name, Started: time.Now().UTC()}}

	r.check("endpoint", "Endpoint reachable", false, r.endpoint)
	r.check("credentials", "Credentials", false, r.credentials)
	if p.s3c.Auth == config.AuthRole {
		r.check("external-id", "External ID required by the trust policy", false, r.externalID)
		if p.s3c.PendingExternalID != "" {
			r.check("pending-external-id", "New external ID accepted by the trust policy", false, r.pendingExternalID)
		}
	}
	r.check("region", "Bucket region", false, r.region)
	r.check("list", "List objects (s3:ListBucket)", false, r.list)
	r.check("put", "Write a test object (s3:PutObject)", false, r.put)
	r.check("get", "Read the test object back (s3:GetObject)", false, r.get)
	r.check("delete", "Delete the test object (s3:DeleteObject)", false, r.delete)
	r.check("block-public-access", "Block Public Access", true, r.blockPublicAccess)
	r.check("default-encryption", "Default encryption", true, r.defaultEncryption)
	r.check("versioning", "Versioning", true, r.versioning)

	if err := ctx.Err(); err != nil {
		return r.report, err
	}
	return r.report, nil
}

// testRun is the state of one connection test.
type testRun struct {
	p      *Provider
	ctx    context.Context
	emit   func(providers.Check)
	report providers.Report
	// stop, when set, is why every later check is skipped.
	stop string
	// testKey is the test object's key relative to the prefix, and
	// testBody its content, once the put check wrote it.
	testKey  string
	testBody []byte
}

// check runs one check, emitting it as running and again as finished.
func (r *testRun) check(id, title string, advisory bool, fn func(*providers.Check)) {
	c := providers.Check{ID: id, Title: title, Status: providers.StatusRunning, Advisory: advisory}
	r.emit(c)
	start := time.Now()
	switch {
	case r.ctx.Err() != nil:
		c.Status, c.Detail = providers.StatusSkipped, "the test was cancelled"
	case r.stop != "":
		c.Status, c.Detail = providers.StatusSkipped, r.stop
	default:
		fn(&c)
	}
	c.Duration = time.Since(start)
	if c.Status == providers.StatusRunning {
		c.Status = providers.StatusPass
	}
	r.report.Checks = append(r.report.Checks, c)
	r.emit(c)
}

// fail fills c from err: status, API code, hint, and the field to fix.
func (r *testRun) fail(c *providers.Check, err error) {
	c.Status = providers.StatusFail
	var pe *providers.Error
	if !errors.As(err, &pe) {
		c.Detail = err.Error()
		return
	}
	c.Code, c.Hint = pe.Code, pe.Hint
	c.Detail = pe.Error()
	c.Field, c.Fix = r.fieldFor(pe)
}

// fieldFor names the location setting behind an error, and a value that
// fixes it when one is known.
func (r *testRun) fieldFor(pe *providers.Error) (field, fix string) {
	s := r.p.s3c
	switch {
	case errors.Is(pe, providers.ErrWrongRegion):
		return "region", pe.Region
	case errors.Is(pe, providers.ErrNoSuchBucket):
		return "bucket", ""
	case errors.Is(pe, providers.ErrTrustDenied):
		return "role_arn", ""
	case errors.Is(pe, providers.ErrInvalidCredentials):
		if s.Auth != config.AuthKeys {
			return "", ""
		}
		if pe.Code == "SignatureDoesNotMatch" {
			return "secret_access_key", ""
		}
		return "access_key_id", ""
	case errors.Is(pe, providers.ErrNetwork):
		if strings.Contains(pe.Hint, "ca_bundle") {
			return "ca_bundle", ""
		}
		if s.Endpoint != "" {
			return "endpoint", ""
		}
		return "region", ""
	case errors.Is(pe, providers.ErrInvalidConfig) && strings.HasPrefix(pe.Code, "KMS."):
		return "kms_key_arn", ""
	case errors.Is(pe, providers.ErrInvalidConfig) && strings.Contains(pe.Hint, "check role_arn"):
		return "role_arn", ""
	case errors.Is(pe, providers.ErrInvalidConfig) && strings.Contains(pe.Hint, "set encryption"):
		return "encryption", ""
	case errors.Is(pe, providers.ErrAccessDenied) && strings.HasPrefix(pe.Action, "kms:"):
		return "kms_key_arn", ""
	}
	return "", ""
}

func (r *testRun) bucket() *string { return aws.String(r.p.s3c.Bucket) }

// endpoint sends one unsigned request to the endpoint: any HTTP answer
// proves DNS, TCP, TLS and any proxy work.
func (r *testRun) endpoint(c *providers.Check) {
	p := r.p
	target := p.s3c.Endpoint
	if target == "" {
		target = "https://" + regionalHost(p.s3c.Region)
	}
	ctx, cancel := context.WithTimeout(r.ctx, endpointTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, strings.TrimRight(target, "/")+"/", nil)
	if err != nil {
		c.Status, c.Field = providers.StatusFail, "endpoint"
		c.Detail, c.Hint = err.Error(), "the endpoint must be a URL such as https://s3.example.com:9000"
		return
	}
	// The SDK's own client: same CA trust, proxy and timeouts, and it
	// returns redirects instead of following them.
	resp, err := p.hc.Do(req)
	if err != nil {
		r.fail(c, classify(err, errInput{Op: "endpoint", Host: p.host(), Region: p.s3c.Region}))
		r.stop = "skipped: the endpoint cannot be reached"
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	c.Detail = fmt.Sprintf("%s answered (HTTP %d)", p.host(), resp.StatusCode)
	if resp.TLS != nil {
		c.Detail += " over " + tls.VersionName(resp.TLS.Version)
		if len(resp.TLS.PeerCertificates) > 0 {
			c.Detail += ", certificate issued by " + resp.TLS.PeerCertificates[0].Issuer.CommonName
		}
	} else {
		c.Detail += " over plain HTTP"
	}
}

// credentials proves the credentials work: the assumed role in role mode,
// the caller identity otherwise.
func (r *testRun) credentials(c *providers.Check) {
	p := r.p
	defer func() {
		if c.Status == providers.StatusFail {
			r.stop = "skipped: the credentials check failed"
		}
	}()
	switch p.s3c.Auth {
	case config.AuthRole:
		v, err := p.creds.Retrieve(r.ctx)
		if err != nil {
			r.fail(c, classify(err, r.stsInput("assume-role")))
			return
		}
		c.Detail = fmt.Sprintf("assumed %s as session %s", p.s3c.RoleARN, SessionName(p.loc.Name))
		if p.s3c.ExternalID != "" {
			c.Detail += " with the external ID"
		}
		if v.CanExpire {
			c.Detail += fmt.Sprintf("; renewed before it expires at %s", v.Expires.UTC().Format("15:04 MST"))
		}
	case config.AuthKeys:
		out, err := p.stsClient.GetCallerIdentity(r.ctx, &sts.GetCallerIdentityInput{})
		if err == nil {
			c.Detail = "keys of " + aws.ToString(out.Arn)
			return
		}
		err = classify(err, r.stsInput("caller-identity"))
		if errors.Is(err, providers.ErrInvalidCredentials) || p.s3c.Endpoint == "" {
			r.fail(c, err)
			return
		}
		// Many S3-compatible stores have no STS GetCallerIdentity. A signed
		// S3 request tells valid keys (any answer but a signature or key
		// error) from invalid ones.
		r.probeKeys(c, err)
	default:
		out, err := p.stsClient.GetCallerIdentity(r.ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			err = classify(err, r.stsInput("caller-identity"))
			if p.s3c.Endpoint != "" && !errors.Is(err, providers.ErrInvalidCredentials) {
				r.probeKeys(c, err)
				return
			}
			r.fail(c, err)
			return
		}
		c.Detail = "ambient AWS credentials of " + aws.ToString(out.Arn)
	}
}

// probeKeys checks keys with a signed S3 request when STS is unavailable.
func (r *testRun) probeKeys(c *providers.Check, stsErr error) {
	_, err := r.p.client.ListObjectsV2(r.ctx, &s3.ListObjectsV2Input{Bucket: r.bucket(), MaxKeys: aws.Int32(1), Prefix: aws.String(r.p.s3c.Prefix)})
	err = r.p.mapErr("probe-keys", "s3:ListBucket", true, err)
	switch {
	case err == nil, errors.Is(err, providers.ErrAccessDenied), errors.Is(err, providers.ErrNoSuchBucket):
		c.Detail = "the store accepted the keys' signature"
		var pe *providers.Error
		if errors.As(stsErr, &pe) && pe.Code != "" {
			c.Detail += fmt.Sprintf(" (it has no STS GetCallerIdentity: %s)", pe.Code)
		}
	case errors.Is(err, providers.ErrInvalidCredentials), errors.Is(err, providers.ErrExpired):
		r.fail(c, err)
	default:
		c.Status = providers.StatusSkipped
		c.Detail = "could not verify the keys yet: " + err.Error()
	}
}

func (r *testRun) stsInput(op string) errInput {
	in := r.p.errInput(op, "", false)
	if op == "assume-role" {
		in.Action, in.Resource = "sts:AssumeRole", r.p.s3c.RoleARN
	} else {
		in.Action, in.Resource = "sts:GetCallerIdentity", ""
	}
	return in
}

// assumeWith calls AssumeRole directly with the given external ID ("" for
// none), bypassing the credentials cache.
func (r *testRun) assumeWith(externalID string) error {
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(r.p.s3c.RoleARN),
		RoleSessionName: aws.String(SessionName(r.p.loc.Name)),
		DurationSeconds: aws.Int32(900),
	}
	if externalID != "" {
		in.ExternalId = aws.String(externalID)
	}
	_, err := r.p.stsClient.AssumeRole(r.ctx, in)
	return err
}

// externalID tries the role once without the external ID: a trust policy
// that allows it lets anyone who learns the role ARN use the role (the
// confused-deputy problem the external ID exists to prevent).
func (r *testRun) externalID(c *providers.Check) {
	p := r.p
	if p.s3c.Endpoint != "" {
		c.Status = providers.StatusSkipped
		c.Detail = fmt.Sprintf("%s does not enforce external IDs (MinIO ignores them), so this cannot be checked here", p.host())
		return
	}
	err := classify(r.assumeWith(""), r.stsInput("assume-role"))
	switch {
	case err == nil:
		c.Status = providers.StatusWarn
		c.Detail = "the role could be assumed without the external ID"
		c.Hint = "the trust policy does not require the external ID; anyone who learns the role ARN can use it. " +
			fmt.Sprintf("Add the condition {\"StringEquals\": {\"sts:ExternalId\": %q}} to the trust policy statement", p.s3c.ExternalID)
	case errors.Is(err, providers.ErrTrustDenied):
		c.Detail = "the role refuses sessions without the external ID"
	default:
		c.Status = providers.StatusWarn
		c.Detail = "could not check: " + err.Error()
	}
}

// pendingExternalID checks that a rotated external ID already works, so it
// can be put in force without breaking exports.
func (r *testRun) pendingExternalID(c *providers.Check) {
	p := r.p
	if p.s3c.Endpoint != "" {
		c.Status = providers.StatusSkipped
		c.Detail = fmt.Sprintf("%s does not enforce external IDs, so this cannot be checked here", p.host())
		return
	}
	err := classify(r.assumeWith(p.s3c.PendingExternalID), r.stsInput("assume-role"))
	if err != nil {
		c.Status = providers.StatusWarn
		c.Detail = "the trust policy does not accept the new external ID yet"
		c.Hint = fmt.Sprintf("put %q as sts:ExternalId in the trust policy (a list may hold both IDs during the switch), then test again", p.s3c.PendingExternalID)
		return
	}
	c.Detail = "the trust policy accepts the new external ID; it can be put in force"
}

// region finds the bucket's region: HeadBucket's x-amz-bucket-region, or
// GetBucketLocation, and compares it with the configured one.
func (r *testRun) region(c *providers.Check) {
	p := r.p
	detected, err := r.detectRegion()
	var pe *providers.Error
	switch {
	case errors.As(err, &pe) && errors.Is(err, providers.ErrWrongRegion) && pe.Region != "":
		detected = pe.Region
	case errors.Is(err, providers.ErrNoSuchBucket):
		r.fail(c, err)
		c.Detail = fmt.Sprintf("bucket %q does not exist at %s", p.s3c.Bucket, p.host())
		r.stop = "skipped: the bucket does not exist"
		return
	case err != nil:
		r.fail(c, err)
		if errors.Is(err, providers.ErrWrongRegion) || errors.Is(err, providers.ErrInvalidCredentials) {
			r.stop = "skipped: the bucket's region could not be matched"
		}
		return
	}
	if detected != p.s3c.Region {
		c.Status = providers.StatusFail
		c.Detail = fmt.Sprintf("the bucket is in %s, not %s", detected, p.s3c.Region)
		c.Hint = fmt.Sprintf("the bucket is in %s; set region to %s", detected, detected)
		c.Field, c.Fix = "region", detected
		r.stop = "skipped: the region does not match the bucket's"
		return
	}
	c.Detail = detected
}

func (r *testRun) detectRegion() (string, error) {
	p := r.p
	out, err := p.client.HeadBucket(r.ctx, &s3.HeadBucketInput{Bucket: r.bucket()})
	if err == nil && aws.ToString(out.BucketRegion) != "" {
		return aws.ToString(out.BucketRegion), nil
	}
	if err != nil {
		// AWS names the bucket's region on HeadBucket answers even when it
		// denies the request (403) or redirects it (301).
		// A 404 is no such bucket, whatever region header a store adds
		// (MinIO sends its own region on every answer).
		if status, h := httpResponse(err); status != http.StatusNotFound && h.Get("X-Amz-Bucket-Region") != "" {
			return h.Get("X-Amz-Bucket-Region"), nil
		}
		err = p.mapErr("head-bucket", "s3:ListBucket", true, err)
		var pe *providers.Error
		if errors.As(err, &pe) && pe.Region != "" {
			return pe.Region, nil
		}
		if errors.Is(err, providers.ErrNoSuchBucket) || errors.Is(err, providers.ErrInvalidCredentials) {
			return "", err
		}
	}
	// HeadBucket said nothing about the region (it needs s3:ListBucket, and
	// HEAD answers carry no error body): ask GetBucketLocation.
	loc, err := p.client.GetBucketLocation(r.ctx, &s3.GetBucketLocationInput{Bucket: r.bucket()})
	if err != nil {
		return "", p.mapErr("bucket-location", "s3:GetBucketLocation", true, err)
	}
	switch lc := string(loc.LocationConstraint); lc {
	case "":
		return "us-east-1", nil
	case "EU":
		return "eu-west-1", nil
	default:
		return lc, nil
	}
}

// list lists at most one key under the prefix.
func (r *testRun) list(c *providers.Check) {
	p := r.p
	out, err := p.client.ListObjectsV2(r.ctx, &s3.ListObjectsV2Input{
		Bucket: r.bucket(), Prefix: aws.String(p.s3c.Prefix), MaxKeys: aws.Int32(1),
	})
	if err != nil {
		err = p.mapErr("list", "s3:ListBucket", true, err)
		r.fail(c, err)
		if errors.Is(err, providers.ErrNoSuchBucket) {
			r.stop = "skipped: the bucket does not exist"
		}
		return
	}
	where := "the bucket"
	if p.s3c.Prefix != "" {
		where = p.s3c.Prefix
	}
	if len(out.Contents) == 0 {
		c.Detail = fmt.Sprintf("listing allowed; %s is empty", where)
	} else {
		c.Detail = fmt.Sprintf("listing allowed; %s holds objects", where)
	}
}

// testObjectKey returns the key (relative to the prefix) of a connection-test
// object written at t.
func testObjectKey(t time.Time) string { return providers.TestObjectKey(t) }

// put writes a small text object with the location's upload headers.
func (r *testRun) put(c *providers.Check) {
	p := r.p
	now := time.Now().UTC()
	key := testObjectKey(now)
	body := []byte(fmt.Sprintf("Stowage connection test for location %q, written %s.\nIt can be deleted.\n",
		p.loc.Name, now.Format(time.RFC3339)))
	plan, err := p.planChecksum(bytes.NewReader(body), 0, int64(len(body)))
	if err != nil {
		r.fail(c, err)
		return
	}
	obj, err := p.withChecksumFallback(plan, func(plan checksumPlan) (providers.Object, error) {
		return p.put(r.ctx, key, bytes.NewReader(body), int64(len(body)), "text/plain; charset=utf-8", plan)
	})
	if err != nil {
		r.fail(c, err)
		if errors.Is(err, providers.ErrNoSuchBucket) {
			r.stop = "skipped: the bucket does not exist"
		}
		return
	}
	r.testKey, r.testBody = key, body
	c.Detail = fmt.Sprintf("wrote %s%s (%d bytes%s)", p.s3c.Prefix, key, len(body), r.uploadSummary(obj))
	if p.s3c.Delete {
		c.Detail += "; it is deleted at the end of the test"
	} else {
		c.Detail += "; it stays in the bucket, as the policy grants no delete"
	}
}

func (r *testRun) uploadSummary(obj providers.Object) string {
	var parts []string
	switch r.p.s3c.Encryption {
	case config.EncryptionSSES3:
		parts = append(parts, "SSE-S3")
	case config.EncryptionSSEKMS:
		parts = append(parts, "SSE-KMS")
	}
	if r.p.s3c.BucketOwnerFullControl {
		parts = append(parts, "bucket-owner-full-control")
	}
	if algo, _, ok := strings.Cut(obj.Checksum, ":"); ok {
		parts = append(parts, algo+" verified by the store")
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

// get reads the test object back and compares it, when read-back is granted.
func (r *testRun) get(c *providers.Check) {
	p := r.p
	switch {
	case !p.s3c.ReadBack:
		c.Status, c.Detail = providers.StatusSkipped, "read-back not granted (read_back is off)"
		return
	case r.testKey == "":
		c.Status, c.Detail = providers.StatusSkipped, "no test object was written"
		return
	}
	rc, _, err := p.Get(r.ctx, r.testKey, 0, -1)
	if err != nil {
		r.fail(c, err)
		return
	}
	defer rc.Close()
	got, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		r.fail(c, err)
		return
	}
	if !bytes.Equal(got, r.testBody) {
		c.Status = providers.StatusFail
		c.Detail = fmt.Sprintf("read %d bytes that differ from the %d written", len(got), len(r.testBody))
		c.Hint = "the store returned other content than it was given; a proxy or the store may transform objects"
		return
	}
	c.Detail = fmt.Sprintf("read %d bytes back, identical", len(got))
}

// delete removes the test object when the location grants delete.
func (r *testRun) delete(c *providers.Check) {
	p := r.p
	switch {
	case r.testKey == "":
		c.Status, c.Detail = providers.StatusSkipped, "no test object was written"
		return
	case !p.s3c.Delete:
		c.Status = providers.StatusSkipped
		c.Detail = fmt.Sprintf("delete not granted; the test object stays at %s%s", p.s3c.Prefix, r.testKey)
		return
	}
	if err := p.Delete(r.ctx, r.testKey); err != nil {
		r.fail(c, err)
		return
	}
	c.Detail = fmt.Sprintf("deleted %s%s", p.s3c.Prefix, r.testKey)
}

// advisoryError turns a failed advisory lookup into a warn or skip: missing
// permission or support is not the location's fault.
func advisoryError(c *providers.Check, err error, action string) {
	var pe *providers.Error
	errors.As(err, &pe)
	switch {
	case errors.Is(err, providers.ErrAccessDenied):
		c.Status, c.Detail = providers.StatusSkipped, fmt.Sprintf("could not check: no permission (%s)", action)
	case pe != nil && (pe.Code == "NotImplemented" || strings.HasPrefix(pe.Code, "XMinio")):
		c.Status, c.Detail = providers.StatusSkipped, "could not check: the store does not support it"
	default:
		c.Status, c.Detail = providers.StatusWarn, "could not check: "+err.Error()
	}
	if pe != nil {
		c.Code = pe.Code
	}
}

// blockPublicAccess wants all four Block Public Access settings on.
func (r *testRun) blockPublicAccess(c *providers.Check) {
	out, err := r.p.client.GetPublicAccessBlock(r.ctx, &s3.GetPublicAccessBlockInput{Bucket: r.bucket()})
	if err != nil {
		err = r.p.mapErr("public-access-block", "s3:GetBucketPublicAccessBlock", true, err)
		var pe *providers.Error
		if errors.As(err, &pe) && pe.Code == "NoSuchPublicAccessBlockConfiguration" {
			c.Status, c.Code = providers.StatusWarn, pe.Code
			c.Detail = "the bucket has no Block Public Access settings (account-level ones may still apply)"
			c.Hint = "turn on all four Block Public Access settings for the bucket: recordings must never be public"
			return
		}
		advisoryError(c, err, "s3:GetBucketPublicAccessBlock")
		return
	}
	cfg := out.PublicAccessBlockConfiguration
	if cfg == nil {
		cfg = &types.PublicAccessBlockConfiguration{}
	}
	var off []string
	for _, s := range []struct {
		name string
		on   *bool
	}{
		{"BlockPublicAcls", cfg.BlockPublicAcls}, {"IgnorePublicAcls", cfg.IgnorePublicAcls},
		{"BlockPublicPolicy", cfg.BlockPublicPolicy}, {"RestrictPublicBuckets", cfg.RestrictPublicBuckets},
	} {
		if !aws.ToBool(s.on) {
			off = append(off, s.name)
		}
	}
	if len(off) > 0 {
		c.Status = providers.StatusWarn
		c.Detail = "off: " + strings.Join(off, ", ")
		c.Hint = "turn on all four Block Public Access settings for the bucket: recordings must never be public"
		return
	}
	c.Detail = "all four settings on"
}

// defaultEncryption reports the bucket's default server-side encryption.
func (r *testRun) defaultEncryption(c *providers.Check) {
	out, err := r.p.client.GetBucketEncryption(r.ctx, &s3.GetBucketEncryptionInput{Bucket: r.bucket()})
	if err != nil {
		err = r.p.mapErr("bucket-encryption", "s3:GetEncryptionConfiguration", true, err)
		var pe *providers.Error
		if errors.As(err, &pe) && pe.Code == "ServerSideEncryptionConfigurationNotFoundError" {
			c.Status, c.Code = providers.StatusWarn, pe.Code
			c.Detail = "the bucket has no default encryption"
			c.Hint = "turn on default encryption (SSE-S3 or SSE-KMS), or set encryption on the location"
			return
		}
		advisoryError(c, err, "s3:GetEncryptionConfiguration")
		return
	}
	var algos []string
	if out.ServerSideEncryptionConfiguration != nil {
		for _, rule := range out.ServerSideEncryptionConfiguration.Rules {
			if d := rule.ApplyServerSideEncryptionByDefault; d != nil {
				a := string(d.SSEAlgorithm)
				if k := aws.ToString(d.KMSMasterKeyID); k != "" {
					a += " with " + k
				}
				algos = append(algos, a)
			}
		}
	}
	if len(algos) == 0 {
		c.Status, c.Detail = providers.StatusWarn, "no default encryption rule"
		return
	}
	c.Detail = strings.Join(algos, "; ")
}

// versioning reports whether overwritten or deleted exports can be recovered.
func (r *testRun) versioning(c *providers.Check) {
	out, err := r.p.client.GetBucketVersioning(r.ctx, &s3.GetBucketVersioningInput{Bucket: r.bucket()})
	if err != nil {
		advisoryError(c, r.p.mapErr("bucket-versioning", "s3:GetBucketVersioning", true, err), "s3:GetBucketVersioning")
		return
	}
	switch out.Status {
	case types.BucketVersioningStatusEnabled:
		c.Detail = "enabled"
	case types.BucketVersioningStatusSuspended:
		c.Status, c.Detail = providers.StatusWarn, "suspended"
		c.Hint = "with versioning on, an overwritten or deleted recording can be recovered"
	default:
		c.Status, c.Detail = providers.StatusWarn, "off"
		c.Hint = "with versioning on, an overwritten or deleted recording can be recovered"
	}
}
