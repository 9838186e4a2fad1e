package exporte2e

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
	_ "github.com/stowage-dev/stowage/providers/s3"
)

// openThrough opens the S3 provider for loc.
func openThrough(t testing.TB, loc config.Location, concurrency int) providers.Provider {
	t.Helper()
	p, err := providers.Open(context.Background(), loc, providers.Options{Concurrency: concurrency})
	if err != nil {
		t.Fatalf("open location %s: %v", loc.Name, err)
	}
	return p
}

// retryLog collects the engine's Retry events.
type retryLog struct {
	mu      sync.Mutex
	retries []export.Retry
	failed  []export.FileFailed
}

func (l *retryLog) event(ev export.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev := ev.(type) {
	case export.Retry:
		l.retries = append(l.retries, ev)
	case export.FileFailed:
		l.failed = append(l.failed, ev)
	}
}

// TestExportThroughFaultyNetwork exports 200 small files and two multipart
// files through a proxy that throttles (503 SlowDown and 429, both with
// Retry-After) and resets connections mid-request and mid-response, and
// checks that every object arrives intact, once, with nothing extra.
func TestExportThroughFaultyNetwork(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("faults")
	m.CreateBucket(t, bucket)
	px := startProxy(t, m, bucket)
	px.setPlan(seededPlan(20261123))
	tr := newTree(t, 200, []int{21<<20 + 11, 17<<20 + 5})

	loc := s3Location("faulty", bucket, px.URL, px.CAFile, m.SigningRegion(), m.RootUser, m.RootPassword)
	var log retryLog
	opts := export.Options{
		Sources:            []string{tr.dir},
		JournalPath:        filepath.Join(t.TempDir(), "journals", "faulty.db"),
		Concurrency:        32,
		PartSize:           5 << 20,
		MultipartThreshold: 5 << 20,
		BaseBackoff:        50 * time.Millisecond,
		MaxBackoff:         2 * time.Second,
		Events:             log.event,
	}
	start := time.Now()
	sum, err := export.Run(context.Background(), openThrough(t, loc, opts.Concurrency), loc.Name, opts)
	if err != nil {
		t.Fatalf("Run through the faulty proxy: %v (summary %+v, failures %v)", err, sum, log.failed)
	}
	t.Logf("%s in %s; faults injected: %d SlowDown, %d 429, %d reset mid-request, %d reset mid-response; %d engine retries",
		sum, time.Since(start).Round(time.Millisecond), px.injected[slowDown].Load(), px.injected[tooMany].Load(),
		px.injected[resetRequest].Load(), px.injected[resetResponse].Load(), len(log.retries))
	if sum.Files != len(tr.files) || sum.Failed != 0 {
		t.Fatalf("summary %+v, want %d files exported and none failed", sum, len(tr.files))
	}
	for f := slowDown; f <= resetResponse; f++ {
		if px.injected[f].Load() == 0 {
			t.Errorf("the proxy never injected %s; the test would prove nothing about it", f)
		}
	}

	// Three throttled answers exhaust the SDK's own attempts, so the
	// engine must have retried, waiting at least the Retry-After second.
	// The SDK's own retries (Internal) do not honour Retry-After.
	var throttled, network int
	for _, r := range log.retries {
		if r.Internal {
			continue
		}
		switch {
		case errors.Is(r.Err, providers.ErrThrottled):
			throttled++
			if r.Wait < time.Second {
				t.Errorf("retry of %s part %d after a throttled answer waited %s, less than Retry-After: 1", r.Path, r.Part, r.Wait)
			}
		case errors.Is(r.Err, providers.ErrNetwork):
			network++
		}
	}
	if throttled == 0 || network == 0 {
		t.Fatalf("engine retries: %d after throttling, %d after connection resets, %d in all; want both kinds (%v)", throttled, network, len(log.retries), log.retries)
	}

	root := m.S3Client(t, "", "")
	assertBucketHolds(t, root, bucket, "", tr.files)

	rows := readManifest(t, sum.ManifestJSONL)
	if len(rows) != len(tr.files) {
		t.Fatalf("manifest has %d rows, want %d", len(rows), len(tr.files))
	}
	for rel, b := range tr.files {
		r := rows[rel]
		if r.Status != export.RowExported || r.Size != int64(len(b)) {
			t.Fatalf("manifest row of %s = %+v, want exported with %d bytes", rel, r, len(b))
		}
		if len(b) < int(opts.MultipartThreshold) && r.Checksum != crc32c(b) {
			t.Fatalf("manifest checksum of %s = %q, want %q", rel, r.Checksum, crc32c(b))
		}
	}

	// Uploads whose creation answer was lost are aborted once a retry
	// created the one the export uses: nothing is left open.
	if open := openUploads(t, root, bucket); len(open) != 0 {
		t.Fatalf("multipart uploads left open: %v; the proxy dropped the creation answers of %q", open, px.lostUploadIDs())
	}
}

