package clientsettings

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

const (
	testSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSECRETKEY"
	testAzKey   = "c2VjcmV0IGFjY291bnQga2V5IGZvciB0ZXN0cyBvbmx5IDEyMzQ1Njc4OTA="
	testSAS     = "sv=2024-08-04&sr=c&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig=SECRETSIGNATURE"
	testExtID   = "abcdefghijklmnopqrstuvwxyz234567"
	testKeyID   = "AKIAIOSFODNN7EXAMPLE"
	testRoleARN = "arn:aws:iam::444455556666:role/stowage-export"
)

// fixtures are the kinds of location whose output is pinned by golden files.
func fixtures() map[string]config.Location {
	return map[string]config.Location{
		"aws-keys": {Name: "globex", Type: config.TypeS3, S3: &config.S3{
			Bucket: "globex-recordings", Region: "us-west-1", Prefix: "calls/",
			Auth: config.AuthKeys, AccessKeyID: testKeyID, SecretAccessKey: testSecret}},
		"aws-role": {Name: "acme", Type: config.TypeS3, S3: &config.S3{
			Bucket: "acme-recordings", Region: "eu-west-1", Auth: config.AuthRole,
			RoleARN: testRoleARN, ExternalID: testExtID}},
		"aws-default": {Name: "initech", Type: config.TypeS3, S3: &config.S3{
			Bucket: "initech-rec", Region: "us-east-1", Auth: config.AuthDefault}},
		"minio-keys": {Name: "lab minio", Type: config.TypeS3, S3: &config.S3{
			Bucket: "exports", Region: "us-east-1", Prefix: "/team a/", Endpoint: "https://127.0.0.1:9900/",
			PathStyle: true, CABundle: "/etc/stowage/minio-ca.pem",
			Auth: config.AuthKeys, AccessKeyID: "minioexport", SecretAccessKey: testSecret}},
		"azure-key": {Name: "contoso", Type: config.TypeAzure, Azure: &config.Azure{
			Container: "recordings", Prefix: "calls/",
			ConnectionString: "DefaultEndpointsProtocol=https;AccountName=contosorec;AccountKey=" + testAzKey + ";EndpointSuffix=core.windows.net"}},
		"azure-sas": {Name: "fabrikam", Type: config.TypeAzure, Azure: &config.Azure{
			Container:        "recordings",
			ConnectionString: "BlobEndpoint=https://fabrikamrec.blob.core.windows.net;SharedAccessSignature=" + testSAS}},
	}
}

var platform = config.Platform{AWSProfile: "stowage-platform", SessionDuration: 2 * time.Hour}

func TestGolden(t *testing.T) {
	for name, loc := range fixtures() {
		s, err := FromLocation(loc, platform)
		if err != nil {
			t.Fatalf("%s: FromLocation: %v", name, err)
		}
		for _, f := range Formats() {
			t.Run(name+"/"+string(f), func(t *testing.T) {
				out, err := Render(s, f, Options{})
				var verr *validate.Error
				if err != nil {
					if !errors.As(err, &verr) || verr.Field != "--format" || verr.Example == "" {
						t.Fatalf("unsupported combination must be a --format usage error with an example, got %v", err)
					}
					out = "error: " + err.Error() + "\n"
				}
				for _, secret := range []string{testSecret, testAzKey, "SECRETSIGNATURE"} {
					if strings.Contains(out, secret) {
						t.Fatalf("secret printed without --reveal:\n%s", out)
					}
				}
				golden.RequireEqual(t, out)
			})
		}
	}
}

func TestReveal(t *testing.T) {
	tests := []struct {
		fixture string
		format  Format
		secret  string
	}{
		{"aws-keys", FormatTable, testSecret},
		{"aws-keys", FormatRclone, testSecret},
		{"aws-keys", FormatS3cmd, testSecret},
		{"aws-keys", FormatAWSProfile, testSecret},
		{"azure-key", FormatTable, testAzKey},
		{"azure-key", FormatRclone, testAzKey},
		{"azure-sas", FormatRclone, testSAS},
	}
	for _, tc := range tests {
		t.Run(tc.fixture+"/"+string(tc.format), func(t *testing.T) {
			s, err := FromLocation(fixtures()[tc.fixture], platform)
			if err != nil {
				t.Fatal(err)
			}
			masked, err := Render(s, tc.format, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(masked, tc.secret) || !strings.Contains(masked, Masked) {
				t.Fatalf("without --reveal the secret must read %q:\n%s", Masked, masked)
			}
			shown, err := Render(s, tc.format, Options{Reveal: true})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(shown, tc.secret) || strings.Contains(shown, Masked) {
				t.Fatalf("with --reveal the secret must be shown:\n%s", shown)
			}
		})
	}
	t.Run("cyberduck never holds the secret", func(t *testing.T) {
		s, _ := FromLocation(fixtures()["aws-keys"], platform)
		out, err := Render(s, FormatCyberduck, Options{Reveal: true})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out, testSecret) || strings.Contains(out, Masked) {
			t.Fatalf("bookmark must not mention the secret at all:\n%s", out)
		}
	})
}

