package tui

import "charm.land/bubbles/v2/key"

// keyMap holds every key the wizard answers to, each declared once with
// its help text. Which of them apply depends on the screen and the focused
// field; syncKeys enables those and disables the rest, and the help line
// shows only the enabled ones, so it follows the focus by construction.
type keyMap struct {
	// Everywhere.
	Back key.Binding
	Quit key.Binding

	// Lists (start screen, select fields, test checklist).
	Up   key.Binding
	Down key.Binding

	// Forms.
	NextField key.Binding
	PrevField key.Binding
	// TabField and BackTabField move between fields where ↑/↓ choose.
	TabField     key.Binding
	BackTabField key.Binding
	Choose       key.Binding // ↑/↓ on a select field
	Toggle       key.Binding // space on a yes/no field
	Unfold       key.Binding // space on the "advanced settings" line
	Reveal       key.Binding // ctrl+r on a secret field, never in screen-share mode
	// Detect asks the bucket for its region, on the region field. Not a
	// plain letter: the region list filters and the region input types.
	Detect key.Binding
	Next   key.Binding

	// Start screen.
	Edit       key.Binding
	Add        key.Binding
	TestLoc    key.Binding
	Rotate     key.Binding
	ExportLoc  key.Binding
	DeleteLoc  key.Binding
	QuitStart  key.Binding
	AddOnStart key.Binding // enter on the "add a new location" row

	// Policies.
	// Tabs moves between documents: left/shift+tab back, right/tab on.
	Tabs    key.Binding
	Scroll  key.Binding
	Copy    key.Binding
	CopyURL key.Binding
	SaveDoc key.Binding
	Plain   key.Binding

	// Test.
	Retry   key.Binding
	Jump    key.Binding
	Fix     key.Binding
	Proceed key.Binding

	// Review.
	Save key.Binding

	// Done.
	ExportNow key.Binding
	Finish    key.Binding

	// Export prompt: the folders to export.
	StartExport key.Binding

	// Confirmations.
	Yes          key.Binding
	No           key.Binding
	TrustUpdated key.Binding // rotation: the trust policy holds the new ID
	CancelRotate key.Binding

	// Prompt for a file name.
	Write  key.Binding
	Cancel key.Binding
}

// defaultKeyMap returns the wizard's keys, all enabled; syncKeys narrows
// them to the screen.
func defaultKeyMap() keyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return keyMap{
		Back: b([]string{"esc"}, "esc", "back"),
		Quit: b([]string{"ctrl+c"}, "ctrl+c", "quit"),

		Up:   b([]string{"up", "k"}, "↑/k", "up"),
		Down: b([]string{"down", "j"}, "↓/j", "down"),

		NextField:    b([]string{"tab", "down"}, "tab/↓", "next field"),
		PrevField:    b([]string{"shift+tab", "up"}, "shift+tab/↑", "prev field"),
		TabField:     b([]string{"tab"}, "tab", "next field"),
		BackTabField: b([]string{"shift+tab"}, "shift+tab", "prev field"),
		Choose:       b([]string{"up", "down"}, "↑/↓", "choose"),
		Toggle:       b([]string{"space", "left", "right"}, "space", "toggle"),
		Unfold:       b([]string{"space", "right", "left"}, "space", "show/hide"),
		Reveal:       b([]string{"ctrl+r"}, "ctrl+r", "reveal"),
		Detect:       b([]string{"ctrl+d"}, "ctrl+d", "detect region"),
		Next:         b([]string{"enter"}, "enter", "next"),

		Edit:       b([]string{"enter", "e"}, "enter", "edit"),
		Add:        b([]string{"a", "n"}, "a", "add"),
		TestLoc:    b([]string{"t"}, "t", "test"),
		Rotate:     b([]string{"r"}, "r", "rotate external ID"),
		ExportLoc:  b([]string{"x"}, "x", "export"),
		DeleteLoc:  b([]string{"d", "delete"}, "d", "delete"),
		QuitStart:  b([]string{"q", "ctrl+c"}, "q", "quit"),
		AddOnStart: b([]string{"enter"}, "enter", "add"),

		Tabs:    b([]string{"left", "right", "tab", "shift+tab", "h", "l"}, "←/→", "document"),
		Scroll:  b([]string{"up", "down", "pgup", "pgdown", "k", "j"}, "↑/↓", "scroll"),
		Copy:    b([]string{"c"}, "c", "copy"),
		CopyURL: b([]string{"u"}, "u", "copy quick-create link"),
		SaveDoc: b([]string{"s"}, "s", "save to file"),
		Plain:   b([]string{"p"}, "p", "plain view"),

		Retry:   b([]string{"r"}, "r", "retry"),
		Jump:    b([]string{"enter"}, "enter", "go to field"),
		Fix:     b([]string{"f"}, "f", "apply fix"),
		Proceed: b([]string{"enter"}, "enter", "continue"),

		Save: b([]string{"enter", "ctrl+s"}, "enter", "save"),

		ExportNow: b([]string{"x"}, "x", "export now"),
		Finish:    b([]string{"enter", "q"}, "enter", "finish"),

		StartExport: b([]string{"enter"}, "enter", "start export"),

		Yes:          b([]string{"y"}, "y", "yes"),
		No:           b([]string{"n", "esc"}, "n", "no"),
		TrustUpdated: b([]string{"c"}, "c", "trust policy updated"),
		CancelRotate: b([]string{"x"}, "x", "cancel rotation"),

		Write:  b([]string{"enter"}, "enter", "write"),
		Cancel: b([]string{"esc"}, "esc", "cancel"),
	}
}

// all lists the bindings in help-line order.
func (k *keyMap) all() []*key.Binding {
	return []*key.Binding{
		&k.Next, &k.AddOnStart, &k.Edit, &k.Jump, &k.Proceed, &k.Save, &k.Write, &k.Finish, &k.StartExport,
		&k.Yes, &k.No, &k.TrustUpdated, &k.CancelRotate,
		&k.Up, &k.Down, &k.Choose, &k.NextField, &k.PrevField, &k.TabField, &k.BackTabField, &k.Toggle, &k.Unfold, &k.Reveal, &k.Detect,
		&k.Add, &k.TestLoc, &k.Rotate, &k.ExportLoc, &k.DeleteLoc,
		&k.Tabs, &k.Scroll, &k.Copy, &k.CopyURL, &k.SaveDoc, &k.Plain,
		&k.Retry, &k.Fix, &k.ExportNow,
		&k.Back, &k.Cancel, &k.QuitStart, &k.Quit,
	}
}

// ShortHelp implements help.KeyMap; disabled bindings are skipped by the
// help model.
func (k keyMap) ShortHelp() []key.Binding {
	ps := k.all()
	out := make([]key.Binding, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

// FullHelp implements help.KeyMap.
func (k keyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// only enables exactly the given bindings.
func (k *keyMap) only(on ...*key.Binding) {
	for _, p := range k.all() {
		p.SetEnabled(false)
	}
	for _, p := range on {
		p.SetEnabled(true)
	}
}
