package tui

import (
	"bytes"
	"errors"
	"image/color"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/wizard"
)

func TestChooseClipboard(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		unsupported bool
		want        clipMethod
	}{
		{"desktop", nil, false, clipNative},
		{"desktop inside tmux", map[string]string{"TMUX": "/tmp/tmux-1000/default,1,0"}, false, clipNative},
		{"desktop without a clipboard tool", nil, true, clipOSC52},
		{"no tool, inside tmux", map[string]string{"TMUX": "x"}, true, clipOSC52Tmux},
		{"ssh tty", map[string]string{"SSH_TTY": "/dev/pts/3"}, false, clipOSC52},
		{"ssh connection only", map[string]string{"SSH_CONNECTION": "10.0.0.2 51000 10.0.0.1 22"}, false, clipOSC52},
		{"ssh inside tmux", map[string]string{"SSH_TTY": "/dev/pts/3", "TMUX": "x"}, false, clipOSC52Tmux},
		{"ssh, no tool", map[string]string{"SSH_CONNECTION": "a b c d"}, true, clipOSC52},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chooseClipboard(func(k string) string { return tt.env[k] }, tt.unsupported)
			if got != tt.want {
				t.Fatalf("chooseClipboard = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestColorProfile(t *testing.T) {
	color := []string{"TERM=xterm-256color", "COLORTERM=truecolor", "CLICOLOR_FORCE=1"}
	tests := []struct {
		name string
		env  []string
		want colorprofile.Profile
	}{
		{"colour terminal", color, colorprofile.TrueColor},
		{"NO_COLOR=1", append(color, "NO_COLOR=1"), colorprofile.Ascii},
		{"NO_COLOR=yes", append(color, "NO_COLOR=yes"), colorprofile.Ascii},
		{"NO_COLOR empty", append(color, "NO_COLOR="), colorprofile.TrueColor},
		{"not a terminal", []string{"TERM=xterm-256color"}, colorprofile.NoTTY},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := colorProfile(&bytes.Buffer{}, tt.env); got != tt.want {
				t.Fatalf("colorProfile = %v, want %v", got, tt.want)
			}
		})
	}
}

// colourCodes: see testenv.ColourCodes.
var colourCodes = testenv.ColourCodes

// TestNoColor runs the program with a colour terminal's environment, with
// and without NO_COLOR, and looks for colour codes in what it wrote.
func TestNoColor(t *testing.T) {
	base := []string{"TERM=xterm-256color", "COLORTERM=truecolor", "CLICOLOR_FORCE=1"}
	tests := []struct {
		name       string
		env        []string
		wantColour bool
	}{
		{"colour", base, true},
		{"NO_COLOR=1", append(base, "NO_COLOR=1"), false},
		{"NO_COLOR=true-ish word", append(base, "NO_COLOR=please"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{File: fixtureFile(), Platform: fixturePlatform, Env: tt.env, Now: func() time.Time { return fixedNow }, Save: config.Save}
			w, err := newWizard(opts)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{m: newModel(t.Context(), opts, w, lookupEnv(tt.env), false, nil)}
			var out bytes.Buffer
			tm := teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(80, 24), teatest.WithProgramOptions(
				tea.WithEnvironment(tt.env), tea.WithColorProfile(colorProfile(&out, tt.env)),
			))
			s := &session{t: t, tm: tm, rec: rec}
			s.waitFor("Export locations")
			s.press("down", "enter") // a form with a focused field
			s.waitFor("› Name *")
			// Wait until the terminal got the focused form, which has bold
			// labels, before leaving.
			var seen []byte
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
				seen = b
				return bytes.Contains(b, []byte("Name")) && (bytes.Contains(b, []byte("\x1b[1m")) || bytes.Contains(b, []byte(";1m")) || bytes.Contains(b, []byte("\x1b[1;")))
			}, teatest.WithDuration(5*time.Second))
			s.press("ctrl+c")
			tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
			rest, err := readAll(tm.FinalOutput(t))
			if err != nil {
				t.Fatal(err)
			}
			raw := string(seen) + rest
			codes := colourCodes(raw)
			if tt.wantColour && len(codes) == 0 {
				t.Fatalf("no colour codes in the output of a colour terminal; the test cannot see colour:\n%q", raw)
			}
			if !tt.wantColour && len(codes) > 0 {
				t.Fatalf("NO_COLOR output has colour codes %q", codes[:min(5, len(codes))])
			}
			if !tt.wantColour && !strings.Contains(raw, "\x1b[1m") && !strings.Contains(raw, "\x1b[1;") && !strings.Contains(raw, ";1m") {
				t.Fatalf("NO_COLOR output lost bold too; emphasis must stay:\n%q", raw)
			}
		})
	}
}

