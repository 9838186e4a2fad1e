package config_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		file config.File
	}{
		{"empty", config.File{Version: config.CurrentVersion}},
		{"every kind", config.File{
			Version: config.CurrentVersion,
			Platform: config.Platform{
				PrincipalARNs:   []string{"arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:role/stowage-exporter"},
				AWSProfile:      "stowage",
				SessionDuration: 2*time.Hour + 30*time.Minute,
				TemplateURL:     "https://stowage-templates.s3.amazonaws.com/stowage-role.yaml",
			},
			Locations: []config.Location{
				func() config.Location {
					l := roleLocation("acme", externalID)
					l.S3.PendingExternalID = otherExternaID
					l.LastTest = &config.TestResult{At: created.Add(time.Minute), OK: true, Summary: "wrote, listed and read back a probe"}
					return l
				}(),
				keysLocation("kazoo"),
				minioLocation("nas-minio"),
				azureLocation("azure-key", accountKeyConn()),
				azureLocation("azure-sas", sasConn()),
				localLocation("nas"),
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			in := tt.file
			if err := config.Save(path, &in); err != nil {
				t.Fatalf("Save: %v", err)
			}
			if !in.Source.Exists || in.Source.Path != path {
				t.Errorf("Save did not update Source: %+v", in.Source)
			}
			got, err := config.Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !got.Source.Exists || got.Source.Path != path || len(got.Source.Warnings) != 0 {
				t.Errorf("Source = %+v, want existing %s without warnings", got.Source, path)
			}
			got.Source, in.Source = config.Source{}, config.Source{}
			if !reflect.DeepEqual(*got, in) {
				t.Errorf("round trip changed the file:\n got %+v\nwant %+v", *got, in)
			}
			// Saving what was loaded gives the same bytes: no drift.
			first, _ := os.ReadFile(path)
			if err := config.Save(path, got); err != nil {
				t.Fatal(err)
			}
			second, _ := os.ReadFile(path)
			if !bytes.Equal(first, second) {
				t.Errorf("second save differs:\n%s\n---\n%s", first, second)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "config.yaml")
	f, err := config.Load(path)
	if err != nil {
		t.Fatalf("Load of a missing file: %v", err)
	}
	if f.Source.Exists || f.Source.Path != path || f.Version != config.CurrentVersion || len(f.Locations) != 0 {
		t.Errorf("got %+v, want an empty file that does not exist", f)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load created the directory: %v", err)
	}
}

func TestSaveAtomicAndPrivate(t *testing.T) {
	tests := []struct {
		name     string
		existing os.FileMode // 0: no file before the save
	}{
		{"new file", 0},
		{"replaces a 0644 file", 0o644},
		{"replaces a 0600 file", 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.yaml")
			if tt.existing != 0 {
				writeFile(t, dir, "version: 1\nlocations: []\n", tt.existing)
			}
			f := &config.File{Version: 1, Locations: []config.Location{keysLocation("kazoo")}}
			if err := config.Save(path, f); err != nil {
				t.Fatal(err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Name() != "config.yaml" {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("directory holds %v, want only config.yaml (no temp files)", names)
			}
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
				t.Errorf("mode = %#o, want 0600", info.Mode().Perm())
			}
		})
	}
}

func TestSaveCreatesPrivateDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
	base := t.TempDir()
	path := filepath.Join(base, "xdg", "stowage", "config.yaml")
	if err := config.Save(path, &config.File{}); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %#o, want 0700", info.Mode().Perm())
	}
	f, err := config.Load(path)
	if err != nil || f.Version != config.CurrentVersion {
		t.Errorf("Load after Save of an empty File: %v, %+v", err, f)
	}
}

func TestSaveFollowsSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "stowage.yaml")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := config.Save(link, &config.File{Locations: []config.Location{localLocation("nas")}}); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", info, err)
	}
	f, err := config.Load(link)
	if err != nil || len(f.Locations) != 1 {
		t.Errorf("Load through the link: %v %+v", err, f)
	}
}

