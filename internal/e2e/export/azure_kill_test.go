package exporte2e

import (
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/export"
)

// killAt runs the export as a child; arm gets a function that kills it
// with SIGKILL at once (from a proxy hook, so the kill lands at an exact
// moment of the protocol). It fails the test when the child ends by itself
// or is not killed within a minute.
func (c *cli) killAt(t *testing.T, src string, arm func(kill func()), args ...string) {
	t.Helper()
	cmd, stdout, stderr := c.command(src, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	killed := make(chan struct{})
	arm(func() {
		once.Do(func() {
			// Say so before the signal: the child can be gone, and Wait
			// return, before Signal itself returns.
			close(killed)
			cmd.Process.Signal(syscall.SIGKILL)
		})
	})
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	select {
	case <-exited:
		select {
		case <-killed:
		default:
			t.Fatalf("stowage export ended (%v) before the kill point\nstdout:\n%s\nstderr:\n%s", cmd.ProcessState, stdout, stderr)
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("kill point not reached within a minute\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("stowage export ended with %v, not by the kill\nstdout:\n%s\nstderr:\n%s", cmd.ProcessState, stdout, stderr)
	}
}

// TestAzureKillThenRerun kills the stowage binary exporting to Azurite at
// two exact moments of a block upload, then reruns the same command: the
// container must hold every file once and byte for byte, no uncommitted
// blocks may be left, and the rerun must send only what Azurite does not
// hold.
//   - after a block: Azurite staged block 3 but the answer never reached
//     the export; the rerun resumes the upload and sends only the blocks
//     Azurite does not list.
//   - after the commit: Azurite committed the block list (the blob is
//     whole) but the export never learnt it; the rerun sends no block
//     again, whether it may read the block list or (least-privilege SAS)
//     trusts its journal.
func TestAzureKillThenRerun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		perms  string // container SAS letters; "" for the shared key
		killOn func(c call) bool
	}{
		{"after a block", "", func(c call) bool { return c.isPutBlock() && c.Part == 3 }},
		{"after the commit", "", func(c call) bool { return c.isPutBlockList() }},
		// The least-privilege SAS cannot read block lists: the journal's
		// parts are trusted.
		{"after the commit, SAS without read", "cwl", func(c call) bool { return c.isPutBlockList() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newAzureFixture(t, "azkill")
			tr := newTree(t, 5, []int{export.DefaultMultipartThreshold + 7})
			c := newCLI(t, f.location(t, "azkill", tc.perms))
			args := []string{"--no-tui", "--part-size", "8MiB", "--concurrency", "2"}
			c.killAt(t, tr.dir, func(kill func()) {
				f.px.setAfter(func(cl call, status int) {
					if status/100 == 2 && tc.killOn(cl) {
						kill()
						// Hold the answer until the child is gone.
						time.Sleep(200 * time.Millisecond)
					}
				})
			}, args...)
			f.px.setAfter(nil)
			// Requests the proxy was forwarding when the child died still
			// reach Azurite; let them land before looking.
			time.Sleep(time.Second)
			blocks := 0
			for _, cl := range f.px.takeCalls() {
				if cl.isPutBlock() {
					blocks++
				}
			}
			const big = "screens/screen-0.mp4"
			nBlocks := (export.DefaultMultipartThreshold + 7 + 8<<20 - 1) / (8 << 20)
			staged := f.stagedParts(t, big)

			if tc.name == "after a block" {
				// What Azurite holds is reported as what it is: uncommitted
				// blocks the next export resumes, which no request can
				// discard.
				out, code := c.sub(t, "uploads")
				if code != 0 || !strings.Contains(out, "1 unfinished block upload left as uncommitted blocks in azkill") ||
					!strings.Contains(out, "resumable: the next export continues it") || !strings.Contains(out, "7 days after the last one was staged") {
					t.Errorf("stowage uploads after the kill: exit %d, want the upload of %s listed as resumable:\n%s", code, big, out)
				}
				out, code = c.sub(t, "uploads", "--abort")
				if code != 1 || !strings.Contains(out, "nothing aborted: Azure has no request that discards uncommitted blocks") {
					t.Errorf("stowage uploads --abort on Azure: exit %d, want 1 saying nothing was aborted:\n%s", code, out)
				}
				out, _ = c.sub(t, "verify")
				if !strings.Contains(out, "unfinished block uploads (uncommitted blocks): 1 (0 abandoned, 1 the next export resumes)") {
					t.Errorf("stowage verify after the kill does not report the uncommitted blocks:\n%s", out)
				}
			}

			res := c.run(t, tr.dir, args...)
			if res.code != 0 {
				t.Fatalf("rerun exit %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
			f.assertContainerHolds(t, tr.files)
			if left := f.uncommitted(t, names(tr.files)); len(left) != 0 {
				t.Fatalf("uncommitted blocks left behind after the rerun: %v", left)
			}
			out, code := c.sub(t, "uploads")
			switch {
			case tc.perms != "" && !strings.Contains(tc.perms, "r"):
				// Block lists cannot be read: say which permission.
				if code != 1 || !strings.Contains(out, `the SAS token lacks the Read (r) permission; generate a new SAS that includes "r"`) {
					t.Errorf("stowage uploads with a SAS without r: exit %d, want 1 naming the permission:\n%s", code, out)
				}
			case code != 0 || !strings.Contains(out, "No unfinished block uploads (uncommitted blocks) in azkill"):
				t.Errorf("stowage uploads after the rerun: exit %d, want none:\n%s", code, out)
			}
			resent := map[int]int{}
			for _, cl := range f.px.takeCalls() {
				if cl.isPutBlock() {
					resent[cl.Part]++
				}
			}
			t.Logf("killed after %d Put Block requests; the rerun sent blocks %v\n%s", blocks, resent, res.stdout)
			for n, k := range resent {
				if k > 1 {
					t.Errorf("the rerun sent block %d %d times", n, k)
				}
			}
			switch tc.name {
			case "after a block":
				if !staged[3] {
					t.Fatalf("Azurite holds blocks %v after the kill, not block 3", staged)
				}
				for n := 1; n <= nBlocks; n++ {
					if staged[n] == (resent[n] > 0) {
						t.Errorf("block %d: staged before the rerun %t, sent by the rerun %t; want exactly the missing blocks sent (staged %v, sent %v)", n, staged[n], resent[n] > 0, staged, resent)
					}
				}
			default:
				if len(resent) != 0 {
					t.Errorf("the rerun sent blocks %v again although Azurite had committed the blob", resent)
				}
			}
		})
	}
}
