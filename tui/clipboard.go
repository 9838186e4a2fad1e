package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/atotto/clipboard"
	"github.com/charmbracelet/x/ansi"
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
	// clipOSC52Tmux is OSC 52 inside tmux: the sequence is sent both
	// plainly (tmux's set-clipboard handles it) and wrapped in tmux's
	// passthrough (for allow-passthrough), because which of the two a
	// given tmux honours depends on its configuration.
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
	ssh := getenv("SSH_TTY") != "" || getenv("SSH_CONNECTION") != ""
	if !ssh && !nativeUnsupported {
		return clipNative
	}
	if getenv("TMUX") != "" {
		return clipOSC52Tmux
	}
	return clipOSC52
}

// osc52Cmd sends text to the terminal clipboard.
func osc52Cmd(text string, m clipMethod) tea.Cmd {
	if m == clipOSC52Tmux {
		// Bubble Tea's SetClipboard writes the bare sequence; tmux only
		// forwards it with set-clipboard on, so also send the passthrough
		// form, which needs allow-passthrough on.
		return tea.Sequence(tea.SetClipboard(text), tea.Raw(ansi.TmuxPassthrough(ansi.SetSystemClipboard(text))))
	}
	return tea.SetClipboard(text)
}

// copiedMsg reports a finished copy.
type copiedMsg struct {
	method clipMethod
	bytes  int
	// fallback is the native tool's error when OSC 52 was used instead.
	fallback error
}

// copyCmd copies text by method. A failing desktop tool falls back to
// OSC 52, and the status line says so.
func copyCmd(text string, method clipMethod, tmux bool) tea.Cmd {
	if method != clipNative {
		return tea.Batch(osc52Cmd(text, method), func() tea.Msg {
			return copiedMsg{method: method, bytes: len(text)}
		})
	}
	return func() tea.Msg {
		if err := clipboard.WriteAll(text); err != nil {
			fb := clipOSC52
			if tmux {
				fb = clipOSC52Tmux
			}
			return copiedFallbackMsg{copiedMsg{method: fb, bytes: len(text), fallback: err}, text}
		}
		return copiedMsg{method: clipNative, bytes: len(text)}
	}
}

// copiedFallbackMsg asks Update to send text by OSC 52 after the desktop
// tool failed; the write itself must go through the program's output.
type copiedFallbackMsg struct {
	copiedMsg
	text string
}

// copyStatus is the status line after a copy: how, how many bytes, and a
// warning when OSC 52 may have been cut short.
func copyStatus(c copiedMsg) string {
	var s string
	switch c.method {
	case clipNative:
		s = fmt.Sprintf("Copied %s to the clipboard.", plural(c.bytes, "byte"))
	case clipOSC52:
		s = fmt.Sprintf("Sent %s to the terminal's clipboard (OSC 52).", plural(c.bytes, "byte"))
	case clipOSC52Tmux:
		s = fmt.Sprintf("Sent %s to the terminal's clipboard through tmux (OSC 52).", plural(c.bytes, "byte"))
	}
	if c.fallback != nil {
		s = "No clipboard tool worked; " + lowerFirst(s)
	}
	if c.method != clipNative && c.bytes > osc52Limit {
		s += " Some terminals cap OSC 52 near 8 KB: if the paste is cut short, press s to save to a file or p for the plain view."
	}
	return s
}

func plural(n int, unit string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", unit)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}
