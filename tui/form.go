package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/wizard"
)

// Pseudo-field IDs of a form.
const (
	// foldID is the "advanced settings" line that shows or hides the
	// advanced fields.
	foldID = "\x00advanced"
	// listRows is how many options of a long list are shown at once.
	listRows = 6
)

// formScreen is the screen of a step made of fields (Name, Type, Where,
// Access). The values live in the wizard; the text inputs only hold what
// is being typed, and every change is passed to wizard.Set at once, so
// errors show as the user types.
type formScreen struct {
	*common
	step   wizard.Step
	keys   formKeys
	inputs map[string]*textinput.Model
	// filter is the type-to-filter input of a Filter list.
	filter textinput.Model
	// cursor is the highlighted row of the focused list.
	cursor int
	focus  string
	// typedIn is the field whose input changed since it took the focus:
	// an identifier echoes nothing of itself there on a shared screen.
	typedIn string
	// revealed secret fields show their value (never in screen-share mode).
	revealed     map[string]bool
	showAdvanced bool
	scroll       scroller
	width        int
	height       int
	// probe is "detect from the bucket" as it runs.
	probe prober
	// anchorTop and anchorBottom are the lines of the highlighted option
	// in the list renderList drew last, -1 when none.
	anchorTop, anchorBottom int
	// anchorNote is the last line of the note under the item renderItem
	// drew last, from the item's first line; -1 when none.
	anchorNote int
}

// formKeys are a form's keys; which apply follows the focused field.
type formKeys struct {
	Next      key.Binding
	NextField key.Binding
	PrevField key.Binding
	// TabField and BackTabField move between fields where ↑/↓ choose.
	TabField     key.Binding
	BackTabField key.Binding
	Choose       key.Binding // ↑/↓ on a select field
	Toggle       key.Binding // space on a yes/no field
	Unfold       key.Binding // space on the "advanced settings" line
	Reveal       key.Binding // ctrl+r on a secret field, never in screen-share mode
	// Detect asks the bucket for the value of a Detect field. Not a
	// plain letter: the region list filters and the region input types.
	Detect key.Binding
	Back   key.Binding
	Quit   key.Binding
}

func newFormKeys() formKeys {
	return formKeys{
		Next:         bind([]string{"enter"}, "enter", "next"),
		NextField:    bind([]string{"tab", "down"}, "tab/↓", "next field"),
		PrevField:    bind([]string{"shift+tab", "up"}, "shift+tab/↑", "prev field"),
		TabField:     bind([]string{"tab"}, "tab", "next field"),
		BackTabField: bind([]string{"shift+tab"}, "shift+tab", "prev field"),
		Choose:       bind([]string{"up", "down"}, "↑/↓", "choose"),
		Toggle:       bind([]string{"space", "left", "right"}, "space", "toggle"),
		Unfold:       bind([]string{"space", "right", "left"}, "space", "show/hide"),
		Reveal:       bind([]string{"ctrl+r"}, "ctrl+r", "reveal"),
		Detect:       bind([]string{"ctrl+d"}, "ctrl+d", "detect region"),
		Back:         backKey(),
		Quit:         quitKey(),
	}
}

func (k *formKeys) all() []*key.Binding {
	return []*key.Binding{&k.Next, &k.Choose, &k.NextField, &k.PrevField, &k.TabField, &k.BackTabField,
		&k.Toggle, &k.Unfold, &k.Reveal, &k.Detect, &k.Back, &k.Quit}
}

// formItem is one row group of the form.
type formItem struct {
	f    wizard.Field
	fold bool // the advanced-settings line
}

func newFormScreen(c *common, step wizard.Step) *formScreen {
	return &formScreen{common: c, step: step, keys: newFormKeys(), scroll: newScroller(), probe: prober{spin: newSpinner()}}
}

func (fs *formScreen) restyle() {
	for _, in := range fs.inputs {
		in.SetStyles(fs.st.input)
	}
	fs.filter.SetStyles(fs.st.input)
}

