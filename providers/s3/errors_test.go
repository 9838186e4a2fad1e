package s3

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stowage-dev/stowage/providers"
)

// answer builds the error value the SDK returns when the store answered
// with status and an error code, as its deserialisers wrap it.
func answer(service, op string, status int, hdr http.Header, code, msg string) error {
	if hdr == nil {
		hdr = http.Header{}
	}
	var api error
	if code != "" {
		api = &smithy.GenericAPIError{Code: code, Message: msg}
	}
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &awshttp.ResponseError{
		RequestID: "REQ1",
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: hdr}},
			Err:      api,
		},
	}}
}

// unreadAnswer builds the error the SDK returns when the store answered
// HTTP 200 but its body could not be read or decoded.
func unreadAnswer(op string, cause error) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: op, Err: &awshttp.ResponseError{
		RequestID: "REQ1",
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 200, Header: http.Header{}}},
			Err:      &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w", cause)},
		},
	}}
}

// sendFailure builds the error the SDK returns when no answer arrived.
func sendFailure(cause error) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject",
		Err: &smithyhttp.RequestSendError{Err: &url.Error{Op: "Put", URL: "https://s3.example.com/b/k", Err: cause}}}
}

func TestClassify(t *testing.T) {
	put := errInput{Op: "put", Action: "s3:PutObject", Resource: "arn:aws:s3:::bkt/exports/*", Host: "s3.eu-west-1.amazonaws.com",
		Region: "eu-west-1", RoleARN: "arn:aws:iam::123456789012:role/StowageExport", ExternalID: "ext-123",
		KMSKeyARN: "arn:aws:kms:eu-west-1:123456789012:key/k1",
		Statement: func(a string) string { return `{"Action": ["` + a + `"]}` }}
	headBucket := put
	headBucket.Op, headBucket.Action, headBucket.Resource, headBucket.BucketLevel = "head-bucket", "s3:ListBucket", "arn:aws:s3:::bkt", true
	assume := put
	assume.Op, assume.Action, assume.Resource = "assume-role", "sts:AssumeRole", put.RoleARN
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}

	tests := []struct {
		name       string
		err        error
		in         errInput
		kind       error
		code       string
		action     string
		resource   string
		region     string
		retryable  bool
		retryAfter int
		hintHas    []string
	}{
		{name: "body cut after HTTP 200", in: put, kind: providers.ErrNetwork, retryable: true,
			err:     unreadAnswer("CreateMultipartUpload", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}),
			hintHas: []string{"cut after the store answered HTTP 200", "retried"}},
		{name: "body ends early after HTTP 200", in: put, kind: providers.ErrNetwork, retryable: true,
			err: unreadAnswer("CompleteMultipartUpload", io.ErrUnexpectedEOF)},
		{name: "listing with a control character", in: headBucket, kind: providers.ErrServer,
			err:     unreadAnswer("ListObjectsV2", errors.New("XML syntax error on line 2: illegal character code U+0001")),
			hintHas: []string{"control character"}},
		{name: "access denied", err: answer("S3", "PutObject", 403, nil, "AccessDenied", "Access Denied"), in: put,
			kind: providers.ErrAccessDenied, code: "AccessDenied", action: "s3:PutObject", resource: "arn:aws:s3:::bkt/exports/*",
			hintHas: []string{"add s3:PutObject on arn:aws:s3:::bkt/exports/*", "or the bucket name is wrong — check it", `{"Action": ["s3:PutObject"]}`}},
		{name: "bucket-level access denied", err: answer("S3", "GetBucketLocation", 403, nil, "AccessDenied", "Access Denied."), in: headBucket,
			kind: providers.ErrAccessDenied, code: "AccessDenied", action: "s3:ListBucket", resource: "arn:aws:s3:::bkt",
			hintHas: []string{"add s3:ListBucket on arn:aws:s3:::bkt to the permissions policy, or the bucket name is wrong — check it:\n"}},
		{name: "KMS denied", err: answer("S3", "PutObject", 403, nil, "AccessDenied",
			"User: arn:aws:sts::123456789012:assumed-role/StowageExport/stowage-x is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:eu-west-1:123456789012:key/k1 because no identity-based policy allows the kms:GenerateDataKey action"),
			in: put, kind: providers.ErrAccessDenied, action: "kms:GenerateDataKey", resource: "arn:aws:kms:eu-west-1:123456789012:key/k1",
			hintHas: []string{"kms:GenerateDataKey", "key policy", `{"Action": ["kms:GenerateDataKey"]}`}},
		{name: "HEAD forbidden without body", err: answer("S3", "HeadBucket", 403, nil, "Forbidden", "Forbidden"), in: headBucket,
			kind: providers.ErrAccessDenied, action: "s3:ListBucket", resource: "arn:aws:s3:::bkt"},
		{name: "checksum mismatch", err: answer("S3", "PutObject", 400, nil, "XAmzContentChecksumMismatch", "The provided 'x-amz-checksum' header does not match what was computed."), in: put,
			kind: providers.ErrIntegrity, code: "XAmzContentChecksumMismatch", retryable: true, hintHas: []string{"file changed"}},
		{name: "bad digest", err: answer("S3", "UploadPart", 400, nil, "BadDigest", "The Content-MD5 you specified did not match what we received."), in: put,
			kind: providers.ErrIntegrity, code: "BadDigest", retryable: true},
		{name: "no such bucket", err: answer("S3", "PutObject", 404, nil, "NoSuchBucket", "The specified bucket does not exist"), in: put,
			kind: providers.ErrNoSuchBucket, hintHas: []string{"the bucket does not exist in that account and region (eu-west-1)", "check the bucket name"}},
		{name: "no such bucket on another store", err: answer("S3", "PutObject", 404, nil, "NoSuchBucket", "The specified bucket does not exist"),
			in:   func() errInput { in := put; in.Host = "127.0.0.1:9000"; return in }(),
			kind: providers.ErrNoSuchBucket, hintHas: []string{"the bucket does not exist on 127.0.0.1:9000; check the bucket name"}},
		{name: "HEAD bucket 404", err: answer("S3", "HeadBucket", 404, nil, "NotFound", "Not Found"), in: headBucket, kind: providers.ErrNoSuchBucket},
		{name: "HEAD object 404", err: answer("S3", "HeadObject", 404, nil, "NotFound", "Not Found"), in: put, kind: providers.ErrNoSuchKey},
		{name: "no such upload", err: answer("S3", "ListParts", 404, nil, "NoSuchUpload", "gone"), in: put, kind: providers.ErrNoSuchKey,
			hintHas: []string{"start the upload again"}},
		{name: "permanent redirect", err: answer("S3", "PutObject", 301, hdr("X-Amz-Bucket-Region", "eu-central-1"), "PermanentRedirect", "use the endpoint"),
			in: put, kind: providers.ErrWrongRegion, region: "eu-central-1", hintHas: []string{"the bucket is in eu-central-1; set region to eu-central-1"}},
		{name: "HEAD 301 without body", err: answer("S3", "HeadBucket", 301, hdr("X-Amz-Bucket-Region", "us-west-2"), "MovedPermanently", ""),
			in: headBucket, kind: providers.ErrWrongRegion, region: "us-west-2"},
		{name: "authorization header malformed", err: answer("S3", "ListObjectsV2", 400, nil, "AuthorizationHeaderMalformed",
			"The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'ap-south-1'"),
			in: put, kind: providers.ErrWrongRegion, region: "ap-south-1"},
		{name: "HEAD 400 naming another region", err: answer("S3", "HeadBucket", 400, hdr("X-Amz-Bucket-Region", "sa-east-1"), "BadRequest", ""),
			in: headBucket, kind: providers.ErrWrongRegion, region: "sa-east-1"},
		{name: "HEAD 400 in the right region", err: answer("S3", "HeadBucket", 400, hdr("X-Amz-Bucket-Region", "eu-west-1"), "BadRequest", ""),
			in: headBucket, kind: providers.ErrInvalidConfig},
		{name: "unknown access key", err: answer("S3", "PutObject", 403, nil, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist"),
			in: put, kind: providers.ErrInvalidCredentials, code: "InvalidAccessKeyId", hintHas: []string{"access_key_id"}},
		{name: "wrong secret", err: answer("S3", "PutObject", 403, nil, "SignatureDoesNotMatch", "The request signature we calculated does not match"),
			in: put, kind: providers.ErrInvalidCredentials, hintHas: []string{"secret_access_key"}},
		{name: "STS unknown key", err: answer("STS", "GetCallerIdentity", 403, nil, "InvalidClientTokenId", "The security token included in the request is invalid."),
			in: errInput{Op: "caller-identity"}, kind: providers.ErrInvalidCredentials},
		{name: "trust denied", err: answer("STS", "AssumeRole", 403, nil, "AccessDenied",
			"User: arn:aws:iam::111122223333:user/platform is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/StowageExport"),
			in: assume, kind: providers.ErrTrustDenied, action: "sts:AssumeRole", resource: "arn:aws:iam::123456789012:role/StowageExport",
			hintHas: []string{"trust policy", `sts:ExternalId = "ext-123"`}},
		{name: "trust denied during an upload", err: &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject",
			Err: fmt.Errorf("failed to refresh cached credentials, %w", answer("STS", "AssumeRole", 403, nil, "AccessDenied", "not authorized"))},
			in: put, kind: providers.ErrTrustDenied, action: "sts:AssumeRole", resource: "arn:aws:iam::123456789012:role/StowageExport"},
		{name: "session too long", err: answer("STS", "AssumeRole", 400, nil, "ValidationError",
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role."),
			in: assume, kind: providers.ErrInvalidConfig, hintHas: []string{"session_duration"}},
		{name: "malformed role ARN", err: answer("STS", "AssumeRole", 400, nil, "ValidationError", "1 validation error detected: Value 'x' at 'roleArn'"),
			in: assume, kind: providers.ErrInvalidConfig, hintHas: []string{"role_arn"}},
		{name: "expired token", err: answer("S3", "PutObject", 400, nil, "ExpiredToken", "The provided token has expired."), in: put, kind: providers.ErrExpired},
		{name: "clock skew", err: answer("S3", "PutObject", 403, nil, "RequestTimeTooSkewed", "too skewed"), in: put, kind: providers.ErrExpired,
			hintHas: []string{"clock"}},
		{name: "slow down", err: answer("S3", "PutObject", 503, hdr("Retry-After", "7"), "SlowDown", "Please reduce your request rate."),
			in: put, kind: providers.ErrThrottled, retryable: true, retryAfter: 7},
		{name: "429", err: answer("S3", "PutObject", 429, nil, "", ""), in: put, kind: providers.ErrThrottled, code: "TooManyRequests", retryable: true},
		{name: "STS throttling", err: answer("STS", "AssumeRole", 400, nil, "Throttling", "Rate exceeded"), in: assume, kind: providers.ErrThrottled, retryable: true},
		{name: "internal error", err: answer("S3", "PutObject", 500, nil, "InternalError", "We encountered an internal error."), in: put,
			kind: providers.ErrServer, retryable: true},
		{name: "bad gateway without code", err: answer("S3", "PutObject", 502, nil, "", ""), in: put, kind: providers.ErrServer, code: "BadGateway", retryable: true},
		{name: "request dropped by a stopping MinIO", err: answer("S3", "UploadPart", 499, nil, "ClientDisconnected", "Client disconnected before response was ready"),
			in: put, kind: providers.ErrNetwork, code: "ClientDisconnected", retryable: true, hintHas: []string{"dropped the request", "retried"}},
		{name: "499 without code", err: answer("S3", "PutObject", 499, nil, "", ""), in: put, kind: providers.ErrNetwork, retryable: true},
		{name: "precondition", err: answer("S3", "PutObject", 412, nil, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold"),
			in: put, kind: providers.ErrPreconditionFailed},
		{name: "store without SSE", err: answer("S3", "PutObject", 501, nil, "NotImplemented", "Server side encryption specified but KMS is not configured"),
			in: put, kind: providers.ErrInvalidConfig, hintHas: []string{"set encryption to none"}},
		{name: "KMS key disabled", err: answer("S3", "PutObject", 400, nil, "KMS.DisabledException", "key is disabled"), in: put,
			kind: providers.ErrInvalidConfig, hintHas: []string{"kms_key_arn", "arn:aws:kms:eu-west-1:123456789012:key/k1"}},
		{name: "DNS not found", err: sendFailure(&net.OpError{Op: "dial", Net: "tcp",
			Err: &net.DNSError{Name: "s3.eu-wset-1.amazonaws.com", Err: "no such host", IsNotFound: true}}),
			in: put, kind: providers.ErrNetwork, hintHas: []string{"s3.eu-wset-1.amazonaws.com does not resolve"}},
		{name: "connection refused", err: sendFailure(&net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}),
			in: put, kind: providers.ErrNetwork, retryable: true, hintHas: []string{"nothing accepts connections at s3.eu-west-1.amazonaws.com"}},
		{name: "timeout", err: sendFailure(&net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}),
			in: put, kind: providers.ErrNetwork, retryable: true, hintHas: []string{"did not answer in time"}},
		{name: "unknown CA", err: sendFailure(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}),
			in: put, kind: providers.ErrNetwork, hintHas: []string{"set ca_bundle to the PEM of your CA"}},
		{name: "certificate for another host", err: sendFailure(x509.HostnameError{Certificate: &x509.Certificate{DNSNames: []string{"minio.internal"}}, Host: "10.0.0.5"}),
			in: put, kind: providers.ErrNetwork, hintHas: []string{"minio.internal"}},
		{name: "plain HTTP server", err: sendFailure(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}),
			in: put, kind: providers.ErrNetwork, hintHas: []string{"does not speak TLS"}},
		{name: "proxy refused", err: sendFailure(&net.OpError{Op: "proxyconnect", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}),
			in: put, kind: providers.ErrNetwork, retryable: true, hintHas: []string{"HTTPS_PROXY"}},
		{name: "connection reset", err: sendFailure(&net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}),
			in: put, kind: providers.ErrNetwork, retryable: true},
		{name: "no base credentials", err: &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject",
			Err: errors.New("failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, request canceled")},
			in: put, kind: providers.ErrInvalidCredentials, hintHas: []string{"aws_profile"}},
		{name: "expired SSO session", err: &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject",
			Err: errors.New("failed to refresh cached credentials, refresh cached SSO token failed, unable to refresh SSO token")},
			in: put, kind: providers.ErrExpired, hintHas: []string{"aws sso login"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := classify(tc.err, tc.in)
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("classify = %T %v, want *providers.Error", err, err)
			}
			if !errors.Is(err, tc.kind) {
				t.Fatalf("kind = %v, want %v (%v)", pe.Kind, tc.kind, err)
			}
			if tc.code != "" && pe.Code != tc.code {
				t.Errorf("code = %q, want %q", pe.Code, tc.code)
			}
			if tc.action != "" && (pe.Action != tc.action || pe.Resource != tc.resource) {
				t.Errorf("action/resource = %q on %q, want %q on %q", pe.Action, pe.Resource, tc.action, tc.resource)
			}
			if tc.action == "" && tc.kind != providers.ErrAccessDenied && tc.kind != providers.ErrTrustDenied && pe.Action != "" {
				t.Errorf("action %q set on a %v error", pe.Action, tc.kind)
			}
			if pe.Region != tc.region {
				t.Errorf("region = %q, want %q", pe.Region, tc.region)
			}
			if pe.Retryable != tc.retryable || pe.RetryAfter != tc.retryAfter {
				t.Errorf("retryable = %v after %d, want %v after %d", pe.Retryable, pe.RetryAfter, tc.retryable, tc.retryAfter)
			}
			for _, h := range tc.hintHas {
				if !strings.Contains(pe.Hint, h) {
					t.Errorf("hint %q does not contain %q", pe.Hint, h)
				}
			}
			if pe.Hint == "" && tc.kind != providers.ErrPreconditionFailed && tc.kind != providers.ErrNoSuchKey {
				t.Errorf("no hint for %v", err)
			}
			assertNoSDKTypes(t, err)
		})
	}
}

