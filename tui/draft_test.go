package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/wizard"
)

// draftModel is a model on an empty file that keeps its drafts in dir,
// each session in its own file as `stowage` does.
func draftModel(t *testing.T, dir string) *model {
	t.Helper()
	cfg := filepath.Join(dir, "locations.yaml")
	return newTestModel(t, Options{Platform: fixturePlatform, ConfigPath: cfg, DraftPath: config.SessionDraftPath(cfg)})
}

// draftFiles are the draft files in dir.
func draftFiles(t *testing.T, dir string) []string {
	t.Helper()
	fs, err := filepath.Glob(filepath.Join(dir, "locations.draft*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// TestQuitKeepsTheDraft: quitting after the Policies step keeps the
// location with its external ID; the next start offers it and enter brings
// the same external ID back; d then y discards it and removes the file
// (issue 10 §4).
func TestQuitKeepsTheDraft(t *testing.T) {
	dir := t.TempDir()
	m := draftModel(t, dir)
	if err := m.w.Apply(map[string]string{"name": "acme", "type": wizard.ChoiceS3Role, "bucket": "acme-call-recordings",
		"region": "eu-west-1", "role_arn": fixtureRoleARN}); err != nil {
		t.Fatal(err)
	}
	for m.w.Step() != wizard.StepPolicies {
		if err := m.w.Next(); err != nil {
			t.Fatal(err)
		}
	}
	_ = m.enterStep()
	extID := m.w.Draft().S3.ExternalID
	press(m, "ctrl+c")
	s := screen(m)
	if m.w.Step() != wizard.StepConfirmDiscard || !strings.Contains(s, "k to quit and keep them") || !strings.Contains(s, mask(extID, true)) {
		t.Fatalf("the discard question does not offer to keep the draft or name the external ID:\n%s", s)
	}
	press(m, "k")
	if !m.quitting {
		t.Fatal("k did not quit")
	}
	path := m.opts.DraftPath
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("draft file: %v %v", st, err)
	}

	// The next start offers it.
	m = draftModel(t, dir)
	s = screen(m)
	if m.w.Step() != wizard.StepResumeDraft || !strings.Contains(s, "Resume unsaved location?") || !strings.Contains(s, `"acme"`) {
		t.Fatalf("no offer to resume:\n%s", s)
	}
	press(m, "enter")
	if m.w.Step() != wizard.StepPolicies || m.w.Draft().S3.ExternalID != extID {
		t.Fatalf("resumed on %s with external ID %q, want %q", m.w.Step(), m.w.Draft().S3.ExternalID, extID)
	}
	press(m, "ctrl+c", "k")

	// Discard: asks, says what is lost, removes the file.
	m = draftModel(t, dir)
	press(m, "d")
	s = strings.Join(strings.Fields(screen(m)), " ")
	if m.w.Step() != wizard.StepConfirmDiscardDraft || !strings.Contains(s, "you may already have put in a trust policy") {
		t.Fatalf("discard question:\n%s", s)
	}
	press(m, "y")
	if fs := draftFiles(t, dir); len(fs) != 0 {
		t.Fatalf("the discarded draft is still there: %v", fs)
	}
	if m.w.Step() != wizard.StepName {
		t.Errorf("after discarding: %s", m.w.Step())
	}
}

// TestSaveRemovesTheDraft: a saved location leaves no draft behind.
func TestSaveRemovesTheDraft(t *testing.T) {
	dir := t.TempDir()
	m := draftModel(t, dir)
	typeText(m, "nas")
	press(m, "enter")
	path := m.opts.DraftPath
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no draft after the Name step: %v", err)
	}
	if err := m.w.Apply(map[string]string{"type": "local", "path": dir}); err != nil {
		t.Fatal(err)
	}
	if err := m.w.Advance(); err != nil {
		t.Fatal(err)
	}
	_ = m.enterStep()
	press(m, "enter")
	if m.w.Step() != wizard.StepDone {
		t.Fatalf("not saved: %s\n%s", m.w.Step(), screen(m))
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the saved location's draft is still there: %v", err)
	}
}

// TestResumedDraftMasksIdentifiers: in screen-share mode the identifiers a
// resumed draft brings stay masked in their inputs, like saved ones.
func TestResumedDraftMasksIdentifiers(t *testing.T) {
	m := newTestModel(t, Options{Platform: fixturePlatform, ScreenShare: true})
	d := fixtureDraft()
	d.Step = string(wizard.StepAccess)
	m.w.OfferDraft(d)
	_ = m.enterStep()
	press(m, "enter")
	if m.w.Step() != wizard.StepAccess {
		t.Fatalf("resumed on %s", m.w.Step())
	}
	if s := screen(m); strings.Contains(s, "444455556666") {
		t.Fatalf("the resumed role ARN's account is shown in screen-share mode:\n%s", s)
	}
}

// TestLeftDraftsOfferedInTurn: two drafts left by ended sessions are
// offered newest first, the screen saying one more is kept; discarding
// the first (d, y) offers the second and removes only the first's file.
// The draft of a session still running is not offered.
func TestLeftDraftsOfferedInTurn(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "locations.yaml")
	save := func(d *config.Draft, owner *config.DraftOwner) string {
		t.Helper()
		d.Owner = owner
		p := config.SessionDraftPath(cfg)
		if err := config.SaveDraft(p, *d); err != nil {
			t.Fatal(err)
		}
		return p
	}
	older := fixtureDraft()
	older.Values["name"], older.Values["s3.external_id"] = "initech", "q2w3e4r5t6y7u2i3o4p5a6s7d2f3g4h5"
	newer := fixtureDraft()
	newer.SavedAt = newer.SavedAt.Add(time.Hour)
	running := fixtureDraft()
	running.Values["name"] = "hooli"
	running.SavedAt = running.SavedAt.Add(2 * time.Hour)
	olderPath, newerPath := save(older, nil), save(newer, nil)
	runningPath := save(running, config.ThisProcess(fixedNow))

	m := draftModel(t, dir)
	s := strings.Join(strings.Fields(screen(m)), " ")
	if m.w.Step() != wizard.StepResumeDraft || !strings.Contains(s, `"globex"`) || !strings.Contains(s, "1 more unsaved location is kept") || strings.Contains(s, "hooli") {
		t.Fatalf("first offer:\n%s", screen(m))
	}
	press(m, "d", "y")
	s = strings.Join(strings.Fields(screen(m)), " ")
	if m.w.Step() != wizard.StepResumeDraft || !strings.Contains(s, `"initech"`) || strings.Contains(s, "more unsaved") {
		t.Fatalf("after discarding the first:\n%s", screen(m))
	}
	if _, err := os.Stat(newerPath); !os.IsNotExist(err) {
		t.Errorf("the discarded draft is still there: %v", err)
	}
	for _, p := range []string{olderPath, runningPath} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("draft %s: %v", p, err)
		}
	}
}
