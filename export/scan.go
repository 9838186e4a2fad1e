package export

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
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
// folders are not, so a link loop cannot trap the scan. Returning an error
// from fn stops the scan with that error.
func scan(ctx context.Context, s *settings, fn func(found) error, onErr func(path string, err error)) error {
	skip := make(map[string]bool, len(s.skip))
	for _, p := range s.skip {
		skip[p] = true
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
			if d.Type()&fs.ModeSymlink != 0 {
				fi, err = os.Stat(p)
			} else if d.Type().IsRegular() {
				fi, err = d.Info()
			} else {
				// Devices, sockets and pipes are not recordings; opening a
				// pipe would block the worker.
				return nil
			}
			if err != nil {
				onErr(p, err)
				return nil
			}
			if !fi.Mode().IsRegular() {
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
type classifier struct {
	s     *settings
	prior map[string]*Record
	// keys maps each key used in this run to its file.
	keys map[string]string
	// doneKeys maps each key of a finished earlier export to its file.
	doneKeys map[string]string
	seq      int64
}

func newClassifier(s *settings, prior map[string]*Record) *classifier {
	c := &classifier{s: s, prior: prior, keys: make(map[string]string), doneKeys: make(map[string]string)}
	for p, rec := range prior {
		if rec.Status == StatusDone {
			c.doneKeys[rec.Key] = p
		}
	}
	return c
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
	if other, ok := c.keys[key]; ok && other != f.path {
		return t, decFail, "", fmt.Errorf("key %q is also the key of %s; add {dir} or {path} to --key-template so keys differ", key, other)
	}
	c.keys[key] = f.path
	rec := c.prior[f.path]
	if rec != nil && rec.Status == StatusDone {
		if rec.Key == key && rec.Size == t.size && rec.MTime == t.mtime {
			t.prior = rec
			return t, decSkip, "already exported", nil
		}
		t.changed = rec.Size != t.size || rec.MTime != t.mtime
		return t, decUpload, "", nil
	}
	if other, ok := c.doneKeys[key]; ok && other != f.path {
		prev := c.prior[other]
		if prev.Size == t.size && prev.MTime == t.mtime {
			// The same file seen under another path (a moved folder).
			t.prior = prev
			return t, decSkip, "already exported from " + other, nil
		}
		return t, decFail, "", fmt.Errorf("key %q already holds %s from an earlier export; add {dir}, {path} or {mtime:...} to --key-template so keys differ", key, other)
	}
	t.prior = rec
	return t, decUpload, "", nil
}
