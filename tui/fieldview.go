package tui

import (
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/textinput"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/wizard"
)

// The full-screen renderer of wizard fields; accessible.go has the
// line-by-line one. Both draw from wizard.Field alone: its Kind, Options,
// Detect, Filter and OptionHelp say how, never its ID.

// view renders the form into its height, scrolled so the focused field is
// in view.
func (fs *formScreen) view() string {
	st, height := fs.st, fs.height
	var lines []string
	top, bottom := 0, 0
	for _, it := range fs.items() {
		start := len(lines)
		fs.anchorTop, fs.anchorBottom, fs.anchorNote = -1, -1, -1
		lines = append(lines, strings.Split(fs.renderItem(it), "\n")...)
		lines = append(lines, "")
		if it.f.ID == fs.focus {
			top, bottom = start, len(lines)-1
			if fs.anchorTop >= 0 {
				// A long list scrolls to its highlighted option, not to
				// the whole list.
				top, bottom = start+1+fs.anchorTop, start+1+fs.anchorBottom
			}
			if fs.anchorNote >= 0 {
				// The outcome of a region probe is the news: keep it in
				// view too.
				bottom = max(bottom, start+fs.anchorNote)
			}
		}
	}
	if len(lines) > 0 {
		lines = lines[:len(lines)-1]
	}
	// Keep the focused field in view, moving as little as possible and
	// leaving room for the "more" markers on the first and last lines.
	off := fs.scroll.offset()
	if bottom > off+height-1 {
		off = bottom - (height - 1)
	}
	if top < off+1 {
		off = top - 1
	}
	vis, off := fs.scroll.slice(lines, max(0, min(off, max(0, len(lines)-height))), height)
	if off > 0 && len(vis) > 0 {
		vis[0] = st.muted.Render(moreAbove)
	}
	if off+len(vis) < len(lines) && len(vis) > 0 {
		vis[len(vis)-1] = st.muted.Render(moreBelow)
	}
	return strings.Join(vis, "\n")
}

// renderItem draws one field: the label line, the value or list, the
// error and warnings, and the help of the focused field.
func (fs *formScreen) renderItem(it formItem) string {
	st, width, w := fs.st, fs.width, fs.w
	focused := it.f.ID == fs.focus
	marker := "  "
	ls := st.label
	if focused {
		marker = "› "
		ls = st.focused
	}
	if it.fold {
		label := "▸ Advanced settings (space to show)"
		if fs.showAdvanced {
			label = "▾ Advanced settings"
		}
		return ls.Render(marker + label)
	}
	f := it.f
	var b strings.Builder
	label := f.Label
	if f.Required {
		label += " *"
	}
	switch {
	case f.ReadOnly:
		b.WriteString(ls.Render(marker+label) + "\n")
		b.WriteString("  " + st.mark.Render(" "+w.DisplayValue(f)+" "))
	case f.Kind == wizard.KindBool:
		box := "[ ]"
		if f.Value == "true" {
			box = "[x]"
		}
		b.WriteString(ls.Render(marker + box + " " + label))
	case f.Kind == wizard.KindSelect:
		if !focused {
			b.WriteString(ls.Render(marker+label+": ") + st.value.Render(fs.displaySelect(f)))
			break
		}
		b.WriteString(ls.Render(marker+label) + "\n")
		b.WriteString(fs.renderList(f))
	case f.Kind == wizard.KindSecret:
		b.WriteString(ls.Render(marker+label) + "\n")
		in := fs.input(f)
		state, _ := shownValue(w, f)
		switch {
		case in == nil || !(focused || fs.revealed[f.ID]):
			b.WriteString("    " + st.value.Render(state))
		case fs.revealed[f.ID] && !fs.opts.ScreenShare:
			b.WriteString("  " + in.View())
		default:
			b.WriteString("  " + in.View() + " " + st.muted.Render(state))
		}
	default:
		b.WriteString(ls.Render(marker+label) + "\n")
		if in := fs.input(f); in != nil {
			if focused {
				b.WriteString("  " + fs.echo(in, f))
			} else {
				v, empty := shownValue(w, f)
				if empty {
					v = st.muted.Render(v)
				}
				b.WriteString("    " + v)
			}
		}
	}
	if f.Detect {
		fs.detectLines(&b, focused)
	}
	// An error or warning may quote the value it is about (the account
	// ID of a role ARN), so it is masked like the value.
	if f.Err != nil {
		b.WriteString("\n" + indent(wrap(st.err, "✗ "+w.DisplayError(f.Err), width-4), "    "))
	}
	for _, wn := range f.Warnings {
		b.WriteString("\n" + indent(wrap(st.warn, "! "+w.DisplayText(wn), width-4), "    "))
	}
	if focused && f.Help != "" {
		b.WriteString("\n" + indent(wrap(st.muted, f.Help, width-4), "    "))
	}
	return b.String()
}

