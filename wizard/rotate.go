package wizard

import (
	"fmt"
	"slices"

	"github.com/stowage-dev/stowage/config"
)

// maxIDAttempts bounds the retries on an external ID collision.
const maxIDAttempts = 8

// Rotate asks to generate a new external ID for the saved S3 role location
// name: it loads the location into the draft and moves to
// StepConfirmRotate. When a rotation is already pending, that step offers
// ConfirmTrustUpdated and CancelRotation as well as another ConfirmRotate.
func (w *Wizard) Rotate(name string) error {
	loc, ok := w.file.Find(name)
	if !ok {
		return fmt.Errorf("rotate external ID of location %q: %w; saved locations are %s", name, config.ErrNotFound, w.namesList())
	}
	if loc.S3 == nil || loc.S3.Auth != config.AuthRole {
		return fmt.Errorf("rotate external ID of location %q: %w: only S3 locations that assume a role have an external ID", name, ErrNotApplicable)
	}
	if loc.S3.ExternalID == "" {
		return fmt.Errorf("rotate external ID of location %q: %w", name, config.ErrNoExternalID)
	}
	w.reset(loc)
	w.history = []Step{StepStart}
	w.enter(StepConfirmRotate)
	return nil
}

// Rotation returns the external ID in force and the pending one ("" when
// no rotation is pending) of the draft.
func (w *Wizard) Rotation() (current, pending string) {
	return w.get(pathExtID), w.get(pathPendingID)
}

// s3IDs returns the draft's external IDs as a config.S3, so the rotation
// rules stay config's.
func (w *Wizard) s3IDs() *config.S3 {
	return &config.S3{ExternalID: w.get(pathExtID), PendingExternalID: w.get(pathPendingID)}
}

func (w *Wizard) putIDs(s *config.S3) {
	w.values[pathExtID] = s.ExternalID
	if s.PendingExternalID == "" {
		delete(w.values, pathPendingID)
	} else {
		w.values[pathPendingID] = s.PendingExternalID
	}
}

// ConfirmRotate is "yes" on StepConfirmRotate: it generates the new
// external ID and keeps it pending, so the current one stays in force and
// exports keep working until the customer's trust policy has the new one.
// It moves to the Access step, which shows both IDs and RotationNotice.
// Save to keep the pending ID; ConfirmTrustUpdated finishes the rotation.
func (w *Wizard) ConfirmRotate() (string, error) {
	if w.step != StepConfirmRotate {
		return "", fmt.Errorf("confirm rotation on %q: %w", w.step, ErrWrongStep)
	}
	s := w.s3IDs()
	id := ""
	for range maxIDAttempts {
		next, err := s.RotateExternalID()
		if err != nil {
			return "", fmt.Errorf("rotate external ID of location %q: %w", w.editing, err)
		}
		// External IDs must differ across customers, not just from this
		// location's own; a collision needs a broken random source.
		if !w.idTaken(next) {
			id = next
			break
		}
	}
	if id == "" {
		return "", fmt.Errorf("rotate external ID of location %q: %d new IDs collided with other locations' IDs; the random source is broken", w.editing, maxIDAttempts)
	}
	w.putIDs(s)
	w.clearTest()
	w.push()
	w.enter(StepAccess)
	return id, nil
}

// idTaken reports whether another saved location uses id.
func (w *Wizard) idTaken(id string) bool {
	for _, l := range w.file.Locations {
		if l.Name != w.editing && l.S3 != nil && slices.Contains(l.S3.ExternalIDsInForce(), id) {
			return true
		}
	}
	return false
}

// ConfirmTrustUpdated is called once the customer's trust policy uses the
// new external ID: the pending ID becomes the one in force and the old one
// is forgotten. It moves to StepTest so the connection is checked with the
// new ID before Save.
func (w *Wizard) ConfirmTrustUpdated() error {
	s := w.s3IDs()
	if err := s.ConfirmExternalID(); err != nil {
		return fmt.Errorf("confirm external ID of location %q: %w", w.get(pathName), err)
	}
	w.putIDs(s)
	w.clearTest()
	if w.step != StepTest {
		w.push()
		w.enter(StepTest)
	}
	return nil
}

// CancelRotation drops the pending external ID; the current one stays. On
// StepConfirmRotate it moves to the Review step so that a pending ID that
// was already saved is removed by Save.
func (w *Wizard) CancelRotation() {
	s := w.s3IDs()
	s.CancelRotation()
	w.putIDs(s)
	if w.step == StepConfirmRotate {
		w.push()
		w.enter(StepReview)
	}
}
