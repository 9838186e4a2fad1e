package wizard

import (
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// FieldKind says how a field is entered; the kinds are config's.
type FieldKind = config.Kind

const (
	KindText   = config.KindText
	KindSecret = config.KindSecret
	KindSelect = config.KindSelect
	KindBool   = config.KindBool
	KindNumber = config.KindNumber
)

// Option is one choice of a select field.
type Option = config.Option

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
	// Example is a valid value, for prompts and errors.
	Example string
	// Sensitivity of the value, from config.LocationSettings; render with
	// DisplayValue, which masks by it.
	Sensitivity config.Sensitivity
	// Masked is set on a saved identifier in screen-share mode: an input
	// starts empty with DisplayValue as its placeholder, and typing
	// replaces the value, so focusing the field does not reveal it.
	Masked bool
	// MaskTyping is set on an identifier in screen-share mode: its input
	// echoes TypingValue, never what is typed, so the identifier is not
	// shown in full while typed, on coming back to it, or ever.
	MaskTyping bool
	// Detect offers to ask the bucket for the value (DetectOption, and
	// ctrl+d on the screens): the region.
	Detect bool
	// Filter marks a long list that is narrowed by typing: the regions.
	Filter bool
	// DetectPrincipal offers to ask Stowage's own AWS credentials who
	// they are (sts:GetCallerIdentity, ctrl+d on the screens): the
	// platform principal.
	DetectPrincipal bool
	// OptionHelp shows each option's Help with it: the storage types.
	OptionHelp bool
	// Default reports that the value is what a new draft holds, so an
	// Advanced field with it may stay folded.
	Default bool
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
	{Value: ChoiceS3Role, Label: "Amazon S3 — IAM role (recommended)", Help: "Pick this when the bucket is in your AWS account and you can create an IAM role: no keys are shared, Stowage assumes the role with an external ID."},
	{Value: ChoiceS3Keys, Label: "Amazon S3 — access keys", Help: "Pick this when you cannot create a cross-account role and will give Stowage the access key of an IAM user limited to this bucket."},
	{Value: ChoiceS3Default, Label: "S3 — default credentials", Help: "Pick this when credentials are already in Stowage's environment (a profile, an instance role, or keys for an S3-compatible store such as MinIO) and should be used as they are."},
	{Value: ChoiceAzure, Label: "Azure Blob Storage", Help: "Pick this when recordings go to a container in an Azure storage account; you need the container name and a connection string."},
	{Value: ChoiceLocal, Label: "Local or NAS folder", Help: "Pick this when recordings go to a folder on this machine or a mounted network share."},
}

// fieldDef is one field: its setting in config.LocationSettings (path,
// label, help, rule, sensitivity ...) and what only the screens need.
type fieldDef struct {
	s *config.Setting[config.Location]
	ui
	id, path string
	step     Step
	section  config.Type
	kind     FieldKind
	readOnly bool
	offline  bool
}

// ui is what a field needs beyond its setting: how the screens fold,
// offer and warn, and checks that need the wizard's file or the disk.
type ui struct {
	// advanced reports whether the field is folded away for this draft.
	advanced func(w *Wizard) bool
	// visible narrows when the field is shown beyond the setting's When.
	visible func(w *Wizard) bool
	options func(w *Wizard) []Option
	// extra checks a value the setting's rule accepted.
	extra func(w *Wizard, v string) error
	warn  func(w *Wizard, v string) []string
	// detect, filter, optionHelp and detectPrincipal are Field's Detect,
	// Filter, OptionHelp and DetectPrincipal.
	detect, filter, optionHelp, detectPrincipal bool
}

func custom(w *Wizard) bool { return w.get(pathEndpoint) != "" }

func authIs(m config.AuthMode) func(w *Wizard) bool {
	return func(w *Wizard) bool { return config.AuthMode(w.get(pathAuth)) == m }
}

// awsAdvanced folds the S3-compatible settings away unless the draft uses
// the default chain, the choice for such stores. It does not depend on
// whether an endpoint is set, so a saved location shows its fields in the
// order they were added in.
func awsAdvanced(w *Wizard) bool { return !authIs(config.AuthDefault)(w) }

func isAdvanced(*Wizard) bool { return true }

