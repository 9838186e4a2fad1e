package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
	_ "github.com/stowage-dev/stowage/providers/s3"
)

// openMinIO opens an S3 location on a fresh bucket of m (root keys, prefix
// "exports/"), sized for concurrency requests.
func openMinIO(t *testing.T, m *testenv.MinIO, concurrency int) fullProvider {
	t.Helper()
	bucket := testenv.UniqueName("export")
	m.CreateBucket(t, bucket)
	loc := config.Location{
		Name: "minio " + bucket,
		Type: config.TypeS3,
		S3: &config.S3{
			Bucket: bucket, Region: m.SigningRegion(), Prefix: "exports/",
			Endpoint: m.Endpoint, PathStyle: true, CABundle: m.CAFile,
			Auth: config.AuthKeys, AccessKeyID: m.RootUser, SecretAccessKey: m.RootPassword,
		},
	}
	p, err := providers.Open(context.Background(), loc, providers.Options{Concurrency: concurrency})
	if err != nil {
		t.Fatalf("open S3 location: %v", err)
	}
	fp, ok := p.(fullProvider)
	if !ok {
		t.Fatalf("S3 provider %T lacks Multipart or Stater", p)
	}
	return fp
}

// getAll reads key back from the location.
func getAll(t *testing.T, p providers.Provider, key string) []byte {
	t.Helper()
	g, ok := p.(providers.Getter)
	if !ok {
		t.Fatalf("provider %T cannot read objects back", p)
	}
	rc, _, err := g.Get(context.Background(), key, 0, -1)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

// minioTree writes n small recordings and one file big enough for a
// multipart upload with 5 MiB parts.
func minioTree(t *testing.T, e *env, n int, small int, big int) map[string][]byte {
	t.Helper()
	want := map[string][]byte{}
	for i := 0; i < n; i++ {
		rel := fmt.Sprintf("2024/%02d/call-%03d.wav", i%12+1, i)
		want[rel] = content(rel, small+i*131)
		e.write(t, rel, want[rel])
	}
	if big > 0 {
		want["screens/big.mp4"] = content("big", big)
		e.write(t, "screens/big.mp4", want["screens/big.mp4"])
	}
	return want
}

func TestMinIOExport(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	e := newEnv(t)
	e.p = openMinIO(t, m, 16)
	want := minioTree(t, e, 25, 20000, 12<<20+77)
	o := e.opts()
	o.Concurrency = 16
	o.PartSize = 1 << 20 // raised to S3's 5 MiB minimum
	o.MultipartThreshold = 5 << 20
	o.KeyTemplate = "recordings/{path}"
	var evs events
	o.Events = evs.add
	sum, err := Run(context.Background(), e.p, "minio", o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sum.Files != len(want) {
		t.Fatalf("summary %+v, want %d files", sum, len(want))
	}
	for rel, data := range want {
		mustEqualBytes(t, rel, getAll(t, e.p, "recordings/"+rel), data)
	}
	for _, ev := range evs.list() {
		if s, ok := ev.(FileStarted); ok && s.Key == "recordings/screens/big.mp4" && s.Parts != 3 {
			t.Fatalf("big file went in %d parts, want 3 of 5 MiB", s.Parts)
		}
	}
	rows := readManifest(t, sum.ManifestJSONL)
	if r := rows["recordings/2024/01/call-000.wav"]; r.Checksum != crc32cString(want["2024/01/call-000.wav"]) || r.ETag == "" {
		t.Fatalf("manifest row %+v, want the CRC32C of the file and an ETag", r)
	}

	// A rerun with --delete-source sends nothing, confirms each object by
	// size and checksum, and removes the sources.
	rec := &recorder{fullProvider: e.p}
	o.Events = nil
	o.DeleteSource = true
	sum, err = Run(context.Background(), rec, "minio", o)
	if err != nil || rec.putCount() != 0 || len(rec.partNumbers()) != 0 || sum.Skipped != len(want) || sum.Deleted != len(want) {
		t.Fatalf("rerun: err %v, %d puts, %d parts, summary %+v", err, rec.putCount(), len(rec.partNumbers()), sum)
	}
	left := 0
	filepath.WalkDir(e.src, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left++
		}
		return nil
	})
	if left != 0 {
		t.Fatalf("%d source files left after confirmed deletion", left)
	}
}

func TestMinIOMultipartResume(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	e := newEnv(t)
	e.p = openMinIO(t, m, 4)
	data := content("resume", 23<<20+5)
	e.write(t, "big.mp4", data)
	o := e.opts()
	o.Concurrency = 1
	o.PartSize, o.MultipartThreshold = 5<<20, 5<<20
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int64
	crash := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
		if op == "part" && calls.Add(1) == 3 {
			cancel()
			return context.Canceled
		}
		return nil
	}}
	if _, err := Run(ctx, crash, "minio", o); !errors.Is(err, context.Canceled) {
		t.Fatalf("crashed run: %v", err)
	}
	rec := &recorder{fullProvider: e.p}
	if _, err := Run(context.Background(), rec, "minio", o); err != nil {
		t.Fatal(err)
	}
	if got := rec.partNumbers(); fmt.Sprint(got) != "[3 4 5]" || rec.creates != 0 {
		t.Fatalf("resumed run sent parts %v with %d creates, want [3 4 5] and none", got, rec.creates)
	}
	mustEqualBytes(t, "big.mp4", getAll(t, e.p, "big.mp4"), data)
}

