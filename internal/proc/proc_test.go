package proc

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestRunningThisProcess(t *testing.T) {
	if !Running(os.Getpid(), time.Time{}) {
		t.Fatal("this process, with no start time recorded, is not running")
	}
	if !Running(os.Getpid(), time.Now()) {
		t.Fatal("this process, recorded as started now, is not running")
	}
}

func TestRunningNoProcess(t *testing.T) {
	for _, pid := range []int{0, -1} {
		if Running(pid, time.Time{}) {
			t.Errorf("pid %d counts as running", pid)
		}
	}
	// A child that has exited and been collected.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if Running(cmd.Process.Pid, time.Time{}) {
		t.Errorf("pid %d of a collected child counts as running", cmd.Process.Pid)
	}
}