func readAll(r interface{ Read([]byte) (int, error) }) (string, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r)
	return b.String(), err
}

// TestHelpFollowsFocus checks that the help line offers the keys of the
// focused field and nothing else.
func TestHelpFollowsFocus(t *testing.T) {
	tests := []struct {
		name        string
		edit        string
		step        wizard.Step
		keys        []string
		screenShare bool
		want        []string
		notWant     []string
	}{
		{"text field", "acme-recordings", wizard.StepWhere, nil, false,
			[]string{"tab/↓ next field", "enter next", "esc back"}, []string{"↑/↓ choose", "space toggle", "ctrl+r"}},
		{"list", "acme-recordings", wizard.StepWhere, []string{"tab"}, false,
			[]string{"↑/↓ choose", "tab next field"}, []string{"tab/↓ next field", "ctrl+r"}},
		{"advanced line", "acme-recordings", wizard.StepWhere, []string{"tab", "tab", "tab"}, false,
			[]string{"space show advanced"}, []string{"↑/↓ choose"}},
		{"switch", "acme-recordings", wizard.StepWhere, []string{"tab", "tab", "tab", "space", "tab", "tab", "tab", "tab"}, false,
			[]string{"space toggle"}, []string{"↑/↓ choose", "ctrl+r"}},
		{"secret", "acme-keys", wizard.StepAccess, []string{"tab"}, false,
			[]string{"ctrl+r reveal"}, []string{"↑/↓ choose"}},
		{"secret revealed", "acme-keys", wizard.StepAccess, []string{"tab", "ctrl+r"}, false,
			[]string{"ctrl+r hide"}, nil},
		{"secret in screen-share mode", "acme-keys", wizard.StepAccess, []string{"tab"}, true,
			[]string{"tab/↓ next field"}, []string{"ctrl+r", "reveal"}},
		{"failed check with a fix", "acme-recordings", wizard.StepTest, nil, false,
			[]string{"enter continue", "e go to field", "f apply fix", "r retry"}, nil},
		{"passed check", "acme-recordings", wizard.StepTest, []string{"up"}, false,
			[]string{"enter continue", "r retry"}, []string{"go to field", "apply fix"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := editing(t, tt.edit, tt.step, tt.screenShare)
			if tt.step == wizard.StepTest {
				send(m, testDoneMsg{run: m.tests().run, report: providers.Report{Started: fixedNow, Checks: sampleChecks()}})
			}
			press(m, tt.keys...)
			h := ansi.Strip(m.helpView())
			for _, w := range tt.want {
				if !strings.Contains(h, w) {
					t.Errorf("help %q lacks %q", h, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(h, w) {
					t.Errorf("help %q has %q", h, w)
				}
			}
		})
	}
}

// TestSecretNeverShown types a secret and looks at every screen it can
// appear on: masked without a length, revealed only on request and never
// in screen-share mode.
func TestSecretNeverShown(t *testing.T) {
	const secret = "Zx9/secretSECRETsecretSECRETsecret123456"
	tests := []struct {
		name        string
		screenShare bool
	}{
		{"normal", false},
		{"screen-share", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := editing(t, "acme-keys", wizard.StepAccess, tt.screenShare)
			press(m, "tab", "ctrl+u")
			empty := screen(m)
			typeText(m, "x")
			one := screen(m)
			press(m, "ctrl+u")
			typeText(m, secret)
			long := screen(m)
			if strings.Count(empty, "(empty)") < 1 || !strings.Contains(long, config.RedactedSecret) {
				t.Fatalf("secret field does not say (empty) / set:\n%s\n%s", empty, long)
			}
			// The validation message may name a length rule; the input
			// itself must look the same whatever the length.
			if a, b := inputLine(one), inputLine(long); a != b || a == "" {
				t.Fatalf("the secret input differs between a 1- and a %d-character secret (length leak): %q vs %q", len(secret), a, b)
			}
			var frames []string
			frames = append(frames, long)
			press(m, "ctrl+r")
			revealed := screen(m)
			if tt.screenShare == strings.Contains(revealed, secret) {
				t.Fatalf("after ctrl+r, secret shown = %v in screen-share = %v:\n%s", strings.Contains(revealed, secret), tt.screenShare, revealed)
			}
			if !tt.screenShare {
				press(m, "ctrl+r")
			}
			for _, step := range []wizard.Step{wizard.StepPolicies, wizard.StepReview} {
				if err := m.w.Goto(step); err != nil {
					t.Fatal(err)
				}
				_ = m.enterStep()
				frames = append(frames, screen(m))
			}
			frames = append(frames, screen(m))
			for i, f := range frames {
				if strings.Contains(f, secret) || strings.Contains(f, secret[:10]) {
					t.Fatalf("frame %d shows the secret:\n%s", i, f)
				}
				if tt.screenShare && !strings.Contains(f, "SCREEN-SHARE MODE: secrets hidden") {
					t.Fatalf("frame %d has no banner:\n%s", i, f)
				}
			}
		})
	}
}

// TestScreenShareFlowNeverShowsSecret types an access key pair in a real
// program in screen-share mode and checks every frame it drew.
func TestScreenShareFlowNeverShowsSecret(t *testing.T) {
	const secret = "s3cr3tKEYs3cr3tKEYs3cr3tKEYs3cr3tKEY/+ab"
	s := startSession(t, Options{ScreenShare: true, ConfigPath: filepath.Join(t.TempDir(), "l.yaml")}, nil)
	s.waitFor("Name *")
	s.typeText("keys")
	s.press("enter")
	s.waitFor("Amazon S3 — access keys")
	s.press("down", "enter")
	s.waitFor("› Bucket *")
	s.typeText("acme-keys-bucket")
	s.press("enter")
	s.typeText("us-west-1")
	s.waitFor("› ● us-west-1")
	s.press("enter", "enter", "enter")
	s.waitFor("› Access key ID *")
	s.typeText("AKIAIOSFODNN7EXAMPLE")
	s.press("enter")
	s.waitFor("› Secret access key *")
	s.typeText(secret)
	s.press("ctrl+r")
	s.waitFor(config.RedactedSecret)
	s.press("enter", "enter")
	s.waitFor("Policies to apply")
	s.press("ctrl+c")
	s.waitFor("Discard unsaved changes?")
	s.press("y")
	res := s.result()
	if res.Saved {
		t.Fatalf("result = %+v after discarding", res)
	}
	for i, f := range s.rec.all() {
		if strings.Contains(f, secret[:12]) {
			t.Fatalf("frame %d shows the secret:\n%s", i, f)
		}
		if strings.Contains(f, "AKIAIOSFODNN7EXAMPLE") && !strings.Contains(f, "› Access key ID") {
			t.Fatalf("frame %d shows the access key ID unmasked away from its input:\n%s", i, f)
		}
	}
}

func TestApplyFixAndJump(t *testing.T) {
	t.Run("f applies the detected region and tests again", func(t *testing.T) {
		m := editing(t, "acme-recordings", wizard.StepTest, false)
		run := m.tests().run
		send(m, testDoneMsg{run: run, report: providers.Report{Started: fixedNow, Checks: sampleChecks()}})
		press(m, "f")
		f, _ := m.w.Field("region")
		if f.Value != "eu-central-1" {
			t.Fatalf("region = %q after f, want eu-central-1", f.Value)
		}
		if !m.tests().running || m.tests().run != run+1 || m.w.Step() != wizard.StepTest {
			t.Fatalf("test not restarted: running=%v run=%d step=%s", m.tests().running, m.tests().run, m.w.Step())
		}
	})
	t.Run("e jumps to the field behind a failed check", func(t *testing.T) {
		m := editing(t, "acme-recordings", wizard.StepTest, false)
		send(m, testDoneMsg{run: m.tests().run, report: providers.Report{Started: fixedNow, Checks: sampleChecks()}})
		press(m, "e")
		if m.w.Step() != wizard.StepWhere || m.formNow().focus != "region" {
			t.Fatalf("step = %s, focus = %q; want where/region", m.w.Step(), m.formNow().focus)
		}
		if !strings.Contains(screen(m), "› Region *") {
			t.Fatalf("region not focused on screen:\n%s", screen(m))
		}
	})
	t.Run("enter continues from a failed check as from any other", func(t *testing.T) {
		m := editing(t, "acme-recordings", wizard.StepTest, false)
		send(m, testDoneMsg{run: m.tests().run, report: providers.Report{Started: fixedNow, Checks: sampleChecks()}})
		press(m, "enter")
		if m.w.Step() != wizard.StepReview {
			t.Fatalf("step = %s after enter on a failed check; want review", m.w.Step())
		}
	})
	t.Run("a late result of an abandoned test is dropped", func(t *testing.T) {
		m := editing(t, "acme-recordings", wizard.StepTest, false)
		old := m.tests().run
		press(m, "esc")
		send(m, testDoneMsg{run: old, report: providers.Report{Started: fixedNow, Checks: sampleChecks()}})
		if _, ok := m.w.TestReport(); ok {
			t.Fatal("a report of a test the user left was recorded")
		}
	})
	t.Run("detect from the bucket applies the fix without a key", func(t *testing.T) {
		m := editing(t, "acme-recordings", wizard.StepWhere, false)
		press(m, "tab")
		typeText(m, "detect")
		press(m, "up", "up", "up")
		if !m.w.Detecting() {
			t.Fatalf("detect not chosen:\n%s", screen(m))
		}
		if err := m.w.Goto(wizard.StepTest); err != nil {
			t.Fatal(err)
		}
		_ = m.enterStep()
		run := m.tests().run
		send(m, testDoneMsg{run: run, report: providers.Report{Started: fixedNow, Checks: sampleChecks()}})
		f, _ := m.w.Field("region")
		if f.Value != "eu-central-1" || m.w.Detecting() || m.tests().run != run+1 {
			t.Fatalf("region = %q, detecting = %v, run = %d; want eu-central-1 applied and a new test", f.Value, m.w.Detecting(), m.tests().run)
		}
	})
}

func TestSaveDocument(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	m := editing(t, "acme-recordings", wizard.StepPolicies, false)
	run := func(cmd tea.Cmd) {
		t.Helper()
		if cmd == nil {
			t.Fatalf("no write started; status %q", m.status)
		}
		send(m, cmd())
	}
	press(m, "s")
	if !m.pols().prompting || m.pols().path.Value() != "./acme-recordings-permissions.json" {
		t.Fatalf("prompt = %v %q", m.pols().prompting, m.pols().path.Value())
	}
	_, cmd := m.Update(keyMsg("enter"))
	run(cmd)
	path := filepath.Join(dir, "acme-recordings-permissions.json")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Fatalf("mode = %v, want 0644", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if d, _ := m.pols().current(); string(data) != d.Text {
		t.Fatal("saved file differs from the document")
	}
	if !strings.Contains(m.status, "Saved") {
		t.Fatalf("status = %q", m.status)
	}

	// A second save to the same name asks before replacing it.
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	press(m, "s")
	_, cmd = m.Update(keyMsg("enter"))
	if cmd != nil || !strings.Contains(m.status, "exists") {
		t.Fatalf("no warning before replacing: status %q", m.status)
	}
	_, cmd = m.Update(keyMsg("enter"))
	run(cmd)
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Fatalf("replaced file mode = %v", st.Mode().Perm())
	}

	// A folder that does not exist is an error that names it.
	press(m, "s", "ctrl+u")
	typeText(m, "./missing/doc.json")
	_, cmd = m.Update(keyMsg("enter"))
	run(cmd)
	if !m.statusBad || !strings.Contains(m.status, "does not exist") {
		t.Fatalf("status = %q", m.status)
	}
	if _, err := os.Stat("missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a folder was created")
	}
}

