package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"gopkg.in/yaml.v3"
)

// fileMode is the only mode Save writes: the file may hold secret keys.
const fileMode fs.FileMode = 0o600

// dirMode is used for a config directory that Save creates.
const dirMode fs.FileMode = 0o700

const header = `Stowage locations file. It may hold secret keys: keep it readable by you only (chmod 600).`

// Save validates f and writes it to path atomically: a reader sees either
// the old file or the new one, never a mix, even after a crash. The file is
// always written with mode 0600, whatever it was before; a missing directory
// is created with mode 0700. When path is a symbolic link (dotfile managers
// use them) the link's target is replaced and the link kept.
//
// Save refuses to overwrite a file written by a newer Stowage
// (ErrNewerVersion). It does not touch CreatedAt or UpdatedAt; Upsert does.
// It gives locations without an ID one (EnsureIDs), so a file written
// before IDs existed gets them on its first save. On success it updates
// f.Source.
func Save(path string, f *File) error {
	if f == nil {
		return errors.New("save locations file: nothing to save")
	}
	if f.Version > CurrentVersion {
		return fmt.Errorf("%s: %w (version %d); this build writes version %d — upgrade stowage",
			path, ErrNewerVersion, f.Version, CurrentVersion)
	}
	if _, err := f.EnsureIDs(); err != nil {
		return fmt.Errorf("not saving %s: %w", path, err)
	}
	if err := f.Validate(); err != nil {
		return fmt.Errorf("not saving %s: %w", path, err)
	}
	target, err := resolveLink(path)
	if err != nil {
		return err
	}
	if err := refuseNewer(target); err != nil {
		return err
	}
	data, err := marshalFile(f)
	if err != nil {
		return fmt.Errorf("save locations file: %w", err)
	}
	if err := mkdirPrivate(filepath.Dir(target)); err != nil {
		return err
	}
	if err := writeAtomic(target, data); err != nil {
		return err
	}
	f.Version = CurrentVersion
	f.Source.Path = path
	f.Source.Exists = true
	return nil
}

func marshalFile(f *File) ([]byte, error) {
	out := *f
	out.Version = CurrentVersion
	var node yaml.Node
	if err := node.Encode(&out); err != nil {
		return nil, err
	}
	node.HeadComment = header
	return encodeYAML(&node)
}

func encodeYAML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// resolveLink follows a symbolic link at path so the rename replaces the
// real file rather than the link.
func resolveLink(path string) (string, error) {
	info, err := os.Lstat(path)
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		// A dangling link: write where it points.
		dest, rerr := os.Readlink(path)
		if rerr != nil {
			return "", fmt.Errorf("save locations file: %w", rerr)
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		return dest, nil
	}
	if err != nil {
		return "", fmt.Errorf("save locations file: %w", err)
	}
	return target, nil
}

// refuseNewer keeps a newer Stowage's file intact even when the caller
// ignored Load's ErrNewerVersion and built a fresh File.
func refuseNewer(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil // missing or unreadable: the write will say so if it matters
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	if _, v := mappingValue(doc.Content[0], "version"); v != nil {
		var n int
		if v.Decode(&n) == nil && n > CurrentVersion {
			return fmt.Errorf("%s: %w: this file was written by a newer Stowage (version %d); this build reads version %d — upgrade stowage",
				path, ErrNewerVersion, n, CurrentVersion)
		}
	}
	return nil
}

// mkdirPrivate creates dir with mode 0700 when it is missing. An existing
// directory keeps its mode: it may be ~/.config, shared by other programs.
func mkdirPrivate(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("create config directory: %w", err)
	}
	// MkdirAll applies the umask, which may have removed the owner's bits.
	if err := os.Chmod(dir, dirMode); err != nil {
		return fmt.Errorf("create config directory: %w", err)
	}
	return nil
}

// writeAtomic writes data to a temporary file in the same directory, syncs
// it, renames it over path and syncs the directory so the rename itself
// survives a crash.
func writeAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("save locations file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp already uses 0600; Chmod makes it explicit and independent
	// of the umask and of platform defaults.
	if err := tmp.Chmod(fileMode); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("save locations file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("save locations file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("save locations file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save locations file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save locations file: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for sync there
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("save locations file: sync directory: %w", err)
	}
	defer d.Close()
	// Some file systems (several FUSE and network ones) do not support
	// syncing a directory; the rename has happened, so that is not a failure.
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("save locations file: sync directory: %w", err)
	}
	return nil
}

// PermissionWarning returns a warning when the file at path can be read or
// written by group or others and holds secrets, naming the fix
// (chmod 600 PATH); otherwise "". Load puts the same warning in
// File.Source.Warnings, so callers of Load need not call it.
func PermissionWarning(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return ""
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var f File
	if yaml.Unmarshal(data, &f) != nil {
		// A file we cannot parse may still hold keys; look for them by name.
		text := strings.ToLower(string(data))
		if strings.Contains(text, "secret_access_key") || strings.Contains(text, "accountkey=") ||
			strings.Contains(text, "sharedaccesssignature=") {
			return permissionMessage(path, info.Mode(), []string{"secret keys"})
		}
		return ""
	}
	return permissionWarning(path, info.Mode(), &f)
}

func permissionWarning(path string, mode fs.FileMode, f *File) string {
	if runtime.GOOS == "windows" || mode.Perm()&0o077 == 0 {
		return ""
	}
	var holders []string
	for _, l := range f.Locations {
		if l.HasSecrets() {
			holders = append(holders, fmt.Sprintf("%q", l.Name))
		}
	}
	if len(holders) == 0 {
		return ""
	}
	what := "secret keys of location " + holders[0]
	switch {
	case len(holders) == 2:
		what = "secret keys of locations " + holders[0] + " and " + holders[1]
	case len(holders) > 2:
		what = fmt.Sprintf("secret keys of locations %s, %s and %d more", holders[0], holders[1], len(holders)-2)
	}
	return permissionMessage(path, mode, []string{what})
}

func permissionMessage(path string, mode fs.FileMode, what []string) string {
	return fmt.Sprintf("%s holds %s but other users can access it (mode %#o); restrict it with: chmod 600 %s",
		path, strings.Join(what, ", "), mode.Perm(), shellQuote(path))
}

// shellQuote quotes p for a POSIX shell when it has characters the shell
// would split or expand, so the suggested command can be pasted as is.
func shellQuote(p string) string {
	if p != "" && strings.IndexFunc(p, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@,", r))
	}) < 0 {
		return p
	}
	return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
}
