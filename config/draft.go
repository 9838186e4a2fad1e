package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/stowage-dev/stowage/internal/proc"
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
	// Owner is the wizard session writing the draft while it runs; it is
	// written without one as the session ends. A draft whose owner still
	// runs is not offered to another session (LeftDrafts).
	Owner *DraftOwner `yaml:"owner,omitempty"`

	// Path is the file the draft was read from (LoadDraft, LeftDrafts).
	Path string `yaml:"-"`
}

// DraftOwner names the process of a running wizard session, as the owner
// file of an export journal does (internal/journaldb): its pid, host and
// start.
type DraftOwner struct {
	PID     int       `yaml:"pid"`
	Host    string    `yaml:"host,omitempty"`
	Started time.Time `yaml:"started"`
}

// ThisProcess is the owner of the drafts this process writes, started at
// started.
func ThisProcess(started time.Time) *DraftOwner {
	host, _ := os.Hostname()
	return &DraftOwner{PID: os.Getpid(), Host: host, Started: started.UTC().Truncate(time.Second)}
}

// Running reports whether the owner's session may still be running: its
// process runs (this process included: another session of it may be the
// owner). A process killed a moment ago that its parent has not collected
// (a zombie), or a later process given the same pid, does not count
// (internal/proc). A process on another host cannot be checked; its draft is
// offered, like one without an owner.
func (o *DraftOwner) Running() bool {
	if o == nil || o.PID <= 0 {
		return false
	}
	if host, _ := os.Hostname(); o.Host != "" && o.Host != host {
		return false
	}
	return o.PID == os.Getpid() || proc.Running(o.PID, o.Started)
}

const draftHeader = `Stowage unsaved location (draft). The wizard offers to resume or discard it at its next start. It may hold secret keys: keep it readable by you only (chmod 600).`

// DraftPath is the one draft file earlier versions kept next to the
// locations file at path, for every session: locations.yaml →
// locations.draft.yaml. LeftDrafts still offers it; new drafts are kept
// per session (SessionDraftPath).
func DraftPath(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + ".draft" + ext
}

// SessionDraftPath is a new wizard session's own draft file next to the
// locations file at path: locations.yaml → locations.draft-<id>.yaml with a
// random short id, so that two sessions on one locations file do not
// overwrite each other's unsaved location.
func SessionDraftPath(path string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + ".draft-" + hex.EncodeToString(b) + ext
}

// LeftDrafts reads the drafts kept next to the locations file at path that
// no running session holds (Draft.Owner), newest first: the sessions' own
// files and the one file of earlier versions (DraftPath).
func LeftDrafts(path string) ([]*Draft, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	ext := filepath.Ext(base)
	prefix := strings.TrimSuffix(base, ext) + ".draft-"
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read unsaved locations: %w", err)
	}
	paths := []string{DraftPath(path)}
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, prefix) && strings.HasSuffix(n, ext) && len(n) > len(prefix)+len(ext) && !e.IsDir() {
			paths = append(paths, filepath.Join(filepath.Dir(path), n))
		}
	}
	var left []*Draft
	for _, p := range paths {
		d, err := LoadDraft(p)
		if err != nil {
			return nil, err
		}
		if d != nil && !d.Owner.Running() {
			left = append(left, d)
		}
	}
	slices.SortStableFunc(left, func(a, b *Draft) int { return b.SavedAt.Compare(a.SavedAt) })
	return left, nil
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
	d.Path = path
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
