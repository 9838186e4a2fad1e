package s3

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

func TestSessionName(t *testing.T) {
	valid := regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	tests := []struct{ location, want string }{
		{"acme-recordings", "stowage-acme-recordings"},
		{"Acme EU / calls", "stowage-Acme-EU---calls"},
		{"a+b=c,d.e@f_g", "stowage-a+b=c,d.e@f_g"},
		{"ünïcode", "stowage----code"},
		{"", "stowage"},
		{strings.Repeat("x", 100), "stowage-" + strings.Repeat("x", 56)},
	}
	for _, tc := range tests {
		t.Run(tc.location, func(t *testing.T) {
			got := SessionName(tc.location)
			if !valid.MatchString(got) {
				t.Errorf("SessionName(%q) = %q, not a valid RoleSessionName", tc.location, got)
			}
			if len([]rune(tc.location)) == len(tc.location) && got != tc.want {
				t.Errorf("SessionName(%q) = %q, want %q", tc.location, got, tc.want)
			}
		})
	}
}

func TestRootARN(t *testing.T) {
	tests := []struct {
		arn, account, want string
		wantErr            bool
	}{
		{"arn:aws:iam::111122223333:user/platform", "111122223333", "arn:aws:iam::111122223333:root", false},
		{"arn:aws:sts::111122223333:assumed-role/Exporter/i-0abc", "111122223333", "arn:aws:iam::111122223333:root", false},
		{"arn:aws-cn:iam::111122223333:user/p", "", "arn:aws-cn:iam::111122223333:root", false},
		{"arn:aws-us-gov:sts::111122223333:assumed-role/R/s", "111122223333", "arn:aws-us-gov:iam::111122223333:root", false},
		{"not-an-arn", "111122223333", "", true},
		{"arn:aws:iam:::user/p", "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.arn, func(t *testing.T) {
			got, err := rootARN(tc.arn, tc.account)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("rootARN = %q, %v; want %q (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestCheckSettings(t *testing.T) {
	good := func() config.Location {
		return config.Location{Name: "acme", Type: config.TypeS3, S3: &config.S3{
			Bucket: "acme-rec", Region: "eu-west-1", Auth: config.AuthRole,
			RoleARN: "arn:aws:iam::123456789012:role/StowageExport", ExternalID: "x"}}
	}
	tests := []struct {
		name  string
		edit  func(*config.Location)
		field string
	}{
		{"ok", func(*config.Location) {}, ""},
		{"no s3 block", func(l *config.Location) { l.S3 = nil }, "s3"},
		{"no bucket", func(l *config.Location) { l.S3.Bucket = "" }, "bucket"},
		{"no region", func(l *config.Location) { l.S3.Region = "" }, "region"},
		{"prefix without slash", func(l *config.Location) { l.S3.Prefix = "calls" }, "prefix"},
		{"role without ARN", func(l *config.Location) { l.S3.RoleARN = "" }, "role_arn"},
		{"keys without key", func(l *config.Location) { l.S3.Auth = config.AuthKeys }, "access_key_id"},
		{"keys without secret", func(l *config.Location) { l.S3.Auth, l.S3.AccessKeyID = config.AuthKeys, "AKIAIOSFODNN7EXAMPLE" }, "secret_access_key"},
		{"unknown auth", func(l *config.Location) { l.S3.Auth = "sso" }, "auth"},
		{"kms without key", func(l *config.Location) { l.S3.Encryption = config.EncryptionSSEKMS }, "kms_key_arn"},
		{"endpoint not a URL", func(l *config.Location) { l.S3.Endpoint = "minio.local:9000" }, "endpoint"},
		{"wrong type", func(l *config.Location) { l.Type = config.TypeAzure }, "type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := good()
			tc.edit(&loc)
			_, err := Open(context.Background(), loc, providers.Options{})
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Open = %v", err)
				}
				return
			}
			var pe *providers.Error
			if !errors.Is(err, providers.ErrInvalidConfig) || !errors.As(err, &pe) {
				t.Fatalf("Open = %v, want ErrInvalidConfig", err)
			}
			if !strings.Contains(pe.Hint, tc.field+" ") || !strings.Contains(pe.Hint, "e.g.") {
				t.Errorf("hint %q does not name %s with an example", pe.Hint, tc.field)
			}
		})
	}
}