// screens holds the screen-only parts of the fields, by config path.
var screens = map[string]ui{
	"name":                         {extra: func(w *Wizard, v string) error { return w.checkName(v) }},
	"type":                         {options: func(*Wizard) []Option { return TypeOptions }, optionHelp: true},
	"s3.endpoint":                  {advanced: awsAdvanced},
	"s3.bucket":                    {warn: func(_ *Wizard, v string) []string { return validate.S3BucketWarnings(v) }},
	"s3.region":                    {options: regionOptions, detect: true, filter: true},
	"s3.path_style":                {advanced: awsAdvanced},
	"s3.ca_bundle":                 {advanced: awsAdvanced, extra: checkCABundle},
	"s3.checksum_mode":             {advanced: isAdvanced},
	"s3.encryption":                {advanced: isAdvanced},
	"s3.kms_key_arn":               {advanced: isAdvanced},
	"s3.bucket_owner_full_control": {advanced: isAdvanced},
	"s3.read_back":                 {advanced: isAdvanced},
	"s3.delete":                    {advanced: isAdvanced, warn: deleteWarning("s3.read_back")},
	"s3.manage_uploads":            {advanced: isAdvanced},
	"s3.expiry_days":               {advanced: isAdvanced},
	"s3.versioning":                {advanced: isAdvanced},
	"s3.access_logs":               {advanced: isAdvanced},
	"s3.access_log_bucket":         {advanced: isAdvanced},
	"azure.read_back":              {advanced: isAdvanced},
	"azure.delete":                 {advanced: isAdvanced, warn: deleteWarning("azure.read_back")},
	"azure.sas_expiry_days":        {advanced: isAdvanced},
	"s3.pending_external_id":       {visible: func(w *Wizard) bool { return w.get(pathPendingID) != "" }},
	"s3.auth":                      {visible: func(*Wizard) bool { return false }},
	pathPrincipals:                 {visible: (*Wizard).needsPrincipal, detectPrincipal: true},
}

// defs lists every field in display order: one per config setting, and
// the platform principal after the external ID (platform.go).
var defs = func() []fieldDef {
	var out []fieldDef
	add := func(s *config.Setting[config.Location]) {
		out = append(out, fieldDef{s: s, ui: screens[s.Path], id: s.ID, path: s.Path, step: Step(s.Step),
			section: s.Section, kind: s.Kind, readOnly: s.Generated, offline: s.Offline})
	}
	for i := range config.LocationSettings {
		s := &config.LocationSettings[i]
		add(s)
		if s.Path == pathExtID {
			add(principalSetting)
		}
	}
	return out
}()

// policyFields are repeated on the Policies step, so the external ID sits
// next to the trust policy that needs it.
var policyFields = []string{"external_id", "pending_external_id"}

func regionOptions(*Wizard) []Option {
	rs := validate.Regions()
	out := make([]Option, len(rs))
	for i, r := range rs {
		out[i] = Option{Value: r.Code, Label: r.Code + " — " + r.Name}
	}
	return out
}

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

func parseBool(v string) (bool, bool) { return config.ParseBool(v) }

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
	return w.inDraft(d) && d.s.Applies(w.raw()) && (d.visible == nil || d.visible(w))
}

func (w *Wizard) required(d *fieldDef) bool {
	return d.s.Required != nil && d.s.Required(w.raw())
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
		ID: d.id, Label: d.s.Label, Help: d.s.Help, Kind: d.kind,
		Value: v, Err: w.errs[d.path],
		Visible: w.visible(d), Required: w.required(d) && !d.readOnly,
		ReadOnly: d.readOnly, Example: d.s.Example, Sensitivity: d.s.Sensitivity,
		Options: d.s.Options,
		Detect:  d.detect, Filter: d.filter, OptionHelp: d.optionHelp, DetectPrincipal: d.detectPrincipal,
		Default: v == "" || v == d.s.Default,
	}
	// A saved identifier, or one a resumed draft brought, stays hidden on
	// a shared screen until replaced.
	f.Masked = w.ScreenShare && d.s.Sensitivity == config.Identifier && v != "" &&
		(v == w.initial[d.path] || v == w.resumed[d.path]) && !d.readOnly
	f.MaskTyping = w.ScreenShare && d.s.Sensitivity == config.Identifier && !d.readOnly
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
	if d.path == pathPrincipals && v == "" {
		f.Warnings = []string{principalWarning}
	}
	if !f.Visible {
		f.Err = nil
	}
	return f
}

// TypingValue is what the input of f echoes while it holds typed: in
// screen-share mode an identifier (MaskTyping) is rendered by
// config.ShowTyping, which reveals no more of it than DisplayValue of the
// finished value, keystroke after keystroke; else typed itself. The last
// characters of an identifier that is not an ARN show only when it is not
// being edited (editing: changed since its input took the focus) and is
// f's valid value: a custom store's key ID is valid from its third
// character, so validity alone would show it four by four as typed.
func (w *Wizard) TypingValue(f Field, typed string, editing bool) string {
	if !f.MaskTyping {
		return typed
	}
	if strings.HasPrefix(f.Example, "arn:") && strings.HasPrefix("arn:", typed) {
		// The start of an ARN in a field that takes one: nothing yet
		// that the masked ARN hides.
		return typed
	}
	return config.ShowTyping(f.Sensitivity, typed, w.ScreenShare, !editing && typed == f.Value && f.Err == nil)
}
