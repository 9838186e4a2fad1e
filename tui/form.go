package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/wizard"
)

// Pseudo-field IDs of a form.
const (
	// foldID is the "advanced settings" line that shows or hides the
	// advanced fields.
	foldID = "\x00advanced"
	// detectRegion is the region list's "detect from the bucket" entry.
	detectRegion = "\x00detect"
	// detectFallback is the region a detecting draft carries until the
	// connection test finds the bucket's real one.
	detectFallback = "us-east-1"
	// listRows is how many options of a long list are shown at once.
	listRows = 6
)

// formState is the screen of a step made of fields (Name, Type, Where,
// Access). The values live in the wizard; the text inputs only hold what
// is being typed, and every change is passed to wizard.Set at once, so
// errors show as the user types.
type formState struct {
	step   wizard.Step
	inputs map[string]*textinput.Model
	// filter is the type-to-filter input of the region list.
	filter textinput.Model
	// cursor is the highlighted row of the focused list.
	cursor int
	focus  string
	// revealed secret fields show their value (never in screen-share mode).
	revealed     map[string]bool
	showAdvanced bool
	// detecting is set when the user asked to detect the region from the
	// bucket and no region was found yet: the connection test finds it
	// and the fix is applied without asking.
	detecting bool
	// note is the line under the region field (a probe running, its
	// outcome); the model sets it before drawing.
	note    string
	noteBad bool
	offset  int
	width   int
	// advanced is each field's section as the step was entered.
	advanced map[string]bool
	st       styles
	// anchorTop and anchorBottom are the lines of the highlighted option
	// in the list renderList drew last, -1 when none.
	anchorTop, anchorBottom int
	// anchorNote is the last line of the note under the item renderItem
	// drew last, from the item's first line; -1 when none.
	anchorNote int
}

// formItem is one row group of the form.
type formItem struct {
	f    wizard.Field
	fold bool // the advanced-settings line
}

func (fs *formState) restyle(st styles) {
	fs.st = st
	for _, in := range fs.inputs {
		in.SetStyles(st.input)
	}
	fs.filter.SetStyles(st.input)
}

// load builds the inputs of step from the wizard's fields and focuses the
// field the wizard asks for (a jump from a failed check), else the first.
func (fs *formState) load(w *wizard.Wizard, step wizard.Step, st styles, screenShare bool) {
	keepDetect := fs.detecting
	*fs = formState{step: step, inputs: map[string]*textinput.Model{}, revealed: map[string]bool{},
		advanced: map[string]bool{}, width: fs.width, detecting: keepDetect, st: st}
	for _, f := range w.Fields(step) {
		// Fields keep the section they had when the step was entered:
		// an endpoint typed in the advanced section stays there rather
		// than jump to the top under the cursor.
		fs.advanced[f.ID] = f.Advanced
		fs.input(f)
	}
	fs.filter = textinput.New()
	fs.filter.Prompt = "filter: "
	fs.filter.Placeholder = "type to filter, e.g. eu-"
	fs.filter.SetStyles(st.input)
	fs.filter.SetWidth(30)

	items := fs.items(w)
	fs.focus = ""
	if want := w.Focus(); want != "" {
		for _, it := range items {
			if it.f.ID == want {
				fs.focus = want
			}
		}
		if fs.focus == "" {
			// The field is folded away: unfold so the jump lands.
			fs.showAdvanced = true
			fs.focus = want
		}
	}
	if fs.focus == "" {
		if ids := fs.focusable(w); len(ids) > 0 {
			fs.focus = ids[0]
		}
	}
	fs.focusChanged(w)
}

