package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/wizard"
)

// Fixed values of the fixture file, so every golden screen is the same on
// every run.
const (
	fixtureExternalID = "k7q2m4x3p5w6r2t7y3u4v5b6n7c2d3f4"
	// fixtureMinIOExternalID is fixtureMinIORole's: every location has
	// its own.
	fixtureMinIOExternalID = "p9o8i7u6y5t4r3e2w1q2a3s4d5f6g7h8"
	fixtureRoleARN         = "arn:aws:iam::123456789012:role/StowageExport"
	fixtureAccountKey      = "c2VjcmV0LWFjY291bnQta2V5LW5ldmVyLXNob3duLW9uLXNjcmVlbg=="
	fixtureSecretKey       = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var fixturePlatform = config.Platform{
	PrincipalARNs: []string{"arn:aws:iam::111122223333:root"},
	TemplateURL:   "https://stowage.example.com/cfn/stowage-role.yaml",
}

// fixtureFile is a locations file with one location of each kind.
func fixtureFile() *config.File {
	return &config.File{Version: config.CurrentVersion, Locations: []config.Location{
		{Name: "acme-recordings", Type: config.TypeS3, S3: &config.S3{
			Bucket: "acme-call-recordings", Region: "eu-west-1", Prefix: "calls/", Auth: config.AuthRole,
			RoleARN: fixtureRoleARN, ExternalID: fixtureExternalID,
		}, LastTest: &config.TestResult{At: fixedNow, OK: true, Summary: "all 11 checks passed"}},
		{Name: "acme-keys", Type: config.TypeS3, S3: &config.S3{
			Bucket: "acme-keys-bucket", Region: "us-west-1", Auth: config.AuthKeys,
			AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: fixtureSecretKey,
		}},
		{Name: "azure-archive", Type: config.TypeAzure, Azure: &config.Azure{
			Container: "call-recordings",
			ConnectionString: "DefaultEndpointsProtocol=https;AccountName=acmestorage;AccountKey=" + fixtureAccountKey +
				";EndpointSuffix=core.windows.net",
		}, LastTest: &config.TestResult{At: fixedNow, OK: false, Summary: "1 of 5 checks failed: Write a test blob"}},
		{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: "/mnt/nas/recordings"}},
	}}
}

// editing returns a model on the fixture file editing name, moved to step.
func editing(t *testing.T, name string, step wizard.Step, screenShare bool) *model {
	t.Helper()
	m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform, EditName: name, ScreenShare: screenShare})
	if step != wizard.StepName {
		if err := m.w.Goto(step); err != nil {
			t.Fatalf("go to %s: %v", step, err)
		}
		_ = m.enterStep() // starts the test on the Test step; its command is not run
	}
	return m
}

// detectingModel edits the role location on its Where step with the
// region field focused; its provider only knows the bucket's region.
func detectingModel(t *testing.T) *model {
	t.Helper()
	m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform, EditName: "acme-recordings",
		Open: func(context.Context, config.Location) (providers.Provider, error) {
			return &detector{region: "eu-central-1"}, nil
		}})
	if err := m.w.Goto(wizard.StepWhere); err != nil {
		t.Fatal(err)
	}
	_ = m.enterStep()
	press(m, "tab")
	return m
}

// fixtureMinIORole is an S3-compatible location reached by role: the
// longest Review of all (endpoint settings and the role's fields).
func fixtureMinIORole() config.Location {
	return config.Location{Name: "minio-role", Type: config.TypeS3, S3: &config.S3{
		Bucket: "call-recordings", Region: "us-east-1", Prefix: "calls/", Endpoint: "https://minio.acme.internal:9000",
		PathStyle: true, ChecksumMode: config.ChecksumWhenRequired,
		Auth: config.AuthRole, RoleARN: "arn:aws:iam::210987654321:role/stowage-e2e", ExternalID: fixtureMinIOExternalID,
	}, LastTest: &config.TestResult{At: fixedNow, OK: true, Summary: "all 11 checks passed"}}
}

