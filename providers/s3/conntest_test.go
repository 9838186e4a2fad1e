package s3

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"
	"github.com/stowage-dev/stowage/providers"
)

// TestConnectionPass runs the whole test with a user holding exactly the
// location's least-privilege policy.
func TestConnectionPass(t *testing.T) {
	m := tlsMinIO(t)
	tests := []struct {
		name             string
		readBack, delete bool
		checksum         string
		wantGet, wantDel providers.Status
	}{
		{"write only", false, false, config.ChecksumWhenRequired, providers.StatusSkipped, providers.StatusSkipped},
		{"read back and delete", true, true, config.ChecksumWhenSupported, providers.StatusPass, providers.StatusPass},
		{"read back without delete", true, false, "", providers.StatusPass, providers.StatusSkipped},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := keysLocation(m, newBucket(t, m), "", "")
			loc.S3.ReadBack, loc.S3.Delete, loc.S3.ChecksumMode = tc.readBack, tc.delete, tc.checksum
			loc.S3.AccessKeyID, loc.S3.SecretAccessKey = m.CreateUser(t, leastPrivilege(t, loc))

			rep := runTest(t, openS3(t, loc))
			if !rep.OK() {
				t.Fatalf("report not OK:%s", dump(rep))
			}
			for _, id := range []string{"endpoint", "credentials", "region", "list", "put"} {
				if c := checkOf(t, rep, id); c.Status != providers.StatusPass {
					t.Errorf("%s = %s, want pass:%s", id, c.Status, dump(rep))
				}
			}
			if c := checkOf(t, rep, "get"); c.Status != tc.wantGet {
				t.Errorf("get = %s, want %s:%s", c.Status, tc.wantGet, dump(rep))
			}
			if c := checkOf(t, rep, "delete"); c.Status != tc.wantDel {
				t.Errorf("delete = %s, want %s:%s", c.Status, tc.wantDel, dump(rep))
			}
			put := checkOf(t, rep, "put")
			if !regexp.MustCompile(`exports/\.stowage/connection-test-\d{8}T\d{6}Z-[0-9a-f]{6}\.txt`).MatchString(put.Detail) {
				t.Errorf("put detail %q does not name the test object under the prefix", put.Detail)
			}
			if tc.delete != strings.Contains(put.Detail, "deleted at the end") || tc.delete == strings.Contains(put.Detail, "stays") {
				t.Errorf("put detail %q does not say whether the object stays (delete=%v)", put.Detail, tc.delete)
			}
			if !strings.Contains(put.Detail, "CRC32C") {
				t.Errorf("put detail %q does not mention the verified checksum", put.Detail)
			}
			for _, c := range rep.Checks {
				if c.Advisory && c.Status == providers.StatusFail {
					t.Errorf("advisory check %s failed", c.ID)
				}
				if !c.Advisory && c.ID != "get" && c.ID != "delete" && c.Status == providers.StatusSkipped {
					t.Errorf("check %s skipped: %s", c.ID, c.Detail)
				}
			}

			// The object stays only when delete is not granted.
			var keys []string
			p := openS3(t, keysLocation(m, loc.S3.Bucket, m.RootUser, m.RootPassword))
			if err := p.List(context.Background(), ".stowage/", func(o providers.Object) error {
				keys = append(keys, o.Key)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 0, false: 1}[tc.delete]; len(keys) != want {
				t.Errorf("test objects left: %v, want %d", keys, want)
			}
		})
	}
}

