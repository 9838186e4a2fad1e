package tui

import (
	"strings"

	"charm.land/bubbles/v2/viewport"
	"charm.land/lipgloss/v2"
)

// Markers of a scrolled screen: whatever does not fit is announced on a
// row of its own, never cut silently.
const (
	moreAbove = "  ↑ more above"
	moreBelow = "  ↓ more below"
)

// scroller shows the lines of a screen that fit, through a viewport that
// keeps the offset and cuts the lines; what the viewport does not do is
// here: the "more" markers, and following a selected row.
type scroller struct {
	vp viewport.Model
}

func newScroller() scroller { return scroller{vp: viewport.New()} }

// offset is the first line shown.
func (s *scroller) offset() int { return s.vp.YOffset() }

// slice returns the height lines from off (clamped to the lines) as the
// viewport cuts them, and the offset it kept.
func (s *scroller) slice(lines []string, off, height int) ([]string, int) {
	s.vp.SetContentLines(lines)
	s.vp.SetWidth(max(1, maxLineWidth(strings.Join(lines, "\n"))))
	s.vp.SetHeight(max(1, height))
	s.vp.SetYOffset(off)
	off = s.vp.YOffset()
	var out []string
	if len(lines) > 0 {
		for i, l := range strings.Split(s.vp.View(), "\n") {
			if off+i >= len(lines) {
				break
			}
			// The viewport pads every line to its width; the screen does
			// not.
			if orig := lines[off+i]; strings.HasPrefix(l, orig) {
				l = orig
			}
			out = append(out, l)
		}
	}
	return out, off
}

// window shows lines in height rows from line off, with a "more above"
// row when lines before off are hidden and a "more below" row when lines
// after the last shown are. The markers take rows of their own, so no
// line is hidden under one. The offset it keeps is off clamped to the
// lines (0 when everything fits).
func (s *scroller) window(lines []string, off, height int, muted lipgloss.Style) string {
	height = max(height, 2)
	if len(lines) <= height {
		s.slice(lines, 0, height)
		return strings.Join(lines, "\n")
	}
	// At the end only the top marker is needed.
	off = max(0, min(off, len(lines)-(height-1)))
	room := height
	var out []string
	if off > 0 {
		out = append(out, muted.Render(moreAbove))
		room--
	}
	below := off+room < len(lines)
	if below {
		room--
	}
	shown, _ := s.slice(lines, off, room)
	out = append(out, shown...)
	if below {
		out = append(out, muted.Render(moreBelow))
	}
	return strings.Join(out, "\n")
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

// setHeight gives vp height rows and clamps its offset to the new room:
// the viewport keeps its offset by itself, so a window that grows would
// otherwise stay scrolled with empty rows below the text (issue 10 §6).
func setHeight(vp *viewport.Model, height int) {
	vp.SetHeight(height)
	vp.SetYOffset(vp.YOffset())
}
