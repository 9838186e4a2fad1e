package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/stowage-dev/stowage/validate"
)

// This file declares every setting of a location and of the platform
// once: where it lives in the file, its typed accessor, its flag, the
// wizard step that asks for it, the words shown with it, the rule that
// checks it, how pasted text is cleaned, and how sensitive it is. Load,
// Validate, the wizard, `setup --non-interactive`, `platform` and every
// printed value read this table; see ARCHITECTURE.md for adding one.

// Sensitivity says who may read a setting's value on a screen.
type Sensitivity uint8

const (
	// Plain values are shown as they are.
	Plain Sensitivity = iota
	// Identifier values (account IDs, access key IDs, external IDs, the
	// account part of ARNs) are masked in screen-share mode.
	Identifier
	// Secret values are never shown, in any mode.
	Secret
)

func (s Sensitivity) String() string {
	switch s {
	case Identifier:
		return "identifier"
	case Secret:
		return "secret"
	}
	return "plain"
}

// Input says how pasted or typed text is cleaned before its rule sees it.
type Input uint8

const (
	// InputTrim drops the spaces, tabs and newlines around the value, which
	// a terminal copy brings along: names, IDs, ARNs, regions, connection
	// strings.
	InputTrim Input = iota
	// InputSecret drops only a trailing newline; any other whitespace is
	// refused, since it cannot be told apart from a broken copy.
	InputSecret
)

// Kind says how a setting is entered.
type Kind string

const (
	KindText   Kind = "text"
	KindSecret Kind = "secret"
	KindSelect Kind = "select"
	KindBool   Kind = "bool"
	KindNumber Kind = "number"
	// KindList holds several values, one per line (the principal ARNs).
	KindList Kind = "list"
)

// Option is one allowed value of a select setting.
type Option struct {
	Value string
	Label string
	// Help says when to pick this option, in one line.
	Help string
}

// Setting describes one value of a T (Location or Platform).
type Setting[T any] struct {
	// Path is the YAML path inside T: "s3.bucket", "name".
	Path string
	// ID is the last part of Path ("bucket"); the wizard's field ID and,
	// with "-" for "_", the flag name.
	ID string
	// Section is the location type whose section holds the setting; ""
	// for name and type, and for platform settings.
	Section Type
	// Step is the wizard step that asks for it ("name", "where", ...).
	Step string
	Kind Kind
	// Label is the setting's name on screens; Word its name inside a
	// sentence ("role ARN").
	Label, Word   string
	Help, Example string
	// Options of a select setting; the wizard may offer more (regions).
	Options     []Option
	Sensitivity Sensitivity
	Input       Input
	// Flag is the command-line flag ("" when none); Env the environment
	// variable a secret is read from, since secrets are never flags.
	Flag, Env string
	// Usage is the flag's help line.
	Usage string
	// Default is the value of a new draft.
	Default string
	// Generated values are made by Stowage and never typed (external IDs).
	Generated bool
	// Offline settings do not change how Stowage connects; editing them
	// keeps the last connection test.
	Offline bool

	// Get and Set read and write the typed field. Set is given a value
	// Check accepted; an empty value clears the field.
	Get func(*T) string
	Set func(*T, string)
	// When reports whether t uses the setting (the role ARN only in role
	// mode); nil means always within its section.
	When func(*T) bool
	// Required reports whether t needs a value; nil means never.
	Required func(*T) bool
	// RequiredRule is the rule an empty required value breaks, when it
	// says more than Rule("") does ("is required when auth is role").
	RequiredRule string
	// Rule checks a value in the context of t; nil accepts anything.
	Rule func(t *T, v string) error
	// Normalize rewrites a valid value into its stored form.
	Normalize func(string) string
}

// Clean applies the setting's input policy to text as pasted. It returns
// the value to store, or a *validate.Error when the text cannot be a
// value (whitespace inside a secret); the error never quotes the text.
func (s *Setting[T]) Clean(v string) (string, error) {
	if s.Input != InputSecret {
		return strings.TrimSpace(v), nil
	}
	v = strings.TrimSuffix(strings.TrimSuffix(v, "\n"), "\r")
	for i, r := range []rune(v) {
		if unicode.IsSpace(r) {
			what := "a space"
			switch r {
			case '\t':
				what = "a tab"
			case '\n', '\r':
				what = "a line break"
			}
			return v, &validate.Error{Field: s.Word,
				Rule:    fmt.Sprintf("has %s at position %d; paste it again as one piece with no spaces or line breaks", what, i+1),
				Example: s.Example}
		}
	}
	return v, nil
}

