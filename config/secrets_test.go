package config_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

func TestRedacted(t *testing.T) {
	tests := []struct {
		name    string
		loc     config.Location
		secrets []string // must not appear
		visible []string // must appear
		has     bool
	}{
		{"s3 keys", keysLocation("kazoo"), []string{fakeSecret}, []string{fakeAccessKey, config.RedactedSecret, userARN}, true},
		{"s3 role", roleLocation("acme", externalID), nil, []string{externalID, roleARN}, false},
		{"azure account key", azureLocation("azure", accountKeyConn()), []string{fakeAccountKey, fakeAccountKey[:20]},
			[]string{"AccountName=acmerecordings", "EndpointSuffix=core.windows.net", "AccountKey=" + config.RedactedSecret}, true},
		{"azure SAS", azureLocation("azure", sasConn()), []string{fakeSASSig, "sig="},
			[]string{"BlobEndpoint=https://acmerecordings.blob.core.windows.net", "SharedAccessSignature=" + config.RedactedSecret}, true},
		{"azure unparseable", azureLocation("azure", "AccountKey="+fakeSecret), []string{fakeSecret}, []string{"AccountKey=" + config.RedactedSecret}, true},
		{"azure unparseable fragment", azureLocation("azure", "AccountName=acme;AccountKey=abc;"+fakeSecret+"=="),
			[]string{fakeSecret, "abc"}, []string{"AccountName=acme;AccountKey=" + config.RedactedSecret + ";" + config.RedactedSecret}, true},
		{"azurite", azureLocation("azure", "UseDevelopmentStorage=true"), nil, []string{"UseDevelopmentStorage=true"}, false},
		{"local", localLocation("nas"), nil, []string{"/mnt/nas/recordings"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.loc.HasSecrets(); got != tt.has {
				t.Errorf("HasSecrets = %v, want %v", got, tt.has)
			}
			before, err := config.MarshalRedacted(tt.loc.Redacted()) // redacting twice is harmless
			if err != nil {
				t.Fatal(err)
			}
			out, err := config.MarshalRedacted(tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if string(before) != string(out) {
				t.Errorf("Redacted is not idempotent:\n%s\n%s", before, out)
			}
			for _, s := range tt.secrets {
				if strings.Contains(string(out), s) {
					t.Errorf("redacted output contains secret %q:\n%s", s, out)
				}
			}
			mustContain(t, string(out), tt.visible...)
			if tt.loc.Redacted().HasSecrets() {
				t.Error("redacted location still has secrets")
			}
		})
	}

	// Redacted is a deep copy: the original keeps its secrets.
	orig := keysLocation("kazoo")
	_ = orig.Redacted()
	if orig.S3.SecretAccessKey != fakeSecret {
		t.Error("Redacted changed the original")
	}
	az := azureLocation("azure", accountKeyConn())
	_ = az.Redacted()
	if az.Azure.ConnectionString != accountKeyConn() {
		t.Error("Redacted changed the original connection string")
	}
}

func TestNewExternalID(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z2-7]{32}$`)
	seen := map[string]bool{}
	for range 1000 {
		id, err := config.NewExternalID()
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(id) {
			t.Fatalf("external ID %q is not 32 characters of a-z2-7", id)
		}
		if err := validate.ExternalID(id); err != nil {
			t.Fatalf("validate.ExternalID(%q) = %v", id, err)
		}
		if seen[id] {
			t.Fatalf("duplicate external ID %q", id)
		}
		seen[id] = true
	}
}

func TestNewExternalIDFor(t *testing.T) {
	f := sampleFile()
	f.Locations[0].S3.PendingExternalID = otherExternaID
	for range 100 {
		id, err := f.NewExternalIDFor("beta")
		if err != nil {
			t.Fatal(err)
		}
		if id == externalID || id == otherExternaID {
			t.Fatalf("NewExternalIDFor reused %q", id)
		}
	}
}

func TestExternalIDRotation(t *testing.T) {
	s := roleLocation("acme", externalID).S3
	if err := s.ConfirmExternalID(); !errors.Is(err, config.ErrNoRotation) {
		t.Errorf("Confirm without rotation = %v, want ErrNoRotation", err)
	}
	newID, err := s.RotateExternalID()
	if err != nil {
		t.Fatal(err)
	}
	if newID == externalID || s.PendingExternalID != newID || s.ExternalID != externalID {
		t.Fatalf("after rotate: current %q pending %q new %q", s.ExternalID, s.PendingExternalID, newID)
	}
	if got := s.ExternalIDsInForce(); !slices.Equal(got, []string{externalID, newID}) {
		t.Errorf("in force during rotation = %v, want old and new", got)
	}
	if err := (config.Location{Name: "acme", Type: config.TypeS3, S3: s}).Validate(); err != nil {
		t.Errorf("location mid-rotation invalid: %v", err)
	}

	// Rotating again replaces the pending ID; the current one stays.
	again, err := s.RotateExternalID()
	if err != nil {
		t.Fatal(err)
	}
	if again == newID || s.ExternalID != externalID || s.PendingExternalID != again {
		t.Errorf("second rotate: current %q pending %q", s.ExternalID, s.PendingExternalID)
	}

	s.CancelRotation()
	if s.PendingExternalID != "" || s.ExternalID != externalID {
		t.Errorf("after cancel: current %q pending %q", s.ExternalID, s.PendingExternalID)
	}
	if got := s.ExternalIDsInForce(); !slices.Equal(got, []string{externalID}) {
		t.Errorf("in force after cancel = %v", got)
	}

	newID, _ = s.RotateExternalID()
	if err := s.ConfirmExternalID(); err != nil {
		t.Fatal(err)
	}
	if s.ExternalID != newID || s.PendingExternalID != "" {
		t.Errorf("after confirm: current %q pending %q, want %q and none", s.ExternalID, s.PendingExternalID, newID)
	}
	if got := s.ExternalIDsInForce(); !slices.Equal(got, []string{newID}) {
		t.Errorf("in force after confirm = %v", got)
	}

	empty := &config.S3{Auth: config.AuthRole}
	if _, err := empty.RotateExternalID(); !errors.Is(err, config.ErrNoExternalID) {
		t.Errorf("rotate without an ID = %v, want ErrNoExternalID", err)
	}
}

func TestFileRotateExternalID(t *testing.T) {
	f := sampleFile()
	id, err := f.RotateExternalID("acme")
	if err != nil {
		t.Fatal(err)
	}
	l, _ := f.Find("acme")
	if l.S3.PendingExternalID != id || l.S3.ExternalID != externalID {
		t.Errorf("rotation not applied: %+v", l.S3)
	}
	if err := f.Validate(); err != nil {
		t.Errorf("file mid-rotation invalid: %v", err)
	}
	if _, err := f.RotateExternalID("nas"); err == nil {
		t.Error("rotating a local location succeeded")
	}
	if _, err := f.RotateExternalID("acm"); !errors.Is(err, config.ErrNotFound) {
		t.Errorf("rotating a missing location = %v, want ErrNotFound", err)
	}
}
