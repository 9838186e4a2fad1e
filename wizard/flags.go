package wizard

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/stowage-dev/stowage/config"
)

// FromFlags runs the wizard without a screen, for `stowage setup
// --non-interactive`: it drafts a new location from values (field ID or
// config path → value, e.g. "bucket", "s3.region", "role-arn"), walks every
// step with the same validation as the interactive wizard, and returns the
// wizard on StepReview, ready for Save. The error joins every bad or
// missing field, each a *FieldError naming the field, the rule and an
// example. The external ID of a role location is generated, never taken
// from values. To change a saved location instead, call New, Edit, Apply
// and Advance.
func FromFlags(file *config.File, platform config.Platform, values map[string]string, now func() time.Time) (*Wizard, error) {
	w := New(file, platform, now)
	w.Add()
	applyErr := w.Apply(values)
	// Advance too, so that one run also reports the required fields no
	// flag gave; a field Apply already refused is reported once.
	errs := flatten(applyErr)
	seen := map[string]bool{}
	for _, e := range errs {
		var fe *FieldError
		if errors.As(e, &fe) {
			seen[fe.Field] = true
		}
	}
	for _, e := range flatten(w.Advance()) {
		var fe *FieldError
		if errors.As(e, &fe) && seen[fe.Field] {
			continue
		}
		errs = append(errs, e)
	}
	return w, errors.Join(errs...)
}

// flatten lists the errors inside an errors.Join, or err alone.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		if _, isField := err.(*FieldError); !isField {
			var out []error
			for _, e := range j.Unwrap() {
				out = append(out, flatten(e)...)
			}
			return out
		}
	}
	return []error{err}
}

// applyFirst are set before the others because the rules of later fields
// depend on them (the region rule on the endpoint, the fields on the type).
var applyFirst = []string{"type", "auth", "endpoint", "encryption"}

// Apply sets every value, the type and the fields others depend on first,
// and returns errors.Join of every failure; valid values are set even when
// others fail. Keys are field IDs or config paths; "-" may stand for "_".
func (w *Wizard) Apply(values map[string]string) error {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		_, id := sectionOf(flagKey(k))
		if i := slices.Index(applyFirst, id); i >= 0 {
			return i
		}
		return len(applyFirst)
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	var errs []error
	for _, k := range keys {
		if err := w.Set(flagKey(k), values[k]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func flagKey(k string) string { return strings.ReplaceAll(strings.TrimLeft(k, "-"), "-", "_") }
