package wizard

import (
	"errors"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// TestPasteIsNormalisedOnePolicyPerSetting pastes values with the spaces
// and newline a terminal copy brings along. Names, IDs, ARNs, regions and
// connection strings are trimmed and saved trimmed; a secret loses only
// its trailing newline, and whitespace inside it is refused naming the
// field, the rule and an example.
func TestPasteIsNormalisedOnePolicyPerSetting(t *testing.T) {
	azure := func(w *Wizard) { mustSet(t, w, "type", ChoiceAzure) }
	role := func(w *Wizard) { mustSet(t, w, "type", ChoiceS3Role) }
	keys := func(w *Wizard) { mustSet(t, w, "type", ChoiceS3Keys) }
	tests := []struct {
		field, paste, want string
		setup              func(*Wizard)
	}{
		{"connection_string", "  " + connString + "  \n", connString, azure},
		{"container", " call-recordings\n", "call-recordings", azure},
		{"role_arn", "  " + roleARN + "\n", roleARN, role},
		{"bucket", "acme-recordings \r\n", "acme-recordings", role},
		{"region", " eu-west-1\n", "eu-west-1", role},
		{"access_key_id", keyID + "\n", keyID, keys},
		{"secret_access_key", secretKey + "\n", secretKey, keys},
		{"secret_access_key", secretKey + "\r\n", secretKey, keys},
		{"name", "  acme\n", "acme", nil},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			w := New(nil, testPlatform, fixedNow)
			if tt.setup != nil {
				tt.setup(w)
			}
			if err := w.Set(tt.field, tt.paste); err != nil {
				t.Fatalf("Set(%q, %q): %v", tt.field, tt.paste, err)
			}
			f, _ := w.Field(tt.field)
			if f.Value != tt.want {
				t.Errorf("stored %q, want %q", f.Value, tt.want)
			}
		})
	}

	w := New(nil, testPlatform, fixedNow)
	keys(w)
	err := w.Set("secret_access_key", secretKey[:20]+" "+secretKey[20:])
	var ve *validate.Error
	if !errors.As(err, &ve) || ve.Field != "secret access key" || !strings.Contains(ve.Rule, "space") || ve.Example == "" {
		t.Fatalf("inner space in a secret: %v", err)
	}
	if strings.Contains(err.Error(), secretKey[:8]) {
		t.Errorf("the error quotes the secret: %v", err)
	}

	// The draft saves what was stored, trimmed.
	w = New(nil, testPlatform, fixedNow)
	azure(w)
	mustSet(t, w, "connection_string", " "+connString+" \n")
	if got := w.Draft().Azure.ConnectionString; got != connString {
		t.Errorf("draft connection string %q, want %q", got, connString)
	}
	_ = config.TypeAzure
}

// TestEverySettingIsAField: each config setting is a wizard field on a
// step of the flow, so the table cannot name a step the wizard lacks.
func TestEverySettingIsAField(t *testing.T) {
	for _, s := range config.LocationSettings {
		if !inFlow(Step(s.Step)) {
			t.Errorf("%s is on step %q, which is not a step of the flow", s.Path, s.Step)
		}
		if s.Label == "" || s.Word == "" || s.Help == "" || s.Example == "" {
			t.Errorf("%s lacks a label, word, help or example", s.Path)
		}
	}
	// One field per location setting, and the platform principal.
	if len(defs) != len(config.LocationSettings)+1 {
		t.Errorf("%d fields for %d settings", len(defs), len(config.LocationSettings))
	}
	for path := range screens {
		if _, ok := config.LocationSetting(path); !ok && path != pathPrincipals {
			t.Errorf("screens has %q, which is no setting", path)
		}
	}
}
