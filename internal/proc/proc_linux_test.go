package proc

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// A process killed with kill -9 whose parent has not collected it yet is
// a zombie: it exists (kill 0 succeeds) but no longer runs. A wizard
// session's draft and a journal's owner name such a process for a while
// after a crash; it must not count as running.
func TestRunningZombie(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	pid := cmd.Process.Pid
	defer cmd.Wait()
	if !Running(pid, started) {
		t.Fatalf("a sleeping child (pid %d) is not running", pid)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Not collected: wait until the kernel says it is a zombie.
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			t.Fatal(err)
		}
		if st, ok := parseStat(b, time.Time{}); ok && st.exited {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d did not become a zombie: %s", pid, b)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if Running(pid, started) {
		t.Errorf("pid %d, killed and not yet collected (a zombie), counts as running", pid)
	}
}

// A pid recorded long before the process now holding it started belongs
// to an earlier process: the system reused the number.
func TestRunningReusedPID(t *testing.T) {
	st, ok := stat(os.Getpid())
	if !ok || st.start.IsZero() {
		t.Fatalf("no start time for this process: %+v %v", st, ok)
	}
	if d := time.Since(st.start); d < 0 || d > time.Hour {
		t.Fatalf("this process started %v ago by /proc; want a few seconds", d)
	}
	if !Running(os.Getpid(), st.start) {
		t.Error("this process, recorded with its own start time, is not running")
	}
	if Running(os.Getpid(), st.start.Add(-time.Hour)) {
		t.Error("a record an hour older than this process names it as running")
	}
}

func TestParseStat(t *testing.T) {
	boot := time.Unix(1_700_000_000, 0)
	for _, c := range []struct {
		line   string
		exited bool
		ok     bool
	}{
		{"42 (sleep) S 1 42 42 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 12345 5000 100", false, true},
		{"42 (a (weird) name) Z 1 42 42 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 12345 0 0", true, true},
		{"42 (x) X 1 42 42 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 12345 0 0", true, true},
		{"42 (short) S 1", false, false},
		{"garbage", false, false},
	} {
		st, ok := parseStat([]byte(c.line), boot)
		if ok != c.ok || st.exited != c.exited {
			t.Errorf("%q: exited %v ok %v, want %v %v", c.line, st.exited, ok, c.exited, c.ok)
			continue
		}
		if ok {
			if want := boot.Add(123450 * time.Millisecond); !st.start.Equal(want) {
				t.Errorf("%q: start %v, want %v", c.line, st.start, want)
			}
		}
	}
	if got := parseBootTime([]byte("cpu 1 2 3\nbtime 1700000000\nprocesses 9\n")); !got.Equal(boot) {
		t.Errorf("btime: %v, want %v", got, boot)
	}
	if got := parseBootTime([]byte("cpu 1 2 3\n")); !got.IsZero() {
		t.Errorf("no btime: %v, want zero", got)
	}
}
