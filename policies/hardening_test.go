package policies

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stowage-dev/stowage/config"
)

func TestHardeningOf(t *testing.T) {
	tests := []struct {
		loc config.Location
		kms KMSKey
	}{
		{roleLoc(), KMSKeyCreate},
		{roleLoc(withSSES3), KMSKeyNone},
		{roleLoc(withKMS), KMSKeyExisting},
		{keysLoc(), KMSKeyCreate},
	}
	for _, tt := range tests {
		h := HardeningOf(tt.loc)
		if !h.Versioning || h.AccessLogs != AccessLogsCreate || h.KMSKey != tt.kms ||
			h.NoncurrentVersionExpiryDays != DefaultNoncurrentVersionExpiryDays || h.AccessLogExpiryDays != DefaultAccessLogExpiryDays ||
			h.AccessLogBucket != "acme-call-recordings-logs" {
			t.Errorf("HardeningOf(encryption %q) = %+v, want versioning, a created log bucket and KMS %s", tt.loc.S3.Encryption, h, tt.kms)
		}
	}
	if got := logBucketName(strings.Repeat("a", 63)); len(got) != 63 || !strings.HasSuffix(got, "-logs") {
		t.Errorf("log bucket name for a 63-character bucket = %q", got)
	}
}

// TestDefaultsNeedNoSuppression: the defaults are what a security review
// expects, so role-mode Terraform suppresses nothing; every choice that
// leaves a gap adds a suppression with a reason.
func TestSuppressions(t *testing.T) {
	if s := Suppressions(KindTerraform, roleLoc(), HardeningOf(roleLoc())); len(s) != 0 {
		t.Errorf("defaults suppress %+v", s)
	}
	off := HardeningOf(roleLoc())
	off.Versioning, off.AccessLogs, off.KMSKey = false, AccessLogsOff, KMSKeyNone
	var checks []string
	for _, s := range Suppressions(KindTerraform, roleLoc(), off) {
		checks = append(checks, s.Check)
		if len(s.Reason) < 20 || strings.Contains(s.Reason, "\n") {
			t.Errorf("%s reason %q is not one line saying why", s.Check, s.Reason)
		}
	}
	slices.Sort(checks)
	if want := []string{CheckLogging, CheckVersioning, CheckCustomerKey}; !slices.Equal(checks, want) {
		t.Errorf("suppressed %v, want %v", checks, want)
	}
	keys := Suppressions(KindTerraform, keysLoc(), HardeningOf(keysLoc()))
	if len(keys) != 1 || keys[0].Check != CheckUserPolicy {
		t.Errorf("keys mode suppressions = %+v, want only %s", keys, CheckUserPolicy)
	}
}

func TestHardeningErrors(t *testing.T) {
	base := func(mod func(*Hardening)) Hardening {
		h := HardeningOf(roleLoc())
		mod(&h)
		return h
	}
	tests := []struct {
		name string
		h    Hardening
		want string
	}{
		{"no log bucket name", base(func(h *Hardening) { h.AccessLogs, h.AccessLogBucket = AccessLogsExisting, "" }), "s3.access_log_bucket"},
		{"bad log bucket name", base(func(h *Hardening) { h.AccessLogBucket = "Not_A_Bucket" }), "s3.access_log_bucket"},
		{"logs into itself", base(func(h *Hardening) { h.AccessLogBucket = "acme-call-recordings" }), "must differ from s3.bucket"},
		{"noncurrent 0", base(func(h *Hardening) { h.NoncurrentVersionExpiryDays = 0 }), "s3.noncurrent_version_expiry_days"},
		{"log expiry 0", base(func(h *Hardening) { h.AccessLogExpiryDays = 0 }), "s3.access_log_expiry_days"},
		{"unknown logs", base(func(h *Hardening) { h.AccessLogs = "sometimes" }), "s3.access_logs"},
		{"existing key without ARN", base(func(h *Hardening) { h.KMSKey = KMSKeyExisting }), "s3.kms_key_arn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, render := range []func() (string, error){
				func() (string, error) { return CloudFormationWith(roleLoc(), testPlatform, tt.h) },
				func() (string, error) { return TerraformWith(roleLoc(), testPlatform, tt.h) },
			} {
				if _, err := render(); err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("err = %v, want it to name %s", err, tt.want)
				}
			}
		})
	}
	_, err := TerraformWith(roleLoc(), testPlatform, base(func(h *Hardening) { h.AccessLogs, h.AccessLogBucket = AccessLogsExisting, "" }))
	if !errors.Is(err, ErrMissing) {
		t.Errorf("missing log bucket: err = %v, want ErrMissing", err)
	}
}

// TestTerraformKeepsAbortRule: every hardening keeps the rule that
// discards unfinished multipart uploads after 7 days (Stowage cannot abort
// them itself), on the export bucket and on a created log bucket.
func TestTerraformKeepsAbortRule(t *testing.T) {
	for name, h := range hardenings(roleLoc(withKMS)) {
		out, err := TerraformWith(roleLoc(withKMS), testPlatform, h)
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if h.AccessLogs == AccessLogsCreate {
			want = 2
		}
		if n := strings.Count(out, "days_after_initiation = 7"); n != want {
			t.Errorf("%s: %d abort rules, want %d", name, n, want)
		}
	}
}