// Check validates v (already cleaned) as the value of this setting in t:
// an empty value against Required, a bool against its spellings, anything
// else against Rule.
func (s *Setting[T]) Check(t *T, v string) error {
	if v == "" {
		if s.Required == nil || !s.Required(t) {
			return nil
		}
		if s.RequiredRule != "" {
			return &validate.Error{Field: s.Word, Rule: s.RequiredRule, Example: s.Example}
		}
		if s.Rule != nil {
			if err := s.Rule(t, v); err != nil {
				return err
			}
		}
		return &validate.Error{Field: s.Word, Rule: "is required", Example: s.Example}
	}
	if s.Kind == KindBool {
		if _, ok := ParseBool(v); !ok {
			return &validate.Error{Field: s.Word, Rule: fmt.Sprintf("must be yes or no (got %q)", v), Example: "true"}
		}
		return nil
	}
	if s.Rule != nil {
		return s.Rule(t, v)
	}
	return nil
}

// Applies reports whether t uses the setting.
func (s *Setting[T]) Applies(t *T) bool { return s.When == nil || s.When(t) }

// ParseBool accepts the spellings people type on a command line.
func ParseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "y", "on", "1":
		return true, true
	case "false", "no", "n", "off", "0", "":
		return false, true
	}
	return false, false
}

// LocationSetting finds a location setting by path ("s3.bucket").
func LocationSetting(path string) (*Setting[Location], bool) {
	for i := range LocationSettings {
		if LocationSettings[i].Path == path {
			return &LocationSettings[i], true
		}
	}
	return nil, false
}

// HasSection reports whether l has the section of type t ("" is the
// location itself, which every location has).
func (l *Location) HasSection(t Type) bool {
	switch t {
	case TypeS3:
		return l.S3 != nil
	case TypeAzure:
		return l.Azure != nil
	case TypeLocal:
		return l.Local != nil
	}
	return true
}

// Accessors: each returns Get and Set for one typed field, creating the
// section on Set.

func s3Of(l *Location) *S3 {
	if l.S3 == nil {
		l.S3 = &S3{}
	}
	return l.S3
}

func azureOf(l *Location) *Azure {
	if l.Azure == nil {
		l.Azure = &Azure{}
	}
	return l.Azure
}

func localOf(l *Location) *Local {
	if l.Local == nil {
		l.Local = &Local{}
	}
	return l.Local
}

type accessor[T any] struct {
	get func(*T) string
	set func(*T, string)
}

func str[S any](of func(*Location) *S, has func(*Location) bool, f func(*S) *string) accessor[Location] {
	return accessor[Location]{
		get: func(l *Location) string {
			if !has(l) {
				return ""
			}
			return *f(of(l))
		},
		set: func(l *Location, v string) { *f(of(l)) = v },
	}
}

func boolean[S any](of func(*Location) *S, has func(*Location) bool, f func(*S) *bool) accessor[Location] {
	return accessor[Location]{
		get: func(l *Location) string {
			if !has(l) {
				return ""
			}
			return strconv.FormatBool(*f(of(l)))
		},
		set: func(l *Location, v string) { b, _ := ParseBool(v); *f(of(l)) = b },
	}
}

func number[S any](of func(*Location) *S, has func(*Location) bool, f func(*S) *int) accessor[Location] {
	return accessor[Location]{
		get: func(l *Location) string {
			if !has(l) {
				return ""
			}
			return strconv.Itoa(*f(of(l)))
		},
		set: func(l *Location, v string) { n, _ := strconv.Atoi(strings.TrimSpace(v)); *f(of(l)) = n },
	}
}

func hasS3(l *Location) bool    { return l.S3 != nil }
func hasAzure(l *Location) bool { return l.Azure != nil }
func hasLocal(l *Location) bool { return l.Local != nil }

func s3Str(f func(*S3) *string) accessor[Location] { return str(s3Of, hasS3, f) }
func s3Bool(f func(*S3) *bool) accessor[Location]  { return boolean(s3Of, hasS3, f) }
func azStr(f func(*Azure) *string) accessor[Location] {
	return str(azureOf, hasAzure, f)
}
func azBool(f func(*Azure) *bool) accessor[Location] { return boolean(azureOf, hasAzure, f) }

// with fills in Get and Set from an accessor.
func with[T any](s Setting[T], a accessor[T]) Setting[T] {
	s.Get, s.Set = a.get, a.set
	if s.ID == "" {
		s.ID = s.Path[strings.LastIndex(s.Path, ".")+1:]
	}
	return s
}

func customEndpoint(l *Location) bool { return l.S3 != nil && l.S3.Endpoint != "" }

func authIs(m AuthMode) func(*Location) bool {
	return func(l *Location) bool { return l.S3 != nil && l.S3.Auth == m }
}

func always[T any](*T) bool { return true }

func kmsOn(l *Location) bool { return l.S3 != nil && l.S3.Encryption == EncryptionSSEKMS }

// oneOf is the rule of a select setting: v must be one of the options.
func oneOf[T any](word, what, example string, opts []Option, orEmpty bool) func(*T, string) error {
	return func(_ *T, v string) error {
		var names []string
		for _, o := range opts {
			if o.Value == v {
				return nil
			}
			if o.Value != "" {
				names = append(names, o.Value)
			}
		}
		list := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
		if orEmpty {
			list = strings.Join(names, ", ") + ", or leave it out"
		}
		return &validate.Error{Field: word, Rule: fmt.Sprintf("%q is not %s; use %s", v, what, list), Example: example}
	}
}

