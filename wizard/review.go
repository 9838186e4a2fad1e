package wizard

import (
	"fmt"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// ReviewLine is one setting on the Review step.
type ReviewLine struct {
	Label string
	// Value is safe to show: secrets are always config.RedactedSecret, and
	// with ScreenShare account IDs and external IDs are partly masked.
	Value string
	// Field is the ID to pass to JumpToField to change it; "" for lines
	// that are not a field (the connection test).
	Field string
}

// MaskAccountIDs partly masks every account ID inside an ARN in s, as
// config.MaskAccountIDs does.
func MaskAccountIDs(s string) string { return config.MaskAccountIDs(s) }

// DisplayValue renders a field's value for showing: the option label of a
// select, Yes or No for a switch, config.RedactedSecret for a set secret
// (never any part of it), and the rest through config.Show, which masks
// identifiers in screen-share mode (an unfinished one, with an error, as
// config.ShowTyping has it). Input widgets hold Field.Value instead
// (unless Field.Masked) and echo TypingValue.
func (w *Wizard) DisplayValue(f Field) string {
	if f.Value == "" {
		return ""
	}
	if f.Kind == KindSecret {
		return config.RedactedSecret
	}
	v := f.Value
	switch f.Kind {
	case KindBool:
		if b, ok := parseBool(v); ok {
			if b {
				return "Yes"
			}
			return "No"
		}
	case KindSelect, KindText:
		for _, o := range f.Options {
			if o.Value == v && o.Label != "" {
				v = o.Label
				break
			}
		}
	}
	if f.MaskTyping && f.Err != nil {
		// Not finished: shown as it was while typed, so its last four
		// characters do not tell a little more with every visit.
		return config.ShowTyping(f.Sensitivity, v, w.ScreenShare, false)
	}
	return config.Show(f.Sensitivity, v, w.ScreenShare)
}

// DisplayError renders an error for showing. Validation errors never
// contain a secret, but their examples may repeat the account ID typed, so
// they are masked like any text.
func (w *Wizard) DisplayError(err error) string {
	if err == nil {
		return ""
	}
	return w.DisplayText(err.Error())
}

// DisplayText renders text that came from outside the wizard — a
// connection check's detail, hint or fix, a provider's error, a document —
// for showing. Such text is not written with the screen in mind: a check
// may report the ARN of the session it assumed, a store may echo a
// request. It goes through a config.Redactor that knows the draft's and
// the platform's values: secrets are always replaced, identifiers masked
// in screen-share mode.
func (w *Wizard) DisplayText(s string) string { return w.Redactor().Text(s) }

// FileText renders text about any saved location (the list of locations,
// a saved test summary) for showing: through a config.Redactor that knows
// every location of the file, the platform and the draft.
func (w *Wizard) FileText(s string) string {
	r := w.Redactor()
	r.AddFile(w.file)
	return r.Text(s)
}

// Redactor returns a config.Redactor for the wizard's mode that knows the
// draft's values (all of them, whatever the mode uses) and the platform's.
func (w *Wizard) Redactor() *config.Redactor {
	r := config.NewRedactor(w.ScreenShare)
	r.AddPlatform(w.platform)
	// Every value typed, also those of another type or mode.
	for _, d := range defs {
		r.Add(d.s.Sensitivity, w.get(d.path))
	}
	return r
}

// emptyText is what Review shows for an optional field left empty.
var emptyText = map[string]string{
	"prefix":   "(root)",
	"endpoint": "Amazon S3",
}

// Review returns the settings of the draft, step by step, as they will be
// saved, and the state of the connection test. No secret appears in it.
func (w *Wizard) Review() []ReviewLine {
	var out []ReviewLine
	for _, s := range w.Flow() {
		if s == StepPolicies || s == StepTest || s == StepReview {
			continue
		}
		for _, f := range w.Fields(s) {
			if !f.Visible && f.ID != "auth" {
				continue
			}
			v := w.DisplayValue(f)
			if f.ID == "auth" {
				if config.AuthMode(f.Value) != config.AuthDefault {
					continue
				}
				v = "AWS default credential chain of Stowage's environment"
			}
			if v == "" {
				if e, ok := emptyText[f.ID]; ok {
					v = e
				} else if label, ok := emptyOptionLabel(f); ok {
					v = label
				} else if f.Kind == KindNumber || f.Kind == KindBool || (f.Kind == KindText && !f.Required) {
					continue
				} else {
					v = "(not set)"
				}
			}
			out = append(out, ReviewLine{Label: f.Label, Value: v, Field: f.ID})
			if f.ID == "connection_string" {
				if cs, err := validate.ParseConnectionString(f.Value); err == nil && cs.AccountName != "" {
					out = append(out, ReviewLine{Label: "Storage account", Value: cs.AccountName, Field: f.ID})
				}
			}
		}
	}
	out = append(out, ReviewLine{Label: "Connection test", Value: w.testLine()})
	return out
}

func (w *Wizard) testLine() string {
	t := w.lastTest
	if t == nil {
		return "not run since the last change (optional, but it finds missing permissions now rather than during an export)"
	}
	word := "passed"
	if !t.OK {
		word = "failed"
	}
	// The summary may quote a check, so it is masked like one.
	return fmt.Sprintf("%s at %s: %s", word, t.At.Local().Format("2006-01-02 15:04"), w.DisplayText(t.Summary))
}

// Warnings returns advice about the draft that does not stop a save, such
// as a bucket name with dots or a pending external ID rotation.
func (w *Wizard) Warnings() []string { return w.Draft().Warnings() }

// emptyOptionLabel is the label of a select field's option for no value
// ("Automatic"), so Review does not call a chosen default "not set".
func emptyOptionLabel(f Field) (string, bool) {
	if f.Kind != KindSelect {
		return "", false
	}
	for _, o := range f.Options {
		if o.Value == "" {
			return o.Label, true
		}
	}
	return "", false
}