// fullChecks is a whole test of a role location on MinIO, as the S3
// provider reports it (details from a real run): more checks than fit at
// 80×24, one naming the role's account in the ARN of the assumed session.
func fullChecks() []providers.Check {
	ms := time.Millisecond
	check := func(st providers.Status, id, title, detail string) providers.Check {
		return providers.Check{ID: id, Title: title, Status: st, Detail: detail, Duration: 3 * ms}
	}
	pass, skip := providers.StatusPass, providers.StatusSkipped
	return []providers.Check{
		check(pass, "endpoint", "Endpoint reachable", "minio.acme.internal:9000 answered (HTTP 400) over TLS 1.3, certificate issued by Acme internal CA"),
		check(pass, "credentials", "Credentials", "assumed arn:aws:iam::210987654321:role/stowage-e2e as session stowage-minio-role with the external ID; renewed before it expires at 15:45 UTC"),
		check(skip, "external-id", "External ID required by the trust policy", "minio.acme.internal:9000 does not enforce external IDs (MinIO ignores them), so this cannot be checked here"),
		check(pass, "region", "Bucket region", "us-east-1"),
		check(pass, "list", "List objects (s3:ListBucket)", "listing allowed; calls/ is empty"),
		check(pass, "put", "Write a test object (s3:PutObject)", "wrote calls/.stowage/connection-test-20261123T140000Z-abd8c5.txt (98 bytes, CRC32C verified by the store); it stays in the bucket, as the policy grants no delete"),
		check(skip, "get", "Read the test object back (s3:GetObject)", "read-back not granted (read_back is off)"),
		check(skip, "delete", "Delete the test object (s3:DeleteObject)", "delete not granted (delete is off)"),
		check(skip, "block-public-access", "Block Public Access", "not an AWS endpoint"),
		check(skip, "default-encryption", "Default encryption", "not reported by this store"),
		check(pass, "versioning", "Versioning", "off"),
	}
}

// checks is a connection test report as the S3 provider streams it.
func sampleChecks() []providers.Check {
	ms := time.Millisecond
	return []providers.Check{
		{ID: "endpoint", Title: "Endpoint reachable", Status: providers.StatusPass, Detail: "s3.eu-west-1.amazonaws.com answered over TLS 1.3", Duration: 41 * ms},
		{ID: "credentials", Title: "Credentials", Status: providers.StatusPass, Detail: "assumed the role with the external ID", Duration: 212 * ms},
		{ID: "region", Title: "Bucket region", Status: providers.StatusFail, Detail: "the bucket is in eu-central-1, not eu-west-1",
			Hint: "the bucket is in eu-central-1; set region to eu-central-1", Code: "PermanentRedirect", Field: "region", Fix: "eu-central-1", Duration: 35 * ms},
		{ID: "list", Title: "List objects (s3:ListBucket)", Status: providers.StatusSkipped, Detail: "skipped: the region does not match the bucket's"},
		{ID: "put", Title: "Write a test object (s3:PutObject)", Status: providers.StatusSkipped, Detail: "skipped: the region does not match the bucket's"},
	}
}

