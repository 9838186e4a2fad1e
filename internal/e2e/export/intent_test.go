package exporte2e

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// TestKillAfterCreateThenRerun kills the binary after MinIO created a
// multipart upload whose answer never reached the export (the proxy drops
// every CreateMultipartUpload answer), so the journal cannot hold its ID.
// The journalled intent makes the rerun find and abort it: nothing is left
// open. When the location may not list uploads, the rerun says what may be
// left open and counts it.
func TestKillAfterCreateThenRerun(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	root := m.S3Client(t, "", "")
	for _, denyList := range []bool{false, true} {
		name := "abort"
		if denyList {
			name = "listing denied"
		}
		t.Run(name, func(t *testing.T) {
			bucket := testenv.UniqueName("intent")
			m.CreateBucket(t, bucket)
			px := startProxy(t, m, bucket)
			tr := newTree(t, 1, []int{export.DefaultMultipartThreshold + 7})
			c := newCLI(t, s3Location("intent", bucket, px.URL, px.CAFile, m.SigningRegion(), m.RootUser, m.RootPassword))
			px.setPlan(func(cl call) rule {
				if cl.isCreateMultipart() {
					return rule{resetResponse, 1000}
				}
				return rule{}
			})
			args := []string{"--no-tui", "--part-size", "5MiB"}
			c.killWhen(t, tr.dir, func() bool { return len(px.lostUploadIDs()) > 0 }, args...)
			if len(openUploads(t, root, bucket)) == 0 {
				t.Fatal("MinIO holds no open upload after the kill; the test would prove nothing")
			}

			px.setPlan(func(cl call) rule {
				if denyList && cl.Method == http.MethodGet && cl.Query.Has("uploads") {
					return rule{denied, 1000}
				}
				return rule{}
			})
			res := c.run(t, tr.dir, args...)
			if res.code != 0 {
				t.Fatalf("rerun exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
			assertBucketHolds(t, root, bucket, "", tr.files)
			open := openUploads(t, root, bucket)
			if !denyList {
				if len(open) != 0 {
					t.Fatalf("uploads left open after the rerun: %v (created before the kill: %q)", open, px.lostUploadIDs())
				}
				return
			}
			if len(open) == 0 {
				t.Fatal("the uploads were aborted although the listing was denied")
			}
			for _, want := range []string{"uploads:  1 abandoned multipart uploads left open", "is left open", "stowage uploads intent"} {
				if !strings.Contains(res.stdout, want) {
					t.Errorf("rerun summary lacks %q:\n%s", want, res.stdout)
				}
			}

			// The command the warning names lists them and, once the
			// location may, aborts them.
			out, code := c.sub(t, "uploads")
			if code != 1 || !strings.Contains(out, "s3:ListBucketMultipartUploads") {
				t.Errorf("stowage uploads with the listing denied: exit %d, want 1 naming the permission:\n%s", code, out)
			}
			px.setPlan(nil)
			out, code = c.sub(t, "uploads")
			openLine := fmt.Sprintf("%d multipart uploads open in intent", len(open))
			if len(open) == 1 {
				openLine = "1 multipart upload open in intent"
			}
			if code != 0 || !strings.Contains(out, openLine) || !strings.Contains(out, "abandoned ("+tr.path("screens/screen-0.mp4")) {
				t.Errorf("stowage uploads: exit %d, want the %d open uploads listed as abandoned:\n%s", code, len(open), out)
			}
			out, code = c.sub(t, "verify")
			if code != 0 || !strings.Contains(out, fmt.Sprintf("open multipart uploads: %d (%d abandoned", len(open), len(open))) {
				t.Errorf("stowage verify: exit %d, want the open uploads reported:\n%s", code, out)
			}
			out, code = c.sub(t, "uploads", "--abort")
			if left := openUploads(t, root, bucket); code != 0 || len(left) != 0 || !(strings.Contains(out, "All ") || strings.Contains(out, "\nAborted.")) {
				t.Errorf("stowage uploads --abort: exit %d, %d still open:\n%s", code, len(left), out)
			}
		})
	}
}

// sub runs `stowage SUBCOMMAND NAME args...` and returns its output
// (stdout and stderr) and exit code.
func (c *cli) sub(t *testing.T, subcommand string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(c.bin, append([]string{"--config", c.config, subcommand, c.name}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(c.config), "TERM=dumb", "NO_COLOR=1"}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}
