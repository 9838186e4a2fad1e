package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/policies"
	"github.com/stowage-dev/stowage/wizard"
)

// docFileMode is the mode of a saved document: these documents hold no
// secret (ARNs, bucket names, the external ID), so others may read them.
const docFileMode fs.FileMode = 0o644

// policyScreen is the Policies step: a tab per document, each scrollable,
// with copy, save and a plain view for selecting text with the mouse.
type policyScreen struct {
	*common
	keys     policyKeys
	docs     []wizard.Document
	tab      int
	vp       viewport.Model
	plain    bool
	location string
	// externalID is highlighted inside documents; roleARN is the
	// customer's role (role mode, once known); quickCreate is the
	// CloudFormation console link; each "" when it does not apply. Each
	// has a key that copies just it: they are what is pasted most.
	externalID  string
	roleARN     string
	quickCreate string
	// hardening says, a line per choice, how the documents that create
	// the bucket protect it, and why (policies.Hardening.Lines).
	hardening []string

	// prompting asks for the file name of `s`.
	prompting bool
	path      textinput.Model
	// overwrite is the path the user was warned exists; a second enter on
	// the same path overwrites it.
	overwrite string

	width, height int
}

type policyKeys struct {
	Next key.Binding
	// Write and Cancel answer the file name prompt.
	Write key.Binding
	// Tabs moves between documents: left/shift+tab back, right/tab on.
	Tabs   key.Binding
	Scroll key.Binding
	Copy   key.Binding
	// CopyID, CopyRole and CopyURL copy the external ID, the role ARN
	// and the quick-create link alone.
	CopyID   key.Binding
	CopyRole key.Binding
	CopyURL  key.Binding
	SaveDoc  key.Binding
	Plain    key.Binding
	Back     key.Binding
	Cancel   key.Binding
	Quit     key.Binding
}

func newPolicyScreen(c *common) *policyScreen {
	return &policyScreen{common: c, keys: policyKeys{
		Next:     bind([]string{"enter"}, "enter", "next"),
		Write:    bind([]string{"enter"}, "enter", "write"),
		Tabs:     bind([]string{"left", "right", "tab", "shift+tab", "h", "l"}, "←/→", "document"),
		Scroll:   bind([]string{"up", "down", "pgup", "pgdown", "k", "j"}, "↑/↓", "scroll"),
		Copy:     bind([]string{"c"}, "c", "copy all"),
		CopyID:   bind([]string{"e"}, "e", "copy external ID"),
		CopyRole: bind([]string{"a"}, "a", "copy role ARN"),
		CopyURL:  bind([]string{"u"}, "u", "copy link"),
		SaveDoc:  bind([]string{"s"}, "s", "save"),
		Plain:    bind([]string{"p"}, "p", "plain view"),
		Back:     backKey(),
		Cancel:   bind([]string{"esc"}, "esc", "cancel"),
		Quit:     quitKey(),
	}}
}

func (k *policyKeys) all() []*key.Binding {
	return []*key.Binding{&k.Next, &k.Write, &k.Tabs, &k.Scroll, &k.Copy, &k.CopyID, &k.CopyRole, &k.CopyURL, &k.SaveDoc, &k.Plain, &k.Back, &k.Cancel, &k.Quit}
}

// sync enables what applies to the document shown, or to the prompt.
func (p *policyScreen) sync() {
	k := &p.keys
	setAll(false, k.all()...)
	if p.prompting {
		setAll(true, &k.Write, &k.Cancel, &k.Quit)
		return
	}
	setAll(true, &k.Next, &k.Scroll, &k.Plain, &k.Back, &k.Quit)
	d, ok := p.current()
	if ok && d.Err == nil {
		setAll(true, &k.Copy)
		k.SaveDoc.SetEnabled(!p.served())
		k.CopyURL.SetEnabled(d.Kind == policies.KindCloudFormation && p.quickCreate != "")
	}
	// The external ID and the role ARN are copied where the screen
	// speaks of them: the tabs that show the external ID line, and the
	// role's own two policies.
	k.CopyID.SetEnabled(ok && p.externalID != "" && showsExternalID(d.Kind))
	k.CopyRole.SetEnabled(ok && p.roleARN != "" && (d.Kind == policies.KindPermissions || d.Kind == policies.KindTrust))
	k.Tabs.SetEnabled(len(p.docs) > 1)
	k.Plain.SetHelp("p", "plain view")
	if p.plain {
		k.Plain.SetHelp("p", "framed view")
	}
}

// ShortHelp implements help.KeyMap.
func (p *policyScreen) ShortHelp() []key.Binding {
	p.sync()
	return enabled(p.keys.all()...)
}

