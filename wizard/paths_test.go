package wizard

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/policies"
)

type kv = [2]string

// TestPathsToSavedConfig walks every storage choice from an empty file to a
// saved locations file, through every step of its flow, and reads the file
// back with config.Load.
func TestPathsToSavedConfig(t *testing.T) {
	caDir := t.TempDir()
	caFile := filepath.Join(caDir, "ca.pem")
	writeTestCA(t, caFile)
	nasDir := t.TempDir()

	tests := []struct {
		name string
		// where and access are typed on those steps, in order.
		where, access []kv
		choice        string
		flow          []Step
		docs          []policies.Kind
		check         func(t *testing.T, l config.Location)
	}{
		{
			name:   "s3 role with sse-kms",
			choice: ChoiceS3Role,
			where: []kv{{"bucket", "acme-call-recordings"}, {"region", "eu-west-1"}, {"prefix", "/recordings"},
				{"encryption", "sse-kms"}, {"kms_key_arn", kmsARN}, {"bucket_owner_full_control", "yes"},
				{"read_back", "true"}, {"expiry_days", "30"}},
			access: []kv{{"role_arn", roleARN}},
			flow:   []Step{StepName, StepType, StepWhere, StepAccess, StepPolicies, StepTest, StepReview},
			docs: []policies.Kind{policies.KindPermissions, policies.KindTrust, policies.KindKMS,
				policies.KindCloudFormation, policies.KindTerraform, policies.KindAWSCLI},
			check: func(t *testing.T, l config.Location) {
				s := l.S3
				if s == nil || s.Auth != config.AuthRole || s.RoleARN != roleARN || s.Bucket != "acme-call-recordings" ||
					s.Region != "eu-west-1" || s.Prefix != "recordings/" || s.Encryption != config.EncryptionSSEKMS ||
					s.KMSKeyARN != kmsARN || !s.BucketOwnerFullControl || !s.ReadBack || s.Delete || s.ExpiryDays != 30 {
					t.Errorf("saved S3 settings = %+v", s)
				}
				if len(s.ExternalID) != 32 || s.PendingExternalID != "" {
					t.Errorf("external ID = %q, pending %q; want one generated 32-character ID", s.ExternalID, s.PendingExternalID)
				}
				if s.AccessKeyID != "" || s.SecretAccessKey != "" {
					t.Error("role location saved access keys")
				}
			},
		},
		{
			name:   "s3 access keys with user ARN",
			choice: ChoiceS3Keys,
			where:  []kv{{"bucket", "acme-call-recordings"}, {"region", "us-west-1"}},
			access: []kv{{"access_key_id", keyID}, {"secret_access_key", secretKey}, {"user_arn", userARN}},
			flow:   []Step{StepName, StepType, StepWhere, StepAccess, StepPolicies, StepTest, StepReview},
			docs:   []policies.Kind{policies.KindPermissions, policies.KindBucket, policies.KindTerraform, policies.KindAWSCLI},
			check: func(t *testing.T, l config.Location) {
				s := l.S3
				if s.Auth != config.AuthKeys || s.AccessKeyID != keyID || s.SecretAccessKey != secretKey || s.UserARN != userARN {
					t.Errorf("saved keys settings = %+v", l.Redacted().S3)
				}
				if s.ExternalID != "" || s.RoleARN != "" {
					t.Errorf("keys location saved role settings: %q %q", s.ExternalID, s.RoleARN)
				}
			},
		},
		{
			name:   "s3 default chain with custom endpoint",
			choice: ChoiceS3Default,
			where: []kv{{"endpoint", "https://minio.internal:9000"}, {"bucket", "recordings"}, {"region", "garage"},
				{"path_style", "true"}, {"ca_bundle", caFile}, {"checksum_mode", config.ChecksumWhenRequired}},
			flow: []Step{StepName, StepType, StepWhere, StepAccess, StepPolicies, StepTest, StepReview},
			docs: []policies.Kind{policies.KindPermissions},
			check: func(t *testing.T, l config.Location) {
				s := l.S3
				if s.Auth != config.AuthDefault || s.Endpoint != "https://minio.internal:9000" || s.Region != "garage" ||
					!s.PathStyle || s.CABundle != caFile || s.ChecksumMode != config.ChecksumWhenRequired {
					t.Errorf("saved S3-compatible settings = %+v", s)
				}
			},
		},
		{
			name:   "azure blob",
			choice: ChoiceAzure,
			where: []kv{{"container", "call-recordings"}, {"connection_string", connString}, {"prefix", "tenant-a"},
				{"read_back", "yes"}, {"sas_expiry_days", "365"}},
			flow: []Step{StepName, StepType, StepWhere, StepPolicies, StepTest, StepReview},
			docs: []policies.Kind{policies.KindAzureSAS},
			check: func(t *testing.T, l config.Location) {
				a := l.Azure
				if a == nil || l.S3 != nil || a.Container != "call-recordings" || a.ConnectionString != connString ||
					a.Prefix != "tenant-a/" || !a.ReadBack || a.SASExpiryDays != 365 {
					t.Errorf("saved Azure settings = %+v", l.Redacted().Azure)
				}
			},
		},
		{
			name:   "local folder",
			choice: ChoiceLocal,
			where:  []kv{{"path", nasDir}},
			flow:   []Step{StepName, StepType, StepWhere, StepTest, StepReview},
			check: func(t *testing.T, l config.Location) {
				if l.Local == nil || l.Local.Path != nasDir || l.S3 != nil || l.Azure != nil {
					t.Errorf("saved local settings = %+v", l)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tempConfig(t)
			file := &config.File{Version: config.CurrentVersion, Platform: testPlatform}
			w := New(file, testPlatform, fixedNow)
			if w.Step() != StepName {
				t.Fatalf("empty file starts on %s, want %s", w.Step(), StepName)
			}
			mustSet(t, w, "name", "acme-"+strings.ReplaceAll(tt.choice, "-", ""))
			mustNext(t, w, StepType)
			mustSet(t, w, "type", tt.choice)
			if got := w.Flow(); !slices.Equal(got, tt.flow) {
				t.Fatalf("Flow() = %v, want %v", got, tt.flow)
			}
			mustNext(t, w, StepWhere)
			for _, p := range tt.where {
				mustSet(t, w, p[0], p[1])
			}
			for _, s := range tt.flow[3:] {
				mustNext(t, w, s)
				switch s {
				case StepAccess:
					for _, p := range tt.access {
						mustSet(t, w, p[0], p[1])
					}
				case StepPolicies:
					var kinds []policies.Kind
					for _, d := range w.Documents() {
						kinds = append(kinds, d.Kind)
						if d.Err != nil {
							t.Errorf("document %s: %v", d.Kind, d.Err)
						} else if d.Text == "" || d.Display != d.Text {
							t.Errorf("document %s: empty, or masked without screen share", d.Kind)
						}
					}
					if !slices.Equal(kinds, tt.docs) {
						t.Errorf("documents = %v, want %v", kinds, tt.docs)
					}
				}
			}
			if err := w.Save(path, config.Save); err != nil {
				t.Fatalf("Save: %v", err)
			}
			if w.Step() != StepDone || w.Dirty() {
				t.Errorf("after Save: step %s, dirty %v; want done and clean", w.Step(), w.Dirty())
			}
			got := load(t, path)
			if len(got.Locations) != 1 {
				t.Fatalf("saved %d locations, want 1", len(got.Locations))
			}
			l := got.Locations[0]
			if l.Name != w.Draft().Name || !l.CreatedAt.Equal(fixedNow()) {
				t.Errorf("saved name %q created %v", l.Name, l.CreatedAt)
			}
			tt.check(t, l)
			if len(file.Locations) != 1 {
				t.Errorf("wizard's file has %d locations after Save, want 1", len(file.Locations))
			}
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("saved file mode %v, err %v; want 0600", fi.Mode().Perm(), err)
			}
		})
	}
}

