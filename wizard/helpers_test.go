package wizard

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
)

// Values used across the tests. The secrets are AWS's and Azurite's
// published examples, so no real credential is in the repository.
const (
	roleARN      = "arn:aws:iam::111122223333:role/StowageExport"
	userARN      = "arn:aws:iam::111122223333:user/stowage-export"
	kmsARN       = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	keyID        = "AKIAIOSFODNN7EXAMPLE"
	secretKey    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	azuriteKey   = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
	connString   = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + azuriteKey + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
	principalARN = "arn:aws:iam::235487987553:root"
	minioSecret  = "minio-secret-key-for-tests"
)

var testPlatform = config.Platform{PrincipalARNs: []string{principalARN}}

// fixedNow is the clock of every test, so saved times are predictable.
func fixedNow() time.Time { return time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC) }

// tempConfig returns a path in a fresh temporary directory.
func tempConfig(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "stowage", "config.yaml")
}

// load reads the file written by config.Save.
func load(t *testing.T, path string) *config.File {
	t.Helper()
	f, err := config.Load(path)
	if err != nil {
		t.Fatalf("config.Load(%s): %v", path, err)
	}
	return f
}

// mustSet sets a field that the test expects to be valid.
func mustSet(t *testing.T, w *Wizard, id, v string) {
	t.Helper()
	if err := w.Set(id, v); err != nil {
		t.Fatalf("Set(%q, %q): %v", id, v, err)
	}
}

// mustNext moves on from a step the test expects to be complete.
func mustNext(t *testing.T, w *Wizard, want Step) {
	t.Helper()
	from := w.Step()
	if err := w.Next(); err != nil {
		t.Fatalf("Next from %s: %v", from, err)
	}
	if w.Step() != want {
		t.Fatalf("Next from %s went to %s, want %s", from, w.Step(), want)
	}
}

// field returns the field id of step, failing when it is not there.
func field(t *testing.T, w *Wizard, step Step, id string) Field {
	t.Helper()
	for _, f := range w.Fields(step) {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("step %s has no field %q", step, id)
	return Field{}
}

// fieldErrors returns the field IDs of every *FieldError in err.
func fieldErrors(err error) []string {
	var ids []string
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		var fe *FieldError
		if x, ok := e.(*FieldError); ok {
			fe = x
			ids = append(ids, fe.Field)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, c := range j.Unwrap() {
				walk(c)
			}
			return
		}
		walk(errors.Unwrap(e))
	}
	walk(err)
	return ids
}

// savedRole writes a file with one saved S3 role location and returns a
// wizard on it and the file's path.
func savedRole(t *testing.T, name string) (*Wizard, string) {
	t.Helper()
	path := tempConfig(t)
	w := New(&config.File{Version: config.CurrentVersion, Platform: testPlatform}, testPlatform, fixedNow)
	if err := w.Apply(map[string]string{
		"name": name, "type": ChoiceS3Role, "bucket": "acme-call-recordings", "region": "eu-west-1", "role_arn": roleARN,
	}); err != nil {
		t.Fatal(err)
	}
	if err := w.Advance(); err != nil {
		t.Fatal(err)
	}
	if err := w.Save(path, config.Save); err != nil {
		t.Fatal(err)
	}
	return w, path
}
