package export

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
	_ "github.com/stowage-dev/stowage/providers/local"
)

// fullProvider is what the local provider implements; the test decorator
// forwards all of it.
type fullProvider interface {
	providers.Provider
	providers.Multipart
	providers.Stater
}

// openLocal opens a real local-folder location at dir.
func openLocal(t testing.TB, dir string) fullProvider {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := providers.Open(context.Background(), config.Location{Name: "t", Type: config.TypeLocal, Local: &config.Local{Path: dir}}, providers.Options{})
	if err != nil {
		t.Fatalf("open local location: %v", err)
	}
	fp, ok := p.(fullProvider)
	if !ok {
		t.Fatalf("local provider %T lacks Multipart or Stater", p)
	}
	return fp
}

// recorder is a decorator over a real provider that counts calls and can
// inject failures or side effects before a call reaches the provider.
type recorder struct {
	fullProvider

	mu       sync.Mutex
	puts     []string // keys, in call order
	parts    []int    // part numbers, in call order
	creates  int
	lists    int
	complete int
	stats    int
	listings int

	// before, when set, runs before each Put / UploadPart / Complete / Stat
	// / List (op is "put", "part", "complete", "stat", "list"); a non-nil
	// error is returned
	// instead of calling the provider.
	before func(op, key string, n int, src providers.Body) error
	// denyList makes ListParts answer AccessDenied, as AWS does under the
	// least-privilege policy (no s3:ListMultipartUploadParts).
	denyList bool
	// statSize, when set, replaces the size Stat reports for a key.
	statSize func(key string, size int64) int64
	// afterComplete, when set, sees what the provider answered to
	// CompleteMultipart and returns what the engine gets instead (a lost
	// answer: the store completed, the caller sees NoSuchUpload).
	afterComplete func(obj providers.Object, err error) (providers.Object, error)
}

func (r *recorder) hook(op, key string, n int, src providers.Body) error {
	if r.before == nil {
		return nil
	}
	return r.before(op, key, n, src)
}

func (r *recorder) Put(ctx context.Context, key string, src providers.Body, size int64, opts providers.PutOptions) (providers.Object, error) {
	r.mu.Lock()
	r.puts = append(r.puts, key)
	r.mu.Unlock()
	if err := r.hook("put", key, 0, src); err != nil {
		return providers.Object{}, err
	}
	return r.fullProvider.Put(ctx, key, src, size, opts)
}

func (r *recorder) CreateMultipart(ctx context.Context, key string, opts providers.PutOptions) (string, error) {
	r.mu.Lock()
	r.creates++
	r.mu.Unlock()
	return r.fullProvider.CreateMultipart(ctx, key, opts)
}

func (r *recorder) UploadPart(ctx context.Context, key, id string, n int, src providers.Body, off, size int64, opts providers.PutOptions) (providers.Part, error) {
	r.mu.Lock()
	r.parts = append(r.parts, n)
	r.mu.Unlock()
	if err := r.hook("part", key, n, src); err != nil {
		return providers.Part{}, err
	}
	return r.fullProvider.UploadPart(ctx, key, id, n, src, off, size, opts)
}

func (r *recorder) ListParts(ctx context.Context, key, id string) ([]providers.Part, error) {
	r.mu.Lock()
	r.lists++
	r.mu.Unlock()
	if r.denyList {
		return nil, &providers.Error{Kind: providers.ErrAccessDenied, Op: "list-parts", Action: "s3:ListMultipartUploadParts", Code: "AccessDenied"}
	}
	return r.fullProvider.ListParts(ctx, key, id)
}

func (r *recorder) CompleteMultipart(ctx context.Context, key, id string, parts []providers.Part) (providers.Object, error) {
	r.mu.Lock()
	r.complete++
	r.mu.Unlock()
	if err := r.hook("complete", key, 0, nil); err != nil {
		return providers.Object{}, err
	}
	obj, err := r.fullProvider.CompleteMultipart(ctx, key, id, parts)
	if r.afterComplete != nil {
		return r.afterComplete(obj, err)
	}
	return obj, err
}

// List forwards to the provider (the local one lists) and runs the hook
// with op "list".
func (r *recorder) List(ctx context.Context, prefix string, fn func(providers.Object) error) error {
	r.mu.Lock()
	r.listings++
	r.mu.Unlock()
	if err := r.hook("list", prefix, 0, nil); err != nil {
		return err
	}
	return r.fullProvider.(providers.Lister).List(ctx, prefix, fn)
}

func (r *recorder) Stat(ctx context.Context, key string) (providers.Object, error) {
	r.mu.Lock()
	r.stats++
	r.mu.Unlock()
	if err := r.hook("stat", key, 0, nil); err != nil {
		return providers.Object{}, err
	}
	obj, err := r.fullProvider.Stat(ctx, key)
	if err == nil && r.statSize != nil {
		obj.Size = r.statSize(key, obj.Size)
	}
	return obj, err
}

func (r *recorder) putCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.puts)
}

func (r *recorder) partNumbers() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]int(nil), r.parts...)
	sort.Ints(out)
	return out
}

// env is one export set-up: a source folder, a destination folder behind
// the local provider and a journal.
type env struct {
	src, dst, state string
	p               fullProvider
}

func newEnv(t testing.TB) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{src: filepath.Join(root, "src"), dst: filepath.Join(root, "dst"), state: filepath.Join(root, "state")}
	if err := os.MkdirAll(e.src, 0o755); err != nil {
		t.Fatal(err)
	}
	e.p = openLocal(t, e.dst)
	return e
}

func (e *env) opts() Options {
	return Options{
		Sources:     []string{e.src},
		JournalPath: filepath.Join(e.state, "journals", "t.db"),
		BaseBackoff: time.Millisecond,
		MaxBackoff:  5 * time.Millisecond,
	}
}

// write creates a file under the source with the given content.
func (e *env) write(t testing.TB, rel string, content []byte) string {
	t.Helper()
	p := filepath.Join(e.src, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// content is deterministic, file-specific bytes of length n.
func content(name string, n int) []byte {
	b := make([]byte, n)
	seed := crc32.ChecksumIEEE([]byte(name))
	for i := range b {
		seed = seed*1664525 + 1013904223
		b[i] = byte(seed >> 24)
	}
	return b
}

// objects lists the destination as key → content, leaving out the local
// provider's upload and test folders.
func (e *env) objects(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(e.dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(e.dst, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(rel, ".stowage") {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(filepath.Base(rel), ".") {
			return nil // temporary files of the provider
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func keysOf(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// events collects events for assertions.
type events struct {
	mu  sync.Mutex
	all []Event
}

func (c *events) add(ev Event) {
	c.mu.Lock()
	c.all = append(c.all, ev)
	c.mu.Unlock()
}

func (c *events) list() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.all...)
}

func countKind[T Event](evs []Event) int {
	n := 0
	for _, ev := range evs {
		if _, ok := ev.(T); ok {
			n++
		}
	}
	return n
}

func mustEqualBytes(t testing.TB, key string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("object %s: %d bytes differ from the %d-byte source (crc32c %08x vs %08x)", key, len(got), len(want),
			crc32.Checksum(got, crc32.MakeTable(crc32.Castagnoli)), crc32.Checksum(want, crc32.MakeTable(crc32.Castagnoli)))
	}
}

func fmtKeys(keys []string) string { return fmt.Sprintf("%q", keys) }
