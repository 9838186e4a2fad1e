package exporte2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"
)

// TestDeleteSourceThroughBinary runs `stowage export --delete-source` with
// keys of a MinIO user holding exactly the generated least-privilege
// policy. With read_back the export can look each object up, so every
// confirmed file is deleted and a file whose upload was refused is kept;
// without read_back nothing can be confirmed, so every source is kept and
// the output says why.
func TestDeleteSourceThroughBinary(t *testing.T) {
	cases := []struct {
		name     string
		readBack bool
	}{
		{"with read_back", true},
		{"without read_back", false},
	}
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	root := m.S3Client(t, "", "")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bucket := testenv.UniqueName("delete")
			m.CreateBucket(t, bucket)
			px := startProxy(t, m, bucket)
			const prefix = "calls/"
			loc := s3Location("delete", bucket, px.URL, px.CAFile, m.SigningRegion(), "", "")
			loc.S3.Prefix, loc.S3.ReadBack = prefix, tc.readBack
			doc, err := policies.Permissions(loc)
			if err != nil {
				t.Fatal(err)
			}
			loc.S3.AccessKeyID, loc.S3.SecretAccessKey = m.CreateUser(t, doc)

			tr := newTree(t, 20, nil)
			const refused = "2024/03/call-002.wav"
			px.setPlan(func(c call) rule {
				if c.isPutObject() && c.Key == prefix+refused {
					return rule{denied, 1 << 30}
				}
				return rule{}
			})
			c := newCLI(t, loc)
			before := c.manifests(t)
			res := c.run(t, tr.dir, "--no-tui", "--delete-source")
			if res.code != 1 {
				t.Fatalf("exit %d, want 1 (one upload refused)\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
			exported := map[string][]byte{}
			for rel, b := range tr.files {
				if rel != refused {
					exported[rel] = b
				}
			}
			assertBucketHolds(t, root, bucket, prefix, exported)

			left := sourcesLeft(t, tr.dir)
			rows := readManifest(t, c.newestManifest(t, before))
			if r := rows[refused]; r.Status != export.RowFailed || r.Deleted {
				t.Fatalf("manifest row of the refused file = %+v, want failed and not deleted", r)
			}
			if !left[refused] {
				t.Fatalf("%s was deleted though its upload was refused", refused)
			}
			if tc.readBack {
				if len(left) != 1 {
					t.Fatalf("sources left %v, want only the refused %s", left, refused)
				}
				for rel := range exported {
					if r := rows[rel]; r.Status != export.RowExported || !r.Deleted {
						t.Fatalf("manifest row of %s = %+v, want exported and source_deleted", rel, r)
					}
				}
				if want := "deleted:  19 source files"; !strings.Contains(res.stdout, want) {
					t.Fatalf("summary lacks %q:\n%s", want, res.stdout)
				}
				return
			}
			if len(left) != len(tr.files) {
				t.Fatalf("%d of %d sources left, want all: nothing could be confirmed", len(left), len(tr.files))
			}
			for rel := range exported {
				if r := rows[rel]; r.Status != export.RowExported || r.Deleted {
					t.Fatalf("manifest row of %s = %+v, want exported, source kept", rel, r)
				}
			}
			if strings.Contains(res.stdout, "deleted:") {
				t.Fatalf("summary claims deletions:\n%s", res.stdout)
			}
			// The reason is given once, not per file: the location may not
			// read objects, so no upload can be confirmed; it names the
			// missing permission and the setting that grants it.
			warn := lineWith(res.stderr, "warning: source kept: ")
			if warn == "" || strings.Count(res.stderr, "warning: source kept: ") != 1 {
				t.Fatalf("stderr does not warn exactly once why sources were kept:\n%s", res.stderr)
			}
			for _, why := range []string{"cannot confirm", "s3:GetObject", "read_back"} {
				if !strings.Contains(warn, why) {
					t.Fatalf("the warning does not say %q: %s", why, warn)
				}
			}
			// The summary counts the kept files.
			if line := lineWith(res.stdout, "kept:"); !strings.Contains(line, fmt.Sprintf("%d source files", len(exported))) {
				t.Fatalf("summary does not count %d kept sources:\n%s", len(exported), res.stdout)
			}
			t.Logf("reason given: %s", warn)
		})
	}
}

// sourcesLeft returns the files still under dir, by "/"-separated path.
func sourcesLeft(t *testing.T, dir string) map[string]bool {
	t.Helper()
	left := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			left[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return left
}

// lineWith returns the first line of s containing sub, or "".
func lineWith(s, sub string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			return line
		}
	}
	return ""
}
