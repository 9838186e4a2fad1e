package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stowage-dev/stowage/internal/testenv"
)

// TestCeilingSendsAChecksumTheStoreKeeps runs the bare SDK loop against the
// bench's MinIO and asks the store which checksum it kept: the ceiling must
// send the CRC32 trailer the README says it does (until 2026-12-06 it sent
// none, so Stowage's verified uploads were compared with unverified ones),
// and sdk-nosum must send none.
func TestCeilingSendsAChecksumTheStoreKeeps(t *testing.T) {
	bin := testenv.Tool(t, "minio")
	ctx := context.Background()
	srv, err := startServer(ctx, bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	dir := t.TempDir()
	for _, name := range []string{"a/one.wav", "b/two.wav"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, 300<<10), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		bucket string
		noSum  bool
		want   string
	}{{"ceiling", false, "CRC32"}, {"ceiling-nosum", true, "none"}} {
		if err := srv.createBucket(ctx, c.bucket); err != nil {
			t.Fatal(err)
		}
		res, err := ceilingUpload(ctx, ceilingSpec{Dir: dir, Endpoint: srv.Endpoint, Bucket: c.bucket, CAFile: srv.CAFile,
			AccessKey: srv.AccessKey, Secret: srv.Secret, NoChecksum: c.noSum})
		if err != nil || res.Files != 2 {
			t.Fatalf("%s: %+v, %v", c.bucket, res, err)
		}
		got, err := srv.storedChecksum(ctx, c.bucket)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s (no checksum %v): the store kept checksum %q, want %q", c.bucket, c.noSum, got, c.want)
		}
	}
}
