package tui

import (
	"slices"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/wizard"
)

// formOrder lists the rows of the form on screen, by field ID.
func formOrder(m *model) []string {
	var ids []string
	for _, it := range m.formNow().items() {
		ids = append(ids, it.f.ID)
	}
	return ids
}

// TestAddAndEditShowFieldsInTheSameOrder adds an S3-compatible location
// with access keys, typing the endpoint where the Where step offers it (in
// the advanced settings), and edits the same location once saved: both
// show the Where step's fields in the same order.
func TestAddAndEditShowFieldsInTheSameOrder(t *testing.T) {
	add := newTestModel(t, Options{Platform: fixturePlatform})
	if err := add.w.Apply(map[string]string{"name": "minio", "type": wizard.ChoiceS3Keys}); err != nil {
		t.Fatal(err)
	}
	if err := add.w.Goto(wizard.StepWhere); err != nil {
		t.Fatal(err)
	}
	_ = add.enterStep()
	typeText(add, "call-recordings")
	press(add, "tab", "tab", "tab", "space", "tab")
	if add.formNow().focus != "endpoint" {
		t.Fatalf("focus on %q, want the endpoint (first advanced field); rows %v", add.formNow().focus, formOrder(add))
	}
	typeText(add, "https://minio.acme.internal:9000")
	added := formOrder(add)

	f := &config.File{Version: config.CurrentVersion, Locations: []config.Location{add.w.Draft()}}
	edit := newTestModel(t, Options{File: f, Platform: fixturePlatform, EditName: "minio"})
	if err := edit.w.Goto(wizard.StepWhere); err != nil {
		t.Fatal(err)
	}
	_ = edit.enterStep()
	edit.formNow().showAdvanced = true
	edited := formOrder(edit)
	if !slices.Equal(added, edited) {
		t.Errorf("the Where step shows its fields in another order when editing:\nadding  %v\nediting %v", added, edited)
	}
}
