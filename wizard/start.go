package wizard

import (
	"net/url"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// Action is something the start list offers for a saved location.
type Action string

const (
	// ActionAdd is offered by the list itself, not by an entry: Add.
	ActionAdd    Action = "add"
	ActionEdit   Action = "edit"
	ActionTest   Action = "test"
	ActionRotate Action = "rotate"
	ActionExport Action = "export"
	ActionDelete Action = "delete"
)

// Entry is one saved location on the start list.
type Entry struct {
	Name string
	// Type is the label of the storage choice ("Amazon S3 — IAM role").
	Type string
	// Where is the bucket, container or folder, e.g. s3://acme/recordings/.
	Where    string
	LastTest *config.TestResult
	// RotationPending is true while a new external ID waits for the trust
	// policy.
	RotationPending bool
	// Actions the location offers. Edit, Rotate and Delete are wizard
	// methods of the same name; Test and Export need I/O, which the caller
	// runs on the saved location.
	Actions []Action
}

// Entries lists the saved locations by name for StepStart. It never shows
// a secret; with ScreenShare identifiers are masked (FileText).
func (w *Wizard) Entries() []Entry {
	var out []Entry
	r := w.Redactor()
	r.AddFile(w.file)
	for _, name := range w.file.Names() {
		l, _ := w.file.Find(name)
		e := Entry{Name: l.Name, Type: string(l.Type), Where: where(*l), LastTest: l.LastTest}
		e.Actions = []Action{ActionEdit, ActionTest, ActionExport}
		if s := l.S3; s != nil {
			e.Type = choiceLabel(s.Auth)
			if s.Auth == config.AuthRole && s.ExternalID != "" {
				e.Actions = append(e.Actions, ActionRotate)
			}
			e.RotationPending = s.PendingExternalID != ""
		} else {
			e.Type = optionLabel(TypeOptions, string(l.Type))
		}
		e.Actions = append(e.Actions, ActionDelete)
		e.Where = r.Text(e.Where)
		out = append(out, e)
	}
	return out
}

func choiceLabel(a config.AuthMode) string {
	switch a {
	case config.AuthKeys:
		return optionLabel(TypeOptions, ChoiceS3Keys)
	case config.AuthDefault:
		return optionLabel(TypeOptions, ChoiceS3Default)
	}
	return optionLabel(TypeOptions, ChoiceS3Role)
}

func optionLabel(opts []Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// where names a location's storage without any secret.
func where(l config.Location) string {
	switch {
	case l.S3 != nil:
		s := "s3://" + l.S3.Bucket + "/" + l.S3.Prefix
		if l.S3.Endpoint != "" {
			if u, err := url.Parse(l.S3.Endpoint); err == nil && u.Host != "" {
				s += " at " + u.Host
			}
		}
		return s
	case l.Azure != nil:
		account := "<account>"
		if cs, err := validate.ParseConnectionString(l.Azure.ConnectionString); err == nil && cs.Account() != "" {
			account = cs.Account()
		}
		return "azure://" + account + "/" + l.Azure.Container + "/" + l.Azure.Prefix
	case l.Local != nil:
		return l.Local.Path
	}
	return ""
}
