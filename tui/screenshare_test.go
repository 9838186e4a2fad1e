package tui

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/wizard"
)

// reporter is a provider whose connection test reports fixed checks: the
// screens' handling of what a store says is under test here, not a store.
type reporter struct{ checks []providers.Check }

func (r reporter) Test(_ context.Context, emit func(providers.Check)) (providers.Report, error) {
	for _, c := range r.checks {
		emit(c)
	}
	return providers.Report{Location: "under test", Started: fixedNow, Checks: r.checks}, nil
}

func (reporter) Put(context.Context, string, providers.Body, int64, providers.PutOptions) (providers.Object, error) {
	return providers.Object{}, errors.New("not used by this test")
}

const (
	// minioAccount is fixtureMinIORole's role account.
	minioAccount = "210987654321"
	// platformAccount is fixturePlatform's principal account.
	platformAccount = "111122223333"
)

// leakyChecks are checks that quote everything a store might echo: role
// ARNs in the detail, hint and fix, the external ID, the access key ID and
// the secret key of the location.
func leakyChecks(loc config.Location) []providers.Check {
	s := loc.S3
	return []providers.Check{
		{ID: "credentials", Title: "Credentials", Status: providers.StatusPass,
			Detail: "assumed " + s.RoleARN + " as session stowage-" + loc.Name},
		{ID: "external-id", Title: "External ID " + s.ExternalID + " required", Status: providers.StatusFail,
			Detail: "the trust policy of " + s.RoleARN + " accepts any external ID",
			Hint:   `add "sts:ExternalId": "` + s.ExternalID + `" to the trust policy`,
			Code:   "AccessDenied", Field: "role_arn", Fix: "arn:aws:iam::" + minioAccount + ":role/stowage-fixed"},
		{ID: "put", Title: "Write a test object (s3:PutObject)", Status: providers.StatusWarn,
			Detail: "the store echoed the request signed by " + s.AccessKeyID + " with " + s.SecretAccessKey,
			Hint:   "rotate the key " + s.AccessKeyID},
	}
}

// withMinIORole is the fixture file with fixtureMinIORole added.
func withMinIORole() *config.File {
	f := fixtureFile()
	f.Locations = append(f.Locations, fixtureMinIORole())
	return f
}

func locationOf(t *testing.T, f *config.File, name string) config.Location {
	t.Helper()
	loc, ok := f.Find(name)
	if !ok {
		t.Fatalf("fixture has no location %q", name)
	}
	return *loc
}

// TestCheckTextMasked runs a connection test whose checks quote account
// IDs, the external ID, the access key ID and the secret key, walks the
// cursor over every check (so each is drawn, scrolled into view) and
// checks what the screens showed.
func TestCheckTextMasked(t *testing.T) {
	tests := []struct {
		name        string
		location    string
		screenShare bool
		// never may not be on any screen; want must be on one.
		never, want []string
	}{
		{name: "role, screen-share", location: "minio-role", screenShare: true,
			never: []string{minioAccount, fixtureMinIOExternalID},
			want:  []string{"assumed arn:aws:iam::••••••••4321:role/stowage-e2e", "External ID ••••••••g7h8 required", `"sts:ExternalId": "••••••••g7h8"`, "arn:aws:iam::••••••••4321:role/stowage-fixed"}},
		{name: "role, plain", location: "minio-role",
			want: []string{"assumed arn:aws:iam::" + minioAccount + ":role/stowage-e2e", fixtureMinIOExternalID}},
		{name: "keys, screen-share", location: "acme-keys", screenShare: true,
			never: []string{fixtureSecretKey, "AKIAIOSFODNN7EXAMPLE"},
			want:  []string{"signed by ••••••••MPLE with ••••"}},
		{name: "keys, plain", location: "acme-keys",
			never: []string{fixtureSecretKey},
			want:  []string{"signed by AKIAIOSFODNN7EXAMPLE with ••••"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := withMinIORole()
			checks := leakyChecks(locationOf(t, f, tt.location))
			m := newTestModel(t, Options{File: f, Platform: fixturePlatform, EditName: tt.location, ScreenShare: tt.screenShare})
			if err := m.w.Goto(wizard.StepTest); err != nil {
				t.Fatal(err)
			}
			_ = m.enterStep()
			var seen []string
			for _, c := range checks {
				send(m, checkMsg{run: m.tests().run, check: c})
				seen = append(seen, screen(m))
			}
			send(m, testDoneMsg{run: m.tests().run, report: providers.Report{Started: fixedNow, Checks: checks}})
			press(m, "up", "up", "up")
			for range checks {
				seen = append(seen, screen(m))
				press(m, "down")
			}
			// Apply the fix on the failed check: the status line says
			// what was set.
			press(m, "up", "up", "up", "down", "f")
			seen = append(seen, screen(m))
			all := strings.Join(seen, "\n")
			for _, s := range tt.never {
				if strings.Contains(all, s) {
					t.Errorf("a screen showed %q:\n%s", s, firstWith(seen, s))
				}
			}
			for _, s := range tt.want {
				if !strings.Contains(all, s) {
					t.Errorf("no screen showed %q; screens:\n%s", s, all)
				}
			}
		})
	}
}

