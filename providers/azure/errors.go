package azure

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/stowage-dev/stowage/providers"
)

// serviceError is what is kept of an Azure error response: the code, the
// status and the first line of the message. The SDK's own error is dropped
// because its text can carry request details.
type serviceError struct {
	Status  int
	Code    string
	Message string
	// Detail is AuthenticationErrorDetail, when the service sent one.
	Detail string
}

func (e *serviceError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.Status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

var (
	reMessage = regexp.MustCompile(`(?s)<Message>(.*?)</Message>`)
	reDetail  = regexp.MustCompile(`(?s)<AuthenticationErrorDetail>(.*?)</AuthenticationErrorDetail>`)
)

// firstLine keeps a message's first line, without the "String to sign"
// tail Azure appends to signature errors.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, " String to sign"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// permission is the SAS letter and data role behind each operation.
func permission(op string) (letter, role string) {
	switch op {
	case "put", "upload-part", "complete-multipart", "test-put":
		return "w", "Storage Blob Data Contributor"
	case "list", "list-uploads", "container":
		return "l", "Storage Blob Data Contributor (or Reader)"
	case "get", "stat", "test-get", "list-parts":
		// Get Block List (list-parts) is a read of the blob.
		return "r", "Storage Blob Data Reader"
	case "delete":
		return "d", "Storage Blob Data Contributor"
	}
	return "", ""
}

var permissionNames = map[string]string{"r": "Read", "a": "Add", "c": "Create", "w": "Write", "d": "Delete", "l": "List"}

func permissionAction(letter string) string {
	if letter == "" {
		return ""
	}
	return fmt.Sprintf("%s (%s)", permissionNames[letter], letter)
}

func contextErr(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	}
	return nil
}

// mapErr turns an Azure SDK or transport error into a *providers.Error. No
// SDK type leaves the package, and nothing secret goes into the message:
// URLs are rebuilt without their query, where a SAS lives.
func (p *Provider) mapErr(op, name string, err error) error {
	if err == nil {
		return nil
	}
	var pe *providers.Error
	if errors.As(err, &pe) {
		return err
	}
	if ce := contextErr(err); ce != nil {
		return ce
	}
	res := p.containerURL
	if name != "" {
		res += "/" + name
	}
	e := &providers.Error{Op: op, Resource: res}

	var re *azcore.ResponseError
	if errors.As(err, &re) {
		se := &serviceError{Status: re.StatusCode, Code: re.ErrorCode}
		if re.RawResponse != nil {
			if body, berr := runtime.Payload(re.RawResponse); berr == nil {
				if m := reMessage.FindSubmatch(body); m != nil {
					se.Message = firstLine(string(m[1]))
				}
				if m := reDetail.FindSubmatch(body); m != nil {
					se.Detail = firstLine(string(m[1]))
				}
			}
			if ra, aerr := strconv.Atoi(re.RawResponse.Header.Get("Retry-After")); aerr == nil {
				e.RetryAfter = ra
			}
		}
		e.Code = se.Code
		e.Err = se
		p.classify(e, op, se)
		return e
	}
	p.classifyTransport(e, err)
	return e
}