// input returns the text input of a typed field, creating it on first
// use: a field can become typed while the step is shown (the region turns
// free text when an endpoint is set). It returns nil for other fields.
func (fs *formState) input(f wizard.Field) *textinput.Model {
	if f.ReadOnly || (f.Kind != wizard.KindText && f.Kind != wizard.KindSecret && f.Kind != wizard.KindNumber) {
		return nil
	}
	if in := fs.inputs[f.ID]; in != nil {
		return in
	}
	in := textinput.New()
	in.Prompt = "> "
	in.SetStyles(fs.st.input)
	in.SetValue(f.Value)
	in.CursorEnd()
	if f.Kind == wizard.KindSecret {
		// No echo at all, and no width: a padded input would shrink as
		// the secret grows and so tell its length.
		in.EchoMode = textinput.EchoNone
	} else {
		in.SetWidth(fs.inputWidth())
	}
	if f.ID == "region" && len(f.Options) > 0 {
		// A custom endpoint makes the region free text; the known regions
		// become suggestions.
		sugg := make([]string, len(f.Options))
		for i, o := range f.Options {
			sugg[i] = o.Value
		}
		in.ShowSuggestions = true
		in.SetSuggestions(sugg)
	}
	fs.inputs[f.ID] = &in
	return &in
}

// isAdvanced reports whether f belongs to the folded section.
func (fs *formState) isAdvanced(f wizard.Field) bool {
	if a, ok := fs.advanced[f.ID]; ok {
		return a
	}
	return f.Advanced
}

// inputWidth is the width of a text input, leaving room for the prompt.
func (fs *formState) inputWidth() int {
	w := fs.width - 8
	if w < 20 {
		w = 20
	}
	return w
}

func (fs *formState) setWidth(w int) {
	fs.width = w
	for id, in := range fs.inputs {
		if in.EchoMode == textinput.EchoNone && !fs.revealed[id] {
			continue
		}
		in.SetWidth(fs.inputWidth())
	}
}

// isDefault reports whether v is what a new draft holds, so an advanced
// field with it may stay folded.
func isDefault(v string) bool {
	switch v {
	case "", "false", "0", string(config.EncryptionNone):
		return true
	}
	return false
}

// items lists what the form shows, in order: the visible basic fields,
// then one line that folds the advanced ones away, then those advanced
// fields that are unfolded or worth showing (an error, a changed value).
func (fs *formState) items(w *wizard.Wizard) []formItem {
	var basic, adv []formItem
	hasAdvanced := false
	for _, f := range w.Fields(fs.step) {
		if !f.Visible {
			continue
		}
		if !fs.isAdvanced(f) {
			basic = append(basic, formItem{f: f})
			continue
		}
		hasAdvanced = true
		if fs.showAdvanced || f.Err != nil || !isDefault(f.Value) {
			adv = append(adv, formItem{f: f})
		}
	}
	if !hasAdvanced {
		return basic
	}
	out := append(basic, formItem{fold: true, f: wizard.Field{ID: foldID}})
	return append(out, adv...)
}

// focusable lists the IDs that take the focus, in order.
func (fs *formState) focusable(w *wizard.Wizard) []string {
	var ids []string
	for _, it := range fs.items(w) {
		if it.f.ReadOnly {
			continue
		}
		ids = append(ids, it.f.ID)
	}
	return ids
}

// current returns the focused item.
func (fs *formState) current(w *wizard.Wizard) (formItem, bool) {
	for _, it := range fs.items(w) {
		if it.f.ID == fs.focus {
			return it, true
		}
	}
	return formItem{}, false
}

// focusChanged focuses the input of the focused field and places the list
// cursor on its value.
func (fs *formState) focusChanged(w *wizard.Wizard) tea.Cmd {
	for _, in := range fs.inputs {
		in.Blur()
	}
	fs.filter.Blur()
	fs.filter.SetValue("")
	it, ok := fs.current(w)
	if !ok {
		return nil
	}
	if in := fs.input(it.f); in != nil {
		if in.Value() != it.f.Value {
			// The value changed elsewhere (a fix from the test).
			in.SetValue(it.f.Value)
			in.CursorEnd()
		}
		return in.Focus()
	}
	if it.f.Kind == wizard.KindSelect {
		fs.cursor = 0
		opts := fs.options(it.f)
		for i, o := range opts {
			if o.Value == fs.selectedValue(it.f) {
				fs.cursor = i
			}
		}
		if it.f.ID == "region" {
			return fs.filter.Focus()
		}
	}
	return nil
}

