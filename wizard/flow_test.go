package wizard

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/validate"
)

// TestBackKeepsWhatWasTyped goes back from every step and checks that
// every value, valid or not, is still there, including values of another
// storage type after switching type and back.
func TestBackKeepsWhatWasTyped(t *testing.T) {
	w := New(nil, testPlatform, fixedNow)
	mustSet(t, w, "name", "acme")
	mustNext(t, w, StepType)
	mustSet(t, w, "type", ChoiceS3Keys)
	mustNext(t, w, StepWhere)
	mustSet(t, w, "bucket", "acme-call-recordings")
	mustSet(t, w, "region", "eu-west-1")
	mustSet(t, w, "prefix", "calls/")
	mustNext(t, w, StepAccess)
	mustSet(t, w, "access_key_id", keyID)
	if err := w.Set("secret_access_key", "too-short"); err == nil {
		t.Fatal("short secret accepted")
	}

	w.Back()
	if w.Step() != StepWhere {
		t.Fatalf("Back from Access went to %s", w.Step())
	}
	w.Back()
	mustSet(t, w, "type", ChoiceAzure)
	mustNext(t, w, StepWhere)
	mustSet(t, w, "container", "calls")
	w.Back()
	mustSet(t, w, "type", ChoiceS3Keys)
	w.Back()
	if w.Step() != StepName {
		t.Fatalf("Back twice from Type went to %s, want name", w.Step())
	}

	tests := []struct {
		step      Step
		id, value string
		wantErr   bool
	}{
		{StepName, "name", "acme", false},
		{StepWhere, "bucket", "acme-call-recordings", false},
		{StepWhere, "region", "eu-west-1", false},
		{StepWhere, "prefix", "calls/", false},
		{StepAccess, "access_key_id", keyID, false},
		{StepAccess, "secret_access_key", "too-short", true},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			f := field(t, w, tt.step, tt.id)
			if f.Value != tt.value {
				t.Errorf("%s = %q after going back, want %q", tt.id, f.Value, tt.value)
			}
			if (f.Err != nil) != tt.wantErr {
				t.Errorf("%s error = %v, want error %v", tt.id, f.Err, tt.wantErr)
			}
		})
	}
	mustSet(t, w, "type", ChoiceAzure)
	if got := field(t, w, StepWhere, "container").Value; got != "calls" {
		t.Errorf("Azure container after switching type back = %q, want calls", got)
	}
	if w.Draft().S3 != nil {
		t.Error("Azure draft carries S3 settings")
	}
}

// TestInvalidInputKeptAndBlocksNext types bad values: each Set names the
// field, rule and example, the value stays, and Next refuses with every
// bad field of the step at once.
func TestInvalidInputKeptAndBlocksNext(t *testing.T) {
	tests := []struct {
		name    string
		choice  string
		set     []kv
		wantIDs []string
	}{
		{"bad bucket and region", ChoiceS3Role, []kv{{"bucket", "Acme_Recordings"}, {"region", "eu-wset-1"}}, []string{"bucket", "region"}},
		{"missing bucket and region", ChoiceS3Role, nil, []string{"bucket", "region"}},
		{"kms needs a key", ChoiceS3Role, []kv{{"bucket", "acme-call-recordings"}, {"region", "eu-west-1"}, {"encryption", "sse-kms"}}, []string{"kms_key_arn"}},
		{"bad expiry", ChoiceS3Role, []kv{{"bucket", "acme-call-recordings"}, {"region", "eu-west-1"}, {"expiry_days", "thirty"}}, []string{"expiry_days"}},
		{"bad bool", ChoiceS3Role, []kv{{"bucket", "acme-call-recordings"}, {"region", "eu-west-1"}, {"read_back", "maybe"}}, []string{"read_back"}},
		{"azure bad container and string", ChoiceAzure, []kv{{"container", "Calls"}, {"connection_string", "AccountName=x"}}, []string{"container", "connection_string"}},
		{"relative local path", ChoiceLocal, []kv{{"path", "recordings"}}, []string{"path"}},
		{"endpoint with path", ChoiceS3Default, []kv{{"endpoint", "https://minio.internal/bucket"}, {"bucket", "recordings"}, {"region", "us-east-1"}}, []string{"endpoint"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := New(nil, testPlatform, fixedNow)
			mustSet(t, w, "name", "acme")
			mustNext(t, w, StepType)
			mustSet(t, w, "type", tt.choice)
			mustNext(t, w, StepWhere)
			for _, p := range tt.set {
				err := w.Set(p[0], p[1])
				if !slices.Contains(tt.wantIDs, p[0]) {
					continue
				}
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != p[0] || !errors.Is(err, validate.ErrInvalid) {
					t.Fatalf("Set(%q, %q) = %v; want a *FieldError for it", p[0], p[1], err)
				}
				var ve *validate.Error
				if !errors.As(err, &ve) || ve.Rule == "" {
					t.Errorf("Set(%q) error %v has no rule", p[0], err)
				}
				if got := field(t, w, StepWhere, p[0]).Value; got != p[1] {
					t.Errorf("invalid %s stored as %q, want it kept as typed %q", p[0], got, p[1])
				}
			}
			err := w.Next()
			if err == nil {
				t.Fatal("Next accepted a step with bad fields")
			}
			if w.Step() != StepWhere {
				t.Errorf("Next moved to %s despite errors", w.Step())
			}
			if got := fieldErrors(err); !slices.Equal(got, tt.wantIDs) {
				t.Errorf("Next errors name fields %v, want %v (%v)", got, tt.wantIDs, err)
			}
			if w.Focus() != tt.wantIDs[0] {
				t.Errorf("focus = %q, want the first bad field %q", w.Focus(), tt.wantIDs[0])
			}
			for _, id := range tt.wantIDs {
				if f := field(t, w, StepWhere, id); f.Err == nil {
					t.Errorf("field %s shows no error after Next", id)
				}
			}
		})
	}
}

