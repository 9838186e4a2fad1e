package local

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

func newTemp(t *testing.T) *Provider {
	t.Helper()
	p, err := New("test", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// srcFile writes body to a file and returns it open for reading.
func srcFile(t *testing.T, body []byte) *os.File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "src.bin")
	if err := os.WriteFile(name, body, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func wantCRC(b []byte) string {
	var be [4]byte
	binary.BigEndian.PutUint32(be[:], crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	return "CRC32C:" + base64.StdEncoding.EncodeToString(be[:])
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestOpenRegistered(t *testing.T) {
	dir := t.TempDir()
	pv, err := providers.Open(context.Background(), config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: dir}}, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := pv.(*Provider).Root(); got != dir {
		t.Fatalf("root = %q, want %q", got, dir)
	}
	_, err = providers.Open(context.Background(), config.Location{Name: "nas", Type: config.TypeLocal}, providers.Options{})
	if !errors.Is(err, providers.ErrInvalidConfig) {
		t.Fatalf("no local settings: err = %v, want ErrInvalidConfig", err)
	}
}

func TestExpandHome(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home folder")
	}
	for _, tc := range []struct{ in, want string }{
		{"~", home},
		{"~/rec", filepath.Join(home, "rec")},
		{"/srv/~rec", "/srv/~rec"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			p, err := New("x", tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.Root() != tc.want {
				t.Fatalf("root = %q, want %q", p.Root(), tc.want)
			}
		})
	}
	if _, err := New("x", "  "); !errors.Is(err, providers.ErrInvalidConfig) {
		t.Fatalf("empty path: err = %v, want ErrInvalidConfig", err)
	}
}

func TestPutRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		key  string
		size int
	}{
		{"empty", "empty.txt", 0},
		{"small", "a.txt", 10},
		{"nested", "2024/05/call-1.wav", 100_000},
		{"several chunks", "big/screen.mp4", 2*copyChunk + 12345},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTemp(t)
			body := pattern(tc.size)
			src := srcFile(t, body)
			// A moved file position must not matter: Put sends from offset 0.
			if _, err := src.Seek(3, io.SeekStart); err != nil && tc.size > 3 {
				t.Fatal(err)
			}
			var last int64
			obj, err := p.Put(ctx, tc.key, src, int64(len(body)), providers.PutOptions{Progress: func(n int64) { last = n }})
			if err != nil {
				t.Fatal(err)
			}
			if obj.Size != int64(len(body)) || obj.Key != tc.key || obj.Checksum != wantCRC(body) {
				t.Fatalf("object = %+v, want size %d checksum %s", obj, len(body), wantCRC(body))
			}
			if tc.size > 0 && last != int64(tc.size) {
				t.Fatalf("last progress = %d, want %d", last, tc.size)
			}
			got, err := os.ReadFile(filepath.Join(p.Root(), filepath.FromSlash(tc.key)))
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("file differs (err %v)", err)
			}
			st, err := p.Stat(ctx, tc.key)
			if err != nil || st.Size != obj.Size {
				t.Fatalf("stat = %+v, %v", st, err)
			}
			rc, _, err := p.Get(ctx, tc.key, 0, -1)
			if err != nil {
				t.Fatal(err)
			}
			all, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(all, body) {
				t.Fatal("get returned other bytes")
			}
			assertNoTemp(t, p.Root())
		})
	}
}

func assertNoTemp(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), tmpMarker) {
			t.Errorf("temporary file left behind: %s", path)
		}
		return nil
	})
}

