package wizard

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

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

// roleDraft is a wizard on an empty file drafting the role location name
// up to the Policies step, with its generated external ID.
func roleDraft(t *testing.T, name string, now func() time.Time) (*Wizard, string) {
	t.Helper()
	w := New(&config.File{Version: config.CurrentVersion}, testPlatform, now)
	mustSet(t, w, "name", name)
	mustSet(t, w, "type", ChoiceS3Role)
	mustNext(t, w, StepType)
	mustNext(t, w, StepWhere)
	mustSet(t, w, "bucket", name+"-call-recordings")
	mustSet(t, w, "region", "eu-west-1")
	mustNext(t, w, StepAccess)
	mustSet(t, w, "role_arn", roleARN)
	mustNext(t, w, StepPolicies)
	id := w.Draft().S3.ExternalID
	if id == "" {
		t.Fatal("no external ID generated")
	}
	return w, id
}

// mustSync is SyncDraft that must succeed.
func mustSync(t *testing.T, w *Wizard, path string, ending bool) {
	t.Helper()
	if err := w.SyncDraft(path, ending); err != nil {
		t.Fatalf("SyncDraft(%s): %v", path, err)
	}
}

// onDisk is the draft in the file at path, which must be there.
func onDisk(t *testing.T, path string) *config.Draft {
	t.Helper()
	d, err := config.LoadDraft(path)
	if err != nil || d == nil {
		t.Fatalf("draft %s: %+v, %v", path, d, err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("draft %s: %v %v", path, st, err)
	}
	return d
}

// TestTwoSessionsKeepTheirDrafts: two wizards on one locations file at
// once (a support engineer's screen-share session and the customer's own
// terminal) each keep their own draft, with its external ID: neither
// overwrites the other's, and a third start offers neither while they
// run. Once one ends, the next start offers its draft; resuming it moves
// it into the new session's file, the other session's draft untouched.
func TestTwoSessionsKeepTheirDrafts(t *testing.T) {
	cfg := tempConfig(t)
	a, idA := roleDraft(t, "acme", fixedNow)
	b, idB := roleDraft(t, "globex", fixedNow)
	pa, pb := config.SessionDraftPath(cfg), config.SessionDraftPath(cfg)
	mustSync(t, a, pa, false)
	mustSync(t, b, pb, false)
	mustSync(t, a, pa, false)
	if d := onDisk(t, pa); d.Values["name"] != "acme" || d.ExternalID() != idA || d.Owner == nil || d.Owner.PID != os.Getpid() {
		t.Errorf("the first session's draft is %+v, want acme with %s, owned by this process", d, idA)
	}
	if d := onDisk(t, pb); d.Values["name"] != "globex" || d.ExternalID() != idB {
		t.Errorf("the second session's draft is %+v, want globex with %s", d, idB)
	}
	if filepath.Dir(pa) != filepath.Dir(cfg) || !strings.HasPrefix(filepath.Base(pa), "config.draft-") {
		t.Fatalf("session draft %s is not a file of its own next to %s", pa, cfg)
	}
	if left, err := config.LeftDrafts(cfg); err != nil || len(left) != 0 {
		t.Fatalf("a third start is offered the drafts of running sessions: %+v, %v", left, err)
	}

	// a quits, keeping its draft for the next start.
	mustSync(t, a, pa, true)
	left, err := config.LeftDrafts(cfg)
	if err != nil || len(left) != 1 || left[0].Path != pa || left[0].ExternalID() != idA {
		t.Fatalf("after the first session ended, left drafts = %+v, %v", left, err)
	}
	c := New(&config.File{Version: config.CurrentVersion}, testPlatform, fixedNow)
	c.OfferDrafts(left)
	if c.Step() != StepResumeDraft || strings.Contains(c.Intro(), "more unsaved") {
		t.Fatalf("offer: %s %q", c.Step(), c.Intro())
	}
	if err := c.ResumeDraft(); err != nil {
		t.Fatal(err)
	}
	pc := config.SessionDraftPath(cfg)
	mustSync(t, c, pc, false)
	if _, err := os.Stat(pa); !os.IsNotExist(err) {
		t.Errorf("the resumed draft's old file is still there: %v", err)
	}
	if d := onDisk(t, pc); d.ExternalID() != idA {
		t.Errorf("the resuming session keeps %+v, want the external ID %s", d, idA)
	}
	if d := onDisk(t, pb); d.ExternalID() != idB {
		t.Errorf("the second session's draft changed: %+v", d)
	}
}

// deadPID is the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// TestCrashedSessionDraftIsOffered: the draft of a session that was
// killed (its process gone, the owner still written) is offered at the
// next start, as is one whose process was killed a moment ago and not yet
// collected (a zombie: it exists but no longer runs); that of a session
// still running in another process is not; nor, in this process, one of
// a session that has not ended.
func TestCrashedSessionDraftIsOffered(t *testing.T) {
	cfg := tempConfig(t)
	live := exec.Command(os.Args[0], "-test.run=^TestHelperSleep$")
	live.Env = append(os.Environ(), "STOWAGE_TEST_SLEEP=1")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = live.Process.Kill(); _ = live.Wait() })
	// A session killed with kill -9 a moment ago: its parent (this test)
	// has not collected it yet.
	zombie := exec.Command(os.Args[0], "-test.run=^TestHelperSleep$")
	zombie.Env = append(os.Environ(), "STOWAGE_TEST_SLEEP=1")
	if err := zombie.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = zombie.Process.Kill(); _ = zombie.Wait() })
	if err := zombie.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitZombie(t, zombie.Process.Pid)
	host, _ := os.Hostname()
	// The sessions began now (their owners' start), their drafts were saved
	// at the fixed clock's times.
	began := time.Now()
	save := func(name string, pid int, at time.Time) string {
		t.Helper()
		p := config.SessionDraftPath(cfg)
		d := config.Draft{SavedAt: at, Step: string(StepPolicies), Values: map[string]string{"name": name, "type": "s3", "s3.auth": "role", "s3.external_id": "ext-" + name},
			Owner: &config.DraftOwner{PID: pid, Host: host, Started: began}}
		if err := config.SaveDraft(p, d); err != nil {
			t.Fatal(err)
		}
		return p
	}
	at := fixedNow()
	crashed := save("crashed", deadPID(t), at)
	save("running", live.Process.Pid, at.Add(time.Minute))
	save("here", os.Getpid(), at.Add(2*time.Minute))
	killed := save("killed", zombie.Process.Pid, at.Add(-time.Minute))
	left, err := config.LeftDrafts(cfg)
	if err != nil || len(left) != 2 || left[0].Path != crashed || left[1].Path != killed {
		t.Fatalf("left drafts = %s, %v; want the crashed session's %s and the killed one's %s", draftNames(left), err, crashed, killed)
	}
	w := New(&config.File{Version: config.CurrentVersion}, testPlatform, fixedNow)
	w.OfferDrafts(left)
	if w.Step() != StepResumeDraft || !strings.Contains(w.Intro(), `"crashed"`) {
		t.Fatalf("offer: %s %q", w.Step(), w.Intro())
	}
	// Once the running one has ended, it is offered too, newest first.
	_ = live.Process.Kill()
	_ = live.Wait()
	if left, err = config.LeftDrafts(cfg); err != nil || len(left) != 3 || left[0].Values["name"] != "running" || left[1].Path != crashed {
		t.Fatalf("after the other process ended, left drafts = %s, %v", draftNames(left), err)
	}
}