func TestSaveRefusesInvalid(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "version: 1\nlocations: []\n", 0o600)
	bad := localLocation("nas")
	bad.Local.Path = "relative/path"
	err := config.Save(path, &config.File{Locations: []config.Location{bad}})
	if !errors.Is(err, validate.ErrInvalid) {
		t.Fatalf("Save of an invalid file: %v, want validate.ErrInvalid", err)
	}
	mustContain(t, err.Error(), `location "nas": local.path:`)
	if got, _ := os.ReadFile(path); string(got) != "version: 1\nlocations: []\n" {
		t.Errorf("file changed to %q", got)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		is      error
		want    []string // substrings of the error; "FILE" is replaced by the path
		wantNot []string
	}{
		{
			name: "unknown field",
			content: `version: 1
locations:
  - name: acme
    type: s3
    s3:
      bucket: acme-call-recordings
      region: us-east-1
      auth: default
      bucket_name: acme
`,
			is:   config.ErrSyntax,
			want: []string{`FILE:9: locations[0] ("acme").s3.bucket_name: unknown field; did you mean "bucket`},
		},
		{
			name:    "unknown top-level field lists nothing wrong",
			content: "version: 1\nLocaitons: []\n",
			is:      config.ErrSyntax,
			want:    []string{`FILE:2: Locaitons: unknown field; did you mean "locations"?`},
		},
		{
			name: "unknown field in flow mapping",
			content: `version: 1
locations:
  - {name: acme, type: local, local: {path: /mnt/nas, pth: x}}
`,
			is:   config.ErrSyntax,
			want: []string{`FILE:3: locations[0] ("acme").local.pth: unknown field`},
		},
		{
			name: "wrong kind never echoes the value",
			content: `version: 1
locations:
  - name: kazoo
    type: s3
    s3:
      bucket: kazoo-recordings
      region: us-west-1
      auth: keys
      access_key_id: AKIAIOSFODNN7EXAMPLE
      expiry_days: ` + fakeSecret + `
`,
			is:      config.ErrSyntax,
			want:    []string{`FILE:10: locations[0] ("kazoo").s3.expiry_days: expected a whole number, found text`},
			wantNot: []string{fakeSecret[:7]},
		},
		{
			name: "secret pasted as a key is not echoed",
			content: `version: 1
locations:
  - name: kazoo
    type: s3
    s3:
      bucket: kazoo-recordings
      ` + fakeSecret + `: x
`,
			is:      config.ErrSyntax,
			want:    []string{`FILE:7: locations[0] ("kazoo").s3.(unnamed): unknown field whose name is not shown`},
			wantNot: []string{fakeSecret[:7]},
		},
		{
			name:    "bad duration",
			content: "version: 1\nplatform:\n  session_duration: one hour\n",
			is:      config.ErrSyntax,
			want:    []string{`FILE:3: platform.session_duration: expected a duration such as 1h`},
		},
		{
			name: "bad value names file, line and field path",
			content: `version: 1
locations:
  - name: nas
    type: local
    local:
      path: /mnt/nas
  - name: acme
    type: s3
    s3:
      bucket: Acme_Recordings
      region: us-east-1
      auth: default
`,
			is:   validate.ErrInvalid,
			want: []string{`FILE:10: locations[1] ("acme").s3.bucket: `, "example: "},
		},
		{
			name: "missing role fields point at the s3 section",
			content: `version: 1
locations:
  - name: acme
    type: s3
    s3:
      bucket: acme-call-recordings
      region: us-east-1
      auth: role
`,
			is: validate.ErrInvalid,
			want: []string{
				`FILE:5: locations[0] ("acme").s3.role_arn: is required when auth is role; example: arn:aws:iam::`,
				`FILE:5: locations[0] ("acme").s3.external_id: is required when auth is role`,
			},
		},
		{
			name:    "bad platform value",
			content: "version: 1\nplatform:\n  principal_arns:\n    - arn:aws:iam::111122223333:root\n    - not-an-arn\n",
			is:      validate.ErrInvalid,
			want:    []string{`FILE:5: platform.principal_arns[1]: `},
		},
		{
			name: "bad connection string never echoes the key",
			content: `version: 1
locations:
  - name: azure
    type: azure-blob
    azure:
      container: call-recordings
      connection_string: "AccountName=acmerecordings;AccountKey=` + fakeSecret + `!!;EndpointSuffix=core.windows.net"
`,
			is:      validate.ErrInvalid,
			want:    []string{`FILE:7: locations[0] ("azure").azure.connection_string: `},
			wantNot: []string{fakeSecret[:8]},
		},
		{
			name: "duplicate names name both lines",
			content: `version: 1
locations:
  - name: acme
    type: local
    local:
      path: /mnt/a
  - name: other
    type: local
    local:
      path: /mnt/b
  - name: Acme
    type: local
    local:
      path: /mnt/c
`,
			is:   config.ErrDuplicateName,
			want: []string{`FILE:11: locations[2] ("Acme").name: duplicate location name: "Acme" is also the name of locations[0] ("acme") at line 3`},
		},
		{
			name: "shared external ID",
			content: `version: 1
locations:
  - name: acme
    type: s3
    s3: {bucket: acme-call-recordings, region: us-east-1, auth: role, role_arn: "` + roleARN + `", external_id: ` + externalID + `}
  - name: beta
    type: s3
    s3: {bucket: beta-call-recordings, region: us-east-1, auth: role, role_arn: "` + roleARN + `", external_id: ` + otherExternaID + `, pending_external_id: ` + externalID + `}
`,
			is:   config.ErrDuplicateExternalID,
			want: []string{`FILE:8: locations[1] ("beta").s3.pending_external_id: external ID shared by two locations: locations[0] ("acme") at line 3`},
		},
		{
			name:    "duplicate key",
			content: "version: 1\nlocations: []\nlocations: []\n",
			is:      config.ErrSyntax,
			want:    []string{`FILE:3: locations: key "locations" appears twice (first at line 2)`},
		},
		{
			name:    "missing version",
			content: "platform: {}\nlocations: []\n",
			is:      config.ErrMissingVersion,
			want:    []string{`FILE:1: no "version:" key; add "version: 1"`},
		},
		{
			name:    "empty file",
			content: "# nothing yet\n",
			is:      config.ErrMissingVersion,
			want:    []string{`FILE: the file is empty; it must start with "version: 1"`},
		},
		{
			name:    "version not a number",
			content: "version: one\n",
			is:      config.ErrSyntax,
			want:    []string{`FILE:1: version: must be a whole number; example: version: 1`},
		},
		{
			name:    "version zero",
			content: "version: 0\n",
			is:      config.ErrSyntax,
			want:    []string{`FILE:1: version: 0 is not a valid version`},
		},
		{
			name:    "newer version",
			content: "version: 2\nsome_future_field: true\n",
			is:      config.ErrNewerVersion,
			want:    []string{`FILE: this file was written by a newer Stowage (version 2); this build reads version 1 — upgrade stowage`},
		},
		{
			name:    "syntax error",
			content: "version: 1\nlocations:\n  - name: x\n  bad\n",
			is:      config.ErrSyntax,
			want:    []string{`FILE:4: invalid YAML: `},
		},
		{
			name:    "not a mapping",
			content: "- version: 1\n",
			is:      config.ErrSyntax,
			want:    []string{`FILE:1: expected a mapping`},
		},
		{
			name:    "two documents",
			content: "version: 1\n---\nversion: 1\n",
			is:      config.ErrSyntax,
			want:    []string{`only one YAML document is allowed`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), tt.content, 0o600)
			f, err := config.Load(path)
			if err == nil {
				t.Fatalf("Load succeeded: %+v", f)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
			var le *config.LoadError
			if !errors.As(err, &le) || le.Path != path {
				t.Errorf("error is not a *LoadError for %s: %#v", path, err)
			}
			msg := err.Error()
			for _, w := range tt.want {
				mustContain(t, msg, strings.ReplaceAll(w, "FILE", path))
			}
			for _, w := range tt.wantNot {
				if strings.Contains(msg, w) {
					t.Errorf("error %q contains %q", msg, w)
				}
			}
		})
	}
}

