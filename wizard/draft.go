package wizard

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stowage-dev/stowage/config"
)

// DraftState says what the caller should do with the unsaved-location file
// now (issue 10 §4): keep d (write it), leave the file as it is while the
// offer to resume one is open (pending), or remove it (d nil, not pending)
// because the draft was saved or discarded, or there is none.
func (w *Wizard) DraftState() (d *config.Draft, pending bool) {
	if w.offered != nil {
		return nil, true
	}
	step := w.step
	if step == StepConfirmDiscard && len(w.history) > 0 {
		// Asked whether to discard: the draft is still the step before.
		step = w.history[len(w.history)-1]
	}
	if !inFlow(step) || !w.Dirty() {
		return nil, false
	}
	values := map[string]string{}
	for k, v := range w.values {
		if v != "" {
			values[k] = v
		}
	}
	return &config.Draft{SavedAt: w.now().UTC().Truncate(1e9), Editing: w.editing, Step: string(step), Values: values}, false
}

// OfferDraft makes the wizard start by asking whether to resume d, a
// location left unsaved by an earlier run (StepResumeDraft). ResumeDraft
// takes it up; DiscardDraft asks before it is thrown away.
func (w *Wizard) OfferDraft(d *config.Draft) { w.OfferDrafts([]*config.Draft{d}) }

// OfferDrafts offers the drafts left by earlier sessions one by one, in
// their order (config.LeftDrafts: newest first): a discarded one makes
// way for the next; once one is resumed, the others stay for the next
// start.
func (w *Wizard) OfferDrafts(ds []*config.Draft) {
	w.offers = nil
	for _, d := range ds {
		if d != nil && len(d.Values) > 0 {
			w.offers = append(w.offers, d)
		}
	}
	if len(w.offers) == 0 {
		return
	}
	w.offered = w.offers[0]
	w.history = nil
	w.enter(StepResumeDraft)
}

// SyncDraft keeps this session's draft file at path in step with the
// wizard, as DraftState says: written (0600, atomically, naming this
// process as its owner so that another session does not offer it) while a
// location is drafted with changes, left alone while an offer is open,
// removed once saved or discarded. ending writes it without an owner, for
// the next start. The files of discarded offers are removed, and that of
// a resumed one once path holds its values (or they were saved or
// discarded).
func (w *Wizard) SyncDraft(path string, ending bool) error {
	d, pending := w.DraftState()
	var err error
	switch {
	case pending:
	case d != nil:
		if !ending {
			if w.owner == nil {
				w.owner = config.ThisProcess(w.now())
			}
			d.Owner = w.owner
		}
		err = config.SaveDraft(path, *d)
	default:
		err = config.RemoveDraft(path)
	}
	if err != nil {
		return err
	}
	if w.dropResumed != "" && !pending {
		w.drop, w.dropResumed = append(w.drop, w.dropResumed), ""
	}
	var errs []error
	for _, p := range w.drop {
		if p != path {
			errs = append(errs, config.RemoveDraft(p))
		}
	}
	w.drop = nil
	return errors.Join(errs...)
}

// OfferedDraft returns the draft StepResumeDraft asks about, if any.
func (w *Wizard) OfferedDraft() *config.Draft { return w.offered }

// ResumeDraft loads the offered draft, with its external ID, and goes to
// the step it was left on; the steps before it are the way back.
func (w *Wizard) ResumeDraft() error {
	d := w.offered
	if d == nil || (w.step != StepResumeDraft && w.step != StepConfirmDiscardDraft) {
		return fmt.Errorf("resume: %w", ErrWrongStep)
	}
	var loc *config.Location
	if d.Editing != "" {
		// A location deleted since is drafted as a new one.
		loc, _ = w.file.Find(d.Editing)
	}
	w.reset(loc)
	maps.Copy(w.values, d.Values)
	w.resumed = maps.Clone(d.Values)
	// Record what is wrong now, as typed, without changing any value.
	for i := range defs {
		if df := &defs[i]; w.get(df.path) != "" && !df.readOnly && df.id != "type" {
			w.check(df)
		}
	}
	w.offered, w.offers = nil, nil
	w.dropResumed = d.Path
	target := Step(d.Step)
	flow := w.Flow()
	if !slices.Contains(flow, target) {
		target = StepName
	}
	w.history = []Step{StepStart}
	for _, s := range flow {
		if s == target {
			break
		}
		w.history = append(w.history, s)
	}
	w.enter(target)
	return nil
}

