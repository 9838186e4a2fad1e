// Package progressui holds what the progress screens of `stowage export`
// (tui/exportui) and `stowage download` (tui/downloadui) share: the text
// helpers their frames are laid out with, the frame fitting, the
// non-blocking event feed from an engine to the program, the run loop
// scaffolding (program options, signals, colours), the layout with its
// styles, bars and in-flight list, the stop keys and helpers for the
// screens' tests. It knows nothing of either engine, so neither screen's
// package reaches into the other.
package progressui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stowage-dev/stowage/internal/humanize"
)

// Rows is how many lines a frame may have on a terminal height lines
// tall: the height less the line the cursor rests on below the frame, and
// never fewer than five.
func Rows(height int) int { return max(height, 6) - 1 }

// Frame joins lines and resume into the frame's text: every line of lines
// cut to w columns and lines cut to fit rows together with resume. The
// resume command is never cut: a word too long for a line is left for the
// terminal to wrap, which copies back as one line.
func Frame(lines, resume []string, w, rows int) string {
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	if h := rows - len(resume); len(lines) > h {
		lines = lines[:max(h, 1)]
	}
	// The frame ends with a newline: Bubble Tea erases the line the cursor
	// is left on when it exits, which must not be the summary's last line.
	return strings.Join(append(lines, resume...), "\n") + "\n"
}

// Plural is "1 one" or "n many".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Spread puts left and right on one line of width w.
func Spread(left, right string, w int) string {
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return left + " " + right
	}
	return left + strings.Repeat(" ", gap) + right
}

// TruncLeft keeps the end of s (the file name) within w columns.
func TruncLeft(s string, w int) string {
	if n := ansi.StringWidth(s); n > w {
		return ansi.TruncateLeft(s, n-w+1, "…")
	}
	return s
}

// PadRight pads s with spaces on the right to w columns.
func PadRight(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

// PadLeft pads s with spaces on the left to w columns.
func PadLeft(s string, w int) string {
	return strings.Repeat(" ", max(0, w-ansi.StringWidth(s))) + s
}

// OneLine folds an error message onto one line.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// WrapIndent wraps s, folded onto one line first, to width w with indent
// before every line.
func WrapIndent(s string, w int, indent string) []string {
	var out []string
	for _, l := range strings.Split(ansi.Wrap(OneLine(s), w-len(indent), " "), "\n") {
		out = append(out, indent+l)
	}
	return out
}

// WrapLines wraps s, folded onto one line first, to width w (at least 10);
// with limit > 0 it keeps at most limit lines, the last cut with "…".
func WrapLines(s string, w, limit int) []string {
	lines := strings.Split(ansi.Wrap(OneLine(s), max(w, 10), " "), "\n")
	if limit > 0 && len(lines) > limit {
		rest := strings.Join(lines[limit-1:], " ")
		lines = append(lines[:limit-1], ansi.Truncate(rest, max(w, 10), "…"))
	}
	return lines
}

// ShellLines breaks a shell command into lines of at most w columns at
// word boundaries, each continued with " \", so pasting them runs the
// command. A single word longer than a line is left whole for the same
// reason.
func ShellLines(cmd string, w int, indent string) []string {
	var out []string
	cur := ""
	for _, word := range shellWords(cmd) {
		switch {
		case cur == "":
			cur = word
		case ansi.StringWidth(cur)+1+ansi.StringWidth(word)+2 <= w-len(indent):
			cur += " " + word
		default:
			out = append(out, indent+cur+" \\")
			cur = word
		}
	}
	if cur != "" {
		out = append(out, indent+cur)
	}
	return out
}

// shellWords splits a command at spaces outside single quotes, keeping the
// quotes, so a quoted path with spaces stays one word.
func shellWords(cmd string) []string {
	var words []string
	var cur strings.Builder
	quoted, escaped := false, false
	for _, r := range cmd {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && !quoted:
			escaped = true
		case r == '\'':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}

// BytesOf renders done of size as "300.0/900.0 MiB", or with both units
// when they differ ("512 B/1.0 KiB").
func BytesOf(done, size int64) string {
	d, s := humanize.Bytes(done), humanize.Bytes(size)
	dn, du, _ := strings.Cut(d, " ")
	sn, su, _ := strings.Cut(s, " ")
	if du == su {
		return dn + "/" + sn + " " + su
	}
	return d + "/" + s
}

// ErrText is err's message, or "unknown error" for nil.
func ErrText(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// PathLines shows paths, which are there to be copied, beside the label
// name (label renders it; the paths start at column beside) when every
// one fits there. Otherwise the label stands alone and each path follows
// on lines of its own from the first column, so that a path as long as a
// default journal folder's under a home folder stays on one line and a
// mouse selection copies it whole; only a path wider than the screen (w)
// is broken.
func PathLines(label func(string) string, name string, paths []string, w, beside int) []string {
	fits := true
	for _, p := range paths {
		if ansi.StringWidth(p) > w-beside {
			fits = false
		}
	}
	var lines []string
	if fits {
		for i, p := range paths {
			lab := label("")
			if i == 0 {
				lab = label(name)
			}
			lines = append(lines, lab+" "+p)
		}
		return lines
	}
	lines = append(lines, label(name))
	for _, p := range paths {
		lines = append(lines, strings.Split(ansi.Hardwrap(p, w, true), "\n")...)
	}
	return lines
}