// TestConnectionFailures covers each way a location can be wrong, and that
// the failing check names the field and the missing permission.
func TestConnectionFailures(t *testing.T) {
	m := tlsMinIO(t)
	tests := []struct {
		name string
		// setup returns the location to test.
		setup   func(t *testing.T) config.Location
		failID  string
		field   string
		code    string
		hintHas []string
		// statement is the action whose policy statement the hint quotes.
		statement string
		skippedAt []string
	}{
		{
			name: "wrong secret",
			setup: func(t *testing.T) config.Location {
				loc := keysLocation(m, newBucket(t, m), "", "")
				loc.S3.AccessKeyID, _ = m.CreateUser(t, leastPrivilege(t, loc))
				loc.S3.SecretAccessKey = strings.Repeat("x", 40)
				return loc
			},
			failID: "credentials", field: "secret_access_key", code: "SignatureDoesNotMatch",
			hintHas:   []string{"secret_access_key"},
			skippedAt: []string{"region", "list", "put"},
		},
		{
			name: "unknown access key",
			setup: func(t *testing.T) config.Location {
				return keysLocation(m, newBucket(t, m), "AKIAUNKNOWNUNKNOWN12", strings.Repeat("y", 40))
			},
			failID: "credentials", field: "access_key_id", code: "InvalidAccessKeyId",
			hintHas: []string{"access_key_id"},
		},
		{
			name: "no PutObject",
			setup: func(t *testing.T) config.Location {
				loc := keysLocation(m, newBucket(t, m), "", "")
				loc.S3.AccessKeyID, loc.S3.SecretAccessKey = m.CreateUser(t,
					policyJSON(t, loc.S3.Bucket, loc.S3.Prefix, []string{"s3:ListBucket", "s3:GetBucketLocation"}, []string{"s3:GetObject"}))
				return loc
			},
			failID: "put", code: "AccessDenied",
			hintHas:   []string{"s3:PutObject on arn:aws:s3:::{bucket}/exports/*"},
			statement: "s3:PutObject",
		},
		{
			name: "no ListBucket",
			setup: func(t *testing.T) config.Location {
				loc := keysLocation(m, newBucket(t, m), "", "")
				loc.S3.AccessKeyID, loc.S3.SecretAccessKey = m.CreateUser(t,
					policyJSON(t, loc.S3.Bucket, loc.S3.Prefix, []string{"s3:GetBucketLocation"}, []string{"s3:PutObject"}))
				return loc
			},
			failID: "list", code: "AccessDenied",
			hintHas:   []string{"s3:ListBucket on arn:aws:s3:::{bucket}"},
			statement: "s3:ListBucket",
		},
		{
			name: "missing bucket",
			setup: func(t *testing.T) config.Location {
				return keysLocation(m, testenv.UniqueName("missing"), m.RootUser, m.RootPassword)
			},
			failID: "region", field: "bucket",
			hintHas:   []string{"bucket"},
			skippedAt: []string{"list", "put", "block-public-access"},
		},
		{
			// MinIO denies a bucket the user's policy does not name, even
			// one that does not exist: the hint must not only blame the
			// policy when the name was mistyped.
			name: "misspelt bucket denied",
			setup: func(t *testing.T) config.Location {
				loc := keysLocation(m, newBucket(t, m), "", "")
				loc.S3.AccessKeyID, loc.S3.SecretAccessKey = m.CreateUser(t, leastPrivilege(t, loc))
				loc.S3.Bucket = testenv.UniqueName("nope")
				return loc
			},
			failID: "region", code: "AccessDenied",
			hintHas: []string{"s3:GetBucketLocation on arn:aws:s3:::{bucket}", "or the bucket name is wrong — check it"},
		},
		{
			name: "missing bucket on MinIO",
			setup: func(t *testing.T) config.Location {
				return keysLocation(m, testenv.UniqueName("missing"), m.RootUser, m.RootPassword)
			},
			failID: "region", field: "bucket",
			hintHas:   []string{"the bucket does not exist on 127.0.0.1:", "check the bucket name"},
			skippedAt: []string{"list", "put"},
		},
		{
			name: "unknown CA",
			setup: func(t *testing.T) config.Location {
				loc := keysLocation(m, newBucket(t, m), m.RootUser, m.RootPassword)
				loc.S3.CABundle = ""
				return loc
			},
			failID: "endpoint", field: "ca_bundle",
			hintHas:   []string{"set ca_bundle to the PEM of your CA"},
			skippedAt: []string{"credentials", "put"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := tc.setup(t)
			rep := runTest(t, openS3(t, loc))
			if rep.OK() {
				t.Fatalf("report OK, want %s to fail:%s", tc.failID, dump(rep))
			}
			c := checkOf(t, rep, tc.failID)
			if c.Status != providers.StatusFail {
				t.Fatalf("%s = %s, want fail:%s", tc.failID, c.Status, dump(rep))
			}
			if c.Field != tc.field {
				t.Errorf("%s field = %q, want %q", tc.failID, c.Field, tc.field)
			}
			if tc.code != "" && c.Code != tc.code {
				t.Errorf("%s code = %q, want %q", tc.failID, c.Code, tc.code)
			}
			for _, h := range tc.hintHas {
				if want := strings.ReplaceAll(h, "{bucket}", loc.S3.Bucket); !strings.Contains(c.Hint, want) {
					t.Errorf("%s hint %q does not contain %q", tc.failID, c.Hint, want)
				}
			}
			if tc.statement != "" {
				st, err := policies.StatementFor(loc, tc.statement)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(c.Hint, st) {
					t.Errorf("%s hint %q does not quote the statement\n%s", tc.failID, c.Hint, st)
				}
			}
			for _, id := range tc.skippedAt {
				if s := checkOf(t, rep, id); s.Status != providers.StatusSkipped {
					t.Errorf("%s = %s after %s failed, want skipped", id, s.Status, tc.failID)
				}
			}
			if s := loc.S3.SecretAccessKey; s != "" {
				for _, c := range rep.Checks {
					if strings.Contains(c.Detail+c.Hint, s) {
						t.Errorf("check %s shows the secret access key", c.ID)
					}
				}
			}
		})
	}
}

