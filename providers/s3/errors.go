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
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/stowage-dev/stowage/providers"
)

// errInput says what an SDK call was doing, so that its error can name the
// IAM action, the resource and what to do next.
type errInput struct {
	Op       string // Stowage's operation ("put", "list", "assume-role", ...)
	Action   string // IAM action behind the call ("s3:PutObject")
	Resource string // the ARN the action applies to
	// BucketLevel makes a bare 404 mean the bucket is missing rather than
	// the object (HeadBucket, ListObjectsV2, GetBucketLocation, ...).
	BucketLevel bool
	// Host is the endpoint host, for network hints.
	Host string
	// Region is the region requests are signed for.
	Region string
	// RoleARN and ExternalID name the trust-policy condition in role mode.
	RoleARN    string
	ExternalID string
	// KMSKeyARN is named when KMS denies the data key.
	KMSKeyARN string
	// Statement returns the exact policy statement that grants action, or ""
	// when none can be built.
	Statement func(action string) string
}

// Error codes grouped by the kind they map to. S3, STS and S3-compatible
// stores spell several of them differently.
var (
	codesAccessDenied = set("AccessDenied", "AccessDeniedException", "AllAccessDisabled",
		"Forbidden", "AccountProblem", "InvalidObjectState", "UnauthorizedAccess")
	codesNoSuchBucket = set("NoSuchBucket")
	codesNoSuchKey    = set("NoSuchKey", "NoSuchVersion", "NoSuchUpload")
	codesWrongRegion  = set("PermanentRedirect", "AuthorizationHeaderMalformed",
		"IllegalLocationConstraintException", "MovedPermanently", "Redirect", "TemporaryRedirect",
		"IncorrectEndpoint")
	codesInvalidCreds = set("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidClientTokenId",
		"IncompleteSignature", "UnrecognizedClientException", "InvalidToken", "InvalidSecurity",
		"AuthFailure", "MissingAuthenticationToken", "XMinioInvalidIAMCredentials")
	codesExpired   = set("ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired")
	codesClock     = set("RequestTimeTooSkewed", "RequestTimeTooSkewedException")
	codesThrottled = set("SlowDown", "Throttling", "ThrottlingException", "ThrottledException",
		"RequestLimitExceeded", "TooManyRequests", "TooManyRequestsException",
		"RequestThrottled", "RequestThrottledException", "ProvisionedThroughputExceededException",
		"BandwidthLimitExceeded", "PriorRequestNotComplete", "EC2ThrottledException",
		"ServiceUnavailable", "XMinioServerNotInitialized")
	codesServer = set("InternalError", "InternalFailure", "ServiceException", "RequestTimeout",
		"RequestTimeoutException", "InternalServerError", "BadGateway", "GatewayTimeout")
	// codesDropped: the store gave up on the request as if the client had
	// gone. MinIO answers ClientDisconnected (HTTP 499) to every request in
	// flight when it is stopped for a restart.
	codesDropped      = set("ClientDisconnected")
	codesIntegrity    = set("BadDigest", "XAmzContentChecksumMismatch", "XAmzContentSHA256Mismatch")
	codesPrecondition = set("PreconditionFailed", "ConditionalRequestConflict")
	codesConfig       = set("InvalidBucketName", "InvalidArgument", "InvalidRequest",
		"InvalidDigest", "InvalidPart", "InvalidPartOrder", "EntityTooSmall",
		"EntityTooLarge", "KeyTooLongError", "InvalidStorageClass", "InvalidEncryptionAlgorithmError",
		"KMS.NotFoundException", "KMS.DisabledException", "KMS.KMSInvalidStateException",
		"KMS.InvalidKeyUsageException",
		"NotImplemented", "MalformedPolicyDocument", "ValidationError")
)

// statusClientClosed is the status nginx and MinIO give a request they
// dropped because they took the client to be gone (no official code).
const statusClientClosed = 499

