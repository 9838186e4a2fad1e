package tui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/wizard"
)

func accessibleOptions(t *testing.T, input string, out *bytes.Buffer) (Options, string) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "locations.yaml")
	return Options{
		ConfigPath: cfg,
		In:         strings.NewReader(input),
		Out:        out,
		Save:       config.Save,
		Now:        func() time.Time { return fixedNow },
		Env:        []string{"TERM=xterm-256color"},
		Open: func(ctx context.Context, loc config.Location) (providers.Provider, error) {
			return providers.Open(ctx, loc, providers.Options{})
		},
	}, cfg
}

// TestAccessibleLocalFolder answers the line-by-line prompts from a pipe
// (which turns accessible mode on by itself) and saves a local location;
// a refused answer is asked again with the wizard's message.
func TestAccessibleLocalFolder(t *testing.T) {
	target := t.TempDir()
	src := t.TempDir()
	input := strings.Join([]string{
		"Bad Name!",   // refused by the name rule
		"nas-archive", // accepted
		"5",           // Local or NAS folder
		"relative/path",
		target,
		"1",                           // Save
		"y",                           // export now
		filepath.Join(src, "missing"), // refused: no such folder
		src,
	}, "\n") + "\n"
	var out bytes.Buffer
	opts, cfg := accessibleOptions(t, input, &out)
	res, err := RunWizard(context.Background(), opts)
	if err != nil {
		t.Fatalf("RunWizard: %v\n%s", err, out.String())
	}
	if !res.Saved || res.Location != "nas-archive" || !res.ExportNow || !res.Accessible ||
		len(res.Sources) != 1 || res.Sources[0] != src {
		t.Fatalf("result = %+v\n%s", res, out.String())
	}
	text := out.String()
	for _, want := range []string{"== Name (step 1) ==", "name:", "Local or NAS folder", "[pass]", "== Review (step 5 of 5) ==",
		"Saved to " + cfg, "stowage export nas-archive DIR", "Folders of recordings to export to nas-archive", `folders: folder "` + filepath.Join(src, "missing") + `" does not exist`} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\x1b[") {
		t.Errorf("accessible output has escape sequences:\n%q", text)
	}
	// The numbered options (the types, with their help) are wrapped between
	// words by Stowage: a line the terminal would break at 80 columns breaks
	// a word ("cross-account rol|e").
	for _, line := range strings.Split(text, "\n") {
		numbered := len(line) > 3 && line[0] >= '1' && line[0] <= '9' && line[1] == '.'
		if (numbered || strings.HasPrefix(line, "   ")) && len([]rune(line)) > accessibleWidth {
			t.Errorf("option line wider than %d columns: %q", accessibleWidth, line)
		}
	}
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loc, ok := f.Find("nas-archive")
	if !ok || loc.Local == nil || loc.Local.Path != target || loc.LastTest == nil || !loc.LastTest.OK {
		t.Fatalf("saved = %+v", loc)
	}
}

// TestAccessibleInputEnds stops with ErrInputEnded, not a default answer,
// when the input runs out, and saves nothing.
func TestAccessibleInputEnds(t *testing.T) {
	tests := []struct {
		name  string
		input string
	}{
		{"nothing", ""},
		{"after the name", "nas\n"},
		{"last line without a newline", "nas\n5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			opts, cfg := accessibleOptions(t, tt.input, &out)
			res, err := RunWizard(context.Background(), opts)
			if !errors.Is(err, ErrInputEnded) {
				t.Fatalf("err = %v, want ErrInputEnded\n%s", err, out.String())
			}
			if res.Saved {
				t.Fatal("saved although the input ended")
			}
			if _, err := os.Stat(cfg); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("locations file written: %v", err)
			}
		})
	}
}

// TestAccessibleSecretNeverEchoed types an Azure connection string and
// checks the output never repeats its key.
func TestAccessibleSecretNeverEchoed(t *testing.T) {
	conn := "DefaultEndpointsProtocol=https;AccountName=acmestorage;AccountKey=" + fixtureAccountKey + ";EndpointSuffix=core.windows.net"
	input := strings.Join([]string{"az", "4", "call-recordings", conn, "", "n", "n"}, "\n") + "\n"
	var out bytes.Buffer
	opts, _ := accessibleOptions(t, input, &out)
	opts.Open = func(context.Context, config.Location) (providers.Provider, error) {
		return nil, errors.New("not reachable in this test")
	}
	_, err := RunWizard(context.Background(), opts)
	if !errors.Is(err, ErrInputEnded) {
		t.Fatalf("err = %v\n%s", err, out.String())
	}
	text := out.String()
	if !strings.Contains(text, "Azure SAS") || !strings.Contains(text, "The test could not run") {
		t.Fatalf("did not reach the policies and test:\n%s", text)
	}
	if strings.Contains(text, fixtureAccountKey[:12]) {
		t.Fatalf("output shows the account key:\n%s", text)
	}
}

