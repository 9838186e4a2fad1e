// Package local is the location type for a local or NAS folder. Objects are
// plain files under the folder; a key's "/" separators become
// subdirectories. Every write lands in a temporary file next to its target
// and is renamed into place after an fsync, so a crash never leaves a torn
// object under a real key.
package local

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

const (
	// uploadsDir holds the parts of multipart uploads in progress; it is
	// never listed and no key may point into it.
	uploadsDir = ".stowage-uploads"
	// tmpMarker is in the name of every temporary file, so List can hide
	// files left behind by a crash between create and rename.
	tmpMarker = ".stowage-tmp-"
	// copyChunk is how much is copied between progress reports and context
	// checks.
	copyChunk = 8 << 20
)

// castagnoli is the CRC32C table, the checksum S3 also offers, so objects
// exported to a folder and to a bucket carry comparable checksums.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func init() {
	providers.Register(config.TypeLocal, Open)
}

// Provider stores objects as files under one folder.
type Provider struct {
	name string
	root string
}

// Open is the providers.OpenFunc for local locations.
func Open(_ context.Context, loc config.Location, _ providers.Options) (providers.Provider, error) {
	if loc.Local == nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "open",
			Hint: fmt.Sprintf("location %q has type %q but no local settings; add `local: {path: /srv/recordings}`", loc.Name, loc.Type)}
	}
	return New(loc.Name, loc.Local.Path)
}

// New returns the provider for the folder at dir ("~" expands to the home
// folder). The folder is not required to exist yet: Test reports it.
func New(name, dir string) (*Provider, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "open",
			Hint: "path is empty; set it to a folder, for example /mnt/nas/recordings"}
	}
	expanded, err := expandHome(dir)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "open",
			Hint: fmt.Sprintf("path %q starts with ~ but the home folder is unknown; write the full path, for example /home/me/recordings", dir), Err: err}
	}
	abs, err := filepath.Abs(expanded)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "open",
			Hint: fmt.Sprintf("path %q cannot be made absolute; write the full path, for example /mnt/nas/recordings", dir), Err: err}
	}
	return &Provider{name: name, root: abs}, nil
}

// Root is the absolute folder objects are stored under.
func (p *Provider) Root() string { return p.root }

