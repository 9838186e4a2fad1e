package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/wizard"
)

// syncDraft keeps this session's unsaved-location file in step with the
// wizard (wizard.SyncDraft): written while a location is drafted with
// changes, left alone while the offer to resume one is open, removed once
// it is saved or discarded; ending (the session quits) releases it for the
// next start. Without Options.DraftPath it does nothing.
func syncDraft(opts Options, w *wizard.Wizard, ending bool) error {
	if opts.DraftPath == "" {
		return nil
	}
	return w.SyncDraft(opts.DraftPath, ending)
}

// keepDraft syncs the draft file, saying on the status line when it
// cannot be written.
func (c *common) keepDraft() {
	if err := syncDraft(c.opts, c.w, c.quitting); err != nil {
		c.setStatus("The unsaved location could not be kept: "+err.Error(), true)
	}
}

// resumeScreen offers the location an earlier run left unsaved: resume
// it or discard it (which asks first, saying what is lost).
type resumeScreen struct {
	*common
	still
	keys resumeKeys
}

type resumeKeys struct {
	Resume, Discard, Quit key.Binding
}

func newResumeScreen(c *common) *resumeScreen {
	return &resumeScreen{common: c, keys: resumeKeys{
		Resume:  bind([]string{"enter", "r"}, "enter", "resume"),
		Discard: bind([]string{"d"}, "d", "discard"),
		Quit:    quitKey(),
	}}
}

// ShortHelp implements help.KeyMap.
func (r *resumeScreen) ShortHelp() []key.Binding {
	k := &r.keys
	return enabled(&k.Resume, &k.Discard, &k.Quit)
}

// FullHelp implements help.KeyMap.
func (r *resumeScreen) FullHelp() [][]key.Binding { return [][]key.Binding{r.ShortHelp()} }

func (r *resumeScreen) update(msg tea.Msg) tea.Cmd {
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	var err error
	switch {
	case key.Matches(kp, r.keys.Resume):
		err = r.w.ResumeDraft()
	case key.Matches(kp, r.keys.Discard):
		err = r.w.DiscardDraft()
	}
	if err != nil {
		r.fail(err)
	}
	return nil
}

func (r *resumeScreen) view() string {
	return r.st.label.Bold(true).Render("Press enter to resume it, d to discard it.")
}

func newConfirmDiscardDraft(c *common) *confirmScreen {
	return newConfirm(c, "Press y to discard it, n to go back.", func() error {
		if err := c.w.ConfirmDiscardDraft(); err != nil {
			return err
		}
		c.setStatus("Discarded the unsaved location.", false)
		return nil
	})
}
