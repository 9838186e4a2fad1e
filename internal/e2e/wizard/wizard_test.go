package wizard

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"
)

const (
	principalARN = "arn:aws:iam::111122223333:root"
	// The role's account differs from the 123456789012 of the help
	// texts' examples, so finding it on screen means it leaked.
	roleARN     = "arn:aws:iam::210987654321:role/stowage-e2e"
	roleAccount = "210987654321"
)

// platformEnv is the controlled environment of every run: a colour
// terminal, no NO_COLOR, a throw-away HOME, and AWS settings that come
// only from the variables given (no shared config or credentials files).
func platformEnv(t *testing.T, home string, extra ...string) []string {
	t.Helper()
	empty := filepath.Join(home, "aws-empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"TERM=xterm-256color",
		"LANG=C.UTF-8",
		"HOME=" + home,
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"AWS_CONFIG_FILE=" + empty,
		"AWS_SHARED_CREDENTIALS_FILE=" + empty,
	}
	return append(env, extra...)
}

// stowage runs the binary to the end with env and stdin, and returns its
// standard output; a non-zero exit fails the test.
func stowage(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("stowage %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// loadSaved loads the locations file, checks it is private (mode 0600)
// and returns the named location.
func loadSaved(t *testing.T, path, name string) (config.Location, string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("locations file: %v", err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("locations file mode = %#o, want 0600: it may hold secret keys", mode)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(path)
	if err != nil {
		t.Fatalf("loading the saved file: %v\n%s", err, raw)
	}
	loc, ok := f.Find(name)
	if !ok {
		t.Fatalf("the saved file has no location %q:\n%s", name, raw)
	}
	return *loc, string(raw)
}

// assertNeverShown fails if any of secrets (name → value) is in seen,
// quoting every line that shows one.
func assertNeverShown(t *testing.T, seen string, secrets map[string]string) {
	t.Helper()
	for name, v := range secrets {
		if v == "" {
			t.Fatalf("assertNeverShown: %s is empty, the check would prove nothing", name)
		}
		var lines []string
		for _, l := range strings.Split(seen, "\n") {
			if strings.Contains(l, v) && !slices.Contains(lines, l) {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			t.Errorf("the %s %q was on screen in screen-share mode, in these lines:\n%s", name, v, strings.Join(lines, "\n"))
		}
	}
}

// TestS3RoleScreenShare walks the S3 role flow in the built binary, in a
// real terminal in screen-share mode, against MinIO (whose STS stands in
// for AWS: any role ARN, the external ID not enforced), and checks that the
// saved file holds what was set up and that no screen ever showed a secret
// or a whole account ID.
func TestS3RoleScreenShare(t *testing.T) {
	requireTmux(t)
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("e2e-role")
	m.CreateBucket(t, bucket)
	want := config.S3{
		Bucket: bucket, Region: testenv.DefaultRegion, Prefix: "calls/",
		Endpoint: m.Endpoint, PathStyle: true, CABundle: m.CAFile, ChecksumMode: config.ChecksumWhenRequired,
		Auth: config.AuthRole, RoleARN: roleARN,
	}
	policy, err := policies.Permissions(config.Location{Name: "e2e-role", Type: config.TypeS3, S3: &want})
	if err != nil {
		t.Fatal(err)
	}
	// The platform's base credentials: MinIO's STS hands out sessions
	// carrying this user's policy, whatever role ARN is asked for.
	ak, sk := m.CreateUser(t, policy)

	home := t.TempDir()
	cfg := filepath.Join(home, "config.yaml")
	env := platformEnv(t, home, "AWS_ACCESS_KEY_ID="+ak, "AWS_SECRET_ACCESS_KEY="+sk)
	stowage(t, env, "", "platform", "--principal-arn", principalARN, "--config", cfg)

	tm := startTerminal(t, env, "--config", cfg, "--screen-share")

	tm.waitStep("Name", "Name *", "SCREEN-SHARE MODE")
	tm.typeText("e2e-role")
	tm.waitFor("> e2e-role")
	tm.keys("Enter")

	tm.waitStep("Storage type", "› ○ Amazon S3 — IAM role")
	tm.keys("Enter")

	tm.waitStep("Where recordings go", "› Bucket *")
	tm.typeText(bucket)
	tm.keys("Enter")
	tm.waitFor("› Region *", "filter:")
	tm.typeText(testenv.DefaultRegion)
	tm.waitFor("› ● " + testenv.DefaultRegion)
	tm.keys("Enter")
	tm.waitFor("› Prefix")
	tm.typeText("calls")
	tm.keys("Enter")
	tm.waitFor("› ▸ Advanced settings")
	tm.keys("Space")
	tm.waitFor("› ▾ Advanced settings")
	tm.keys("Tab")
	tm.waitFor("› Endpoint")
	tm.typeText(m.Endpoint)
	tm.keys("Tab")
	tm.waitFor("› [ ] Path-style addressing")
	tm.keys("Space")
	tm.waitFor("› [x] Path-style addressing")
	tm.keys("Tab")
	tm.waitFor("› CA bundle")
	tm.typeText(m.CAFile)
	tm.keys("Enter")
	tm.waitFor("› Checksum mode")
	tm.pressUntil("Down", 3, "● When required")
	tm.pressUntil("Tab", 10, "› Expire after (days)")
	tm.keys("Enter")

	tm.waitStep("Access", "Role ARN *", "External ID", "••••••••")
	tm.typeText(roleARN)
	// Typed on a shared screen, the role ARN echoes with its account
	// masked, the rest readable.
	tm.waitFor("> arn:aws:iam::••••••••4321:role/stowage-e2e")
	tm.keys("Enter")

	// An S3-compatible endpoint has no STS trust policy to show (MinIO
	// ignores the role and the external ID): only the permissions policy
	// applies. TestS3RoleTrustPolicyScreenShare covers the trust tab.
	tm.waitStep("Policies to apply", "Permissions", "s3:GetBucketLocation", "arn:aws:s3:::"+bucket)
	tm.keys("Enter")

	tm.waitStep("Test connection")
	screen := tm.waitFor("checks passed")
	if strings.Contains(screen, "✗") {
		t.Fatalf("the connection test failed:\n%s", frame(screen))
	}
	tm.keys("Enter")

	tm.waitStep("Review", "SCREEN-SHARE MODE", bucket, "calls/", "When required", "arn:aws:iam::••••••••4321:role/stowage-e2e")
	tm.keys("Enter")

	tm.waitStep("Saved", `Location "e2e-role" is saved`, "What to do next")
	tm.keys("Enter")
	if code := tm.waitExit(); code != 0 {
		t.Fatalf("stowage exited: %s", tm.exitReport(code))
	}

	loc, raw := loadSaved(t, cfg, "e2e-role")
	got := loc.S3
	if got == nil {
		t.Fatalf("saved location has no S3 settings:\n%s", raw)
	}
	if len(got.ExternalID) != 32 {
		t.Errorf("external ID = %q, want 32 characters", got.ExternalID)
	}
	want.ExternalID = got.ExternalID
	if *got != want {
		t.Errorf("saved S3 settings:\n got %+v\nwant %+v", *got, want)
	}
	for _, s := range []string{got.ExternalID, roleARN} {
		if !strings.Contains(raw, s) {
			t.Errorf("the locations file does not hold %q:\n%s", s, raw)
		}
	}
	if loc.LastTest == nil || !loc.LastTest.OK {
		t.Errorf("last test = %+v, want the passing one from the wizard", loc.LastTest)
	}

	// Secrets must never be drawn, not even between two captures.
	secrets := map[string]string{"platform secret access key": sk, "external ID": got.ExternalID}
	assertNeverShown(t, tm.screens(), secrets)
	assertNeverShown(t, tm.output(), secrets)
	// Account IDs are partly masked wherever the program shows them, the
	// input the role ARN is typed into included, on every screen caught.
	for i := 0; i+5 <= 8; i++ {
		piece := roleAccount[i : i+5]
		assertNeverShown(t, tm.screens(), map[string]string{"role's account ID, hidden digits": piece})
		assertNeverShown(t, tm.output(), map[string]string{"role's account ID, hidden digits": piece})
	}
}

// TestS3RoleTrustPolicyScreenShare opens a saved Amazon S3 role location
// in the built binary in screen-share mode, walks to the Policies step and
// reads every document to its end: the trust policy must name the external
// ID condition, and neither the external ID nor any account ID may show in
// full on any of them. (With an S3-compatible endpoint there is no trust
// policy, so this location points at Amazon S3 and is never tested.)
func TestS3RoleTrustPolicyScreenShare(t *testing.T) {
	requireTmux(t)
	home := t.TempDir()
	cfg := filepath.Join(home, "config.yaml")
	env := platformEnv(t, home)
	stowage(t, env, "", "platform", "--principal-arn", principalARN, "--config", cfg)
	stowage(t, env, "", "setup", "--non-interactive", "--config", cfg, "--name", "aws-role", "--type", "s3-role",
		"--bucket", "acme-call-recordings", "--region", "eu-west-1", "--prefix", "calls/", "--role-arn", roleARN)
	loc, _ := loadSaved(t, cfg, "aws-role")
	extID := loc.S3.ExternalID
	if len(extID) != 32 {
		t.Fatalf("external ID = %q, want 32 characters", extID)
	}

	// The list of locations opens first; enter edits the highlighted one.
	tm := startTerminal(t, env, "--config", cfg, "--screen-share")
	tm.waitStep("Export locations", "SCREEN-SHARE MODE", "› aws-role", "s3://acme-call-recordings/calls/")
	tm.keys("Enter")
	tm.waitStep("Name", "> aws-role")
	tm.keys("Enter")
	tm.waitStep("Storage type", "● Amazon S3 — IAM role")
	tm.keys("Enter")
	tm.waitStep("Where recordings go", "acme-call-recordings")
	tm.pressUntil("Enter", 20, "Stowage · Access")
	tm.waitStep("Access", "> "+config.MaskAccountIDs(roleARN), "••••••••"+extID[28:])
	tm.keys("Enter")

	tm.waitStep("Policies to apply", "Permissions │ Trust")
	docs := []struct {
		tab  string // a text only that document's screen shows
		want []string
	}{
		{"IAM console → Policies", []string{`"s3:PutObject"`, "arn:aws:s3:::acme-call-recordings/calls/*"}},
		{"Trust relationships", []string{`"sts:ExternalId": "••••••••` + extID[28:] + `"`, `"AWS": "arn:aws:iam::••••••••3333:root"`, "sts:AssumeRole"}},
		{"CloudFormation console", []string{"AWSTemplateFormatVersion"}},
		{"Terraform", []string{"aws_iam_role"}},
		{"AWS CLI", []string{"aws iam create-role"}},
	}
	for i, d := range docs {
		if i > 0 {
			tm.keys("Right")
		}
		tm.waitStep("Policies to apply", d.tab)
		// Read the document to its end, so every line of it is captured
		// and checked, and find what it must hold on the way.
		read := tm.scrollToEnd("PageDown", 100)
		for _, w := range d.want {
			if !strings.Contains(read, w) {
				t.Errorf("the %q document never showed %q while scrolled through; last screen:\n%s", d.tab, w, frame(tm.capture()))
			}
		}
	}
	// The plain view (for selecting text to copy) is masked the same way.
	tm.keys("Left", "Left", "Left")
	tm.waitStep("Policies to apply", "Trust relationships")
	tm.keys("p")
	tm.waitFor("p framed view", `"sts:ExternalId": "••••••••`+extID[28:]+`"`, `"AWS": "arn:aws:iam::••••••••3333:root"`)
	tm.keys("p")
	tm.waitFor("p plain view")

	tm.keys("C-c")
	if code := tm.waitExit(); code != 0 {
		t.Fatalf("stowage exited: %s", tm.exitReport(code))
	}
	secrets := map[string]string{"external ID": extID}
	assertNeverShown(t, tm.screens(), secrets)
	assertNeverShown(t, tm.output(), secrets)
	// Account IDs are partly masked everywhere, inputs included.
	ids := map[string]string{"role's account ID": roleAccount, "platform's account ID": "111122223333"}
	assertNeverShown(t, tm.screens(), ids)
	assertNeverShown(t, tm.output(), ids)
}

// fieldLines returns the line of screen that starts with label and the
// line below it (where the field's value is drawn).
func fieldLines(t *testing.T, screen, label string) string {
	t.Helper()
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, label) && i+1 < len(lines) {
			return l + "\n" + lines[i+1]
		}
	}
	t.Fatalf("no line starts with %q; screen:\n%s", label, frame(screen))
	return ""
}

// TestS3KeysSecretScreenShare types an IAM user's secret access key into
// the built binary in screen-share mode and checks it is never echoed,
// and that nothing on screen (not a row of bullets, not the cursor) grows
// with it and so tells its length. The keys are a MinIO user's, so the
// connection test proves the typed secret arrived intact.
func TestS3KeysSecretScreenShare(t *testing.T) {
	requireTmux(t)
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("e2e-keys")
	m.CreateBucket(t, bucket)
	want := config.S3{
		Bucket: bucket, Region: testenv.DefaultRegion,
		Endpoint: m.Endpoint, PathStyle: true, CABundle: m.CAFile, ChecksumMode: config.ChecksumWhenRequired,
		Auth: config.AuthKeys,
	}
	policy, err := policies.Permissions(config.Location{Name: "e2e-keys", Type: config.TypeS3, S3: &want})
	if err != nil {
		t.Fatal(err)
	}
	ak, sk := m.CreateUser(t, policy)
	want.AccessKeyID, want.SecretAccessKey = ak, sk
	if len(sk) < 8 {
		t.Fatalf("MinIO secret key %d characters long; the length checks need a longer one", len(sk))
	}

	home := t.TempDir()
	cfg := filepath.Join(home, "config.yaml")
	// No AWS keys in the environment: only the typed ones can work.
	tm := startTerminal(t, platformEnv(t, home), "--config", cfg, "--screen-share")

	tm.waitStep("Name", "SCREEN-SHARE MODE")
	tm.typeText("e2e-keys")
	tm.waitFor("> e2e-keys")
	tm.keys("Enter")
	tm.waitStep("Storage type")
	tm.keys("Down")
	tm.waitFor("› ● Amazon S3 — access keys")
	tm.keys("Enter")

	tm.waitStep("Where recordings go", "› Bucket *")
	tm.typeText(bucket)
	tm.keys("Enter")
	tm.waitFor("› Region *", "filter:")
	tm.typeText(testenv.DefaultRegion)
	tm.waitFor("› ● " + testenv.DefaultRegion)
	tm.keys("Enter")
	tm.waitFor("› Prefix")
	tm.keys("Enter")
	tm.waitFor("› ▸ Advanced settings")
	tm.keys("Space")
	tm.waitFor("› ▾ Advanced settings")
	tm.keys("Tab")
	tm.waitFor("› Endpoint")
	tm.typeText(m.Endpoint)
	tm.keys("Tab")
	tm.waitFor("› [ ] Path-style addressing")
	tm.keys("Space")
	tm.waitFor("› [x] Path-style addressing")
	tm.keys("Tab")
	tm.waitFor("› CA bundle")
	tm.typeText(m.CAFile)
	tm.keys("Enter")
	tm.waitFor("› Checksum mode")
	tm.pressUntil("Down", 3, "● When required")
	tm.pressUntil("Tab", 10, "› Expire after (days)")
	tm.keys("Enter")

	tm.waitStep("Access", "› Access key ID *")
	tm.typeText(ak)
	// On a shared screen the ID being typed echoes as bullets only (its
	// last four would change with every key); left and focused again,
	// its masked form.
	tm.keys("Tab")
	tm.waitFor("› Secret access key *", "••••••••"+ak[len(ak)-4:])
	tm.keys("BTab")
	tm.waitFor("› Access key ID *", "> ••••••••"+ak[len(ak)-4:])
	tm.keys("Enter")
	empty := fieldLines(t, tm.waitFor("› Secret access key *"), "› Secret access key *")
	if strings.Contains(empty, "(set)") {
		t.Fatalf("the secret field shows a value before one was typed:\n%s", empty)
	}
	// Type the secret in two parts and look at the field after each, in
	// the same state (focused, reached again with shift+tab after tab, so
	// every typed key has been handled): the two must be identical.
	half := len(sk) / 2
	var shown, cursors []string
	for _, part := range []string{sk[:half], sk[half:]} {
		tm.typeText(part)
		tm.keys("Tab")
		tm.waitFor("› IAM user ARN")
		tm.keys("BTab")
		screen := tm.waitFor("› Secret access key *", "(set)")
		shown = append(shown, fieldLines(t, screen, "› Secret access key *"))
		cursors = append(cursors, tm.cursor())
	}
	if shown[0] != shown[1] {
		t.Errorf("the secret field changes as the secret grows, telling its length:\nafter %d characters:\n%s\nafter %d:\n%s", half, shown[0], len(sk), shown[1])
	}
	if cursors[0] != cursors[1] {
		t.Errorf("the cursor moves as the secret grows (%s after %d characters, %s after %d), telling its length", cursors[0], half, cursors[1], len(sk))
	}
	tm.keys("Enter")
	tm.waitFor("› IAM user ARN")
	tm.keys("Enter")

	tm.waitStep("Policies to apply", "Permissions", "arn:aws:s3:::"+bucket)
	tm.keys("Enter")
	tm.waitStep("Test connection")
	screen := tm.waitFor("checks passed")
	if strings.Contains(screen, "✗") {
		t.Fatalf("the connection test failed:\n%s", frame(screen))
	}
	tm.keys("Enter")
	// The Review lists more rows than 80×24 holds: scroll as a person
	// would until the secret's row is on screen, masked.
	tm.waitStep("Review", "SCREEN-SHARE MODE", "••••••••"+ak[len(ak)-4:])
	review := tm.scrollToEnd("Down", 40)
	if !strings.Contains(review, "Secret access key") || !strings.Contains(review, "•••• (set)") {
		t.Fatalf("the Review never shows the secret access key row masked; screens:\n%s", review)
	}
	tm.keys("Enter")
	tm.waitStep("Saved", `Location "e2e-keys" is saved`)
	tm.keys("Enter")
	if code := tm.waitExit(); code != 0 {
		t.Fatalf("stowage exited: %s", tm.exitReport(code))
	}

	loc, raw := loadSaved(t, cfg, "e2e-keys")
	if loc.S3 == nil || *loc.S3 != want {
		t.Errorf("saved S3 settings:\n got %+v\nwant %+v", loc.S3, want)
	}
	if !strings.Contains(raw, sk) {
		t.Errorf("the locations file does not hold the secret key")
	}

	assertNeverShown(t, tm.screens(), map[string]string{"secret access key": sk, "access key ID": ak})
	assertNeverShown(t, tm.output(), map[string]string{"secret access key": sk, "access key ID": ak})
	for _, mark := range []string{"*", "•", "●"} {
		assertNeverShown(t, tm.screens(), map[string]string{"secret's length as a row of " + mark: strings.Repeat(mark, len(sk))})
	}
}

// TestAccessibleLocalFolder answers the wizard's line-by-line prompts from
// a pipe (no terminal at all), as a screen reader user or a script would,
// and checks the saved local-folder location. Input that is not a terminal
// switches to these prompts by itself; --accessible asks for them.
func TestAccessibleLocalFolder(t *testing.T) {
	tests := []struct {
		name string
		args []string
		// badPath is typed before the real folder, to see it refused and
		// asked again.
		badPath string
		want    []string // on standard output
	}{
		{name: "piped input", args: nil},
		{name: "accessible flag", args: []string{"--accessible"}},
		{name: "refused path asked again", args: []string{"--accessible"}, badPath: "relative/recordings",
			want: []string{`path: must be absolute`, "example: "}},
		{name: "screen-share", args: []string{"--accessible", "--screen-share"}, want: []string{"SCREEN-SHARE MODE"}},
		// The setup command opens the same wizard and must take the
		// global flags too.
		{name: "setup command", args: []string{"setup", "--accessible"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			cfg := filepath.Join(home, "stowage", "config.yaml")
			folder := filepath.Join(home, "nas", "recordings")
			if err := os.MkdirAll(folder, 0o755); err != nil {
				t.Fatal(err)
			}
			// Name, type (5 = local folder), folder, review (1 = save),
			// done (no export now).
			in := "nas-archive\n5\n"
			if tc.badPath != "" {
				in += tc.badPath + "\n"
			}
			in += folder + "\n1\nn\n"
			args := append(append([]string{}, tc.args...), "--config", cfg)
			out := stowage(t, platformEnv(t, home), in, args...)

			for _, w := range append([]string{
				"== Name (step 1", "== Storage type (step 2", "== Where recordings go", "== Test connection",
				"All checks passed.", "== Review", "== Saved ==", `Location "nas-archive" is saved`,
			}, tc.want...) {
				if !strings.Contains(out, w) {
					t.Errorf("the output does not show %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "\x1b[") {
				t.Errorf("the line-by-line output holds terminal escape sequences:\n%q", out)
			}
			loc, raw := loadSaved(t, cfg, "nas-archive")
			if loc.Type != config.TypeLocal || loc.Local == nil || loc.Local.Path != folder {
				t.Errorf("saved location is not the local folder %s:\n%s", folder, raw)
			}
			if loc.LastTest == nil || !loc.LastTest.OK {
				t.Errorf("last test = %+v, want the passing one from the wizard", loc.LastTest)
			}
		})
	}
}

// TestAccessibleScreenShareRole opens a saved Amazon S3 role location in
// the line-by-line wizard in screen-share mode, keeps every answer, and
// reads the printed policies: like the screens, they must hold neither the
// external ID nor any whole account ID, links included. The input ends at
// the question after the documents, before the connection test, which
// would need AWS.
func TestAccessibleScreenShareRole(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, "config.yaml")
	env := platformEnv(t, home)
	stowage(t, env, "", "platform", "--principal-arn", principalARN, "--template-url", "https://example.com/stowage.json", "--config", cfg)
	stowage(t, env, "", "setup", "--non-interactive", "--config", cfg, "--name", "aws-role", "--type", "s3-role",
		"--bucket", "acme-call-recordings", "--region", "eu-west-1", "--prefix", "calls/", "--role-arn", roleARN)
	loc, _ := loadSaved(t, cfg, "aws-role")
	extID := loc.S3.ExternalID

	// 2 = edit aws-role; then enter keeps each value: name, type, the
	// advanced settings question, bucket, region, prefix, role ARN.
	in := "2\n" + strings.Repeat("\n", 7)
	cmd := exec.Command(binary, "--config", cfg, "--screen-share", "--accessible")
	cmd.Env = env
	cmd.Stdin = strings.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := stdout.String()
	if !strings.Contains(stderr.String(), "the input ended at \"") || !strings.Contains(stderr.String(), "before the setup wizard finished") {
		t.Fatalf("want the run to stop where the input ends (err %v); stderr:\n%s\nstdout:\n%s", err, stderr.String(), out)
	}
	for _, w := range []string{
		"SCREEN-SHARE MODE", "== Policies to apply", `"sts:ExternalId": "••••••••` + extID[28:] + `"`,
		"arn:aws:iam::••••••••3333:root", "Save these documents",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("the output does not show %q:\n%s", w, out)
		}
	}
	assertNeverShown(t, out, map[string]string{
		"external ID": extID, "role's account ID": roleAccount, "platform's account ID": "111122223333",
	})
}
