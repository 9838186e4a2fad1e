package export

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/stowage-dev/stowage/internal/journaldb"
)

// found is a regular file the scan found that passes the filters.
type found struct {
	path   string
	rel    string
	size   int64
	mtime  time.Time
	source string
}

// scan walks every source in lexical order and calls fn for each regular
// file that passes the filters. Unreadable folders and files are reported
// to onErr and skipped. Symbolic links to files are followed; links to
// folders are not, so a link loop cannot trap the scan. Entries that are
// not regular files (pipes, sockets, devices, links to folders, broken
// links, link loops) and pass the name filters go to onIgnore with the
// reason, so they are reported rather than skipped in silence or failed on
// every run. Returning an error from fn stops the scan with that error.
func scan(ctx context.Context, s *settings, fn func(found) error, onErr func(path string, err error), onIgnore func(path string, why ignored)) error {
	skip := make(map[string]bool, len(s.skip))
	for _, p := range s.skip {
		skip[p] = true
	}
	ignore := func(so source, p string, why ignored) {
		if rel, err := filepath.Rel(so.root, p); err == nil && s.match.match(filepath.ToSlash(rel)) {
			onIgnore(p, why)
		}
	}
	for _, so := range s.sources {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if so.isFile {
			fi, err := os.Stat(so.abs)
			if err != nil {
				onErr(so.abs, err)
				continue
			}
			if !fi.Mode().IsRegular() {
				onIgnore(so.abs, ignored{kind: kindOf(fi.Mode())})
				continue
			}
			if err := consider(s, so, so.abs, fi, fn); err != nil {
				return err
			}
			continue
		}
		err := filepath.WalkDir(so.abs, func(p string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				// The cause tells a halted run (errHalted) from a hard stop.
				return context.Cause(ctx)
			}
			if err != nil {
				if p == so.abs {
					return fmt.Errorf("source %s: %w", so.abs, err)
				}
				onErr(p, err)
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if skip[p] {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			var fi fs.FileInfo
			link := d.Type()&fs.ModeSymlink != 0
			switch {
			case link:
				fi, err = os.Stat(p)
				if why, ok := brokenLink(p, err); ok {
					ignore(so, p, why)
					return nil
				}
			case d.Type().IsRegular():
				fi, err = d.Info()
			default:
				// Devices, sockets and pipes are not recordings; opening a
				// pipe would block the worker.
				ignore(so, p, ignored{kind: kindOf(d.Type())})
				return nil
			}
			if err != nil {
				onErr(p, err)
				return nil
			}
			if !fi.Mode().IsRegular() {
				why := ignored{kind: kindOf(fi.Mode()), link: link}
				if fi.IsDir() {
					why = ignored{kind: kindFolderLink}
				}
				ignore(so, p, why)
				return nil
			}
			return consider(s, so, p, fi, fn)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ignored says why an entry of a source is not exported.
type ignored struct {
	kind string // kindFolderLink, kindBrokenLink, "named pipe (FIFO)", ...
	link bool   // reached through a symbolic link
	// target of a broken link or link loop, for the message.
	target string
}

const (
	kindFolderLink = "link to a folder"
	kindBrokenLink = "broken link"
	kindLinkLoop   = "link loop"
)

// Short is the kind for counts ("named pipe (FIFO)", "broken link").
func (w ignored) Short() string {
	if w.link && w.kind != kindFolderLink {
		return "link to a " + w.kind
	}
	return w.kind
}

// String is the reason for the file's event and manifest row.
func (w ignored) String() string {
	switch w.kind {
	case kindFolderLink:
		return "not exported: a link to a folder; links to folders are not followed (give the folder itself as a source to export it)"
	case kindBrokenLink:
		return fmt.Sprintf("not exported: a broken link (its target %s does not exist)", w.target)
	case kindLinkLoop:
		return fmt.Sprintf("not exported: a link loop (%s leads back to itself)", w.target)
	}
	return "not exported: a " + w.Short() + ", not a regular file"
}

// brokenLink reports a link whose target is missing or loops, from the
// error of following it.
func brokenLink(p string, err error) (ignored, bool) {
	if err == nil {
		return ignored{}, false
	}
	target, _ := os.Readlink(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ignored{kind: kindBrokenLink, target: target}, true
	case errors.Is(err, syscall.ELOOP):
		return ignored{kind: kindLinkLoop, target: target}, true
	}
	return ignored{}, false
}

// kindOf names the type of a file that is not regular.
func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	case m.IsDir():
		return "folder"
	}
	return "special file"
}

// consider applies the filters to one file.
func consider(s *settings, so source, p string, fi fs.FileInfo, fn func(found) error) error {
	rel, err := filepath.Rel(so.root, p)
	if err != nil {
		return nil
	}
	rel = filepath.ToSlash(rel)
	if !s.match.match(rel) {
		return nil
	}
	mt := fi.ModTime()
	if !s.Since.IsZero() && mt.Before(s.Since) {
		return nil
	}
	if !s.Until.IsZero() && !mt.Before(s.Until) {
		return nil
	}
	return fn(found{path: p, rel: rel, size: fi.Size(), mtime: mt, source: so.name})
}

// decision is what a rerun does with a found file.
type decision int

const (
	decUpload decision = iota
	decSkip
	decFail
)

// classifier turns found files into tasks using the journal's records,
// and keeps two files from being exported to the same key.
//
// It holds no record in memory: each file's record is read from the
// journal when the scan finds it (a read transaction costs microseconds),
// so a rerun over a million files does not load a million records (it
// did: 1.9 KiB of heap a file, issue 12 §5). What it keeps per file is
// small: the sorted hashes of the keys of finished records (8 bytes each),
// and the keys of this run only when the key template could give two files
// the same key.
type classifier struct {
	s *settings
	j *Journal // nil: nothing exported yet
	// keys maps each key used in this run to its file; nil when keys
	// cannot repeat (uniqueKeys).
	keys map[string]string
	// doneHashes are the sorted hashes of the keys of the records that were
	// done when the run started. A key whose hash is among them may belong
	// to another file's finished export: doneKeys, built from the journal
	// at the first such key, says which.
	doneHashes []uint64
	doneKeys   map[string]string
	seq        int64
	lookups    int
}

// releaseEvery is how many journal lookups the classifier makes between
// releases of the journal's mapped pages.
const releaseEvery = 8192

func newClassifier(s *settings, j *Journal) (*classifier, error) {
	c := &classifier{s: s, j: j}
	if !uniqueKeys(s) {
		c.keys = make(map[string]string)
	}
	if j == nil {
		return c, nil
	}
	// Only the key and status of each record: this pass is over the whole
	// journal, and decoding every field would double a rerun's cost.
	err := j.eachDoneKey(func(key string) {
		c.doneHashes = append(c.doneHashes, keyHash(key))
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(c.doneHashes)
	return c, nil
}

// keyStatus is the part of a Record the classifier indexes.
type keyStatus struct {
	Key    string `json:"key"`
	Status Status `json:"status"`
}

// keyHash is the 64-bit FNV-1a hash of key.
func keyHash(key string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	return h
}

// uniqueKeys reports whether the key template gives every file of the run
// its own key by construction: one source and a template whose only field
// is {path} (the default). Then this run's keys need not be remembered.
func uniqueKeys(s *settings) bool {
	if len(s.sources) != 1 {
		return false
	}
	fields := 0
	for _, p := range s.tmpl.parts {
		if p.field != "" {
			if p.field != "path" {
				return false
			}
			fields++
		}
	}
	return fields == 1
}

// record returns the journal's record of path, nil when there is none.
func (c *classifier) record(path string) (*Record, error) {
	if c.j == nil {
		return nil, nil
	}
	if c.lookups++; c.lookups%releaseEvery == 0 {
		// Records are read through bbolt's mapping of the file; without
		// this a rerun's resident set grows with the journal.
		_ = c.j.releaseMapped()
	}
	return c.j.lookup(path)
}

// doneOwner returns the file whose finished export holds key, if any.
func (c *classifier) doneOwner(key string) (string, error) {
	if _, hit := slices.BinarySearch(c.doneHashes, keyHash(key)); !hit {
		return "", nil
	}
	if c.doneKeys == nil {
		// A moved folder or a key clash: rare, so the exact index is
		// built only now, from the journal as it is. A key finished
		// before the run is finished by the same file now (another file
		// with that key would have failed here), so this index answers as
		// one built at the start would have.
		c.doneKeys = make(map[string]string)
		err := journaldb.Each(c.j.db, bucketFiles, func(p string, rec keyStatus) error {
			if rec.Status == StatusDone {
				c.doneKeys[rec.Key] = p
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return c.doneKeys[key], nil
}

// classify decides what to do with f. reason explains a skip; err a failure.
func (c *classifier) classify(f found) (*fileTask, decision, string, error) {
	c.seq++
	t := &fileTask{path: f.path, rel: f.rel, size: f.size, mtime: f.mtime.UnixNano(), seq: c.seq}
	key, err := c.s.tmpl.render(fileVars{rel: f.rel, source: f.source, mtime: f.mtime})
	if err != nil {
		return t, decFail, "", err
	}
	t.key = key
	if c.keys != nil {
		if other, ok := c.keys[key]; ok && other != f.path {
			return t, decFail, "", fmt.Errorf("key %q is also the key of %s; %s", key, other, c.s.tmpl.distinguishHint("dir", "path"))
		}
		c.keys[key] = f.path
	}
	rec, err := c.record(f.path)
	if err != nil {
		return t, decFail, "", fmt.Errorf("read journal: %w", err)
	}
	if rec != nil && rec.Status == StatusDone {
		if rec.Key == key && rec.Size == t.size && rec.MTime == t.mtime {
			t.prior = rec
			return t, decSkip, "already exported", nil
		}
		t.changed = rec.Size != t.size || rec.MTime != t.mtime
		return t, decUpload, "", nil
	}
	other, err := c.doneOwner(key)
	if err != nil {
		return t, decFail, "", fmt.Errorf("read journal: %w", err)
	}
	if other != "" && other != f.path {
		prev, err := c.record(other)
		if err != nil {
			return t, decFail, "", fmt.Errorf("read journal: %w", err)
		}
		if prev != nil && prev.Size == t.size && prev.MTime == t.mtime {
			// The same file seen under another path (a moved folder).
			t.prior = prev
			return t, decSkip, "already exported from " + other, nil
		}
		return t, decFail, "", fmt.Errorf("key %q already holds %s from an earlier export; %s", key, other, c.s.tmpl.distinguishHint("dir", "path", "mtime:2006/01/02"))
	}
	t.prior = rec
	return t, decUpload, "", nil
}