// TestRulesFollowDependencies checks that a field's rule follows the
// fields it depends on: the region accepts store names once an endpoint is
// set, and the KMS key is only required with SSE-KMS.
func TestRulesFollowDependencies(t *testing.T) {
	w := New(nil, testPlatform, fixedNow)
	mustSet(t, w, "type", ChoiceS3Default)
	if err := w.Set("region", "garage"); err == nil {
		t.Fatal(`region "garage" accepted for Amazon S3`)
	}
	if f := field(t, w, StepWhere, "region"); f.Kind != KindSelect {
		t.Errorf("region kind without endpoint = %s, want select", f.Kind)
	}
	mustSet(t, w, "endpoint", "http://127.0.0.1:9000")
	f := field(t, w, StepWhere, "region")
	if f.Err != nil || f.Value != "garage" || f.Kind != KindText {
		t.Errorf("region after setting the endpoint = %+v; want garage accepted as text", f)
	}
	if f := field(t, w, StepWhere, "kms_key_arn"); f.Visible || f.Required {
		t.Error("KMS key shown without SSE-KMS")
	}
	mustSet(t, w, "encryption", "sse-kms")
	if f := field(t, w, StepWhere, "kms_key_arn"); !f.Visible || !f.Required {
		t.Error("KMS key hidden with SSE-KMS")
	}
	if f := field(t, w, StepWhere, "path_style"); !f.Visible || f.Advanced {
		t.Errorf("path style with an endpoint in default mode: visible %v advanced %v", f.Visible, f.Advanced)
	}
	if f := field(t, w, StepAccess, "role_arn"); f.Visible {
		t.Error("role ARN visible in default credentials mode")
	}
}

