package exporte2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stowage-dev/stowage/internal/testenv"
)

// TestControlCharacterKeyRoundTrip exports a file whose name holds a
// control character, then verifies and downloads the location through the
// binary: the listing XML cannot carry U+0001, so without URL-encoded
// listings both commands failed for the whole location.
func TestControlCharacterKeyRoundTrip(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("ctrlkey")
	m.CreateBucket(t, bucket)
	loc := s3Location("ctrl", bucket, m.Endpoint, m.CAFile, m.SigningRegion(), m.RootUser, m.RootPassword)
	c := newCLI(t, loc)
	tr := &tree{dir: filepath.Join(t.TempDir(), "recordings"), files: map[string][]byte{}}
	tr.add(t, "ctrl\x01char.wav", data("ctrl", 2000))
	tr.add(t, "plain.wav", data("plain", 3000))
	if r := c.run(t, tr.dir); r.code != 0 {
		t.Fatalf("export: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	assertBucketHolds(t, m.S3Client(t, "", ""), bucket, "", tr.files)

	run := func(args ...string) (int, string) {
		cmd := exec.Command(c.bin, append([]string{"--config", c.config}, args...)...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(c.config), "TERM=dumb", "NO_COLOR=1"}
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(out)
	}
	if code, out := run("verify", c.name); code != 0 {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	dest := filepath.Join(t.TempDir(), "back")
	if code, out := run("download", c.name, dest); code != 0 {
		t.Fatalf("download: exit %d\n%s", code, out)
	}
	for rel, want := range tr.files {
		got, err := os.ReadFile(filepath.Join(dest, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("downloaded %q: %v (%d bytes, want %d)", rel, err, len(got), len(want))
		}
	}
}