// enter builds the inputs of the step from the wizard's fields and
// focuses the field the wizard asks for (a jump from a failed check), else
// the first.
func (fs *formScreen) enter() tea.Cmd {
	w := fs.w
	fs.inputs, fs.revealed = map[string]*textinput.Model{}, map[string]bool{}
	fs.cursor, fs.showAdvanced = 0, false
	fs.scroll.vp.GotoTop()
	if !w.DetectRunning() {
		fs.probe.stop()
	}
	for _, f := range w.Fields(fs.step) {
		fs.input(f)
	}
	fs.filter = textinput.New()
	fs.filter.Prompt = "filter: "
	fs.filter.Placeholder = "type to filter, e.g. eu-"
	fs.filter.SetStyles(fs.st.input)
	fs.filter.SetWidth(30)

	fs.focus = ""
	if want := w.Focus(); want != "" {
		for _, it := range fs.items() {
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
		if ids := fs.focusable(); len(ids) > 0 {
			fs.focus = ids[0]
		}
	}
	fs.focusChanged()
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

// input returns the text input of a typed field, creating it on first
// use: a field can become typed while the step is shown (the region turns
// free text when an endpoint is set). It returns nil for other fields.
func (fs *formScreen) input(f wizard.Field) *textinput.Model {
	if f.ReadOnly || (f.Kind != wizard.KindText && f.Kind != wizard.KindSecret && f.Kind != wizard.KindNumber) {
		return nil
	}
	if in := fs.inputs[f.ID]; in != nil {
		return in
	}
	in := textinput.New()
	in.Prompt = "> "
	in.SetStyles(fs.st.input)
	in.SetValue(inputValue(f))
	if f.Masked {
		in.Placeholder = fs.w.DisplayValue(f)
	}
	in.CursorEnd()
	if f.Kind == wizard.KindSecret {
		// No echo at all, and no width: a padded input would shrink as
		// the secret grows and so tell its length.
		in.EchoMode = textinput.EchoNone
	} else {
		in.SetWidth(fs.inputWidth())
	}
	if len(f.Options) > 0 {
		// A typed field with options offers them as suggestions (the
		// region of a custom endpoint).
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

// inputValue is what an input holds for f: nothing for a saved identifier
// on a shared screen (its masked value is the placeholder, and typing
// replaces it), else the value.
func inputValue(f wizard.Field) string {
	if f.Masked {
		return ""
	}
	return f.Value
}

// inputWidth is the width of a text input, leaving room for the prompt.
func (fs *formScreen) inputWidth() int { return max(20, fs.width-8) }

func (fs *formScreen) setSize(w, h int) {
	fs.width, fs.height = w, h
	for id, in := range fs.inputs {
		if in.EchoMode == textinput.EchoNone && !fs.revealed[id] {
			continue
		}
		in.SetWidth(fs.inputWidth())
	}
}

// items lists what the form shows, in order: the visible basic fields,
// then one line that folds the advanced ones away, then those advanced
// fields that are unfolded or worth showing (an error, a changed value).
func (fs *formScreen) items() []formItem {
	var basic, adv []formItem
	hasAdvanced := false
	for _, f := range fs.w.Fields(fs.step) {
		if !f.Visible {
			continue
		}
		if !f.Advanced {
			basic = append(basic, formItem{f: f})
			continue
		}
		hasAdvanced = true
		if fs.showAdvanced || f.Err != nil || !f.Default {
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
func (fs *formScreen) focusable() []string {
	var ids []string
	for _, it := range fs.items() {
		if !it.f.ReadOnly {
			ids = append(ids, it.f.ID)
		}
	}
	return ids
}

// current returns the focused item.
func (fs *formScreen) current() (formItem, bool) {
	for _, it := range fs.items() {
		if it.f.ID == fs.focus {
			return it, true
		}
	}
	return formItem{}, false
}

// filtered reports whether f is a list narrowed by typing.
func filtered(f wizard.Field) bool { return f.Kind == wizard.KindSelect && f.Filter }

// focusChanged focuses the input of the focused field and places the list
// cursor on its value.
func (fs *formScreen) focusChanged() tea.Cmd {
	for _, in := range fs.inputs {
		in.Blur()
	}
	fs.filter.Blur()
	fs.filter.SetValue("")
	fs.typedIn = ""
	it, ok := fs.current()
	if !ok {
		return nil
	}
	if in := fs.input(it.f); in != nil {
		if in.Value() != inputValue(it.f) {
			// The value changed elsewhere (a fix from the test).
			in.SetValue(inputValue(it.f))
			in.CursorEnd()
		}
		return in.Focus()
	}
	if it.f.Kind == wizard.KindSelect {
		fs.cursor = 0
		for i, o := range fs.options(it.f) {
			if o.Value == fs.selectedValue(it.f) {
				fs.cursor = i
			}
		}
		if filtered(it.f) {
			return fs.filter.Focus()
		}
	}
	return nil
}

// selectedValue is the option value the list shows as chosen.
func (fs *formScreen) selectedValue(f wizard.Field) string {
	if f.Detect && fs.w.Detecting() {
		return wizard.DetectOption.Value
	}
	return f.Value
}

// options are a select field's choices as the list shows them: "detect
// from the bucket" first where the field offers it, and those the filter
// matches.
func (fs *formScreen) options(f wizard.Field) []wizard.Option {
	var out []wizard.Option
	if f.Detect {
		out = append(out, wizard.DetectOption)
	}
	q := ""
	if f.Filter {
		q = strings.ToLower(strings.TrimSpace(fs.filter.Value()))
	}
	for _, o := range f.Options {
		if q == "" || strings.Contains(strings.ToLower(o.Value+" "+o.Label), q) {
			out = append(out, o)
		}
	}
	return out
}

// move shifts the focus by delta among the focusable fields.
func (fs *formScreen) move(delta int) tea.Cmd {
	ids := fs.focusable()
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
	return fs.focusChanged()
}

// isLast reports whether the focus is on the last focusable field.
func (fs *formScreen) isLast() bool {
	ids := fs.focusable()
	return len(ids) == 0 || ids[len(ids)-1] == fs.focus
}

// choose moves the list cursor of a select field and sets the value.
func (fs *formScreen) choose(f wizard.Field, delta int) {
	opts := fs.options(f)
	if len(opts) == 0 {
		return
	}
	fs.cursor = max(0, min(fs.cursor+delta, len(opts)-1))
	_ = fs.w.Set(f.ID, opts[fs.cursor].Value)
}

// sync enables the keys that apply to the focused field: lists choose
// with ↑/↓, switches toggle, secrets reveal (never in screen-share mode),
// the advanced line unfolds.
func (fs *formScreen) sync() {
	k := &fs.keys
	setAll(false, k.all()...)
	setAll(true, &k.Next, &k.Quit)
	k.Back.SetEnabled(fs.w.CanGoBack())
	it, ok := fs.current()
	if !ok {
		return
	}
	moves := len(fs.focusable()) > 1
	switch {
	case it.fold:
		setAll(true, &k.Unfold)
		setAll(moves, &k.NextField, &k.PrevField)
		k.Unfold.SetHelp("space", "show advanced")
		if fs.showAdvanced {
			k.Unfold.SetHelp("space", "hide advanced")
		}
	case it.f.Kind == wizard.KindSelect:
		setAll(true, &k.Choose)
		setAll(moves, &k.TabField, &k.BackTabField)
	case it.f.Kind == wizard.KindBool:
		setAll(true, &k.Toggle)
		setAll(moves, &k.NextField, &k.PrevField)
	default:
		setAll(moves, &k.NextField, &k.PrevField)
		if it.f.Kind == wizard.KindSecret && !fs.opts.ScreenShare {
			k.Reveal.SetEnabled(true)
			k.Reveal.SetHelp("ctrl+r", "reveal")
			if fs.revealed[it.f.ID] {
				k.Reveal.SetHelp("ctrl+r", "hide")
			}
		}
	}
	// A Detect field is asked of the bucket whether it is a list (AWS)
	// or typed (a custom endpoint); the platform principal of Stowage's
	// own credentials.
	k.Detect.SetEnabled(it.f.Detect || (it.f.DetectPrincipal && fs.canDetectPrincipal()))
	k.Detect.SetHelp("ctrl+d", "detect region")
	if it.f.DetectPrincipal {
		k.Detect.SetHelp("ctrl+d", "detect principal")
	}
}

// ShortHelp implements help.KeyMap.
func (fs *formScreen) ShortHelp() []key.Binding {
	fs.sync()
	return enabled(fs.keys.all()...)
}

// FullHelp implements help.KeyMap.
func (fs *formScreen) FullHelp() [][]key.Binding { return [][]key.Binding{fs.ShortHelp()} }

// typing reports whether keys type into an input or a filter now.
func (fs *formScreen) typing() bool {
	it, ok := fs.current()
	return ok && !it.fold && (fs.input(it.f) != nil || filtered(it.f))
}

// update handles keys on a form step. Enter means the same on every row:
// take the row as it is and go on, to the next field or, from the last,
// to the next step.
func (fs *formScreen) update(msg tea.Msg) tea.Cmd {
	fs.sync()
	w := fs.w
	it, ok := fs.current()
	kp, isKey := msg.(tea.KeyPressMsg)
	if !isKey {
		// Paste and blink go to the focused input.
		return fs.updateInput(it, msg)
	}
	k := fs.keys
	switch {
	case key.Matches(kp, k.Back):
		w.Back()
		return nil
	case key.Matches(kp, k.Reveal) && ok:
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
	case key.Matches(kp, k.Unfold):
		fs.showAdvanced = !fs.showAdvanced
		return nil
	case key.Matches(kp, k.Choose):
		if kp.String() == "up" {
			fs.choose(it.f, -1)
		} else {
			fs.choose(it.f, 1)
		}
		return nil
	case key.Matches(kp, k.Toggle):
		v := "true"
		if it.f.Value == "true" {
			v = "false"
		}
		_ = w.Set(it.f.ID, v)
		return nil
	case key.Matches(kp, k.Detect):
		if it.f.DetectPrincipal {
			return fs.startPrincipalDetect()
		}
		if it.f.Kind == wizard.KindSelect {
			fs.cursor = 0
		}
		return fs.startDetect()
	case key.Matches(kp, k.NextField), key.Matches(kp, k.TabField):
		return fs.move(1)
	case key.Matches(kp, k.PrevField), key.Matches(kp, k.BackTabField):
		return fs.move(-1)
	case key.Matches(kp, k.Next):
		return fs.accept(it, ok)
	}
	return fs.updateInput(it, msg)
}

// accept is enter: the focused row's value stands (an untouched list
// takes the highlighted option; "detect from the bucket" asks the bucket
// unless it has answered already), and the focus moves on.
func (fs *formScreen) accept(it formItem, ok bool) tea.Cmd {
	w := fs.w
	var cmd tea.Cmd
	if ok && it.f.Kind == wizard.KindSelect {
		opts := fs.options(it.f)
		on := opts[min(fs.cursor, len(opts)-1)]
		switch {
		case on.Value == wizard.DetectOption.Value:
			if !w.DetectSettled() {
				cmd = fs.startDetect()
			}
		case it.f.Value == "":
			_ = w.Set(it.f.ID, on.Value)
		}
	}
	if ok && it.f.Err == nil && !fs.isLast() {
		if f, _ := w.Field(it.f.ID); f.Err == nil {
			return tea.Batch(cmd, fs.move(1))
		}
	}
	return tea.Batch(cmd, fs.nextStep())
}

// nextStep asks the wizard to move on; on errors it focuses the first bad
// field, which shows its message.
func (fs *formScreen) nextStep() tea.Cmd {
	before := fs.w.Step()
	if err := fs.w.Next(); err != nil && fs.w.Step() == before {
		if id := fs.w.Focus(); id != "" {
			fs.focus = id
			if _, ok := fs.current(); !ok {
				fs.showAdvanced = true
			}
			fs.setStatus("Fix the highlighted field to continue.", true)
			return fs.focusChanged()
		}
		fs.fail(err)
	}
	return nil
}

// updateInput passes msg to the focused text input (or the list filter)
// and stores the new value in the wizard.
func (fs *formScreen) updateInput(it formItem, msg tea.Msg) tea.Cmd {
	if filtered(it.f) {
		before := fs.filter.Value()
		var cmd tea.Cmd
		fs.filter, cmd = fs.filter.Update(msg)
		if fs.filter.Value() != before {
			fs.cursor = 0
			if opts := fs.options(it.f); len(opts) > 1 {
				// Filtering picks the best match, so enter accepts it.
				fs.cursor = 1
				_ = fs.w.Set(it.f.ID, opts[1].Value)
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
		fs.typedIn = it.f.ID
		_ = fs.w.Set(it.f.ID, in.Value())
	}
	return cmd
}

// prober runs "detect from the bucket" for a form: the wizard decides and
// records, the probe itself runs in a command.
type prober struct {
	spin   spinner.Model
	cancel func()
}

func (p *prober) stop() {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
}