// TestAccessiblePolicyHardening: accessible mode says, before each
// document that creates the bucket, how it protects it, a line per choice.
func TestAccessiblePolicyHardening(t *testing.T) {
	var out bytes.Buffer
	opts := Options{File: fixtureFile(), Platform: fixturePlatform, EditName: "acme-recordings", In: strings.NewReader("n\n"),
		Out: &out, Save: config.Save, Now: func() time.Time { return fixedNow }}
	w, err := newWizard(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Goto(wizard.StepPolicies); err != nil {
		t.Fatal(err)
	}
	a := &accessible{ctx: t.Context(), opts: opts, w: w, in: newLineReader(opts.In), out: &out}
	if err := a.policies(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	line := "  Versioning: a replaced or deleted recording is kept 30 days (s3.versioning)"
	if n := strings.Count(text, line); n != 3 {
		t.Errorf("the versioning line is there %d times, want 3 (CloudFormation, Terraform, AWS CLI):\n%s", n, text)
	}
	perm := text[strings.Index(text, "--- Permissions"):strings.Index(text, "--- end of Permissions")]
	if strings.Contains(perm, "How it protects the bucket") {
		t.Errorf("the permissions policy claims to protect the bucket:\n%s", perm)
	}
}

// TestAccessibleKeepsTheDraft: input that ends mid-flow keeps the draft;
// the next run offers it, resumes it on the step it was left on and
// saving removes it; a discard asks first (issue 10 §4).
func TestAccessibleKeepsTheDraft(t *testing.T) {
	target := t.TempDir()
	var out bytes.Buffer
	opts, cfg := accessibleOptions(t, "nas-archive\n5\n", &out)
	opts.DraftPath = config.DraftPath(cfg)
	if _, err := RunWizard(context.Background(), opts); !errors.Is(err, ErrInputEnded) {
		t.Fatalf("RunWizard: %v\n%s", err, out.String())
	}
	d, err := config.LoadDraft(opts.DraftPath)
	if err != nil || d == nil || d.Values["name"] != "nas-archive" || d.Step != "where" {
		t.Fatalf("draft after the input ended: %+v %v\n%s", d, err, out.String())
	}

	out.Reset()
	opts.In = strings.NewReader(strings.Join([]string{"1", target, "1", "n"}, "\n") + "\n")
	res, err := RunWizard(context.Background(), opts)
	if err != nil || !res.Saved {
		t.Fatalf("resume: %+v %v\n%s", res, err, out.String())
	}
	if !strings.Contains(out.String(), "Resume unsaved location?") || !strings.Contains(out.String(), `"nas-archive"`) {
		t.Errorf("no offer to resume:\n%s", out.String())
	}
	if _, err := os.Stat(opts.DraftPath); !os.IsNotExist(err) {
		t.Errorf("the saved location's draft is still there: %v", err)
	}

	// Discard: asked, then gone.
	if err := config.SaveDraft(opts.DraftPath, *d); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	opts.In = strings.NewReader("2\ny\n")
	_, _ = RunWizard(context.Background(), opts)
	if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), "This loses everything typed for this location") {
		t.Errorf("the discard question does not say what is lost:\n%s", out.String())
	}
	if _, err := os.Stat(opts.DraftPath); !os.IsNotExist(err) {
		t.Errorf("the discarded draft is still there: %v", err)
	}
}