// TestLostCompleteMultipartAnswer drops the answer to
// CompleteMultipartUpload after MinIO acted on it: the retry then finds the
// upload gone (NoSuchUpload) although the object is whole. The export must
// not report the file failed, nor send it again on the next run.
func TestLostCompleteMultipartAnswer(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("lostcomplete")
	m.CreateBucket(t, bucket)
	px := startProxy(t, m, bucket)
	px.setPlan(func(c call) rule {
		if c.isCompleteMultipart() {
			return rule{resetResponse, 1}
		}
		return rule{}
	})
	tr := newTree(t, 0, []int{11<<20 + 3})
	loc := s3Location("lost", bucket, px.URL, px.CAFile, m.SigningRegion(), m.RootUser, m.RootPassword)
	var log retryLog
	opts := export.Options{
		Sources:     []string{tr.dir},
		JournalPath: filepath.Join(t.TempDir(), "journals", "lost.db"),
		Concurrency: 4, PartSize: 5 << 20, MultipartThreshold: 5 << 20,
		BaseBackoff: 50 * time.Millisecond, MaxBackoff: time.Second,
		Events: log.event,
	}
	p := openThrough(t, loc, 4)
	sum, err := export.Run(context.Background(), p, loc.Name, opts)
	if px.injected[resetResponse].Load() != 1 {
		t.Fatalf("the Complete answer was dropped %d times, want 1", px.injected[resetResponse].Load())
	}
	root := m.S3Client(t, "", "")
	assertBucketHolds(t, root, bucket, "", tr.files)
	if err != nil || sum.Files != 1 || sum.Failed != 0 {
		t.Errorf("Run after a lost CompleteMultipartUpload answer: err %v, summary %+v, failures %v; the object is whole in the bucket", err, sum, log.failed)
	}
	px.takeCalls()
	px.setPlan(nil)
	sum, err = export.Run(context.Background(), p, loc.Name, opts)
	var parts int
	for _, c := range px.takeCalls() {
		if c.isUploadPart() || c.isPutObject() {
			parts++
		}
	}
	if err != nil || sum.Skipped != 1 || parts != 0 {
		t.Errorf("rerun: err %v, summary %+v, %d upload requests; want the file skipped and nothing sent", err, sum, parts)
	}
}

// TestAnswerCutAfterHeaders cuts the answers to CreateMultipartUpload and
// CompleteMultipartUpload after the store's "HTTP 200" and headers, half-way
// through the XML body. Both are retried; the upload MinIO created for the
// cut Create answer is not left open, and the cut Complete answer is
// confirmed by looking the object up.
func TestAnswerCutAfterHeaders(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("cutbody")
	m.CreateBucket(t, bucket)
	px := startProxy(t, m, bucket)
	px.setPlan(func(c call) rule {
		if c.isCreateMultipart() || c.isCompleteMultipart() {
			return rule{cutBody, 3}
		}
		return rule{}
	})
	tr := newTree(t, 3, []int{6<<20 + 1, 5<<20 + 7})
	loc := s3Location("cut", bucket, px.URL, px.CAFile, m.SigningRegion(), m.RootUser, m.RootPassword)
	var log retryLog
	opts := export.Options{
		Sources:     []string{tr.dir},
		JournalPath: filepath.Join(t.TempDir(), "journals", "cut.db"),
		Concurrency: 4, PartSize: 5 << 20, MultipartThreshold: 5 << 20,
		BaseBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Events: log.event,
	}
	sum, err := export.Run(context.Background(), openThrough(t, loc, 4), loc.Name, opts)
	if got := px.injected[cutBody].Load(); got != 12 {
		t.Fatalf("the proxy cut %d answers, want 12 (3 for each Create and Complete, more than the SDK's own attempts)", got)
	}
	if err != nil || sum.Files != len(tr.files) || sum.Failed != 0 {
		t.Fatalf("Run with answers cut after HTTP 200: err %v, summary %+v, failures %v", err, sum, log.failed)
	}
	root := m.S3Client(t, "", "")
	assertBucketHolds(t, root, bucket, "", tr.files)
	if open := openUploads(t, root, bucket); len(open) != 0 {
		t.Fatalf("multipart uploads left open after cut Create answers: %v (the proxy lost %q)", open, px.lostUploadIDs())
	}
}
