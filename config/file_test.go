package config_test

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

func sampleFile() *config.File {
	return &config.File{Version: 1, Locations: []config.Location{
		roleLocation("acme", externalID), localLocation("nas"), azureLocation("azure", sasConn()),
	}}
}

func TestFindAndNames(t *testing.T) {
	f := sampleFile()
	if got, want := f.Names(), []string{"acme", "azure", "nas"}; !slices.Equal(got, want) {
		t.Errorf("Names = %v, want %v", got, want)
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"nas", true},
		{"acme", true},
		{"ACME", false}, // names are case-sensitive
		{"missing", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, ok := f.Find(tt.name)
			if ok != tt.ok || (ok && l.Name != tt.name) {
				t.Errorf("Find(%q) = %v, %v", tt.name, l, ok)
			}
		})
	}
	// The pointer edits the file in place.
	l, _ := f.Find("nas")
	l.Local.Path = "/srv/recordings"
	if f.Locations[1].Local.Path != "/srv/recordings" {
		t.Error("Find returned a copy")
	}
}

func TestUpsert(t *testing.T) {
	t1 := time.Date(2025, 3, 1, 10, 0, 0, 500, time.FixedZone("CET", 3600))
	t2 := t1.Add(48 * time.Hour)

	f := &config.File{}
	if err := f.Upsert(localLocation("nas"), t1); err != nil {
		t.Fatal(err)
	}
	got, _ := f.Find("nas")
	wantT1 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	if !got.CreatedAt.Equal(wantT1) || !got.UpdatedAt.Equal(wantT1) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("after add: created %v updated %v, want both %v in UTC", got.CreatedAt, got.UpdatedAt, wantT1)
	}
	if err := f.Upsert(roleLocation("acme", externalID), t1); err != nil {
		t.Fatal(err)
	}

	changed := localLocation("nas")
	changed.Local.Path = "/srv/recordings"
	changed.CreatedAt = time.Time{} // the caller does not know it; Upsert keeps the old one
	if err := f.Upsert(changed, t2); err != nil {
		t.Fatal(err)
	}
	if len(f.Locations) != 2 || f.Locations[0].Name != "nas" {
		t.Fatalf("replace did not keep the position: %v", f.Names())
	}
	got = &f.Locations[0]
	if got.Local.Path != "/srv/recordings" || !got.CreatedAt.Equal(wantT1) || !got.UpdatedAt.Equal(t2.UTC().Truncate(time.Second)) {
		t.Errorf("after replace: %+v", got)
	}

	bad := []struct {
		name string
		loc  config.Location
		is   error
	}{
		{"invalid location", func() config.Location { l := localLocation("x"); l.Local.Path = ""; return l }(), validate.ErrInvalid},
		{"name differing only in case", localLocation("NAS"), config.ErrDuplicateName},
		{"external ID of another location", roleLocation("beta", externalID), config.ErrDuplicateExternalID},
		{"pending ID equal to another's", func() config.Location {
			l := roleLocation("beta", otherExternaID)
			l.S3.PendingExternalID = externalID
			return l
		}(), config.ErrDuplicateExternalID},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(f.Locations)
			err := f.Upsert(tt.loc, t2)
			if !errors.Is(err, tt.is) {
				t.Errorf("Upsert = %v, want %v", err, tt.is)
			}
			if len(f.Locations) != len(before) || f.Locations[0].Local.Path != before[0].Local.Path {
				t.Errorf("failed Upsert changed the file: %v", f.Names())
			}
		})
	}
}

