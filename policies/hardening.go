package policies

import (
	"fmt"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// AccessLogs says where the server access logs of the bucket the
// CloudFormation and Terraform documents create go.
type AccessLogs string

const (
	// AccessLogsCreate creates a log bucket beside the export bucket.
	AccessLogsCreate AccessLogs = "create"
	// AccessLogsExisting logs to a bucket the customer already has.
	AccessLogsExisting AccessLogs = "existing"
	// AccessLogsOff leaves server access logging off.
	AccessLogsOff AccessLogs = "off"
)

// KMSKey says which key the bucket the templates create encrypts with by
// default.
type KMSKey string

const (
	// KMSKeyCreate creates a customer managed key with rotation on.
	KMSKeyCreate KMSKey = "create"
	// KMSKeyExisting uses the location's kms_key_arn.
	KMSKeyExisting KMSKey = "existing"
	// KMSKeyNone keeps S3-managed keys (SSE-S3).
	KMSKeyNone KMSKey = "none"
)

// Defaults of the hardening a security review expects.
const (
	DefaultNoncurrentVersionExpiryDays = 30
	DefaultAccessLogExpiryDays         = 365
)

// Hardening is how the bucket that the CloudFormation and Terraform
// documents create is protected beyond Block Public Access, TLS-only access
// and default encryption, which are always on.
type Hardening struct {
	// Versioning keeps overwritten and deleted recordings recoverable;
	// NoncurrentVersionExpiryDays then deletes the old versions.
	Versioning                  bool
	NoncurrentVersionExpiryDays int
	// AccessLogs and AccessLogBucket: where server access logs go (the
	// name of the bucket to create, or of the existing one).
	// AccessLogExpiryDays expires the logs in a created log bucket.
	AccessLogs          AccessLogs
	AccessLogBucket     string
	AccessLogExpiryDays int
	// KMSKey is the bucket's default encryption key.
	KMSKey KMSKey
}

// HardeningOf returns the hardening of the documents for loc: versioning,
// a created access log bucket, and a created customer managed key unless
// uploads ask for SSE-S3 (then a key would go unused) or name their own key.
func HardeningOf(loc config.Location) Hardening {
	h := Hardening{
		Versioning:                  true,
		NoncurrentVersionExpiryDays: DefaultNoncurrentVersionExpiryDays,
		AccessLogs:                  AccessLogsCreate,
		AccessLogExpiryDays:         DefaultAccessLogExpiryDays,
		KMSKey:                      KMSKeyCreate,
	}
	if s := loc.S3; s != nil {
		h.AccessLogBucket = logBucketName(s.Bucket)
		h.Versioning = s.Versioning == nil || *s.Versioning
		switch s.AccessLogs {
		case config.AccessLogsExisting:
			h.AccessLogs, h.AccessLogBucket = AccessLogsExisting, s.AccessLogBucket
		case config.AccessLogsOff:
			h.AccessLogs = AccessLogsOff
		}
		switch s.Encryption {
		case config.EncryptionSSEKMS:
			h.KMSKey = KMSKeyExisting
		case config.EncryptionSSES3:
			h.KMSKey = KMSKeyNone
		}
	}
	return h
}

// logBucketName is the default name of the created log bucket: the export
// bucket's name with "-logs", within S3's 63 characters.
func logBucketName(bucket string) string {
	const suffix = "-logs"
	if len(bucket)+len(suffix) > 63 {
		bucket = bucket[:63-len(suffix)]
	}
	return bucket + suffix
}

// check reports a hardening the documents cannot be generated with.
func (h Hardening) check(doc string, s *config.S3) error {
	if h.Versioning && h.NoncurrentVersionExpiryDays < 1 {
		return fmt.Errorf("%s: s3.noncurrent_version_expiry_days must be at least 1, e.g. %d, not %d", doc, DefaultNoncurrentVersionExpiryDays, h.NoncurrentVersionExpiryDays)
	}
	switch h.AccessLogs {
	case AccessLogsCreate, AccessLogsExisting:
		if h.AccessLogBucket == "" {
			return missing(doc, "the access log bucket's name", "s3.access_log_bucket", "name the bucket server access logs go to, e.g. access_log_bucket: "+logBucketName(s.Bucket))
		}
		if err := validate.S3Bucket(h.AccessLogBucket); err != nil {
			return fmt.Errorf("%s: s3.access_log_bucket: %w", doc, err)
		}
		if h.AccessLogBucket == s.Bucket {
			return fmt.Errorf("%s: s3.access_log_bucket must differ from s3.bucket (%q): a bucket that logs into itself logs its own log deliveries; use e.g. %s", doc, s.Bucket, logBucketName(s.Bucket))
		}
		if h.AccessLogs == AccessLogsCreate && h.AccessLogExpiryDays < 1 {
			return fmt.Errorf("%s: s3.access_log_expiry_days must be at least 1, e.g. %d, not %d", doc, DefaultAccessLogExpiryDays, h.AccessLogExpiryDays)
		}
	case AccessLogsOff:
	default:
		return fmt.Errorf("%s: s3.access_logs %q is not a choice; use %s, %s or %s", doc, string(h.AccessLogs), AccessLogsCreate, AccessLogsExisting, AccessLogsOff)
	}
	switch h.KMSKey {
	case KMSKeyCreate, KMSKeyNone:
	case KMSKeyExisting:
		if s.KMSKeyARN == "" {
			return missing(doc, "the KMS key ARN of the existing key", "s3.kms_key_arn",
				"copy it from KMS console → Customer managed keys → <key> → General configuration, e.g. "+kmsExample(s))
		}
	default:
		return fmt.Errorf("%s: the KMS key choice %q is not one of %s, %s or %s", doc, string(h.KMSKey), KMSKeyCreate, KMSKeyExisting, KMSKeyNone)
	}
	return nil
}

// Scanner check IDs (trivy's embedded AWS checks) the documents can leave
// failing on purpose.
const (
	CheckVersioning  = "AWS-0090"
	CheckLogging     = "AWS-0089"
	CheckCustomerKey = "AWS-0132"
	CheckUserPolicy  = "AWS-0143"
)

// Suppression is a scanner finding a document leaves on purpose, because
// of a choice the customer made, with the reason in one line.
type Suppression struct {
	Check string // trivy check ID, e.g. "AWS-0090"
	// Resource is what it is about: the "export" or "access_logs"
	// bucket, or the IAM "user".
	Resource string
	Reason   string
}

// Suppressions lists the findings the CloudFormation or Terraform (kind)
// for loc with h leave on purpose. With the defaults of HardeningOf the
// role-mode Terraform has none, the keys-mode Terraform one about its user
// and the CloudFormation two about its log bucket.
func Suppressions(kind Kind, loc config.Location, h Hardening) []Suppression {
	var out []Suppression
	if kind == KindTerraform && loc.S3 != nil && loc.S3.Auth == config.AuthKeys {
		out = append(out, Suppression{CheckUserPolicy, "user",
			"the access keys belong to this one machine user; a group would have to enforce MFA (AWS-0123), which access keys cannot satisfy"})
	}
	if kind == KindCloudFormation && h.AccessLogs == AccessLogsCreate {
		// trivy exempts a log bucket by its bucket policy, which it reads
		// in Terraform but not in JSON templates (it reads the policy's
		// lines with the "PolicyDocument": key on them, not valid JSON).
		out = append(out,
			Suppression{CheckLogging, "access_logs",
				"the access log bucket does not log itself (that would log its own log deliveries); trivy misses its log-delivery bucket policy in JSON templates"},
			Suppression{CheckCustomerKey, "access_logs",
				"S3 server access logs cannot be delivered to an SSE-KMS bucket, so the log bucket uses SSE-S3; trivy misses its log-delivery bucket policy in JSON templates"})
	}
	if !h.Versioning {
		out = append(out, Suppression{CheckVersioning, "export",
			"versioning is turned off for this location (s3.versioning: false): overwritten or deleted recordings cannot be recovered"})
		if h.AccessLogs == AccessLogsCreate {
			out = append(out, Suppression{CheckVersioning, "access_logs",
				"versioning is turned off for this location (s3.versioning: false), for its access log bucket too"})
		}
	}
	if h.AccessLogs == AccessLogsOff {
		out = append(out, Suppression{CheckLogging, "export",
			"server access logging is turned off for this location (s3.access_logs: off)"})
	}
	if h.KMSKey == KMSKeyNone {
		out = append(out, Suppression{CheckCustomerKey, "export",
			"uploads ask for SSE-S3 (s3.encryption: sse-s3), so a customer managed key would go unused; choose sse-kms for one"})
	}
	return out
}

// Lines says, one line per choice, what the documents do to the bucket
// they create and why, with the setting that changes it: versioning, the
// server access logs and the encryption key. Screens print them beside
// the CloudFormation, Terraform and AWS CLI documents; each fits 78
// columns.
func (h Hardening) Lines() []string {
	var out []string
	if h.Versioning {
		out = append(out, fmt.Sprintf("Versioning: a replaced or deleted recording is kept %d days (s3.versioning)", h.NoncurrentVersionExpiryDays))
	} else {
		out = append(out, "Versioning off (s3.versioning): a replaced or deleted recording is lost")
	}
	switch h.AccessLogs {
	case AccessLogsCreate:
		out = append(out, "Access logs to a new bucket: who read or wrote each recording (s3.access_logs)")
	case AccessLogsExisting:
		out = append(out, "Access logs to your bucket: who read or wrote each recording (s3.access_logs)")
	default:
		out = append(out, "Access logs off (s3.access_logs): no record of who read or wrote a recording")
	}
	switch h.KMSKey {
	case KMSKeyCreate:
		out = append(out, "New KMS key, rotated yearly: its key policy decides who reads (s3.encryption)")
	case KMSKeyExisting:
		out = append(out, "Your KMS key (s3.kms_key_arn): its key policy decides who reads the recordings")
	default:
		out = append(out, "SSE-S3 (s3.encryption): AWS-managed keys, no key policy of yours to audit")
	}
	return out
}
