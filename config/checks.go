package config

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/stowage-dev/stowage/validate"
)

// Session duration bounds of sts:AssumeRole; the upper one also needs the
// role's MaxSessionDuration raised, which the generated template does.
const (
	MinSessionDuration     = 15 * time.Minute
	MaxSessionDuration     = 12 * time.Hour
	DefaultSessionDuration = time.Hour
)

const (
	exampleRoleARN    = "arn:aws:iam::123456789012:role/StowageExport"
	exampleKMSKeyARN  = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	exampleTemplate   = "https://stowage-templates.s3.amazonaws.com/stowage-role.yaml"
	exampleExternalID = "n3xkw7qz5bp2yrfmt4hc6dvaj2slge5o"
)

func invalid(field, example, format string, args ...any) *validate.Error {
	return &validate.Error{Field: field, Rule: fmt.Sprintf(format, args...), Example: example}
}

// Validate checks every field of the location for its type and returns nil
// or errors.Join of *FieldError, each naming the location, the YAML path of
// the field, the rule and a valid example. errors.Is(err,
// validate.ErrInvalid) holds for each of them.
func (l Location) Validate() error {
	var errs []error
	for _, fe := range l.fieldErrors() {
		errs = append(errs, fe)
	}
	return errors.Join(errs...)
}

func (l Location) fieldErrors() []*FieldError {
	var out []*FieldError
	add := func(field string, err error) {
		if err != nil {
			out = append(out, &FieldError{Location: l.Name, Field: field, Err: err})
		}
	}
	add("name", validate.LocationName(l.Name))

	sections := []struct {
		typ     Type
		key     string
		present bool
	}{
		{TypeS3, "s3", l.S3 != nil},
		{TypeAzure, "azure", l.Azure != nil},
		{TypeLocal, "local", l.Local != nil},
	}
	switch l.Type {
	case TypeS3, TypeAzure, TypeLocal:
	case "":
		add("type", invalid("type", string(TypeS3), "is required: one of %s, %s or %s", TypeS3, TypeAzure, TypeLocal))
	default:
		add("type", invalid("type", string(TypeS3), "%q is not a location type; use %s, %s or %s", l.Type, TypeS3, TypeAzure, TypeLocal))
	}
	for _, s := range sections {
		switch {
		case s.typ == l.Type && !s.present:
			add(s.key, invalid(s.key, "", "settings are required for a location of type %s; add a %q section", l.Type, s.key))
		case s.typ != l.Type && s.present && l.Type != "":
			add(s.key, invalid(s.key, "", "section is only allowed when type is %s (type is %s); remove it or change the type", s.typ, l.Type))
		}
	}

	if l.S3 != nil {
		l.S3.check(add)
	}
	if l.Azure != nil {
		l.Azure.check(add)
	}
	if l.Local != nil {
		add("local.path", validate.LocalPath(l.Local.Path))
	}
	return out
}

func (s *S3) check(add func(string, error)) {
	custom := s.Endpoint != ""
	add("s3.bucket", validate.S3Bucket(s.Bucket))
	add("s3.region", validate.Region(s.Region, custom))
	if s.Prefix != "" {
		add("s3.prefix", validate.Prefix(s.Prefix))
	}
	if custom {
		add("s3.endpoint", validate.Endpoint(s.Endpoint))
	}
	switch s.ChecksumMode {
	case "", ChecksumWhenSupported, ChecksumWhenRequired:
	default:
		add("s3.checksum_mode", invalid("checksum mode", ChecksumWhenRequired,
			"%q is not a checksum mode; use %s, %s, or leave it out", s.ChecksumMode, ChecksumWhenSupported, ChecksumWhenRequired))
	}

	switch s.Auth {
	case AuthRole:
		if s.RoleARN == "" {
			add("s3.role_arn", invalid("role ARN", exampleRoleARN, "is required when auth is role"))
		}
		if s.ExternalID == "" {
			add("s3.external_id", invalid("external ID", exampleExternalID,
				"is required when auth is role; Stowage generates one for each location"))
		}
	case AuthKeys:
		if s.AccessKeyID == "" {
			add("s3.access_key_id", invalid("access key ID", "AKIAIOSFODNN7EXAMPLE", "is required when auth is keys"))
		}
		if s.SecretAccessKey == "" {
			add("s3.secret_access_key", invalid("secret access key", "", "is required when auth is keys"))
		}
	case AuthDefault:
	case "":
		add("s3.auth", invalid("auth", string(AuthRole), "is required: one of %s, %s or %s", AuthRole, AuthKeys, AuthDefault))
	default:
		add("s3.auth", invalid("auth", string(AuthRole), "%q is not an auth mode; use %s, %s or %s", s.Auth, AuthRole, AuthKeys, AuthDefault))
	}
	// Values that are set are checked whatever the mode, so a switch of mode
	// never uncovers a bad value saved earlier.
	if s.RoleARN != "" {
		add("s3.role_arn", validate.RoleARN(s.RoleARN))
	}
	if s.ExternalID != "" {
		add("s3.external_id", validate.ExternalID(s.ExternalID))
	}
	if s.PendingExternalID != "" {
		if err := validate.ExternalID(s.PendingExternalID); err != nil {
			add("s3.pending_external_id", err)
		} else if s.PendingExternalID == s.ExternalID {
			add("s3.pending_external_id", invalid("pending external ID", "",
				"must differ from external_id; cancel the rotation or generate a new ID"))
		}
	}
	if s.AccessKeyID != "" {
		add("s3.access_key_id", validate.AccessKeyID(s.AccessKeyID, custom))
	}
	if s.SecretAccessKey != "" {
		add("s3.secret_access_key", validate.SecretAccessKey(s.SecretAccessKey, custom))
	}
	if s.UserARN != "" {
		add("s3.user_arn", validate.UserARN(s.UserARN))
	}

	switch s.Encryption {
	case "", EncryptionNone, EncryptionSSES3:
	case EncryptionSSEKMS:
		if s.KMSKeyARN == "" {
			add("s3.kms_key_arn", invalid("KMS key ARN", exampleKMSKeyARN, "is required when encryption is %s", EncryptionSSEKMS))
		}
	default:
		add("s3.encryption", invalid("encryption", string(EncryptionSSES3),
			"%q is not an encryption mode; use %s, %s or %s", s.Encryption, EncryptionNone, EncryptionSSES3, EncryptionSSEKMS))
	}
	if s.KMSKeyARN != "" {
		add("s3.kms_key_arn", validate.KMSKeyARN(s.KMSKeyARN))
	}
	if s.ExpiryDays < 0 {
		add("s3.expiry_days", invalid("expiry days", "30", "must be 0 (keep forever) or a positive number of days (got %d)", s.ExpiryDays))
	}
}

