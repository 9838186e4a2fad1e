package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"
	"github.com/stowage-dev/stowage/wizard"
)

// fakeTmux answers `tmux show -gv NAME` from opts, or fails with err.
func fakeTmux(opts map[string]string, err error) (commandRunner, *[]string) {
	var calls []string
	return func(_ context.Context, name string, args ...string) (string, error) {
		calls = append(calls, name+" "+strings.Join(args, " "))
		if err != nil {
			return "", err
		}
		if name != "tmux" || len(args) != 3 || args[0] != "show" || args[1] != "-gv" {
			return "", fmt.Errorf("unexpected command %s %v", name, args)
		}
		v, ok := opts[args[2]]
		if !ok {
			return "", fmt.Errorf("invalid option: %s", args[2])
		}
		return v + "\n", nil
	}, &calls
}

// TestDetectClipboard covers every combination of desktop tool, SSH,
// tmux and tmux's two settings, with tmux's answers injected.
func TestDetectClipboard(t *testing.T) {
	inTmux := map[string]string{"TMUX": "/tmp/tmux-0/default,1,0"}
	sshTmux := map[string]string{"TMUX": "/tmp/tmux-0/default,1,0", "SSH_TTY": "/dev/pts/3"}
	ssh := map[string]string{"SSH_CONNECTION": "a b c d"}
	broken := errors.New("tmux show -gv set-clipboard: no server running on /tmp/tmux-0/default")
	tests := []struct {
		name         string
		env          map[string]string
		unsupported  bool
		setClipboard string // "" when tmux is not asked
		passthrough  string
		runErr       error
		nilRunner    bool
		wantMethod   clipMethod
		want         delivery // of OSC 52 (the fallback when native)
		wantSeq      string   // "bare", "wrapped", "both", ""
		wantAsked    bool
	}{
		{name: "desktop", want: deliveredOSC52, wantSeq: "bare", wantMethod: clipNative},
		{name: "no tool, local terminal", unsupported: true, wantMethod: clipOSC52, want: deliveredOSC52, wantSeq: "bare"},
		{name: "ssh", env: ssh, wantMethod: clipOSC52, want: deliveredOSC52SSH, wantSeq: "bare"},
		{name: "tmux defaults", env: inTmux, unsupported: true, setClipboard: "external", passthrough: "off",
			wantMethod: clipOSC52Tmux, want: deliveredNowhere, wantSeq: "", wantAsked: true},
		{name: "tmux set-clipboard off", env: inTmux, unsupported: true, setClipboard: "off", passthrough: "off",
			wantMethod: clipOSC52Tmux, want: deliveredNowhere, wantSeq: "", wantAsked: true},
		{name: "tmux set-clipboard on", env: inTmux, unsupported: true, setClipboard: "on", passthrough: "off",
			wantMethod: clipOSC52Tmux, want: deliveredTmuxBuffer, wantSeq: "bare", wantAsked: true},
		{name: "tmux set-clipboard on, passthrough on", env: sshTmux, setClipboard: "on", passthrough: "on",
			wantMethod: clipOSC52Tmux, want: deliveredTmuxBuffer, wantSeq: "bare", wantAsked: true},
		{name: "tmux external, passthrough on", env: sshTmux, setClipboard: "external", passthrough: "on",
			wantMethod: clipOSC52Tmux, want: deliveredTmuxPassthrough, wantSeq: "wrapped", wantAsked: true},
		{name: "tmux off, passthrough all (3.4)", env: sshTmux, setClipboard: "off", passthrough: "all",
			wantMethod: clipOSC52Tmux, want: deliveredTmuxPassthrough, wantSeq: "wrapped", wantAsked: true},
		{name: "tmux cannot be asked", env: sshTmux, runErr: broken,
			wantMethod: clipOSC52Tmux, want: deliveredTmuxUnknown, wantSeq: "both", wantAsked: true},
		{name: "served: tmux on the far side", env: sshTmux, nilRunner: true,
			wantMethod: clipOSC52Tmux, want: deliveredTmuxUnknown, wantSeq: "both"},
		{name: "desktop inside tmux defaults", env: inTmux, setClipboard: "external", passthrough: "off",
			wantMethod: clipNative, want: deliveredNowhere, wantSeq: "", wantAsked: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, calls := fakeTmux(map[string]string{"set-clipboard": tt.setClipboard, "allow-passthrough": tt.passthrough}, tt.runErr)
			if tt.nilRunner {
				run = nil
			}
			r := detectClipboard(t.Context(), func(k string) string { return tt.env[k] }, tt.unsupported, run)
			if r.method != tt.wantMethod {
				t.Errorf("method = %d, want %d", r.method, tt.wantMethod)
			}
			if asked := len(*calls) > 0; asked != tt.wantAsked {
				t.Errorf("tmux asked = %v (%v), want %v", asked, *calls, tt.wantAsked)
			}
			seq, d := r.osc52Plan("hello")
			if d != tt.want {
				t.Errorf("delivery = %d, want %d", d, tt.want)
			}
			bare := ansi.SetSystemClipboard("hello")
			wrapped := ansi.TmuxPassthrough(bare)
			wantSeq := map[string]string{"bare": bare, "wrapped": wrapped, "both": bare + wrapped, "": ""}[tt.wantSeq]
			if seq != wantSeq {
				t.Errorf("sends %q, want %s %q", seq, tt.wantSeq, wantSeq)
			}
		})
	}
}

