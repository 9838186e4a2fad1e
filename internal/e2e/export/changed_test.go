package exporte2e

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// TestSourceChangedDuringUpload changes a file while its upload is on the
// wire (the proxy does it when the first request carrying the file's bytes
// arrives) and checks that the binary reports the file failed as changed,
// in its summary and manifest, stores no torn object, and exports the new
// content on the next run.
func TestSourceChangedDuringUpload(t *testing.T) {
	// The command sends files above export.DefaultMultipartThreshold in
	// parts (5 MiB each here); smaller ones in one PutObject.
	const big, small = export.DefaultMultipartThreshold + 7, 3<<20 + 1
	cases := []struct {
		name string
		size int
		// change alters the file at path.
		change func(t *testing.T, path string)
		// accepted: the store takes the request (the change came after
		// the bytes were read), so the object must be deleted, or the
		// failure must say it could not be (denyDelete).
		accepted, denyDelete bool
	}{
		{"append during a multipart upload", big, appendTo, false, false},
		// Two parts are in flight when the change comes and the last part
		// has not started, so an undetected change would store old parts
		// and a new last one: a torn object.
		{"rewrite in place during a multipart upload", big, rewriteAt(big - 1<<20), false, false},
		{"append during a single PutObject", small, appendTo, true, false},
		{"append during a single PutObject, delete denied", small, appendTo, true, true},
		// A body larger than the loopback socket buffers is still being
		// read when the change comes, so what MinIO receives no longer
		// matches the CRC32C the provider computed before sending.
		{"rewrite in place during a single PutObject", 40 << 20, rewriteAt(39 << 20), false, false},
	}
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	root := m.S3Client(t, "", "")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bucket := testenv.UniqueName("changed")
			m.CreateBucket(t, bucket)
			px := startProxy(t, m, bucket)
			tr := newTree(t, 3, nil)
			const rel = "screens/growing.mp4"
			tr.add(t, rel, data(rel, tc.size))
			path := tr.path(rel)
			if tc.denyDelete {
				px.setPlan(func(c call) rule {
					if c.Method == http.MethodDelete {
						return rule{denied, 100}
					}
					return rule{}
				})
			}
			var once sync.Once
			px.setBefore(func(c call) {
				if c.Key == rel && (c.isUploadPart() || c.isPutObject()) {
					once.Do(func() { tc.change(t, path) })
				}
			})
			c := newCLI(t, s3Location("changed", bucket, px.URL, px.CAFile, m.SigningRegion(), m.RootUser, m.RootPassword))
			args := []string{"--no-tui", "--concurrency", "2", "--part-size", "5MiB"}

			before := c.manifests(t)
			res := c.run(t, tr.dir, args...)
			if res.code != 1 {
				t.Fatalf("exit %d, want 1 (some files failed)\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
			for _, want := range []string{"Export finished with failures", "exported: 3 files", "failed:   1 file", "Failed files (1):\n  " + path + ": "} {
				if !strings.Contains(res.stdout, want) {
					t.Fatalf("summary lacks %q:\n%s", want, res.stdout)
				}
			}
			rows := readManifest(t, c.newestManifest(t, before))
			if r := rows[rel]; r.Status != export.RowFailed {
				t.Fatalf("manifest row of the changed file = %+v, want failed", r)
			}
			// The reason must be the change, not a misleading store error;
			// the other checks still run when it is not.
			const reason = "source changed during upload"
			if r := rows[rel]; !strings.Contains(r.Error, reason) || !strings.Contains(res.stdout, path+": "+reason) {
				t.Errorf("the failure does not say %q: manifest error %q", reason, r.Error)
			}
			// An accepted object read during the change is deleted, or
			// the failure says the location still holds it.
			switch {
			case tc.accepted && tc.denyDelete:
				if r := rows[rel]; !strings.Contains(r.Error, "the location holds "+rel) || !strings.Contains(r.Error, "s3:DeleteObject is not granted") {
					t.Errorf("the failure %q does not say the location holds %s and may not delete it", r.Error, rel)
				}
			case tc.accepted:
				if r := rows[rel]; !strings.Contains(r.Error, "as "+rel+" was deleted") {
					t.Errorf("the failure %q does not say the object the store accepted was deleted", r.Error)
				}
				if _, ok := listObjects(t, root, bucket)[rel]; ok {
					t.Errorf("the bucket still holds %s, read while it changed", rel)
				}
			}
			stored := listObjects(t, root, bucket)
			if len(stored) != 3 && len(stored) != 4 {
				t.Fatalf("bucket holds %v after the first run", stored)
			}
			// Never a torn object: the parts were not assembled, or a whole
			// PutObject stored the file as it was before the change.
			if n, ok := stored[rel]; ok {
				b := getObject(t, root, bucket, rel)
				if tc.size > export.DefaultMultipartThreshold || !bytes.Equal(b, tr.files[rel]) {
					t.Fatalf("the changed file was stored (%d bytes, %s; before the change %s) though its upload failed", n, crc32c(b), crc32c(tr.files[rel]))
				}
				t.Logf("the bucket holds the file as it was before the change (%d bytes) until the rerun", n)
			}
			if ups := openUploads(t, root, bucket); len(ups) != 0 {
				t.Fatalf("the changed file's upload was left open: %v", ups)
			}

			// The next run exports the file as it is now.
			now, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			tr.files[rel] = now
			px.setBefore(nil)
			px.setPlan(nil)
			before = c.manifests(t)
			res = c.run(t, tr.dir, args...)
			if res.code != 0 {
				t.Fatalf("rerun exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
			rows = readManifest(t, c.newestManifest(t, before))
			if r := rows[rel]; r.Status != export.RowExported && r.Status != export.RowChanged || r.Size != int64(len(now)) {
				t.Fatalf("rerun manifest row = %+v, want the file exported with its %d bytes", r, len(now))
			}
			if n := statusCount(rows); n[export.RowSkipped] != 3 {
				t.Fatalf("rerun manifest statuses %v, want the 3 unchanged files skipped", n)
			}
			assertBucketHolds(t, root, bucket, "", tr.files)
		})
	}
}

// appendTo appends to the file at path, as a recorder still writing a call
// does.
func appendTo(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	if _, err := f.Write(data("more audio", 64<<10)); err != nil {
		t.Error(err)
	}
}

// rewriteAt returns a change that overwrites 1 MiB of the file at off,
// keeping its size.
func rewriteAt(off int) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		if _, err := f.WriteAt(data("rewritten", 1<<20), int64(off)); err != nil {
			t.Error(err)
		}
	}
}