// maxDays caps day counts at a century: larger numbers are typos, and S3
// lifecycle rules refuse some of them.
const maxDays = 36500

func days[T any](word, example string) func(*T, string) error {
	return func(_ *T, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return &validate.Error{Field: word, Rule: fmt.Sprintf("must be a whole number of days (got %q)", v), Example: example}
		}
		if n < 0 || n > maxDays {
			return &validate.Error{Field: word, Rule: fmt.Sprintf("must be between 0 (never) and %d days (got %d)", maxDays, n), Example: example}
		}
		return nil
	}
}

func checkPrefix(_ *Location, v string) error { return validate.Prefix(v) }

var (
	typeOptions = []Option{{Value: string(TypeS3)}, {Value: string(TypeAzure)}, {Value: string(TypeLocal)}}
	authOptions = []Option{
		{string(AuthRole), "IAM role", ""},
		{string(AuthKeys), "Access keys", ""},
		{string(AuthDefault), "Default credential chain", ""},
	}
	checksumOptions = []Option{
		{"", "Automatic", "Pick this unless uploads fail with a checksum or header error."},
		{ChecksumWhenSupported, "When supported", "Always send checksums; Amazon S3 verifies them."},
		{ChecksumWhenRequired, "When required", "Only send checksums the operation requires; for stores that reject the SDK's checksum trailers."},
	}
	encryptionOptions = []Option{
		{string(EncryptionNone), "None requested", "The bucket's default applies; the CloudFormation/Terraform give the bucket they create its own KMS key (rotated)."},
		{string(EncryptionSSES3), "SSE-S3", "Ask for S3-managed keys (AES256) explicitly; the templates then create no KMS key."},
		{string(EncryptionSSEKMS), "SSE-KMS", "Encrypt with your own existing KMS key; the policies then include the KMS permissions."},
	}
	boolOptions = []Option{{"false", "No", ""}, {"true", "Yes", ""}}
	// The values match policies.AccessLogs.
	accessLogOptions = []Option{
		{AccessLogsCreate, "Create a log bucket", "The templates create a bucket for the logs (SSE-S3, private, its own expiry)."},
		{AccessLogsExisting, "Existing bucket", "Log into a bucket you already have, e.g. a central log bucket."},
		{AccessLogsOff, "Off", "No record of who read or wrote which recording; scanners will flag it."},
	}
)

// Where the bucket the templates create sends its server access logs.
const (
	AccessLogsCreate   = "create"
	AccessLogsExisting = "existing"
	AccessLogsOff      = "off"
)

func accessLogsExisting(l *Location) bool {
	return amazonS3(l) && l.S3.AccessLogs == AccessLogsExisting
}

// amazonS3 reports an Amazon S3 location, the only kind Stowage writes
// CloudFormation and Terraform for.
func amazonS3(l *Location) bool { return l.S3 != nil && !customEndpoint(l) }

const exampleConnString = "DefaultEndpointsProtocol=https;AccountName=acmerecordings;AccountKey=…;EndpointSuffix=core.windows.net"