// FullHelp implements help.KeyMap.
func (p *policyScreen) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

func (p *policyScreen) typing() bool { return p.prompting }

func (p *policyScreen) restyle() {
	p.path.SetStyles(p.st.input)
	p.setContent()
}

// enter renders the documents of the draft.
func (p *policyScreen) enter() tea.Cmd {
	w := p.w
	loc := w.Draft()
	p.docs, p.tab, p.plain, p.location = w.Documents(), 0, false, loc.Name
	p.externalID, p.roleARN, p.quickCreate, p.prompting, p.overwrite = "", "", "", false, ""
	if loc.S3 != nil && loc.S3.Auth == config.AuthRole {
		p.externalID, p.roleARN = loc.S3.ExternalID, loc.S3.RoleARN
	}
	if u, err := policies.QuickCreateURL(loc, w.Platform()); err == nil {
		p.quickCreate = u
	}
	p.hardening = nil
	if loc.S3 != nil {
		p.hardening = policies.HardeningOf(loc).Lines()
	}
	p.vp = viewport.New()
	p.vp.SoftWrap = true
	p.path = textinput.New()
	p.path.Prompt = "save to: "
	p.path.SetStyles(p.st.input)
	p.setContent()
	return nil
}

// header is the title and banner: each document says where it goes, so
// the room is the document's.
func (p *policyScreen) header() string {
	lines := p.titleLines(wizard.StepTitle(wizard.StepPolicies))
	if !p.plain {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func (p *policyScreen) current() (wizard.Document, bool) {
	if p.tab < len(p.docs) {
		return p.docs[p.tab], true
	}
	return wizard.Document{}, false
}

// shown is the document text on screen: masked in screen-share mode.
func (p *policyScreen) shown(d wizard.Document) string {
	if p.opts.ScreenShare {
		return d.Display
	}
	return d.Text
}

// setContent puts the current document in the viewport, with line numbers
// and the external ID highlighted unless in plain view.
func (p *policyScreen) setContent() {
	d, ok := p.current()
	if !ok {
		p.vp.SetContent("")
		return
	}
	if d.Err != nil {
		p.vp.LeftGutterFunc = viewport.NoGutter
		// Wrapped between words here: the viewport would cut mid-word.
		p.vp.SetContent(wrap(p.st.err, "✗ This document cannot be generated yet: "+p.w.DisplayError(d.Err), max(20, p.contentWidth()-4)))
		return
	}
	text := strings.TrimRight(p.shown(d), "\n")
	if p.plain {
		p.vp.LeftGutterFunc = viewport.NoGutter
		p.vp.SetContent(text)
		return
	}
	if id := p.externalID; id != "" && !p.opts.ScreenShare {
		text = strings.ReplaceAll(text, id, p.st.mark.Render(id))
	}
	gutter := p.st.gutter
	p.vp.LeftGutterFunc = func(g viewport.GutterContext) string {
		switch {
		case g.Soft:
			return gutter.Render("     ")
		case g.Index >= g.TotalLines:
			return gutter.Render("   ~ ")
		}
		return gutter.Render(fmt.Sprintf("%4d ", g.Index+1))
	}
	p.vp.SetContent(text)
}

func (p *policyScreen) setSize(w, h int) { p.width, p.height = w, h }

// shortTitle is a document's tab label.
func shortTitle(k policies.Kind) string {
	switch k {
	case policies.KindPermissions:
		return "Permissions"
	case policies.KindTrust:
		return "Trust"
	case policies.KindBucket:
		return "Bucket"
	case policies.KindKMS:
		return "KMS"
	case policies.KindCloudFormation:
		return "CloudFormation"
	case policies.KindTerraform:
		return "Terraform"
	case policies.KindAWSCLI:
		return "AWS CLI"
	case policies.KindAzureSAS:
		return "Azure SAS"
	}
	return string(k)
}

// docExt is the file extension a document is saved with.
func docExt(k policies.Kind) string {
	switch k {
	case policies.KindPermissions, policies.KindTrust, policies.KindBucket, policies.KindKMS, policies.KindCloudFormation:
		return ".json"
	case policies.KindTerraform:
		return ".tf"
	case policies.KindAWSCLI, policies.KindAzureSAS:
		return ".sh"
	}
	return ".txt"
}

// defaultDocPath is ./<location>-<kind>.<ext>.
func defaultDocPath(location string, k policies.Kind) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '-'
		}
		return r
	}, location)
	return "./" + name + "-" + string(k) + docExt(k)
}

