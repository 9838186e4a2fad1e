package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Draft is a location the wizard has not saved yet, kept next to the
// locations file so that quitting does not lose what was typed or
// generated: above all the external ID, which the customer may already have
// put in a trust policy. Values are the wizard's fields by setting path, as
// typed (invalid ones included); they may hold secrets, so the draft file is
// protected like the locations file (mode 0600, written atomically).
type Draft struct {
	Version int       `yaml:"version"`
	SavedAt time.Time `yaml:"saved_at"`
	// Editing is the saved name of the location being edited; "" for a
	// new location.
	Editing string `yaml:"editing,omitempty"`
	// Step is the wizard step the draft was left on.
	Step string `yaml:"step"`
	// Values are the fields by setting path ("s3.external_id").
	Values map[string]string `yaml:"values"`
}

const draftHeader = `Stowage unsaved location (draft). The wizard offers to resume or discard it at its next start. It may hold secret keys: keep it readable by you only (chmod 600).`

// DraftPath is the draft file kept next to the locations file at path:
// locations.yaml → locations.draft.yaml.
func DraftPath(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + ".draft" + ext
}

// ExternalID is the draft's external ID ("" for none), the one value a
// discarded draft cannot give back.
func (d *Draft) ExternalID() string {
	if d == nil {
		return ""
	}
	return d.Values["s3.external_id"]
}

// LoadDraft reads the draft at path; (nil, nil) when there is none.
func LoadDraft(path string) (*Draft, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read unsaved location: %w", err)
	}
	var d Draft
	if err := yaml.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("read unsaved location %s: %w; delete the file to start afresh", path, err)
	}
	if d.Version > CurrentVersion {
		return nil, fmt.Errorf("%s: %w (version %d); this build reads version %d — upgrade stowage", path, ErrNewerVersion, d.Version, CurrentVersion)
	}
	if len(d.Values) == 0 {
		return nil, nil
	}
	return &d, nil
}

// SaveDraft writes d to path atomically with mode 0600, creating a missing
// directory with mode 0700, as Save does for the locations file.
func SaveDraft(path string, d Draft) error {
	d.Version = CurrentVersion
	var node yaml.Node
	if err := node.Encode(&d); err != nil {
		return fmt.Errorf("save unsaved location: %w", err)
	}
	node.HeadComment = draftHeader
	data, err := encodeYAML(&node)
	if err != nil {
		return fmt.Errorf("save unsaved location: %w", err)
	}
	target, err := resolveLink(path)
	if err != nil {
		return err
	}
	if err := mkdirPrivate(filepath.Dir(target)); err != nil {
		return err
	}
	if err := writeAtomic(target, data); err != nil {
		return fmt.Errorf("save unsaved location %s: %w", path, err)
	}
	return nil
}

// RemoveDraft deletes the draft at path; a missing one is not an error.
func RemoveDraft(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove unsaved location: %w", err)
	}
	return nil
}
