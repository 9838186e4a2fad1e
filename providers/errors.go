package providers

import (
	"errors"
	"fmt"
)

// Kinds of storage errors. Callers test with errors.Is(err, providers.ErrX).
var (
	ErrAccessDenied       = errors.New("access denied")
	ErrNoSuchBucket       = errors.New("no such bucket or container")
	ErrNoSuchKey          = errors.New("no such object")
	ErrWrongRegion        = errors.New("wrong region")
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrTrustDenied        = errors.New("role trust denied")
	ErrExpired            = errors.New("credentials or token expired")
	ErrThrottled          = errors.New("throttled")
	ErrNetwork            = errors.New("network error")
	ErrPreconditionFailed = errors.New("precondition failed")
	ErrInvalidConfig      = errors.New("invalid location settings")
	ErrServer             = errors.New("server error")
	// ErrIntegrity is a body that did not match the checksum sent with it:
	// damaged in transit, or the source file changed while it was read.
	ErrIntegrity = errors.New("data did not match its checksum")
	// ErrSourceUnreadable: the local file to upload could not be read (it
	// became a folder, a disk error); the location is not at fault.
	ErrSourceUnreadable = errors.New("the file to upload cannot be read")
	// ErrKeyConflict: the key cannot be written because the location holds
	// a folder there, or a file where the key needs a folder.
	ErrKeyConflict = errors.New("the key conflicts with a folder in the location")
	// ErrCannotAbort: the store has no way to discard an unfinished
	// upload on request (Azure's uncommitted blocks); the hint says when
	// the store discards it by itself.
	ErrCannotAbort = errors.New("the store cannot discard unfinished uploads on request")
)

// Error is a storage error with what the user needs to act on it.
type Error struct {
	Kind     error  // one of the Err* sentinels
	Op       string // Stowage's operation ("put", "list", "assume-role")
	Action   string // the IAM action or Azure permission involved ("s3:PutObject")
	Resource string // the ARN or URL it was denied on
	Code     string // the API error code ("AccessDenied", "AuthorizationPermissionMismatch")
	Region   string // for ErrWrongRegion: the bucket's real region
	Hint     string // what to do next
	// Retryable is true for throttling, 5xx and connection resets.
	Retryable  bool
	RetryAfter int // seconds, from a Retry-After header; 0 when absent
	Err        error
}

func (e *Error) Error() string {
	msg := e.Kind.Error()
	if e.Op != "" {
		msg = e.Op + ": " + msg
	}
	if e.Action != "" && e.Resource != "" {
		msg += fmt.Sprintf(" (%s on %s)", e.Action, e.Resource)
	} else if e.Action != "" {
		msg += " (" + e.Action + ")"
	}
	if e.Code != "" {
		msg += " [" + e.Code + "]"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap lets errors.Is match both the Kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// IsRetryable reports whether err is worth another try.
func IsRetryable(err error) bool {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Retryable
	}
	return false
}
