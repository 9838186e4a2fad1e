package wizard

import (
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// FieldKind says how a field is entered.
type FieldKind string

const (
	KindText   FieldKind = "text"
	KindSecret FieldKind = "secret"
	KindSelect FieldKind = "select"
	KindBool   FieldKind = "bool"
	KindNumber FieldKind = "number"
)

// Option is one choice of a select field.
type Option struct {
	Value string
	Label string
	// Help says when to pick this option, in one line.
	Help string
}

// Field is one input of a step, filled in from the draft.
type Field struct {
	// ID is the field's key in the locations file without its section
	// ("bucket", "role_arn", "connection_string"), which is also what a
	// failed connection check names in providers.Check.Field.
	ID    string
	Label string
	Help  string
	Kind  FieldKind
	// Options of a select field. A region field with a custom endpoint is
	// a text field whose Options are suggestions.
	Options []Option
	// Value is the raw value as typed, even when invalid. Secret values are
	// here too, for the input widget; render with DisplayValue.
	Value    string
	Err      error
	Warnings []string
	Visible  bool
	Required bool
	// ReadOnly fields are shown, not typed: the generated external ID.
	ReadOnly bool
	// Advanced fields may be folded away until asked for; a field with an
	// error or a non-default value should be shown unfolded.
	Advanced bool
}

// Internal keys of the draft values: the YAML path in the locations file.
const (
	pathName      = "name"
	pathType      = "type"
	pathAuth      = "s3.auth"
	pathBucket    = "s3.bucket"
	pathRegion    = "s3.region"
	pathEndpoint  = "s3.endpoint"
	pathExtID     = "s3.external_id"
	pathPendingID = "s3.pending_external_id"
	pathRoleARN   = "s3.role_arn"
	pathKeyID     = "s3.access_key_id"
	pathSecret    = "s3.secret_access_key"
	pathEncrypt   = "s3.encryption"
	pathConnStr   = "azure.connection_string"
)

// Choices of the Type step: one storage type and, for S3, its auth mode.
const (
	ChoiceS3Role    = "s3-role"
	ChoiceS3Keys    = "s3-keys"
	ChoiceS3Default = "s3-default"
	ChoiceAzure     = string(config.TypeAzure)
	ChoiceLocal     = string(config.TypeLocal)
)

// TypeOptions are the storage choices, each with when to pick it.
var TypeOptions = []Option{
	{ChoiceS3Role, "Amazon S3 — IAM role (recommended)", "Pick this when the bucket is in your AWS account and you can create an IAM role: no keys are shared, Stowage assumes the role with an external ID."},
	{ChoiceS3Keys, "Amazon S3 — access keys", "Pick this when you cannot create a cross-account role and will give Stowage the access key of an IAM user limited to this bucket."},
	{ChoiceS3Default, "S3 — default credentials", "Pick this when credentials are already in Stowage's environment (a profile, an instance role, or keys for an S3-compatible store such as MinIO) and should be used as they are."},
	{ChoiceAzure, "Azure Blob Storage", "Pick this when recordings go to a container in an Azure storage account; you need the container name and a connection string."},
	{ChoiceLocal, "Local or NAS folder", "Pick this when recordings go to a folder on this machine or a mounted network share."},
}

// fieldDef describes one field; Fields turns it into a Field for the
// current draft.
type fieldDef struct {
	id, path string
	step     Step
	// section is the location type the field belongs to; "" for all.
	section  config.Type
	kind     FieldKind
	label    string
	help     string
	readOnly bool
	// def is the value of a new draft.
	def string
	// advanced reports whether the field is folded away for this draft.
	advanced func(w *Wizard) bool
	// visible reports whether the field applies to this draft; nil means it
	// always does within its section.
	visible  func(w *Wizard) bool
	required func(w *Wizard) bool
	options  func(w *Wizard) []Option
	// check validates a non-empty value (or an empty one of a required
	// field); nil accepts anything.
	check func(w *Wizard, v string) error
	warn  func(w *Wizard, v string) []string
	// normalize rewrites a valid value into its stored form.
	normalize func(v string) string
	// offline fields do not change how Stowage connects, so editing them
	// keeps the last connection test.
	offline bool
}

func always(*Wizard) bool { return true }

func authIs(m config.AuthMode) func(w *Wizard) bool {
	return func(w *Wizard) bool { return config.AuthMode(w.get(pathAuth)) == m }
}

func custom(w *Wizard) bool { return w.get(pathEndpoint) != "" }

// awsAdvanced folds the S3-compatible settings away unless the draft uses
// the default chain, the choice for such stores, or already has an endpoint.
func awsAdvanced(w *Wizard) bool { return !authIs(config.AuthDefault)(w) && !custom(w) }

func isAdvanced(*Wizard) bool { return true }

var boolOptions = []Option{{"false", "No", ""}, {"true", "Yes", ""}}

// defs lists every field in display order.
var defs = []fieldDef{
	{id: "name", path: pathName, step: StepName, kind: KindText, label: "Name",
		help:     "Identifies the location in Stowage, e.g. acme-recordings. It can differ from the bucket name.",
		required: always, offline: true,
		check: func(w *Wizard, v string) error { return w.checkName(v) }},

	{id: "type", path: pathType, step: StepType, kind: KindSelect, label: "Type",
		help:     "What kind of storage the location is, and for Amazon S3 how Stowage gets in.",
		required: always,
		options:  func(*Wizard) []Option { return TypeOptions }},

	// S3 — where.
	{id: "endpoint", path: pathEndpoint, step: StepWhere, section: config.TypeS3, kind: KindText, label: "Endpoint",
		help:     "Only for S3-compatible stores (MinIO, Ceph, Wasabi, R2): the endpoint URL, e.g. https://s3.example.com:9000. Leave empty for Amazon S3.",
		advanced: awsAdvanced,
		check:    func(_ *Wizard, v string) error { return validate.Endpoint(v) }},
	{id: "bucket", path: pathBucket, step: StepWhere, section: config.TypeS3, kind: KindText, label: "Bucket",
		help:     "The name of the S3 bucket, e.g. acme-call-recordings. It is case-sensitive.",
		required: always,
		check:    func(_ *Wizard, v string) error { return validate.S3Bucket(v) },
		warn:     func(_ *Wizard, v string) []string { return validate.S3BucketWarnings(v) }},
	{id: "region", path: pathRegion, step: StepWhere, section: config.TypeS3, kind: KindSelect, label: "Region",
		help:     "The region the bucket is in, e.g. eu-west-1. The connection test detects it if this is wrong.",
		required: always, options: regionOptions,
		check: func(w *Wizard, v string) error { return validate.Region(v, custom(w)) }},
	{id: "prefix", path: "s3.prefix", step: StepWhere, section: config.TypeS3, kind: KindText, label: "Prefix",
		help:  "The folder inside the bucket that exports go under, e.g. recordings/. Leave empty for the bucket root.",
		check: checkPrefix, normalize: validate.NormalizePrefix},
	{id: "path_style", path: "s3.path_style", step: StepWhere, section: config.TypeS3, kind: KindBool, label: "Path-style addressing",
		help:     "Address the bucket as https://host/bucket rather than https://bucket.host. Most S3-compatible stores need this; Amazon S3 does not.",
		advanced: awsAdvanced, visible: custom, def: "false", options: func(*Wizard) []Option { return boolOptions }},
	{id: "ca_bundle", path: "s3.ca_bundle", step: StepWhere, section: config.TypeS3, kind: KindText, label: "CA bundle",
		help:     "A PEM file of certificate authorities to trust besides the system ones, for a store with a private CA, e.g. /etc/ssl/minio-ca.pem.",
		advanced: awsAdvanced, visible: custom, check: checkCABundle},
	{id: "checksum_mode", path: "s3.checksum_mode", step: StepWhere, section: config.TypeS3, kind: KindSelect, label: "Checksum mode",
		help:     "When to send upload checksums. Automatic sends them to Amazon S3 and only when required to other stores, many of which reject them.",
		advanced: isAdvanced,
		options: func(*Wizard) []Option {
			return []Option{
				{"", "Automatic", "Pick this unless uploads fail with a checksum or header error."},
				{config.ChecksumWhenSupported, "When supported", "Always send checksums; Amazon S3 verifies them."},
				{config.ChecksumWhenRequired, "When required", "Only send checksums the operation requires; for stores that reject the SDK's checksum trailers."},
			}
		},
		check: oneOf("checksum mode", "", config.ChecksumWhenSupported, config.ChecksumWhenRequired)},
	{id: "encryption", path: pathEncrypt, step: StepWhere, section: config.TypeS3, kind: KindSelect, label: "Encryption",
		help:     "Server-side encryption requested on every upload.",
		advanced: isAdvanced, def: string(config.EncryptionNone),
		options: func(*Wizard) []Option {
			return []Option{
				{string(config.EncryptionNone), "None requested", "The bucket's default encryption applies (Amazon S3 encrypts new objects with S3-managed keys by default)."},
				{string(config.EncryptionSSES3), "SSE-S3", "Ask for S3-managed keys (AES256) explicitly."},
				{string(config.EncryptionSSEKMS), "SSE-KMS", "Encrypt with your own KMS key; the policies then include the KMS permissions."},
			}
		},
		check: oneOf("encryption", string(config.EncryptionSSES3), string(config.EncryptionNone), string(config.EncryptionSSES3), string(config.EncryptionSSEKMS))},
	{id: "kms_key_arn", path: "s3.kms_key_arn", step: StepWhere, section: config.TypeS3, kind: KindText, label: "KMS key ARN",
		help:     "The ARN of the KMS key, from KMS → Customer managed keys → <key> → General configuration, e.g. arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab.",
		advanced: isAdvanced, visible: kmsOn, required: kmsOn,
		check: func(_ *Wizard, v string) error { return validate.KMSKeyARN(v) }},
	{id: "bucket_owner_full_control", path: "s3.bucket_owner_full_control", step: StepWhere, section: config.TypeS3, kind: KindBool, label: "Bucket owner full control",
		help:     "Send the bucket-owner-full-control ACL with every upload, and require it in the policy, so the bucket owner owns the recordings even if the writer is another account.",
		advanced: isAdvanced, def: "false", options: func(*Wizard) []Option { return boolOptions }},
	{id: "read_back", path: "s3.read_back", step: StepWhere, section: config.TypeS3, kind: KindBool, label: "Read back",
		help:     "Allow Stowage to read objects back (s3:GetObject) to verify uploads and to download them.",
		advanced: isAdvanced, def: "false", options: func(*Wizard) []Option { return boolOptions }},
	{id: "delete", path: "s3.delete", step: StepWhere, section: config.TypeS3, kind: KindBool, label: "Delete",
		help:     "Allow Stowage to delete objects (s3:DeleteObject), for downloads with --delete-after. Needs read back too.",
		advanced: isAdvanced, def: "false", options: func(*Wizard) []Option { return boolOptions },
		warn: deleteWarning("s3.read_back")},
	{id: "expiry_days", path: "s3.expiry_days", step: StepWhere, section: config.TypeS3, kind: KindNumber, label: "Expire after (days)",
		help:     "Delete exported objects this many days after upload with a lifecycle rule, e.g. 30. 0 keeps them.",
		advanced: isAdvanced, def: "0", check: checkDays("expiry days", "30"), normalize: trimInt},

	// Azure — where.
	{id: "container", path: "azure.container", step: StepWhere, section: config.TypeAzure, kind: KindText, label: "Container",
		help:     "The name of the container, e.g. call-recordings: 3 to 63 lowercase letters, digits and hyphens.",
		required: always,
		check:    func(_ *Wizard, v string) error { return validate.AzureContainer(v) }},
	{id: "connection_string", path: pathConnStr, step: StepWhere, section: config.TypeAzure, kind: KindSecret, label: "Connection string",
		help:     "From the storage account's Access keys page, or one built with a SAS. It is stored only in the locations file (mode 0600) and never shown again.",
		required: always,
		check: func(_ *Wizard, v string) error {
			_, err := validate.ParseConnectionString(v)
			return err
		}},
	{id: "prefix", path: "azure.prefix", step: StepWhere, section: config.TypeAzure, kind: KindText, label: "Prefix",
		help:  "The folder inside the container that exports go under, e.g. recordings/. Leave empty for the container root.",
		check: checkPrefix, normalize: validate.NormalizePrefix},
	{id: "read_back", path: "azure.read_back", step: StepWhere, section: config.TypeAzure, kind: KindBool, label: "Read back",
		help:     "Allow Stowage to read blobs back to verify uploads and to download them (SAS permission r).",
		advanced: isAdvanced, def: "false", options: func(*Wizard) []Option { return boolOptions }},
	{id: "delete", path: "azure.delete", step: StepWhere, section: config.TypeAzure, kind: KindBool, label: "Delete",
		help:     "Allow Stowage to delete blobs, for downloads with --delete-after (SAS permission d). Needs read back too.",
		advanced: isAdvanced, def: "false", options: func(*Wizard) []Option { return boolOptions },
		warn: deleteWarning("azure.read_back")},
	{id: "sas_expiry_days", path: "azure.sas_expiry_days", step: StepWhere, section: config.TypeAzure, kind: KindNumber, label: "SAS lifetime (days)",
		help:     "How long the SAS that the generated Azure CLI commands create stays valid, e.g. 365. 0 leaves it out.",
		advanced: isAdvanced, def: "0", check: checkDays("SAS expiry days", "365"), normalize: trimInt, offline: true},

	// Local — where.
	{id: "path", path: "local.path", step: StepWhere, section: config.TypeLocal, kind: KindText, label: "Folder",
		help:     "An absolute folder on this machine or a mounted share, e.g. /mnt/nas/recordings; ~ is your home folder.",
		required: always,
		check:    func(_ *Wizard, v string) error { return validate.LocalPath(v) }},

	// S3 — access.
	{id: "role_arn", path: pathRoleARN, step: StepAccess, section: config.TypeS3, kind: KindText, label: "Role ARN",
		help:    "The ARN of the role in your AWS account that Stowage assumes: arn:aws:iam::<account number>:role/<role name>, e.g. arn:aws:iam::123456789012:role/StowageExport.",
		visible: authIs(config.AuthRole), required: authIs(config.AuthRole),
		check: func(_ *Wizard, v string) error { return validate.RoleARN(v) }},
	{id: "external_id", path: pathExtID, step: StepAccess, section: config.TypeS3, kind: KindText, label: "External ID",
		help:     "Generated by Stowage for this location; you never type it. Configure your role's trust policy to use it in the sts:ExternalId condition (the next step shows the whole trust policy). The connection will not work until you complete this step.",
		readOnly: true, visible: authIs(config.AuthRole), offline: false},
	{id: "pending_external_id", path: pathPendingID, step: StepAccess, section: config.TypeS3, kind: KindText, label: "New external ID (pending)",
		help:     "Generated to replace the external ID above. Configure your role's trust policy to use the new external ID, then confirm; until then the current one stays in force.",
		readOnly: true,
		visible:  func(w *Wizard) bool { return authIs(config.AuthRole)(w) && w.get(pathPendingID) != "" }},
	{id: "access_key_id", path: pathKeyID, step: StepAccess, section: config.TypeS3, kind: KindText, label: "Access key ID",
		help:    "The access key ID of the IAM user whose policy grants this location's permissions, e.g. AKIAIOSFODNN7EXAMPLE.",
		visible: authIs(config.AuthKeys), required: authIs(config.AuthKeys),
		check: func(w *Wizard, v string) error { return validate.AccessKeyID(v, custom(w)) }},
	{id: "secret_access_key", path: pathSecret, step: StepAccess, section: config.TypeS3, kind: KindSecret, label: "Secret access key",
		help:    "The secret access key shown once when the key was created. It is stored only in the locations file (mode 0600) and never shown again.",
		visible: authIs(config.AuthKeys), required: authIs(config.AuthKeys),
		check: func(w *Wizard, v string) error { return validate.SecretAccessKey(v, custom(w)) }},
	{id: "user_arn", path: "s3.user_arn", step: StepAccess, section: config.TypeS3, kind: KindText, label: "IAM user ARN (optional)",
		help:    "The ARN of the IAM user that owns the keys, e.g. arn:aws:iam::123456789012:user/stowage-export. With it, Stowage also writes a bucket policy naming this user.",
		visible: authIs(config.AuthKeys), offline: true,
		check: func(_ *Wizard, v string) error { return validate.UserARN(v) }},
	// auth is chosen through the type field; it has its own ID so that
	// flags and config paths ("s3.auth") can set it directly.
	{id: "auth", path: pathAuth, step: StepType, section: config.TypeS3, kind: KindSelect, label: "Credentials",
		help:    "How Stowage gets AWS credentials: role (assume your role with the external ID), keys (an IAM user's access key) or default (the credential chain of Stowage's environment).",
		visible: func(*Wizard) bool { return false }, def: string(config.AuthRole),
		options: func(*Wizard) []Option {
			return []Option{
				{string(config.AuthRole), "IAM role", ""},
				{string(config.AuthKeys), "Access keys", ""},
				{string(config.AuthDefault), "Default credential chain", ""},
			}
		},
		check: oneOf("auth", string(config.AuthRole), string(config.AuthRole), string(config.AuthKeys), string(config.AuthDefault))},
}

// policyFields are repeated on the Policies step, so the external ID sits
// next to the trust policy that needs it.
var policyFields = []string{"external_id", "pending_external_id"}

func kmsOn(w *Wizard) bool { return config.Encryption(w.get(pathEncrypt)) == config.EncryptionSSEKMS }

func regionOptions(*Wizard) []Option {
	rs := validate.Regions()
	out := make([]Option, len(rs))
	for i, r := range rs {
		out[i] = Option{Value: r.Code, Label: r.Code + " — " + r.Name}
	}
	return out
}

func checkPrefix(_ *Wizard, v string) error { return validate.Prefix(validate.NormalizePrefix(v)) }

func oneOf(field, example string, allowed ...string) func(*Wizard, string) error {
	return func(_ *Wizard, v string) error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		var shown []string
		for _, a := range allowed {
			if a != "" {
				shown = append(shown, a)
			}
		}
		return &validate.Error{Field: field, Rule: fmt.Sprintf("%q is not one of %s", v, strings.Join(shown, ", ")), Example: example}
	}
}

