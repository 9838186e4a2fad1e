// Package wizard is the setup wizard as plain Go: the steps, the fields of
// each step for the location being drafted, the transitions between steps
// and the validation that guards them. It does no terminal or network I/O;
// the tui package renders a Wizard and turns keys into calls, and the
// setup command drives the same Wizard non-interactively from flags, so a
// value is accepted or refused the same way everywhere.
package wizard

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stowage-dev/stowage/config"
)

// Step is one screen of the wizard.
type Step string

const (
	// StepStart lists the saved locations with their actions.
	StepStart Step = "start"
	// StepName asks for the location's name.
	StepName Step = "name"
	// StepType picks the kind of storage and, for S3, how Stowage gets in.
	StepType Step = "type"
	// StepWhere asks where the recordings go: bucket, container or folder.
	StepWhere Step = "where"
	// StepAccess asks for the role ARN (showing the external ID), the
	// access keys, or explains the default credential chain.
	StepAccess Step = "access"
	// StepPolicies shows the documents the customer applies on their side.
	StepPolicies Step = "policies"
	// StepTest runs the connection test (the caller runs it and reports).
	StepTest Step = "test"
	// StepReview shows every setting before saving.
	StepReview Step = "review"
	// StepDone follows a successful save.
	StepDone Step = "done"

	// StepConfirmDelete asks before a location is deleted.
	StepConfirmDelete Step = "confirm-delete"
	// StepConfirmRotate asks before a new external ID is generated, and
	// offers to finish or cancel a rotation already pending.
	StepConfirmRotate Step = "confirm-rotate"
	// StepConfirmDiscard asks before unsaved changes are thrown away.
	StepConfirmDiscard Step = "confirm-discard"
	// StepResumeDraft offers, at the start, the location an earlier run
	// left unsaved (OfferDraft).
	StepResumeDraft Step = "resume-draft"
	// StepConfirmDiscardDraft asks before that draft is thrown away,
	// saying what is lost.
	StepConfirmDiscardDraft Step = "confirm-discard-draft"
)

// flowOrder is every step of the add/edit flow in order; flow drops the
// ones that do not apply to the draft's type.
var flowOrder = []Step{StepName, StepType, StepWhere, StepAccess, StepPolicies, StepTest, StepReview}

// Flow returns the steps of the add/edit flow for the current draft, in
// order, for a progress line. A local folder needs no access or policies;
// an Azure container's credentials are its connection string, asked for on
// the Where step, so it has no Access step.
func (w *Wizard) Flow() []Step {
	var out []Step
	for _, s := range flowOrder {
		if w.applies(s) {
			out = append(out, s)
		}
	}
	return out
}

// Progress places step s in the add/edit flow: its number from 1, and
// the number of steps, which is 0 on the Name and Type steps while no
// storage type is picked (the type decides the steps). n is 0 for a step
// outside the flow.
func (w *Wizard) Progress(s Step) (n, of int) {
	flow := w.Flow()
	i := slices.Index(flow, s)
	if i < 0 {
		return 0, 0
	}
	if w.typ() == "" {
		return i + 1, 0
	}
	return i + 1, len(flow)
}

// applies reports whether step is part of the flow for the draft's type.
// Before a type is picked only the steps up to StepType apply.
func (w *Wizard) applies(s Step) bool {
	t := config.Type(w.get(pathType))
	switch s {
	case StepName, StepType:
		return true
	case StepWhere, StepTest, StepReview:
		return t != ""
	case StepAccess:
		return t == config.TypeS3
	case StepPolicies:
		return t == config.TypeS3 || t == config.TypeAzure
	}
	return false
}

// inFlow reports whether s is one of the add/edit steps (not a
// confirmation, the start list or the done screen).
func inFlow(s Step) bool { return slices.Contains(flowOrder, s) }

// StepTitle returns the heading of a step.
func StepTitle(s Step) string {
	switch s {
	case StepStart:
		return "Export locations"
	case StepName:
		return "Name"
	case StepType:
		return "Storage type"
	case StepWhere:
		return "Where recordings go"
	case StepAccess:
		return "Access"
	case StepPolicies:
		return "Policies to apply"
	case StepTest:
		return "Test connection"
	case StepReview:
		return "Review"
	case StepDone:
		return "Saved"
	case StepConfirmDelete:
		return "Delete location?"
	case StepConfirmRotate:
		return "Generate new external ID?"
	case StepConfirmDiscard:
		return "Discard unsaved changes?"
	case StepResumeDraft:
		return "Resume unsaved location?"
	case StepConfirmDiscardDraft:
		return "Discard unsaved location?"
	}
	return string(s)
}