func TestClassifyPassThrough(t *testing.T) {
	if err := classify(nil, errInput{}); err != nil {
		t.Fatalf("classify(nil) = %v", err)
	}
	err := classify(&smithy.OperationError{ServiceID: "S3", OperationName: "PutObject",
		Err: &smithy.CanceledError{Err: context.Canceled}}, errInput{Op: "put"})
	var pe *providers.Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &pe) {
		t.Errorf("cancelled = %v, want context.Canceled and not a storage error", err)
	}
	assertNoSDKTypes(t, err)
	orig := &providers.Error{Kind: providers.ErrNoSuchKey, Op: "stat"}
	if got := classify(fmt.Errorf("wrapped: %w", orig), errInput{}); got != orig {
		t.Errorf("a storage error was re-classified: %v", got)
	}
}

// assertNoSDKTypes fails if any error in err's tree has a type from the AWS
// SDK: callers must never need to import it.
func assertNoSDKTypes(t *testing.T, err error) {
	t.Helper()
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		ty := reflect.TypeOf(e)
		for ty.Kind() == reflect.Pointer {
			ty = ty.Elem()
		}
		if strings.HasPrefix(ty.PkgPath(), "github.com/aws/") {
			t.Errorf("error chain holds SDK type %s: %v", ty, err)
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		v    string
		want int
	}{{"", 0}, {"3", 3}, {"0", 0}, {"-2", 0}, {"soon", 0}, {"Wed, 21 Oct 2015 07:28:00 GMT", 0}}
	for _, tc := range tests {
		t.Run(tc.v, func(t *testing.T) {
			h := http.Header{}
			h.Set("Retry-After", tc.v)
			if got := retryAfter(h); got != tc.want {
				t.Errorf("retryAfter(%q) = %d, want %d", tc.v, got, tc.want)
			}
		})
	}
}