// maxDays caps day counts at a century: larger numbers are typos, and S3
// lifecycle rules refuse some of them.
const maxDays = 36500

func checkDays(field, example string) func(*Wizard, string) error {
	return func(_ *Wizard, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return &validate.Error{Field: field, Rule: fmt.Sprintf("must be a whole number of days (got %q)", v), Example: example}
		}
		if n < 0 || n > maxDays {
			return &validate.Error{Field: field, Rule: fmt.Sprintf("must be between 0 (never) and %d days (got %d)", maxDays, n), Example: example}
		}
		return nil
	}
}

func trimInt(v string) string { return strings.TrimSpace(v) }

// checkCABundle reads the file because a typo in a CA path otherwise only
// shows up as a TLS error in the connection test.
func checkCABundle(_ *Wizard, v string) error {
	const field, example = "CA bundle", "/etc/ssl/certs/minio-ca.pem"
	if err := validate.LocalPath(v); err != nil {
		var ve *validate.Error
		if errors.As(err, &ve) {
			return &validate.Error{Field: field, Rule: ve.Rule, Example: ve.Example}
		}
		return err
	}
	p, err := validate.ExpandHome(v)
	if err != nil {
		return &validate.Error{Field: field, Rule: err.Error(), Example: example}
	}
	data, err := os.ReadFile(p)
	if err != nil {
		rule := "cannot be read; check the path and its permissions"
		if errors.Is(err, os.ErrNotExist) {
			rule = "does not exist"
		}
		return &validate.Error{Field: field, Rule: fmt.Sprintf("%s (%s)", rule, p), Example: example}
	}
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return &validate.Error{Field: field, Rule: "has no PEM certificate (-----BEGIN CERTIFICATE-----); point it at the CA's certificate file", Example: example}
		}
		if b.Type == "CERTIFICATE" {
			return nil
		}
	}
}