func (fs *formState) focusCmd() tea.Cmd {
	for _, in := range fs.inputs {
		if in.Focused() {
			return textinput.Blink
		}
	}
	if fs.filter.Focused() {
		return textinput.Blink
	}
	return nil
}

// selectedValue is the option value the list shows as chosen.
func (fs *formState) selectedValue(f wizard.Field) string {
	if f.ID == "region" && fs.detecting {
		return detectRegion
	}
	return f.Value
}

// options are a select field's choices as the list shows them: the region
// list gets "detect from the bucket" first and follows the filter.
func (fs *formState) options(f wizard.Field) []wizard.Option {
	if f.ID != "region" {
		return f.Options
	}
	out := []wizard.Option{{Value: detectRegion, Label: "Detect from the bucket", Help: "Asks the bucket for its region now (enter, or ctrl+d on the field)."}}
	q := strings.ToLower(strings.TrimSpace(fs.filter.Value()))
	for _, o := range f.Options {
		if q == "" || strings.Contains(strings.ToLower(o.Value+" "+o.Label), q) {
			out = append(out, o)
		}
	}
	return out
}

// move shifts the focus by delta among the focusable fields.
func (fs *formState) move(w *wizard.Wizard, delta int) tea.Cmd {
	ids := fs.focusable(w)
	if len(ids) == 0 {
		return nil
	}
	i := 0
	for j, id := range ids {
		if id == fs.focus {
			i = j
		}
	}
	i += delta
	if i < 0 || i >= len(ids) {
		return nil
	}
	fs.focus = ids[i]
	return fs.focusChanged(w)
}

// isLast reports whether the focus is on the last focusable field.
func (fs *formState) isLast(w *wizard.Wizard) bool {
	ids := fs.focusable(w)
	return len(ids) == 0 || ids[len(ids)-1] == fs.focus
}

// choose moves the list cursor of a select field and sets the value.
func (fs *formState) choose(w *wizard.Wizard, f wizard.Field, delta int) {
	opts := fs.options(f)
	if len(opts) == 0 {
		return
	}
	fs.cursor += delta
	fs.cursor = max(0, min(fs.cursor, len(opts)-1))
	fs.pick(w, f, opts[fs.cursor])
}

// pick sets a select field to o.
func (fs *formState) pick(w *wizard.Wizard, f wizard.Field, o wizard.Option) {
	if f.ID == "region" {
		fs.detecting = o.Value == detectRegion
		if fs.detecting {
			_ = w.Set(f.ID, detectFallback)
			return
		}
	}
	_ = w.Set(f.ID, o.Value)
}

// updateForm handles keys on a form step.
func (m *model) updateForm(msg tea.Msg) tea.Cmd {
	fs := &m.form
	w := m.w
	it, ok := fs.current(w)
	kp, isKey := msg.(tea.KeyPressMsg)
	if !isKey {
		// Paste and blink go to the focused input.
		return fs.updateInput(w, it, msg)
	}
	k := m.keys
	switch {
	case key.Matches(kp, k.Back):
		w.Back()
		return nil
	case key.Matches(kp, k.Reveal) && ok && it.f.Kind == wizard.KindSecret:
		fs.revealed[it.f.ID] = !fs.revealed[it.f.ID]
		if in := fs.input(it.f); in != nil {
			if fs.revealed[it.f.ID] {
				in.EchoMode = textinput.EchoNormal
				in.SetWidth(fs.inputWidth())
			} else {
				in.EchoMode = textinput.EchoNone
				in.SetWidth(0)
			}
		}
		return nil
	case key.Matches(kp, k.Unfold) && ok && it.fold:
		fs.showAdvanced = !fs.showAdvanced
		return nil
	case key.Matches(kp, k.Choose) && ok && it.f.Kind == wizard.KindSelect:
		if kp.String() == "up" {
			fs.choose(w, it.f, -1)
		} else {
			fs.choose(w, it.f, 1)
		}
		return nil
	case key.Matches(kp, k.Toggle) && ok && it.f.Kind == wizard.KindBool:
		v := "true"
		if it.f.Value == "true" {
			v = "false"
		}
		_ = w.Set(it.f.ID, v)
		return nil
	case key.Matches(kp, k.Detect) && ok && it.f.ID == "region":
		if it.f.Kind == wizard.KindSelect {
			fs.cursor = 0
		}
		return m.startDetect()
	case key.Matches(kp, k.Next) && ok && it.f.ID == "region" && it.f.Kind == wizard.KindSelect &&
		fs.onDetect(it.f) && !m.detectSettled():
		// Choosing "detect from the bucket" asks the bucket now and stays
		// on the field to show the answer; enter again moves on.
		return m.startDetect()
	case key.Matches(kp, k.NextField), key.Matches(kp, k.TabField):
		return fs.move(w, 1)
	case key.Matches(kp, k.PrevField), key.Matches(kp, k.BackTabField):
		return fs.move(w, -1)
	case key.Matches(kp, k.Next):
		if ok && it.f.Kind == wizard.KindSelect && it.f.Value == "" {
			// Enter on an untouched list picks the highlighted option.
			if opts := fs.options(it.f); len(opts) > 0 {
				fs.pick(w, it.f, opts[min(fs.cursor, len(opts)-1)])
			}
		}
		if ok && it.f.Err == nil && !fs.isLast(w) {
			if f, _ := w.Field(it.f.ID); f.Err == nil {
				return fs.move(w, 1)
			}
		}
		return m.formNext()
	}
	return fs.updateInput(w, it, msg)
}