func set(codes ...string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

var (
	// AWS: "the region 'us-east-1' is wrong; expecting 'eu-west-2'".
	reExpectingRegion = regexp.MustCompile(`expecting '([a-z0-9-]+)'`)
	// AWS: "User: arn:... is not authorized to perform: kms:GenerateDataKey on resource: arn:..."
	reNotAuthorized = regexp.MustCompile(`perform: ([a-zA-Z0-9-]+:[A-Za-z0-9]+)(?: on resource: "?([^" ]+)"?)?`)
)

// classify turns any error from the AWS SDK into a *providers.Error whose
// Err chain holds no SDK type: only the store's message, or the standard
// library's network error. context.Canceled passes through wrapped so callers
// can still tell a user's interrupt apart.
func classify(err error, in errInput) error {
	if err == nil {
		return nil
	}
	var pe *providers.Error
	if errors.As(err, &pe) {
		return pe
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", in.Op, context.Canceled)
	}

	// A failed credential refresh surfaces inside an S3 call; the STS call
	// that failed underneath decides what the user must fix.
	if svc, op := innermostOperation(err); svc == "STS" && op == "AssumeRole" && in.Op != "assume-role" {
		in.Op, in.Action, in.Resource = "assume-role", "sts:AssumeRole", in.RoleARN
	}

	e := &providers.Error{Op: in.Op, Action: in.Action, Resource: in.Resource}

	var apiErr smithy.APIError
	hasAPI := errors.As(err, &apiErr)
	status, header := httpResponse(err)
	if !hasAPI && status == 0 {
		return classifyTransport(err, e, in)
	}
	if !hasAPI && status >= 200 && status < 300 {
		return classifyUnreadAnswer(err, e, in, status)
	}

	code, msg := "", ""
	if hasAPI {
		code, msg = apiErr.ErrorCode(), apiErr.ErrorMessage()
	}
	if code == "" || code == "UnknownError" {
		code = strings.ReplaceAll(http.StatusText(status), " ", "")
	}
	e.Code = code
	e.Err = storeMessage(status, code, msg)

	switch {
	case codesWrongRegion[code] || status == http.StatusMovedPermanently ||
		(code == "BadRequest" && header.Get("X-Amz-Bucket-Region") != "" &&
			header.Get("X-Amz-Bucket-Region") != in.Region):
		e.Kind = providers.ErrWrongRegion
		e.Region = header.Get("X-Amz-Bucket-Region")
		if m := reExpectingRegion.FindStringSubmatch(msg); e.Region == "" && m != nil {
			e.Region = m[1]
		}
		if e.Region != "" {
			e.Hint = fmt.Sprintf("the bucket is in %s; set region to %s", e.Region, e.Region)
		} else {
			e.Hint = "the store answered for another region; check the region setting (the bucket's region is shown in the S3 console)"
		}
	case codesInvalidCreds[code]:
		e.Kind = providers.ErrInvalidCredentials
		e.Hint = credentialHint(code, in)
	case codesExpired[code]:
		e.Kind = providers.ErrExpired
		e.Hint = "the session credentials expired; Stowage renews assumed-role sessions itself, so renew the base credentials (for SSO: aws sso login) and try again"
		if code == "RequestExpired" {
			e.Hint = "the request was signed too long ago; check this computer's clock (enable NTP)"
		}
	case codesClock[code]:
		e.Kind = providers.ErrExpired
		e.Hint = "this computer's clock differs too much from the store's; enable time synchronisation (NTP) and try again"
	case codesAccessDenied[code] || (status == http.StatusForbidden && !hasKnownCode(code)):
		classifyDenied(e, msg, in)
	case codesNoSuchBucket[code] || (status == http.StatusNotFound && in.BucketLevel):
		e.Kind = providers.ErrNoSuchBucket
		e.Hint = noBucketHint(in)
	case codesNoSuchKey[code] || status == http.StatusNotFound:
		e.Kind = providers.ErrNoSuchKey
		if code == "NoSuchUpload" {
			e.Hint = "the multipart upload is gone (completed, aborted, or removed by a lifecycle rule); start the upload again"
		}
	case codesIntegrity[code]:
		// Retried: a body damaged in transit goes through the next time; a
		// source file that changed is caught by the caller's own check.
		e.Kind = providers.ErrIntegrity
		e.Retryable = true
		e.Hint = "the store computed a different checksum than the one sent: the data changed in transit or the file changed while it was read"
	case codesThrottled[code] || status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		e.Kind = providers.ErrThrottled
		e.Retryable = true
		e.RetryAfter = retryAfter(header)
		e.Hint = "the store asks to slow down; Stowage retries with back-off (lower --concurrency if it persists)"
	case codesPrecondition[code] || status == http.StatusPreconditionFailed:
		e.Kind = providers.ErrPreconditionFailed
	case codesServer[code] || status >= 500 && status != http.StatusNotImplemented:
		e.Kind = providers.ErrServer
		e.Retryable = true
		e.RetryAfter = retryAfter(header)
		e.Hint = "the store had an internal error; it is usually temporary and retried"
	case codesConfig[code] || status == http.StatusNotImplemented || status == http.StatusBadRequest:
		e.Kind = providers.ErrInvalidConfig
		e.Hint = configHint(code, msg, in)
	case status == http.StatusRequestTimeout:
		e.Kind = providers.ErrNetwork
		e.Retryable = true
	case codesDropped[code] || status == statusClientClosed:
		// The request did not complete; sending it again is safe.
		e.Kind = providers.ErrNetwork
		e.Retryable = true
		e.Hint = "the store dropped the request before answering it (it was stopping, or a proxy in between closed the connection); it is retried"
	default:
		e.Kind = providers.ErrServer
		e.Hint = fmt.Sprintf("the store answered HTTP %d %s", status, code)
	}
	if e.Kind != providers.ErrAccessDenied && e.Kind != providers.ErrTrustDenied {
		// The action and resource explain a denial; on other errors they
		// would read as if the permission were the problem.
		e.Action, e.Resource = "", ""
	}
	return e
}

func hasKnownCode(code string) bool {
	for _, m := range []map[string]bool{codesWrongRegion, codesInvalidCreds, codesExpired, codesClock,
		codesNoSuchBucket, codesNoSuchKey, codesThrottled, codesServer, codesDropped, codesPrecondition, codesConfig} {
		if m[code] {
			return true
		}
	}
	return false
}

// classifyDenied fills an access-denied error. STS AssumeRole denial is a
// trust-policy problem, not a permissions-policy one; a KMS denial names the
// KMS action the store reported rather than the S3 one.
func classifyDenied(e *providers.Error, msg string, in errInput) {
	if in.Op == "assume-role" {
		e.Kind = providers.ErrTrustDenied
		e.Action, e.Resource = "sts:AssumeRole", in.RoleARN
		e.Hint = trustHint(in)
		return
	}
	e.Kind = providers.ErrAccessDenied
	if m := reNotAuthorized.FindStringSubmatch(msg); m != nil && strings.HasPrefix(m[1], "kms:") {
		e.Action, e.Resource = m[1], m[2]
		if e.Resource == "" {
			e.Resource = in.KMSKeyARN
		}
	} else if strings.Contains(strings.ToLower(msg), "kms") && in.KMSKeyARN != "" {
		e.Action, e.Resource = "kms:GenerateDataKey", in.KMSKeyARN
	}
	if e.Action == "" {
		e.Hint = "the store denied the request; check the permissions policy of the user or role"
		return
	}
	if strings.HasPrefix(e.Action, "kms:") {
		e.Hint = fmt.Sprintf("add %s on %s to the role or user's permissions policy, and allow it in the KMS key policy", e.Action, orUnknown(e.Resource))
	} else {
		// Stores that check the policy before the bucket (MinIO, AWS for
		// a bucket in another account) deny a misspelt bucket too.
		e.Hint = fmt.Sprintf("add %s on %s to the permissions policy, or the bucket name is wrong — check it", e.Action, orUnknown(e.Resource))
	}
	if in.Statement != nil {
		if st := in.Statement(e.Action); st != "" {
			e.Hint += ":\n" + st
		}
	}
}

// noBucketHint says where the missing bucket was looked for: on AWS an
// account and region, elsewhere the store's host.
func noBucketHint(in errInput) string {
	if isAWSHost(in.Host) {
		where := "that account and region"
		if in.Region != "" {
			where = "that account and region (" + in.Region + ")"
		}
		return "the bucket does not exist in " + where + "; check the bucket name (it is case-sensitive), the region and that the credentials belong to the bucket's account"
	}
	return fmt.Sprintf("the bucket does not exist on %s; check the bucket name (it is case-sensitive)", orUnknown(in.Host))
}

// isAWSHost reports whether host is an AWS S3 endpoint (or unknown, which
// means the regional default).
func isAWSHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	return h == "" || strings.HasSuffix(h, ".amazonaws.com") || strings.HasSuffix(h, ".amazonaws.com.cn") || strings.HasSuffix(h, ".amazonaws.eu")
}