func TestNewerVersionNeverRewritten(t *testing.T) {
	const content = "version: 7\nfuture: {stuff: [1, 2]}\n"
	path := writeFile(t, t.TempDir(), content, 0o600)
	if _, err := config.Load(path); !errors.Is(err, config.ErrNewerVersion) {
		t.Fatalf("Load: %v, want ErrNewerVersion", err)
	}
	tests := []struct {
		name string
		file *config.File
	}{
		{"fresh file after ignoring the error", &config.File{}},
		{"file claiming the newer version", &config.File{Version: 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := config.Save(path, tt.file); !errors.Is(err, config.ErrNewerVersion) {
				t.Errorf("Save: %v, want ErrNewerVersion", err)
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != content {
				t.Errorf("file changed to %q (%v)", got, err)
			}
		})
	}
}

func TestPermissionWarning(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
	withSecret := &config.File{Locations: []config.Location{keysLocation("kazoo"), localLocation("nas")}}
	withSAS := &config.File{Locations: []config.Location{azureLocation("azure", sasConn())}}
	withAccountKey := &config.File{Locations: []config.Location{azureLocation("azure", accountKeyConn())}}
	withoutSecret := &config.File{Locations: []config.Location{roleLocation("acme", externalID), localLocation("nas"),
		azureLocation("azurite", "UseDevelopmentStorage=true")}}
	tests := []struct {
		name string
		file *config.File
		mode os.FileMode
		want string // "" for no warning
	}{
		{"secret key, 0644", withSecret, 0o644, `holds secret keys of location "kazoo"`},
		{"secret key, 0640", withSecret, 0o640, "mode 0640"},
		{"secret key, 0602 (writable by others)", withSecret, 0o602, "chmod 600"},
		{"SAS, 0644", withSAS, 0o644, `location "azure"`},
		{"account key, 0604", withAccountKey, 0o604, "chmod 600"},
		{"secret key, 0600", withSecret, 0o600, ""},
		{"secret key, 0400", withSecret, 0o400, ""},
		{"no secrets, 0644", withoutSecret, 0o644, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.yaml")
			if err := config.Save(path, tt.file); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			got := config.PermissionWarning(path)
			f, err := config.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if got != "" || len(f.Source.Warnings) != 0 {
					t.Errorf("unexpected warning %q / %q", got, f.Source.Warnings)
				}
				return
			}
			mustContain(t, got, tt.want, "chmod 600 ", path)
			if len(f.Source.Warnings) != 1 || f.Source.Warnings[0] != got {
				t.Errorf("Load warnings = %q, want [%q]", f.Source.Warnings, got)
			}
			for _, secret := range []string{fakeSecret, fakeSASSig, fakeAccountKey} {
				if strings.Contains(got, secret) {
					t.Errorf("warning contains a secret: %q", got)
				}
			}
		})
	}
}

func TestPermissionWarningUnparseable(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "version: 1\nlocations:\n  - s3: {secret_access_key: x\n", 0o644)
	mustContain(t, config.PermissionWarning(path), "chmod 600")
	if w := config.PermissionWarning(filepath.Join(dir, "missing.yaml")); w != "" {
		t.Errorf("warning for a missing file: %q", w)
	}
}