// goldenCases are the screens of TestGoldenScreens; TestGoldenScreensLeakNothing
// draws each of them again in screen-share mode.
var goldenCases = []struct {
	name  string
	setup func(t *testing.T) *model
}{
	{"start", func(t *testing.T) *model {
		m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform})
		press(m, "down")
		return m
	}},
	{"start-add-row", func(t *testing.T) *model {
		m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform})
		press(m, "down", "down", "down", "down")
		return m
	}},
	{"start-many-scrolled", func(t *testing.T) *model {
		f := fixtureFile()
		for i := range 10 {
			f.Locations = append(f.Locations, config.Location{Name: fmt.Sprintf("nas-%02d", i), Type: config.TypeLocal,
				Local: &config.Local{Path: fmt.Sprintf("/mnt/nas/recordings-%02d", i)}})
		}
		m := newTestModel(t, Options{File: f, Platform: fixturePlatform})
		for range 8 {
			press(m, "down")
		}
		return m
	}},
	{"name-new", func(t *testing.T) *model {
		return newTestModel(t, Options{Platform: fixturePlatform})
	}},
	{"name-taken", func(t *testing.T) *model {
		m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform})
		press(m, "a")
		typeText(m, "ACME-recordings")
		return m
	}},
	{"type", func(t *testing.T) *model {
		m := newTestModel(t, Options{Platform: fixturePlatform})
		typeText(m, "acme")
		press(m, "enter")
		return m
	}},
	{"where-s3", func(t *testing.T) *model {
		return editing(t, "acme-recordings", wizard.StepWhere, false)
	}},
	{"where-s3-region-filter", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepWhere, false)
		press(m, "tab")
		typeText(m, "eu-c")
		return m
	}},
	{"where-s3-bad-bucket", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepWhere, false)
		typeText(m, "_X")
		return m
	}},
	{"where-s3-advanced", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepWhere, false)
		press(m, "tab", "tab", "tab", "space", "tab")
		return m
	}},
	{"where-azure", func(t *testing.T) *model {
		m := editing(t, "azure-archive", wizard.StepWhere, false)
		press(m, "tab")
		return m
	}},
	{"where-local", func(t *testing.T) *model {
		return editing(t, "nas", wizard.StepWhere, false)
	}},
	{"access-role", func(t *testing.T) *model {
		return editing(t, "acme-recordings", wizard.StepAccess, false)
	}},
	{"access-role-first-run", func(t *testing.T) *model {
		// A new file: no platform principal. The draft fixes the external ID.
		m := newTestModel(t, Options{DetectPrincipal: func(context.Context, config.Platform, string) (string, error) {
			return "", errors.New("not asked")
		}})
		d := fixtureDraft()
		d.Step = string(wizard.StepAccess)
		m.w.OfferDraft(d)
		if err := m.w.ResumeDraft(); err != nil {
			t.Fatal(err)
		}
		_ = m.enterStep()
		for range 5 {
			if m.formNow().focus == "principal_arns" {
				break
			}
			press(m, "tab")
		}
		return m
	}},
	{"policies-trust-first-run", func(t *testing.T) *model {
		m := newTestModel(t, Options{})
		m.w.OfferDraft(fixtureDraft())
		if err := m.w.ResumeDraft(); err != nil {
			t.Fatal(err)
		}
		_ = m.enterStep()
		press(m, "right")
		return m
	}},
	{"access-keys-secret", func(t *testing.T) *model {
		m := editing(t, "acme-keys", wizard.StepAccess, false)
		press(m, "tab")
		return m
	}},
	{"policies-permissions", func(t *testing.T) *model {
		return editing(t, "acme-recordings", wizard.StepPolicies, false)
	}},
	{"policies-trust", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepPolicies, false)
		press(m, "right")
		return m
	}},
	{"policies-cloudformation", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepPolicies, false)
		press(m, "right", "right")
		return m
	}},
	{"policies-plain", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepPolicies, false)
		press(m, "right", "p")
		return m
	}},
	{"policies-save-prompt", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepPolicies, false)
		press(m, "s")
		return m
	}},
	{"policies-copied-tmux-default", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepPolicies, false)
		m.clip = routeTmuxDefault
		press(m, "right")
		copyKey(t, m, "e")
		return m
	}},
	{"policies-copied-tmux-on", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepPolicies, false)
		m.clip = routeTmuxOn
		press(m, "right")
		copyKey(t, m, "e")
		return m
	}},
	{"policies-copied-ssh", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepPolicies, false)
		m.clip = routeSSH
		press(m, "right", "right")
		copyKey(t, m, "u")
		return m
	}},
	{"policies-copied-native", func(t *testing.T) *model {
		// The desktop tool is not driven here (the machine may have
		// none): its success is the message it reports.
		m := editing(t, "acme-recordings", wizard.StepPolicies, false)
		m.Update(copiedMsg{delivery: deliveredNative, what: "the role ARN", bytes: len(fixtureRoleARN)})
		return m
	}},
	{"policies-azure", func(t *testing.T) *model {
		return editing(t, "azure-archive", wizard.StepPolicies, false)
	}},
	{"test-running", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepTest, false)
		cs := sampleChecks()
		send(m, checkMsg{run: m.tests().run, check: cs[0]})
		running := cs[1]
		running.Status, running.Detail, running.Duration = providers.StatusRunning, "", 0
		send(m, checkMsg{run: m.tests().run, check: running})
		return m
	}},
	{"test-failed", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepTest, false)
		send(m, testDoneMsg{run: m.tests().run, report: providers.Report{Location: "acme-recordings", Started: fixedNow, Checks: sampleChecks()}})
		return m
	}},
	{"test-failed-save-confirm", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepTest, false)
		send(m, testDoneMsg{run: m.tests().run, report: providers.Report{Location: "acme-recordings", Started: fixedNow, Checks: sampleChecks()}})
		press(m, "down", "s")
		return m
	}},
	{"test-passed", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepTest, false)
		cs := sampleChecks()
		cs[2] = providers.Check{ID: "region", Title: "Bucket region", Status: providers.StatusPass, Detail: "eu-west-1", Duration: 35 * time.Millisecond}
		cs[3].Status, cs[3].Detail = providers.StatusPass, "listing allowed; calls/ is empty"
		cs[4].Status, cs[4].Detail = providers.StatusPass, "wrote calls/.stowage/connection-test.txt (100 bytes)"
		send(m, testDoneMsg{run: m.tests().run, report: providers.Report{Location: "acme-recordings", Started: fixedNow, Checks: cs}})
		return m
	}},
	{"test-could-not-run", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepTest, false)
		send(m, testDoneMsg{run: m.tests().run, err: errors.New("open: invalid location settings: the CA bundle cannot be read")})
		return m
	}},
	{"test-passed-long", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepTest, false)
		send(m, testDoneMsg{run: m.tests().run, report: providers.Report{Location: "acme-recordings", Started: fixedNow, Checks: fullChecks()}})
		return m
	}},
	{"test-passed-long-scrolled", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepTest, true)
		send(m, testDoneMsg{run: m.tests().run, report: providers.Report{Location: "acme-recordings", Started: fixedNow, Checks: fullChecks()}})
		press(m, "down", "down", "down", "down", "down", "down", "down")
		return m
	}},
	{"test-running-long", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepTest, false)
		for _, c := range fullChecks()[:9] {
			send(m, checkMsg{run: m.tests().run, check: c})
		}
		return m
	}},
	{"review-minio-role-screen-share", func(t *testing.T) *model {
		return minioRole(t, wizard.StepReview)
	}},
	{"review-minio-role-scrolled", func(t *testing.T) *model {
		m := minioRole(t, wizard.StepReview)
		press(m, "pgdown")
		return m
	}},
	{"access-role-typing-screen-share", func(t *testing.T) *model {
		// A role ARN half typed on a shared screen: the account digits
		// typed so far are masked, one • each.
		// A resumed draft without its role ARN, for a fixed external ID.
		m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform, ScreenShare: true})
		d := fixtureDraft()
		d.Step = string(wizard.StepAccess)
		delete(d.Values, "s3.role_arn")
		m.w.OfferDraft(d)
		if err := m.w.ResumeDraft(); err != nil {
			t.Fatal(err)
		}
		_ = m.enterStep()
		typeText(m, "arn:aws:iam::"+minioAccount[:10])
		return m
	}},
	{"access-minio-role-screen-share", func(t *testing.T) *model {
		return minioRole(t, wizard.StepAccess)
	}},
	{"policies-trust-scrolled", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepPolicies, false)
		press(m, "right", "down", "down")
		return m
	}},
	{"policies-plain-screen-share", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepPolicies, true)
		press(m, "right", "right", "p")
		return m
	}},
	{"review", func(t *testing.T) *model {
		return editing(t, "acme-recordings", wizard.StepReview, false)
	}},
	{"review-screen-share", func(t *testing.T) *model {
		return editing(t, "acme-keys", wizard.StepReview, true)
	}},
	{"done", func(t *testing.T) *model {
		m := editing(t, "nas", wizard.StepReview, false)
		m.opts.Save = func(string, *config.File) error { return nil }
		press(m, "enter")
		return m
	}},
	{"done-export-config", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepReview, false)
		m.opts.Save = func(string, *config.File) error { return nil }
		press(m, "enter", "e")
		return m
	}},
	{"done-export-config-screen-share", func(t *testing.T) *model {
		m := editing(t, "acme-recordings", wizard.StepReview, true)
		m.opts.Save = func(string, *config.File) error { return nil }
		press(m, "enter", "e")
		return m
	}},
	{"export-folders-missing", func(t *testing.T) *model {
		m := editing(t, "nas", wizard.StepReview, false)
		m.opts.Save = func(string, *config.File) error { return nil }
		press(m, "enter", "x")
		const typed = "/nonexistent/stowage-recordings"
		typeText(m, typed)
		_, err := sourceFolders(typed)
		send(m, keyMsg("enter"))
		send(m, sourcesMsg{text: typed, err: err})
		return m
	}},
	{"where-s3-region-detecting", func(t *testing.T) *model {
		m := detectingModel(t)
		press(m, "ctrl+d")
		return m
	}},
	{"where-s3-region-detected", func(t *testing.T) *model {
		m := detectingModel(t)
		_, cmd := m.Update(keyMsg("ctrl+d"))
		send(m, findMsg[detectedMsg](t, cmd))
		return m
	}},
	{"confirm-delete", func(t *testing.T) *model {
		m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform})
		press(m, "d")
		return m
	}},
	{"confirm-rotate", func(t *testing.T) *model {
		m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform})
		press(m, "down", "r")
		return m
	}},
	{"confirm-discard", func(t *testing.T) *model {
		m := editing(t, "nas", wizard.StepWhere, false)
		typeText(m, "/more")
		press(m, "ctrl+c")
		return m
	}},
	{"confirm-discard-keep-draft", func(t *testing.T) *model {
		m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform, DraftPath: filepath.Join(t.TempDir(), "l.draft.yaml")})
		m.w.OfferDraft(fixtureDraft())
		if err := m.w.ResumeDraft(); err != nil {
			t.Fatal(err)
		}
		_ = m.enterStep()
		press(m, "ctrl+c")
		return m
	}},
	{"resume-draft", func(t *testing.T) *model {
		m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform})
		m.w.OfferDraft(fixtureDraft())
		_ = m.enterStep()
		return m
	}},
	{"confirm-discard-draft", func(t *testing.T) *model {
		m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform})
		m.w.OfferDraft(fixtureDraft())
		_ = m.enterStep()
		press(m, "d")
		return m
	}},
}

