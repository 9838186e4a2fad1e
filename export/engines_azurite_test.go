package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"
	"github.com/stowage-dev/stowage/providers"
	_ "github.com/stowage-dev/stowage/providers/azure"
)

// TestStreamMinIOToAzurite streams a MinIO source (a user that may list
// and read its prefix only) into an Azurite container (a SAS that may
// create and write blobs only): a crash after three parts of the large
// object, then a rerun that resumes its block list from part 4 and
// leaves every blob byte for byte as the source holds it.
func TestStreamMinIOToAzurite(t *testing.T) {
	es := newEngineServers(t, engineObjects)
	from := es.source(t)
	from.Prefix, from.Engine = "2024/", EngineStream
	az := testenv.SharedAzurite(t)
	container := testenv.UniqueName("stream")
	az.CreateContainer(t, container)
	loc := config.Location{Name: "azurite", Type: config.TypeAzure, Azure: &config.Azure{Container: container,
		ConnectionString: az.SAS(t, container, "cw", time.Now().Add(time.Hour)), Prefix: "calls/"}}
	pv, err := providers.Open(context.Background(), loc, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fp := pv.(fullProvider)
	e := newEnv(t)
	opts := e.opts()
	opts.Sources, opts.From = nil, &from
	opts.Exclude = []string{"*.txt"}
	opts.PartSize, opts.MultipartThreshold, opts.Concurrency = 1<<20, 4<<20, 1
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var parts atomic.Int64
	crash := &recorder{fullProvider: fp, before: func(op, key string, n int, _ providers.Body) error {
		if op == "part" && parts.Add(1) == 4 {
			cancel()
			return context.Canceled
		}
		return nil
	}}
	if _, err := Run(ctx, crash, "azurite", opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("crashed run: %v", err)
	}
	opts.Concurrency = 4
	rec := &recorder{fullProvider: fp}
	sum, err := Run(context.Background(), rec, "azurite", opts)
	if err != nil || sum.Files == 0 {
		t.Fatalf("resumed run: %v (summary %+v)", err, sum)
	}
	got := rec.partNumbers()
	if rec.creates != 0 || len(got) == 0 || got[0] != 4 {
		t.Fatalf("resumed run: %d creates, parts %v; want the block list resumed from part 4", rec.creates, got)
	}
	client := az.Client(t)
	for k, b := range es.data {
		rel, ok := strings.CutPrefix(k, "rec/2024/")
		if !ok || strings.HasSuffix(k, ".txt") {
			continue
		}
		var buf bytes.Buffer
		resp, err := client.DownloadStream(context.Background(), container, "calls/"+rel, nil)
		if err != nil {
			t.Fatalf("download %s: %v", rel, err)
		}
		buf.ReadFrom(resp.Body)
		resp.Body.Close()
		mustEqualBytes(t, rel, buf.Bytes(), b)
	}
	again, err := Run(context.Background(), fp, "azurite", opts)
	if err != nil || again.Files != 0 || again.Skipped != 4 {
		t.Fatalf("rerun: %+v, %v; want 4 skipped", again, err)
	}
}

// TestStreamAzuriteToMinIO streams an Azurite container (a SAS that may
// list and read only) into MinIO, whose user holds the generated
// least-privilege policy only.
func TestStreamAzuriteToMinIO(t *testing.T) {
	az := testenv.SharedAzurite(t)
	container := testenv.UniqueName("platform")
	az.CreateContainer(t, container)
	client := az.Client(t)
	want := map[string][]byte{"2024/a.wav": content("a", 5000), "2024/big.mp4": content("big", 9<<20+3), "2024/c.wav": content("c", 1)}
	for k, b := range want {
		if _, err := client.UploadBuffer(context.Background(), container, "rec/"+k, b, nil); err != nil {
			t.Fatal(err)
		}
	}
	srcLoc := config.Location{Name: "platform", Type: config.TypeAzure, Azure: &config.Azure{Container: container,
		ConnectionString: az.SAS(t, container, "rl", time.Now().Add(time.Hour)), Prefix: "rec/"}}
	src, err := providers.Open(context.Background(), srcLoc, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("customer")
	m.CreateBucket(t, bucket)
	dstLoc := config.Location{Name: "customer", Type: config.TypeS3, S3: &config.S3{Bucket: bucket, Region: m.SigningRegion(),
		Prefix: "exports/", Endpoint: m.Endpoint, PathStyle: true, CABundle: m.CAFile, Auth: config.AuthKeys}}
	doc, err := policies.Permissions(dstLoc)
	if err != nil {
		t.Fatal(err)
	}
	dstLoc.S3.AccessKeyID, dstLoc.S3.SecretAccessKey = m.CreateUser(t, doc)
	dst, err := providers.Open(context.Background(), dstLoc, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	from := FromLocation{Name: "platform", Provider: src}
	engine, why, err := ChooseEngine(context.Background(), dst, "customer", from, EngineAuto)
	if err != nil || engine != EngineStream || !strings.Contains(why, "not an S3 location") {
		t.Fatalf("auto from Azure to S3: %q (%s), %v", engine, why, err)
	}
	from.Engine = engine
	e := newEnv(t)
	opts := e.opts()
	opts.Sources, opts.From = nil, &from
	opts.PartSize, opts.MultipartThreshold = 5<<20, 5<<20
	opts.KeyTemplate = "{source}/{path}"
	sum, err := Run(context.Background(), dst, "customer", opts)
	if err != nil || sum.Files != 3 {
		t.Fatalf("stream Azure → MinIO: %+v, %v", sum, err)
	}
	c := m.S3Client(t, "", "")
	for k, b := range want {
		out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("exports/platform/" + k)})
		if err != nil {
			t.Fatalf("get %s: %v", k, err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(out.Body)
		out.Body.Close()
		mustEqualBytes(t, k, buf.Bytes(), b)
	}
}

// gauge is a destination that holds each body for a moment and records
// the most body bytes it was handed at once.
type gauge struct {
	fullProvider
	mu        sync.Mutex
	held, max int64
}

func (g *gauge) hold(b providers.Body) func() {
	n := b.(interface{ Size() int64 }).Size()
	g.mu.Lock()
	g.held += n
	g.max = max(g.max, g.held)
	g.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	return func() { g.mu.Lock(); g.held -= n; g.mu.Unlock() }
}

func (g *gauge) Put(ctx context.Context, key string, src providers.Body, size int64, opts providers.PutOptions) (providers.Object, error) {
	defer g.hold(src)()
	return g.fullProvider.Put(ctx, key, src, size, opts)
}

func (g *gauge) UploadPart(ctx context.Context, key, id string, n int, src providers.Body, off, size int64, opts providers.PutOptions) (providers.Part, error) {
	defer g.hold(src)()
	return g.fullProvider.UploadPart(ctx, key, id, n, src, off, size, opts)
}

// TestStreamMemoryBounded: the stream engine holds at most the memory
// budget in object bytes, however many requests may be in flight (here
// 8 × 1 MiB parts allowed, a 3 MiB budget), and still exports everything.
func TestStreamMemoryBounded(t *testing.T) {
	srcDir := t.TempDir()
	want := map[string][]byte{}
	for i := range 6 {
		k := fmt.Sprintf("calls/%d.wav", i)
		want[k] = content(k, 5<<20+i*1000)
		if err := os.MkdirAll(filepath.Join(srcDir, "calls"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(srcDir, k), want[k], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := openLocal(t, srcDir)
	dstDir := t.TempDir()
	g := &gauge{fullProvider: openLocal(t, dstDir)}
	e := newEnv(t)
	opts := e.opts()
	opts.Sources, opts.From = nil, &FromLocation{Name: "platform", Provider: src, Engine: EngineStream}
	opts.Concurrency, opts.PartSize, opts.MultipartThreshold, opts.MemoryBudget = 8, 1<<20, 1<<20, 3<<20
	sum, err := Run(context.Background(), g, "nas", opts)
	if err != nil || sum.Files != len(want) {
		t.Fatalf("%+v, %v", sum, err)
	}
	if g.max > opts.MemoryBudget || g.max < 2<<20 {
		t.Fatalf("at most %d object bytes were held at once; want between 2 MiB and the %d-byte budget", g.max, opts.MemoryBudget)
	}
	t.Logf("peak object bytes held: %d (budget %d, concurrency × part size %d)", g.max, opts.MemoryBudget, int64(opts.Concurrency)*opts.PartSize)
	for k, b := range want {
		got, err := os.ReadFile(filepath.Join(dstDir, k))
		if err != nil {
			t.Fatal(err)
		}
		mustEqualBytes(t, k, got, b)
	}
}