// LocationSettings are every setting of a location, in the order the
// wizard shows them.
var LocationSettings = []Setting[Location]{
	with(Setting[Location]{Path: "name", Step: "name", Kind: KindText, Label: "Name", Word: "location name",
		Help:    "Identifies the location in Stowage, e.g. acme-recordings. It can differ from the bucket name.",
		Example: "acme-recordings", Flag: "name", Usage: "unique location name (may differ from the bucket name), e.g. acme-recordings",
		Required: always[Location], Offline: true,
		Rule: func(_ *Location, v string) error { return validate.LocationName(v) }},
		accessor[Location]{func(l *Location) string { return l.Name }, func(l *Location, v string) { l.Name = v }}),

	with(Setting[Location]{Path: "type", Step: "type", Kind: KindSelect, Label: "Type", Word: "type",
		Help:    "What kind of storage the location is, and for Amazon S3 how Stowage gets in.",
		Example: string(TypeS3), Options: typeOptions, Flag: "type", Usage: "s3-role | s3-keys | s3-default | azure-blob | local",
		Required: always[Location], RequiredRule: fmt.Sprintf("is required: one of %s, %s or %s", TypeS3, TypeAzure, TypeLocal),
		Rule: oneOf[Location]("type", "a location type", string(TypeS3), typeOptions, false)},
		accessor[Location]{func(l *Location) string { return string(l.Type) }, func(l *Location, v string) { l.Type = Type(v) }}),

	// S3 — where.
	with(Setting[Location]{Path: "s3.endpoint", Section: TypeS3, Step: "where", Kind: KindText, Label: "Endpoint", Word: "endpoint",
		Help:    "Only for S3-compatible stores (MinIO, Ceph, Wasabi, R2): the endpoint URL, e.g. https://s3.example.com:9000. Leave empty for Amazon S3.",
		Example: "https://s3.example.com:9000", Flag: "endpoint", Usage: "custom endpoint of an S3-compatible store, e.g. https://minio.example.com:9000",
		Rule: func(_ *Location, v string) error { return validate.Endpoint(v) }},
		s3Str(func(s *S3) *string { return &s.Endpoint })),
	with(Setting[Location]{Path: "s3.bucket", Section: TypeS3, Step: "where", Kind: KindText, Label: "Bucket", Word: "bucket",
		Help:    "The name of the S3 bucket, e.g. acme-call-recordings. It is case-sensitive.",
		Example: "acme-call-recordings", Flag: "bucket", Usage: "S3 bucket name (case-sensitive)",
		Required: always[Location],
		Rule:     func(_ *Location, v string) error { return validate.S3Bucket(v) }},
		s3Str(func(s *S3) *string { return &s.Bucket })),
	with(Setting[Location]{Path: "s3.region", Section: TypeS3, Step: "where", Kind: KindSelect, Label: "Region", Word: "region",
		Help:    "The region the bucket is in, e.g. eu-west-1. The connection test detects it if this is wrong.",
		Example: "eu-west-1", Flag: "region", Usage: "AWS region of the bucket, e.g. eu-west-1",
		Required: always[Location],
		Rule:     func(l *Location, v string) error { return validate.Region(v, customEndpoint(l)) }},
		s3Str(func(s *S3) *string { return &s.Region })),
	with(Setting[Location]{Path: "s3.prefix", Section: TypeS3, Step: "where", Kind: KindText, Label: "Prefix", Word: "prefix",
		Help:    "The folder inside the bucket that exports go under, e.g. recordings/. Leave empty for the bucket root.",
		Example: "recordings/", Flag: "prefix", Usage: "key prefix inside the bucket or container, e.g. recordings/",
		Rule: checkPrefix, Normalize: validate.NormalizePrefix},
		s3Str(func(s *S3) *string { return &s.Prefix })),
	with(Setting[Location]{Path: "s3.path_style", Section: TypeS3, Step: "where", Kind: KindBool, Label: "Path-style addressing", Word: "path style",
		Help:    "Address the bucket as https://host/bucket rather than https://bucket.host. Most S3-compatible stores need this; Amazon S3 does not.",
		Example: "true", Options: boolOptions, Default: "false", When: customEndpoint,
		Flag: "path-style", Usage: "use path-style requests (S3-compatible stores)"},
		s3Bool(func(s *S3) *bool { return &s.PathStyle })),
	with(Setting[Location]{Path: "s3.ca_bundle", Section: TypeS3, Step: "where", Kind: KindText, Label: "CA bundle", Word: "CA bundle",
		Help:    "A PEM file of certificate authorities to trust besides the system ones, for a store with a private CA, e.g. /etc/ssl/minio-ca.pem.",
		Example: "/etc/ssl/certs/minio-ca.pem", When: customEndpoint,
		Flag: "ca-bundle", Usage: "PEM file of an extra CA to trust for the endpoint"},
		s3Str(func(s *S3) *string { return &s.CABundle })),
	with(Setting[Location]{Path: "s3.checksum_mode", Section: TypeS3, Step: "where", Kind: KindSelect, Label: "Checksum mode", Word: "checksum mode",
		Help:    "When to send upload checksums. Automatic sends them to Amazon S3 and only when required to other stores, many of which reject them.",
		Example: ChecksumWhenRequired, Options: checksumOptions,
		Flag: "checksum-mode", Usage: "when_supported | when_required (many S3-compatible stores need when_required)",
		Rule: oneOf[Location]("checksum mode", "a checksum mode", ChecksumWhenRequired, checksumOptions, true)},
		s3Str(func(s *S3) *string { return &s.ChecksumMode })),
	with(Setting[Location]{Path: "s3.encryption", Section: TypeS3, Step: "where", Kind: KindSelect, Label: "Encryption", Word: "encryption",
		Help:    "Server-side encryption requested on every upload.",
		Example: string(EncryptionSSES3), Options: encryptionOptions, Default: string(EncryptionNone),
		Flag: "encryption", Usage: "none | sse-s3 | sse-kms",
		Rule: oneOf[Location]("encryption", "an encryption mode", string(EncryptionSSES3), encryptionOptions, false)},
		// "none" is stored as no encryption setting at all.
		accessor[Location]{
			get: func(l *Location) string {
				if l.S3 == nil {
					return ""
				}
				return string(l.S3.Encryption)
			},
			set: func(l *Location, v string) {
				if Encryption(v) == EncryptionNone {
					v = ""
				}
				s3Of(l).Encryption = Encryption(v)
			},
		}),
	with(Setting[Location]{Path: "s3.kms_key_arn", Section: TypeS3, Step: "where", Kind: KindText, Label: "KMS key ARN", Word: "KMS key ARN",
		Help:    "The ARN of the KMS key, from KMS → Customer managed keys → <key> → General configuration, e.g. arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab.",
		Example: exampleKMSKeyARN, Sensitivity: Identifier, When: kmsOn, Required: kmsOn,
		RequiredRule: "is required when encryption is " + string(EncryptionSSEKMS),
		Flag:         "kms-key-arn", Usage: "KMS key ARN for sse-kms",
		Rule: func(_ *Location, v string) error { return validate.KMSKeyARN(v) }},
		s3Str(func(s *S3) *string { return &s.KMSKeyARN })),
	with(Setting[Location]{Path: "s3.bucket_owner_full_control", Section: TypeS3, Step: "where", Kind: KindBool, Label: "Bucket owner full control", Word: "bucket owner full control",
		Help:    "Send the bucket-owner-full-control ACL with every upload, and require it in the policy, so the bucket owner owns the recordings even if the writer is another account.",
		Example: "true", Options: boolOptions, Default: "false",
		Flag: "bucket-owner-full-control", Usage: "send the bucket-owner-full-control ACL with every upload"},
		s3Bool(func(s *S3) *bool { return &s.BucketOwnerFullControl })),
	with(Setting[Location]{Path: "s3.read_back", Section: TypeS3, Step: "where", Kind: KindBool, Label: "Read back", Word: "read back",
		Help:    "Allow Stowage to read objects back (s3:GetObject) to verify uploads and to download them.",
		Example: "true", Options: boolOptions, Default: "false",
		Flag: "read-back", Usage: "grant s3:GetObject so exports can be verified and downloaded"},
		s3Bool(func(s *S3) *bool { return &s.ReadBack })),
	with(Setting[Location]{Path: "s3.delete", Section: TypeS3, Step: "where", Kind: KindBool, Label: "Delete", Word: "delete",
		Help:    "Allow Stowage to delete objects (s3:DeleteObject), for downloads with --delete-after. Needs read back too.",
		Example: "true", Options: boolOptions, Default: "false",
		Flag: "delete", Usage: "grant delete (for download --delete-after)"},
		s3Bool(func(s *S3) *bool { return &s.Delete })),
	with(Setting[Location]{Path: "s3.manage_uploads", Section: TypeS3, Step: "where", Kind: KindBool, Label: "Manage uploads", Word: "manage uploads",
		Help:    "Allow Stowage to list and abort unfinished multipart uploads (s3:ListBucketMultipartUploads on the bucket, s3:AbortMultipartUpload), so an export removes the parts of uploads it abandons and `stowage uploads --abort` works. Without it they stay until the 7-day lifecycle rule.",
		Example: "true", Options: boolOptions, Default: "false",
		Flag: "manage-uploads", Usage: "grant listing and aborting unfinished multipart uploads"},
		s3Bool(func(s *S3) *bool { return &s.ManageUploads })),
	with(Setting[Location]{Path: "s3.expiry_days", Section: TypeS3, Step: "where", Kind: KindNumber, Label: "Expire after (days)", Word: "expiry days",
		Help:    "Delete exported objects this many days after upload with a lifecycle rule, e.g. 30. 0 keeps them.",
		Example: "30", Default: "0", Flag: "expiry-days", Usage: "lifecycle expiry of exported objects in days (0 = none)",
		Rule: days[Location]("expiry days", "30"), Normalize: strings.TrimSpace},
		number(s3Of, hasS3, func(s *S3) *int { return &s.ExpiryDays })),
	with(Setting[Location]{Path: "s3.versioning", Section: TypeS3, Step: "where", Kind: KindBool, Label: "Versioning", Word: "versioning",
		Help:    "Turn on versioning in the bucket the CloudFormation/Terraform create, so an overwritten or deleted recording can be recovered; old versions expire after 30 days.",
		Example: "false", Options: boolOptions, Default: "true", Offline: true, When: amazonS3,
		Flag: "versioning", Usage: "versioning in the bucket the templates create (old versions expire after 30 days)"},
		// Absent is on; only "off" is written to the file.
		accessor[Location]{
			get: func(l *Location) string {
				if l.S3 == nil {
					return ""
				}
				return strconv.FormatBool(l.S3.Versioning == nil || *l.S3.Versioning)
			},
			set: func(l *Location, v string) {
				if b, _ := ParseBool(v); v != "" && !b {
					s3Of(l).Versioning = &b
					return
				}
				s3Of(l).Versioning = nil
			},
		}),
	with(Setting[Location]{Path: "s3.access_logs", Section: TypeS3, Step: "where", Kind: KindSelect, Label: "Access logs", Word: "access logs",
		Help:    "Where the templates send the bucket's server access logs, the record of who read or wrote which recording that audits ask for.",
		Example: AccessLogsExisting, Options: accessLogOptions, Default: AccessLogsCreate, Offline: true, When: amazonS3,
		Flag: "access-logs", Usage: "create | existing | off: server access logs of the bucket the templates create",
		Rule: oneOf[Location]("access logs", "an access log choice", AccessLogsExisting, accessLogOptions, true)},
		// "create" is stored as no setting at all.
		accessor[Location]{
			get: func(l *Location) string {
				if l.S3 == nil {
					return ""
				}
				if l.S3.AccessLogs == "" {
					return AccessLogsCreate
				}
				return l.S3.AccessLogs
			},
			set: func(l *Location, v string) {
				if v == AccessLogsCreate {
					v = ""
				}
				s3Of(l).AccessLogs = v
			},
		}),
	with(Setting[Location]{Path: "s3.access_log_bucket", Section: TypeS3, Step: "where", Kind: KindText, Label: "Access log bucket", Word: "access log bucket",
		Help:    "The existing bucket that receives the access logs, e.g. acme-central-access-logs; it must let logging.s3.amazonaws.com write to it.",
		Example: "acme-central-access-logs", When: accessLogsExisting, Required: accessLogsExisting, Offline: true,
		RequiredRule: "is required when access logs is " + AccessLogsExisting,
		Flag:         "access-log-bucket", Usage: "existing bucket for the server access logs (with --access-logs existing)",
		Rule: func(l *Location, v string) error {
			if err := validate.S3Bucket(v); err != nil {
				return err
			}
			if l.S3 != nil && v == l.S3.Bucket {
				return &validate.Error{Field: "access log bucket", Rule: "must differ from the bucket itself, or it would log its own log deliveries", Example: "acme-central-access-logs"}
			}
			return nil
		}},
		s3Str(func(s *S3) *string { return &s.AccessLogBucket })),

	// Azure — where.
	with(Setting[Location]{Path: "azure.container", Section: TypeAzure, Step: "where", Kind: KindText, Label: "Container", Word: "container",
		Help:    "The name of the container, e.g. call-recordings: 3 to 63 lowercase letters, digits and hyphens.",
		Example: "call-recordings", Flag: "container", Usage: "Azure container name",
		Required: always[Location],
		Rule:     func(_ *Location, v string) error { return validate.AzureContainer(v) }},
		azStr(func(a *Azure) *string { return &a.Container })),
	with(Setting[Location]{Path: "azure.connection_string", Section: TypeAzure, Step: "where", Kind: KindSecret, Label: "Connection string", Word: "connection string",
		Help:    "From the storage account's Access keys page, or one built with a SAS. It is stored only in the locations file (mode 0600) and never shown again.",
		Example: exampleConnString, Sensitivity: Secret, Env: "STOWAGE_CONNECTION_STRING",
		Required:     always[Location],
		RequiredRule: "is required; copy it from the storage account's Access keys page, or build one with a SAS",
		Rule: func(_ *Location, v string) error {
			_, err := validate.ParseConnectionString(v)
			return err
		}},
		azStr(func(a *Azure) *string { return &a.ConnectionString })),
	with(Setting[Location]{Path: "azure.prefix", Section: TypeAzure, Step: "where", Kind: KindText, Label: "Prefix", Word: "prefix",
		Help:    "The folder inside the container that exports go under, e.g. recordings/. Leave empty for the container root.",
		Example: "recordings/", Flag: "prefix", Rule: checkPrefix, Normalize: validate.NormalizePrefix},
		azStr(func(a *Azure) *string { return &a.Prefix })),
	with(Setting[Location]{Path: "azure.read_back", Section: TypeAzure, Step: "where", Kind: KindBool, Label: "Read back", Word: "read back",
		Help:    "Allow Stowage to read blobs back to verify uploads and to download them (SAS permission r).",
		Example: "true", Options: boolOptions, Default: "false", Flag: "read-back"},
		azBool(func(a *Azure) *bool { return &a.ReadBack })),
	with(Setting[Location]{Path: "azure.delete", Section: TypeAzure, Step: "where", Kind: KindBool, Label: "Delete", Word: "delete",
		Help:    "Allow Stowage to delete blobs, for downloads with --delete-after (SAS permission d). Needs read back too.",
		Example: "true", Options: boolOptions, Default: "false", Flag: "delete"},
		azBool(func(a *Azure) *bool { return &a.Delete })),
	with(Setting[Location]{Path: "azure.sas_expiry_days", Section: TypeAzure, Step: "where", Kind: KindNumber, Label: "SAS lifetime (days)", Word: "SAS expiry days",
		Help:    "How long the SAS that the generated Azure CLI commands create stays valid, e.g. 365. 0 leaves it out.",
		Example: "365", Default: "0", Offline: true, Flag: "sas-expiry-days", Usage: "lifetime in days of the SAS token Stowage suggests",
		Rule: days[Location]("SAS expiry days", "365"), Normalize: strings.TrimSpace},
		number(azureOf, hasAzure, func(a *Azure) *int { return &a.SASExpiryDays })),

	// Local — where.
	with(Setting[Location]{Path: "local.path", Section: TypeLocal, Step: "where", Kind: KindText, Label: "Folder", Word: "folder",
		Help:    "An absolute folder on this machine or a mounted share, e.g. /mnt/nas/recordings; ~ is your home folder.",
		Example: "/mnt/nas/recordings", Flag: "path", Usage: "local or NAS folder",
		Required: always[Location],
		Rule:     func(_ *Location, v string) error { return validate.LocalPath(v) }},
		str(localOf, hasLocal, func(c *Local) *string { return &c.Path })),

	// S3 — access.
	with(Setting[Location]{Path: "s3.role_arn", Section: TypeS3, Step: "access", Kind: KindText, Label: "Role ARN", Word: "role ARN",
		Help:    "The ARN of the role in your AWS account that Stowage assumes: arn:aws:iam::<account number>:role/<role name>, e.g. arn:aws:iam::123456789012:role/StowageExport.",
		Example: exampleRoleARN, Sensitivity: Identifier, When: authIs(AuthRole), Required: authIs(AuthRole),
		RequiredRule: "is required when auth is role",
		Flag:         "role-arn", Usage: "ARN of the role Stowage assumes, e.g. arn:aws:iam::123456789012:role/stowage-export",
		Rule: func(_ *Location, v string) error { return validate.RoleARN(v) }},
		s3Str(func(s *S3) *string { return &s.RoleARN })),
	with(Setting[Location]{Path: "s3.external_id", Section: TypeS3, Step: "access", Kind: KindText, Label: "External ID", Word: "external ID",
		Help:    "Generated by Stowage for this location; you never type it. Configure your role's trust policy to use it in the sts:ExternalId condition (the next step shows the whole trust policy). The connection will not work until you complete this step.",
		Example: exampleExternalID, Sensitivity: Identifier, Generated: true, When: authIs(AuthRole), Required: authIs(AuthRole),
		RequiredRule: "is required when auth is role; Stowage generates one for each location",
		Rule:         func(_ *Location, v string) error { return validate.ExternalID(v) }},
		s3Str(func(s *S3) *string { return &s.ExternalID })),
	with(Setting[Location]{Path: "s3.pending_external_id", Section: TypeS3, Step: "access", Kind: KindText, Label: "New external ID (pending)", Word: "pending external ID",
		Help:    "Generated to replace the external ID above. Configure your role's trust policy to use the new external ID, then confirm; until then the current one stays in force.",
		Example: exampleExternalID, Sensitivity: Identifier, Generated: true, When: authIs(AuthRole),
		Rule: func(l *Location, v string) error {
			if err := validate.ExternalID(v); err != nil {
				return err
			}
			if l.S3 != nil && v == l.S3.ExternalID {
				return &validate.Error{Field: "pending external ID", Rule: "must differ from external_id; cancel the rotation or generate a new ID"}
			}
			return nil
		}},
		s3Str(func(s *S3) *string { return &s.PendingExternalID })),
	with(Setting[Location]{Path: "s3.access_key_id", Section: TypeS3, Step: "access", Kind: KindText, Label: "Access key ID", Word: "access key ID",
		Help:    "The access key ID of the IAM user whose policy grants this location's permissions, e.g. AKIAIOSFODNN7EXAMPLE.",
		Example: "AKIAIOSFODNN7EXAMPLE", Sensitivity: Identifier, When: authIs(AuthKeys), Required: authIs(AuthKeys),
		RequiredRule: "is required when auth is keys",
		Flag:         "access-key-id", Usage: "access key ID of the IAM user (keys mode)",
		Rule: func(l *Location, v string) error { return validate.AccessKeyID(v, customEndpoint(l)) }},
		s3Str(func(s *S3) *string { return &s.AccessKeyID })),
	with(Setting[Location]{Path: "s3.secret_access_key", Section: TypeS3, Step: "access", Kind: KindSecret, Label: "Secret access key", Word: "secret access key",
		Help:    "The secret access key shown once when the key was created. It is stored only in the locations file (mode 0600) and never shown again.",
		Example: "<40 characters of letters, digits, / and +>", Sensitivity: Secret, Input: InputSecret,
		When: authIs(AuthKeys), Required: authIs(AuthKeys), RequiredRule: "is required when auth is keys",
		Env:  "STOWAGE_SECRET_ACCESS_KEY",
		Rule: func(l *Location, v string) error { return validate.SecretAccessKey(v, customEndpoint(l)) }},
		s3Str(func(s *S3) *string { return &s.SecretAccessKey })),
	with(Setting[Location]{Path: "s3.user_arn", Section: TypeS3, Step: "access", Kind: KindText, Label: "IAM user ARN (optional)", Word: "user ARN",
		Help:    "The ARN of the IAM user that owns the keys, e.g. arn:aws:iam::123456789012:user/stowage-export. With it, Stowage also writes a bucket policy naming this user.",
		Example: "arn:aws:iam::123456789012:user/stowage-export", Sensitivity: Identifier, When: authIs(AuthKeys), Offline: true,
		Flag: "user-arn", Usage: "ARN of that IAM user, for the bucket policy (keys mode)",
		Rule: func(_ *Location, v string) error { return validate.UserARN(v) }},
		s3Str(func(s *S3) *string { return &s.UserARN })),
	// auth is chosen through the type in the wizard and by --type; the
	// setting stands for the "auth:" key of the file.
	with(Setting[Location]{Path: "s3.auth", Section: TypeS3, Step: "type", Kind: KindSelect, Label: "Credentials", Word: "auth",
		Help:    "How Stowage gets AWS credentials: role (assume your role with the external ID), keys (an IAM user's access key) or default (the credential chain of Stowage's environment).",
		Example: string(AuthRole), Options: authOptions, Default: string(AuthRole),
		Required: always[Location], RequiredRule: fmt.Sprintf("is required: one of %s, %s or %s", AuthRole, AuthKeys, AuthDefault),
		Rule: oneOf[Location]("auth", "an auth mode", string(AuthRole), authOptions, false)},
		s3Str(func(s *S3) *string { return (*string)(&s.Auth) })),
}

