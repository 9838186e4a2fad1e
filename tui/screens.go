package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
)

// reviewScreen is the Review step, scrolled when it is taller than the
// screen.
type reviewScreen struct {
	*common
	keys   reviewKeys
	scroll scroller
	// height is the rows of the body, for paging.
	height int
}

type reviewKeys struct {
	Save, Scroll, Back, Quit key.Binding
}

func newReviewScreen(c *common) *reviewScreen {
	return &reviewScreen{common: c, scroll: newScroller(), keys: reviewKeys{
		Save:   bind([]string{"enter", "ctrl+s"}, "enter", "save"),
		Scroll: bind([]string{"up", "down", "pgup", "pgdown", "k", "j"}, "↑/↓", "scroll"),
		Back:   backKey(),
		Quit:   quitKey(),
	}}
}

// ShortHelp implements help.KeyMap.
func (r *reviewScreen) ShortHelp() []key.Binding {
	k := &r.keys
	return enabled(&k.Save, &k.Scroll, &k.Back, &k.Quit)
}

// FullHelp implements help.KeyMap.
func (r *reviewScreen) FullHelp() [][]key.Binding { return [][]key.Binding{r.ShortHelp()} }

func (r *reviewScreen) enter() tea.Cmd {
	r.scroll.vp.GotoTop()
	return nil
}

// setSize lays the text out for the size, so keys scroll what is shown.
func (r *reviewScreen) setSize(_, h int) {
	r.height = h
	r.view()
}

// scrollBy moves the Review step by a key: a line with ↑/↓, a page (the
// rows between the markers) with pgup/pgdown.
func (r *reviewScreen) scrollBy(kp tea.KeyPressMsg) {
	page := max(1, r.height-2)
	vp := &r.scroll.vp
	switch kp.String() {
	case "up", "k":
		vp.ScrollUp(1)
	case "down", "j":
		vp.ScrollDown(1)
	case "pgup":
		vp.ScrollUp(page)
	case "pgdown":
		vp.ScrollDown(page)
	}
}

func (r *reviewScreen) update(msg tea.Msg) tea.Cmd {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(kp, r.keys.Back):
		r.w.Back()
	case key.Matches(kp, r.keys.Save):
		r.save()
	case key.Matches(kp, r.keys.Scroll):
		r.scrollBy(kp)
	}
	return nil
}

// save writes the locations file through the wizard. The write happens
// here, on the loop that owns the wizard, because the wizard changes its
// state only once the write has succeeded; the file is small.
func (r *reviewScreen) save() {
	if r.opts.Save == nil {
		r.setStatus("cannot save: no save function was given to the wizard", true)
		return
	}
	if err := r.w.Save(r.opts.ConfigPath, r.opts.Save); err != nil {
		r.fail(err)
		return
	}
	if err := keepJournals(r.opts.ConfigPath, r.w); err != nil {
		r.setStatus("saved, but "+r.w.DisplayError(err), true)
	}
	r.result.Saved = true
	r.result.Location = r.w.Draft().Name
}

