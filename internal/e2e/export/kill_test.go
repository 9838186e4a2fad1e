package exporte2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// killWhen runs the export as a child and sends it SIGKILL as soon as
// ready reports true (polled every 20 ms), failing the test when the child
// ends by itself first.
func (c *cli) killWhen(t *testing.T, src string, ready func() bool, args ...string) {
	t.Helper()
	cmd, stdout, stderr := c.command(src, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.After(30 * time.Second)
	for !ready() {
		select {
		case <-exited:
			t.Fatalf("stowage export ended (%v) before the kill point\nstdout:\n%s\nstderr:\n%s", cmd.ProcessState, stdout, stderr)
		case <-deadline:
			cmd.Process.Kill()
			<-exited
			t.Fatalf("kill point not reached within 30s\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("stowage export ended with %v, not by the kill\nstdout:\n%s\nstderr:\n%s", cmd.ProcessState, stdout, stderr)
	}
}

// TestKillMidRunThenRerun kills the stowage binary with SIGKILL after some
// files were stored, reruns the same command, and checks that the bucket
// holds every file exactly once and byte for byte, that the rerun skipped
// what the killed run had finished, and sent only the rest.
func TestKillMidRunThenRerun(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	root := m.S3Client(t, "", "")
	bucket := testenv.UniqueName("killfiles")
	m.CreateBucket(t, bucket)
	px := startProxy(t, m, bucket)
	tr := newTree(t, 200, nil)
	c := newCLI(t, s3Location("kill-files", bucket, px.URL, px.CAFile, m.SigningRegion(), m.RootUser, m.RootPassword))

	const concurrency = 4
	// Slow uploads down so the kill lands mid-run.
	px.setDelay("", 15*time.Millisecond)
	c.killWhen(t, tr.dir, func() bool { return len(listObjects(t, root, bucket)) >= 40 },
		"--no-tui", "--concurrency", fmt.Sprint(concurrency))
	stored := listObjects(t, root, bucket)
	if len(stored) >= len(tr.files) {
		t.Fatalf("all %d files were stored before the kill", len(stored))
	}

	px.setDelay("", 0)
	px.takeCalls()
	before := c.manifests(t)
	res := c.run(t, tr.dir, "--no-tui", "--concurrency", fmt.Sprint(concurrency))
	if res.code != 0 {
		t.Fatalf("rerun exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	assertBucketHolds(t, root, bucket, "", tr.files)

	rows := readManifest(t, c.newestManifest(t, before))
	n := statusCount(rows)
	if len(rows) != len(tr.files) || n[export.RowFailed] != 0 || n[export.RowSkipped]+n[export.RowExported] != len(tr.files) {
		t.Fatalf("rerun manifest: %d rows, by status %v; want %d exported or skipped", len(rows), n, len(tr.files))
	}
	// The journal records a file only after the store acknowledged it, so
	// every skipped file is in the bucket; at most one file per worker was
	// stored but not yet recorded when the kill came.
	if n[export.RowSkipped] < len(stored)-concurrency {
		t.Fatalf("rerun skipped %d files; %d were stored before the kill", n[export.RowSkipped], len(stored))
	}
	for key, r := range rows {
		if _, ok := stored[key]; r.Status == export.RowSkipped && !ok {
			t.Fatalf("%s was skipped as exported but was not in the bucket after the kill", key)
		}
	}
	// On the wire: one PutObject per file the rerun exported, none for a
	// skipped one.
	var sent []string
	for _, cl := range px.takeCalls() {
		if cl.isPutObject() {
			sent = append(sent, cl.Key)
		}
	}
	var exported []string
	for key, r := range rows {
		if r.Status == export.RowExported {
			exported = append(exported, key)
		}
	}
	sort.Strings(sent)
	sort.Strings(exported)
	if !slices.Equal(sent, exported) {
		t.Fatalf("rerun sent PutObject for %d keys, exported %d: sent %q, exported %q", len(sent), len(exported), sent, exported)
	}
	if want := fmt.Sprintf("skipped:  %d files (already exported)", n[export.RowSkipped]); !strings.Contains(res.stdout, want) {
		t.Fatalf("rerun summary does not say %q:\n%s", want, res.stdout)
	}
	t.Logf("%d objects stored at the kill; rerun skipped %d and sent %d", len(stored), n[export.RowSkipped], len(sent))
}

// TestKillMidMultipartThenRerun kills the stowage binary twice while a
// large file's multipart upload runs, then lets a rerun finish; each rerun
// must resume the same upload and send only the parts MinIO does not hold.
func TestKillMidMultipartThenRerun(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	root := m.S3Client(t, "", "")
	bucket := testenv.UniqueName("killparts")
	m.CreateBucket(t, bucket)
	px := startProxy(t, m, bucket)
	const partSize, nParts = 5 << 20, 20
	tr := newTree(t, 5, []int{nParts*partSize - 1234})
	big := "screens/screen-0.mp4"
	c := newCLI(t, s3Location("kill-parts", bucket, px.URL, px.CAFile, m.SigningRegion(), m.RootUser, m.RootPassword))
	args := []string{"--concurrency", "4", "--part-size", "5MiB"}

	// upload returns the big file's open upload and the parts MinIO holds.
	upload := func() (string, []int) {
		for id, key := range openUploads(t, root, bucket) {
			if key == big {
				return id, listedParts(t, root, bucket, key, id)
			}
		}
		return "", nil
	}
	px.setDelay(big, 150*time.Millisecond)
	uploadID := ""
	var have []int
	for round, atLeast := range []int{3, 10} {
		px.takeCalls()
		c.killWhen(t, tr.dir, func() bool {
			_, parts := upload()
			return len(parts) >= atLeast
		}, append([]string{"--no-tui"}, args...)...)
		id, parts := upload()
		if len(parts) >= nParts {
			t.Fatalf("round %d: every part was stored before the kill", round)
		}
		if round > 0 {
			if id != uploadID {
				t.Fatalf("round %d started upload %s; the killed run's upload was %s", round, id, uploadID)
			}
			assertResumed(t, px.takeCalls(), big, uploadID, have)
		}
		uploadID, have = id, parts
		t.Logf("kill %d: MinIO holds parts %v of upload %s", round+1, parts, id)
	}

	px.setDelay("", 0)
	px.takeCalls()
	res := c.run(t, tr.dir, append([]string{"--json"}, args...)...)
	if res.code != 0 {
		t.Fatalf("rerun exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	calls := px.takeCalls()
	sent := assertResumed(t, calls, big, uploadID, have)
	for n := 1; n <= nParts; n++ {
		if sent[n] == 0 && !slices.Contains(have, n) {
			t.Fatalf("the last rerun never sent part %d, which MinIO did not hold (held %v)", n, have)
		}
	}
	var completes int
	for _, cl := range calls {
		if cl.isCompleteMultipart() && cl.Key == big && cl.UploadID == uploadID {
			completes++
		}
	}
	if completes != 1 {
		t.Fatalf("rerun completed upload %s %d times, want once", uploadID, completes)
	}
	started := jsonEvents(t, res.stdout, "file_started")
	var resumed float64 = -1
	for _, ev := range started {
		if strings.HasSuffix(fmt.Sprint(ev["path"]), "screen-0.mp4") {
			resumed, _ = ev["resumed_parts"].(float64)
		}
	}
	if int(resumed) != len(have) {
		t.Fatalf("rerun's file_started says %v parts resumed, MinIO held %d (%v)", resumed, len(have), have)
	}
	sum := jsonEvents(t, res.stdout, "summary")
	if len(sum) != 1 || sum[0]["failed"] != float64(0) {
		t.Fatalf("rerun summary %v, want one summary with nothing failed", sum)
	}
	assertBucketHolds(t, root, bucket, "", tr.files)
	if ups := openUploads(t, root, bucket); len(ups) != 0 {
		t.Fatalf("uploads left open after the rerun: %v", ups)
	}
}

// assertResumed checks that calls continued upload id of key without
// starting another one and sent exactly the parts MinIO did not hold
// (have), each at most once; parts in flight may be cut by a kill, so a
// run that was killed itself may not have sent every missing part.
func assertResumed(t *testing.T, calls []call, key, id string, have []int) map[int]int {
	t.Helper()
	seen := map[int]int{}
	for _, cl := range calls {
		if cl.Key != key {
			continue
		}
		switch {
		case cl.isCreateMultipart():
			t.Fatalf("a rerun started a new multipart upload of %s instead of resuming %s", key, id)
		case cl.isUploadPart():
			if cl.UploadID != id {
				t.Fatalf("part %d sent to upload %s, want %s", cl.Part, cl.UploadID, id)
			}
			if slices.Contains(have, cl.Part) {
				t.Fatalf("part %d was sent again though MinIO held it (held %v)", cl.Part, have)
			}
			if seen[cl.Part]++; seen[cl.Part] > 1 {
				t.Fatalf("part %d sent %d times without a fault", cl.Part, seen[cl.Part])
			}
		}
	}
	if len(seen) == 0 {
		t.Fatalf("the rerun sent no part of %s", key)
	}
	return seen
}

// jsonEvents returns the --json lines of one type.
func jsonEvents(t *testing.T, out, typ string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("--json line %q: %v", sc.Text(), err)
		}
		if ev["type"] == typ {
			evs = append(evs, ev)
		}
	}
	return evs
}