func expandHome(dir string) (string, error) {
	if dir != "~" && !strings.HasPrefix(dir, "~/") && !strings.HasPrefix(dir, `~\`) {
		return dir, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, dir[1:]), nil
}

// keyPath turns a key into a path relative to the root, refusing keys that
// would leave it. os.Root refuses symlinks that leave it as well; this check
// gives the clear message for the common mistakes.
func keyPath(op, key string) (string, error) {
	bad := func(rule string) error {
		return &providers.Error{Kind: providers.ErrInvalidConfig, Op: op,
			Hint: fmt.Sprintf("key %q %s; keys are relative paths such as 2024/05/call-123.wav", key, rule)}
	}
	switch {
	case key == "":
		return "", bad("is empty")
	case strings.HasPrefix(key, "/") || filepath.IsAbs(key) || filepath.VolumeName(key) != "":
		return "", bad("is absolute")
	case strings.HasSuffix(key, "/"):
		return "", bad("ends in / (that names a folder, not a file)")
	case strings.ContainsRune(key, 0):
		return "", bad("contains a NUL byte")
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == ".." {
			return "", bad("contains .. and would escape the folder")
		}
	}
	rel := filepath.FromSlash(path.Clean(key))
	if !filepath.IsLocal(rel) {
		return "", bad("escapes the folder")
	}
	if first, _, _ := strings.Cut(filepath.ToSlash(rel), "/"); first == uploadsDir {
		return "", bad("points into " + uploadsDir + "/, which holds uploads in progress")
	}
	return rel, nil
}

// openRoot opens the location's folder. It never creates it: when a NAS is
// not mounted, creating the folder would silently fill the local disk.
func (p *Provider) openRoot(op string) (*os.Root, error) {
	r, err := os.OpenRoot(p.root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &providers.Error{Kind: providers.ErrNoSuchBucket, Op: op, Resource: p.root,
				Hint: fmt.Sprintf("the folder %s does not exist (is the NAS mounted?); create it with: mkdir -p %s", p.root, shellQuote(p.root)), Err: err}
		}
		return nil, p.mapErr(op, p.root, err)
	}
	return r, nil
}

// mapErr turns a file-system error into a *providers.Error.
func (p *Provider) mapErr(op, name string, err error) error {
	if err == nil {
		return nil
	}
	var pe *providers.Error
	if errors.As(err, &pe) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	res := filepath.Join(p.root, name)
	e := &providers.Error{Op: op, Resource: res, Err: err}
	switch {
	case errors.Is(err, fs.ErrExist), errors.Is(err, syscall.EISDIR), errors.Is(err, syscall.ENOTDIR):
		// A rename onto a folder, or a folder needed where a file is.
		e.Kind = providers.ErrKeyConflict
		// Per-file failures show the error, not the hint: the cause goes in it.
		e.Hint = "move what is in the way, or change --key-template so keys differ"
		e.Err = fmt.Errorf("the location holds a folder at %s, or a file where one of its folders should be; %s (%w)", res, e.Hint, err)
	case errors.Is(err, fs.ErrNotExist):
		e.Kind = providers.ErrNoSuchKey
	case errors.Is(err, fs.ErrPermission):
		e.Kind = providers.ErrAccessDenied
		e.Hint = fmt.Sprintf("Stowage (user id %d) may not write %s; grant it write access to the folder", os.Getuid(), res)
	case errors.Is(err, syscall.ENOSPC):
		e.Kind = providers.ErrServer
		e.Hint = "the disk holding " + p.root + " is full; free space or choose another folder"
	case errors.Is(err, syscall.EROFS):
		e.Kind = providers.ErrAccessDenied
		e.Hint = p.root + " is on a read-only file system; remount it read-write or choose another folder"
	case errors.Is(err, syscall.EIO), errors.Is(err, syscall.ESTALE), errors.Is(err, syscall.ETIMEDOUT):
		// NAS mounts report a flaky server this way; another try may work.
		e.Kind = providers.ErrNetwork
		e.Retryable = true
		e.Hint = "the folder's storage did not answer; check the NAS and its mount"
	default:
		e.Kind = providers.ErrServer
	}
	return e
}

// Put copies size bytes of src into key: into a temporary file next to the
// target first, fsynced, then renamed, so readers never see a partial file.
func (p *Provider) Put(ctx context.Context, key string, src providers.Body, size int64, opts providers.PutOptions) (providers.Object, error) {
	rel, err := keyPath("put", key)
	if err != nil {
		return providers.Object{}, err
	}
	r, err := p.openRoot("put")
	if err != nil {
		return providers.Object{}, err
	}
	defer r.Close()
	// A file is copied from its start as itself, so io.Copy can hand the
	// work to copy_file_range; other bodies are read through a section.
	var from io.Reader = io.NewSectionReader(src, 0, size)
	if f, ok := src.(*os.File); ok {
		if err := regularSource("put", f); err != nil {
			return providers.Object{}, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return providers.Object{}, &providers.Error{Kind: providers.ErrSourceUnreadable, Op: "put", Resource: src.Name(), Err: err}
		}
		from = f
	}
	sum, err := p.writeAtomic(ctx, r, rel, func(dst *os.File) (uint32, error) {
		return copyHashed(ctx, dst, from, size, 0, 0, opts.Progress)
	})
	if err != nil {
		return providers.Object{}, p.mapErr("put", rel, err)
	}
	fi, err := r.Stat(rel)
	if err != nil {
		return providers.Object{}, p.mapErr("put", rel, err)
	}
	return providers.Object{Key: key, Size: fi.Size(), Checksum: crcString(sum), Modified: fi.ModTime()}, nil
}

// writeAtomic creates rel's folder, lets fill write a temporary file in it,
// fsyncs, renames it over rel and fsyncs the folder so the rename survives a
// power cut.
func (p *Provider) writeAtomic(ctx context.Context, r *os.Root, rel string, fill func(*os.File) (uint32, error)) (uint32, error) {
	dir := filepath.Dir(rel)
	if err := r.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	tmpRel := filepath.Join(dir, "."+filepath.Base(rel)+tmpMarker+randHex(6))
	tmp, err := r.OpenFile(tmpRel, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			r.Remove(tmpRel)
		}
	}()
	sum, err := fill(tmp)
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := tmp.Sync(); err != nil {
		return 0, err
	}
	if err := tmp.Close(); err != nil {
		return 0, err
	}
	if err := r.Rename(tmpRel, rel); err != nil {
		r.Remove(tmpRel)
		done = true
		return 0, err
	}
	done = true
	syncDir(r, dir)
	return sum, nil
}

// syncDir fsyncs a folder; some NAS file systems refuse it, which is not
// worth failing an upload for once the file itself is synced.
func syncDir(r *os.Root, dir string) {
	if d, err := r.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// hashBuffers holds the read-back buffers of copyHashed.
var hashBuffers = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// copyHashed copies n bytes from src (at its current position) to dst in
// chunks, calling progress with base+done after each, and returns the
// CRC32C continued from seed. When src is an
// *os.File, io.Copy hands the work to copy_file_range where the OS has it,
// so the bytes never pass through user space; the CRC32C is therefore taken
// from what landed in dst, which the page cache serves, and so also proves
// the copy.
func copyHashed(ctx context.Context, dst *os.File, src io.Reader, n, base int64, seed uint32, progress func(int64)) (uint32, error) {
	// A pooled buffer: a fresh 1 MiB one per file was 98% of the bytes
	// allocated (and most of the CPU, in clearing and collecting them)
	// when exporting many tiny files (bench -sets scale).
	bp := hashBuffers.Get().(*[]byte)
	defer hashBuffers.Put(bp)
	var (
		sum  = seed
		done int64
		buf  = *bp
	)
	start, err := dst.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	for done < n {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		chunk := min(int64(copyChunk), n-done)
		got, err := io.Copy(dst, io.LimitReader(src, chunk))
		if err != nil {
			return 0, err
		}
		if got < chunk {
			return 0, fmt.Errorf("source ended after %d of %d bytes: %w", done+got, n, io.ErrUnexpectedEOF)
		}
		for off := int64(0); off < got; {
			m, err := dst.ReadAt(buf[:min(int64(len(buf)), got-off)], start+done+off)
			if m == 0 && err != nil {
				return 0, err
			}
			sum = crc32.Update(sum, castagnoli, buf[:m])
			off += int64(m)
		}
		done += got
		if progress != nil {
			progress(base + done)
		}
	}
	return sum, nil
}

// crcString renders a CRC32C as S3 does: base64 of the big-endian bytes.
func crcString(sum uint32) string {
	b := []byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)}
	return "CRC32C:" + b64(b)
}

// Stat looks up one object. The checksum is not recorded for files, so it
// is left empty rather than re-reading the whole file.
func (p *Provider) Stat(ctx context.Context, key string) (providers.Object, error) {
	rel, err := keyPath("stat", key)
	if err != nil {
		return providers.Object{}, err
	}
	r, err := p.openRoot("stat")
	if err != nil {
		return providers.Object{}, err
	}
	defer r.Close()
	fi, err := r.Stat(rel)
	if err != nil {
		return providers.Object{}, p.mapErr("stat", rel, err)
	}
	if !fi.Mode().IsRegular() {
		return providers.Object{}, &providers.Error{Kind: providers.ErrNoSuchKey, Op: "stat", Resource: filepath.Join(p.root, rel),
			Hint: "this key names a folder, not a file"}
	}
	return providers.Object{Key: key, Size: fi.Size(), Modified: fi.ModTime()}, nil
}

// Get opens key and returns bytes [offset, offset+length); length < 0 reads
// to the end.
func (p *Provider) Get(ctx context.Context, key string, offset, length int64) (io.ReadCloser, providers.Object, error) {
	rel, err := keyPath("get", key)
	if err != nil {
		return nil, providers.Object{}, err
	}
	r, err := p.openRoot("get")
	if err != nil {
		return nil, providers.Object{}, err
	}
	defer r.Close()
	f, err := r.Open(rel)
	if err != nil {
		return nil, providers.Object{}, p.mapErr("get", rel, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, providers.Object{}, p.mapErr("get", rel, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, providers.Object{}, &providers.Error{Kind: providers.ErrNoSuchKey, Op: "get", Resource: filepath.Join(p.root, rel),
			Hint: "this key names a folder, not a file"}
	}
	if offset < 0 || offset > fi.Size() {
		f.Close()
		return nil, providers.Object{}, &providers.Error{Kind: providers.ErrInvalidConfig, Op: "get", Resource: filepath.Join(p.root, rel),
			Hint: fmt.Sprintf("offset %d is outside the object (size %d)", offset, fi.Size())}
	}
	n := fi.Size() - offset
	if length >= 0 && length < n {
		n = length
	}
	obj := providers.Object{Key: key, Size: fi.Size(), Modified: fi.ModTime()}
	return &sectionFile{Reader: io.NewSectionReader(f, offset, n), f: f}, obj, nil
}

type sectionFile struct {
	io.Reader
	f *os.File
}

func (s *sectionFile) Close() error { return s.f.Close() }

// Delete removes key and then any folders the removal left empty, as an
// object store has no folders to leave behind. A missing key is
// ErrNoSuchKey.
func (p *Provider) Delete(ctx context.Context, key string) error {
	rel, err := keyPath("delete", key)
	if err != nil {
		return err
	}
	r, err := p.openRoot("delete")
	if err != nil {
		return err
	}
	defer r.Close()
	fi, err := r.Lstat(rel)
	if err != nil {
		return p.mapErr("delete", rel, err)
	}
	if fi.IsDir() {
		return &providers.Error{Kind: providers.ErrNoSuchKey, Op: "delete", Resource: filepath.Join(p.root, rel),
			Hint: "this key names a folder, not a file"}
	}
	if err := r.Remove(rel); err != nil {
		return p.mapErr("delete", rel, err)
	}
	for dir := filepath.Dir(rel); dir != "." && dir != string(filepath.Separator); dir = filepath.Dir(dir) {
		if r.Remove(dir) != nil { // not empty, or not ours to remove
			break
		}
	}
	return nil
}

// List calls fn for every object whose key starts with prefix, in key
// order (byte order, as S3 lists), skipping uploads in progress and
// temporary files.
func (p *Provider) List(ctx context.Context, prefix string, fn func(providers.Object) error) error {
	if strings.HasPrefix(prefix, "/") || strings.Contains("/"+prefix, "/../") || strings.HasSuffix("/"+prefix, "/..") {
		return &providers.Error{Kind: providers.ErrInvalidConfig, Op: "list",
			Hint: fmt.Sprintf("prefix %q leaves the folder; use a relative prefix such as 2024/05/", prefix)}
	}
	r, err := p.openRoot("list")
	if err != nil {
		return err
	}
	defer r.Close()
	// Start in the deepest folder the prefix names whole, so a prefix such
	// as "2024/05/call-" reads only 2024/05.
	start := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		start = prefix[:i+1]
	}
	if start != "" {
		fi, err := r.Stat(filepath.FromSlash(strings.TrimSuffix(start, "/")))
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.IsDir()) {
			return nil
		} else if err != nil {
			return p.mapErr("list", start, err)
		}
	}
	return p.walk(ctx, r, start, prefix, fn)
}

// walk lists folder dir (a key prefix ending in "/", or "") in key order.
// Entries are sorted with a "/" after folder names, which is exactly where
// the folder's keys fall among its siblings in byte order.
func (p *Provider) walk(ctx context.Context, r *os.Root, dir, prefix string, fn func(providers.Object) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := "."
	if dir != "" {
		name = filepath.FromSlash(strings.TrimSuffix(dir, "/"))
	}
	d, err := r.Open(name)
	if err != nil {
		return p.mapErr("list", name, err)
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return p.mapErr("list", name, err)
	}
	type entry struct {
		key string
		de  fs.DirEntry
	}
	list := make([]entry, 0, len(entries))
	for _, de := range entries {
		if strings.Contains(de.Name(), tmpMarker) || (dir == "" && de.Name() == uploadsDir) {
			continue
		}
		k := dir + de.Name()
		if de.IsDir() {
			k += "/"
		}
		// Keep a folder when the prefix goes into it or it lies under the prefix.
		if !strings.HasPrefix(k, prefix) && !strings.HasPrefix(prefix, k) {
			continue
		}
		list = append(list, entry{k, de})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].key < list[j].key })
	for _, e := range list {
		if e.de.IsDir() {
			if err := p.walk(ctx, r, e.key, prefix, fn); err != nil {
				return err
			}
			continue
		}
		if !e.de.Type().IsRegular() {
			continue
		}
		fi, err := e.de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted while listing
		} else if err != nil {
			return p.mapErr("list", e.key, err)
		}
		if err := fn(providers.Object{Key: e.key, Size: fi.Size(), Modified: fi.ModTime()}); err != nil {
			return err
		}
	}
	return nil
}

var (
	_ providers.Provider  = (*Provider)(nil)
	_ providers.Stater    = (*Provider)(nil)
	_ providers.Lister    = (*Provider)(nil)
	_ providers.Getter    = (*Provider)(nil)
	_ providers.Deleter   = (*Provider)(nil)
	_ providers.Multipart = (*Provider)(nil)
)

// regularSource refuses a source that is not a regular file (a folder
// opened in its place): the copy's error could not say which side failed.
func regularSource(op string, src *os.File) error {
	fi, err := src.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file (%s)", src.Name(), fi.Mode().Type())
	}
	if err != nil {
		return &providers.Error{Kind: providers.ErrSourceUnreadable, Op: op, Resource: src.Name(), Err: err}
	}
	return nil
}