const (
	exampleRoleARN    = "arn:aws:iam::123456789012:role/StowageExport"
	exampleKMSKeyARN  = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	exampleTemplate   = "https://stowage-templates.s3.amazonaws.com/stowage-role.yaml"
	exampleExternalID = "n3xkw7qz5bp2yrfmt4hc6dvaj2slge5o"
)

// Session duration bounds of sts:AssumeRole; the upper one also needs the
// role's MaxSessionDuration raised, which the generated template does.
const (
	MinSessionDuration     = 15 * time.Minute
	MaxSessionDuration     = 12 * time.Hour
	DefaultSessionDuration = time.Hour
)

// PlatformSettings are the settings of the exporting side, set with
// `stowage platform`. The principal ARNs are a list: Get and Set use one
// ARN per line, and Rule checks one ARN.
var PlatformSettings = []Setting[Platform]{
	{Path: "platform.principal_arns", ID: "principal_arns", Kind: KindList, Label: "Trusted principals", Word: "principal ARN",
		Help:    "The principals every trust policy names: a primary and, optionally, a secondary.",
		Example: "arn:aws:iam::111122223333:root", Sensitivity: Identifier,
		Flag: "principal-arn", Usage: "principal ARN the trust policies name (repeat for a secondary)",
		Get: func(p *Platform) string { return strings.Join(p.PrincipalARNs, "\n") },
		Set: func(p *Platform, v string) {
			p.PrincipalARNs = nil
			for _, a := range strings.Split(v, "\n") {
				if a = strings.TrimSpace(a); a != "" {
					p.PrincipalARNs = append(p.PrincipalARNs, a)
				}
			}
		},
		Rule: func(_ *Platform, v string) error { return validate.PrincipalARN(v) }},
	{Path: "platform.aws_profile", ID: "aws_profile", Kind: KindText, Label: "AWS profile", Word: "AWS profile",
		Help: "The shared-config profile whose credentials call sts:AssumeRole.", Example: "exporter",
		Flag: "aws-profile", Usage: "shared-config profile of the base credentials",
		Get: func(p *Platform) string { return p.AWSProfile },
		Set: func(p *Platform, v string) { p.AWSProfile = v }},
	{Path: "platform.session_duration", ID: "session_duration", Kind: KindText, Label: "Session duration", Word: "session duration",
		Help: "How long an assumed-role session lasts, 15m to 12h; empty is 1h.", Example: "1h",
		Flag: "session-duration", Usage: "assumed-role session length, 15m to 12h (default 1h)",
		Get: func(p *Platform) string {
			if p.SessionDuration == 0 {
				return ""
			}
			return p.SessionDuration.String()
		},
		Set: func(p *Platform, v string) { p.SessionDuration, _ = time.ParseDuration(v) },
		Rule: func(_ *Platform, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return &validate.Error{Field: "session duration", Rule: fmt.Sprintf("must be a duration such as 1h or 90m (got %q)", v), Example: "1h"}
			}
			if d != 0 && (d < MinSessionDuration || d > MaxSessionDuration) {
				return &validate.Error{Field: "session duration", Rule: fmt.Sprintf("must be between 15m and 12h, or left out for 1h (got %s)", d), Example: "1h"}
			}
			return nil
		}},
	{Path: "platform.template_url", ID: "template_url", Kind: KindText, Label: "Template URL", Word: "template URL",
		Help: "Where the CloudFormation template is published, for the console quick-create link.", Example: exampleTemplate,
		Flag: "template-url", Usage: "where the CloudFormation template is published (for the quick-create link)",
		Get: func(p *Platform) string { return p.TemplateURL },
		Set: func(p *Platform, v string) { p.TemplateURL = v },
		Rule: func(_ *Platform, v string) error {
			u, err := url.Parse(v)
			if err != nil || u.Scheme != "https" || u.Host == "" {
				return &validate.Error{Field: "template URL", Rule: "must be an https:// URL of the published CloudFormation template", Example: exampleTemplate}
			}
			return nil
		}},
}

// PlatformSetting finds a platform setting by path ("platform.aws_profile").
func PlatformSetting(path string) (*Setting[Platform], bool) {
	for i := range PlatformSettings {
		if PlatformSettings[i].Path == path {
			return &PlatformSettings[i], true
		}
	}
	return nil, false
}