// TestExternalIDGeneratedOnceAndShown checks the role flow: the ID appears
// on entering Access, is read-only, shown on Access and Policies and in the
// trust policy, and survives going back and forth.
func TestExternalIDGeneratedOnceAndShown(t *testing.T) {
	w := New(nil, testPlatform, fixedNow)
	mustSet(t, w, "name", "acme")
	mustNext(t, w, StepType)
	mustSet(t, w, "type", ChoiceS3Role)
	mustNext(t, w, StepWhere)
	if id := w.Draft().S3.ExternalID; id != "" {
		t.Fatalf("external ID %q exists before the Access step", id)
	}
	mustSet(t, w, "bucket", "acme-call-recordings")
	mustSet(t, w, "region", "eu-west-1")
	mustNext(t, w, StepAccess)
	f := field(t, w, StepAccess, "external_id")
	if f.Value == "" || !f.ReadOnly || !f.Visible {
		t.Fatalf("Access external_id field = %+v; want a visible, read-only generated ID", f)
	}
	id := f.Value
	if err := w.Set("external_id", "my-own-id"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Set(external_id) = %v, want ErrReadOnly", err)
	}
	if w.Draft().S3.ExternalID != id {
		t.Error("Set of a read-only field changed it")
	}
	w.Back()
	w.Back()
	mustNext(t, w, StepWhere)
	mustNext(t, w, StepAccess)
	if got := field(t, w, StepAccess, "external_id").Value; got != id {
		t.Errorf("external ID regenerated on re-entering Access: %q, was %q", got, id)
	}
	mustSet(t, w, "role_arn", roleARN)
	mustNext(t, w, StepPolicies)
	if got := field(t, w, StepPolicies, "external_id").Value; got != id {
		t.Errorf("Policies step external ID = %q, want %q", got, id)
	}
	var trust string
	for _, d := range w.Documents() {
		if d.Kind == policies.KindTrust {
			trust = d.Text
		}
	}
	if !strings.Contains(trust, id) || !strings.Contains(trust, principalARN) {
		t.Errorf("trust policy lacks the external ID or principal:\n%s", trust)
	}
}

// writeTestCA writes a syntactically valid PEM certificate block; the
// wizard only checks that the file holds one.
func writeTestCA(t *testing.T, path string) {
	t.Helper()
	pemText := "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2Vz\n-----END CERTIFICATE-----\n"
	if err := os.WriteFile(path, []byte(pemText), 0o600); err != nil {
		t.Fatal(err)
	}
}