func TestPutAtomic(t *testing.T) {
	ctx := context.Background()
	p := newTemp(t)
	old := []byte("the old recording")
	if _, err := p.Put(ctx, "k.wav", srcFile(t, old), int64(len(old)), providers.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Run("short source keeps the old object", func(t *testing.T) {
		body := pattern(1000)
		_, err := p.Put(ctx, "k.wav", srcFile(t, body), 5000, providers.PutOptions{})
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("err = %v, want ErrUnexpectedEOF", err)
		}
		got, _ := os.ReadFile(filepath.Join(p.Root(), "k.wav"))
		if !bytes.Equal(got, old) {
			t.Fatalf("object torn: %q", got)
		}
		assertNoTemp(t, p.Root())
	})
	t.Run("cancelled put keeps the old object", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		body := pattern(1000)
		_, err := p.Put(cctx, "k.wav", srcFile(t, body), 1000, providers.PutOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		got, _ := os.ReadFile(filepath.Join(p.Root(), "k.wav"))
		if !bytes.Equal(got, old) {
			t.Fatalf("object torn: %q", got)
		}
		assertNoTemp(t, p.Root())
	})
}

func TestKeyEscape(t *testing.T) {
	ctx := context.Background()
	p := newTemp(t)
	body := []byte("x")
	for _, key := range []string{"", "../outside.txt", "a/../../outside.txt", "/etc/passwd", "a/b/", "..", ".stowage-uploads/x", "a/\x00b"} {
		t.Run(key, func(t *testing.T) {
			_, err := p.Put(ctx, key, srcFile(t, body), 1, providers.PutOptions{})
			if !errors.Is(err, providers.ErrInvalidConfig) {
				t.Fatalf("err = %v, want ErrInvalidConfig", err)
			}
			if key != "" && !strings.Contains(err.(*providers.Error).Hint, strconv.Quote(key)) {
				t.Fatalf("hint %q does not name the key", err.(*providers.Error).Hint)
			}
			for _, op := range []func() error{
				func() error { _, err := p.Stat(ctx, key); return err },
				func() error { _, _, err := p.Get(ctx, key, 0, -1); return err },
				func() error { return p.Delete(ctx, key) },
				func() error { _, err := p.CreateMultipart(ctx, key, providers.PutOptions{}); return err },
			} {
				if err := op(); !errors.Is(err, providers.ErrInvalidConfig) {
					t.Fatalf("err = %v, want ErrInvalidConfig", err)
				}
			}
		})
	}
	t.Run("symlink out of the folder", func(t *testing.T) {
		outside := t.TempDir()
		if err := os.Symlink(outside, filepath.Join(p.Root(), "link")); err != nil {
			t.Skip("no symlinks here:", err)
		}
		_, err := p.Put(ctx, "link/x.txt", srcFile(t, body), 1, providers.PutOptions{})
		if err == nil {
			t.Fatal("put through a symlink leaving the folder succeeded")
		}
		if _, err := os.Stat(filepath.Join(outside, "x.txt")); err == nil {
			t.Fatal("file written outside the folder")
		}
	})
}

func TestGetRangeStatDeleteMissing(t *testing.T) {
	ctx := context.Background()
	p := newTemp(t)
	body := []byte("0123456789")
	if _, err := p.Put(ctx, "d/e/f.txt", srcFile(t, body), 10, providers.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		off, length int64
		want        string
	}{
		{"whole", 0, -1, "0123456789"},
		{"middle", 2, 3, "234"},
		{"tail", 7, -1, "789"},
		{"past end", 8, 100, "89"},
		{"at end", 10, -1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc, obj, err := p.Get(ctx, "d/e/f.txt", tc.off, tc.length)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if string(got) != tc.want || obj.Size != 10 {
				t.Fatalf("got %q size %d, want %q", got, obj.Size, tc.want)
			}
		})
	}
	if _, _, err := p.Get(ctx, "d/e/f.txt", 11, -1); !errors.Is(err, providers.ErrInvalidConfig) {
		t.Fatalf("offset past end: err = %v", err)
	}
	for name, err := range map[string]error{
		"stat missing":   func() error { _, err := p.Stat(ctx, "nope"); return err }(),
		"get missing":    func() error { _, _, err := p.Get(ctx, "nope", 0, -1); return err }(),
		"delete missing": p.Delete(ctx, "nope"),
		"stat folder":    func() error { _, err := p.Stat(ctx, "d/e"); return err }(),
	} {
		if !errors.Is(err, providers.ErrNoSuchKey) {
			t.Errorf("%s: err = %v, want ErrNoSuchKey", name, err)
		}
	}
	if err := p.Delete(ctx, "d/e/f.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(p.Root(), "d")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("empty folders left after delete: %v", err)
	}
	if _, err := os.Stat(p.Root()); err != nil {
		t.Fatalf("delete removed the root: %v", err)
	}
}