func (p *policyScreen) update(msg tea.Msg) tea.Cmd {
	p.sync()
	k := p.keys
	kp, isKey := msg.(tea.KeyPressMsg)
	if p.prompting {
		if isKey {
			switch {
			case key.Matches(kp, k.Cancel):
				p.prompting = false
				return nil
			case key.Matches(kp, k.Write):
				return p.writeDoc()
			}
		}
		var cmd tea.Cmd
		p.path, cmd = p.path.Update(msg)
		p.overwrite = ""
		return cmd
	}
	if !isKey {
		return nil
	}
	d, _ := p.current()
	switch {
	case key.Matches(kp, k.Back):
		if p.plain {
			p.plain = false
			p.setContent()
			return nil
		}
		p.w.Back()
	case key.Matches(kp, k.Next):
		p.next()
	case key.Matches(kp, k.Tabs):
		step := 1
		switch kp.String() {
		case "left", "shift+tab", "h":
			step = len(p.docs) - 1
		}
		p.tab = (p.tab + step) % len(p.docs)
		p.vp.GotoTop()
		p.setContent()
	case key.Matches(kp, k.Plain):
		p.plain = !p.plain
		p.setContent()
	case key.Matches(kp, k.Copy):
		return copyCmd(p.ctx, d.Text, "", p.clip)
	case key.Matches(kp, k.CopyID):
		return copyCmd(p.ctx, p.externalID, "the external ID", p.clip)
	case key.Matches(kp, k.CopyRole):
		return copyCmd(p.ctx, p.roleARN, "the role ARN", p.clip)
	case key.Matches(kp, k.CopyURL):
		return copyCmd(p.ctx, p.quickCreate, "the quick-create link", p.clip)
	case key.Matches(kp, k.SaveDoc):
		p.prompting = true
		p.overwrite = ""
		p.path.SetValue(defaultDocPath(p.location, d.Kind))
		p.path.CursorEnd()
		p.path.SetWidth(p.contentWidth() - 12)
		return p.path.Focus()
	case key.Matches(kp, k.Scroll):
		var cmd tea.Cmd
		p.vp, cmd = p.vp.Update(msg)
		return cmd
	}
	return nil
}

// docSavedMsg reports a document written to a file.
type docSavedMsg struct {
	path  string
	bytes int
	err   error
}

// writeDoc writes the current document where the prompt says, asking once
// before replacing a file.
func (p *policyScreen) writeDoc() tea.Cmd {
	d, ok := p.current()
	if !ok {
		return nil
	}
	path := strings.TrimSpace(p.path.Value())
	if path == "" {
		p.setStatus("Enter a file name, e.g. "+defaultDocPath(p.location, d.Kind), true)
		return nil
	}
	if _, err := os.Stat(path); err == nil && p.overwrite != path {
		p.overwrite = path
		p.setStatus(path+" exists; press enter again to replace it, or change the name.", true)
		return nil
	}
	p.prompting = false
	text := d.Text
	return func() tea.Msg {
		err := writeFile(path, text)
		return docSavedMsg{path: path, bytes: len(text), err: err}
	}
}

// writeFile writes text to path with mode 0644, creating no folders: a
// missing folder is more likely a typo than a wish.
func writeFile(path, text string) error {
	if err := os.WriteFile(path, []byte(text), docFileMode); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot write %s: the folder %s does not exist; pick an existing folder, e.g. ./%s", path, filepath.Dir(path), filepath.Base(path))
		}
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	// WriteFile keeps the mode of a file it replaces; documents hold no
	// secret, so make the mode what the user was told.
	return os.Chmod(path, docFileMode)
}

// listen takes a document's write, whatever the screen.
func (p *policyScreen) listen(msg tea.Msg) (tea.Cmd, bool) {
	saved, ok := msg.(docSavedMsg)
	if !ok {
		return nil, false
	}
	if saved.err != nil {
		p.setStatus(saved.err.Error(), true)
	} else {
		p.setStatus(fmt.Sprintf("Saved %s to %s.", plural(saved.bytes, "byte"), saved.path), false)
	}
	return nil, true
}

