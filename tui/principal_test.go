package tui

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/wizard"
)

// firstRunRole is a role location drafted on a new locations file (no
// platform principal), moved to its Access step.
func firstRunRole(t *testing.T, opts Options) *model {
	t.Helper()
	if opts.ConfigPath == "" {
		opts.ConfigPath = filepath.Join(t.TempDir(), "locations.yaml")
	}
	m := newTestModel(t, opts)
	if err := m.w.Apply(map[string]string{"name": "acme", "type": wizard.ChoiceS3Role, "bucket": "acme-call-recordings",
		"region": "eu-west-1", "role_arn": fixtureRoleARN}); err != nil {
		t.Fatal(err)
	}
	for m.w.Step() != wizard.StepAccess {
		if err := m.w.Next(); err != nil {
			t.Fatal(err)
		}
	}
	_ = m.enterStep()
	return m
}

// TestFirstRunAsksForThePlatformPrincipal: on a new file a role location's
// Access step asks for the platform principal, refuses to go on with
// a bad one, says how else to set it, detects it with ctrl+d, fills the trust policy
// with it and saves it with the location (issue 10 §2).
func TestFirstRunAsksForThePlatformPrincipal(t *testing.T) {
	const detected = "arn:aws:iam::555566667777:root"
	var asked string
	m := firstRunRole(t, Options{DetectPrincipal: func(_ context.Context, _ config.Platform, endpoint string) (string, error) {
		asked = "yes" + endpoint
		return detected, nil
	}})
	if s := screen(m); !strings.Contains(s, "Platform principal ARN") {
		t.Fatalf("no platform principal on the Access step:\n%s", s)
	}
	if s := strings.Join(strings.Fields(screen(m)), " "); !strings.Contains(s, "stowage platform --principal-arn") {
		t.Fatalf("the Access step does not say how else to set it:\n%s", screen(m))
	}
	if err := m.w.Set("principal_arns", "arn:aws:iam::5555:root"); err == nil || !strings.Contains(err.Error(), "principal ARN") {
		t.Fatalf("a bad principal: %v", err)
	}
	if err := m.w.Next(); err == nil {
		t.Fatal("Next with a bad principal")
	}
	_ = m.w.Set("principal_arns", "")
	f, _ := m.w.Field("principal_arns")
	for m.formNow().focus != f.ID {
		press(m, "tab")
	}
	_, cmd := m.Update(keyMsg("ctrl+d"))
	send(m, findMsg[principalDetectedMsg](t, cmd))
	if asked != "yes" {
		t.Fatalf("detection not asked (%q)", asked)
	}
	if f, _ := m.w.Field("principal_arns"); f.Value != detected || f.Err != nil {
		t.Fatalf("principal field after ctrl+d: %+v", f)
	}
	if s := strings.Join(strings.Fields(screen(m)), " "); !strings.Contains(s, "Detected the platform principal") {
		t.Errorf("no status after detection:\n%s", screen(m))
	}
	if err := m.w.Next(); err != nil {
		t.Fatal(err)
	}
	for _, d := range m.w.Documents() {
		if d.Kind == "trust" && (d.Err != nil || !strings.Contains(d.Text, detected)) {
			t.Fatalf("trust policy with the typed principal: %v\n%s", d.Err, d.Text)
		}
	}
	for m.w.Step() != wizard.StepReview {
		if err := m.w.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.w.Save(m.opts.ConfigPath, config.Save); err != nil {
		t.Fatal(err)
	}
	f2, err := config.Load(m.opts.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(f2.Platform.PrincipalARNs) != 1 || f2.Platform.PrincipalARNs[0] != detected {
		t.Fatalf("platform saved with the location: %+v", f2.Platform)
	}
	// Saved: the next role location does not ask again.
	m.w.Add()
	if err := m.w.Apply(map[string]string{"name": "globex", "type": wizard.ChoiceS3Role}); err != nil {
		t.Fatal(err)
	}
	if f, _ := m.w.Field("principal_arns"); f.Visible {
		t.Error("the principal is asked again once saved")
	}
}

// TestPrincipalDetectionFailureSaysWhatToDo: a failed detection names the
// command and leaves the field to be typed.
func TestPrincipalDetectionFailureSaysWhatToDo(t *testing.T) {
	m := firstRunRole(t, Options{DetectPrincipal: func(context.Context, config.Platform, string) (string, error) {
		return "", errors.New("no AWS credentials found")
	}})
	f, _ := m.w.Field("principal_arns")
	for m.formNow().focus != f.ID {
		press(m, "tab")
	}
	_, cmd := m.Update(keyMsg("ctrl+d"))
	send(m, findMsg[principalDetectedMsg](t, cmd))
	s := strings.Join(strings.Fields(screen(m)), " ")
	if !strings.Contains(s, "Could not detect the platform principal: no AWS credentials found") || !strings.Contains(s, "stowage platform --principal-arn") {
		t.Fatalf("failure status:\n%s", screen(m))
	}
}

// TestServedNeverAsksForThePrincipal: a served session may not change the
// platform settings, so its Access step does not ask for the principal.
func TestServedNeverAsksForThePrincipal(t *testing.T) {
	m := firstRunRole(t, Options{Served: &Served{Width: 80, Height: 24}})
	if f, _ := m.w.Field("principal_arns"); f.Visible || strings.Contains(screen(m), "Platform principal ARN") {
		t.Fatalf("a served session asks for the platform principal:\n%s", screen(m))
	}
}