func TestMissingRoot(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "not-mounted")
	p, err := New("nas", root)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Put(ctx, "a/b.txt", srcFile(t, []byte("x")), 1, providers.PutOptions{})
	if !errors.Is(err, providers.ErrNoSuchBucket) {
		t.Fatalf("err = %v, want ErrNoSuchBucket", err)
	}
	if _, err := os.Stat(root); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("put created the missing root folder")
	}
}

func TestList(t *testing.T) {
	ctx := context.Background()
	p := newTemp(t)
	keys := []string{"a.txt", "a/b.txt", "a/c/d.txt", "a-b.txt", "b", "2024/05/call-1.wav", "2024/05/call-2.wav", "2024/05/screen-1.mp4", "2024/06/call-1.wav"}
	for _, k := range keys {
		if _, err := p.Put(ctx, k, srcFile(t, []byte(k)), int64(len(k)), providers.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// An upload in progress and a crash leftover are not objects.
	id, err := p.CreateMultipart(ctx, "x.bin", providers.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UploadPart(ctx, "x.bin", id, 1, srcFile(t, []byte("part")), 0, 4, providers.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(p.Root(), ".b"+tmpMarker+"abc"), []byte("junk"), 0o644)

	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"2024/05/call-1.wav", "2024/05/call-2.wav", "2024/05/screen-1.mp4", "2024/06/call-1.wav", "a-b.txt", "a.txt", "a/b.txt", "a/c/d.txt", "b"}},
		{"a", []string{"a-b.txt", "a.txt", "a/b.txt", "a/c/d.txt"}},
		{"a/", []string{"a/b.txt", "a/c/d.txt"}},
		{"2024/05/call-", []string{"2024/05/call-1.wav", "2024/05/call-2.wav"}},
		{"2024/0", []string{"2024/05/call-1.wav", "2024/05/call-2.wav", "2024/05/screen-1.mp4", "2024/06/call-1.wav"}},
		{"zzz/", nil},
		{"a.txt/", nil},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			var got []string
			err := p.List(ctx, tc.prefix, func(o providers.Object) error {
				if o.Size != int64(len(o.Key)) {
					t.Errorf("%s: size %d", o.Key, o.Size)
				}
				got = append(got, o.Key)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("got %v\nwant %v", got, tc.want)
			}
		})
	}
	t.Run("fn error stops", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := p.List(ctx, "", func(providers.Object) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Fatalf("err = %v after %d calls", err, n)
		}
	})
	if err := p.List(ctx, "../", func(providers.Object) error { return nil }); !errors.Is(err, providers.ErrInvalidConfig) {
		t.Fatalf("escaping prefix: err = %v", err)
	}
}