// view draws the tabs, where the document goes, the external ID notice
// and the document, in height lines.
func (p *policyScreen) view() string {
	st, width, height := p.st, p.width, p.height
	if len(p.docs) == 0 {
		return wrap(st.muted, "No documents apply to this location.", width)
	}
	d, _ := p.current()
	if p.plain {
		// The plain view is for selecting text, so the marker gets a row
		// of its own below the text rather than a place inside it.
		p.vp.SetWidth(width + 2)
		setHeight(&p.vp, height)
		if p.vp.AtTop() && p.vp.AtBottom() {
			return p.vp.View()
		}
		setHeight(&p.vp, height-1)
		return p.vp.View() + "\n" + st.muted.Render(scrollMarkers(p.vp.AtTop(), p.vp.AtBottom()))
	}
	var tabs []string
	for i, doc := range p.docs {
		t := shortTitle(doc.Kind)
		if i == p.tab {
			tabs = append(tabs, st.tabOn.Render(t))
		} else {
			tabs = append(tabs, st.tab.Render(t))
		}
	}
	var head []string
	head = append(head, clipLines(strings.Join(tabs, "│"), width))
	head = append(head, wrap(st.muted, d.WhereItGoes, width))
	if p.externalID != "" && showsExternalID(d.Kind) {
		line := "External ID " + st.mark.Render(" "+mask(p.externalID, p.opts.ScreenShare)+" ")
		if d.Kind != policies.KindTrust {
			// The trust policy's own note already says this.
			line += " — the connection will not work until the trust policy holds it."
		}
		head = append(head, wrap(st.label, line, width))
	}
	if d.Kind == policies.KindCloudFormation && p.quickCreate != "" {
		// The link itself is never drawn: it is long, and it carries the
		// external ID and account IDs where screen-share masking cannot
		// reach them. u copies the real link, as the user asked.
		line := "Quick-create link: u copies it; open it signed in to the bucket's account."
		if p.opts.ScreenShare {
			line = "Quick-create link (not shown: it holds the external ID and account IDs): u copies it; open it signed in to the bucket's account."
		}
		head = append(head, wrap(st.label, line, width))
	}
	if createsBucket(d.Kind) && d.Err == nil {
		for _, l := range p.hardening {
			head = append(head, wrap(st.muted, l, width))
		}
	}
	if p.prompting {
		head = append(head, p.path.View())
	}
	top := strings.Join(head, "\n")
	vpH := height - lipgloss.Height(top) - 2
	if vpH < 3 {
		vpH = 3
	}
	p.vp.SetWidth(width - 2)
	setHeight(&p.vp, vpH)
	return top + "\n" + p.box(st)
}

// createsBucket reports whether a document of kind k creates the bucket,
// hardened as policies.Hardening says.
func createsBucket(k policies.Kind) bool {
	switch k {
	case policies.KindCloudFormation, policies.KindTerraform, policies.KindAWSCLI:
		return true
	}
	return false
}

// showsExternalID reports whether the tab of a document of kind k shows
// the external ID line: the documents that hold the trust policy.
func showsExternalID(k policies.Kind) bool {
	switch k {
	case policies.KindTrust, policies.KindCloudFormation, policies.KindTerraform, policies.KindAWSCLI:
		return true
	}
	return false
}

// box draws the document in its frame; a part scrolled out of view is
// announced in the top or bottom edge of the frame.
func (p *policyScreen) box(st styles) string {
	lines := strings.Split(st.doc.Render(p.vp.View()), "\n")
	edge := lipgloss.NewStyle().Foreground(st.doc.GetBorderTopForeground())
	b := lipgloss.RoundedBorder()
	inner := lipgloss.Width(lines[0]) - 2
	label := func(left, line, right, text string) string {
		text = " " + text + " "
		fill := max(0, inner-1-lipgloss.Width(text))
		return edge.Render(left+line) + st.muted.Render(text) + edge.Render(strings.Repeat(line, fill)+right)
	}
	if !p.vp.AtTop() {
		lines[0] = label(b.TopLeft, b.Top, b.TopRight, strings.TrimSpace(moreAbove))
	}
	if !p.vp.AtBottom() {
		lines[len(lines)-1] = label(b.BottomLeft, b.Bottom, b.BottomRight, strings.TrimSpace(moreBelow)+" (↑/↓ to scroll)")
	}
	return strings.Join(lines, "\n")
}

// scrollMarkers is the marker row of the plain view.
func scrollMarkers(atTop, atBottom bool) string {
	var parts []string
	if !atTop {
		parts = append(parts, strings.TrimSpace(moreAbove))
	}
	if !atBottom {
		parts = append(parts, strings.TrimSpace(moreBelow))
	}
	return "  " + strings.Join(parts, " · ") + " (↑/↓ to scroll)"
}

// quickCreateHidden stands in for the quick-create link in screen-share
// mode; the command after it prints the link after the session.
const quickCreateHidden = "(hidden in screen-share mode: it holds the external ID and account IDs. Once the location is saved, print it after the session with this command:)"

// quickCreateCommand prints the quick-create link of a saved location.
func quickCreateCommand(location string) string {
	return shellWord("stowage policy "+location) + " --kind cloudformation"
}