// echo draws the focused input of f as it draws itself, or for an
// identifier on a shared screen (MaskTyping) with the wizard's masked form
// of what it holds in its place, in a copy of the input so the text typed
// stays whole. What is being typed (changed since the field took the
// focus) shows no last characters: they would change with every key. The cursor stays where it is in an ARN, masked rune for
// rune, and else goes to the end: its place would tell the length that
// the masked form hides.
func (fs *formScreen) echo(in *textinput.Model, f wizard.Field) string {
	if !f.MaskTyping {
		return in.View()
	}
	typed := in.Value()
	shown, v := *in, fs.w.TypingValue(f, typed, fs.typedIn == f.ID)
	shown.SetValue(v)
	if utf8.RuneCountInString(v) == utf8.RuneCountInString(typed) {
		shown.SetCursor(in.Position())
	} else {
		shown.CursorEnd()
	}
	return shown.View()
}

// displaySelect is the chosen option of an unfocused list.
func (fs *formScreen) displaySelect(f wizard.Field) string {
	if f.Detect && fs.w.Detecting() {
		return "detect from the bucket"
	}
	v := fs.w.DisplayValue(f)
	if v == "" {
		for _, o := range f.Options {
			if o.Value == "" {
				return o.Label
			}
		}
		return "(not chosen)"
	}
	return v
}

// renderList draws the options of the focused select field: each with
// the line on when to pick it where the field has those, and a window of
// listRows around the cursor, under its filter, for a long list.
func (fs *formScreen) renderList(f wizard.Field) string {
	st, width := fs.st, fs.width
	opts := fs.options(f)
	var b strings.Builder
	if f.Filter {
		b.WriteString("    " + fs.filter.View() + "\n")
	}
	from, to := 0, len(opts)
	if len(opts) > listRows {
		from = max(0, fs.cursor-listRows/2)
		to = min(len(opts), from+listRows)
		from = max(0, to-listRows)
	}
	if from > 0 {
		b.WriteString(st.muted.Render("      ↑ "+plural(from, "more option")) + "\n")
	}
	sel := fs.selectedValue(f)
	for i := from; i < to; i++ {
		o := opts[i]
		dot := "○"
		if o.Value == sel && (sel != "" || i == fs.cursor) {
			dot = "●"
		}
		row := dot + " " + o.Label
		if i == fs.cursor {
			fs.anchorTop = strings.Count(b.String(), "\n")
			b.WriteString("  " + st.selected.Render("› "+row) + "\n")
		} else {
			b.WriteString("    " + row + "\n")
		}
		if o.Help != "" && f.OptionHelp {
			b.WriteString(indent(wrap(st.muted, o.Help, width-6), "      ") + "\n")
		}
		if i == fs.cursor {
			fs.anchorBottom = strings.Count(b.String(), "\n")
		}
	}
	if to < len(opts) {
		b.WriteString(st.muted.Render("      ↓ "+plural(len(opts)-to, "more option")) + "\n")
	}
	if matched := len(opts) - len(fs.options(wizard.Field{Detect: f.Detect})); f.Filter && matched == 0 {
		b.WriteString(st.muted.Render("      nothing matches the filter") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// detectLines adds to the field in b what detection says: the spinner
// while a probe runs, else the last outcome while it still applies (with
// a symbol as well as a colour, so it reads without colour), and on an
// unfocused field that the test will detect the region.
func (fs *formScreen) detectLines(b *strings.Builder, focused bool) {
	st, w := fs.st, fs.w
	note, bad := "", false
	if w.DetectRunning() {
		note = fs.probe.spin.View() + " detecting the bucket's region…"
	} else if n, ok := w.RegionNote(); ok {
		bad = n.Bad
		switch {
		case n.Bad:
			note = "✗ " + n.Text
		case n.Pending:
			note = "• " + n.Text
		default:
			note = "✓ " + n.Text
		}
	}
	if note != "" {
		ns := st.ok
		switch {
		case bad:
			ns = st.err
		case w.Detecting():
			ns = st.muted
		}
		b.WriteString("\n" + indent(wrap(ns, note, fs.width-4), "    "))
		// The line after the note, as a list's anchor ends after its
		// row: the last line shown may become a "more below" marker.
		fs.anchorNote = strings.Count(b.String(), "\n") + 1
	}
	if w.Detecting() && !focused && (note == "" || bad) {
		b.WriteString("\n" + wrap(st.muted, "    The connection test will detect the bucket's region and set it.", fs.width))
	}
}

// shownValue is a field's value as both front ends show it: masked by the
// wizard, "(empty)" when there is none (empty is then set).
func shownValue(w *wizard.Wizard, f wizard.Field) (text string, empty bool) {
	if f.Value == "" {
		return "(empty)", true
	}
	if f.Kind == wizard.KindSecret {
		return config.RedactedSecret, false
	}
	if v := w.DisplayValue(f); v != "" {
		return v, false
	}
	return "(empty)", true
}