func deleteWarning(readBack string) func(*Wizard, string) []string {
	return func(w *Wizard, v string) []string {
		if v == "true" && w.get(readBack) != "true" {
			return []string{"delete is allowed without read back; downloads with --delete-after also need read back"}
		}
		return nil
	}
}

// parseBool accepts the spellings people type on a command line.
func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "y", "on", "1":
		return true, true
	case "false", "no", "n", "off", "0", "":
		return false, true
	}
	return false, false
}

// sectionOf strips a section from a field reference, so "s3.bucket" (a
// config.FieldError field) and "bucket" (a providers.Check field) both work.
func sectionOf(ref string) (config.Type, string) {
	for _, s := range []struct {
		p string
		t config.Type
	}{{"s3.", config.TypeS3}, {"azure.", config.TypeAzure}, {"local.", config.TypeLocal}} {
		if id, ok := strings.CutPrefix(ref, s.p); ok {
			return s.t, id
		}
	}
	return "", ref
}

// def finds the definition of the field ref for the current draft. A field
// of another type's section is found too when its ID is unique (bucket,
// container), so values can be set in any order; shared IDs (prefix,
// read_back, delete) follow the draft's type.
func (w *Wizard) def(ref string) (*fieldDef, error) {
	section, id := sectionOf(ref)
	if section == "" {
		section = config.Type(w.get(pathType))
	}
	var matches []*fieldDef
	for i := range defs {
		d := &defs[i]
		if d.id != id {
			continue
		}
		if d.section == "" || d.section == section {
			return d, nil
		}
		matches = append(matches, d)
	}
	switch len(matches) {
	case 0:
		return nil, fmt.Errorf("%w %q; known fields are %s", ErrUnknownField, ref, strings.Join(FieldIDs(), ", "))
	case 1:
		return matches[0], nil
	}
	return nil, fmt.Errorf("%w: field %q belongs to more than one storage type; pick the type first", ErrNotApplicable, ref)
}