// DiscardDraft asks before the offered draft is thrown away
// (StepConfirmDiscardDraft, whose intro says what is lost); Back returns to
// the offer.
func (w *Wizard) DiscardDraft() error {
	if w.offered == nil || w.step != StepResumeDraft {
		return fmt.Errorf("discard: %w", ErrWrongStep)
	}
	w.push()
	w.enter(StepConfirmDiscardDraft)
	return nil
}

// ConfirmDiscardDraft forgets the offered draft (SyncDraft removes its
// file) and offers the next one, or goes to the list (or a new location
// when there is none).
func (w *Wizard) ConfirmDiscardDraft() error {
	if w.offered == nil || w.step != StepConfirmDiscardDraft {
		return fmt.Errorf("confirm discard: %w", ErrWrongStep)
	}
	if p := w.offered.Path; p != "" {
		w.drop = append(w.drop, p)
	}
	w.offers = w.offers[1:]
	w.history = nil
	if len(w.offers) > 0 {
		w.offered = w.offers[0]
		w.enter(StepResumeDraft)
		return nil
	}
	w.offered = nil
	w.reset(nil)
	w.enter(StepStart)
	if len(w.file.Locations) == 0 {
		w.Add()
	}
	return nil
}

// draftName names a draft's location for a sentence.
func draftName(values map[string]string) string {
	if n := values[pathName]; n != "" {
		return fmt.Sprintf("%q", n)
	}
	return "without a name yet"
}

// draftLabel is the storage choice of a draft's values, or "" before one.
func draftLabel(values map[string]string) string {
	switch config.Type(values[pathType]) {
	case config.TypeS3:
		return choiceLabel(config.AuthMode(values[pathAuth]))
	case config.TypeAzure, config.TypeLocal:
		return optionLabel(TypeOptions, values[pathType])
	}
	return ""
}

// lossText says what discarding values throws away. The external ID is
// shown by its last characters only: enough to recognise it in a trust
// policy, and nothing a shared screen should not show.
// savedID is the external ID already in the locations file, which is not
// lost.
func lossText(values map[string]string, editing, savedID string) string {
	s := "everything typed for this location"
	if editing != "" {
		s = fmt.Sprintf("the changes to the saved location %q", editing)
	}
	if id := values[pathExtID]; id != "" && id != savedID {
		s += ", and the external ID " + config.Show(config.Identifier, id, true) +
			" you may already have put in a trust policy (a new location gets a new one)"
	}
	return s
}

// resumeIntro is StepResumeDraft's explanation.
func (w *Wizard) resumeIntro() string {
	d := w.offered
	if d == nil {
		return ""
	}
	what := "A location you had not saved was kept: " + draftName(d.Values)
	if l := draftLabel(d.Values); l != "" {
		what += " (" + strings.TrimSuffix(l, " (recommended)") + ")"
	}
	if d.Editing != "" {
		what += fmt.Sprintf(", changes to the saved location %q", d.Editing)
	}
	what += ", left on the " + StepTitle(Step(d.Step)) + " step"
	if !d.SavedAt.IsZero() {
		what += " at " + d.SavedAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	what += "."
	if id := d.ExternalID(); id != "" {
		what += " Its external ID " + config.Show(config.Identifier, id, true) + " is kept with it."
	}
	what += " Resume it to finish and save it, or discard it."
	switch n := len(w.offers) - 1; {
	case n == 1:
		what += " 1 more unsaved location is kept: discard this one to see it, or resume this one and it is offered at the next start."
	case n > 1:
		what += fmt.Sprintf(" %d more unsaved locations are kept: discard this one to see the next, or resume this one and they are offered at the next start.", n)
	}
	return what
}

// savedExternalID is the external ID the saved location name holds.
func (w *Wizard) savedExternalID(name string) string {
	if l, ok := w.file.Find(name); ok && name != "" && l.S3 != nil {
		return l.S3.ExternalID
	}
	return ""
}