func TestMinIORestartMidRun(t *testing.T) {
	m := testenv.StartMinIO(t, testenv.MinIOOptions{TLS: true})
	e := newEnv(t)
	e.p = openMinIO(t, m, 8)
	want := minioTree(t, e, 80, 50000, 16<<20)
	// Slow requests down a little so the server stops while most of the
	// export is still to do.
	slow := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
		time.Sleep(25 * time.Millisecond)
		return nil
	}}
	o := e.opts()
	o.Concurrency = 8
	o.PartSize, o.MultipartThreshold = 5<<20, 5<<20
	o.MaxRetries = 60
	o.BaseBackoff, o.MaxBackoff = 50*time.Millisecond, 500*time.Millisecond
	var done, retries atomic.Int64
	tenDone := make(chan struct{})
	o.Events = func(ev Event) {
		switch ev.(type) {
		case FileDone:
			if done.Add(1) == 10 {
				close(tenDone)
			}
		case Retry:
			retries.Add(1)
		}
	}
	type result struct {
		sum Summary
		err error
	}
	res := make(chan result, 1)
	go func() {
		sum, err := Run(context.Background(), slow, "minio", o)
		res <- result{sum, err}
	}()
	select {
	case <-tenDone:
	case r := <-res:
		t.Fatalf("run ended before the server could be stopped: %v, %+v", r.err, r.sum)
	}
	m.Stop(t)
	doneAtStop := done.Load()
	// Down for 5 s, within the default OutageTimeout: ridden out.
	time.Sleep(5 * time.Second)
	m.Restart(t)
	r := <-res
	if r.err != nil {
		// Say why each file failed: the run's error only names the manifest.
		var why []string
		if r.sum.ManifestJSONL != "" {
			for key, row := range readManifest(t, r.sum.ManifestJSONL) {
				if row.Status == RowFailed {
					why = append(why, fmt.Sprintf("%s: %+v", key, row))
				}
			}
		}
		t.Fatalf("Run across a restart: %v (summary %+v)\nfailed files:\n%s", r.err, r.sum, strings.Join(why, "\n"))
	}
	if r.sum.Files != len(want) {
		t.Fatalf("summary %+v, want %d files", r.sum, len(want))
	}
	// The SDK retries connection errors itself before the engine does, so
	// engine retries are likely but not certain; the outage must have hit
	// the middle of the run, though.
	if doneAtStop >= int64(len(want)) {
		t.Fatalf("all %d files were done before the server stopped", doneAtStop)
	}
	t.Logf("%d files done when the server stopped, %d engine retries", doneAtStop, retries.Load())
	for rel, data := range want {
		mustEqualBytes(t, rel, getAll(t, e.p, rel), data)
	}
}

// BenchmarkMinIOExport measures a whole export to HTTPS MinIO on loopback:
// 200 files of 256 KiB and one 64 MiB file in 16 MiB parts.
func BenchmarkMinIOExport(b *testing.B) {
	m := testenv.SharedMinIO(b, testenv.MinIOOptions{TLS: true})
	root := b.TempDir()
	src := filepath.Join(root, "src")
	var total int64
	for i := 0; i < 200; i++ {
		p := filepath.Join(src, fmt.Sprintf("d%d/call-%03d.wav", i%10, i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, content(p, 256<<10), 0o644)
		total += 256 << 10
	}
	os.WriteFile(filepath.Join(src, "big.mp4"), content("big", 64<<20), 0o644)
	total += 64 << 20
	b.SetBytes(total)
	i := 0
	for b.Loop() {
		i++
		bucket := testenv.UniqueName("bench")
		m.CreateBucket(b, bucket)
		pv, err := providers.Open(context.Background(), config.Location{Name: "bench", Type: config.TypeS3, S3: &config.S3{
			Bucket: bucket, Region: m.SigningRegion(), Endpoint: m.Endpoint, PathStyle: true, CABundle: m.CAFile,
			Auth: config.AuthKeys, AccessKeyID: m.RootUser, SecretAccessKey: m.RootPassword}}, providers.Options{Concurrency: 32})
		if err != nil {
			b.Fatal(err)
		}
		sum, err := Run(context.Background(), pv, "bench", Options{Sources: []string{src},
			JournalPath: filepath.Join(root, fmt.Sprintf("j%d", i), "bench.db")})
		if err != nil || sum.Files != 201 {
			b.Fatalf("export: %v, %+v", err, sum)
		}
	}
}