// formNext asks the wizard to move on; on errors it focuses the first bad
// field, which shows its message.
func (m *model) formNext() tea.Cmd {
	before := m.w.Step()
	if err := m.w.Next(); err != nil {
		if m.w.Step() == before {
			if id := m.w.Focus(); id != "" {
				m.form.focus = id
				if _, ok := m.form.current(m.w); !ok {
					m.form.showAdvanced = true
				}
				m.setStatus("Fix the highlighted field to continue.", true)
				return m.form.focusChanged(m.w)
			}
			m.setStatus(firstLine(m.w.DisplayError(err)), true)
		}
	}
	return nil
}

// updateInput passes msg to the focused text input (or the region filter)
// and stores the new value in the wizard.
func (fs *formState) updateInput(w *wizard.Wizard, it formItem, msg tea.Msg) tea.Cmd {
	if it.f.ID == "region" && it.f.Kind == wizard.KindSelect {
		before := fs.filter.Value()
		var cmd tea.Cmd
		fs.filter, cmd = fs.filter.Update(msg)
		if fs.filter.Value() != before {
			fs.cursor = 0
			if opts := fs.options(it.f); len(opts) > 1 {
				// Filtering picks the best match, so enter accepts it.
				fs.cursor = 1
				fs.pick(w, it.f, opts[1])
			}
		}
		return cmd
	}
	in := fs.input(it.f)
	if in == nil {
		return nil
	}
	before := in.Value()
	next, cmd := in.Update(msg)
	*in = next
	if in.Value() != before {
		_ = w.Set(it.f.ID, in.Value())
		if it.f.ID == "region" {
			// A typed region replaces any detection asked for.
			fs.detecting = false
		}
	}
	return cmd
}

// onDetect reports whether the cursor of the region list is on "detect
// from the bucket".
func (fs *formState) onDetect(f wizard.Field) bool {
	opts := fs.options(f)
	return fs.cursor < len(opts) && opts[fs.cursor].Value == detectRegion
}