func orUnknown(s string) string {
	if s == "" {
		return "the resource"
	}
	return s
}

// trustHint says what the role's trust policy must hold.
func trustHint(in errInput) string {
	role := in.RoleARN
	if role == "" {
		role = "the role"
	}
	h := fmt.Sprintf("%s does not trust Stowage's principal: its trust policy must allow sts:AssumeRole for the platform's principal", role)
	if in.ExternalID != "" {
		h += fmt.Sprintf(" with the condition StringEquals sts:ExternalId = %q", in.ExternalID)
	}
	return h + "; check the role ARN, the Principal and the external ID in the trust policy"
}

func credentialHint(code string, in errInput) string {
	switch {
	case in.Op == "assume-role":
		return "the platform's base credentials were rejected; renew them (aws sso login, or check AWS_PROFILE / aws_profile)"
	case code == "InvalidAccessKeyId" || code == "InvalidClientTokenId" || code == "XMinioInvalidIAMCredentials":
		return "the access key ID is not known to the store; check access_key_id (it may have been deleted or rotated)"
	case code == "SignatureDoesNotMatch":
		return "the secret access key does not match the access key ID; check secret_access_key (paste it again, without spaces)"
	}
	return "the store rejected the credentials; check the access key ID and secret access key"
}

func configHint(code, msg string, in errInput) string {
	lmsg := strings.ToLower(msg)
	switch {
	case strings.Contains(msg, "DurationSeconds") || strings.Contains(msg, "MaxSessionDuration"):
		return "the platform's session_duration is longer than the role allows; lower session_duration, or raise the role's maximum session duration in IAM"
	case code == "ValidationError" && in.Op == "assume-role":
		return fmt.Sprintf("STS rejected the role assumption as invalid; check role_arn (%s), e.g. arn:aws:iam::123456789012:role/StowageExport, and the external ID (2-1224 characters of letters, digits and +=,.@:/-)", orUnknown(in.RoleARN))
	case code == "InvalidBucketName":
		return "the bucket name is not valid for this store; check bucket"
	case strings.HasPrefix(code, "KMS."):
		return fmt.Sprintf("the KMS key %s cannot be used (%s); check kms_key_arn and that the key is enabled and in the bucket's region", orUnknown(in.KMSKeyARN), code)
	case strings.Contains(lmsg, "kms") || strings.Contains(lmsg, "encrypt"):
		return "the store cannot apply the requested server-side encryption; set encryption to none, or configure encryption (KMS) on the store"
	case code == "NotImplemented" || code == "NotImplemented501":
		return "the store does not implement this request"
	case code == "BadDigest" || code == "InvalidDigest" || strings.Contains(code, "Checksum") || strings.Contains(code, "SHA256"):
		return "the store computed a different checksum than the one sent: the data changed in transit or on disk; retry, and if it persists set checksum_mode to when_required"
	}
	return "the store rejected the request as invalid"
}