func TestScreenShareShortensIdentifiers(t *testing.T) {
	for _, name := range []string{"aws-keys", "aws-role"} {
		t.Run(name, func(t *testing.T) {
			s, _ := FromLocation(fixtures()[name], platform)
			out, err := Render(s, FormatTable, Options{ScreenShare: true})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out, testKeyID) || strings.Contains(out, testExtID) {
				t.Fatalf("screen-share output shows a whole identifier:\n%s", out)
			}
			if !strings.Contains(out, "••••") {
				t.Fatalf("screen-share output keeps no masked tail:\n%s", out)
			}
		})
	}
}

func TestFromLocation(t *testing.T) {
	tests := []struct {
		name     string
		loc      config.Location
		host     string
		port     int
		tls      bool
		endpoint string
		wantErr  string
	}{
		{"us-west-1 regional", config.Location{Name: "a", Type: config.TypeS3, S3: &config.S3{Bucket: "b", Region: "us-west-1"}},
			"s3.us-west-1.amazonaws.com", 443, true, "https://s3.us-west-1.amazonaws.com", ""},
		{"us-east-1 regional, not global", config.Location{Name: "a", Type: config.TypeS3, S3: &config.S3{Bucket: "b", Region: "us-east-1"}},
			"s3.us-east-1.amazonaws.com", 443, true, "https://s3.us-east-1.amazonaws.com", ""},
		{"empty region is us-east-1", config.Location{Name: "a", Type: config.TypeS3, S3: &config.S3{Bucket: "b"}},
			"s3.us-east-1.amazonaws.com", 443, true, "https://s3.us-east-1.amazonaws.com", ""},
		{"china partition", config.Location{Name: "a", Type: config.TypeS3, S3: &config.S3{Bucket: "b", Region: "cn-north-1"}},
			"s3.cn-north-1.amazonaws.com.cn", 443, true, "https://s3.cn-north-1.amazonaws.com.cn", ""},
		{"custom https with port", config.Location{Name: "a", Type: config.TypeS3, S3: &config.S3{Bucket: "b", Endpoint: "https://minio.example.com:9000/"}},
			"minio.example.com", 9000, true, "https://minio.example.com:9000", ""},
		{"custom http default port", config.Location{Name: "a", Type: config.TypeS3, S3: &config.S3{Bucket: "b", Endpoint: "http://nas.lan"}},
			"nas.lan", 80, false, "http://nas.lan", ""},
		{"bad endpoint", config.Location{Name: "a", Type: config.TypeS3, S3: &config.S3{Bucket: "b", Endpoint: "::nope"}},
			"", 0, false, "", "endpoint"},
		{"local refused", config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: "/srv/rec"}},
			"", 0, false, "", "local folder"},
		{"s3 without settings", config.Location{Name: "x", Type: config.TypeS3}, "", 0, false, "", "no s3 settings"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := FromLocation(tc.loc, config.Platform{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want error about %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Host != tc.host || s.Port != tc.port || s.TLS != tc.tls || s.Endpoint != tc.endpoint {
				t.Fatalf("got host %q port %d tls %v endpoint %q", s.Host, s.Port, s.TLS, s.Endpoint)
			}
		})
	}
}

func TestAzureAccountName(t *testing.T) {
	tests := []struct{ cs, account, endpoint, auth string }{
		{"BlobEndpoint=https://fabrikamrec.blob.core.windows.net;SharedAccessSignature=" + testSAS, "fabrikamrec", "https://fabrikamrec.blob.core.windows.net", "sas"},
		{"BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;SharedAccessSignature=" + testSAS, "devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1", "sas"},
		{"UseDevelopmentStorage=true", "devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1", "development-storage"},
		{"DefaultEndpointsProtocol=https;AccountName=govrec;AccountKey=" + testAzKey + ";EndpointSuffix=core.usgovcloudapi.net", "govrec", "https://govrec.blob.core.usgovcloudapi.net", "account-key"},
	}
	for _, tc := range tests {
		t.Run(tc.account+"/"+tc.auth, func(t *testing.T) {
			s, err := FromLocation(config.Location{Name: "az", Type: config.TypeAzure, Azure: &config.Azure{Container: "c", ConnectionString: tc.cs}}, config.Platform{})
			if err != nil {
				t.Fatal(err)
			}
			if s.AccountName != tc.account || s.BlobEndpoint != tc.endpoint || s.AzureAuth != tc.auth {
				t.Fatalf("got account %q endpoint %q auth %q", s.AccountName, s.BlobEndpoint, s.AzureAuth)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats() {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Fatalf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	_, err := ParseFormat("winscp")
	var verr *validate.Error
	if !errors.As(err, &verr) || !strings.Contains(err.Error(), "rclone") {
		t.Fatalf("unknown format: want a validate.Error listing the formats, got %v", err)
	}
}

func TestBookmarkUUIDStable(t *testing.T) {
	a, b := bookmarkUUID("acme"), bookmarkUUID("acme")
	if a != b || a == bookmarkUUID("globex") || len(a) != 36 || a[14] != '5' {
		t.Fatalf("uuid %q / %q", a, b)
	}
}