func TestMultipartResume(t *testing.T) {
	ctx := context.Background()
	p := newTemp(t)
	const part = 1 << 20
	body := pattern(2*part + 777)
	src := srcFile(t, body)
	key := "2024/05/long-call.wav"
	id, err := p.CreateMultipart(ctx, key, providers.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ranges := [][2]int64{{0, part}, {part, part}, {2 * part, 777}}
	var parts []providers.Part
	for i, r := range ranges[:2] {
		pt, err := p.UploadPart(ctx, key, id, i+1, src, r[0], r[1], providers.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if pt.Checksum != wantCRC(body[r[0]:r[0]+r[1]]) {
			t.Fatalf("part %d checksum %s", i+1, pt.Checksum)
		}
		parts = append(parts, pt)
	}
	// A part whose sidecar never got written (a crash) is not reported.
	os.WriteFile(filepath.Join(p.Root(), uploadsDir, id, "3.part"), []byte("torn"), 0o644)

	// Resume: a new provider value, as after a restart.
	p2, _ := New("test", p.Root())
	listed, err := p2.ListParts(ctx, key, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 2 || listed[0] != parts[0] || listed[1] != parts[1] {
		t.Fatalf("listed %+v, want %+v", listed, parts)
	}
	if _, err := p2.ListParts(ctx, "other.wav", id); !errors.Is(err, providers.ErrPreconditionFailed) {
		t.Fatalf("wrong key: err = %v", err)
	}
	for _, bad := range []string{"../../etc", "nothex", strings.Repeat("0", 32)} {
		if _, err := p2.ListParts(ctx, key, bad); err == nil {
			t.Fatalf("upload ID %q accepted", bad)
		}
	}
	pt, err := p2.UploadPart(ctx, key, id, 3, src, ranges[2][0], ranges[2][1], providers.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parts = append(parts, pt)

	bad := append([]providers.Part(nil), parts...)
	bad[1].Checksum = "CRC32C:AAAAAA=="
	if _, err := p2.CompleteMultipart(ctx, key, id, bad); !errors.Is(err, providers.ErrPreconditionFailed) {
		t.Fatalf("wrong checksum: err = %v", err)
	}
	// Parts may be given in any order; they are joined by number.
	obj, err := p2.CompleteMultipart(ctx, key, id, []providers.Part{parts[2], parts[0], parts[1]})
	if err != nil {
		t.Fatal(err)
	}
	if obj.Size != int64(len(body)) || obj.Checksum != wantCRC(body) {
		t.Fatalf("object %+v, want checksum %s", obj, wantCRC(body))
	}
	got, _ := os.ReadFile(filepath.Join(p.Root(), filepath.FromSlash(key)))
	if !bytes.Equal(got, body) {
		t.Fatal("assembled object differs")
	}
	if _, err := os.Stat(filepath.Join(p.Root(), uploadsDir, id)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("upload folder left after complete")
	}
	if _, err := p2.ListParts(ctx, key, id); !errors.Is(err, providers.ErrNoSuchKey) {
		t.Fatalf("completed upload still listed: %v", err)
	}
	assertNoTemp(t, p.Root())

	t.Run("abort", func(t *testing.T) {
		id, err := p.CreateMultipart(ctx, "gone.wav", providers.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UploadPart(ctx, "gone.wav", id, 1, src, 0, 10, providers.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := p.AbortMultipart(ctx, "gone.wav", id); err != nil {
			t.Fatal(err)
		}
		if err := p.AbortMultipart(ctx, "gone.wav", id); err != nil {
			t.Fatalf("second abort: %v", err)
		}
		if _, err := os.Stat(filepath.Join(p.Root(), uploadsDir, id)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatal("parts left after abort")
		}
	})
}

func checks(r providers.Report) map[string]providers.Check {
	m := map[string]providers.Check{}
	for _, c := range r.Checks {
		m[c.ID] = c
	}
	return m
}

func TestConnectionTest(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	file := filepath.Join(base, "a-file")
	os.WriteFile(file, []byte("x"), 0o644)
	readOnly := filepath.Join(base, "ro")
	os.Mkdir(readOnly, 0o555)
	// A file where .stowage/ must go fails the write check even as root.
	blocked := filepath.Join(base, "blocked")
	os.Mkdir(blocked, 0o755)
	os.WriteFile(filepath.Join(blocked, ".stowage"), []byte("x"), 0o644)

	for _, tc := range []struct {
		name     string
		path     string
		ok       bool
		want     map[string]providers.Status
		hint     string
		skipRoot bool
	}{
		{"good folder", t.TempDir(), true, map[string]providers.Status{"path": providers.StatusPass, "writable": providers.StatusPass, "put": providers.StatusPass, "get": providers.StatusPass}, "", false},
		{"missing folder", filepath.Join(base, "missing"), false, map[string]providers.Status{"path": providers.StatusFail, "writable": providers.StatusSkipped, "put": providers.StatusSkipped, "get": providers.StatusSkipped}, "mkdir -p", false},
		{"file instead of folder", file, false, map[string]providers.Status{"path": providers.StatusFail, "put": providers.StatusSkipped}, "set path to a folder", false},
		{"test folder blocked by a file", blocked, false, map[string]providers.Status{"path": providers.StatusPass, "writable": providers.StatusFail, "put": providers.StatusSkipped, "get": providers.StatusSkipped}, "write the folder", false},
		{"read-only folder", readOnly, false, map[string]providers.Status{"path": providers.StatusPass, "writable": providers.StatusFail, "put": providers.StatusSkipped}, "write the folder", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skipRoot && os.Geteuid() == 0 {
				t.Skip("running as root: folder permissions do not apply (the file-instead-of-folder case covers failure)")
			}
			p, err := New("nas", tc.path)
			if err != nil {
				t.Fatal(err)
			}
			var emitted []providers.Check
			rep, err := p.Test(ctx, func(c providers.Check) { emitted = append(emitted, c) })
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() != tc.ok {
				t.Fatalf("OK = %v, want %v: %+v", rep.OK(), tc.ok, rep.Checks)
			}
			if len(emitted) != 2*len(rep.Checks) {
				t.Fatalf("emitted %d events for %d checks", len(emitted), len(rep.Checks))
			}
			got := checks(rep)
			for id, st := range tc.want {
				if got[id].Status != st {
					t.Errorf("%s = %s (%s), want %s", id, got[id].Status, got[id].Detail, st)
				}
			}
			if _, ok := got["free-space"]; !ok {
				t.Error("no free-space check")
			}
			if tc.hint != "" {
				found := false
				for _, c := range rep.Checks {
					if c.Status == providers.StatusFail {
						found = strings.Contains(c.Hint, tc.hint) && c.Field == "path"
						break
					}
				}
				if !found {
					t.Errorf("first failure lacks hint %q / field path: %+v", tc.hint, rep.Checks)
				}
			}
			if tc.ok {
				if !strings.Contains(got["put"].Detail, ".stowage/connection-test-") || !strings.Contains(got["put"].Detail, "CRC32C:") {
					t.Errorf("put detail = %q", got["put"].Detail)
				}
				if !strings.Contains(got["free-space"].Detail, "iB free of") {
					t.Errorf("free-space detail = %q", got["free-space"].Detail)
				}
				entries, _ := os.ReadDir(filepath.Join(tc.path, ".stowage"))
				if len(entries) != 0 {
					t.Errorf("test files left: %v", entries)
				}
			}
		})
	}
}

func TestTestKeyAndHumanBytes(t *testing.T) {
	k := TestKey(mustTime(t, "2026-11-23T10:20:30+01:00"))
	if !strings.HasPrefix(k, ".stowage/connection-test-20261123T092030Z-") || len(k) != len(".stowage/connection-test-20261123T092030Z-abcdef.txt") {
		t.Fatalf("TestKey = %q", k)
	}
	for _, tc := range []struct {
		n    uint64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1536, "1.5 KiB"}, {1 << 30, "1.0 GiB"}, {5 << 40, "5.0 TiB"}} {
		if got := humanBytes(tc.n); got != tc.want {
			t.Errorf("humanBytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestPutTinyFileAllocatesLittle: exporting a million tiny files must not
// allocate a 1 MiB buffer per file (it did: 98% of the bytes allocated and
// most of the CPU of `bench -sets scale`, issue 12 §5).
func TestPutTinyFileAllocatesLittle(t *testing.T) {
	if raceEnabled {
		t.Skip("bytes allocated are not meaningful under the race detector; the plain test run checks them")
	}
	p := newTemp(t)
	src := srcFile(t, []byte("tiny recording\n"))
	ctx := context.Background()
	put := func(i int) {
		if _, err := src.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Put(ctx, "calls/"+strconv.Itoa(i)+".wav", src, 15, providers.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put(-1) // warm the pool
	var before, after runtime.MemStats
	const n = 50
	runtime.ReadMemStats(&before)
	for i := range n {
		put(i)
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > 64<<10 {
		t.Fatalf("Put of a 15-byte file allocates %d bytes; want at most 64 KiB (a buffer per file?)", per)
	}
}