// TestCopyStatusTellsTheTruth: every status says only what Stowage knows,
// fits 80 columns after the status marker without cutting a word, and
// gives the fallbacks wherever delivery is not confirmed.
func TestCopyStatusTellsTheTruth(t *testing.T) {
	tests := []struct {
		name    string
		msg     copiedMsg
		want    []string
		notWant []string
		bad     bool
	}{
		{"native", copiedMsg{delivery: deliveredNative, bytes: 759}, []string{"Copied 759 bytes to the clipboard."}, []string{"confirmed", "OSC 52"}, false},
		{"native external ID", copiedMsg{delivery: deliveredNative, what: "the external ID", bytes: 32}, []string{"Copied the external ID (32 bytes) to the clipboard."}, nil, false},
		{"local OSC 52", copiedMsg{delivery: deliveredOSC52, bytes: 1}, []string{"Sent 1 byte to the terminal's clipboard (OSC 52)", "delivery cannot be confirmed", "\n" + fallbacks}, nil, false},
		{"ssh", copiedMsg{delivery: deliveredOSC52SSH, bytes: 759}, []string{"over SSH", "delivery cannot be confirmed", "\n" + fallbacks}, []string{"tmux"}, false},
		{"tmux on", copiedMsg{delivery: deliveredTmuxBuffer, what: "the role ARN", bytes: 44}, []string{"Sent the role ARN (44 bytes) to tmux's buffer (paste with prefix ]) and forwarded to your terminal; delivery cannot be confirmed", "\n" + fallbacks}, nil, false},
		{"tmux passthrough", copiedMsg{delivery: deliveredTmuxPassthrough, bytes: 759}, []string{"through tmux's passthrough", "delivery cannot be confirmed"}, []string{"buffer"}, false},
		{"tmux unknown", copiedMsg{delivery: deliveredTmuxUnknown, bytes: 759, tmuxErr: errors.New("tmux: exit status 1\nmore")}, []string{"could not be read (tmux: exit status 1)", "delivery cannot be confirmed"}, []string{"more"}, false},
		{"tmux defaults", copiedMsg{delivery: deliveredNowhere, bytes: 759, setClipboard: "external"}, []string{"Not copied", "set-clipboard external, allow-passthrough off", tmuxFix}, []string{"Sent"}, true},
		{"native failed, tmux defaults", copiedMsg{delivery: deliveredNowhere, bytes: 759, setClipboard: "external", fallback: errors.New("exit 1")}, []string{"No clipboard tool worked; not copied", tmuxFix}, nil, true},
		{"big over OSC 52", copiedMsg{delivery: deliveredOSC52SSH, bytes: osc52Limit + 1}, []string{"cap OSC 52 near 8 KB"}, nil, false},
		{"big native", copiedMsg{delivery: deliveredNative, bytes: osc52Limit + 1}, nil, []string{"8 KB"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, bad := copyStatus(tt.msg)
			if bad != tt.bad {
				t.Errorf("bad = %v, want %v", bad, tt.bad)
			}
			for _, w := range tt.want {
				if !strings.Contains(s, w) {
					t.Errorf("status %q does not say %q", s, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(s, w) {
					t.Errorf("status %q says %q", s, w)
				}
			}
			wrapped := wrapText(s, 76)
			for i, l := range strings.Split(wrapped, "\n") {
				if n := ansi.StringWidth(l); n > 76 {
					t.Errorf("line %d is %d cells wide (status marker: 76 at most): %q", i+1, n, l)
				}
			}
			if strings.Join(strings.Fields(wrapped), " ") != strings.Join(strings.Fields(s), " ") {
				t.Errorf("wrapping changed the words:\n%s", wrapped)
			}
			if tt.bad && !strings.HasSuffix(wrapped, "\n"+tmuxFix) {
				t.Errorf("the fix and the fallbacks are not the last line, of their own:\n%s", wrapped)
			}
			if !tt.bad && tt.msg.delivery != deliveredNative && !strings.HasSuffix(wrapped, "\n"+fallbacks) {
				t.Errorf("the fallbacks are not the last line, of their own:\n%s", wrapped)
			}
		})
	}
}

// helperRouteEnv names the file the helper process writes its answer to.
const helperRouteEnv = "STOWAGE_TEST_CLIPROUTE_OUT"

// TestHelperClipRoute is not a test: TestClipboardRouteInRealTmux runs
// the test binary inside a tmux pane with this test selected, and it
// detects the route there, writes the answer, then sends "copied-by-test"
// as it would be sent.
func TestHelperClipRoute(t *testing.T) {
	out := os.Getenv(helperRouteEnv)
	if out == "" {
		t.Skip("runs only inside TestClipboardRouteInRealTmux")
	}
	r := detectClipboard(context.Background(), os.Getenv, true, execRunner)
	seq, d := r.osc52Plan("copied-by-test")
	s, _ := copyStatus(copiedMsg{delivery: d, bytes: 14, tmuxErr: r.tmuxErr, setClipboard: r.setClipboard})
	fmt.Print(seq)
	if err := os.WriteFile(out+".tmp", []byte(fmt.Sprintf("%d\n%s\n", d, s)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		t.Fatal(err)
	}
}

// TestClipboardRouteInRealTmux starts its own tmux server (own socket, no
// configuration file) for each pair of settings, runs the detection in a
// pane, and checks both its answer and what tmux really did with the
// copy: with set-clipboard on tmux keeps it in a buffer; with external or
// off it ignores it, as the status line then says.
func TestClipboardRouteInRealTmux(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		if testenv.InCI() {
			t.Fatalf("tmux is required for the clipboard route test under CI: %v (install the tmux package)", err)
		}
		t.Skipf("tmux not installed: %v", err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		setClipboard, passthrough string
		want                      delivery
		wantBuffer                bool
		wantStatus                string
	}{
		{"external", "off", deliveredNowhere, false, "Not copied: tmux ignores a program's clipboard requests (set-clipboard external, allow-passthrough off)."},
		{"on", "off", deliveredTmuxBuffer, true, "to tmux's buffer (paste with prefix ]) and forwarded to your terminal; delivery cannot be confirmed"},
		{"external", "on", deliveredTmuxPassthrough, false, "through tmux's passthrough to your terminal; delivery cannot be confirmed"},
		{"off", "off", deliveredNowhere, false, "(set-clipboard off, allow-passthrough off)"},
	}
	for i, tt := range tests {
		t.Run(tt.setClipboard+"/passthrough-"+tt.passthrough, func(t *testing.T) {
			socket := fmt.Sprintf("stowage-clip-%d-%d", os.Getpid(), i)
			run := func(args ...string) string {
				t.Helper()
				out, err := exec.Command(tmux, append([]string{"-L", socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
				if err != nil {
					t.Fatalf("tmux %v: %v\n%s", args, err, out)
				}
				return string(out)
			}
			run("new-session", "-d", "-x", "80", "-y", "24", "-s", "clip", "sleep 60")
			path := strings.TrimSpace(run("display-message", "-p", "#{socket_path}"))
			t.Cleanup(func() {
				_ = exec.Command(tmux, "-L", socket, "kill-server").Run()
				_ = os.Remove(path)
			})
			run("set-option", "-g", "set-clipboard", tt.setClipboard)
			run("set-option", "-g", "allow-passthrough", tt.passthrough)
			if got := strings.TrimSpace(run("show-options", "-gv", "set-clipboard")); got != tt.setClipboard {
				t.Fatalf("set-clipboard is %q after setting %q", got, tt.setClipboard)
			}
			answer := filepath.Join(t.TempDir(), "route")
			// remain-on-exit keeps the pane, so its output can be read
			// when the helper fails.
			run("set-option", "-g", "remain-on-exit", "on")
			run("new-window", "-d", "-t", "clip", "-n", "helper", "-e", helperRouteEnv+"="+answer,
				self+" -test.run=^TestHelperClipRoute$ -test.v")
			var got []byte
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				if got, err = os.ReadFile(answer); err == nil {
					break
				}
			}
			if err != nil {
				t.Fatalf("the helper in the pane wrote no answer: %v\npane:\n%s", err, run("capture-pane", "-p", "-t", "clip:helper"))
			}
			d, status, _ := strings.Cut(string(got), "\n")
			if d != fmt.Sprint(int(tt.want)) {
				t.Errorf("delivery %s, want %d; status: %s", d, tt.want, status)
			}
			if !strings.Contains(status, tt.wantStatus) {
				t.Errorf("status %q does not say %q", status, tt.wantStatus)
			}
			// What tmux really did with the sequence the helper sent (it
			// is written before the answer).
			var buffers string
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				if buffers = run("list-buffers", "-F", "#{buffer_sample}"); !tt.wantBuffer || buffers != "" {
					break
				}
			}
			if has := strings.Contains(buffers, "copied-by-test"); has != tt.wantBuffer {
				t.Errorf("tmux buffers %q: holds the copy = %v, want %v", buffers, has, tt.wantBuffer)
			}
		})
	}
}

// tmuxSays is a tmux whose settings are set-clipboard sc and
// allow-passthrough pt.
func tmuxSays(sc, pt string) commandRunner {
	run, _ := fakeTmux(map[string]string{"set-clipboard": sc, "allow-passthrough": pt}, nil)
	return run
}

// TestCopyAfterTheFix: tmux is asked again at each copy, so once the user
// follows the fix the next copy is sent and says so.
func TestCopyAfterTheFix(t *testing.T) {
	settings := map[string]string{"set-clipboard": "external", "allow-passthrough": "off"}
	run, _ := fakeTmux(settings, nil)
	m := editing(t, "acme-recordings", wizard.StepPolicies, false)
	m.clip = detectClipboard(t.Context(), func(k string) string { return map[string]string{"TMUX": "x", "SSH_TTY": "y"}[k] }, false, run)
	press(m, "right")
	if msg := copyKey(t, m, "e"); msg.delivery != deliveredNowhere || !m.statusBad {
		t.Fatalf("under tmux's defaults: delivery %d, status %q", msg.delivery, m.status)
	}
	settings["set-clipboard"] = "on" // tmux set -g set-clipboard on
	if msg := copyKey(t, m, "e"); msg.delivery != deliveredTmuxBuffer || msg.send == "" || m.statusBad {
		t.Fatalf("after the fix: delivery %d, sent %q, status %q", msg.delivery, msg.send, m.status)
	}
}

// Routes the copy tests and goldens run with.
var (
	routeTmuxDefault = clipRoute{method: clipOSC52Tmux, tmux: true, ask: tmuxSays("external", "off")}
	routeTmuxOn      = clipRoute{method: clipOSC52Tmux, tmux: true, ask: tmuxSays("on", "off")}
	routeSSH         = clipRoute{method: clipOSC52, ssh: true}
)

// copyKey presses k on m's policy screen and runs the copy it starts, as
// the program would; it returns the copy's message.
func copyKey(t *testing.T, m *model, k string) copiedMsg {
	t.Helper()
	_, cmd := m.Update(keyMsg(k))
	if cmd == nil {
		t.Fatalf("%s started no copy; help: %s", k, ansi.Strip(m.helpView()))
	}
	msg, ok := cmd().(copiedMsg)
	if !ok {
		t.Fatalf("%s: the copy reported %T", k, msg)
	}
	m.Update(msg)
	return msg
}

// TestPolicyCopyKeys: e, a and u copy the external ID, the role ARN and
// the quick-create link alone, c the document; each key is offered on
// the tabs that speak of its value; the status tells what the route
// delivers; in screen-share mode the clipboard gets the real value but the
// screen never shows it.
func TestPolicyCopyKeys(t *testing.T) {
	link, err := policies.QuickCreateURL(fixtureFile().Locations[0], fixturePlatform)
	if err != nil || link == "" {
		t.Fatalf("quick-create link: %q, %v", link, err)
	}
	tests := []struct {
		key, tab string // tab: the right presses from Permissions
		want     string // what reaches the clipboard
		status   string
		helpOn   []string // tabs (by right presses) whose help offers key
		helpOff  []string
		what     string
	}{
		{"e", "right", fixtureExternalID, "Sent the external ID (32 bytes) to tmux's buffer", []string{"right", "right right"}, []string{""}, "the external ID"},
		{"a", "", fixtureRoleARN, "Sent the role ARN (44 bytes) to tmux's buffer", []string{"", "right"}, []string{"right right"}, "the role ARN"},
		{"u", "right right", link, "Sent the quick-create link (", []string{"right right"}, []string{"", "right"}, "the quick-create link"},
	}
	helpText := map[string]string{"e": "e copy external ID", "a": "a copy role ARN", "u": "u copy link"}
	for _, screenShare := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/screen-share=%v", tt.key, screenShare), func(t *testing.T) {
				for _, tab := range tt.helpOn {
					m := editing(t, "acme-recordings", wizard.StepPolicies, screenShare)
					press(m, strings.Fields(tab)...)
					if !strings.Contains(ansi.Strip(m.helpView()), helpText[tt.key]) {
						t.Errorf("tab %q: help does not offer %q: %s", tab, helpText[tt.key], ansi.Strip(m.helpView()))
					}
				}
				for _, tab := range tt.helpOff {
					m := editing(t, "acme-recordings", wizard.StepPolicies, screenShare)
					press(m, strings.Fields(tab)...)
					if strings.Contains(ansi.Strip(m.helpView()), helpText[tt.key]) {
						t.Errorf("tab %q: help offers %q where it does not apply", tab, helpText[tt.key])
					}
					if _, cmd := m.Update(keyMsg(tt.key)); cmd != nil {
						t.Errorf("tab %q: %s started a copy where it is off", tab, tt.key)
					}
				}
				m := editing(t, "acme-recordings", wizard.StepPolicies, screenShare)
				m.clip = routeTmuxOn
				press(m, strings.Fields(tt.tab)...)
				msg := copyKey(t, m, tt.key)
				if msg.send != ansi.SetSystemClipboard(tt.want) {
					t.Errorf("sent %q, want the OSC 52 of %q", msg.send, tt.want)
				}
				if msg.what != tt.what {
					t.Errorf("copied %q, want %q", msg.what, tt.what)
				}
				out := screen(m)
				if !strings.Contains(strings.Join(strings.Fields(out), " "), tt.status) {
					t.Errorf("status does not say %q:\n%s", tt.status, out)
				}
				if screenShare && (strings.Contains(out, fixtureExternalID) || strings.Contains(out, "123456789012")) {
					t.Errorf("screen-share screen shows an identifier unmasked:\n%s", out)
				}
			})
		}
	}
	t.Run("c copies the document", func(t *testing.T) {
		m := editing(t, "acme-recordings", wizard.StepPolicies, true)
		m.clip = routeSSH
		press(m, "right")
		msg := copyKey(t, m, "c")
		d, _ := m.pols().current()
		if msg.send != ansi.SetSystemClipboard(d.Text) || !strings.Contains(d.Text, fixtureExternalID) {
			t.Errorf("c did not send the whole, unmasked trust policy")
		}
		if out := screen(m); !strings.Contains(out, "over SSH") || strings.Contains(out, fixtureExternalID) {
			t.Errorf("status or masking wrong:\n%s", out)
		}
	})
	t.Run("tmux defaults: nothing sent, bad status with the fix", func(t *testing.T) {
		m := editing(t, "acme-recordings", wizard.StepPolicies, false)
		m.clip = routeTmuxDefault
		msg := copyKey(t, m, "a")
		if msg.send != "" || msg.writeCmd() != nil {
			t.Errorf("sent %q through a tmux that drops it", msg.send)
		}
		if !m.statusBad || !strings.Contains(screen(m), "Fix: tmux set -g set-clipboard on") {
			t.Errorf("status: bad=%v\n%s", m.statusBad, screen(m))
		}
	})
}

// TestPolicyCopyReachesTheTerminal runs the program (teatest) and checks
// that the OSC 52 of the external ID is in what it wrote to the terminal.
func TestPolicyCopyReachesTheTerminal(t *testing.T) {
	m := editing(t, "acme-recordings", wizard.StepPolicies, true)
	m.clip = routeSSH
	rec := &recorder{m: m}
	tm := teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(80, 24))
	t.Cleanup(func() { _ = tm.Quit() })
	tm.Send(keyMsg("right"))
	tm.Send(keyMsg("e"))
	want := []byte(ansi.SetSystemClipboard(fixtureExternalID))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, want) }, teatest.WithDuration(5*time.Second))
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(rec.last(), "Sent the external ID"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no status:\n%s", rec.last())
		}
	}
	for _, f := range rec.all() {
		if strings.Contains(f, fixtureExternalID) {
			t.Fatalf("a screen-share frame shows the external ID:\n%s", f)
		}
	}
}
