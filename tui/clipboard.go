package tui

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/atotto/clipboard"
	"github.com/charmbracelet/x/ansi"
	"github.com/stowage-dev/stowage/internal/humanize"
)

// clipMethod is how a document reaches the user's clipboard.
type clipMethod int

const (
	// clipNative runs the desktop's clipboard tool (xclip, xsel, wl-copy,
	// pbcopy, clip.exe) through atotto/clipboard.
	clipNative clipMethod = iota
	// clipOSC52 asks the terminal to set its clipboard (OSC 52), which
	// works over SSH because the terminal is on the user's desk.
	clipOSC52
	// clipOSC52Tmux is OSC 52 inside tmux: what reaches the terminal
	// depends on tmux's set-clipboard and allow-passthrough (clipRoute).
	clipOSC52Tmux
)

// osc52Limit is the size above which some terminals drop or cut OSC 52
// writes (several cap the sequence near 8 KB once base64 encoded).
const osc52Limit = 8 * 1024

// chooseClipboard decides how to copy. getenv reads the environment and
// nativeUnsupported is atotto/clipboard's Unsupported (no clipboard tool
// found). Over SSH the desktop tool would write the remote machine's
// clipboard, which the user cannot paste from, so OSC 52 wins there.
func chooseClipboard(getenv func(string) string, nativeUnsupported bool) clipMethod {
	if !overSSH(getenv) && !nativeUnsupported {
		return clipNative
	}
	if getenv("TMUX") != "" {
		return clipOSC52Tmux
	}
	return clipOSC52
}

func overSSH(getenv func(string) string) bool {
	return getenv("SSH_TTY") != "" || getenv("SSH_CONNECTION") != ""
}

// commandRunner runs a program and returns what it printed on stdout.
type commandRunner func(ctx context.Context, name string, args ...string) (string, error)

// execRunner runs the program for real, within two seconds: a tmux that
// does not answer must not hold up the wizard's start.
func execRunner(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		err = fmt.Errorf("%s: %s", strings.Join(append([]string{name}, args...), " "), strings.TrimSpace(string(ee.Stderr)))
	}
	return string(out), err
}

// clipRoute is what the path from Stowage to the user's clipboard can
// deliver, found once when the wizard starts.
type clipRoute struct {
	method clipMethod
	// ssh: the terminal is at the other end of an SSH session, so
	// nothing here can see whether OSC 52 reached its clipboard.
	ssh bool
	// Inside tmux (method clipOSC52Tmux, or the fallback of a failing
	// desktop tool): tmux's set-clipboard ("on", "external", "off") and
	// allow-passthrough, or tmuxErr when tmux could not be asked.
	tmux         bool
	setClipboard string
	passthrough  bool
	tmuxErr      error
	// ask asks tmux again before each copy, so a user who follows the
	// fix (tmux set -g set-clipboard on) is told the new truth.
	ask commandRunner
}

// detectClipboard finds the route. run asks tmux its settings (inside
// tmux only); nil means tmux cannot be asked from here (stowage serve:
// the tmux would be the server's, not the user's).
func detectClipboard(ctx context.Context, getenv func(string) string, nativeUnsupported bool, run commandRunner) clipRoute {
	r := clipRoute{method: chooseClipboard(getenv, nativeUnsupported), ssh: overSSH(getenv), tmux: getenv("TMUX") != "", ask: run}
	return r.refresh(ctx)
}

// refresh asks tmux its settings now (inside tmux only).
func (r clipRoute) refresh(ctx context.Context) clipRoute {
	if !r.tmux {
		return r
	}
	r.setClipboard, r.passthrough, r.tmuxErr = "", false, nil
	run := r.ask
	if run == nil {
		r.tmuxErr = errors.New("tmux is on the other end of the SSH session")
		return r
	}
	sc, err := run(ctx, "tmux", "show", "-gv", "set-clipboard")
	if err != nil {
		r.tmuxErr = err
		return r
	}
	pt, err := run(ctx, "tmux", "show", "-gv", "allow-passthrough")
	if err != nil {
		r.tmuxErr = err
		return r
	}
	r.setClipboard = strings.TrimSpace(sc)
	// tmux 3.4 adds "all" (invisible panes too).
	r.passthrough = strings.TrimSpace(pt) == "on" || strings.TrimSpace(pt) == "all"
	return r
}

// delivery is what happened to a copy, as far as Stowage can know.
type delivery int

const (
	// deliveredNative: the desktop tool took it; confirmed.
	deliveredNative delivery = iota
	// deliveredOSC52: sent to a local terminal; it may ignore OSC 52.
	deliveredOSC52
	// deliveredOSC52SSH: sent to a terminal at the far end of SSH.
	deliveredOSC52SSH
	// deliveredTmuxBuffer: set-clipboard on, tmux keeps it in a buffer
	// and forwards it to the terminal it runs in.
	deliveredTmuxBuffer
	// deliveredTmuxPassthrough: allow-passthrough on, the wrapped
	// sequence goes past tmux to the terminal.
	deliveredTmuxPassthrough
	// deliveredTmuxUnknown: tmux could not be asked; both forms sent.
	deliveredTmuxUnknown
	// deliveredNowhere: this tmux drops what a program asks it to copy
	// (set-clipboard external or off, allow-passthrough off).
	deliveredNowhere
)