// storeMessage keeps the store's own words without the SDK's wrapping.
func storeMessage(status int, code, msg string) error {
	switch {
	case msg != "" && msg != code:
		return errors.New(msg)
	case status != 0:
		return fmt.Errorf("HTTP %d", status)
	}
	return errors.New(code)
}

// httpResponse finds the HTTP status and headers of a failed call, if the
// store answered at all.
func httpResponse(err error) (int, http.Header) {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.Response.Response != nil {
		return re.Response.StatusCode, re.Response.Header
	}
	return 0, http.Header{}
}

// innermostOperation returns the service and operation of the deepest
// smithy.OperationError in err's chain: for an S3 call that failed while
// refreshing assumed-role credentials, that is STS AssumeRole.
func innermostOperation(err error) (service, operation string) {
	for {
		var oe *smithy.OperationError
		if !errors.As(err, &oe) {
			return service, operation
		}
		service, operation = oe.Service(), oe.Operation()
		err = oe.Err
	}
}

// retryAfter reads a Retry-After header given in seconds or as an HTTP date.
func retryAfter(h http.Header) int {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return n
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return int(d.Round(time.Second) / time.Second)
		}
	}
	return 0
}

// classifyTransport handles errors where no HTTP answer arrived: DNS, TCP,
// TLS, proxies, timeouts, and missing base credentials.
func classifyTransport(err error, e *providers.Error, in errInput) error {
	e.Kind = providers.ErrNetwork
	host := in.Host
	if host == "" {
		host = "the endpoint"
	}
	var (
		dnsErr   *net.DNSError
		unknown  x509.UnknownAuthorityError
		verify   *tls.CertificateVerificationError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		recErr   tls.RecordHeaderError
		netErr   net.Error
		cause    error
		text     = err.Error()
		isNoCred = strings.Contains(text, "failed to retrieve credentials") ||
			strings.Contains(text, "failed to refresh cached credentials") ||
			strings.Contains(text, "no EC2 IMDS role found") ||
			strings.Contains(text, "failed to load") && strings.Contains(text, "credentials")
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		cause = context.DeadlineExceeded
		e.Hint = fmt.Sprintf("no answer from %s in time; check the endpoint and your network, or a proxy (HTTPS_PROXY)", host)
	case strings.Contains(text, "proxyconnect"):
		cause = innermostNetError(err)
		e.Retryable = true
		e.Hint = "the HTTP proxy cannot be reached; check HTTPS_PROXY / HTTP_PROXY and NO_PROXY"
	case errors.As(err, &dnsErr):
		cause = dnsErr
		e.Retryable = dnsErr.IsTemporary || dnsErr.IsTimeout
		e.Hint = fmt.Sprintf("the host name %s does not resolve; check the endpoint URL or region spelling, and this computer's DNS", dnsErr.Name)
		if !dnsErr.IsNotFound {
			e.Hint = fmt.Sprintf("the DNS lookup of %s failed; check this computer's DNS settings", dnsErr.Name)
		}
	case errors.As(err, &unknown) || errors.As(err, &verify) && errors.As(verify.Err, &unknown):
		cause = unknown
		e.Hint = fmt.Sprintf("%s presents a certificate from an authority this computer does not trust; set ca_bundle to the PEM of your CA", host)
	case errors.As(err, &hostErr):
		cause = hostErr
		e.Hint = fmt.Sprintf("the certificate of %s is for other names (%s); use the host name on the certificate in the endpoint URL", host, strings.Join(certNames(hostErr.Certificate), ", "))
	case errors.As(err, &invalid):
		cause = invalid
		e.Hint = fmt.Sprintf("the certificate of %s is not valid (%s); renew it on the server", host, invalid.Error())
	case errors.As(err, &recErr):
		cause = errors.New("the server did not answer with TLS")
		e.Hint = fmt.Sprintf("%s does not speak TLS; use an http:// endpoint if the store serves plain HTTP", host)
	case errors.Is(err, syscall.ECONNREFUSED):
		cause = syscall.ECONNREFUSED
		e.Retryable = true
		e.Hint = fmt.Sprintf("nothing accepts connections at %s; check the endpoint URL and port, and that the store is running", host)
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		cause = innermostNetError(err)
		e.Retryable = true
		e.Hint = "the connection was cut; it is retried"
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		cause = innermostNetError(err)
		e.Retryable = true
		e.Hint = fmt.Sprintf("%s cannot be reached from this network; check routing, VPN or firewall", host)
	case errors.As(err, &netErr) && netErr.Timeout():
		cause = netErr
		e.Retryable = true
		e.Hint = fmt.Sprintf("%s did not answer in time; a firewall may drop the traffic, or a proxy is needed (HTTPS_PROXY)", host)
	case isNoCred:
		e.Kind = providers.ErrInvalidCredentials
		cause = errors.New(credentialText(text))
		e.Hint = "no base credentials were found for role mode; set the platform's aws_profile (or AWS_PROFILE), run aws sso login for SSO profiles, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
		if strings.Contains(strings.ToLower(text), "sso") {
			e.Kind = providers.ErrExpired
			e.Hint = "the SSO session of the platform profile expired or is missing; run aws sso login --profile <aws_profile>"
		}
	default:
		cause = innermostNetError(err)
		e.Retryable = errors.As(err, &netErr)
		e.Hint = fmt.Sprintf("the request to %s failed before the store answered", host)
	}
	e.Err = cause
	e.Action, e.Resource = "", ""
	return e
}

