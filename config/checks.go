package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stowage-dev/stowage/validate"
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

// fieldErrors applies the rule of every setting in LocationSettings whose
// section the location has. Values that are set are checked whatever the
// mode, so a switch of mode never uncovers a bad value saved earlier.
func (l Location) fieldErrors() []*FieldError {
	var out []*FieldError
	add := func(field string, err error) {
		if err != nil {
			out = append(out, &FieldError{Location: l.Name, Field: field, Err: err})
		}
	}
	sections := []struct {
		typ     Type
		key     string
		present bool
	}{
		{TypeS3, "s3", l.S3 != nil},
		{TypeAzure, "azure", l.Azure != nil},
		{TypeLocal, "local", l.Local != nil},
	}
	if l.ID != "" {
		add("id", validate.LocationID(l.ID))
	}
	for i := range LocationSettings {
		s := &LocationSettings[i]
		if !l.HasSection(s.Section) {
			continue
		}
		v := s.Get(&l)
		if v == "" && !s.Applies(&l) {
			continue
		}
		add(s.Path, s.Check(&l, v))
		if s.Path == "type" {
			for _, sec := range sections {
				switch {
				case sec.typ == l.Type && !sec.present:
					add(sec.key, invalid(sec.key, "", "settings are required for a location of type %s; add a %q section", l.Type, sec.key))
				case sec.typ != l.Type && sec.present && l.Type != "":
					add(sec.key, invalid(sec.key, "", "section is only allowed when type is %s (type is %s); remove it or change the type", sec.typ, l.Type))
				}
			}
		}
	}
	return out
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
	for i := range PlatformSettings {
		s := &PlatformSettings[i]
		if s.Kind != KindList {
			add(s.Path, s.Check(&p, s.Get(&p)))
			continue
		}
		// Each item of a list is checked alone and named by its index.
		seen := map[string]int{}
		for j, v := range strings.Split(s.Get(&p), "\n") {
			if s.Get(&p) == "" {
				break
			}
			field := fmt.Sprintf("%s[%d]", s.Path, j)
			if k, ok := seen[v]; ok {
				add(field, invalid(s.Word, "", "repeats %s[%d]; list each principal once", s.ID, k))
				continue
			}
			seen[v] = j
			add(field, s.Check(&p, v))
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