// osc52Plan is what to write to the terminal for route r (OSC 52 bare,
// wrapped in tmux's passthrough, both or nothing), and what that delivers.
func (r clipRoute) osc52Plan(text string) (string, delivery) {
	bare := ansi.SetSystemClipboard(text)
	wrapped := ansi.TmuxPassthrough(bare)
	switch {
	case !r.tmux && r.ssh:
		return bare, deliveredOSC52SSH
	case !r.tmux:
		return bare, deliveredOSC52
	case r.tmuxErr != nil:
		return bare + wrapped, deliveredTmuxUnknown
	case r.setClipboard == "on":
		// tmux takes the bare sequence into a buffer and forwards it;
		// the wrapped one too would set the clipboard twice.
		return bare, deliveredTmuxBuffer
	case r.passthrough:
		// set-clipboard external or off: tmux ignores a program's
		// OSC 52, only the passthrough form gets by.
		return wrapped, deliveredTmuxPassthrough
	}
	return "", deliveredNowhere
}

// copiedMsg reports a finished copy. Update writes send (the OSC 52
// sequence, if any) through the program's output.
type copiedMsg struct {
	delivery delivery
	// what names the value copied ("the external ID"); "" for a document.
	what  string
	bytes int
	send  string
	// fallback is the native tool's error when OSC 52 was tried instead.
	fallback error
	// tmuxErr is why tmux could not be asked (deliveredTmuxUnknown).
	tmuxErr error
	// setClipboard is tmux's setting when it dropped the copy.
	setClipboard string
}

// copyCmd copies text, named what ("" for the document), by route r. A
// failing desktop tool falls back to OSC 52, and the status line says so.
func copyCmd(ctx context.Context, text, what string, r clipRoute) tea.Cmd {
	osc52 := func(fallback error) copiedMsg {
		r = r.refresh(ctx)
		send, d := r.osc52Plan(text)
		return copiedMsg{delivery: d, what: what, bytes: len(text), send: send, fallback: fallback, tmuxErr: r.tmuxErr, setClipboard: r.setClipboard}
	}
	if r.method != clipNative {
		return func() tea.Msg { return osc52(nil) }
	}
	return func() tea.Msg {
		if err := clipboard.WriteAll(text); err != nil {
			return osc52(err)
		}
		return copiedMsg{delivery: deliveredNative, what: what, bytes: len(text)}
	}
}

// writeCmd writes the OSC 52 sequence of a copy, if any.
func (c copiedMsg) writeCmd() tea.Cmd {
	if c.send == "" {
		return nil
	}
	return tea.Raw(c.send)
}

// tmuxFix is the one command that lets programs in tmux set the
// clipboard, with the fallbacks, on one line.
const tmuxFix = "Fix: tmux set -g set-clipboard on · or: s save to a file · p plain view"

// unconfirmed ends every status whose delivery nothing here can check,
// with the fallbacks on a line of their own.
const unconfirmed = "delivery cannot be confirmed.\n" + fallbacks

// fallbacks are the two ways to a document that need no clipboard.
const fallbacks = "If the paste is empty: s save to a file · p plain view"

// copyStatus is the status line after a copy: what reached where, whether
// that is confirmed, and what to do when it did not arrive. bad is true
// when nothing was copied.
func copyStatus(c copiedMsg) (s string, bad bool) {
	what := plural(c.bytes, "byte")
	if c.what != "" {
		what = c.what + " (" + what + ")"
	}
	switch c.delivery {
	case deliveredNative:
		return fmt.Sprintf("Copied %s to the clipboard.", what), false
	case deliveredOSC52:
		s = fmt.Sprintf("Sent %s to the terminal's clipboard (OSC 52); %s", what, unconfirmed)
	case deliveredOSC52SSH:
		s = fmt.Sprintf("Sent %s over SSH to your terminal's clipboard (OSC 52); %s", what, unconfirmed)
	case deliveredTmuxBuffer:
		s = fmt.Sprintf("Sent %s to tmux's buffer (paste with prefix ]) and forwarded to your terminal; %s", what, unconfirmed)
	case deliveredTmuxPassthrough:
		s = fmt.Sprintf("Sent %s through tmux's passthrough to your terminal; %s", what, unconfirmed)
	case deliveredTmuxUnknown:
		s = fmt.Sprintf("Sent %s through tmux, whose settings could not be read (%s); %s", what, firstLine(c.tmuxErr.Error()), unconfirmed)
	case deliveredNowhere:
		sc := c.setClipboard
		if sc == "" {
			sc = "off"
		}
		s = fmt.Sprintf("Not copied: tmux ignores a program's clipboard requests (set-clipboard %s, allow-passthrough off).\n%s", sc, tmuxFix)
		bad = true
	}
	if c.fallback != nil {
		s = "No clipboard tool worked; " + lowerFirst(s)
	}
	if !bad && c.bytes > osc52Limit {
		// Before the fallbacks, which stay the last line.
		s = strings.Replace(s, "\n"+fallbacks, " Some terminals cap OSC 52 near 8 KB and cut the paste short.\n"+fallbacks, 1)
	}
	return s, bad
}

// plural is n with unit agreeing with it ("1 byte", "2 bytes").
func plural(n int, unit string) string { return humanize.Count(n, unit) }

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}
