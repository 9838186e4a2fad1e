package exporte2e

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stowage-dev/stowage/export"
)

// TestAzureSourceChangedDuringBlockUpload appends to a file while its
// blocks are being staged on Azurite. The file fails as changed; Azure has
// no request that discards the staged blocks, so the run must not claim
// it discarded them: it counts them as left behind and says when Azure
// drops them, and `stowage uploads` lists them. The rerun exports the file
// as it is now, and its commit leaves no uncommitted block behind.
func TestAzureSourceChangedDuringBlockUpload(t *testing.T) {
	f := newAzureFixture(t, "azchanged")
	tr := newTree(t, 3, nil)
	const rel = "screens/growing.mp4"
	tr.add(t, rel, data(rel, export.DefaultMultipartThreshold+7))
	path := tr.path(rel)
	var once sync.Once
	f.px.setBefore(func(c call) {
		if c.Key == rel && c.isPutBlock() {
			once.Do(func() { appendTo(t, path) })
		}
	})
	c := newCLI(t, f.location(t, "azchanged", ""))
	args := []string{"--no-tui", "--concurrency", "2", "--part-size", "8MiB"}
	res := c.run(t, tr.dir, args...)
	out := res.stdout + res.stderr
	if res.code != 1 {
		t.Fatalf("exit %d, want 1 (the changed file failed)\n%s", res.code, out)
	}
	for _, want := range []string{
		path + ": source changed during upload",
		"uploads:  1 abandoned multipart uploads left open",
		"of " + rel + " is left as uncommitted blocks (the file changed during its upload): the store cannot discard them on request; Azure discards a blob's uncommitted blocks 7 days after the last one was staged",
		"`stowage uploads azchanged` lists them",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if staged := f.stagedParts(t, rel); len(staged) == 0 {
		t.Fatal("Azurite holds no uncommitted block of the changed file; the test would prove nothing")
	}
	if sub, code := c.sub(t, "uploads"); code != 0 || !strings.Contains(sub, "1 unfinished block upload left as uncommitted blocks in azchanged") || !strings.Contains(sub, "abandoned ("+path+")") {
		t.Errorf("stowage uploads: exit %d, want the changed file's blocks listed as abandoned:\n%s", code, sub)
	}

	now, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tr.files[rel] = now
	f.px.setBefore(nil)
	res = c.run(t, tr.dir, args...)
	if res.code != 0 {
		t.Fatalf("rerun exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	f.assertContainerHolds(t, tr.files)
	if left := f.uncommitted(t, names(tr.files)); len(left) != 0 {
		t.Fatalf("uncommitted blocks left after the rerun committed the file: %v", left)
	}
}