func TestHardeningFromSettings(t *testing.T) {
	off := false
	loc := roleLoc(func(s *config.S3) {
		s.Versioning, s.AccessLogs, s.AccessLogBucket = &off, config.AccessLogsExisting, "acme-central-access-logs"
	})
	h := HardeningOf(loc)
	if h.Versioning || h.AccessLogs != AccessLogsExisting || h.AccessLogBucket != "acme-central-access-logs" {
		t.Errorf("HardeningOf = %+v, want versioning off and the existing log bucket", h)
	}
	if h := HardeningOf(roleLoc(func(s *config.S3) { s.AccessLogs = config.AccessLogsOff })); h.AccessLogs != AccessLogsOff || !h.Versioning {
		t.Errorf("access_logs off: %+v", h)
	}
	out, err := Terraform(loc, testPlatform)
	if err != nil || !strings.Contains(out, "#trivy:ignore:AWS-0090") || !strings.Contains(out, `default     = "acme-central-access-logs"`) {
		t.Errorf("Terraform for versioning off and an existing log bucket (err %v):\n%s", err, out)
	}
}

// TestHardeningLines: one line per choice, each naming its setting and
// fitting 78 columns, for every combination.
func TestHardeningLines(t *testing.T) {
	for _, v := range []bool{true, false} {
		for _, logs := range []AccessLogs{AccessLogsCreate, AccessLogsExisting, AccessLogsOff} {
			for _, key := range []KMSKey{KMSKeyCreate, KMSKeyExisting, KMSKeyNone} {
				h := Hardening{Versioning: v, NoncurrentVersionExpiryDays: 365, AccessLogs: logs, KMSKey: key}
				lines := h.Lines()
				if len(lines) != 3 {
					t.Fatalf("%+v: %d lines, want 3", h, len(lines))
				}
				for i, l := range lines {
					if n := utf8.RuneCountInString(l); n > 78 {
						t.Errorf("%+v: line %d is %d wide: %q", h, i, n, l)
					}
					if !strings.Contains(l, "(s3.") {
						t.Errorf("%+v: line %q names no setting", h, l)
					}
				}
				if got := lines[0]; strings.HasPrefix(got, "Versioning off") == v {
					t.Errorf("versioning %v: %q", v, got)
				}
			}
		}
	}
}

// TestCLIHardening: the AWS CLI script protects the bucket as the templates
// do, for each choice: versioning with noncurrent expiry, access logs to a
// created or existing bucket or none, a created key, the location's key or
// SSE-S3, and always Block Public Access, HTTPS only and the abort rule.
func TestCLIHardening(t *testing.T) {
	off := false
	tests := []struct {
		name    string
		loc     config.Location
		want    []string
		notWant []string
	}{
		{"defaults", roleLoc(), []string{
			"put-bucket-versioning --bucket \"$BUCKET\"", `"NoncurrentDays": 30`,
			"create-bucket --bucket \"$LOG_BUCKET\"", `"TargetBucket":"acme-call-recordings-logs"`, `"Days": 365`,
			"aws kms create-key", "enable-key-rotation", `"KMSMasterKeyID": "${KMS_KEY_ARN}"`,
		}, []string{"put-bucket-encryption --bucket \"$BUCKET\" --region \"$REGION\" \\\n  --server-side-encryption-configuration '"}},
		{"versioning off", roleLoc(func(s *config.S3) { s.Versioning = &off }), []string{"Versioning stays off (s3.versioning: false)"},
			[]string{"put-bucket-versioning", "NoncurrentVersionExpiration"}},
		{"existing log bucket", roleLoc(func(s *config.S3) { s.AccessLogs, s.AccessLogBucket = config.AccessLogsExisting, "acme-audit" }),
			[]string{`"TargetBucket":"acme-audit"`, "logging.s3.amazonaws.com write to it"}, []string{"$LOG_BUCKET\" --region \"$REGION\" \\\n  --create-bucket"}},
		{"access logs off", keysLoc(func(s *config.S3) { s.AccessLogs = config.AccessLogsOff }),
			[]string{"Server access logs stay off (s3.access_logs: off)"}, []string{"put-bucket-logging", "LOG_BUCKET"}},
		{"sse-s3", keysLoc(func(s *config.S3) { s.Encryption = config.EncryptionSSES3 }),
			[]string{`"SSEAlgorithm":"AES256"`, "s3.encryption: sse-s3"}, []string{"create-key", "KMS_KEY_ARN", "ACCOUNT_ROOT"}},
		{"location's key", roleLoc(withKMS), []string{`"KMSMasterKeyID":"` + testKMSKey + `"`, "put-key-policy would replace"}, []string{"create-key"}},
	}
	always := []string{"put-public-access-block --bucket \"$BUCKET\"", `"aws:SecureTransport": "false"`, `"DaysAfterInitiation": 7`}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script, err := AWSCLI(tt.loc, testPlatform)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range append(always, tt.want...) {
				if !strings.Contains(script, w) {
					t.Errorf("script lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(script, w) {
					t.Errorf("script has %q", w)
				}
			}
		})
	}
}