// TestRegistered: providers.Open finds this package through init.
func TestRegistered(t *testing.T) {
	isolateAWSEnv(t)
	loc := config.Location{Name: "r", Type: config.TypeS3, S3: &config.S3{Bucket: "b", Region: "eu-west-1",
		Auth: config.AuthKeys, AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: strings.Repeat("k", 40)}}
	p, err := providers.Open(context.Background(), loc, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(providers.Multipart); !ok {
		t.Error("the S3 provider does not implement Multipart")
	}
}

// TestRetryerNeverRunsDry: the SDK's default retry quota (500 tokens, 5 per
// retry) refuses retries after about 100 failures in a burst; Stowage's
// retryer must keep retrying under high fan-out.
func TestRetryerNeverRunsDry(t *testing.T) {
	slowDown := errors.New("SlowDown: Please reduce your request rate")
	burst := func(r aws.Retryer) int {
		for i := 0; i < 2000; i++ {
			if _, err := r.GetRetryToken(context.Background(), slowDown); err != nil {
				return i
			}
		}
		return 2000
	}
	if n := burst(retry.NewStandard()); n >= 2000 {
		t.Fatalf("the SDK default retryer allowed %d retries; this test would not catch a regression", n)
	}
	r := newRetryer()
	if n := burst(r); n < 2000 {
		t.Errorf("retry %d refused", n)
	}
	if r.MaxAttempts() < 3 {
		t.Errorf("MaxAttempts = %d, want the standard 3 or more", r.MaxAttempts())
	}
}

// TestTransportSizing: the pool holds a connection per request in flight.
func TestTransportSizing(t *testing.T) {
	for _, tc := range []struct{ concurrency, want int }{{0, 20}, {1, 5}, {64, 68}} {
		hc, err := newHTTPClient("", tc.concurrency)
		if err != nil {
			t.Fatal(err)
		}
		tr := hc.GetTransport()
		if tr.MaxConnsPerHost != tc.want || tr.MaxIdleConnsPerHost != tc.want {
			t.Errorf("concurrency %d: MaxConnsPerHost %d MaxIdleConnsPerHost %d, want %d", tc.concurrency, tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost, tc.want)
		}
		if tr.TLSHandshakeTimeout+dialTimeout > endpointTimeout || tr.Proxy == nil {
			t.Errorf("dial + TLS timeouts %v exceed %v, or no proxy support", tr.TLSHandshakeTimeout+dialTimeout, endpointTimeout)
		}
	}
}

func TestChecksumModeDefault(t *testing.T) {
	tests := []struct{ mode, endpoint, want string }{
		{"", "", config.ChecksumWhenSupported},
		{"", "https://minio.local:9000", config.ChecksumWhenRequired},
		{config.ChecksumWhenSupported, "https://minio.local:9000", config.ChecksumWhenSupported},
		{config.ChecksumWhenRequired, "", config.ChecksumWhenRequired},
	}
	for _, tc := range tests {
		if got := effectiveChecksumMode(&config.S3{ChecksumMode: tc.mode, Endpoint: tc.endpoint}); got != tc.want {
			t.Errorf("mode %q endpoint %q = %q, want %q", tc.mode, tc.endpoint, got, tc.want)
		}
	}
}

func TestTotalFromContentRange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{{"bytes 0-9/100", 100, true}, {"bytes 5-5/6", 6, true}, {"bytes 0-9/*", 0, false}, {"", 0, false}} {
		got, ok := totalFromContentRange(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q = %d %v, want %d %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