// waitZombie waits until pid, killed and not collected, is a zombie.
func waitZombie(t *testing.T, pid int) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("zombies are told from running processes through Linux's /proc")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.LastIndexByte(b, ')'); i > 0 && len(b) > i+2 && b[i+2] == 'Z' {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d did not become a zombie: %s", pid, b)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// draftNames lists the drafts' location names, for failure messages.
func draftNames(ds []*config.Draft) string {
	var names []string
	for _, d := range ds {
		names = append(names, d.Values["name"])
	}
	return strings.Join(names, ", ")
}

// TestHelperSleep is the process of a running session for
// TestCrashedSessionDraftIsOffered.
func TestHelperSleep(t *testing.T) {
	if os.Getenv("STOWAGE_TEST_SLEEP") == "" {
		t.Skip("a helper process")
	}
	time.Sleep(time.Minute)
}

// TestOldDraftFileIsOffered: the one draft file of earlier versions
// (locations.draft.yaml) is offered with the sessions' drafts, newest
// first; discarding one offers the next and removes only its file;
// resuming the old one moves it into the session's own file.
func TestOldDraftFileIsOffered(t *testing.T) {
	cfg := tempConfig(t)
	old, oldID := roleDraft(t, "acme", fixedNow)
	oldPath := config.DraftPath(cfg)
	if filepath.Base(oldPath) != "config.draft.yaml" {
		t.Fatalf("old draft file %s", oldPath)
	}
	d, _ := old.DraftState()
	if err := config.SaveDraft(oldPath, *d); err != nil { // as earlier versions wrote it: no owner
		t.Fatal(err)
	}
	later := func() time.Time { return fixedNow().Add(time.Hour) }
	s, _ := roleDraft(t, "globex", later)
	sp := config.SessionDraftPath(cfg)
	mustSync(t, s, sp, true)

	left, err := config.LeftDrafts(cfg)
	if err != nil || len(left) != 2 || left[0].Path != sp || left[1].Path != oldPath {
		t.Fatalf("left drafts = %+v, %v; want %s then %s", left, err, sp, oldPath)
	}
	w := New(&config.File{Version: config.CurrentVersion}, testPlatform, fixedNow)
	w.OfferDrafts(left)
	if in := w.Intro(); !strings.Contains(in, `"globex"`) || !strings.Contains(in, "1 more unsaved location is kept") {
		t.Fatalf("first offer: %q", in)
	}
	if err := w.DiscardDraft(); err != nil {
		t.Fatal(err)
	}
	if err := w.ConfirmDiscardDraft(); err != nil {
		t.Fatal(err)
	}
	own := config.SessionDraftPath(cfg)
	mustSync(t, w, own, false)
	if _, err := os.Stat(sp); !os.IsNotExist(err) {
		t.Errorf("the discarded draft's file is still there: %v", err)
	}
	if in := w.Intro(); w.Step() != StepResumeDraft || !strings.Contains(in, `"acme"`) || strings.Contains(in, "more unsaved") {
		t.Fatalf("after discarding the first, %s: %q", w.Step(), in)
	}
	onDisk(t, oldPath)
	if err := w.ResumeDraft(); err != nil {
		t.Fatal(err)
	}
	if w.Step() != StepPolicies || w.Draft().S3.ExternalID != oldID {
		t.Fatalf("resumed on %s with %+v", w.Step(), w.Draft().S3)
	}
	mustSync(t, w, own, false)
	if d := onDisk(t, own); d.ExternalID() != oldID {
		t.Errorf("the session keeps %+v, want the external ID %s", d, oldID)
	}
	if _, err := os.Stat(oldPath); !os.IsNotExist(err) {
		t.Errorf("the old draft file is still there after resuming it: %v", err)
	}
}