// view renders the form into height lines, scrolled so the focused field
// is in view.
func (fs *formState) view(w *wizard.Wizard, st styles, width, height int, screenShare bool) string {
	var lines []string
	top, bottom := 0, 0
	for _, it := range fs.items(w) {
		start := len(lines)
		fs.anchorTop, fs.anchorBottom, fs.anchorNote = -1, -1, -1
		lines = append(lines, strings.Split(fs.renderItem(w, it, st, width, screenShare), "\n")...)
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
	if bottom > fs.offset+height-1 {
		fs.offset = bottom - (height - 1)
	}
	if top < fs.offset+1 {
		fs.offset = top - 1
	}
	fs.offset = max(0, min(fs.offset, max(0, len(lines)-height)))
	end := min(len(lines), fs.offset+height)
	vis := lines[fs.offset:end]
	if fs.offset > 0 && len(vis) > 0 {
		vis[0] = st.muted.Render("  ↑ more above")
	}
	if end < len(lines) && len(vis) > 0 {
		vis[len(vis)-1] = st.muted.Render("  ↓ more below")
	}
	return strings.Join(vis, "\n")
}

// renderItem draws one field: the label line, the value or list, the
// error and warnings, and the help of the focused field.
func (fs *formState) renderItem(w *wizard.Wizard, it formItem, st styles, width int, screenShare bool) string {
	focused := it.f.ID == fs.focus
	marker := "  "
	if focused {
		marker = "› "
	}
	if it.fold {
		label := "▸ Advanced settings (space to show)"
		if fs.showAdvanced {
			label = "▾ Advanced settings"
		}
		ls := st.label
		if focused {
			ls = st.focused
		}
		return ls.Render(marker + label)
	}
	f := it.f
	var b strings.Builder
	ls := st.label
	if focused {
		ls = st.focused
	}
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
			v := fs.displaySelect(w, f)
			b.WriteString(ls.Render(marker+label+": ") + st.value.Render(v))
			break
		}
		b.WriteString(ls.Render(marker+label) + "\n")
		b.WriteString(fs.renderList(f, st, width))
	case f.Kind == wizard.KindSecret:
		b.WriteString(ls.Render(marker+label) + "\n")
		in := fs.input(f)
		state := "(empty)"
		if f.Value != "" {
			state = config.RedactedSecret
		}
		if in != nil && (focused || fs.revealed[f.ID]) {
			if fs.revealed[f.ID] && !screenShare {
				b.WriteString("  " + in.View())
			} else {
				b.WriteString("  " + in.View() + " " + st.muted.Render(state))
			}
		} else {
			b.WriteString("    " + st.value.Render(state))
		}
	default:
		b.WriteString(ls.Render(marker+label) + "\n")
		if in := fs.input(f); in != nil {
			if focused {
				b.WriteString("  " + in.View())
			} else {
				v := w.DisplayValue(f)
				if v == "" {
					v = st.muted.Render("(empty)")
				}
				b.WriteString("    " + v)
			}
		}
	}
	if f.ID == "region" && fs.note != "" {
		ns := st.ok
		switch {
		case fs.noteBad:
			ns = st.err
		case fs.detecting:
			ns = st.muted
		}
		b.WriteString("\n" + indent(wrap(ns, fs.note, width-4), "    "))
		// The line after the note, as a list's anchor ends after its
		// row: the last line shown may become a "more below" marker.
		fs.anchorNote = strings.Count(b.String(), "\n") + 1
	}
	if f.ID == "region" && fs.detecting && !focused && (fs.note == "" || fs.noteBad) {
		b.WriteString("\n" + wrap(st.muted, "    The connection test will detect the bucket's region and set it.", width))
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

// displaySelect is the chosen option of an unfocused list.
func (fs *formState) displaySelect(w *wizard.Wizard, f wizard.Field) string {
	if f.ID == "region" && fs.detecting {
		return "detect from the bucket"
	}
	v := w.DisplayValue(f)
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

// renderList draws the options of the focused select field: every option
// (with the line on when to pick it) for short lists, a filtered window
// for the region list.
func (fs *formState) renderList(f wizard.Field, st styles, width int) string {
	opts := fs.options(f)
	var b strings.Builder
	if f.ID == "region" {
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
		if o.Help != "" && f.ID == "type" {
			b.WriteString(indent(wrap(st.muted, o.Help, width-6), "      ") + "\n")
		}
		if i == fs.cursor {
			fs.anchorBottom = strings.Count(b.String(), "\n")
		}
	}
	if to < len(opts) {
		b.WriteString(st.muted.Render("      ↓ "+plural(len(opts)-to, "more option")) + "\n")
	}
	if len(opts) == 1 && f.ID == "region" {
		b.WriteString(st.muted.Render("      no region matches the filter") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// firstLine returns the first line of s.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
