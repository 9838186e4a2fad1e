package tui

import (
	"github.com/stowage-dev/stowage/policies"
	"github.com/stowage-dev/stowage/wizard"
)

// syncKeys enables the keys that apply to the current screen and the
// focused field, and disables the rest; the help line shows what is
// enabled, and Update only acts on enabled keys.
func (m *model) syncKeys() {
	k := &m.keys
	if m.exp.active {
		k.only(&k.StartExport, &k.Cancel, &k.Quit)
		k.StartExport.SetEnabled(!m.exp.checking)
		return
	}
	switch m.w.Step() {
	case wizard.StepStart:
		// q and ctrl+c both quit here, with nothing to lose: one help item.
		k.only(&k.Up, &k.Down, &k.Add, &k.QuitStart)
		if e, ok := m.selected(); ok {
			on := map[wizard.Action]bool{}
			for _, a := range e.Actions {
				on[a] = true
			}
			k.Edit.SetEnabled(on[wizard.ActionEdit])
			k.TestLoc.SetEnabled(on[wizard.ActionTest])
			k.Rotate.SetEnabled(on[wizard.ActionRotate])
			k.ExportLoc.SetEnabled(on[wizard.ActionExport])
			k.DeleteLoc.SetEnabled(on[wizard.ActionDelete])
		} else {
			k.AddOnStart.SetEnabled(true)
		}
	case wizard.StepName, wizard.StepType, wizard.StepWhere, wizard.StepAccess:
		m.syncFormKeys()
	case wizard.StepPolicies:
		p := &m.pol
		if p.prompting {
			k.only(&k.Write, &k.Cancel, &k.Quit)
			return
		}
		k.only(&k.Next, &k.Tabs, &k.Scroll, &k.Plain, &k.Back, &k.Quit)
		if d, ok := p.current(); ok && d.Err == nil {
			k.Copy.SetEnabled(true)
			k.SaveDoc.SetEnabled(true)
			k.CopyURL.SetEnabled(d.Kind == policies.KindCloudFormation && p.quickCreate != "")
		}
		k.Tabs.SetEnabled(len(p.docs) > 1)
		k.Plain.SetHelp("p", "plain view")
		if p.plain {
			k.Plain.SetHelp("p", "framed view")
		}
	case wizard.StepTest:
		t := &m.test
		k.only(&k.Retry, &k.Back, &k.Quit)
		if t.running {
			k.Retry.SetEnabled(false)
			return
		}
		k.Up.SetEnabled(len(t.checks) > 1)
		k.Down.SetEnabled(len(t.checks) > 1)
		c, ok := t.selectedCheck()
		k.Jump.SetEnabled(ok && canJump(c))
		k.Fix.SetEnabled(ok && c.Fix != "")
		k.Proceed.SetEnabled(!k.Jump.Enabled())
	case wizard.StepReview:
		k.only(&k.Save, &k.Scroll, &k.Back, &k.Quit)
	case wizard.StepDone:
		k.only(&k.Finish, &k.ExportNow, &k.Back, &k.Quit)
		k.Back.SetHelp("esc", "locations")
	case wizard.StepConfirmDelete, wizard.StepConfirmDiscard:
		k.only(&k.Yes, &k.No, &k.Quit)
	case wizard.StepConfirmRotate:
		k.only(&k.Yes, &k.No, &k.Quit)
		if _, pending := m.w.Rotation(); pending != "" {
			k.TrustUpdated.SetEnabled(true)
			k.CancelRotate.SetEnabled(true)
		}
	}
	if m.w.Step() != wizard.StepDone {
		k.Back.SetHelp("esc", "back")
	}
}

// syncFormKeys follows the focused field: lists choose with ↑/↓, switches
// toggle, secrets reveal (never in screen-share mode), the advanced line
// unfolds.
func (m *model) syncFormKeys() {
	k := &m.keys
	k.only(&k.Next, &k.Back, &k.Quit)
	if !m.w.CanGoBack() {
		k.Back.SetEnabled(false)
	}
	it, ok := m.form.current(m.w)
	if !ok {
		return
	}
	switch {
	case it.fold:
		k.Unfold.SetEnabled(true)
		k.NextField.SetEnabled(true)
		k.PrevField.SetEnabled(true)
		k.Unfold.SetHelp("space", "show advanced")
		if m.form.showAdvanced {
			k.Unfold.SetHelp("space", "hide advanced")
		}
	case it.f.Kind == wizard.KindSelect:
		k.Choose.SetEnabled(true)
		k.TabField.SetEnabled(true)
		k.BackTabField.SetEnabled(true)
	case it.f.Kind == wizard.KindBool:
		k.Toggle.SetEnabled(true)
		k.NextField.SetEnabled(true)
		k.PrevField.SetEnabled(true)
	default:
		k.NextField.SetEnabled(true)
		k.PrevField.SetEnabled(true)
		if it.f.Kind == wizard.KindSecret && !m.opts.ScreenShare {
			k.Reveal.SetEnabled(true)
			k.Reveal.SetHelp("ctrl+r", "reveal")
			if m.form.revealed[it.f.ID] {
				k.Reveal.SetHelp("ctrl+r", "hide")
			}
		}
	}
	// The region is asked of the bucket on the region field, whether it
	// is a list (AWS) or typed (a custom endpoint).
	k.Detect.SetEnabled(it.f.ID == "region" && !it.fold)
	ids := m.form.focusable(m.w)
	if len(ids) < 2 {
		k.NextField.SetEnabled(false)
		k.PrevField.SetEnabled(false)
		k.TabField.SetEnabled(false)
		k.BackTabField.SetEnabled(false)
	}
}