func TestQuit(t *testing.T) {
	t.Run("nothing typed quits at once", func(t *testing.T) {
		m := newTestModel(t, Options{Platform: fixturePlatform})
		_, cmd := m.Update(keyMsg("ctrl+c"))
		if !m.quitting || cmd == nil {
			t.Fatal("ctrl+c on an untouched draft did not quit")
		}
	})
	t.Run("unsaved input asks first", func(t *testing.T) {
		m := newTestModel(t, Options{Platform: fixturePlatform})
		typeText(m, "half")
		press(m, "ctrl+c")
		if m.quitting || m.w.Step() != wizard.StepConfirmDiscard {
			t.Fatalf("quitting=%v step=%s", m.quitting, m.w.Step())
		}
		press(m, "n")
		if m.w.Step() != wizard.StepName || m.formNow().inputs["name"].Value() != "half" {
			t.Fatalf("n did not return to the input: step %s", m.w.Step())
		}
		press(m, "ctrl+c", "y")
		if !m.quitting {
			t.Fatal("y did not quit")
		}
	})
}

// TestResize redraws at other sizes: every line fits and the screen fills
// the height.
func TestResize(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {100, 30}, {60, 20}} {
		m := editing(t, "acme-recordings", wizard.StepPolicies, false)
		send(m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for _, s := range []wizard.Step{wizard.StepWhere, wizard.StepAccess, wizard.StepPolicies, wizard.StepReview} {
			if err := m.w.Goto(s); err != nil {
				t.Fatal(err)
			}
			_ = m.enterStep()
			out := screen(m)
			if n := strings.Count(out, "\n") + 1; n != size[1] {
				t.Errorf("%dx%d %s: %d lines", size[0], size[1], s, n)
			}
			for i, l := range strings.Split(out, "\n") {
				if displayWidth(l) > size[0] {
					t.Errorf("%dx%d %s: line %d is %d wide", size[0], size[1], s, i+1, displayWidth(l))
				}
			}
		}
	}
}