// classifyUnreadAnswer handles a success status whose body could not be
// read or decoded. A connection cut after the headers is transient (the
// store may have acted: callers that care confirm); an answer that arrived
// whole but cannot be parsed is not, and says so rather than "HTTP 200".
func classifyUnreadAnswer(err error, e *providers.Error, in errInput, status int) error {
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		e.Kind = providers.ErrNetwork
		e.Retryable = true
		e.Err = innermostNetError(err)
		e.Hint = fmt.Sprintf("the connection to %s was cut after the store answered HTTP %d, before the answer arrived whole; it is retried", orUnknown(in.Host), status)
		e.Action, e.Resource = "", ""
		return e
	}
	e.Kind = providers.ErrServer
	e.Err = innermostNetError(err)
	e.Hint = fmt.Sprintf("the store answered HTTP %d but its answer could not be read", status)
	if strings.Contains(err.Error(), "illegal character code") {
		// Listings are asked URL-encoded; a store that ignores that sends
		// such a key raw, and XML 1.0 cannot carry it.
		e.Hint = "an object key holds a control character that the store's XML answer cannot carry (the store did not URL-encode its listing); rename or delete that object with the store's own tools"
	}
	e.Action, e.Resource = "", ""
	return e
}

// credentialText keeps the part of a credential-chain error after the SDK's
// wrapping; such messages name profiles and files, never secrets.
func credentialText(s string) string {
	if i := strings.LastIndex(s, "credentials, "); i >= 0 {
		return strings.TrimSpace(s[i+len("credentials, "):])
	}
	return s
}

// innermostNetError unwraps to the first standard-library network error, or
// a plain copy of the message, so that no SDK type escapes.
func innermostNetError(err error) error {
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if _, sdk := ne.(interface{ ConnectionError() bool }); !sdk {
			return ne
		}
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
		err = u
	}
	return errors.New(err.Error())
}

func certNames(c *x509.Certificate) []string {
	if c == nil {
		return nil
	}
	names := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName)
	}
	return names
}
