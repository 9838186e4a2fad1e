package export

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
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
		return t, decFail, "", fmt.Errorf("key %q is also the key of %s; %s", key, other, c.s.tmpl.distinguishHint("dir", "path"))
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
		return t, decFail, "", fmt.Errorf("key %q already holds %s from an earlier export; %s", key, other, c.s.tmpl.distinguishHint("dir", "path", "mtime:2006/01/02"))
	}
	t.prior = rec
	return t, decUpload, "", nil
}
