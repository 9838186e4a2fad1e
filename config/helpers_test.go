package config_test

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
)

// Recognisable fake secrets: if any of them shows up in output that should
// be redacted, strings.Contains finds it.
const (
	fakeSecret     = "FAKEsecretFAKEsecretFAKEsecretFAKEsecret"
	fakeSASSig     = "FAKESASSIGNATUREfakesas"
	fakeAccessKey  = "AKIAIOSFODNN7EXAMPLE"
	roleARN        = "arn:aws:iam::123456789012:role/StowageExport"
	userARN        = "arn:aws:iam::123456789012:user/stowage-export"
	kmsARN         = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	externalID     = "n3xkw7qz5bp2yrfmt4hc6dvaj2slge5o"
	otherExternaID = "abcdefghijklmnopqrstuvwxyz234567"
)

var fakeAccountKey = base64.StdEncoding.EncodeToString([]byte("FAKE-ACCOUNT-KEY-recognisable-0123456789"))

func accountKeyConn() string {
	return "DefaultEndpointsProtocol=https;AccountName=acmerecordings;AccountKey=" + fakeAccountKey + ";EndpointSuffix=core.windows.net"
}

func sasConn() string {
	return "BlobEndpoint=https://acmerecordings.blob.core.windows.net;SharedAccessSignature=sv=2022-11-02&ss=b&srt=co&sp=rwl&sig=" + fakeSASSig
}

var created = time.Date(2025, 1, 31, 9, 0, 0, 0, time.UTC)

func roleLocation(name, id string) config.Location {
	return config.Location{
		Name: name,
		Type: config.TypeS3,
		S3: &config.S3{
			Bucket: "acme-call-recordings", Region: "us-east-1", Prefix: "exports/",
			Auth: config.AuthRole, RoleARN: roleARN, ExternalID: id,
			Encryption: config.EncryptionSSEKMS, KMSKeyARN: kmsARN,
			BucketOwnerFullControl: true, ReadBack: true, ExpiryDays: 30,
		},
		CreatedAt: created, UpdatedAt: created,
	}
}

func keysLocation(name string) config.Location {
	return config.Location{
		Name: name,
		Type: config.TypeS3,
		S3: &config.S3{
			Bucket: "kazoo-recordings", Region: "us-west-1",
			Auth: config.AuthKeys, AccessKeyID: fakeAccessKey, SecretAccessKey: fakeSecret, UserARN: userARN,
			Encryption: config.EncryptionSSES3,
		},
	}
}

func minioLocation(name string) config.Location {
	return config.Location{
		Name: name,
		Type: config.TypeS3,
		S3: &config.S3{
			Bucket: "recordings", Region: "garage", Endpoint: "http://127.0.0.1:9000", PathStyle: true,
			Auth: config.AuthKeys, AccessKeyID: "minioadmin", SecretAccessKey: "minio-" + fakeSecret,
			ChecksumMode: config.ChecksumWhenRequired,
		},
	}
}

func azureLocation(name, conn string) config.Location {
	return config.Location{
		Name:  name,
		Type:  config.TypeAzure,
		Azure: &config.Azure{Container: "call-recordings", ConnectionString: conn, Prefix: "calls/", ReadBack: true, SASExpiryDays: 365},
	}
}

func localLocation(name string) config.Location {
	return config.Location{Name: name, Type: config.TypeLocal, Local: &config.Local{Path: "/mnt/nas/recordings"}}
}

// writeFile writes content to dir/config.yaml with mode and returns the path.
func writeFile(t *testing.T, dir, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // WriteFile is subject to the umask
		t.Fatal(err)
	}
	return p
}

// leaves flattens errors.Join trees into their leaf errors.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

// fields returns the Field of every *config.FieldError in err.
func fields(err error) []string {
	var out []string
	for _, e := range leaves(err) {
		var fe *config.FieldError
		if errors.As(e, &fe) {
			out = append(out, fe.Field)
		}
	}
	return out
}

func mustContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%q\ndoes not contain %q", s, sub)
		}
	}
}
