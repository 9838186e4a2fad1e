// Package s3 is the Amazon S3 and S3-compatible location provider: role
// assumption with an external ID, IAM access keys, or the ambient AWS chain;
// uploads streamed straight from files, resumable multipart uploads, and the
// ordered connection test. No AWS SDK type leaves this package: errors are
// *providers.Error values.
package s3

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

func init() {
	providers.Register(config.TypeS3, Open)
}

// Provider is an open S3 location.
type Provider struct {
	loc      config.Location
	s3c      *config.S3
	platform config.Platform
	// hc is the HTTP client of every request (after the AWS config loader
	// added AWS_CA_BUNDLE, in role and default modes).
	hc     aws.HTTPClient
	client *s3.Client
	// stsClient signs with the base credentials (role mode: the platform's;
	// keys mode: the customer's keys; default mode: the ambient chain).
	stsClient *sts.Client
	creds     aws.CredentialsProvider
	// checksums is the effective checksum mode (when_supported or
	// when_required), after applying the default for custom endpoints.
	checksums string
	// noChecksumHeaders is set once the store rejected a locally computed
	// x-amz-checksum-* header, so later uploads stop sending it.
	noChecksumHeaders atomic.Bool
	// lostCreates maps a key to the time of the first CreateMultipartUpload
	// attempt that failed in a way that may have created an upload.
	lostCreates sync.Map
}

