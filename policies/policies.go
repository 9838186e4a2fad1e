// Package policies generates the documents a customer needs to give Stowage
// access to a location: the IAM permissions and trust policies, the bucket
// policy of access-keys mode, the KMS key policy statement, a CloudFormation
// template, Terraform, an AWS CLI script and the Azure SAS instructions.
//
// Every document is deterministic: the same location and platform give the
// same bytes, JSON is indented with two spaces and every document ends in a
// newline. Nothing here reads the clock, the network or any secret.
package policies

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// Kind names one generated document.
type Kind string

const (
	KindPermissions    Kind = "permissions"
	KindTrust          Kind = "trust"
	KindBucket         Kind = "bucket"
	KindKMS            Kind = "kms"
	KindCloudFormation Kind = "cloudformation"
	KindTerraform      Kind = "terraform"
	KindAWSCLI         Kind = "aws-cli"
	KindAzureSAS       Kind = "azure-sas"
)

// AllKinds lists every kind in display order.
var AllKinds = []Kind{KindPermissions, KindTrust, KindBucket, KindKMS, KindCloudFormation, KindTerraform, KindAWSCLI, KindAzureSAS}

// ErrMissing is matched (errors.Is) by every error that reports a setting a
// document needs but the location or platform lacks.
var ErrMissing = errors.New("missing setting")

// ErrNotApplicable is matched (errors.Is) by errors for a document asked of
// a location it does not fit (a trust policy for an Azure container, ...).
var ErrNotApplicable = errors.New("document does not apply to this location")

// ErrUnknownKind is matched (errors.Is) by Render for a kind it does not know.
var ErrUnknownKind = errors.New("unknown policy kind")

// MissingError says which setting a document needs. Field is the key as it
// appears in the locations file (e.g. "s3.external_id").
type MissingError struct {
	Doc   string // "trust policy"
	What  string // "the external ID"
	Field string // "s3.external_id"
	Hint  string // what to do, with a valid example
}

// Error names the document, the missing setting, its field and the fix.
func (e *MissingError) Error() string {
	msg := fmt.Sprintf("%s needs %s (%s)", e.Doc, e.What, e.Field)
	if e.Hint != "" {
		msg += ": " + e.Hint
	}
	return msg
}

// Is makes errors.Is(err, ErrMissing) true.
func (e *MissingError) Is(target error) bool { return target == ErrMissing }

func missing(doc, what, field, hint string) error {
	return &MissingError{Doc: doc, What: what, Field: field, Hint: hint}
}

// Kinds returns the documents that apply to loc, in display order.
func Kinds(loc config.Location) []Kind {
	switch loc.Type {
	case config.TypeAzure:
		if loc.Azure == nil {
			return nil
		}
		return []Kind{KindAzureSAS}
	case config.TypeS3:
		s := loc.S3
		if s == nil {
			return nil
		}
		if !isAWS(s) {
			// S3-compatible stores (MinIO, Ceph) accept the same policy
			// language but have no KMS key policies or CloudFormation.
			// Those with an STS (Ceph RGW enforces role trust policies)
			// still take the trust policy in role mode, and the wizard
			// shows the external ID in it either way.
			if s.Auth == config.AuthRole {
				return []Kind{KindPermissions, KindTrust}
			}
			return []Kind{KindPermissions}
		}
		kms := s.Encryption == config.EncryptionSSEKMS
		switch s.Auth {
		case config.AuthRole:
			k := []Kind{KindPermissions, KindTrust}
			if kms {
				k = append(k, KindKMS)
			}
			return append(k, KindCloudFormation, KindTerraform, KindAWSCLI)
		case config.AuthKeys:
			k := []Kind{KindPermissions, KindBucket}
			if kms {
				k = append(k, KindKMS)
			}
			return append(k, KindTerraform, KindAWSCLI)
		default:
			// Ambient credentials: Stowage does not know whose they are,
			// so only the policy to attach to them applies.
			return []Kind{KindPermissions}
		}
	}
	return nil
}

// Render returns the document of the given kind for loc.
func Render(kind Kind, loc config.Location, p config.Platform) (string, error) {
	switch kind {
	case KindPermissions:
		return Permissions(loc)
	case KindTrust:
		return Trust(loc, p)
	case KindBucket:
		return Bucket(loc)
	case KindKMS:
		return KMS(loc)
	case KindCloudFormation:
		return CloudFormation(loc, p)
	case KindTerraform:
		return Terraform(loc, p)
	case KindAWSCLI:
		return AWSCLI(loc, p)
	case KindAzureSAS:
		return AzureSAS(loc)
	}
	return "", fmt.Errorf("%w %q; known kinds are %s", ErrUnknownKind, string(kind), kindList())
}

