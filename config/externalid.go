package config

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
)

// externalIDBytes is 160 bits of entropy, well above the 128 bits that make
// guessing another customer's external ID hopeless.
const externalIDBytes = 20

// externalIDEncoding yields 32 characters of a-z and 2-7: all allowed in
// sts:ExternalId, no look-alike 0/1/8/9, and nothing a terminal, a URL or
// a double-click selection would split.
var externalIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewExternalID returns a fresh random external ID for a role's trust
// policy: 32 lowercase base32 characters from crypto/rand. The external ID
// protects against the confused-deputy problem only if each customer has
// their own, so use File.NewExternalIDFor inside a locations file.
func NewExternalID() (string, error) {
	b := make([]byte, externalIDBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate external ID: %w", err)
	}
	return strings.ToLower(externalIDEncoding.EncodeToString(b)), nil
}

// maxIDAttempts bounds the retry on a collision, which at 160 bits never
// happens unless the random source is broken — and then failing is right.
const maxIDAttempts = 8

// NewExternalIDFor returns a new external ID for the location called name
// that differs from every external ID in the file, current or pending,
// including that location's own. The location need not exist yet.
func (f *File) NewExternalIDFor(name string) (string, error) {
	used := map[string]bool{}
	for _, l := range f.Locations {
		if l.S3 != nil {
			for _, id := range l.S3.ExternalIDsInForce() {
				used[id] = true
			}
		}
	}
	for range maxIDAttempts {
		id, err := NewExternalID()
		if err != nil {
			return "", err
		}
		if !used[id] {
			return id, nil
		}
	}
	return "", fmt.Errorf("generate external ID for location %q: %d attempts collided with existing IDs; the random source is broken", name, maxIDAttempts)
}

// RotateExternalID starts a rotation on the location called name with an ID
// unique in the file; see S3.RotateExternalID.
func (f *File) RotateExternalID(name string) (string, error) {
	l, ok := f.Find(name)
	if !ok {
		return "", f.notFound(name)
	}
	if l.S3 == nil {
		return "", fmt.Errorf("rotate external ID of location %q: it is of type %s; only S3 locations have an external ID", name, l.Type)
	}
	id, err := f.NewExternalIDFor(name)
	if err != nil {
		return "", err
	}
	if err := l.S3.rotateTo(id); err != nil {
		return "", fmt.Errorf("rotate external ID of location %q: %w", name, err)
	}
	return id, nil
}

// RotateExternalID generates a new external ID and keeps it pending: the
// current one stays in force until ConfirmExternalID, so exports keep
// working while the customer adds the new ID to the trust policy. Calling it
// again while a rotation is pending replaces the pending ID (the current one
// is still untouched). It fails with ErrNoExternalID when there is no
// current ID; set ExternalID directly for a new location.
func (s *S3) RotateExternalID() (string, error) {
	for range maxIDAttempts {
		id, err := NewExternalID()
		if err != nil {
			return "", err
		}
		if id != s.ExternalID && id != s.PendingExternalID {
			if err := s.rotateTo(id); err != nil {
				return "", err
			}
			return id, nil
		}
	}
	return "", errors.New("generate external ID: the random source keeps repeating itself")
}

func (s *S3) rotateTo(id string) error {
	if s.ExternalID == "" {
		return fmt.Errorf("%w: the location has no external ID yet; generate one with NewExternalIDFor", ErrNoExternalID)
	}
	s.PendingExternalID = id
	return nil
}

// ConfirmExternalID makes the pending external ID the one in force and
// forgets the old one; call it once the trust policy holds the new ID (and
// ideally after a successful connection test with it). It fails with
// ErrNoRotation when no rotation is pending.
func (s *S3) ConfirmExternalID() error {
	if s.PendingExternalID == "" {
		return fmt.Errorf("%w; start one with rotate first", ErrNoRotation)
	}
	s.ExternalID, s.PendingExternalID = s.PendingExternalID, ""
	return nil
}

// CancelRotation drops the pending external ID; the current one stays.
func (s *S3) CancelRotation() {
	s.PendingExternalID = ""
}

// ExternalIDsInForce returns the external IDs a trust policy may list for
// this location: the current one, then the pending one during a rotation.
// Generated trust policies should accept all of them so that neither side
// breaks mid-rotation.
func (s S3) ExternalIDsInForce() []string {
	var ids []string
	if s.ExternalID != "" {
		ids = append(ids, s.ExternalID)
	}
	if s.PendingExternalID != "" {
		ids = append(ids, s.PendingExternalID)
	}
	return ids
}
