// Package iacmatrix is the matrix of locations and hardening choices whose
// CloudFormation and Terraform the scanner run (scripts/scan-iac.sh) and the
// HCL parse test check: every versioning, access log and KMS key choice in
// role and keys mode, plus the settings that change the documents most.
package iacmatrix

import (
	"fmt"
	"path"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/policies"
)

// Case is one location with the hardening its documents are generated with.
type Case struct {
	Name     string
	Loc      config.Location
	Platform config.Platform
	H        policies.Hardening
}

// Doc is one generated document of a case.
type Doc struct {
	// Path is relative to the output folder: <case>/cloudformation.json or
	// <case>/main.tf.
	Path         string
	Kind         policies.Kind
	Text         string
	Suppressions []policies.Suppression
}

const (
	principal  = "arn:aws:iam::235487987553:role/stowage-exporter"
	principal2 = "arn:aws:iam::235487987553:role/stowage-exporter-dr"
	kmsKey     = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

func location(auth config.AuthMode, mods ...func(*config.S3)) config.Location {
	s := &config.S3{Bucket: "acme-call-recordings", Region: "eu-west-1", Auth: auth}
	switch auth {
	case config.AuthRole:
		s.RoleARN = "arn:aws:iam::111122223333:role/stowage-export"
		s.ExternalID = "stw-7f3a9c2e41b84d0e"
	case config.AuthKeys:
		s.UserARN = "arn:aws:iam::111122223333:user/stowage-export"
	}
	for _, m := range mods {
		m(s)
	}
	return config.Location{Name: "Acme recordings", Type: config.TypeS3, S3: s}
}

// withKMS sets the location's encryption to what the KMS key choice needs:
// none requested (the template's key is the bucket default), a named key,
// or SSE-S3.
func withKMS(k policies.KMSKey) func(*config.S3) {
	return func(s *config.S3) {
		switch k {
		case policies.KMSKeyCreate:
			s.Encryption = config.EncryptionNone
		case policies.KMSKeyExisting:
			s.Encryption, s.KMSKeyARN = config.EncryptionSSEKMS, kmsKey
		case policies.KMSKeyNone:
			s.Encryption = config.EncryptionSSES3
		}
	}
}

// Cases returns the matrix.
func Cases() []Case {
	var out []Case
	platform := config.Platform{PrincipalARNs: []string{principal}}
	for _, auth := range []config.AuthMode{config.AuthRole, config.AuthKeys} {
		for _, versioning := range []bool{true, false} {
			for _, logs := range []policies.AccessLogs{policies.AccessLogsCreate, policies.AccessLogsExisting, policies.AccessLogsOff} {
				for _, k := range []policies.KMSKey{policies.KMSKeyCreate, policies.KMSKeyExisting, policies.KMSKeyNone} {
					loc := location(auth, withKMS(k))
					h := policies.HardeningOf(loc)
					h.Versioning = versioning
					h.AccessLogs = logs
					if logs == policies.AccessLogsExisting {
						h.AccessLogBucket = "acme-central-access-logs"
					}
					v := "on"
					if !versioning {
						v = "off"
					}
					out = append(out, Case{
						Name: fmt.Sprintf("%s-versioning-%s-logs-%s-kms-%s", auth, v, logs, k),
						Loc:  loc, Platform: platform, H: h,
					})
				}
			}
		}
	}
	// Settings that change the bucket, policy and role, with the defaults.
	extra := []struct {
		name string
		loc  config.Location
		p    config.Platform
	}{
		{"role-everything", location(config.AuthRole, func(s *config.S3) {
			s.Prefix, s.ReadBack, s.Delete, s.BucketOwnerFullControl, s.ExpiryDays = "recordings/", true, true, true, 30
			s.PendingExternalID = "stw-new0c1d2e3f4a5b6c"
		}), config.Platform{PrincipalARNs: []string{principal, principal2}, SessionDuration: 4 * time.Hour}},
		{"role-odd-prefix", location(config.AuthRole, func(s *config.S3) {
			s.Prefix = `we"ird\ ${x} %{y} $(id) ` + "`id`" + ` it's/`
		}), platform},
		{"role-aws-cn", location(config.AuthRole, func(s *config.S3) {
			s.Region = "cn-north-1"
			s.RoleARN = "arn:aws-cn:iam::111122223333:role/stowage-export"
		}), config.Platform{PrincipalARNs: []string{"arn:aws-cn:iam::235487987553:root"}}},
		{"role-aws-us-gov-path", location(config.AuthRole, func(s *config.S3) {
			s.Region = "us-gov-west-1"
			s.RoleARN = "arn:aws-us-gov:iam::111122223333:role/exports/stowage-export"
		}), config.Platform{PrincipalARNs: []string{"arn:aws-us-gov:iam::235487987553:root"}}},
		{"keys-everything", location(config.AuthKeys, func(s *config.S3) {
			s.Prefix, s.ReadBack, s.Delete, s.BucketOwnerFullControl, s.ExpiryDays = "recordings/", true, true, true, 30
		}), config.Platform{}},
		{"keys-long-bucket-name", location(config.AuthKeys, func(s *config.S3) {
			s.Bucket = "acme-call-recordings-for-the-eu-west-1-contact-centre-0123456"
		}), config.Platform{}},
	}
	for _, e := range extra {
		out = append(out, Case{Name: e.name, Loc: e.loc, Platform: e.p, H: policies.HardeningOf(e.loc)})
	}
	return out
}

// Documents renders the CloudFormation (role mode) and Terraform of every
// case.
func Documents() ([]Doc, error) {
	var out []Doc
	for _, c := range Cases() {
		if c.Loc.S3.Auth == config.AuthRole {
			text, err := policies.CloudFormationWith(c.Loc, c.Platform, c.H)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			out = append(out, Doc{Path: path.Join(c.Name, "cloudformation.json"), Kind: policies.KindCloudFormation, Text: text, Suppressions: policies.Suppressions(policies.KindCloudFormation, c.Loc, c.H)})
		}
		text, err := policies.TerraformWith(c.Loc, c.Platform, c.H)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		out = append(out, Doc{Path: path.Join(c.Name, "main.tf"), Kind: policies.KindTerraform, Text: text, Suppressions: policies.Suppressions(policies.KindTerraform, c.Loc, c.H)})
	}
	return out, nil
}
