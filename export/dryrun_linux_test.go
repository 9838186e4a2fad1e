package export

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDryRunOpensEachFile links a file no one may open for reading, root
// included (a write-only sysctl), among the recordings. The dry run must
// report it as one the export cannot read, as the export then does, rather
// than count it among the files it would export.
func TestDryRunOpensEachFile(t *testing.T) {
	const writeOnly = "/proc/sys/vm/drop_caches"
	if _, err := os.Stat(writeOnly); err != nil {
		t.Skipf("%s: %v", writeOnly, err)
	}
	if f, err := os.Open(writeOnly); err == nil {
		f.Close()
		t.Fatalf("%s opened for reading; the test needs a file that cannot be", writeOnly)
	}
	e := newEnv(t)
	e.write(t, "a.wav", content("a", 100))
	link := filepath.Join(e.src, "b.wav")
	if err := os.Symlink(writeOnly, link); err != nil {
		t.Fatal(err)
	}
	plan, err := Plan(context.Background(), e.opts())
	if err != nil {
		t.Fatal(err)
	}
	if plan.Files != 1 || plan.ProblemsTotal != 1 || plan.Problems[0].Path != link ||
		!strings.Contains(plan.Problems[0].Err.Error(), "permission denied") {
		t.Fatalf("plan: %d files, problems %v; want a.wav and b.wav reported as unreadable", plan.Files, plan.Problems)
	}
	sum, err := Run(context.Background(), e.p, "t", e.opts())
	if err == nil || sum.Files != 1 || sum.Failed != 1 {
		t.Fatalf("Run: %v, summary %+v; want b.wav failed as the plan said", err, sum)
	}
}
