package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// Markers of a scrolled screen: whatever does not fit is announced on a
// row of its own, never cut silently.
const (
	moreAbove = "  ↑ more above"
	moreBelow = "  ↓ more below"
)

// window shows lines in height rows from line off, with a "more above"
// row when lines before off are hidden and a "more below" row when lines
// after the last shown are. The markers take rows of their own, so no
// line is hidden under one. It returns the rows and off clamped to the
// lines (0 when everything fits).
func window(lines []string, off, height int, muted lipgloss.Style) (string, int) {
	height = max(height, 2)
	if len(lines) <= height {
		return strings.Join(lines, "\n"), 0
	}
	// At the end only the top marker is needed.
	off = max(0, min(off, len(lines)-(height-1)))
	room := height
	var out []string
	if off > 0 {
		out = append(out, muted.Render(moreAbove))
		room--
	}
	end := off + room
	below := end < len(lines)
	if below {
		end--
	}
	out = append(out, lines[off:end]...)
	if below {
		out = append(out, muted.Render(moreBelow))
	}
	return strings.Join(out, "\n"), off
}

// follow returns the offset closest to off at which window shows the
// lines top to bottom-1 (a selected row), whatever markers it adds; a row
// taller than the room shows its start.
func follow(off, top, bottom, height int) int {
	// With both markers the lines shown are off to off+height-2.
	if bottom > off+height-2 {
		off = bottom - (height - 2)
	}
	if top < off {
		off = top
	}
	return max(0, off)
}