// reviewText is the Review step's content: every setting as saved, masked
// by the wizard, then where the file goes and any warnings.
func (r *reviewScreen) reviewText(width int) string {
	st := r.st
	lines := r.w.Review()
	labelW := 0
	for _, l := range lines {
		labelW = max(labelW, len(l.Label))
	}
	labelW = min(labelW, 26)
	var b strings.Builder
	valW := max(20, width-labelW-4)
	for _, l := range lines {
		val := wrap(st.value, l.Value, valW)
		vl := strings.Split(val, "\n")
		b.WriteString("  " + st.label.Bold(true).Render(fmt.Sprintf("%-*s", labelW, l.Label)) + "  " + vl[0] + "\n")
		for _, more := range vl[1:] {
			b.WriteString(strings.Repeat(" ", labelW+4) + more + "\n")
		}
	}
	b.WriteString("\n" + wrap(st.muted, "Saves to "+r.opts.ConfigPath+" (mode 0600: it may hold secret keys).", width) + "\n")
	for _, wn := range r.w.Warnings() {
		b.WriteString(indent(wrap(st.warn, "! "+r.w.DisplayText(wn), width-2), "") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (r *reviewScreen) view() string {
	return r.scroll.window(strings.Split(r.reviewText(r.contentWidth()), "\n"), r.scroll.offset(), r.height, r.st.muted)
}

// doneScreen follows a save: what to do next.
type doneScreen struct {
	*common
	keys doneKeys
	// export is the "Export config file" prompt; exported the last file
	// written.
	export   configExport
	ekeys    configExportKeys
	exported string
}

type doneKeys struct {
	Finish, ExportNow, ExportConfig, Back, Quit key.Binding
}

func newDoneScreen(c *common) *doneScreen {
	d := &doneScreen{common: c, ekeys: newConfigExportKeys(), keys: doneKeys{
		Finish:       bind([]string{"enter", "q"}, "enter", "finish"),
		ExportNow:    bind([]string{"x"}, "x", "export now"),
		ExportConfig: bind([]string{"e"}, "e", "export config file"),
		Back:         bind([]string{"esc"}, "esc", "locations"),
		Quit:         quitKey(),
	}}
	// Both would write or read on the server in a served session.
	d.keys.ExportNow.SetEnabled(!c.served())
	d.keys.ExportConfig.SetEnabled(!c.served())
	return d
}

func (d *doneScreen) enter() tea.Cmd {
	d.export.open, d.exported = false, ""
	return nil
}

func (d *doneScreen) setSize(_, _ int) {}

// typing reports whether keys type the export's file name.
func (d *doneScreen) typing() bool { return d.export.open }

// ShortHelp implements help.KeyMap.
func (d *doneScreen) ShortHelp() []key.Binding {
	if d.export.open {
		e := &d.ekeys
		return enabled(&e.Write, &e.Choose, &e.Cancel, &d.keys.Quit)
	}
	k := &d.keys
	return enabled(&k.Finish, &k.ExportNow, &k.ExportConfig, &k.Back, &k.Quit)
}

// FullHelp implements help.KeyMap.
func (d *doneScreen) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

func (d *doneScreen) update(msg tea.Msg) tea.Cmd {
	if d.export.open {
		return d.exportUpdate(msg)
	}
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(kp, d.keys.ExportConfig):
		return d.openExport()
	case key.Matches(kp, d.keys.ExportNow):
		// Which folders to export is asked here, so the export can start
		// as soon as the wizard closes.
		return d.exportTo(d.result.Location)
	case key.Matches(kp, d.keys.Finish):
		d.quit()
	case key.Matches(kp, d.keys.Back):
		// Back to the list, to add or change another location.
		_ = d.w.Next()
	}
	return nil
}

func (d *doneScreen) view() string {
	st := d.st
	name := d.result.Location
	width := d.contentWidth()
	if d.export.open {
		return d.exportView(width)
	}
	var b strings.Builder
	b.WriteString(st.ok.Render("✓ Saved to "+d.opts.ConfigPath) + "\n\n")
	// A failed or missing test is said once, by the intro above.
	if r, ok := d.w.TestReport(); ok && r.OK() {
		b.WriteString(st.ok.Render("✓ The connection test passed.") + "\n\n")
	}
	b.WriteString("What to do next:\n\n")
	b.WriteString("  " + st.label.Bold(true).Render(shellWord("stowage test "+name)) + "\n")
	b.WriteString(indent(wrap(st.muted, "runs the connection test again, e.g. after changing a policy", width-6), "      ") + "\n\n")
	b.WriteString("  " + st.label.Bold(true).Render(shellWord("stowage export "+name)+" DIR") + "\n")
	b.WriteString(indent(wrap(st.muted, "exports the recordings in DIR to this location; it resumes where it stopped", width-6), "      ") + "\n\n")
	if d.served() {
		// Exports run on the vendor's side, not in this session.
		b.WriteString(wrap(st.intro, "Press enter to finish.", width))
	} else {
		b.WriteString(wrap(st.intro, "Press x to start an export now, e to export the config file, or enter to finish.", width))
	}
	return b.String()
}

// shellWord quotes a command line's last word when it needs quoting.
func shellWord(s string) string {
	i := strings.LastIndexByte(s, ' ')
	last := s[i+1:]
	if strings.ContainsAny(last, " '\"$`\\!*?[]{}()<>|&;#~") {
		last = "'" + strings.ReplaceAll(last, "'", `'\''`) + "'"
	}
	return s[:i+1] + last
}

// confirmScreen asks a yes/no question before something that cannot be
// undone: deleting, rotating the external ID, discarding changes. Each
// confirmation has its own keys and answer.
type confirmScreen struct {
	*common
	still
	keys confirmKeys
	// question is the line under the intro.
	question string
	// yes acts on y; extra draws more above the question; syncExtra enables
	// the extra keys; also acts on AlsoJournal; ask, when set, is the
	// question as things are now.
	yes       func() error
	extra     func() string
	syncExtra func(k *confirmKeys)
	also      func() error
	ask       func() string
}

type confirmKeys struct {
	Yes, No key.Binding
	// TrustUpdated and CancelRotate finish or cancel a pending rotation.
	TrustUpdated, CancelRotate key.Binding
	// KeepDraft quits keeping the unsaved location for the next start.
	KeepDraft key.Binding
	// AlsoJournal deletes a location with its journal.
	AlsoJournal key.Binding
	Quit        key.Binding
}

func newConfirm(c *common, question string, yes func() error) *confirmScreen {
	return &confirmScreen{common: c, question: question, yes: yes, keys: confirmKeys{
		Yes:          bind([]string{"y"}, "y", "yes"),
		No:           bind([]string{"n", "esc"}, "n", "no"),
		TrustUpdated: bind([]string{"c"}, "c", "trust policy updated"),
		CancelRotate: bind([]string{"x"}, "x", "cancel rotation"),
		KeepDraft:    bind([]string{"k"}, "k", "quit, keep it for later"),
		AlsoJournal:  bind([]string{"d"}, "d", "delete with journal"),
		Quit:         quitKey(),
	}}
}

func newConfirmDelete(c *common) *confirmScreen {
	// del deletes the location; withJournal also its journal and
	// manifests, which otherwise stay where they are (and say so).
	del := func(withJournal bool) error {
		name := c.w.DeleteTarget()
		if c.opts.Save == nil {
			return fmt.Errorf("cannot delete: no save function was given to the wizard")
		}
		d, err := deleteLocation(c.opts, c.w, withJournal)
		if d.Location == "" {
			return err
		}
		c.result.Saved = true
		switch {
		case err != nil:
			c.setStatus(err.Error(), true)
		case len(d.Files) == 0:
			c.setStatus(fmt.Sprintf("Deleted location %q.", name), false)
		case d.Journal == export.DeleteJournal:
			c.setStatus(fmt.Sprintf("Deleted location %q and its journal.", name), false)
		default:
			c.setStatus(fmt.Sprintf("Deleted location %q; its journal stays in %s.", name, d.Dir()), false)
		}
		return nil
	}
	s := newConfirm(c, "Press y to delete, n to keep it.", func() error { return del(false) })
	s.also = func() error { return del(true) }
	s.ask = func() string {
		if len(journalFiles(c.opts.ConfigPath, c.w, c.w.DeleteTarget())) == 0 {
			return s.question
		}
		return "Press y to delete and keep the journal, d to delete both, n to keep it."
	}
	s.extra = func() string {
		note := journalNote(journalFiles(c.opts.ConfigPath, c.w, c.w.DeleteTarget()))
		if note == "" {
			return ""
		}
		return wrap(c.st.muted, note, c.contentWidth()) + "\n\n"
	}
	s.syncExtra = func(k *confirmKeys) {
		k.AlsoJournal.SetEnabled(len(journalFiles(c.opts.ConfigPath, c.w, c.w.DeleteTarget())) > 0)
	}
	return s
}

func newConfirmRotate(c *common) *confirmScreen {
	s := newConfirm(c, "Press y to generate a new external ID, n to keep the current one.", func() error {
		id, err := c.w.ConfirmRotate()
		if err == nil {
			c.setStatus("New external ID generated; put it in the trust policy, then save. "+mask(id, c.opts.ScreenShare), false)
		}
		return err
	})
	s.extra = func() string {
		cur, pending := c.w.Rotation()
		out := "  External ID in force:  " + c.st.mark.Render(" "+mask(cur, c.opts.ScreenShare)+" ") + "\n"
		if pending != "" {
			out += "  New external ID:       " + c.st.mark.Render(" "+mask(pending, c.opts.ScreenShare)+" ") + "\n"
		}
		return out + "\n"
	}
	s.syncExtra = func(k *confirmKeys) {
		_, pending := c.w.Rotation()
		setAll(pending != "", &k.TrustUpdated, &k.CancelRotate)
	}
	return s
}

func newConfirmDiscard(c *common) *confirmScreen {
	q := "Press y to discard your changes, n to keep editing."
	if c.opts.DraftPath != "" {
		q = "Press y to discard them, k to quit and keep them for the next start, n to keep editing."
	}
	s := newConfirm(c, q, func() error {
		c.w.ConfirmDiscard()
		if c.quitOnDiscard {
			c.quit()
		}
		return nil
	})
	s.syncExtra = func(k *confirmKeys) { k.KeepDraft.SetEnabled(c.opts.DraftPath != "") }
	return s
}

func (cs *confirmScreen) syncKeys() {
	k := &cs.keys
	setAll(true, &k.Yes, &k.No, &k.Quit)
	setAll(false, &k.TrustUpdated, &k.CancelRotate, &k.KeepDraft, &k.AlsoJournal)
	if cs.syncExtra != nil {
		cs.syncExtra(k)
	}
}

// ShortHelp implements help.KeyMap.
func (cs *confirmScreen) ShortHelp() []key.Binding {
	cs.syncKeys()
	k := &cs.keys
	return enabled(&k.Yes, &k.AlsoJournal, &k.No, &k.TrustUpdated, &k.CancelRotate, &k.KeepDraft, &k.Quit)
}

// FullHelp implements help.KeyMap.
func (cs *confirmScreen) FullHelp() [][]key.Binding { return [][]key.Binding{cs.ShortHelp()} }

func (cs *confirmScreen) update(msg tea.Msg) tea.Cmd {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	cs.syncKeys()
	k := cs.keys
	var err error
	switch {
	case key.Matches(kp, k.Yes):
		err = cs.yes()
	case key.Matches(kp, k.AlsoJournal) && cs.also != nil:
		err = cs.also()
	case key.Matches(kp, k.TrustUpdated):
		err = cs.w.ConfirmTrustUpdated()
	case key.Matches(kp, k.CancelRotate):
		cs.w.CancelRotation()
	case key.Matches(kp, k.KeepDraft):
		// The draft is written as the program ends (model.Update).
		cs.quit()
	case key.Matches(kp, k.No):
		cs.quitOnDiscard = false
		cs.w.Back()
	}
	if err != nil {
		cs.fail(err)
	}
	return nil
}

func (cs *confirmScreen) view() string {
	out := ""
	if cs.extra != nil {
		out = cs.extra()
	}
	q := cs.question
	if cs.ask != nil {
		q = cs.ask()
	}
	return out + wrap(cs.st.label.Bold(true), q, cs.contentWidth())
}

// mask hides an identifier in screen-share mode but its last four
// characters, as config.Show does everywhere.
func mask(id string, screenShare bool) string {
	return config.Show(config.Identifier, id, screenShare)
}