// TestConnectionWrongRegion runs against a MinIO started in eu-west-2 while
// the location says us-east-1: the region check fails with the fix.
func TestConnectionWrongRegion(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true, Region: "eu-west-2"})
	loc := keysLocation(m, newBucket(t, m), m.RootUser, m.RootPassword)
	loc.S3.Region = "us-east-1"
	p := openS3(t, loc)
	rep := runTest(t, p)
	c := checkOf(t, rep, "region")
	if c.Status != providers.StatusFail || c.Field != "region" || c.Fix != "eu-west-2" {
		t.Fatalf("region = %s field %q fix %q, want fail region eu-west-2:%s", c.Status, c.Field, c.Fix, dump(rep))
	}
	if want := "the bucket is in eu-west-2; set region to eu-west-2"; !strings.Contains(c.Hint, want) {
		t.Errorf("hint %q, want %q", c.Hint, want)
	}
	if s := checkOf(t, rep, "put"); s.Status != providers.StatusSkipped {
		t.Errorf("put = %s after a region mismatch, want skipped", s.Status)
	}

	// Plain operations name the region too.
	f, _ := randomFile(t, 10)
	_, err := p.Put(context.Background(), "a.bin", f, 10, providers.PutOptions{})
	var pe *providers.Error
	if !errors.Is(err, providers.ErrWrongRegion) || !errors.As(err, &pe) || pe.Region != "eu-west-2" {
		t.Fatalf("Put in the wrong region = %v, want ErrWrongRegion with region eu-west-2", err)
	}

	loc.S3.Region = "eu-west-2"
	if rep := runTest(t, openS3(t, loc)); !rep.OK() {
		t.Fatalf("with the detected region the test still fails:%s", dump(rep))
	}
}

// TestConnectionClosedPort must answer quickly, naming the endpoint.
func TestConnectionClosedPort(t *testing.T) {
	port := testenv.FreePort(t)
	loc := config.Location{Name: "closed", Type: config.TypeS3, S3: &config.S3{
		Bucket: "b", Region: "us-east-1", Endpoint: fmt.Sprintf("https://127.0.0.1:%d", port), PathStyle: true,
		Auth: config.AuthKeys, AccessKeyID: "AKIAEXAMPLEEXAMPLE12", SecretAccessKey: strings.Repeat("s", 40),
	}}
	p := openS3(t, loc)
	start := time.Now()
	rep := runTest(t, p)
	if elapsed := time.Since(start); elapsed > 12*time.Second {
		t.Errorf("the test took %v against a closed port, want < 12s", elapsed)
	}
	c := checkOf(t, rep, "endpoint")
	if c.Status != providers.StatusFail || c.Field != "endpoint" || !strings.Contains(c.Hint, "nothing accepts connections") {
		t.Fatalf("endpoint = %s field %q hint %q:%s", c.Status, c.Field, c.Hint, dump(rep))
	}
	if s := checkOf(t, rep, "credentials"); s.Status != providers.StatusSkipped {
		t.Errorf("credentials = %s, want skipped", s.Status)
	}

	start = time.Now()
	f, _ := randomFile(t, 10)
	_, err := p.Put(context.Background(), "x", f, 10, providers.PutOptions{})
	if !errors.Is(err, providers.ErrNetwork) || !providers.IsRetryable(err) {
		t.Errorf("Put to a closed port = %v, want a retryable ErrNetwork", err)
	}
	if elapsed := time.Since(start); elapsed > 12*time.Second {
		t.Errorf("Put took %v against a closed port, want < 12s", elapsed)
	}
}