func TestRenameRemove(t *testing.T) {
	tests := []struct {
		name      string
		op        func(f *config.File) error
		is        error
		wantNames []string
		wantMsg   string
	}{
		{"rename", func(f *config.File) error { return f.Rename("nas", "nas-archive") }, nil,
			[]string{"acme", "azure", "nas-archive"}, ""},
		{"rename to itself", func(f *config.File) error { return f.Rename("nas", "nas") }, nil,
			[]string{"acme", "azure", "nas"}, ""},
		{"rename case only", func(f *config.File) error { return f.Rename("nas", "NAS") }, nil,
			[]string{"NAS", "acme", "azure"}, ""},
		{"rename missing lists known", func(f *config.File) error { return f.Rename("nsa", "x") }, config.ErrNotFound,
			nil, `"nsa"; known locations: acme, azure, nas`},
		{"rename onto existing", func(f *config.File) error { return f.Rename("nas", "Acme") }, config.ErrExists,
			nil, `"Acme" is taken by location "acme"`},
		{"rename to invalid", func(f *config.File) error { return f.Rename("nas", "-nas") }, validate.ErrInvalid,
			nil, `location "nas": name: must start with a letter or digit`},
		{"remove", func(f *config.File) error { return f.Remove("acme") }, nil,
			[]string{"azure", "nas"}, ""},
		{"remove missing lists known", func(f *config.File) error { return f.Remove("acm") }, config.ErrNotFound,
			nil, "known locations: acme, azure, nas"},
		{"remove from empty", func(f *config.File) error { f.Locations = nil; return f.Remove("acme") }, config.ErrNotFound,
			nil, "there are no locations yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sampleFile()
			before := f.Names()
			err := tt.op(f)
			if tt.is == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got := f.Names(); !slices.Equal(got, tt.wantNames) {
					t.Errorf("Names = %v, want %v", got, tt.wantNames)
				}
				return
			}
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
			mustContain(t, err.Error(), tt.wantMsg)
			if tt.name != "remove from empty" && !slices.Equal(f.Names(), before) {
				t.Errorf("failed op changed names to %v", f.Names())
			}
		})
	}
}