// firstWith returns the first screen holding s.
func firstWith(screens []string, s string) string {
	for _, sc := range screens {
		if strings.Contains(sc, s) {
			return sc
		}
	}
	return ""
}

// TestAccessibleScreenShare runs the line-by-line wizard on a saved role
// location to the end of its input, through the documents and a
// connection test whose checks quote account IDs and the external ID:
// in screen-share mode none may be printed whole, the quick-create link
// included; without it the link is printed as it is.
func TestAccessibleScreenShare(t *testing.T) {
	tests := []struct {
		name        string
		screenShare bool
		never, want []string
	}{
		{name: "screen-share", screenShare: true,
			never: []string{minioAccount, platformAccount, fixtureMinIOExternalID, "quickcreate"},
			want: []string{"SCREEN-SHARE MODE", "CloudFormation quick-create link:", "hidden in screen-share mode",
				"stowage policy minio-role --kind cloudformation", "assumed arn:aws:iam::••••••••4321:role/stowage-e2e",
				"External ID ••••••••g7h8 required"}},
		{name: "plain",
			want: []string{"#/stacks/quickcreate?templateURL=", "param_ExternalId=" + fixtureMinIOExternalID,
				"assumed arn:aws:iam::" + minioAccount + ":role/stowage-e2e"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := withMinIORole()
			checks := leakyChecks(locationOf(t, f, "minio-role"))
			var out bytes.Buffer
			// Enter keeps every answer; the input ends before the review.
			opts, cfg := accessibleOptions(t, strings.Repeat("\n", 16), &out)
			if err := config.Save(cfg, f); err != nil {
				t.Fatal(err)
			}
			opts.File, opts.Platform, opts.EditName, opts.ScreenShare = f, fixturePlatform, "minio-role", tt.screenShare
			opts.Open = func(context.Context, config.Location) (providers.Provider, error) {
				return reporter{checks: checks}, nil
			}
			_, err := RunWizard(context.Background(), opts)
			if err != nil && !errors.Is(err, ErrInputEnded) {
				t.Fatalf("RunWizard: %v\n%s", err, out.String())
			}
			text := out.String()
			if !strings.Contains(text, "== Test connection") {
				t.Fatalf("the run did not reach the connection test:\n%s", text)
			}
			for _, s := range tt.never {
				if strings.Contains(text, s) {
					t.Errorf("the output shows %q:\n%s", s, text)
				}
			}
			for _, s := range tt.want {
				if !strings.Contains(text, s) {
					t.Errorf("the output does not show %q:\n%s", s, text)
				}
			}
		})
	}
}

