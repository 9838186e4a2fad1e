package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stowage-dev/stowage/validate"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNewerVersion means the file was written by a newer Stowage. Such a
	// file is never rewritten, so a newer build's settings are not lost.
	ErrNewerVersion = errors.New("locations file written by a newer Stowage")
	// ErrMissingVersion means the file has no "version:" key.
	ErrMissingVersion = errors.New("locations file has no version")
	// ErrSyntax means the file is not valid YAML or has an unknown field or
	// a value of the wrong kind.
	ErrSyntax = errors.New("locations file is malformed")
	// ErrDuplicateID means two locations share a stable ID, so they would
	// share a journal.
	ErrDuplicateID = errors.New("location ID shared by two locations")
	// ErrDuplicateName means two locations share a name.
	ErrDuplicateName = errors.New("duplicate location name")
	// ErrDuplicateExternalID means two locations share an external ID, which
	// would let one customer's role be assumed on behalf of another.
	ErrDuplicateExternalID = errors.New("external ID shared by two locations")
	// ErrNotFound means no location has the given name.
	ErrNotFound = errors.New("location not found")
	// ErrExists means a location with the given name already exists.
	ErrExists = errors.New("location already exists")
	// ErrNoRotation means ConfirmExternalID was called with no rotation pending.
	ErrNoRotation = errors.New("no external ID rotation pending")
	// ErrNoExternalID means there is no external ID in force to rotate.
	ErrNoExternalID = errors.New("no external ID to rotate")
)

// FieldError is a bad value in one field of a location or of the platform
// settings. Err is usually a *validate.Error, so errors.Is(err,
// validate.ErrInvalid) holds for every FieldError from Validate.
type FieldError struct {
	// Location is the location's name; empty for platform and file fields.
	Location string
	// Field is the YAML path of the value inside the location (or inside the
	// file for platform fields), e.g. "s3.bucket" or "platform.principal_arns[1]".
	Field string
	Err   error
}

// Error renders `location "acme": s3.bucket: rule; example: value`.
func (e *FieldError) Error() string {
	msg := fieldMessage(e.Err)
	if e.Location == "" {
		return e.Field + ": " + msg
	}
	return fmt.Sprintf("location %q: %s: %s", e.Location, e.Field, msg)
}

// Unwrap returns the underlying validation error.
func (e *FieldError) Unwrap() error { return e.Err }

// fieldMessage drops the validate.Error's own field word, because the YAML
// path already names the field more precisely.
func fieldMessage(err error) string {
	var ve *validate.Error
	if errors.As(err, &ve) {
		msg := ve.Rule
		if ve.Example != "" {
			msg += "; example: " + ve.Example
		}
		return msg
	}
	return err.Error()
}

// LoadError is a problem at a known place of a locations file.
type LoadError struct {
	Path string
	// Line is 1-based; 0 when the problem concerns the whole file.
	Line int
	// Field is the YAML path, e.g. `locations[2] ("acme").s3.bucket`; empty
	// for syntax errors without a known field.
	Field string
	Err   error
	// msg replaces Err's text when set, e.g. for reworded yaml.v3 errors.
	msg string
}

// Error renders "path:line: field: message".
func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	if e.msg != "" {
		b.WriteString(e.msg)
	} else {
		b.WriteString(fieldMessage(e.Err))
	}
	return b.String()
}

// Unwrap returns the underlying error (a sentinel of this package or a
// *validate.Error).
func (e *LoadError) Unwrap() error { return e.Err }

// notFound builds the error for a missing location name, listing the known
// names so a typo is easy to spot.
func (f *File) notFound(name string) error {
	names := f.Names()
	if len(names) == 0 {
		return fmt.Errorf("%w: %q; there are no locations yet", ErrNotFound, name)
	}
	return fmt.Errorf("%w: %q; known locations: %s", ErrNotFound, name, strings.Join(names, ", "))
}
