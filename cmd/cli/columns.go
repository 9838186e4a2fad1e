package cli

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
)

// outputWidth is the width a table printed to w must fit: the terminal's
// when w is one, else $COLUMNS when set, else 0 (no limit: a pipe or a
// file gets whole values).
func outputWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(f.Fd()) {
		if width, _, err := term.GetSize(f.Fd()); err == nil && width > 0 {
			return width
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 0
}

// columns lays rows (the first is the header) out as columns two spaces
// apart, without trailing spaces, one line per row.
func columns(rows [][]string) []string {
	if len(rows) == 0 {
		return nil
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], ansi.StringWidth(c))
		}
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
			}
		}
		out = append(out, strings.TrimRight(line.String(), " "))
	}
	return out
}

// fits reports whether every line is at most width cells (0: no limit).
func fits(lines []string, width int) bool {
	for _, l := range lines {
		if width > 0 && ansi.StringWidth(l) > width {
			return false
		}
	}
	return true
}

// cut shortens s to width display cells, marking the cut with "…": in the
// middle, keeping both ends (a path's or an ARN's ends say the most).
func cut(s string, width int) string {
	if width <= 0 || ansi.StringWidth(s) <= width {
		return s
	}
	if width <= 1 {
		return "…"
	}
	head := (width - 1) / 2
	tail := width - 1 - head
	r := []rune(s)
	end := len(r)
	for end > 0 && ansi.StringWidth(string(r[end-1:])) <= tail {
		end--
	}
	return ansi.Truncate(s, head, "") + "…" + string(r[end:])
}
