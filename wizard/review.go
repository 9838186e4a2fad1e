package wizard

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

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

// accountInARN matches the 12-digit account ID of an ARN, keeping its last
// four digits apart so a masked ARN still tells two accounts apart.
var accountInARN = regexp.MustCompile(`(arn:[a-z0-9-]+:[a-z0-9-]*:[a-z0-9-]*:)([0-9]{8})([0-9]{4})\b`)

// MaskAccountIDs partly masks every account ID inside an ARN in s:
// arn:aws:iam::123456789012:role/x becomes arn:aws:iam::••••••••9012:role/x.
func MaskAccountIDs(s string) string {
	return accountInARN.ReplaceAllString(s, "${1}••••••••${3}")
}

// maskTail shows only the last four characters of a value that identifies
// something but should not be read off a shared screen.
func maskTail(s string) string {
	if len(s) <= 4 {
		return strings.Repeat("•", len(s))
	}
	return "••••••••" + s[len(s)-4:]
}

// DisplayValue renders a field's value for showing: the option label of a
// select, Yes or No for a switch, config.RedactedSecret for a set secret
// (never any part of it), and with ScreenShare partly masked account IDs,
// access key IDs and external IDs. Input widgets use Field.Value instead.
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
	if w.ScreenShare {
		switch f.ID {
		case "external_id", "pending_external_id", "access_key_id":
			return maskTail(v)
		}
		v = MaskAccountIDs(v)
	}
	return v
}

// DisplayError renders an error for showing. Validation errors never
// contain a secret, but their examples may repeat the account ID typed, so
// with ScreenShare account IDs are masked here too.
func (w *Wizard) DisplayError(err error) string {
	if err == nil {
		return ""
	}
	return w.DisplayText(err.Error())
}

// DisplayText renders text that came from outside the wizard — a
// connection check's detail, hint or fix, a provider's error — for
// showing. Such text is not written with the screen in mind: a check may
// report the ARN of the session it assumed, a store may echo a request.
// So the draft's secrets (secret access key, connection string and its
// account key and SAS) are always replaced by config.RedactedSecret, and
// with ScreenShare account IDs in ARNs, the external IDs and the access
// key ID are partly masked, as DisplayValue masks them.
func (w *Wizard) DisplayText(s string) string {
	for _, secret := range w.secrets() {
		s = strings.ReplaceAll(s, secret, config.RedactedSecret)
	}
	s = w.maskText(s)
	if w.ScreenShare {
		if id := w.get(pathKeyID); len(id) > 4 {
			s = strings.ReplaceAll(s, id, maskTail(id))
		}
	}
	return s
}

// secrets lists the draft's secret values, longest first so a secret that
// holds another (a connection string holds its key) is replaced whole.
func (w *Wizard) secrets() []string {
	var out []string
	add := func(v string) {
		// A secret of a few characters would blank ordinary words.
		if len(v) >= 8 {
			out = append(out, v)
		}
	}
	add(w.get(pathSecret))
	if cs := w.get(pathConnStr); cs != "" {
		add(cs)
		if p, err := validate.ParseConnectionString(cs); err == nil {
			add(p.AccountKey)
			add(p.SharedAccessSignature)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// maskText masks a whole document for display under ScreenShare: account
// IDs in ARNs and the draft's external IDs.
func (w *Wizard) maskText(s string) string {
	if !w.ScreenShare {
		return s
	}
	s = MaskAccountIDs(s)
	for _, id := range []string{w.get(pathExtID), w.get(pathPendingID)} {
		if id != "" {
			s = strings.ReplaceAll(s, id, maskTail(id))
		}
	}
	return s
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
