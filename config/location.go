// Package config holds the locations file: many named export destinations plus
// the platform settings of the side that assumes customer roles.
package config

import "time"

// CurrentVersion is the locations file format this build reads and writes.
const CurrentVersion = 1

// Type is the kind of storage a location points at.
type Type string

const (
	TypeS3    Type = "s3"
	TypeAzure Type = "azure-blob"
	TypeLocal Type = "local"
)

// AuthMode says how Stowage gets credentials for an S3 location.
type AuthMode string

const (
	// AuthRole assumes the customer's role with the generated external ID.
	AuthRole AuthMode = "role"
	// AuthKeys uses the static access keys of the customer's IAM user.
	AuthKeys AuthMode = "keys"
	// AuthDefault uses the ambient AWS credential chain as it is.
	AuthDefault AuthMode = "default"
)

// Encryption is the server-side encryption requested on every upload.
type Encryption string

const (
	EncryptionNone   Encryption = "none"
	EncryptionSSES3  Encryption = "sse-s3"
	EncryptionSSEKMS Encryption = "sse-kms"
)

// Checksum modes for S3 requests; many S3-compatible stores reject the SDK's
// default CRC32 trailers, so "when_required" is offered for them.
const (
	ChecksumWhenSupported = "when_supported"
	ChecksumWhenRequired  = "when_required"
)

// File is the whole locations file.
type File struct {
	Version   int        `yaml:"version"`
	Platform  Platform   `yaml:"platform"`
	Locations []Location `yaml:"locations"`

	// Source says where the file was loaded from; it is not part of the file.
	Source Source `yaml:"-"`
}

// Platform describes the side that exports: whose principal customers trust,
// and where its own base credentials come from.
type Platform struct {
	// PrincipalARNs are trusted in every trust policy (primary, secondary, ...).
	PrincipalARNs []string `yaml:"principal_arns,omitempty"`
	// AWSProfile names the shared-config profile for base credentials.
	AWSProfile string `yaml:"aws_profile,omitempty"`
	// SessionDuration of assumed-role sessions; zero means one hour.
	SessionDuration time.Duration `yaml:"session_duration,omitempty"`
	// TemplateURL is where the CloudFormation template is published, for the
	// console quick-create link.
	TemplateURL string `yaml:"template_url,omitempty"`
}

// Location is one named export destination.
type Location struct {
	// Name identifies the location in Stowage; it may differ from the bucket.
	Name string `yaml:"name"`
	// ID is the location's stable identity: random, generated once (see
	// NewLocationID) and kept across renames. Journals and manifests are
	// named after it, so a rename keeps them. It is not a setting: nobody
	// types it. Save gives a location without one (an older file) its ID.
	ID    string `yaml:"id,omitempty"`
	Type  Type   `yaml:"type"`
	S3    *S3    `yaml:"s3,omitempty"`
	Azure *Azure `yaml:"azure,omitempty"`
	Local *Local `yaml:"local,omitempty"`
	// CreatedAt and UpdatedAt are set by the store on save.
	CreatedAt time.Time   `yaml:"created_at,omitempty"`
	UpdatedAt time.Time   `yaml:"updated_at,omitempty"`
	LastTest  *TestResult `yaml:"last_test,omitempty"`
}

// S3 holds the settings of an Amazon S3 (or S3-compatible) location.
type S3 struct {
	Bucket string `yaml:"bucket"`
	Region string `yaml:"region"`
	// Prefix is prepended to every key; empty or ending in "/".
	Prefix string `yaml:"prefix,omitempty"`

	// Endpoint is a custom endpoint URL for S3-compatible stores.
	Endpoint     string `yaml:"endpoint,omitempty"`
	PathStyle    bool   `yaml:"path_style,omitempty"`
	ChecksumMode string `yaml:"checksum_mode,omitempty"`
	// CABundle is a PEM file trusted in addition to the system roots.
	CABundle string `yaml:"ca_bundle,omitempty"`

	Auth AuthMode `yaml:"auth"`
	// RoleARN and ExternalID are used in role mode. ExternalID is the one in
	// force; PendingExternalID is a rotated one waiting for the customer to
	// confirm the trust policy holds it.
	RoleARN           string `yaml:"role_arn,omitempty"`
	ExternalID        string `yaml:"external_id,omitempty"`
	PendingExternalID string `yaml:"pending_external_id,omitempty"`
	// AccessKeyID and SecretAccessKey are used in keys mode.
	AccessKeyID     string `yaml:"access_key_id,omitempty"`
	SecretAccessKey string `yaml:"secret_access_key,omitempty"`
	// UserARN is the customer's IAM user, for the bucket policy in keys mode.
	UserARN string `yaml:"user_arn,omitempty"`

	Encryption Encryption `yaml:"encryption,omitempty"`
	KMSKeyARN  string     `yaml:"kms_key_arn,omitempty"`
	// BucketOwnerFullControl sends the bucket-owner-full-control ACL.
	BucketOwnerFullControl bool `yaml:"bucket_owner_full_control,omitempty"`
	// ReadBack grants s3:GetObject (verify, download).
	ReadBack bool `yaml:"read_back,omitempty"`
	// Delete grants s3:DeleteObject (download --delete-after).
	Delete bool `yaml:"delete,omitempty"`
	// ManageUploads grants s3:ListBucketMultipartUploads and
	// s3:AbortMultipartUpload, so exports abort the uploads they abandon
	// and `stowage uploads --abort` works.
	ManageUploads bool `yaml:"manage_uploads,omitempty"`
	// ExpiryDays is the lifecycle expiry of exported objects; 0 is none.
	ExpiryDays int `yaml:"expiry_days,omitempty"`
	// Versioning of the bucket the CloudFormation/Terraform create; nil is
	// on (the default a security review expects).
	Versioning *bool `yaml:"versioning,omitempty"`
	// AccessLogs says where the templates send the bucket's server access
	// logs: "" or "create" (a log bucket they create), "existing"
	// (AccessLogBucket) or "off".
	AccessLogs      string `yaml:"access_logs,omitempty"`
	AccessLogBucket string `yaml:"access_log_bucket,omitempty"`
}

// Azure holds the settings of an Azure Blob location.
type Azure struct {
	Container        string `yaml:"container"`
	ConnectionString string `yaml:"connection_string"`
	Prefix           string `yaml:"prefix,omitempty"`
	ReadBack         bool   `yaml:"read_back,omitempty"`
	Delete           bool   `yaml:"delete,omitempty"`
	// SASExpiryDays is the lifetime of SAS tokens Stowage suggests.
	SASExpiryDays int `yaml:"sas_expiry_days,omitempty"`
}

// Local holds the settings of a local or NAS folder location.
type Local struct {
	Path string `yaml:"path"`
}

// TestResult is the outcome of the last connection test.
type TestResult struct {
	At      time.Time `yaml:"at"`
	OK      bool      `yaml:"ok"`
	Summary string    `yaml:"summary,omitempty"`
}