func TestLocationValidate(t *testing.T) {
	mod := func(l config.Location, change func(*config.Location)) config.Location {
		if l.S3 != nil {
			s := *l.S3
			l.S3 = &s
		}
		if l.Azure != nil {
			a := *l.Azure
			l.Azure = &a
		}
		change(&l)
		return l
	}
	role := roleLocation("acme", externalID)
	keys := keysLocation("kazoo")
	tests := []struct {
		name   string
		loc    config.Location
		fields []string // FieldError paths; nil means valid
	}{
		{"role", role, nil},
		{"keys", keys, nil},
		{"minio", minioLocation("minio"), nil},
		{"azure key", azureLocation("azure", accountKeyConn()), nil},
		{"azure sas", azureLocation("azure", sasConn()), nil},
		{"azurite", azureLocation("azure", "UseDevelopmentStorage=true"), nil},
		{"local", localLocation("nas"), nil},
		{"default auth needs nothing", mod(role, func(l *config.Location) {
			l.S3.Auth, l.S3.RoleARN, l.S3.ExternalID = config.AuthDefault, "", ""
		}), nil},
		{"bad name", mod(role, func(l *config.Location) { l.Name = "" }), []string{"name"}},
		{"role without ARN and external ID", mod(role, func(l *config.Location) { l.S3.RoleARN, l.S3.ExternalID = "", "" }),
			[]string{"s3.role_arn", "s3.external_id"}},
		{"bad role ARN", mod(role, func(l *config.Location) { l.S3.RoleARN = userARN }), []string{"s3.role_arn"}},
		{"bad external ID", mod(role, func(l *config.Location) { l.S3.ExternalID = "has space" }), []string{"s3.external_id"}},
		{"pending equal to current", mod(role, func(l *config.Location) { l.S3.PendingExternalID = externalID }),
			[]string{"s3.pending_external_id"}},
		{"keys without keys", mod(keys, func(l *config.Location) { l.S3.AccessKeyID, l.S3.SecretAccessKey = "", "" }),
			[]string{"s3.access_key_id", "s3.secret_access_key"}},
		{"AWS key shape on AWS", mod(keys, func(l *config.Location) { l.S3.AccessKeyID = "minioadmin" }), []string{"s3.access_key_id"}},
		{"custom endpoint relaxes key and region", mod(keys, func(l *config.Location) {
			l.S3.Endpoint, l.S3.AccessKeyID, l.S3.SecretAccessKey, l.S3.Region = "https://s3.example.net", "minioadmin", "minio-secret-key", "garage"
		}), nil},
		{"unknown region on AWS", mod(keys, func(l *config.Location) { l.S3.Region = "garage" }), []string{"s3.region"}},
		{"bad endpoint", mod(keys, func(l *config.Location) { l.S3.Endpoint = "ftp://x" }), []string{"s3.endpoint"}},
		{"no auth", mod(keys, func(l *config.Location) { l.S3.Auth = "" }), []string{"s3.auth"}},
		{"unknown auth", mod(keys, func(l *config.Location) { l.S3.Auth = "password" }), []string{"s3.auth"}},
		{"sse-kms needs key", mod(role, func(l *config.Location) { l.S3.KMSKeyARN = "" }), []string{"s3.kms_key_arn"}},
		{"bad kms key", mod(role, func(l *config.Location) { l.S3.KMSKeyARN = "alias/foo" }), []string{"s3.kms_key_arn"}},
		{"unknown encryption", mod(role, func(l *config.Location) { l.S3.Encryption = "aes" }), []string{"s3.encryption"}},
		{"checksum mode", mod(role, func(l *config.Location) { l.S3.ChecksumMode = "always" }), []string{"s3.checksum_mode"}},
		{"negative expiry", mod(role, func(l *config.Location) { l.S3.ExpiryDays = -1 }), []string{"s3.expiry_days"}},
		{"bad prefix", mod(role, func(l *config.Location) { l.S3.Prefix = "/exports" }), []string{"s3.prefix"}},
		{"bad user ARN", mod(keys, func(l *config.Location) { l.S3.UserARN = roleARN }), []string{"s3.user_arn"}},
		{"missing type", mod(role, func(l *config.Location) { l.Type = "" }), []string{"type"}},
		{"unknown type", mod(role, func(l *config.Location) { l.Type = "gcs" }), []string{"type", "s3"}},
		{"s3 without section", mod(role, func(l *config.Location) { l.S3 = nil }), []string{"s3"}},
		{"extra section", mod(role, func(l *config.Location) { l.Local = &config.Local{Path: "/mnt"} }), []string{"local"}},
		{"azure without container and string", mod(azureLocation("azure", ""), func(l *config.Location) { l.Azure.Container = "" }),
			[]string{"azure.container", "azure.connection_string"}},
		{"azure bad string", azureLocation("azure", "AccountName=acme"), []string{"azure.connection_string"}},
		{"local without path", config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{}}, []string{"local.path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.loc.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if !errors.Is(err, validate.ErrInvalid) {
				t.Fatalf("Validate = %v, want validate.ErrInvalid", err)
			}
			if got := fields(err); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %q, want %q (%v)", got, tt.fields, err)
			}
			for _, e := range leaves(err) {
				if tt.loc.Name != "" {
					mustContain(t, e.Error(), `location "`+tt.loc.Name+`": `)
				}
				for _, secret := range []string{fakeSecret, fakeSASSig, fakeAccountKey} {
					if strings.Contains(e.Error(), secret) {
						t.Errorf("error contains a secret: %v", e)
					}
				}
			}
		})
	}
}

func TestLocationWarnings(t *testing.T) {
	dotted := keysLocation("dots")
	dotted.S3.Bucket = "acme.call.recordings"
	roleWithKey := roleLocation("acme", externalID)
	roleWithKey.S3.SecretAccessKey = fakeSecret
	kmsUnused := roleLocation("acme", externalID)
	kmsUnused.S3.Encryption = config.EncryptionSSES3
	pending := roleLocation("acme", externalID)
	pending.S3.PendingExternalID = otherExternaID
	tests := []struct {
		name string
		loc  config.Location
		want string // "" for none
	}{
		{"clean", roleLocation("acme", externalID), ""},
		{"bucket with dots", dotted, "s3.bucket: "},
		{"unused secret", roleWithKey, "s3.secret_access_key: set but auth is role"},
		{"unused kms key", kmsUnused, "s3.kms_key_arn: "},
		{"pending rotation", pending, "s3.pending_external_id: "},
		{"local", localLocation("nas"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(tt.loc.Warnings(), "\n")
			if tt.want == "" {
				if got != "" {
					t.Errorf("Warnings = %q", got)
				}
				return
			}
			mustContain(t, got, tt.want)
			if strings.Contains(got, fakeSecret) {
				t.Errorf("warning contains the secret")
			}
		})
	}
}