// Intro returns the explanation shown under the step's heading for the
// current draft. It never contains a secret.
func (w *Wizard) Intro() string {
	name := w.get(pathName)
	switch w.step {
	case StepStart:
		if len(w.file.Locations) == 0 {
			return "No export locations yet. Add one to export call and screen recordings into your own storage."
		}
		return "Pick a location to edit, test, export to, rotate its external ID or delete, or add a new one."
	case StepName:
		return "This name identifies the export location in Stowage. It can be different from the name of the bucket, container or folder, and must be unique."
	case StepType:
		return "Where should recordings be exported? Your organisation creates and manages this storage; Stowage only writes into it."
	case StepWhere:
		switch config.Type(w.get(pathType)) {
		case config.TypeAzure:
			return "Enter the container name and the connection string from your Azure storage account."
		case config.TypeLocal:
			return "Enter the folder on this machine or a mounted network share that exports are written to."
		}
		return "Enter the bucket and the region it is in. The advanced settings are for S3-compatible stores, encryption and what else Stowage may do in the bucket."
	case StepAccess:
		switch config.AuthMode(w.get(pathAuth)) {
		case config.AuthRole:
			if w.get(pathPendingID) != "" {
				return RotationNotice
			}
			return "Enter the ARN of the role Stowage assumes. Stowage generated the external ID below for this location: configure your role's trust policy to use it. The connection will not work until you complete this step."
		case config.AuthKeys:
			return "Enter the access key of an IAM user whose policy grants only what this location needs. The secret is stored only in the locations file (mode 0600) and never shown again."
		}
		return "Stowage uses the credentials already in its environment (AWS_PROFILE, AWS_ACCESS_KEY_ID, an instance or task role) as they are. Make sure they carry the permissions policy on the next step."
	case StepPolicies:
		return "Apply these documents on your side. Each says where it goes; copy them as they are."
	case StepTest:
		return "The test checks every permission Stowage needs, one by one, and says what to change when one fails."
	case StepReview:
		return "Check the settings, then save. Secrets are never shown."
	case StepDone:
		// Only a passed test makes exporting a promise (issue 10 §6).
		switch t := w.lastTest; {
		case t == nil:
			return fmt.Sprintf("Location %q is saved. Its connection has not been tested yet: test it before you export recordings to it.", name)
		case !t.OK:
			return fmt.Sprintf("Location %q is saved, but its last connection test failed: exports will fail until the test passes.", name)
		}
		return fmt.Sprintf("Location %q is saved. You can now export recordings to it.", name)
	case StepConfirmDelete:
		return strings.TrimSpace(fmt.Sprintf("Delete location %q from Stowage? The storage itself and everything in it stay as they are; only Stowage's settings are removed. %s", w.target, w.DeleteConsequences(w.target)))
	case StepConfirmRotate:
		if w.get(pathPendingID) != "" {
			return RotationNotice
		}
		return "If the external ID has been compromised, generate a new one. The current ID stays in force until you confirm that the role's trust policy uses the new one, so exports keep working meanwhile."
	case StepConfirmDiscard:
		return "You have unsaved changes. Discarding them loses " + lossText(w.values, w.editing, w.initial[pathExtID]) + "."
	case StepResumeDraft:
		return w.resumeIntro()
	case StepConfirmDiscardDraft:
		if w.offered == nil {
			return ""
		}
		return fmt.Sprintf("Discard the unsaved location %s? This loses %s. It cannot be undone.", draftName(w.offered.Values), lossText(w.offered.Values, w.offered.Editing, w.savedExternalID(w.offered.Editing)))
	}
	return ""
}

// RotationNotice is shown while a new external ID is pending; its second
// sentence is the vendor-documented warning the customer must act on.
const RotationNotice = "A new external ID has been generated. In AWS, configure your role's trust policy to use the new external ID. The connection will not work until you complete this step. " +
	"Until you confirm, the current ID stays in force and the generated trust policy accepts both."