// Open opens an S3 location. It builds clients and credential providers but
// makes no request: Test is where the store is first contacted.
func Open(ctx context.Context, loc config.Location, opts providers.Options) (providers.Provider, error) {
	p, err := open(ctx, loc, opts)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func open(ctx context.Context, loc config.Location, opts providers.Options) (*Provider, error) {
	if err := checkSettings(loc); err != nil {
		return nil, err
	}
	s := loc.S3
	hc, err := newHTTPClient(s.CABundle, opts.Concurrency)
	if err != nil {
		return nil, err
	}
	p := &Provider{loc: loc, s3c: s, platform: opts.Platform, hc: hc, checksums: effectiveChecksumMode(s)}

	var cfg aws.Config
	switch s.Auth {
	case config.AuthKeys:
		cfg = staticConfig(s.Region, s.AccessKeyID, s.SecretAccessKey, hc)
		p.stsClient = sts.NewFromConfig(cfg, stsOptions(s.Endpoint))
	case config.AuthRole:
		base, err := loadBaseConfig(ctx, opts.Platform, s.Region, hc)
		if err != nil {
			return nil, err
		}
		p.stsClient = sts.NewFromConfig(base, stsOptions(s.Endpoint))
		cfg = base.Copy()
		cfg.Credentials = assumeRoleProvider(p.stsClient, loc, s.ExternalID, opts.Platform.SessionDuration)
	default: // config.AuthDefault
		base, err := loadBaseConfig(ctx, opts.Platform, s.Region, hc)
		if err != nil {
			return nil, err
		}
		p.stsClient = sts.NewFromConfig(base, stsOptions(s.Endpoint))
		cfg = base
	}
	cfg.Region = s.Region
	p.creds = cfg.Credentials
	p.hc = cfg.HTTPClient
	p.client = s3.NewFromConfig(cfg, func(o *s3.Options) {
		if s.Endpoint != "" {
			o.BaseEndpoint = aws.String(s.Endpoint)
		}
		// Virtual-hosted addressing puts the bucket in the host name; a
		// bucket with dots then breaks the certificate match on custom
		// endpoints (AWS's own rules already fall back to path style).
		o.UsePathStyle = s.PathStyle || (s.Endpoint != "" && strings.Contains(s.Bucket, "."))
		if p.checksums == config.ChecksumWhenRequired {
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		} else {
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
		}
		// Stores other than AWS often omit checksums on responses; the
		// SDK would log a warning per object otherwise.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	return p, nil
}

// effectiveChecksumMode returns the configured mode, defaulting to
// when_supported on AWS and when_required on custom endpoints, where the
// SDK's streaming checksum trailers are not universally accepted.
func effectiveChecksumMode(s *config.S3) string {
	switch s.ChecksumMode {
	case config.ChecksumWhenSupported, config.ChecksumWhenRequired:
		return s.ChecksumMode
	}
	if s.Endpoint != "" {
		return config.ChecksumWhenRequired
	}
	return config.ChecksumWhenSupported
}

// checkSettings rejects a location the provider cannot even build clients
// for; the full rules live in validate/ and run when the file is loaded.
func checkSettings(loc config.Location) error {
	bad := func(field, rule, example string) error {
		return &providers.Error{Kind: providers.ErrInvalidConfig, Op: "open",
			Hint: fmt.Sprintf("location %q: %s %s, e.g. %s", loc.Name, field, rule, example)}
	}
	s := loc.S3
	switch {
	case loc.Type != config.TypeS3:
		return bad("type", "must be "+string(config.TypeS3), string(config.TypeS3))
	case s == nil:
		return bad("s3", "settings are missing", "s3: {bucket: my-recordings, region: eu-west-1, auth: role}")
	case s.Bucket == "":
		return bad("bucket", "is required", "my-recordings")
	case s.Region == "":
		return bad("region", "is required", "eu-west-1")
	case s.Prefix != "" && !strings.HasSuffix(s.Prefix, "/"):
		return bad("prefix", "must end with /", "recordings/")
	case s.Auth == config.AuthRole && s.RoleARN == "":
		return bad("role_arn", "is required in role mode", "arn:aws:iam::123456789012:role/StowageExport")
	case s.Auth == config.AuthKeys && s.AccessKeyID == "":
		return bad("access_key_id", "is required in keys mode", "AKIAIOSFODNN7EXAMPLE")
	case s.Auth == config.AuthKeys && s.SecretAccessKey == "":
		return bad("secret_access_key", "is required in keys mode", "the 40-character secret shown when the key was created")
	case s.Auth != config.AuthRole && s.Auth != config.AuthKeys && s.Auth != config.AuthDefault:
		return bad("auth", "must be role, keys or default", "role")
	case s.Encryption == config.EncryptionSSEKMS && s.KMSKeyARN == "":
		return bad("kms_key_arn", "is required with encryption sse-kms", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
	}
	if s.Endpoint != "" {
		u, err := url.Parse(s.Endpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return bad("endpoint", "must be an http(s) URL", "https://s3.example.com:9000")
		}
	}
	return nil
}

// key returns the full object key for a key relative to the prefix.
func (p *Provider) key(k string) string { return p.s3c.Prefix + k }

// rel strips the location's prefix from a full key.
func (p *Provider) rel(k string) string { return strings.TrimPrefix(k, p.s3c.Prefix) }

// host is the endpoint host for network hints.
func (p *Provider) host() string { return hostOf(p.s3c.Endpoint, p.s3c.Region) }

// hostOf returns the host a request goes to: the custom endpoint's, or the
// regional S3 host.
func hostOf(endpoint, region string) string {
	if endpoint != "" {
		if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
			return u.Host
		}
		return endpoint
	}
	return regionalHost(region)
}

// regionalHost is the S3 host for region, in its partition's DNS suffix.
func regionalHost(region string) string {
	suffix := "amazonaws.com"
	switch {
	case strings.HasPrefix(region, "cn-"):
		suffix = "amazonaws.com.cn"
	case strings.HasPrefix(region, "eusc-"):
		suffix = "amazonaws.eu"
	}
	return "s3." + region + "." + suffix
}

// mapErr classifies an SDK error from an operation on the bucket's objects
// or the bucket itself.
func (p *Provider) mapErr(op, action string, bucketLevel bool, err error) error {
	if err == nil {
		return nil
	}
	return classify(err, p.errInput(op, action, bucketLevel))
}

func (p *Provider) errInput(op, action string, bucketLevel bool) errInput {
	return errInput{
		Op: op, Action: action, Resource: resourceFor(p.loc, action), BucketLevel: bucketLevel,
		Host: p.host(), Region: p.s3c.Region,
		RoleARN: p.s3c.RoleARN, ExternalID: p.s3c.ExternalID, KMSKeyARN: p.s3c.KMSKeyARN,
		Statement: func(a string) string { return statementFor(p.loc, a) },
	}
}

var (
	_ providers.Provider     = (*Provider)(nil)
	_ providers.Stater       = (*Provider)(nil)
	_ providers.Lister       = (*Provider)(nil)
	_ providers.Getter       = (*Provider)(nil)
	_ providers.Deleter      = (*Provider)(nil)
	_ providers.Multipart    = (*Provider)(nil)
	_ providers.UploadLister = (*Provider)(nil)
)