// inputLine is the line of a screen that shows the secret input's state.
func inputLine(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, config.RedactedSecret) && strings.Contains(l, ">") {
			return l
		}
	}
	return ""
}

// TestBackgroundPicksPalette switches to the light palette when the
// terminal reports a light background, and back.
func TestBackgroundPicksPalette(t *testing.T) {
	m := newTestModel(t, Options{Platform: fixturePlatform})
	if !m.st.isDark {
		t.Fatal("the palette before any answer should be the dark one")
	}
	send(m, tea.BackgroundColorMsg{Color: color.White})
	if m.st.isDark {
		t.Fatal("a white background kept the dark palette")
	}
	light := m.render()
	send(m, tea.BackgroundColorMsg{Color: color.Black})
	if !m.st.isDark {
		t.Fatal("a black background kept the light palette")
	}
	if ansi.Strip(light) != ansi.Strip(m.render()) {
		t.Fatal("the palette changed the text, not only its colours")
	}
}

// TestQuestionMarkTogglesFullHelp: ? shows every key of the screen with
// all the keys each answers to, and hides them again; where keys type
// text, ? is text.
func TestQuestionMarkTogglesFullHelp(t *testing.T) {
	m := newTestModel(t, Options{File: fixtureFile(), Platform: fixturePlatform})
	short := ansi.Strip(m.helpView())
	if !strings.Contains(short, "? keys") || strings.Contains(short, "enter/e") {
		t.Fatalf("short help %q", short)
	}
	press(m, "?")
	full := ansi.Strip(m.helpView())
	for _, want := range []string{"enter/e", "a/n", "d/delete", "↑/k", "q/ctrl+c", "fewer keys"} {
		if !strings.Contains(full, want) {
			t.Errorf("full help lacks %q:\n%s", want, full)
		}
	}
	for _, l := range strings.Split(screen(m), "\n") {
		if displayWidth(l) > 80 {
			t.Errorf("line wider than the screen: %q", l)
		}
	}
	press(m, "?")
	if got := ansi.Strip(m.helpView()); got != short {
		t.Errorf("help after ? twice = %q, want %q", got, short)
	}

	// On the Name field ? is a character of the name.
	m = newTestModel(t, Options{Platform: fixturePlatform})
	typeText(m, "a?")
	if f, _ := m.w.Field("name"); f.Value != "a?" || strings.Contains(ansi.Strip(m.helpView()), "? keys") {
		t.Errorf("name = %q, help %q; want ? typed and not offered", f.Value, ansi.Strip(m.helpView()))
	}
}
