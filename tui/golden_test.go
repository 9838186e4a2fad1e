package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/wizard"
)

// Fixed values of the fixture file, so every golden screen is the same on
// every run.
const (
	fixtureExternalID = "k7q2m4x3p5w6r2t7y3u4v5b6n7c2d3f4"
	fixtureRoleARN    = "arn:aws:iam::123456789012:role/StowageExport"
	fixtureAccountKey = "c2VjcmV0LWFjY291bnQta2V5LW5ldmVyLXNob3duLW9uLXNjcmVlbg=="
	fixtureSecretKey  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
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
		m.enterStep()
		_ = m.stepCmd() // starts the test on the Test step; its command is not run
	}
	return m
}

// detectingModel edits the role location on its Where step with the
// region field focused; its provider is never opened, as the golden tests
// do not run commands.
func detectingModel(t *testing.T) *model {
	t.Helper()
	m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform, EditName: "acme-recordings",
		Open: func(context.Context, config.Location) (providers.Provider, error) {
			return nil, errors.New("not opened by golden tests")
		}})
	if err := m.w.Goto(wizard.StepWhere); err != nil {
		t.Fatal(err)
	}
	m.enterStep()
	press(m, "tab")
	return m
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

func TestGoldenScreens(t *testing.T) {
	tests := []struct {
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
		{"policies-azure", func(t *testing.T) *model {
			return editing(t, "azure-archive", wizard.StepPolicies, false)
		}},
		{"test-running", func(t *testing.T) *model {
			m := editing(t, "acme-recordings", wizard.StepTest, false)
			cs := sampleChecks()
			send(m, checkMsg{run: m.test.run, check: cs[0]})
			running := cs[1]
			running.Status, running.Detail, running.Duration = providers.StatusRunning, "", 0
			send(m, checkMsg{run: m.test.run, check: running})
			return m
		}},
		{"test-failed", func(t *testing.T) *model {
			m := editing(t, "acme-recordings", wizard.StepTest, false)
			send(m, testDoneMsg{run: m.test.run, report: providers.Report{Location: "acme-recordings", Started: fixedNow, Checks: sampleChecks()}})
			return m
		}},
		{"test-passed", func(t *testing.T) *model {
			m := editing(t, "acme-recordings", wizard.StepTest, false)
			cs := sampleChecks()
			cs[2] = providers.Check{ID: "region", Title: "Bucket region", Status: providers.StatusPass, Detail: "eu-west-1", Duration: 35 * time.Millisecond}
			cs[3].Status, cs[3].Detail = providers.StatusPass, "listing allowed; calls/ is empty"
			cs[4].Status, cs[4].Detail = providers.StatusPass, "wrote calls/.stowage/connection-test.txt (100 bytes)"
			send(m, testDoneMsg{run: m.test.run, report: providers.Report{Location: "acme-recordings", Started: fixedNow, Checks: cs}})
			return m
		}},
		{"test-could-not-run", func(t *testing.T) *model {
			m := editing(t, "acme-recordings", wizard.StepTest, false)
			send(m, testDoneMsg{run: m.test.run, err: errors.New("open: invalid location settings: the CA bundle cannot be read")})
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
			press(m, "ctrl+d")
			send(m, detectedMsg{run: m.detect.run, region: "eu-central-1"})
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
	}
	for _, tt := range tests {
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
			golden.RequireEqual(t, []byte(out))
		})
	}
}