// TestEditSavedLocation edits a saved location: loading it is not a
// change, a name taken by another location (ignoring case) is refused,
// and a rename keeps the creation time and replaces the old entry.
func TestEditSavedLocation(t *testing.T) {
	w, path := savedRole(t, "acme")
	w2 := New(w.File(), testPlatform, fixedNow)
	w2.Add()
	if err := w2.Apply(map[string]string{"name": "globex", "type": ChoiceLocal, "path": t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if err := w2.Advance(); err != nil {
		t.Fatal(err)
	}
	if err := w2.Save(path, config.Save); err != nil {
		t.Fatal(err)
	}

	w = New(w2.File(), testPlatform, fixedNow)
	if w.Step() != StepStart {
		t.Fatalf("wizard on a file with locations starts on %s", w.Step())
	}
	if err := w.Edit("nobody"); !errors.Is(err, config.ErrNotFound) {
		t.Errorf("Edit(unknown) = %v, want ErrNotFound", err)
	}
	if err := w.Edit("acme"); err != nil {
		t.Fatal(err)
	}
	if w.Dirty() {
		t.Error("freshly loaded location is dirty")
	}
	if w.RequestQuit() {
		t.Error("quitting an unchanged edit asks for confirmation")
	}
	if err := w.Goto(StepReview); err != nil {
		t.Fatalf("Goto(Review) on a saved location: %v", err)
	}
	if w.Dirty() {
		t.Error("walking to Review dirtied an unchanged location")
	}
	if err := w.Goto(StepName); err != nil {
		t.Fatal(err)
	}
	err := w.Set("name", "GLOBEX")
	if !errors.Is(err, config.ErrExists) || !errors.Is(err, validate.ErrInvalid) || !strings.Contains(err.Error(), "globex") {
		t.Errorf("Set(name) to another location's name = %v; want ErrExists naming it", err)
	}
	if err := w.Next(); err == nil {
		t.Error("Next accepted a taken name")
	}
	mustSet(t, w, "name", "ACME") // its own name in another case is fine
	mustSet(t, w, "name", "acme-eu")
	if !w.Dirty() {
		t.Error("renamed location is not dirty")
	}
	if err := w.Goto(StepReview); err != nil {
		t.Fatal(err)
	}
	if err := w.Save(path, config.Save); err != nil {
		t.Fatalf("Save renamed: %v", err)
	}
	got := load(t, path)
	if names := got.Names(); !slices.Equal(names, []string{"acme-eu", "globex"}) {
		t.Errorf("names after rename = %v", names)
	}
	l, _ := got.Find("acme-eu")
	if !l.CreatedAt.Equal(fixedNow()) || l.S3.RoleARN != roleARN || l.S3.ExternalID == "" {
		t.Errorf("renamed location lost settings: %+v", l)
	}
}

// TestRotateExternalID rotates a saved role's external ID: the old one
// stays in force and both are shown and saved until the trust policy is
// confirmed; then only the new one is.
func TestRotateExternalID(t *testing.T) {
	w, path := savedRole(t, "acme")
	old := w.File().Locations[0].S3.ExternalID

	w = New(w.File(), testPlatform, fixedNow)
	if err := w.Rotate("acme"); err != nil {
		t.Fatal(err)
	}
	if w.Step() != StepConfirmRotate {
		t.Fatalf("Rotate went to %s", w.Step())
	}
	w.Back() // "no"
	if w.Step() != StepStart || w.File().Locations[0].S3.PendingExternalID != "" {
		t.Fatalf("declining the rotation: step %s", w.Step())
	}
	if err := w.Rotate("acme"); err != nil {
		t.Fatal(err)
	}
	pending, err := w.ConfirmRotate()
	if err != nil {
		t.Fatal(err)
	}
	if pending == "" || pending == old {
		t.Fatalf("new external ID %q (old %q)", pending, old)
	}
	if cur, p := w.Rotation(); cur != old || p != pending {
		t.Errorf("Rotation() = %q, %q; want old in force and new pending", cur, p)
	}
	if w.Step() != StepAccess || !strings.Contains(w.Intro(), "The connection will not work until you complete this step") {
		t.Errorf("after ConfirmRotate: step %s, intro %q", w.Step(), w.Intro())
	}
	if f := field(t, w, StepAccess, "pending_external_id"); !f.Visible || f.Value != pending {
		t.Errorf("pending ID field = %+v", f)
	}
	if !w.Dirty() {
		t.Error("a pending rotation is not an unsaved change")
	}
	for _, d := range w.Documents() {
		if d.Title == "Trust policy" && (!strings.Contains(d.Text, old) || !strings.Contains(d.Text, pending)) {
			t.Errorf("trust policy during rotation does not accept both IDs:\n%s", d.Text)
		}
	}
	if err := w.Goto(StepReview); err != nil {
		t.Fatal(err)
	}
	if err := w.Save(path, config.Save); err != nil {
		t.Fatal(err)
	}
	s := load(t, path).Locations[0].S3
	if s.ExternalID != old || s.PendingExternalID != pending {
		t.Fatalf("saved during rotation: current %q pending %q; want old in force", s.ExternalID, s.PendingExternalID)
	}
	if e := w.Entries(); !e[0].RotationPending || !slices.Contains(e[0].Actions, ActionRotate) {
		t.Errorf("entry during rotation = %+v", e[0])
	}

	// Later session: the customer updated the trust policy.
	w = New(load(t, path), testPlatform, fixedNow)
	if err := w.Rotate("acme"); err != nil {
		t.Fatal(err)
	}
	if err := w.ConfirmTrustUpdated(); err != nil {
		t.Fatal(err)
	}
	if w.Step() != StepTest {
		t.Errorf("after ConfirmTrustUpdated step = %s, want test", w.Step())
	}
	if cur, p := w.Rotation(); cur != pending || p != "" {
		t.Errorf("after confirm: current %q pending %q", cur, p)
	}
	if err := w.ConfirmTrustUpdated(); !errors.Is(err, config.ErrNoRotation) {
		t.Errorf("second confirm = %v, want ErrNoRotation", err)
	}
	mustNext(t, w, StepReview)
	if err := w.Save(path, config.Save); err != nil {
		t.Fatal(err)
	}
	s = load(t, path).Locations[0].S3
	if s.ExternalID != pending || s.PendingExternalID != "" {
		t.Errorf("saved after confirm: %q / %q", s.ExternalID, s.PendingExternalID)
	}
}

// TestRotateCancel drops a pending rotation and checks that only the old
// ID stays; and that rotation is refused where there is no external ID.
func TestRotateCancel(t *testing.T) {
	w, path := savedRole(t, "acme")
	old := w.File().Locations[0].S3.ExternalID
	if err := w.Rotate("acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ConfirmRotate(); err != nil {
		t.Fatal(err)
	}
	if err := w.Goto(StepReview); err != nil {
		t.Fatal(err)
	}
	if err := w.Save(path, config.Save); err != nil {
		t.Fatal(err)
	}
	if err := w.Rotate("acme"); err != nil {
		t.Fatal(err)
	}
	w.CancelRotation()
	if w.Step() != StepReview {
		t.Errorf("CancelRotation went to %s, want review", w.Step())
	}
	if err := w.Save(path, config.Save); err != nil {
		t.Fatal(err)
	}
	if s := load(t, path).Locations[0].S3; s.ExternalID != old || s.PendingExternalID != "" {
		t.Errorf("after cancel: %q / %q; want only the old ID", s.ExternalID, s.PendingExternalID)
	}

	w2 := New(w.File(), testPlatform, fixedNow)
	w2.Add()
	if err := w2.Apply(map[string]string{"name": "nas", "type": ChoiceLocal, "path": t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if err := w2.Advance(); err != nil {
		t.Fatal(err)
	}
	if err := w2.Save(path, config.Save); err != nil {
		t.Fatal(err)
	}
	if err := w2.Rotate("nas"); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("Rotate(local) = %v, want ErrNotApplicable", err)
	}
	if _, err := w2.ConfirmRotate(); !errors.Is(err, ErrWrongStep) {
		t.Errorf("ConfirmRotate outside its step = %v, want ErrWrongStep", err)
	}
}

// TestDeleteWithConfirmation checks that "no" keeps the location and
// "yes" removes it from the file on disk.
func TestDeleteWithConfirmation(t *testing.T) {
	// A fresh wizard over the saved file, as when stowage starts again.
	_, path := savedRole(t, "acme")
	w := New(load(t, path), testPlatform, fixedNow)
	if err := w.Delete("nobody"); !errors.Is(err, config.ErrNotFound) {
		t.Errorf("Delete(unknown) = %v", err)
	}
	if err := w.Delete("acme"); err != nil {
		t.Fatal(err)
	}
	if w.Step() != StepConfirmDelete || w.DeleteTarget() != "acme" || !strings.Contains(w.Intro(), `"acme"`) {
		t.Fatalf("Delete: step %s target %q", w.Step(), w.DeleteTarget())
	}
	// A role location's external ID is in the customer's trust policy and
	// nowhere else Stowage can get it back from.
	if !strings.Contains(w.Intro(), "Its external ID goes with it") {
		t.Errorf("deleting a role location does not say its external ID is lost: %q", w.Intro())
	}
	if c := w.DeleteConsequences("nobody"); c != "" {
		t.Errorf("DeleteConsequences(unknown) = %q", c)
	}
	w.Back()
	if w.Step() != StepStart || len(load(t, path).Locations) != 1 {
		t.Fatal("declining the delete removed the location or left the step")
	}
	if err := w.ConfirmDelete(path, config.Save); !errors.Is(err, ErrWrongStep) {
		t.Errorf("ConfirmDelete without asking = %v, want ErrWrongStep", err)
	}
	if err := w.Delete("acme"); err != nil {
		t.Fatal(err)
	}
	failing := func(string, *config.File) error { return errors.New("disk full") }
	if err := w.ConfirmDelete(path, failing); err == nil || len(w.File().Locations) != 1 {
		t.Errorf("failed save: err %v, %d locations in memory; want the location kept", err, len(w.File().Locations))
	}
	if err := w.ConfirmDelete(path, config.Save); err != nil {
		t.Fatal(err)
	}
	if n := len(load(t, path).Locations); n != 0 || len(w.File().Locations) != 0 || w.Step() != StepStart {
		t.Errorf("after delete: %d on disk, %d in memory, step %s", n, len(w.File().Locations), w.Step())
	}
}

// TestLeavingWithUnsavedChangesAsks checks RequestQuit and Back to the list.
func TestLeavingWithUnsavedChangesAsks(t *testing.T) {
	w := New(nil, testPlatform, fixedNow)
	if w.RequestQuit() {
		t.Error("quitting a blank draft asks")
	}
	mustSet(t, w, "s3.prefix", "")
	if w.Dirty() {
		t.Error("clearing a field that was never set dirtied the draft")
	}
	mustSet(t, w, "name", "acme")
	mustNext(t, w, StepType)
	if !w.RequestQuit() || w.Step() != StepConfirmDiscard {
		t.Fatalf("quitting with a typed name did not ask (step %s)", w.Step())
	}
	w.Back()
	if w.Step() != StepType || w.Draft().Name != "acme" {
		t.Fatalf("declining to quit: step %s, name %q", w.Step(), w.Draft().Name)
	}
	w.Back()
	w.Back() // from Name back to the list: asks
	if w.Step() != StepConfirmDiscard {
		t.Fatalf("Back to the list with changes went to %s", w.Step())
	}
	w.ConfirmDiscard()
	if w.Step() != StepStart || w.Dirty() || w.Draft().Name != "" {
		t.Errorf("after discard: step %s dirty %v name %q", w.Step(), w.Dirty(), w.Draft().Name)
	}
}

// TestSaveFailureKeepsDraft checks that a failed write changes nothing.
func TestSaveFailureKeepsDraft(t *testing.T) {
	file := &config.File{Version: config.CurrentVersion}
	w, err := FromFlags(file, testPlatform, map[string]string{"name": "nas", "type": "local", "path": t.TempDir()}, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Save("x", func(string, *config.File) error { return errors.New("read-only file system") }); err == nil {
		t.Fatal("Save ignored the save function's error")
	}
	if len(file.Locations) != 0 || w.Step() != StepReview || !w.Dirty() {
		t.Errorf("after failed save: %d locations, step %s, dirty %v", len(file.Locations), w.Step(), w.Dirty())
	}
}

// TestGoto checks forward jumps past bad steps and steps a type lacks.
func TestGoto(t *testing.T) {
	w := New(nil, testPlatform, fixedNow)
	mustSet(t, w, "name", "nas")
	mustSet(t, w, "type", ChoiceLocal)
	if err := w.Goto(StepAccess); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("Goto(Access) for a local folder = %v", err)
	}
	if err := w.Goto(StepConfirmDelete); !errors.Is(err, ErrWrongStep) {
		t.Errorf("Goto(confirm) = %v", err)
	}
	err := w.Goto(StepReview)
	if got := fieldErrors(err); !slices.Equal(got, []string{"path"}) || w.Step() != StepName {
		t.Errorf("Goto(Review) past an empty folder: %v (fields %v), step %s", err, got, w.Step())
	}
	if err := w.Goto(StepWhere); err != nil {
		t.Fatal(err)
	}
	mustSet(t, w, "path", t.TempDir())
	if err := w.Goto(StepReview); err != nil {
		t.Fatal(err)
	}
	if err := w.Goto(StepType); err != nil {
		t.Errorf("going back with Goto: %v", err)
	}
}

// TestTestReportJumpAndFix drives the Test step: a failed check names its
// field, JumpToField goes there, ApplyFix accepts the detected value and
// drops the stale report; a passing report is saved as the last test.
func TestTestReportJumpAndFix(t *testing.T) {
	w := New(nil, testPlatform, fixedNow)
	if err := w.Apply(map[string]string{"name": "acme", "type": ChoiceS3Role, "bucket": "acme-call-recordings", "region": "us-east-1", "role_arn": roleARN}); err != nil {
		t.Fatal(err)
	}
	for w.Step() != StepTest {
		if err := w.Next(); err != nil {
			t.Fatal(err)
		}
	}
	w.SetTestReport(providers.Report{Location: "acme", Started: fixedNow(), Checks: []providers.Check{
		{ID: "credentials", Title: "Assume role", Status: providers.StatusPass},
		{ID: "region", Title: "Bucket region", Status: providers.StatusFail, Field: "region", Fix: "eu-west-1"},
		{ID: "block-public-access", Title: "Block public access", Status: providers.StatusWarn, Advisory: true},
	}})
	fails := w.TestFailures()
	if len(fails) != 1 || fails[0].Field != "region" {
		t.Fatalf("TestFailures() = %+v", fails)
	}
	if d := w.Draft(); d.LastTest == nil || d.LastTest.OK || !strings.Contains(d.LastTest.Summary, "Bucket region") {
		t.Errorf("draft last test = %+v", d.LastTest)
	}
	if err := w.ApplyFix(fails[0].Field, fails[0].Fix); err != nil {
		t.Fatal(err)
	}
	if w.Step() != StepTest || w.Draft().S3.Region != "eu-west-1" {
		t.Errorf("ApplyFix: step %s region %q", w.Step(), w.Draft().S3.Region)
	}
	if _, ok := w.TestReport(); ok || w.Draft().LastTest != nil {
		t.Error("report kept after the region changed")
	}
	if got := w.JumpToField("s3.bucket"); got != StepWhere || w.Focus() != "bucket" {
		t.Errorf("JumpToField(s3.bucket) = %s, focus %q", got, w.Focus())
	}
	if got := w.JumpToField("role_arn"); got != StepAccess || w.Focus() != "role_arn" {
		t.Errorf("JumpToField(role_arn) = %s, focus %q", got, w.Focus())
	}
	if got := w.JumpToField("no-such-field"); got != StepAccess {
		t.Errorf("JumpToField(unknown) moved to %s", got)
	}
	if err := w.Goto(StepTest); err != nil {
		t.Fatal(err)
	}
	w.SetTestReport(providers.Report{Started: fixedNow(), Checks: []providers.Check{{ID: "put", Title: "Upload", Status: providers.StatusPass}}})
	mustSet(t, w, "name", "acme-eu") // a name does not change the connection
	if _, ok := w.TestReport(); !ok {
		t.Error("renaming dropped the test report")
	}
	path := tempConfig(t)
	mustNext(t, w, StepReview)
	if err := w.Save(path, config.Save); err != nil {
		t.Fatal(err)
	}
	if lt := load(t, path).Locations[0].LastTest; lt == nil || !lt.OK || !lt.At.Equal(fixedNow()) {
		t.Errorf("saved last test = %+v", lt)
	}
}

// TestFromFlags runs the non-interactive path with good and bad flags.
func TestFromFlags(t *testing.T) {
	tests := []struct {
		name    string
		values  map[string]string
		wantIDs []string
		unknown bool
	}{
		{"role", map[string]string{"name": "acme", "type": "s3", "auth": "role", "bucket": "acme-call-recordings", "s3.region": "eu-west-1", "role-arn": roleARN}, nil, false},
		{"keys", map[string]string{"name": "acme", "type": ChoiceS3Keys, "bucket": "acme-call-recordings", "region": "eu-west-1", "access-key-id": keyID, "secret-access-key": secretKey}, nil, false},
		{"minio", map[string]string{"--name": "lab", "--type": ChoiceS3Default, "--region": "us-east-1", "--endpoint": "http://127.0.0.1:9000", "--bucket": "rec", "--path-style": "true"}, nil, false},
		{"bad and missing", map[string]string{"name": "acme", "type": ChoiceS3Keys, "bucket": "a", "region": "eu-west-1"}, []string{"bucket", "access_key_id", "secret_access_key"}, false},
		{"external id refused", map[string]string{"name": "acme", "type": ChoiceS3Role, "external_id": "abc", "bucket": "acme-call-recordings", "region": "eu-west-1", "role_arn": roleARN}, []string{"external_id"}, false},
		{"unknown flag", map[string]string{"name": "acme", "type": "local", "colour": "blue"}, nil, true},
		{"no type", map[string]string{"name": "acme"}, []string{"type"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := FromFlags(&config.File{Version: config.CurrentVersion}, testPlatform, tt.values, fixedNow)
			if tt.unknown {
				if !errors.Is(err, ErrUnknownField) || !strings.Contains(err.Error(), "colour") {
					t.Errorf("unknown flag: %v", err)
				}
				return
			}
			if got := fieldErrors(err); !slices.Equal(got, tt.wantIDs) {
				t.Fatalf("errors name %v, want %v: %v", got, tt.wantIDs, err)
			}
			if tt.wantIDs != nil {
				return
			}
			if w.Step() != StepReview {
				t.Fatalf("FromFlags stopped on %s", w.Step())
			}
			path := tempConfig(t)
			if err := w.Save(path, config.Save); err != nil {
				t.Fatal(err)
			}
			if l := load(t, path).Locations[0]; l.S3 == nil || (l.S3.Auth == config.AuthRole && l.S3.ExternalID == "") {
				t.Errorf("saved %+v", l.Redacted())
			}
		})
	}
}

// TestJumpToFieldCoversCheckFields maps every Field a connection check
// names (see providers/*/conntest.go) to the step that holds it.
func TestJumpToFieldCoversCheckFields(t *testing.T) {
	tests := []struct {
		choice, ref string
		want        Step
	}{
		{ChoiceS3Role, "region", StepWhere},
		{ChoiceS3Role, "bucket", StepWhere},
		{ChoiceS3Role, "prefix", StepWhere},
		{ChoiceS3Role, "role_arn", StepAccess},
		{ChoiceS3Role, "external_id", StepAccess},
		{ChoiceS3Role, "kms_key_arn", StepWhere},
		{ChoiceS3Role, "encryption", StepWhere},
		{ChoiceS3Keys, "access_key_id", StepAccess},
		{ChoiceS3Keys, "secret_access_key", StepAccess},
		{ChoiceS3Default, "endpoint", StepWhere},
		{ChoiceS3Default, "ca_bundle", StepWhere},
		{ChoiceS3Default, "s3.region", StepWhere},
		{ChoiceAzure, "container", StepWhere},
		{ChoiceAzure, "connection_string", StepWhere},
		{ChoiceAzure, "azure.prefix", StepWhere},
		{ChoiceLocal, "path", StepWhere},
		{ChoiceLocal, "name", StepName},
		{ChoiceLocal, "role_arn", StepTest}, // another type's field: stay
	}
	for _, tt := range tests {
		t.Run(tt.choice+"/"+tt.ref, func(t *testing.T) {
			w := New(nil, testPlatform, fixedNow)
			mustSet(t, w, "type", tt.choice)
			w.step = StepTest
			if got := w.JumpToField(tt.ref); got != tt.want {
				t.Errorf("JumpToField(%q) = %s, want %s", tt.ref, got, tt.want)
			}
			if tt.want != StepTest && w.Focus() == "" {
				t.Error("no field focused")
			}
		})
	}
}

// TestBackAfterRotationAsks checks that leaving a confirmed but unsaved
// rotation by going back asks before the pending ID is lost.
func TestBackAfterRotationAsks(t *testing.T) {
	w, _ := savedRole(t, "acme")
	if err := w.Rotate("acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ConfirmRotate(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5 && w.Step() != StepConfirmDiscard; i++ {
		w.Back()
		if w.Step() == StepStart {
			t.Fatal("went back to the list and lost the pending external ID without asking")
		}
	}
	if w.Step() != StepConfirmDiscard {
		t.Fatalf("step %s, want confirm-discard", w.Step())
	}
}

// TestFieldRules checks each field's own rule through Set, with the
// config path and flag spellings too.
func TestFieldRules(t *testing.T) {
	dir := t.TempDir()
	ca := dir + "/ca.pem"
	writeTestCA(t, ca)
	notPEM := dir + "/notes.txt"
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		choice, id, value string
		ok                bool
		// stored is the normalised value kept after a valid Set; "" means
		// the value as typed.
		stored string
	}{
		{ChoiceS3Default, "ca_bundle", ca, true, ""},
		{ChoiceS3Default, "ca_bundle", dir + "/missing.pem", false, ""},
		{ChoiceS3Default, "ca_bundle", notPEM, false, ""},
		{ChoiceS3Default, "ca_bundle", "ca.pem", false, ""},
		{ChoiceS3Role, "encryption", "aes", false, ""},
		{ChoiceS3Role, "encryption", "sse-s3", true, ""},
		{ChoiceS3Role, "checksum_mode", "crc32", false, ""},
		{ChoiceS3Role, "checksum_mode", "when_required", true, ""},
		{ChoiceS3Role, "checksum_mode", "", true, ""},
		{ChoiceS3Role, "expiry_days", "-1", false, ""},
		{ChoiceS3Role, "expiry_days", " 7 ", true, "7"},
		{ChoiceS3Role, "expiry_days", "99999", false, ""},
		{ChoiceS3Role, "read_back", "YES", true, "true"},
		{ChoiceS3Role, "s3.delete", "off", true, "false"},
		{ChoiceS3Role, "prefix", "/calls", true, "calls/"},
		{ChoiceS3Role, "prefix", "a//b", false, ""},
		{ChoiceS3Role, "bucket", "acme.recordings", true, ""},
		{ChoiceS3Role, "role_arn", "arn:aws:iam::111122223333:user/x", false, ""},
		{ChoiceS3Keys, "user_arn", roleARN, false, ""},
		{ChoiceS3Keys, "access_key_id", secretKey, false, ""},
		{ChoiceS3Role, "auth", "sso", false, ""},
		{ChoiceS3Role, "type", "gcs", false, ""},
		{ChoiceAzure, "sas_expiry_days", "x", false, ""},
		{ChoiceAzure, "bucket", "acme", true, ""}, // kept for a switch back to S3
		{ChoiceLocal, "prefix", "calls/", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.choice+"/"+tt.id+"="+tt.value, func(t *testing.T) {
			w := New(nil, testPlatform, fixedNow)
			mustSet(t, w, "type", tt.choice)
			err := w.Set(tt.id, tt.value)
			if (err == nil) != tt.ok {
				t.Fatalf("Set(%q, %q) = %v, want ok %v", tt.id, tt.value, err, tt.ok)
			}
			if err != nil {
				if tt.id == "prefix" && tt.choice == ChoiceLocal {
					if !errors.Is(err, ErrNotApplicable) {
						t.Errorf("prefix on a local folder = %v, want ErrNotApplicable", err)
					}
					return
				}
				var ve *validate.Error
				if !errors.As(err, &ve) || ve.Field == "" || ve.Rule == "" {
					t.Errorf("error %v does not name a field and rule", err)
				}
				return
			}
			want := tt.stored
			if want == "" {
				want = tt.value
			}
			if f, _ := w.Field(tt.id); f.Value != want {
				t.Errorf("stored %q, want %q", f.Value, want)
			}
		})
	}
}

// TestStepsAndIntros walks the special steps: Next on the list starts a
// draft, Next on a confirmation is refused, every step has a title and an
// intro, and Next on Done returns to the list.
func TestStepsAndIntros(t *testing.T) {
	w, _ := savedRole(t, "acme")
	if w.Step() != StepDone || w.Editing() != "acme" || !strings.Contains(w.Intro(), "acme") {
		t.Fatalf("after save: step %s editing %q", w.Step(), w.Editing())
	}
	mustNext(t, w, StepStart)
	if w.CanGoBack() {
		t.Error("the list has somewhere to go back to")
	}
	if err := w.Delete("acme"); err != nil {
		t.Fatal(err)
	}
	if err := w.Next(); !errors.Is(err, ErrWrongStep) {
		t.Errorf("Next on a confirmation = %v, want ErrWrongStep", err)
	}
	w.Back()
	mustNext(t, w, StepName)
	if w.Editing() != "" {
		t.Error("Next on the list did not start a new location")
	}
	for _, choice := range []string{ChoiceS3Role, ChoiceS3Keys, ChoiceS3Default, ChoiceAzure, ChoiceLocal} {
		mustSet(t, w, "type", choice)
		for _, s := range append(w.Flow(), StepStart, StepDone, StepConfirmDelete, StepConfirmRotate, StepConfirmDiscard) {
			w.step = s
			if StepTitle(s) == string(s) || w.Intro() == "" {
				t.Errorf("%s/%s has no title or intro", choice, s)
			}
		}
	}
}

// TestDoneIntroFollowsTheTest: the Done step promises exports only after a
// passed test (issue 10 §6).
func TestDoneIntroFollowsTheTest(t *testing.T) {
	w, _ := savedRole(t, "acme")
	if got := w.Intro(); strings.Contains(got, "You can now export") || !strings.Contains(got, "not been tested") {
		t.Errorf("untested: %q", got)
	}
	path := tempConfig(t)
	for _, ok := range []bool{false, true} {
		w, _ := savedRole(t, "acme")
		if err := w.Edit("acme"); err != nil {
			t.Fatal(err)
		}
		st := providers.StatusFail
		if ok {
			st = providers.StatusPass
		}
		w.SetTestReport(providers.Report{Checks: []providers.Check{{Title: "Write a test object", Status: st}}})
		if err := w.Save(path, config.Save); err != nil {
			t.Fatal(err)
		}
		got := w.Intro()
		if ok != strings.Contains(got, "You can now export") || ok == strings.Contains(got, "exports will fail") {
			t.Errorf("test ok=%v: %q", ok, got)
		}
	}
}
