package download

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"

	_ "github.com/stowage-dev/stowage/providers/azure"
	_ "github.com/stowage-dev/stowage/providers/local"
	_ "github.com/stowage-dev/stowage/providers/s3"
)

// fullProvider is what the S3, Azure and local providers implement.
type fullProvider interface {
	providers.Provider
	providers.Lister
	providers.Getter
	providers.Stater
	providers.Deleter
}

// counting wraps a provider, counts GETs per key and lets a test hook into
// listing and reading.
type counting struct {
	fullProvider
	mu   sync.Mutex
	gets map[string]int
	// afterList, when set, runs for each listed object before the engine
	// sees it.
	afterList func(providers.Object)
	// beforeGet, when set, may fail a GET (key, offset, length).
	beforeGet func(key string, off, length int64) error
	// mangle, when set, replaces the bytes a GET returns.
	mangle func(key string, body []byte) []byte
}

func newCounting(p providers.Provider) *counting {
	return &counting{fullProvider: p.(fullProvider), gets: map[string]int{}}
}

func (c *counting) List(ctx context.Context, prefix string, fn func(providers.Object) error) error {
	return c.fullProvider.List(ctx, prefix, func(o providers.Object) error {
		if c.afterList != nil {
			c.afterList(o)
		}
		return fn(o)
	})
}

func (c *counting) Get(ctx context.Context, key string, off, length int64) (io.ReadCloser, providers.Object, error) {
	c.mu.Lock()
	c.gets[key]++
	c.mu.Unlock()
	if c.beforeGet != nil {
		if err := c.beforeGet(key, off, length); err != nil {
			return nil, providers.Object{}, err
		}
	}
	rc, o, err := c.fullProvider.Get(ctx, key, off, length)
	if err != nil || c.mangle == nil {
		return rc, o, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, o, err
	}
	return io.NopCloser(bytes.NewReader(c.mangle(key, b))), o, nil
}

func (c *counting) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gets[key]
}

func (c *counting) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.gets {
		n += v
	}
	return n
}

// recorder collects events.
type recorder struct {
	mu  sync.Mutex
	evs []Event
}

func (r *recorder) Event(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
}

func eventsOf[T Event](r *recorder) []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []T
	for _, ev := range r.evs {
		if t, ok := ev.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

// minioEnv is a bucket on the shared TLS MinIO with a location for it.
type minioEnv struct {
	m      *testenv.MinIO
	bucket string
	client *s3.Client
	loc    config.Location
}

const locPrefix = "exports/"

func newMinio(t *testing.T) *minioEnv {
	t.Helper()
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	b := testenv.UniqueName("dl")
	m.CreateBucket(t, b)
	return &minioEnv{m: m, bucket: b, client: m.S3Client(t, "", ""), loc: config.Location{
		Name: "minio-" + b, Type: config.TypeS3, S3: &config.S3{
			Bucket: b, Region: m.SigningRegion(), Prefix: locPrefix, Endpoint: m.Endpoint, PathStyle: true,
			CABundle: m.CAFile, Auth: config.AuthKeys, AccessKeyID: m.RootUser, SecretAccessKey: m.RootPassword,
			ChecksumMode: config.ChecksumWhenRequired, ReadBack: true, Delete: true,
		}}}
}

// put stores body at key (relative to the location prefix); crc asks MinIO
// to keep a CRC32C checksum with it.
func (e *minioEnv) put(t *testing.T, key string, body []byte, crc bool) {
	t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(e.bucket), Key: aws.String(locPrefix + key), Body: bytes.NewReader(body)}
	if crc {
		in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c
	}
	if _, err := e.client.PutObject(context.Background(), in); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func (e *minioEnv) exists(t *testing.T, key string) bool {
	t.Helper()
	_, err := e.client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(e.bucket), Key: aws.String(locPrefix + key)})
	return err == nil
}

func (e *minioEnv) open(t *testing.T) providers.Provider {
	t.Helper()
	p, err := providers.Open(context.Background(), e.loc, providers.Options{Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func randBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// checkTree compares dest with want (key → bytes) and fails on any other
// file except the journal.
func checkTree(t *testing.T, dest string, want map[string][]byte) {
	t.Helper()
	got := map[string]bool{}
	err := filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dest, p)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, JournalName) {
			return nil
		}
		got[rel] = true
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		w, ok := want[rel]
		if !ok {
			t.Errorf("unexpected file %s", rel)
		} else if !bytes.Equal(b, w) {
			t.Errorf("%s: %d bytes differ from the store's %d", rel, len(b), len(w))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("missing files: %v", missing)
	}
}

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) == "1" {
		os.Exit(crashChild())
	}
	testenv.Main(m)
}
