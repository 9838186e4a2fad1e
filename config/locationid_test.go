package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func localLoc(name string) Location {
	return Location{Name: name, Type: TypeLocal, Local: &Local{Path: "/srv/" + name}}
}

// Every location has a stable ID: new ones on add, kept by replace and
// rename, written for an older file on its next save.
func TestLocationIDs(t *testing.T) {
	now := time.Now()
	f := &File{Version: CurrentVersion}
	if err := f.Upsert(localLoc("nas"), now); err != nil {
		t.Fatal(err)
	}
	id := f.Locations[0].ID
	if err := validateID(id); err != nil || len(id) != 12 {
		t.Fatalf("id %q: %v", id, err)
	}
	changed := localLoc("nas")
	changed.Local.Path = "/srv/other"
	if err := f.Upsert(changed, now); err != nil || f.Locations[0].ID != id {
		t.Fatalf("replace changed the id: %v %q → %q", err, id, f.Locations[0].ID)
	}
	if err := f.Rename("nas", "nas-two"); err != nil || f.Locations[0].ID != id {
		t.Fatalf("rename changed the id: %v %q → %q", err, id, f.Locations[0].ID)
	}

	// An older file: no ids; it loads, and its next save writes them.
	path := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(path, []byte("version: 1\nlocations:\n  - name: a\n    type: local\n    local:\n      path: /srv/a\n  - name: b\n    type: local\n    local:\n      path: /srv/b\n"), 0o600)
	old, err := Load(path)
	if err != nil || old.Locations[0].ID != "" {
		t.Fatalf("load: %v %+v", err, old)
	}
	if err := Save(path, old); err != nil {
		t.Fatal(err)
	}
	again, err := Load(path)
	if err != nil || again.Locations[0].ID == "" || again.Locations[1].ID == "" || again.Locations[0].ID == again.Locations[1].ID {
		t.Fatalf("save wrote no distinct ids: %v %+v", err, again)
	}

	// Two locations sharing an id would share a journal.
	data, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(data), again.Locations[1].ID, again.Locations[0].ID, 1)), 0o600)
	if _, err := Load(path); !errors.Is(err, ErrDuplicateID) || !strings.Contains(err.Error(), "id") {
		t.Fatalf("shared id: %v", err)
	}
}

func validateID(id string) error {
	l := localLoc("x")
	l.ID = id
	return l.Validate()
}

// config import keeps an imported id unless a location here has it, and
// --replace keeps the id of the location it replaces.
func TestImportIDs(t *testing.T) {
	now := time.Now()
	here := &File{Version: CurrentVersion}
	here.Upsert(localLoc("nas"), now)
	here.Upsert(localLoc("archive"), now)
	nasID, archiveID := here.Locations[0].ID, here.Locations[1].ID

	in := &File{Version: CurrentVersion}
	dup := localLoc("copy")
	dup.ID = nasID // e.g. an export of this very file, imported under a new name
	fresh := localLoc("moved")
	fresh.ID = "0123456789ab"
	repl := localLoc("archive")
	repl.ID = "ba9876543210"
	in.Locations = []Location{dup, fresh, repl}
	if _, err := here.Import(in, ImportOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, l := range here.Locations {
		ids[l.Name] = l.ID
	}
	if ids["copy"] == nasID || ids["copy"] == "" {
		t.Errorf("an imported id used here was kept: %q", ids["copy"])
	}
	if ids["moved"] != "0123456789ab" {
		t.Errorf("an imported id was not kept: %q", ids["moved"])
	}
	if ids["archive"] != archiveID {
		t.Errorf("--replace did not keep the id here: %q, want %q", ids["archive"], archiveID)
	}
}