// TestAccessibleDoneExportsConfig: after saving, accessible mode offers the
// config file, with the default path and the redacted/complete choice
// (issue 10 §1).
func TestAccessibleDoneExportsConfig(t *testing.T) {
	target, dir := t.TempDir(), t.TempDir()
	file := filepath.Join(dir, "nas.yaml")
	input := strings.Join([]string{"nas-archive", "5", target, "1", "n", "y", "2", file}, "\n") + "\n"
	var out bytes.Buffer
	opts, _ := accessibleOptions(t, input, &out)
	res, err := RunWizard(context.Background(), opts)
	if err != nil || !res.Saved {
		t.Fatalf("RunWizard: %+v %v\n%s", res, err, out.String())
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	if !strings.Contains(text, "[./stowage-nas-archive.yaml]") || !strings.Contains(text, `Wrote location "nas-archive" to `+file+" as YAML (mode 0600), complete") {
		t.Fatalf("no config export:\n%s", out.String())
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v", file, st, err)
	}
}

// TestAccessibleDetectsThePrincipal: on a new file accessible mode offers
// to detect the platform principal on a role location's Access step, and
// the trust policy names it (issue 10 §2).
func TestAccessibleDetectsThePrincipal(t *testing.T) {
	const detected = "arn:aws:iam::555566667777:root"
	// Region 25: "detect from the bucket" is 1, eu-west-1 the 24th region.
	input := strings.Join([]string{"acme", "1", "n", "acme-call-recordings", "25", "", "arn:aws:iam::444455556666:role/StowageExport", "y"}, "\n") + "\n"
	var out bytes.Buffer
	opts, _ := accessibleOptions(t, input, &out)
	opts.DetectPrincipal = func(context.Context, config.Platform, string) (string, error) { return detected, nil }
	if _, err := RunWizard(context.Background(), opts); !errors.Is(err, ErrInputEnded) {
		t.Fatalf("RunWizard: %v\n%s", err, out.String())
	}
	text := strings.Join(strings.Fields(out.String()), " ")
	if !strings.Contains(text, "Platform principal: "+detected+" (detected") || !strings.Contains(text, `"AWS": "`+detected+`"`) {
		t.Fatalf("no detected principal in the trust policy:\n%s", out.String())
	}
}

// --accessible offers saving with a failed test as its own choice, says
// what fails first, and saves the failed result with the location
// (issue 10 §5).
func TestAccessibleSaveWithFailedTest(t *testing.T) {
	target := t.TempDir()
	input := strings.Join([]string{
		"nas", "5", target,
		"3", // Save with the failed test (after Test again, Continue to the review anyway)
		"2", // No, keep fixing: the test runs again
		"3", // Save with the failed test
		"1", // Save with the failed test
		"n", // no export now
	}, "\n") + "\n"
	var out bytes.Buffer
	opts, cfg := accessibleOptions(t, input, &out)
	failing := []providers.Check{
		{ID: "folder", Title: "Folder exists", Status: providers.StatusPass},
		{ID: "put", Title: "Write a test file", Status: providers.StatusFail, Detail: "permission denied"},
	}
	opts.Open = func(context.Context, config.Location) (providers.Provider, error) {
		return reporter{checks: failing}, nil
	}
	res, err := RunWizard(context.Background(), opts)
	if err != nil && !errors.Is(err, ErrInputEnded) {
		t.Fatalf("RunWizard: %v\n%s", err, out.String())
	}
	text := out.String()
	if !res.Saved || !strings.Contains(text, "1 of 2 checks failed: Write a test file — permission denied") || strings.Count(text, "Save nas with the failed test?") != 2 {
		t.Fatalf("result %+v:\n%s", res, text)
	}
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if loc, ok := f.Find("nas"); !ok || loc.LastTest == nil || loc.LastTest.OK {
		t.Fatalf("saved = %+v", loc)
	}
}

// TestAccessibleScreenShareTypedIdentifier: in screen-share mode the
// line-by-line wizard prints a typed role ARN masked once taken (the
// terminal does not echo it: it is asked like a password on a tty), and
// the message refusing a bad one does not quote its account digits.
func TestAccessibleScreenShareTypedIdentifier(t *testing.T) {
	const detected = "arn:aws:iam::555566667777:root"
	input := strings.Join([]string{"acme", "1", "n", "acme-call-recordings", "25", "",
		"arn:aws:iam::37051284619:role/StowageExport", // 11 digits: refused
		"arn:aws:iam::370512846193:role/StowageExport", "y"}, "\n") + "\n"
	var out bytes.Buffer
	opts, _ := accessibleOptions(t, input, &out)
	opts.ScreenShare = true
	opts.DetectPrincipal = func(context.Context, config.Platform, string) (string, error) { return detected, nil }
	if _, err := RunWizard(context.Background(), opts); !errors.Is(err, ErrInputEnded) {
		t.Fatalf("RunWizard: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, never := range []string{"37051", "55556666"} {
		if strings.Contains(text, never) {
			t.Errorf("the output shows %q:\n%s", never, text)
		}
	}
	for _, want := range []string{"account must be exactly 12 digits (got \"•••••••••••\")",
		"Role ARN: arn:aws:iam::••••••••6193:role/StowageExport"} {
		if !strings.Contains(text, want) {
			t.Errorf("the output does not show %q:\n%s", want, text)
		}
	}
}

// TestAccessibleInputEndsAtEachPromptType: input that ends at a select, a
// yes/no question or a text prompt, right after an answer the prompt
// refused, stops with ErrInputEnded naming that prompt: no panic (huh's
// select indexed its options with the refused answer), no answer taken
// for the user (huh's confirm took "no"), and what was typed is kept in
// the draft.
func TestAccessibleInputEndsAtEachPromptType(t *testing.T) {
	tests := []struct {
		name, input, prompt string
		draftName           string
	}{
		{"select, a word", "nas\nacme\n", "Type", "nas"},
		{"select, a word without a newline", "nas\nacme", "Type", "nas"},
		{"select, a number too large", "nas\n9\n", "Type", "nas"},
		{"select, zero", "nas\n0\n", "Type", "nas"},
		{"select, nothing", "nas\n", "Type", "nas"},
		{"yes/no, a word", "nas\n1\nmaybe\n", "Change the advanced settings?", "nas"},
		{"yes/no, nothing", "nas\n1\n", "Change the advanced settings?", "nas"},
		{"text, refused", "Bad Name!\n", "Name", "Bad Name!"},
		{"text, nothing", "", "Name", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			opts, cfg := accessibleOptions(t, tt.input, &out)
			opts.DraftPath = config.DraftPath(cfg)
			var res Result
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("panic: %v\n%s", p, out.String())
					}
				}()
				res, err = RunWizard(context.Background(), opts)
			}()
			var ended *InputEndedError
			if !errors.As(err, &ended) || !errors.Is(err, ErrInputEnded) {
				t.Fatalf("err = %v, want an InputEndedError\n%s", err, out.String())
			}
			if ended.Prompt != tt.prompt {
				t.Errorf("the input ended at %q, want %q (%v)", ended.Prompt, tt.prompt, err)
			}
			if !strings.Contains(err.Error(), `the input ended at "`+tt.prompt+`"`) || !strings.Contains(err.Error(), "nothing was saved") {
				t.Errorf("message %q does not name the prompt and say nothing was saved", err)
			}
			if res.Saved {
				t.Fatal("saved although the input ended")
			}
			if _, err := os.Stat(cfg); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("locations file written: %v", err)
			}
			d, derr := config.LoadDraft(opts.DraftPath)
			if tt.draftName == "" {
				if d != nil {
					t.Errorf("a draft was kept with nothing typed: %+v", d)
				}
				return
			}
			if derr != nil || d == nil || d.Values["name"] != tt.draftName {
				t.Fatalf("draft = %+v, %v; want the name %q kept\n%s", d, derr, tt.draftName, out.String())
			}
			if !strings.Contains(err.Error(), opts.DraftPath) {
				t.Errorf("message %q does not say where the unsaved location is kept", err)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe to read while the wizard writes it.
type syncBuffer = testenv.SyncBuffer

// TestAccessibleInterruptedAtPrompt: ctrl+c (the root's context
// cancelled) while a prompt waits for a line ends the wizard at once with
// the context's error, keeping the draft; it waited for another line, and
// then for a valid one.
func TestAccessibleInterruptedAtPrompt(t *testing.T) {
	for _, at := range []struct{ name, typed, prompt string }{
		{"text", "", "Name [(empty)]: "},
		{"select", "nas\n", "Enter a number between 1 and 5: "},
		{"yes/no", "nas\n1\n", "Change the advanced settings? [y/N] "},
	} {
		t.Run(at.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			defer pw.Close()
			var out syncBuffer
			opts, cfg := accessibleOptions(t, "", nil)
			opts.In, opts.Out, opts.DraftPath = pr, &out, config.DraftPath(cfg)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := RunWizard(ctx, opts)
				done <- err
			}()
			if _, err := io.WriteString(pw, at.typed); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for !strings.HasSuffix(out.String(), at.prompt) {
				if time.Now().After(deadline) {
					t.Fatalf("never asked %q:\n%s", at.prompt, out.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want context.Canceled", err)
				}
			case <-time.After(3 * time.Second):
				t.Fatalf("still waiting for a line 3 s after the interrupt:\n%s", out.String())
			}
			d, _ := config.LoadDraft(opts.DraftPath)
			if at.typed != "" && (d == nil || d.Values["name"] != "nas") {
				t.Errorf("draft = %+v, want the name kept", d)
			}
		})
	}
}

// TestAccessibleSecretFromAPipe: a secret given on a pipe (a descriptor,
// not a terminal) is read as a line like any answer. huh's unechoed prompt
// failed there without reading, and the secret's line went to the next
// prompt.
func TestAccessibleSecretFromAPipe(t *testing.T) {
	secret := "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	input := strings.Join([]string{"k1", "2", "n", "acme-call-recordings", "", "", "AKIAIOSFODNN7EXAMPLE", secret}, "\n") + "\n"
	go func() {
		_, _ = io.WriteString(pw, input)
		pw.Close()
	}()
	var out bytes.Buffer
	opts, _ := accessibleOptions(t, "", &out)
	opts.In = pr
	_, err = RunWizard(context.Background(), opts)
	var ended *InputEndedError
	if !errors.As(err, &ended) {
		t.Fatalf("err = %v\n%s", err, out.String())
	}
	if ended.Prompt == "Secret access key" || strings.Contains(out.String(), "secret access key: ") {
		t.Errorf("the secret was not taken from the pipe (ended at %q):\n%s", ended.Prompt, out.String())
	}
	if strings.Contains(out.String(), secret[:12]) {
		t.Errorf("the output shows the secret:\n%s", out.String())
	}
	t.Logf("ended at %q", ended.Prompt)
}
