package testenv

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// apiCode returns the S3 error code of err, or "" when it is not an API error.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

const leastPrivilegePolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket"], "Resource": ["arn:aws:s3:::%[1]s"]},
    {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::%[1]s/*"]}
  ]
}`

// checkPolicy runs S3 calls that leastPrivilegePolicy allows and denies.
func checkPolicy(t *testing.T, client *s3.Client, allowed, other string) {
	t.Helper()
	ops := []struct {
		name   string
		call   func(context.Context) error
		wantOK bool
	}{
		{"GetBucketLocation allowed bucket", func(c context.Context) error {
			_, err := client.GetBucketLocation(c, &s3.GetBucketLocationInput{Bucket: aws.String(allowed)})
			return err
		}, true},
		{"ListObjectsV2 allowed bucket", func(c context.Context) error {
			_, err := client.ListObjectsV2(c, &s3.ListObjectsV2Input{Bucket: aws.String(allowed)})
			return err
		}, true},
		{"PutObject allowed bucket", func(c context.Context) error {
			_, err := client.PutObject(c, &s3.PutObjectInput{Bucket: aws.String(allowed), Key: aws.String("rec/a.wav"), Body: strings.NewReader("audio")})
			return err
		}, true},
		{"GetObject allowed bucket denied", func(c context.Context) error {
			_, err := client.GetObject(c, &s3.GetObjectInput{Bucket: aws.String(allowed), Key: aws.String("rec/a.wav")})
			return err
		}, false},
		{"DeleteObject allowed bucket denied", func(c context.Context) error {
			_, err := client.DeleteObject(c, &s3.DeleteObjectInput{Bucket: aws.String(allowed), Key: aws.String("rec/a.wav")})
			return err
		}, false},
		{"PutObject other bucket denied", func(c context.Context) error {
			_, err := client.PutObject(c, &s3.PutObjectInput{Bucket: aws.String(other), Key: aws.String("x"), Body: strings.NewReader("x")})
			return err
		}, false},
		{"ListObjectsV2 other bucket denied", func(c context.Context) error {
			_, err := client.ListObjectsV2(c, &s3.ListObjectsV2Input{Bucket: aws.String(other)})
			return err
		}, false},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			err := op.call(ctx(t))
			switch {
			case op.wantOK && err != nil:
				t.Fatalf("want success, got %v", err)
			case !op.wantOK && apiCode(err) != "AccessDenied":
				t.Fatalf("want AccessDenied, got %v", err)
			}
		})
	}
}

func TestMinIOTLS(t *testing.T) {
	start := time.Now()
	m := StartMinIO(t, MinIOOptions{TLS: true})
	t.Logf("MinIO (TLS) ready in %s", time.Since(start).Round(time.Millisecond))

	if !strings.HasPrefix(m.Endpoint, "https://127.0.0.1:") {
		t.Fatalf("Endpoint = %q, want https://127.0.0.1:PORT", m.Endpoint)
	}
	if m.CAFile == "" || m.CAPool == nil {
		t.Fatal("CAFile/CAPool not set for a TLS server")
	}
	if m.Region != "" || m.SigningRegion() != DefaultRegion {
		t.Fatalf("Region = %q, SigningRegion = %q; want \"\" and %s", m.Region, m.SigningRegion(), DefaultRegion)
	}

	t.Run("certificate is not publicly trusted", func(t *testing.T) {
		_, err := http.Get(m.Endpoint + "/minio/health/live")
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Fatalf("plain client: want x509.UnknownAuthorityError, got %v", err)
		}
		resp, err := m.HTTPClient.Get(m.Endpoint + "/minio/health/live")
		if err != nil {
			t.Fatalf("CA-trusting client: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("health/live = %s", resp.Status)
		}
	})

	allowed, other := UniqueName("allowed"), UniqueName("other")
	m.CreateBucket(t, allowed)
	m.CreateBucket(t, other)
	ak, sk := m.CreateUser(t, fmt.Sprintf(leastPrivilegePolicy, allowed))

	t.Run("user keys", func(t *testing.T) {
		checkPolicy(t, m.S3Client(t, ak, sk), allowed, other)
	})

	t.Run("wrong secret", func(t *testing.T) {
		_, err := m.S3Client(t, ak, sk+"x").ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: aws.String(allowed)})
		if got := apiCode(err); got != "SignatureDoesNotMatch" {
			t.Fatalf("want SignatureDoesNotMatch, got %q (%v)", got, err)
		}
	})

	t.Run("STS AssumeRole", func(t *testing.T) {
		stsClient := sts.NewFromConfig(m.AWSConfig(ak, sk))
		provider := stscreds.NewAssumeRoleProvider(stsClient, "arn:aws:iam::123456789012:role/stowage", func(o *stscreds.AssumeRoleOptions) {
			o.ExternalID = aws.String("stowage-external-id-123")
			o.RoleSessionName = "stowage-testenv"
		})
		creds, err := provider.Retrieve(ctx(t))
		if err != nil {
			t.Fatalf("AssumeRole: %v", err)
		}
		if creds.SessionToken == "" || creds.AccessKeyID == ak || !creds.CanExpire {
			t.Fatalf("want temporary credentials with a session token, got key %q token %t expires %t",
				creds.AccessKeyID, creds.SessionToken != "", creds.CanExpire)
		}
		cfg := m.AWSConfig("", "")
		cfg.Credentials = aws.NewCredentialsCache(provider)
		checkPolicy(t, s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), allowed, other)
	})

	t.Run("stop and restart keep data", func(t *testing.T) {
		root := m.S3Client(t, "", "")
		if _, err := root.PutObject(ctx(t), &s3.PutObjectInput{Bucket: aws.String(allowed), Key: aws.String("keep"), Body: strings.NewReader("kept")}); err != nil {
			t.Fatal(err)
		}
		m.Stop(t)
		if _, err := root.HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: aws.String(allowed)}, func(o *s3.Options) {
			o.RetryMaxAttempts = 1
		}); err == nil {
			t.Fatal("HeadBucket succeeded while MinIO was stopped")
		}
		start := time.Now()
		m.Restart(t)
		t.Logf("restart took %s", time.Since(start).Round(time.Millisecond))
		out, err := root.GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String(allowed), Key: aws.String("keep")})
		if err != nil {
			t.Fatalf("GetObject after restart: %v", err)
		}
		body, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if string(body) != "kept" {
			t.Fatalf("body after restart = %q, want %q", body, "kept")
		}
		// The user must survive too: IAM lives in the data folder.
		checkPolicy(t, m.S3Client(t, ak, sk), allowed, other)
	})
}

func TestMinIORegion(t *testing.T) {
	tests := []struct {
		name, region, wantLocation string
	}{
		{"no region reports empty like us-east-1", "", ""},
		{"eu-west-2", "eu-west-2", "eu-west-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			m := StartMinIO(t, MinIOOptions{Region: tt.region})
			t.Logf("MinIO (HTTP) ready in %s", time.Since(start).Round(time.Millisecond))
			if !strings.HasPrefix(m.Endpoint, "http://127.0.0.1:") || m.CAFile != "" {
				t.Fatalf("Endpoint = %q CAFile = %q, want plain http and no CA", m.Endpoint, m.CAFile)
			}
			bucket := UniqueName("region")
			m.CreateBucket(t, bucket)
			out, err := m.S3Client(t, "", "").GetBucketLocation(ctx(t), &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(out.LocationConstraint); got != tt.wantLocation {
				t.Fatalf("LocationConstraint = %q, want %q", got, tt.wantLocation)
			}
		})
	}
}

func TestMinIOStoppedAtCleanup(t *testing.T) {
	var endpoint string
	var client *http.Client
	t.Run("server", func(t *testing.T) {
		m := StartMinIO(t, MinIOOptions{})
		endpoint, client = m.Endpoint, m.HTTPClient
	})
	// The subtest's cleanup has run: nothing may answer on the port.
	if resp, err := client.Get(endpoint + "/minio/health/live"); err == nil {
		resp.Body.Close()
		t.Fatalf("MinIO at %s still answers after its test ended", endpoint)
	}
}

func TestAzurite(t *testing.T) {
	start := time.Now()
	a := StartAzurite(t)
	t.Logf("Azurite ready in %s", time.Since(start).Round(time.Millisecond))
	if !strings.HasPrefix(a.Endpoint, "http://127.0.0.1:") || !strings.HasSuffix(a.Endpoint, "/devstoreaccount1") {
		t.Fatalf("Endpoint = %q", a.Endpoint)
	}
	container := UniqueName("recordings")
	a.CreateContainer(t, container)

	upload := func(t *testing.T, cs, name string) error {
		t.Helper()
		client, err := azblob.NewClientFromConnectionString(cs, nil)
		if err != nil {
			t.Fatalf("client from SAS connection string: %v", err)
		}
		_, err = client.UploadBuffer(ctx(t), container, name, []byte("audio"), nil)
		return err
	}

	tests := []struct {
		name       string
		perms      string
		expiry     time.Time
		wantStatus int // 0 = success
	}{
		{"write and list allowed", "rwlc", time.Now().Add(time.Hour), 0},
		{"read only denied", "rl", time.Now().Add(time.Hour), http.StatusForbidden},
		{"expired denied", "racwdl", time.Now().Add(-time.Minute), http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := a.SAS(t, container, tt.perms, tt.expiry)
			if !strings.HasPrefix(cs, "BlobEndpoint="+a.Endpoint+";SharedAccessSignature=") {
				t.Fatalf("SAS connection string has the wrong shape: %.60s...", cs)
			}
			name := UniqueName("call") + ".wav"
			err := upload(t, cs, name)
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("upload via SAS: %v", err)
				}
				// Confirm the blob really landed, through the shared key.
				resp, err := a.Client(t).DownloadStream(ctx(t), container, name, nil)
				if err != nil {
					t.Fatalf("download: %v", err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !bytes.Equal(body, []byte("audio")) {
					t.Fatalf("downloaded %q, want %q", body, "audio")
				}
				return
			}
			var re *azcore.ResponseError
			if !errors.As(err, &re) || re.StatusCode != tt.wantStatus {
				t.Fatalf("want HTTP %d, got %v", tt.wantStatus, err)
			}
		})
	}
}

func TestContainerSASPermissions(t *testing.T) {
	tests := []struct {
		perms, want, wantErr string
	}{
		{"lwr", "rwl", ""},
		{"racwdl", "racwdl", ""},
		{"", "", "empty"},
		{"rz", "", `'z'`},
	}
	for _, tt := range tests {
		t.Run(tt.perms, func(t *testing.T) {
			p, err := parseContainerPerms(tt.perms)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "racwdl") {
					t.Fatalf("err = %v, want one naming %s and an example", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestToolsDir(t *testing.T) {
	t.Run("env override", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv(ToolsDirEnv, dir)
		if got := ToolsDir(); got != dir {
			t.Fatalf("ToolsDir() = %q, want %q", got, dir)
		}
	})
	t.Run("walks up to go.mod", func(t *testing.T) {
		t.Setenv(ToolsDirEnv, "")
		got := ToolsDir()
		root := filepath.Dir(filepath.Dir(got))
		if filepath.Base(got) != "bin" || filepath.Base(filepath.Dir(got)) != ".tools" {
			t.Fatalf("ToolsDir() = %q, want .../.tools/bin", got)
		}
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
			t.Fatalf("ToolsDir() = %q is not next to go.mod: %v", got, err)
		}
	})
}

// recordTB records Fatal and Skip instead of stopping the goroutine, so
// Require's CI behaviour can be observed.
type recordTB struct {
	testing.TB
	fatal, skip string
}

func (r *recordTB) Helper()                      {}
func (r *recordTB) Fatal(args ...any)            { r.fatal = fmt.Sprint(args...) }
func (r *recordTB) Skip(args ...any)             { r.skip = fmt.Sprint(args...) }
func (r *recordTB) Fatalf(f string, args ...any) { r.fatal = fmt.Sprintf(f, args...) }

func TestRequireMissingTool(t *testing.T) {
	tests := []struct {
		name, ci  string
		wantFatal bool
	}{
		{"CI fails", "true", true},
		{"local skips", "", false},
		{"CI=false skips", "false", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(ToolsDirEnv, t.TempDir())
			t.Setenv("CI", tt.ci)
			rec := &recordTB{TB: t}
			Require(rec, "minio")
			msg := rec.skip
			if tt.wantFatal {
				msg = rec.fatal
				if rec.skip != "" {
					t.Fatalf("skipped under CI: %s", rec.skip)
				}
			} else if rec.fatal != "" {
				t.Fatalf("failed outside CI: %s", rec.fatal)
			}
			if !strings.Contains(msg, "scripts/install-tools.sh") || !strings.Contains(msg, "minio") {
				t.Fatalf("message %q should name the tool and scripts/install-tools.sh", msg)
			}
		})
	}
}

func TestMain(m *testing.M) { Main(m) }

func TestSharedServers(t *testing.T) {
	m1 := SharedMinIO(t, MinIOOptions{TLS: true})
	m2 := SharedMinIO(t, MinIOOptions{TLS: true})
	if m1 != m2 {
		t.Fatal("SharedMinIO started a second server for the same options")
	}
	m1.CreateBucket(t, UniqueName("shared"))
	a1, a2 := SharedAzurite(t), SharedAzurite(t)
	if a1 != a2 {
		t.Fatal("SharedAzurite started a second server")
	}
	a1.CreateContainer(t, UniqueName("shared"))
}

// TestStartFailureShowsLog starts a fake "minio" that prints its root password
// and exits: the error must carry the server's output, with the secret hidden.
func TestStartFailureShowsLog(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script as the fake server")
	}
	fake := filepath.Join(t.TempDir(), "minio")
	script := "#!/bin/sh\necho \"boom: cannot use drive; password $MINIO_ROOT_PASSWORD\"\nexit 3\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	m, err := startMinIO(fake, t.TempDir(), MinIOOptions{})
	if err == nil {
		m.stop()
		t.Fatal("start of a server that exits succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"exited before it was ready", "boom: cannot use drive", "password [REDACTED]"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
}

// TestFullDiskNote: a failed MinIO test on a nearly full drive says that
// MinIO refuses uploads there, since its answers (StorageFull, a reset
// connection) read like a flaky network; with room to spare it says nothing.
func TestFullDiskNote(t *testing.T) {
	const gib = 1 << 30
	note := fullDiskNote("/tmp/x/data", 700<<20, 252*gib)
	for _, want := range []string{"/tmp/x/data", "0.7 GiB free of 252.0 GiB (0.3%)", "less than 1% free", "XMinioStorageFull"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q does not contain %q", note, want)
		}
	}
	if note := fullDiskNote("/tmp/x/data", 42*gib, 252*gib); note != "" {
		t.Errorf("a drive with 42 of 252 GiB free: %q", note)
	}
	if free, total, err := diskSpace(t.TempDir()); runtime.GOOS == "linux" && (err != nil || total == 0 || free > total) {
		t.Errorf("diskSpace = %d free of %d, %v", free, total, err)
	}
}