// FieldIDs lists every field ID once, in display order.
func FieldIDs() []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range defs {
		if !seen[d.id] {
			seen[d.id] = true
			out = append(out, d.id)
		}
	}
	return out
}

// inDraft reports whether d belongs to the draft's type.
func (w *Wizard) inDraft(d *fieldDef) bool {
	return d.section == "" || d.section == config.Type(w.get(pathType))
}

func (w *Wizard) visible(d *fieldDef) bool {
	return w.inDraft(d) && (d.visible == nil || d.visible(w))
}

func (w *Wizard) required(d *fieldDef) bool {
	return d.required != nil && d.required(w)
}

// Fields returns the fields of step for the current draft, in display
// order. Fields of the draft's type that its mode hides (the role ARN in
// access keys mode, the KMS key without SSE-KMS) are included with Visible
// false; fields of other storage types are left out.
func (w *Wizard) Fields(step Step) []Field {
	var out []Field
	for i := range defs {
		d := &defs[i]
		if !w.inDraft(d) {
			continue
		}
		if d.step == step || (step == StepPolicies && containsID(policyFields, d.id)) {
			out = append(out, w.field(d))
		}
	}
	if step == StepType {
		// The type field shows the combined choice, not the bare type.
		for i := range out {
			if out[i].ID == "type" {
				out[i].Value = w.choice()
			}
		}
	}
	return out
}

// Field returns the field ref for the current draft, wherever it is shown.
func (w *Wizard) Field(ref string) (Field, error) {
	d, err := w.def(ref)
	if err != nil {
		return Field{}, err
	}
	f := w.field(d)
	if d.id == "type" {
		f.Value = w.choice()
	}
	return f, nil
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func (w *Wizard) field(d *fieldDef) Field {
	v := w.get(d.path)
	f := Field{
		ID: d.id, Label: d.label, Help: d.help, Kind: d.kind,
		Value: v, Err: w.errs[d.path],
		Visible: w.visible(d), Required: w.required(d),
		ReadOnly: d.readOnly,
	}
	if d.advanced != nil {
		f.Advanced = d.advanced(w)
	}
	if d.options != nil {
		f.Options = d.options(w)
	}
	if d.id == "region" && custom(w) {
		// S3-compatible stores name their own regions; the list becomes
		// suggestions.
		f.Kind = KindText
	}
	if d.warn != nil && v != "" && f.Err == nil {
		f.Warnings = d.warn(w, v)
	}
	if !f.Visible {
		f.Err = nil
	}
	return f
}
