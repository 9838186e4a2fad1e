package tui

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/wizard"
)

// startScreen is the list of saved locations; the row after the last
// location is "add a new location". Enter opens the row: the location to
// edit, or a new one.
type startScreen struct {
	*common
	keys   startKeys
	cursor int
	scroll scroller
	height int
}

type startKeys struct {
	Up, Down   key.Binding
	Edit       key.Binding
	AddOnStart key.Binding // enter on the "add a new location" row
	Add        key.Binding
	TestLoc    key.Binding
	Rotate     key.Binding
	ExportLoc  key.Binding
	DeleteLoc  key.Binding
	// Quit is q as well as ctrl+c here, with nothing to lose: one item.
	Quit key.Binding
}

func newStartScreen(c *common) *startScreen {
	return &startScreen{common: c, scroll: newScroller(), keys: startKeys{
		Up:         upKey(),
		Down:       downKey(),
		Edit:       bind([]string{"enter", "e"}, "enter", "edit"),
		AddOnStart: bind([]string{"enter"}, "enter", "add"),
		Add:        bind([]string{"a", "n"}, "a", "add"),
		TestLoc:    bind([]string{"t"}, "t", "test"),
		Rotate:     bind([]string{"r"}, "r", "rotate external ID"),
		ExportLoc:  bind([]string{"x"}, "x", "export"),
		DeleteLoc:  bind([]string{"d", "delete"}, "d", "delete"),
		Quit:       bind([]string{"q", "ctrl+c"}, "q", "quit"),
	}}
}

func (k *startKeys) all() []*key.Binding {
	return []*key.Binding{&k.AddOnStart, &k.Edit, &k.Up, &k.Down, &k.Add, &k.TestLoc, &k.Rotate, &k.ExportLoc, &k.DeleteLoc, &k.Quit}
}

func (s *startScreen) enter() tea.Cmd {
	s.cursor = max(0, min(s.cursor, len(s.w.File().Locations)))
	return nil
}

func (s *startScreen) setSize(_, h int) { s.height = h }

// selected returns the entry under the cursor, if any.
func (s *startScreen) selected() (wizard.Entry, bool) {
	es := s.w.Entries()
	if s.cursor < len(es) {
		return es[s.cursor], true
	}
	return wizard.Entry{}, false
}

// sync enables the actions the selected location offers.
func (s *startScreen) sync() {
	k := &s.keys
	setAll(false, k.all()...)
	setAll(true, &k.Up, &k.Down, &k.Add, &k.Quit)
	e, ok := s.selected()
	if !ok {
		k.AddOnStart.SetEnabled(true)
		return
	}
	k.Edit.SetEnabled(offers(e, wizard.ActionEdit))
	k.TestLoc.SetEnabled(offers(e, wizard.ActionTest))
	k.Rotate.SetEnabled(offers(e, wizard.ActionRotate))
	k.ExportLoc.SetEnabled(offers(e, wizard.ActionExport) && !s.served())
	k.DeleteLoc.SetEnabled(offers(e, wizard.ActionDelete))
}

// ShortHelp implements help.KeyMap.
func (s *startScreen) ShortHelp() []key.Binding {
	s.sync()
	return enabled(s.keys.all()...)
}

// FullHelp implements help.KeyMap.
func (s *startScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

// offers reports whether the entry offers action a.
func offers(e wizard.Entry, a wizard.Action) bool { return slices.Contains(e.Actions, a) }

func (s *startScreen) update(msg tea.Msg) tea.Cmd {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	s.sync()
	k := s.keys
	w := s.w
	loc, _ := s.selected()
	var err error
	switch {
	case key.Matches(kp, k.Up):
		s.cursor = max(0, s.cursor-1)
	case key.Matches(kp, k.Down):
		s.cursor = min(len(w.Entries()), s.cursor+1)
	case key.Matches(kp, k.Add), key.Matches(kp, k.AddOnStart):
		w.Add()
	case key.Matches(kp, k.Edit):
		err = w.Edit(loc.Name)
	case key.Matches(kp, k.TestLoc):
		err = w.TestSaved(loc.Name)
	case key.Matches(kp, k.Rotate):
		err = w.Rotate(loc.Name)
	case key.Matches(kp, k.ExportLoc):
		return s.exportTo(loc.Name)
	case key.Matches(kp, k.DeleteLoc):
		err = w.Delete(loc.Name)
	case key.Matches(kp, k.Quit):
		s.quit()
	}
	if err != nil {
		s.setStatus(w.DisplayError(err), true)
	}
	return nil
}

// testWord is the last test in one word with a symbol, so it reads
// without colour.
func (s *startScreen) testWord(t *config.TestResult) string {
	switch {
	case t == nil:
		return s.st.muted.Render("· not tested")
	case t.OK:
		return s.st.ok.Render("✓ test passed " + t.At.Format("2006-01-02 15:04"))
	}
	// The summary names the failed checks, whose titles come from the
	// store.
	summary := s.w.FileText(t.Summary)
	return s.st.err.Render("✗ test failed " + t.At.Format("2006-01-02 15:04") + ": " + summary)
}

func (s *startScreen) view() string {
	locs := s.w.Entries()
	var rows []string
	nameW := 8
	for _, l := range locs {
		nameW = max(nameW, min(24, len(l.Name)))
	}
	width := s.contentWidth()
	for i, l := range locs {
		marker := "  "
		if i == s.cursor {
			marker = "› "
		}
		name := fmt.Sprintf("%-*s", nameW, l.Name)
		line := marker + name + "  " + l.Where + "  " + s.st.muted.Render(l.Type)
		if l.RotationPending {
			line += "  (new external ID pending)"
		}
		line = clipLines(line, width)
		if i == s.cursor {
			line = s.st.selected.Render(line)
		}
		rows = append(rows, line, clipLines("    "+s.testWord(l.LastTest), width))
	}
	add := "  + Add a new location"
	if s.cursor == len(locs) {
		add = s.st.selected.Render("› + Add a new location")
	}
	if len(locs) > 0 {
		rows = append(rows, "")
	}
	rows = append(rows, add)
	// Scroll so the cursor's location (its two rows) stays in view, with
	// what does not fit marked above and below.
	cur, curEnd := 2*s.cursor, 2*s.cursor+2
	if s.cursor == len(locs) {
		cur, curEnd = len(rows)-1, len(rows)
	}
	return s.scroll.window(rows, follow(s.scroll.offset(), cur, curEnd, s.height), s.height, s.st.muted)
}