func (p *Provider) classify(e *providers.Error, op string, se *serviceError) {
	code := bloberror.Code(se.Code)
	letter, role := permission(op)
	switch {
	case code == bloberror.ContainerNotFound || code == bloberror.ContainerBeingDeleted:
		e.Kind = providers.ErrNoSuchBucket
		e.Resource = p.containerURL
		e.Hint = p.createContainerHint()
	case code == bloberror.BlobNotFound:
		e.Kind = providers.ErrNoSuchKey
	case code == bloberror.AuthenticationFailed || code == bloberror.InvalidAuthenticationInfo ||
		code == bloberror.NoAuthenticationInformation ||
		// Azurite answers a bad signature with AuthorizationFailure and
		// Azure's authentication message.
		(code == bloberror.AuthorizationFailure && strings.Contains(se.Message, "failed to authenticate")) ||
		// A HEAD answer has no message; a shared key holds every
		// permission, so a refusal is the key (or the firewall, which
		// the hint names too).
		(code == bloberror.AuthorizationFailure && se.Message == "" && p.sas == nil):
		if exp, ok := p.sasExpiry(); (ok && time.Now().After(exp)) || timeFrameError(se) {
			e.Kind = providers.ErrExpired
			e.Hint = p.expiredHint()
			return
		}
		e.Kind = providers.ErrInvalidCredentials
		switch p.cs.AuthKind() {
		case "sas":
			e.Hint = "the SAS token's signature is not valid for this account and container (wrong account, regenerated key, or a changed token); generate a new SAS and paste the connection string again"
		default:
			e.Hint = fmt.Sprintf("the AccountKey does not match storage account %q (keys may have been rotated); copy the connection string again from the portal: Storage account > Security + networking > Access keys", p.account())
			if se.Message == "" {
				e.Hint += "; if the key is right, the account's firewall (Networking) may be blocking this machine"
			}
		}
	case code == bloberror.AuthorizationPermissionMismatch || code == bloberror.AuthorizationFailure ||
		code == bloberror.InsufficientAccountPermissions || code == bloberror.AuthorizationResourceTypeMismatch ||
		code == bloberror.AuthorizationServiceMismatch || code == bloberror.AuthorizationProtocolMismatch ||
		code == bloberror.AuthorizationSourceIPMismatch || code == bloberror.AccountIsDisabled ||
		se.Status == 403:
		if exp, ok := p.sasExpiry(); ok && time.Now().After(exp) {
			e.Kind = providers.ErrExpired
			e.Hint = p.expiredHint()
			return
		}
		e.Kind = providers.ErrAccessDenied
		e.Action = permissionAction(letter)
		e.Hint = p.deniedHint(code, letter, role)
	case code == bloberror.InvalidBlockList || code == bloberror.InvalidBlobOrBlock ||
		code == bloberror.InvalidBlockID || code == bloberror.ConditionNotMet || se.Status == 412:
		e.Kind = providers.ErrPreconditionFailed
		if code == bloberror.InvalidBlockList {
			e.Hint = "a listed block is not staged (it may have expired after 7 days); list the parts and send the missing ones again"
		}
	case code == bloberror.MD5Mismatch || code == bloberror.InvalidMD5:
		// The bytes changed on the way (or in the file); sending them again
		// fixes the first, the exporter's own check catches the second.
		e.Kind = providers.ErrIntegrity
		e.Retryable = true
		e.Hint = "the service received other bytes than were sent (MD5 mismatch); the part is sent again"
	case code == bloberror.InvalidRange || se.Status == 416:
		e.Kind = providers.ErrInvalidConfig
		e.Hint = "the requested byte range lies outside the blob"
	case code == bloberror.ServerBusy || se.Status == 429:
		e.Kind = providers.ErrThrottled
		e.Retryable = true
		e.Hint = "the storage account is throttling requests; lower the export's concurrency if this persists"
	case se.Status >= 500 || se.Status == 408 || code == bloberror.OperationTimedOut || code == bloberror.InternalError:
		e.Kind = providers.ErrServer
		e.Retryable = true
	case se.Status == 404:
		e.Kind = providers.ErrNoSuchKey
	case se.Status == 400:
		e.Kind = providers.ErrInvalidConfig
	default:
		e.Kind = providers.ErrServer
	}
}

// timeFrameError reports whether Azure said the SAS is outside its validity
// window ("Signature not valid in the specified time frame", "Signed expiry
// time ... must be after signed start time").
func timeFrameError(se *serviceError) bool {
	s := strings.ToLower(se.Message + " " + se.Detail)
	return strings.Contains(s, "time frame") || strings.Contains(s, "signed expiry time")
}