func (a *Azure) check(add func(string, error)) {
	add("azure.container", validate.AzureContainer(a.Container))
	if a.ConnectionString == "" {
		add("azure.connection_string", invalid("connection string",
			"DefaultEndpointsProtocol=https;AccountName=acmerecordings;AccountKey=…;EndpointSuffix=core.windows.net",
			"is required; copy it from the storage account's Access keys page, or build one with a SAS"))
	} else if _, err := validate.ParseConnectionString(a.ConnectionString); err != nil {
		add("azure.connection_string", err)
	}
	if a.Prefix != "" {
		add("azure.prefix", validate.Prefix(a.Prefix))
	}
	if a.SASExpiryDays < 0 {
		add("azure.sas_expiry_days", invalid("SAS expiry days", "365", "must be 0 (no suggestion) or a positive number of days (got %d)", a.SASExpiryDays))
	}
}

// Warnings returns advice about a valid location that still deserves a
// second look, e.g. a bucket name with dots or an unused secret key. Each
// starts with the YAML path of the field it concerns.
func (l Location) Warnings() []string {
	var out []string
	if s := l.S3; s != nil {
		for _, w := range validate.S3BucketWarnings(s.Bucket) {
			out = append(out, "s3.bucket: "+w)
		}
		if s.SecretAccessKey != "" && s.Auth != AuthKeys {
			out = append(out, fmt.Sprintf("s3.secret_access_key: set but auth is %s, so it is never used; remove it so the file holds no needless secret", s.Auth))
		}
		if s.KMSKeyARN != "" && s.Encryption != EncryptionSSEKMS {
			out = append(out, fmt.Sprintf("s3.kms_key_arn: set but encryption is %q, so the key is not used; set encryption to %s or remove the key", s.Encryption, EncryptionSSEKMS))
		}
		if s.PendingExternalID != "" {
			out = append(out, "s3.pending_external_id: an external ID rotation is pending; confirm it once the role's trust policy lists the new ID")
		}
		if s.Delete && !s.ReadBack {
			out = append(out, "s3.delete: delete is granted without read_back; downloads with --delete-after also need read_back")
		}
	}
	if a := l.Azure; a != nil && a.Delete && !a.ReadBack {
		out = append(out, "azure.delete: delete is granted without read_back; downloads with --delete-after also need read_back")
	}
	return out
}

// Validate checks the principal ARNs, the session duration and the template
// URL, and returns nil or errors.Join of *FieldError.
func (p Platform) Validate() error {
	var errs []error
	for _, fe := range p.fieldErrors() {
		errs = append(errs, fe)
	}
	return errors.Join(errs...)
}

func (p Platform) fieldErrors() []*FieldError {
	var out []*FieldError
	add := func(field string, err error) {
		if err != nil {
			out = append(out, &FieldError{Field: field, Err: err})
		}
	}
	seen := map[string]int{}
	for i, arn := range p.PrincipalARNs {
		field := fmt.Sprintf("platform.principal_arns[%d]", i)
		if j, ok := seen[arn]; ok {
			add(field, invalid("principal ARN", "", "repeats principal_arns[%d]; list each principal once", j))
			continue
		}
		seen[arn] = i
		add(field, validate.PrincipalARN(arn))
	}
	if d := p.SessionDuration; d != 0 && (d < MinSessionDuration || d > MaxSessionDuration) {
		add("platform.session_duration", invalid("session duration", "1h",
			"must be between 15m and 12h, or left out for 1h (got %s)", d))
	}
	if p.TemplateURL != "" {
		u, err := url.Parse(p.TemplateURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			add("platform.template_url", invalid("template URL", exampleTemplate,
				"must be an https:// URL of the published CloudFormation template"))
		}
	}
	return out
}

// Duration is the session duration of assumed-role sessions: SessionDuration,
// or one hour when it is zero.
func (p Platform) Duration() time.Duration {
	if p.SessionDuration == 0 {
		return DefaultSessionDuration
	}
	return p.SessionDuration
}

// Checksum is the checksum mode to use: ChecksumMode when set, otherwise
// when_supported on AWS and when_required with a custom endpoint, because
// many S3-compatible stores reject the SDK's default checksum trailers.
func (s S3) Checksum() string {
	if s.ChecksumMode != "" {
		return s.ChecksumMode
	}
	if s.Endpoint != "" {
		return ChecksumWhenRequired
	}
	return ChecksumWhenSupported
}