// TestConnectionCABundle: an unknown CA fails with a clear message and the
// same location works once ca_bundle names the CA's PEM.
func TestConnectionCABundle(t *testing.T) {
	m := tlsMinIO(t)
	loc := keysLocation(m, newBucket(t, m), m.RootUser, m.RootPassword)
	loc.S3.CABundle = ""
	f, _ := randomFile(t, 10)
	_, err := openS3(t, loc).Put(context.Background(), "x", f, 10, providers.PutOptions{})
	var pe *providers.Error
	if !errors.Is(err, providers.ErrNetwork) || !errors.As(err, &pe) || !strings.Contains(pe.Hint, "set ca_bundle") {
		t.Fatalf("Put with an unknown CA = %v, want ErrNetwork with a ca_bundle hint", err)
	}
	if !strings.Contains(err.Error(), "unknown authority") {
		t.Errorf("error %q does not say the authority is unknown", err)
	}

	loc.S3.CABundle = m.CAFile
	if rep := runTest(t, openS3(t, loc)); !rep.OK() {
		t.Fatalf("with ca_bundle the test fails:%s", dump(rep))
	}

	// A bundle that cannot be used is refused at open, naming the field.
	for name, content := range map[string]string{"empty.pem": "", "garbage.pem": "not a certificate"} {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		loc.S3.CABundle = path
		_, err := Open(context.Background(), loc, providers.Options{})
		if !errors.Is(err, providers.ErrInvalidConfig) || !strings.Contains(err.Error(), "") || !errors.As(err, &pe) || !strings.Contains(pe.Hint, "ca_bundle") {
			t.Errorf("Open with %s = %v, want ErrInvalidConfig naming ca_bundle", name, err)
		}
	}
}

// TestConnectionRoleMode assumes a role through MinIO's STS, with base
// credentials from the environment only.
func TestConnectionRoleMode(t *testing.T) {
	m := tlsMinIO(t)
	bucket := newBucket(t, m)
	loc := keysLocation(m, bucket, "", "")
	loc.S3.Auth, loc.S3.AccessKeyID, loc.S3.SecretAccessKey = config.AuthRole, "", ""
	loc.S3.RoleARN = "arn:aws:iam::123456789012:role/StowageExport"
	loc.S3.ExternalID = "stowage-3f2a9c1e7b5d4a60"
	ak, sk := m.CreateUser(t, leastPrivilege(t, loc))
	isolateAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", ak)
	t.Setenv("AWS_SECRET_ACCESS_KEY", sk)

	p := openS3(t, loc)
	rep := runTest(t, p)
	if !rep.OK() {
		t.Fatalf("role mode report not OK:%s", dump(rep))
	}
	cred := checkOf(t, rep, "credentials")
	if cred.Status != providers.StatusPass || !strings.Contains(cred.Detail, loc.S3.RoleARN) || !strings.Contains(cred.Detail, "external ID") {
		t.Errorf("credentials = %s %q", cred.Status, cred.Detail)
	}
	if c := checkOf(t, rep, "external-id"); c.Status != providers.StatusSkipped || !strings.Contains(c.Detail, "does not enforce") {
		t.Errorf("external-id on MinIO = %s %q, want skipped as not enforceable", c.Status, c.Detail)
	}
	if c := checkOf(t, rep, "put"); c.Status != providers.StatusPass {
		t.Errorf("put = %s", c.Status)
	}

	// The assumed session carries the user's policy: writing outside the
	// prefix is denied, inside works.
	f, data := randomFile(t, 1000)
	if _, err := p.Put(context.Background(), "call-1.wav", f, int64(len(data)), providers.PutOptions{}); err != nil {
		t.Fatalf("Put with assumed role: %v", err)
	}
	v, err := p.creds.Retrieve(context.Background())
	if err != nil || v.SessionToken == "" || v.AccessKeyID == ak {
		t.Errorf("credentials are not an assumed-role session (err %v)", err)
	}
}