func (p *Provider) account() string {
	if a := p.cs.Account(); a != "" {
		return a
	}
	return "<account>"
}

func (p *Provider) createContainerHint() string {
	return fmt.Sprintf("container %q does not exist in storage account %q; create it with: az storage container create --name %s --account-name %s (or check the container name's spelling; names are lowercase)",
		p.cfg.Container, p.account(), p.cfg.Container, p.account())
}

func (p *Provider) expiredHint() string {
	exp, _ := p.sasExpiry()
	return fmt.Sprintf("the SAS token expired on %s; generate a new SAS for container %q (Shared access tokens in the portal) and paste the new connection string",
		exp.UTC().Format("2006-01-02 15:04 MST"), p.cfg.Container)
}

func (p *Provider) deniedHint(code bloberror.Code, letter, role string) string {
	switch code {
	case bloberror.AuthorizationProtocolMismatch:
		return "the SAS allows HTTPS only (spr=https) but the endpoint is http; use an https BlobEndpoint"
	case bloberror.AuthorizationSourceIPMismatch:
		return "the SAS is limited to other IP addresses (sip=); add this machine's public address or drop the IP limit"
	case bloberror.AuthorizationResourceTypeMismatch:
		return "the account SAS does not cover the resource type needed; allow resource types container (c) and object (o) (srt=co)"
	case bloberror.AuthorizationServiceMismatch:
		return "the account SAS does not include the Blob service; allow service b (ss=b)"
	case bloberror.AccountIsDisabled:
		return fmt.Sprintf("storage account %q is disabled; re-enable it in the Azure portal", p.account())
	}
	if p.cs.AuthKind() == "sas" {
		if letter == "" {
			return "the SAS token does not allow this operation; generate a new SAS with permissions c, w and l (plus r to read back, d to delete)"
		}
		return fmt.Sprintf("the SAS token lacks the %s permission; generate a new SAS that includes %q (Stowage needs c, w and l; r to read back; d to delete)",
			permissionAction(letter), letter)
	}
	return fmt.Sprintf("the storage account refused the request: check its firewall (Networking > allowed addresses) and, for Microsoft Entra access, assign the %s role on container %q", role, p.cfg.Container)
}

// classifyTransport maps errors below HTTP: DNS, refused connections,
// TLS. url.Error's own text quotes the full URL (with any SAS), so only its
// host and inner error are kept.
func (p *Provider) classifyTransport(e *providers.Error, err error) {
	host := ""
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
		err = ue.Err
	}
	e.Err = err
	e.Kind = providers.ErrNetwork
	e.Retryable = true
	endpoint := p.cs.BlobURL()
	var dnsErr *net.DNSError
	var certErr *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	switch {
	case errors.As(err, &dnsErr):
		e.Retryable = dnsErr.IsTemporary || dnsErr.IsTimeout
		e.Hint = fmt.Sprintf("the host %s was not found; check AccountName (and EndpointSuffix or BlobEndpoint) in the connection string, and this machine's DNS", dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Hint = fmt.Sprintf("nothing accepts connections at %s; check BlobEndpoint in the connection string (for Azurite, start it first)", endpoint)
	case errors.As(err, &certErr), errors.As(err, &hostErr):
		e.Retryable = false
		e.Hint = fmt.Sprintf("the TLS certificate of %s is not trusted; a proxy inspecting TLS needs its CA added to the system's trust store", endpoint)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		e.Hint = "the connection was reset; it is retried, and a firewall or proxy may be closing long uploads"
	default:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			e.Hint = fmt.Sprintf("%s did not answer in time; check the network path to Azure (proxy, firewall)", endpoint)
		} else {
			e.Hint = fmt.Sprintf("could not reach %s; check the network and the connection string's endpoint", endpoint)
		}
	}
	if host != "" && e.Resource == "" {
		e.Resource = host
	}
}