// fixtureDraft is a role location left unsaved on the Policies step.
func fixtureDraft() *config.Draft {
	return &config.Draft{SavedAt: fixedNow, Step: string(wizard.StepPolicies), Values: map[string]string{
		"name": "globex", "type": "s3", "s3.auth": "role", "s3.bucket": "globex-recordings", "s3.region": "us-east-2",
		"s3.role_arn": "arn:aws:iam::444455556666:role/StowageExport", "s3.external_id": "m3n4b5v6c7x2z3l4k5j6h7g2f3d4s5a6",
	}}
}

func TestGoldenScreens(t *testing.T) {
	for _, tt := range goldenCases {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.setup(t)
			out := screen(m)
			if n := strings.Count(out, "\n") + 1; n != 24 {
				t.Errorf("screen has %d lines, want 24", n)
			}
			for i, l := range strings.Split(out, "\n") {
				if w := displayWidth(l); w > 80 {
					t.Errorf("line %d is %d cells wide, more than 80: %q", i+1, w, l)
				}
			}
			assertNothingCutSilently(t, m)
			golden.RequireEqual(t, []byte(out))
		})
	}
}

// minioRole edits fixtureMinIORole in screen-share mode, moved to step.
func minioRole(t *testing.T, step wizard.Step) *model {
	t.Helper()
	f := fixtureFile()
	f.Locations = append(f.Locations, fixtureMinIORole())
	m := newTestModel(t, Options{File: f, Platform: fixturePlatform, EditName: "minio-role", ScreenShare: true})
	if err := m.w.Goto(step); err != nil {
		t.Fatalf("go to %s: %v", step, err)
	}
	_ = m.enterStep()
	return m
}