// TestScreenShareSavedIdentifiersStayMasked checks that the role ARN and
// the access key ID of a saved location are masked whether their field is
// focused or not, and that typing replaces the saved value.
func TestScreenShareSavedIdentifiersStayMasked(t *testing.T) {
	m := minioRole(t, wizard.StepAccess)
	focused := screen(m)
	if strings.Contains(focused, minioAccount) {
		t.Errorf("the focused role ARN of a saved location shows the whole account ID:\n%s", focused)
	}
	if !strings.Contains(focused, "arn:aws:iam::••••••••4321:role/stowage-e2e") {
		t.Errorf("the focused role ARN is not shown masked:\n%s", focused)
	}
	m.formNow().focus = ""
	unfocused := screen(m)
	if strings.Contains(unfocused, minioAccount) {
		t.Errorf("the unfocused role ARN shows the whole account ID:\n%s", unfocused)
	}
	if !strings.Contains(unfocused, "arn:aws:iam::••••••••4321:role/stowage-e2e") {
		t.Errorf("the unfocused role ARN is not shown masked:\n%s", unfocused)
	}

	// Moving the focus away and back keeps it masked; typing replaces it.
	m = minioRole(t, wizard.StepAccess)
	_ = m.formNow().focusChanged()
	if s := screen(m); strings.Contains(s, minioAccount) {
		t.Errorf("refocusing shows the account ID:\n%s", s)
	}
	typeText(m, "arn:aws:iam::123456789012:role/new")
	if f, _ := m.w.Field("role_arn"); f.Value != "arn:aws:iam::123456789012:role/new" {
		t.Errorf("typing did not replace the saved ARN: %q", f.Value)
	}

	k := editing(t, "acme-keys", wizard.StepAccess, true)
	if s := screen(k); strings.Contains(s, "> AKIAIOSFODNN7EXAMPLE") || !strings.Contains(s, "> ••••••••MPLE") {
		t.Errorf("the focused access key ID of a saved location is not masked:\n%s", s)
	}
}

// TestScreenSharePolicyScreens walks every document of a role location in
// screen-share mode, framed and plain, scrolled to its end: no screen may
// show the external ID, an account ID or the quick-create link, and u
// still copies the real link.
func TestScreenSharePolicyScreens(t *testing.T) {
	m := editing(t, "acme-recordings", wizard.StepPolicies, true)
	var seen []string
	for range m.pols().docs {
		for _, plain := range []bool{false, true} {
			if plain {
				press(m, "p")
			}
			for range 40 {
				seen = append(seen, screen(m))
				press(m, "pgdown")
			}
			if plain {
				press(m, "p")
			}
		}
		press(m, "right")
	}
	all := strings.Join(seen, "\n")
	for _, s := range []string{fixtureExternalID, "123456789012", platformAccount, "quickcreate"} {
		if strings.Contains(all, s) {
			t.Errorf("a screen showed %q:\n%s", s, firstWith(seen, s))
		}
	}
	if !strings.Contains(all, "Quick-create link (not shown: it holds the external ID") {
		t.Errorf("the CloudFormation document does not offer the link:\n%s", all)
	}
	if !strings.Contains(m.pols().quickCreate, "param_ExternalId="+fixtureExternalID) {
		t.Errorf("u would copy %q, not the real link", m.pols().quickCreate)
	}
}

// TestGoldenScreensLeakNothing draws every golden screen again in
// screen-share mode: no secret of the fixture, no full identifier and no
// 8-character piece of either may be on it. The fixture's role ARN and
// access key ID are AWS's published examples, which help texts quote, so
// they are checked by TestScreenShareSavedIdentifiersStayMasked instead.
func TestGoldenScreensLeakNothing(t *testing.T) {
	forceScreenShare = true
	t.Cleanup(func() { forceScreenShare = false })
	never := map[string]string{
		fixtureExternalID:      "external ID",
		fixtureMinIOExternalID: "MinIO external ID",
		fixtureSecretKey:       "secret access key",
		fixtureAccountKey:      "Azure account key",
		platformAccount:        "platform account ID",
		minioAccount:           "MinIO role account ID",
	}
	for _, tt := range goldenCases {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.setup(t)
			out := screen(m)
			if !strings.Contains(out, "SCREEN-SHARE MODE") {
				t.Fatalf("the screen is not in screen-share mode:\n%s", out)
			}
			for v, what := range never {
				for i := 0; i+8 <= len(v); i++ {
					if piece := v[i : i+8]; strings.Contains(out, piece) {
						t.Errorf("shows %q, part of the %s:\n%s", piece, what, out)
						break
					}
				}
			}
		})
	}
}