func TestPlatform(t *testing.T) {
	tests := []struct {
		name     string
		p        config.Platform
		fields   []string
		duration time.Duration
	}{
		{"empty", config.Platform{}, nil, time.Hour},
		{"primary and secondary", config.Platform{PrincipalARNs: []string{"arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:role/exporter"}}, nil, time.Hour},
		{"15m", config.Platform{SessionDuration: 15 * time.Minute}, nil, 15 * time.Minute},
		{"12h", config.Platform{SessionDuration: 12 * time.Hour}, nil, 12 * time.Hour},
		{"14m", config.Platform{SessionDuration: 14 * time.Minute}, []string{"platform.session_duration"}, 14 * time.Minute},
		{"13h", config.Platform{SessionDuration: 13 * time.Hour}, []string{"platform.session_duration"}, 13 * time.Hour},
		{"bad ARN", config.Platform{PrincipalARNs: []string{"arn:aws:iam::111122223333:root", "not-an-arn"}}, []string{"platform.principal_arns[1]"}, time.Hour},
		{"repeated ARN", config.Platform{PrincipalARNs: []string{"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:root"}}, []string{"platform.principal_arns[1]"}, time.Hour},
		{"http template", config.Platform{TemplateURL: "http://example.com/t.yaml"}, []string{"platform.template_url"}, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if got := fields(err); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %q, want %q (%v)", got, tt.fields, err)
			}
			if err != nil && !errors.Is(err, validate.ErrInvalid) {
				t.Errorf("err = %v, want validate.ErrInvalid", err)
			}
			if got := tt.p.Duration(); got != tt.duration {
				t.Errorf("Duration = %v, want %v", got, tt.duration)
			}
		})
	}
}

func TestChecksumDefault(t *testing.T) {
	tests := []struct {
		name string
		s    config.S3
		want string
	}{
		{"AWS", config.S3{}, config.ChecksumWhenSupported},
		{"custom endpoint", config.S3{Endpoint: "http://127.0.0.1:9000"}, config.ChecksumWhenRequired},
		{"explicit on AWS", config.S3{ChecksumMode: config.ChecksumWhenRequired}, config.ChecksumWhenRequired},
		{"explicit on custom", config.S3{Endpoint: "http://x", ChecksumMode: config.ChecksumWhenSupported}, config.ChecksumWhenSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Checksum(); got != tt.want {
				t.Errorf("Checksum = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestResolvePath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home) // os.UserHomeDir on Windows
	tests := []struct {
		name, flag, env, xdg, want string
	}{
		{"flag wins", "/etc/stowage.yaml", "/env/config.yaml", "/xdg", "/etc/stowage.yaml"},
		{"flag with ~", "~/stowage.yaml", "/env/config.yaml", "", filepath.Join(home, "stowage.yaml")},
		{"env next", "", "/env/config.yaml", "/xdg", "/env/config.yaml"},
		{"env with ~", "", "~/cfg/stowage.yaml", "", filepath.Join(home, "cfg", "stowage.yaml")},
		{"XDG default", "", "", "/xdg", filepath.Join("/xdg", "stowage", "config.yaml")},
		{"relative XDG ignored", "", "", "relative", filepath.Join(home, ".config", "stowage", "config.yaml")},
		{"home default", "", "", "", filepath.Join(home, ".config", "stowage", "config.yaml")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(config.EnvConfig, tt.env)
			t.Setenv("XDG_CONFIG_HOME", tt.xdg)
			if got := config.ResolvePath(tt.flag); got != tt.want {
				t.Errorf("ResolvePath(%q) = %q, want %q", tt.flag, got, tt.want)
			}
		})
	}
}
