package wizard

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
)

// TestDraftKeepsTheExternalID: a role location left on the Policies step
// is kept with its external ID; the next run offers it, resuming brings the
// same external ID back on the same step, discarding says what is lost and
// leaves nothing to keep (issue 10 §4).
func TestDraftKeepsTheExternalID(t *testing.T) {
	cfg := tempConfig(t)
	w := New(&config.File{Version: config.CurrentVersion}, testPlatform, fixedNow)
	for id, v := range map[string]string{"name": "acme", "type": ChoiceS3Role} {
		mustSet(t, w, id, v)
	}
	mustNext(t, w, StepType)
	mustNext(t, w, StepWhere)
	mustSet(t, w, "bucket", "acme-call-recordings")
	mustSet(t, w, "region", "eu-west-1")
	mustNext(t, w, StepAccess)
	mustSet(t, w, "role_arn", roleARN)
	mustNext(t, w, StepPolicies)
	extID := w.Draft().S3.ExternalID
	if extID == "" {
		t.Fatal("no external ID generated")
	}
	// ctrl+c: asked whether to discard; the draft is still the Policies step's.
	if !w.RequestQuit() {
		t.Fatal("quit with a draft did not ask")
	}
	if !strings.Contains(w.Intro(), config.Show(config.Identifier, extID, true)) || !strings.Contains(w.Intro(), "trust policy") {
		t.Errorf("discard question does not say the external ID is lost: %q", w.Intro())
	}
	d, pending := w.DraftState()
	if d == nil || pending || d.Step != string(StepPolicies) || d.ExternalID() != extID {
		t.Fatalf("DraftState = %+v, %v", d, pending)
	}
	dp := config.DraftPath(cfg)
	if err := config.SaveDraft(dp, *d); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dp); err != nil || st.Mode().Perm() != 0o600 || filepath.Dir(dp) != filepath.Dir(cfg) {
		t.Fatalf("draft file %s: %v %v", dp, st, err)
	}

	// The next run.
	back, err := config.LoadDraft(dp)
	if err != nil || back == nil {
		t.Fatalf("LoadDraft: %v %v", back, err)
	}
	w2 := New(&config.File{Version: config.CurrentVersion}, testPlatform, fixedNow)
	w2.OfferDraft(back)
	if w2.Step() != StepResumeDraft || !strings.Contains(w2.Intro(), `"acme"`) || !strings.Contains(w2.Intro(), "Policies to apply") {
		t.Fatalf("offer: %s %q", w2.Step(), w2.Intro())
	}
	if _, pending := w2.DraftState(); !pending {
		t.Error("an open offer must leave the draft file alone")
	}
	if err := w2.ResumeDraft(); err != nil {
		t.Fatal(err)
	}
	if w2.Step() != StepPolicies || w2.Draft().S3.ExternalID != extID || w2.Draft().S3.RoleARN != roleARN {
		t.Fatalf("resumed on %s with %+v", w2.Step(), w2.Draft().S3)
	}
	w2.Back()
	if w2.Step() != StepAccess {
		t.Errorf("back from the resumed step went to %s", w2.Step())
	}
	mustNext(t, w2, StepPolicies)
	mustNext(t, w2, StepTest)
	mustNext(t, w2, StepReview)
	if err := w2.Save(cfg, config.Save); err != nil {
		t.Fatal(err)
	}
	if d, pending := w2.DraftState(); d != nil || pending {
		t.Errorf("after saving there is still a draft to keep: %+v", d)
	}
	if l, _ := load(t, cfg).Find("acme"); l.S3.ExternalID != extID {
		t.Errorf("saved external ID %q, want %q", l.S3.ExternalID, extID)
	}

	// Discarding: the question says what is lost; back returns to the offer.
	w3 := New(&config.File{Version: config.CurrentVersion}, testPlatform, fixedNow)
	w3.OfferDraft(back)
	if err := w3.DiscardDraft(); err != nil {
		t.Fatal(err)
	}
	if in := w3.Intro(); w3.Step() != StepConfirmDiscardDraft || !strings.Contains(in, "external ID "+config.Show(config.Identifier, extID, true)+" you may already have put in a trust policy") {
		t.Fatalf("discard question on %s: %q", w3.Step(), in)
	}
	w3.Back()
	if w3.Step() != StepResumeDraft {
		t.Fatalf("back from the discard question went to %s", w3.Step())
	}
	_ = w3.DiscardDraft()
	if err := w3.ConfirmDiscardDraft(); err != nil {
		t.Fatal(err)
	}
	if d, pending := w3.DraftState(); d != nil || pending || w3.Step() != StepName {
		t.Errorf("after discarding: step %s, draft %+v, pending %v", w3.Step(), d, pending)
	}
}