// focusedInput is the line of the focused input on a screen: from its prompt.
var focusedInput = regexp.MustCompile(`> \S*`)

// TestScreenShareTypedIdentifiersMasked types identifiers into the inputs
// of a new role location (the role ARN and the platform principal of a
// first run) and of a keys location in screen-share mode, one key at a
// time, and goes back to them from the next step and after resuming a
// draft: no frame may show an account ID's hidden digits or the access key
// ID whole, nor, while typed, any character that the finished value's
// masked form hides (issue: an identifier being typed or revisited is
// never shown in full).
func TestScreenShareTypedIdentifiersMasked(t *testing.T) {
	const (
		account   = "370512846193"
		roleARN   = "arn:aws:iam::" + account + ":role/StowageExport"
		principal = "arn:aws:iam::999988887777:root"
		keyID     = "AKIAZ7Q3XK5R2M4PL6WB"
	)
	m := newTestModel(t, Options{ConfigPath: filepath.Join(t.TempDir(), "locations.yaml"), ScreenShare: true,
		DetectPrincipal: func(context.Context, config.Platform, string) (string, error) { return "", errors.New("not asked") }})
	if err := m.w.Apply(map[string]string{"name": "acme", "type": wizard.ChoiceS3Role,
		"bucket": "acme-call-recordings", "region": "eu-west-1"}); err != nil {
		t.Fatal(err)
	}
	for m.w.Step() != wizard.StepAccess {
		if err := m.w.Next(); err != nil {
			t.Fatal(err)
		}
	}
	_ = m.enterStep()
	if m.formNow().focus != "role_arn" {
		t.Fatalf("the Access step focuses %q, not the role ARN", m.formNow().focus)
	}
	var seen []string
	// Each frame while typed shows what the finished value's masked form
	// shows of what is typed so far, and no more.
	for i, r := range roleARN {
		typeText(m, string(r))
		s := screen(m)
		seen = append(seen, s)
		typed, prefix := roleARN[:i+1], "arn:aws:iam::"
		want := "> " + typed
		switch digits := len(typed) - len(prefix); {
		case digits > 0 && digits <= len(account):
			want = "> " + prefix + strings.Repeat("•", digits)
		case digits > len(account):
			want = "> " + prefix + "••••••••" + typed[len(prefix)+8:]
		}
		if got := focusedInput.FindString(s); got != want {
			t.Fatalf("after typing %d characters the input shows %q, want %q:\n%s", i+1, got, want, s)
		}
	}
	if s := screen(m); !strings.Contains(s, "> arn:aws:iam::••••••••6193:role/StowageExport") {
		t.Errorf("the typed role ARN is not shown masked, the rest readable:\n%s", s)
	}
	press(m, "tab")
	for m.formNow().focus != "principal_arns" {
		press(m, "tab")
	}
	for _, r := range principal {
		typeText(m, string(r))
		seen = append(seen, screen(m))
	}
	if s := screen(m); !strings.Contains(s, "> arn:aws:iam::••••••••7777:root") {
		t.Errorf("the typed principal is not shown masked:\n%s", s)
	}
	// Back to the role ARN, on to the Policies step and back with esc.
	for m.formNow().focus != "role_arn" {
		press(m, "shift+tab")
	}
	seen = append(seen, screen(m))
	if err := m.w.Next(); err != nil {
		t.Fatal(err)
	}
	_ = m.enterStep()
	seen = append(seen, screen(m))
	press(m, "esc")
	if m.w.Step() != wizard.StepAccess || m.formNow().focus != "role_arn" {
		t.Fatalf("esc went to %s, focus %q", m.w.Step(), m.formNow().focus)
	}
	back := screen(m)
	seen = append(seen, back)
	if !strings.Contains(back, "> arn:aws:iam::••••••••6193:role/StowageExport") {
		t.Errorf("the role ARN is not masked on coming back:\n%s", back)
	}
	// A bad account is masked in the error that quotes it, too.
	for range len(":role/StowageExport") {
		press(m, "left")
	}
	press(m, "backspace")
	bad := screen(m)
	seen = append(seen, bad)
	if f, _ := m.w.Field("role_arn"); f.Value != "arn:aws:iam::37051284619:role/StowageExport" || f.Err == nil {
		t.Fatalf("deleting the account's last digit: %q, %v", f.Value, f.Err)
	}
	if !strings.Contains(bad, "> arn:aws:iam::•••••••••••:role/StowageExport") {
		t.Errorf("an account of 11 digits is not masked whole:\n%s", bad)
	}
	for _, s := range seen {
		for i := 0; i+5 <= 8; i++ {
			if piece := account[i : i+5]; strings.Contains(s, piece) {
				t.Fatalf("a frame shows %q of the role's account ID:\n%s", piece, s)
			}
		}
		if strings.Contains(s, "99998888") || strings.Contains(s, "::9") {
			t.Fatalf("a frame shows the platform principal's account ID:\n%s", s)
		}
	}

	// Keys: the access key ID shows nothing of itself until complete,
	// then its last four.
	k := newTestModel(t, Options{ConfigPath: filepath.Join(t.TempDir(), "locations.yaml"), ScreenShare: true, Platform: fixturePlatform})
	if err := k.w.Apply(map[string]string{"name": "acme", "type": wizard.ChoiceS3Keys,
		"bucket": "acme-call-recordings", "region": "eu-west-1"}); err != nil {
		t.Fatal(err)
	}
	for k.w.Step() != wizard.StepAccess {
		if err := k.w.Next(); err != nil {
			t.Fatal(err)
		}
	}
	_ = k.enterStep()
	if k.formNow().focus != "access_key_id" {
		t.Fatalf("the Access step focuses %q, not the access key ID", k.formNow().focus)
	}
	seen = nil
	for i, r := range keyID {
		typeText(k, string(r))
		s := screen(k)
		seen = append(seen, s)
		if got := focusedInput.FindString(s); got != "> ••••••••" {
			t.Fatalf("after typing %d characters the input shows %q, want \"> ••••••••\":\n%s", i+1, got, s)
		}
	}
	press(k, "tab")
	seen = append(seen, screen(k))
	press(k, "shift+tab")
	s := screen(k)
	seen = append(seen, s)
	if got := focusedInput.FindString(s); got != "> ••••••••L6WB" {
		t.Errorf("the access key ID, focused again once typed, shows %q, want its last four:\n%s", got, s)
	}
	for _, s := range seen {
		for i := 4; i+5 <= len(keyID)-4; i++ {
			if piece := keyID[i : i+5]; strings.Contains(s, piece) {
				t.Fatalf("a frame shows %q of the access key ID:\n%s", piece, s)
			}
		}
	}

	// A resumed draft: its role ARN stays masked, focused, after esc back
	// and once edited.
	r := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform, ScreenShare: true})
	d := fixtureDraft()
	d.Step = string(wizard.StepAccess)
	r.w.OfferDraft(d)
	if err := r.w.ResumeDraft(); err != nil {
		t.Fatal(err)
	}
	_ = r.enterStep()
	seen = []string{screen(r)}
	if err := r.w.Next(); err != nil {
		t.Fatal(err)
	}
	_ = r.enterStep()
	press(r, "esc")
	seen = append(seen, screen(r))
	typeText(r, "arn:aws:iam::444455556666:role/Other")
	seen = append(seen, screen(r))
	press(r, "tab")
	press(r, "shift+tab")
	seen = append(seen, screen(r))
	for _, s := range seen {
		if strings.Contains(s, "44445555") {
			t.Fatalf("a frame shows the resumed draft's account ID:\n%s", s)
		}
	}
	if s := seen[len(seen)-1]; !strings.Contains(s, "> arn:aws:iam::••••••••6666:role/Other") {
		t.Errorf("the edited role ARN of a resumed draft is not masked:\n%s", s)
	}
}