// gutterFiller is a row of the document box past the document's end.
var gutterFiller = regexp.MustCompile(`^│\s*~?\s*│$`)

// assertNothingCutSilently fails when the body of m's screen (what is
// between the header and the footer) holds more than the room the screen
// gives it and the drawn body does not say so with a "more above" or
// "more below" marker, or when the drawn body is taller than the room
// (the screen would cut it without a word). The body is drawn on copies
// of m, so m's scroll position is left as it was.
func assertNothingCutSilently(t *testing.T, m *model) {
	t.Helper()
	room := max(3, m.height-lipgloss.Height(m.header())-lipgloss.Height(m.footer()))
	drawCopy := func(height int) string {
		c := *m
		return ansi.Strip(c.body(height))
	}
	drawn := drawCopy(room)
	if h := lipgloss.Height(drawn); h > room {
		t.Errorf("the body is drawn %d lines tall in a room of %d: the last %d are cut without a marker:\n%s", h, room, h-room, drawn)
	}
	// The whole body: drawn with all the room it could want, less the
	// document box's filler rows and trailing blank lines.
	var full []string
	for _, l := range strings.Split(drawCopy(1000), "\n") {
		if !gutterFiller.MatchString(strings.TrimSpace(l)) {
			full = append(full, l)
		}
	}
	for len(full) > 0 && strings.TrimSpace(full[len(full)-1]) == "" {
		full = full[:len(full)-1]
	}
	if len(full) > room && !hasMarker(drawn) {
		t.Errorf("the body is %d lines tall, the room %d, and the screen shows no \"more\" marker:\n%s", len(full), room, drawn)
	}
}