// TestConnectionRoleModeBadBase: without base credentials role mode fails on
// the credentials check with a hint about the platform's profile.
func TestConnectionRoleModeBadBase(t *testing.T) {
	m := tlsMinIO(t)
	loc := keysLocation(m, newBucket(t, m), "", "")
	loc.S3.Auth, loc.S3.AccessKeyID, loc.S3.SecretAccessKey = config.AuthRole, "", ""
	loc.S3.RoleARN = "arn:aws:iam::123456789012:role/StowageExport"
	isolateAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAUNKNOWNUNKNOWN12")
	t.Setenv("AWS_SECRET_ACCESS_KEY", strings.Repeat("z", 40))

	rep := runTest(t, openS3(t, loc))
	c := checkOf(t, rep, "credentials")
	if c.Status != providers.StatusFail {
		t.Fatalf("credentials = %s, want fail:%s", c.Status, dump(rep))
	}
	if !strings.Contains(c.Detail, "assume-role") || c.Hint == "" {
		t.Errorf("credentials detail %q hint %q do not name the role assumption", c.Detail, c.Hint)
	}
}

// isolateAWSEnv keeps the machine's AWS files and variables out of a test.
func isolateAWSEnv(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_STS",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CA_BUNDLE", "AWS_EC2_METADATA_DISABLED"} {
		t.Setenv(v, "")
	}
	// No instance metadata lookups (they would wait for a timeout).
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// TestConnectionEncryptionUnsupported: a store without KMS refuses SSE; the
// put check names the encryption setting, and the refusal is not mistaken
// for a refused checksum header.
func TestConnectionEncryptionUnsupported(t *testing.T) {
	m := tlsMinIO(t)
	for _, enc := range []config.Encryption{config.EncryptionSSES3, config.EncryptionSSEKMS} {
		t.Run(string(enc), func(t *testing.T) {
			loc := keysLocation(m, newBucket(t, m), m.RootUser, m.RootPassword)
			loc.S3.Encryption = enc
			loc.S3.ChecksumMode = config.ChecksumWhenRequired
			if enc == config.EncryptionSSEKMS {
				loc.S3.KMSKeyARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
			}
			p := openS3(t, loc)
			rep := runTest(t, p)
			c := checkOf(t, rep, "put")
			if c.Status != providers.StatusFail || c.Field != "encryption" || !strings.Contains(c.Hint, "set encryption to none") {
				t.Fatalf("put = %s field %q hint %q:%s", c.Status, c.Field, c.Hint, dump(rep))
			}
			if p.noChecksumHeaders.Load() {
				t.Error("an encryption refusal turned checksum headers off")
			}
		})
	}
}

// TestConnectionDefaultMode uses the ambient credential chain (here the
// environment variables) as it is.
func TestConnectionDefaultMode(t *testing.T) {
	m := tlsMinIO(t)
	loc := keysLocation(m, newBucket(t, m), "", "")
	loc.S3.Auth, loc.S3.AccessKeyID, loc.S3.SecretAccessKey = config.AuthDefault, "", ""
	ak, sk := m.CreateUser(t, leastPrivilege(t, loc))
	isolateAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", ak)
	t.Setenv("AWS_SECRET_ACCESS_KEY", sk)
	rep := runTest(t, openS3(t, loc))
	if !rep.OK() {
		t.Fatalf("default mode report not OK:%s", dump(rep))
	}

	t.Setenv("AWS_SECRET_ACCESS_KEY", strings.Repeat("w", 40))
	rep = runTest(t, openS3(t, loc))
	if c := checkOf(t, rep, "credentials"); c.Status != providers.StatusFail || c.Code != "SignatureDoesNotMatch" {
		t.Fatalf("credentials with a wrong ambient secret = %s %q:%s", c.Status, c.Code, dump(rep))
	}
}

// TestDetectPrincipal: MinIO's STS has no GetCallerIdentity, so the call
// fails, but as a storage error that names the store's answer; a missing
// profile is reported as such.
func TestDetectPrincipal(t *testing.T) {
	m := tlsMinIO(t)
	isolateAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", m.RootUser)
	t.Setenv("AWS_SECRET_ACCESS_KEY", m.RootPassword)
	t.Setenv("AWS_CA_BUNDLE", m.CAFile)
	_, err := DetectPrincipal(context.Background(), config.Platform{}, m.Endpoint)
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Code != "InvalidParameterValue" {
		t.Errorf("DetectPrincipal on MinIO = %v, want the store's InvalidParameterValue", err)
	}
	assertNoSDKTypes(t, err)

	_, err = DetectPrincipal(context.Background(), config.Platform{AWSProfile: "no-such-profile"}, m.Endpoint)
	if !errors.Is(err, providers.ErrInvalidConfig) || !errors.As(err, &pe) || !strings.Contains(pe.Hint, `"no-such-profile"`) {
		t.Errorf("DetectPrincipal with a missing profile = %v, want ErrInvalidConfig naming it", err)
	}
}