func kindList() string {
	s := make([]string, len(AllKinds))
	for i, k := range AllKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Title returns the human name of a document kind.
func Title(kind Kind) string {
	switch kind {
	case KindPermissions:
		return "Permissions policy"
	case KindTrust:
		return "Trust policy"
	case KindBucket:
		return "Bucket policy"
	case KindKMS:
		return "KMS key policy statement"
	case KindCloudFormation:
		return "CloudFormation template"
	case KindTerraform:
		return "Terraform"
	case KindAWSCLI:
		return "AWS CLI script"
	case KindAzureSAS:
		return "Azure SAS and role assignment"
	}
	return string(kind)
}

// WhereItGoes tells in one or two lines where the customer pastes or runs
// the document.
func WhereItGoes(kind Kind) string {
	switch kind {
	case KindPermissions:
		return "IAM console → Policies → Create policy → JSON: paste it and save, then attach the policy to the role (role mode) or to the IAM user (access keys mode)."
	case KindTrust:
		return "IAM console → Roles → <role> → Trust relationships → Edit trust policy. The connection will not work until the trust policy holds this external ID."
	case KindBucket:
		return "S3 console → Buckets → <bucket> → Permissions → Bucket policy → Edit. It names the IAM user whose access keys Stowage uses and refuses every request not made over HTTPS."
	case KindKMS:
		return "KMS console → Customer managed keys → <key> → Key policy → Edit: add this statement to the Statement list, do not replace the whole policy. Needed when the key policy does not delegate to IAM policies or the key is in another account."
	case KindCloudFormation:
		return "CloudFormation console → Create stack → With new resources → Upload a template file (or open the quick-create link). Enter the external ID Stowage shows, then paste the RoleArn output into Stowage."
	case KindTerraform:
		return "Save as stowage.tf in an empty directory, run terraform init and terraform apply (role mode: -var external_id=<the external ID Stowage shows>), then paste the role_arn or user_arn output into Stowage."
	case KindAWSCLI:
		return "Run in a shell with AWS CLI v2 and credentials of the account that owns the bucket (check with aws sts get-caller-identity); it writes its JSON files to the current directory."
	case KindAzureSAS:
		return "Run in Azure Cloud Shell or any shell with the Azure CLI after az login, then paste the connection string it prints into Stowage's Connection string field."
	}
	return ""
}

// partition returns the AWS partition of the location's region.
func partition(s *config.S3) string { return validate.Partition(s.Region) }

// dnsSuffix is the partition's service domain, for kms:ViaService.
func dnsSuffix(part string) string {
	if part == "aws-cn" {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// consoleHost is the partition's AWS console host.
func consoleHost(part string) string {
	switch part {
	case "aws-cn":
		return "console.amazonaws.cn"
	case "aws-us-gov":
		return "console.amazonaws-us-gov.com"
	}
	return "console.aws.amazon.com"
}

// isAWS reports whether the location talks to Amazon S3 itself: no endpoint,
// or an amazonaws.com one (some customers paste the regional host name).
func isAWS(s *config.S3) bool {
	if s.Endpoint == "" {
		return true
	}
	host := s.Endpoint
	if u, err := url.Parse(s.Endpoint); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return strings.HasSuffix(host, ".amazonaws.com") || strings.HasSuffix(host, ".amazonaws.com.cn")
}

// s3Of returns loc.S3 or an ErrNotApplicable error naming the document.
func s3Of(doc string, loc config.Location) (*config.S3, error) {
	if loc.Type != config.TypeS3 || loc.S3 == nil {
		return nil, fmt.Errorf("%w: the %s is for Amazon S3 locations, and location %q is of type %q", ErrNotApplicable, doc, loc.Name, string(loc.Type))
	}
	return loc.S3, nil
}

// requireBucket checks the settings every S3 document needs.
func requireBucket(doc string, s *config.S3) error {
	if s.Bucket == "" {
		return missing(doc, "the bucket name", "s3.bucket", "set it to the bucket's exact, case-sensitive name, e.g. bucket: acme-call-recordings")
	}
	if s.Encryption == config.EncryptionSSEKMS && s.KMSKeyARN == "" {
		return missing(doc, "the KMS key ARN for sse-kms encryption", "s3.kms_key_arn",
			"copy it from KMS console → Customer managed keys → <key> → General configuration, e.g. "+kmsExample(s))
	}
	return nil
}

func kmsExample(s *config.S3) string {
	region := s.Region
	if region == "" {
		region = "eu-west-1"
	}
	return "arn:" + partition(s) + ":kms:" + region + ":111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}

func requireRegion(doc string, s *config.S3) error {
	if s.Region == "" {
		return missing(doc, "the bucket's region", "s3.region", "set the AWS region the bucket is in, e.g. region: eu-west-1")
	}
	return nil
}

// slug turns a location name into the part of an AWS resource name that
// follows "stowage-": lowercase letters, digits and single hyphens.
func slug(name string, max int) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if len(out) > max {
		out = strings.TrimRight(out[:max], "-")
	}
	if out == "" {
		out = "export"
	}
	return out
}

// baseName is "stowage-<location>", within IAM's 64-character role limit
// with room for a suffix.
func baseName(loc config.Location) string { return "stowage-" + slug(loc.Name, 40) }

// iamName returns the name in an IAM ARN ("arn:aws:iam::1:role/path/name"
// → "name"), or fallback when arn is empty or has no name.
func iamName(arn, fallback string) string {
	if arn == "" {
		return fallback
	}
	i := strings.LastIndex(arn, "/")
	if i < 0 || i == len(arn)-1 {
		return fallback
	}
	return arn[i+1:]
}

// iamPath returns the path of an IAM ARN ("/path/"), or "" for "/".
func iamPath(arn string) string {
	_, rest, ok := strings.Cut(arn, ":role/")
	if !ok {
		_, rest, ok = strings.Cut(arn, ":user/")
	}
	if !ok {
		return ""
	}
	i := strings.LastIndex(rest, "/")
	if i <= 0 {
		return ""
	}
	return "/" + rest[:i+1]
}

func roleName(loc config.Location) string { return iamName(loc.S3.RoleARN, baseName(loc)) }
func userName(loc config.Location) string { return iamName(loc.S3.UserARN, baseName(loc)) }
