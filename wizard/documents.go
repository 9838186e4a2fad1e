package wizard

import (
	"github.com/stowage-dev/stowage/policies"
)

// Document is one policy or script for the Policies step.
type Document struct {
	Kind        policies.Kind
	Title       string
	WhereItGoes string
	// Text is the document to copy, exactly as generated.
	Text string
	// Display is Text with account IDs and external IDs partly masked when
	// ScreenShare is on; otherwise it equals Text.
	Display string
	// Err says what setting the document still needs (errors.Is
	// policies.ErrMissing), e.g. the platform's principal ARNs.
	Err error
}

// Documents renders every document that applies to the draft, in display
// order. A document that cannot be rendered yet carries its Err instead of
// Text; the others are unaffected.
func (w *Wizard) Documents() []Document {
	loc := w.Draft()
	platform := w.effectivePlatform()
	var out []Document
	for _, k := range policies.Kinds(loc) {
		text, err := policies.Render(k, loc, platform)
		out = append(out, Document{
			Kind: k, Title: policies.Title(k), WhereItGoes: policies.WhereItGoes(k),
			Text: text, Display: w.DisplayText(text), Err: err,
		})
	}
	return out
}
