//go:build unix && !linux

package testenv

import (
	"os"
	"os/exec"
	"syscall"
)

// childAttr puts the child in its own process group so stop reaches any
// grandchildren. Only Linux can tie the child's life to the parent's.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func startLocked(cmd *exec.Cmd) error { return cmd.Start() }

func terminateGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGTERM) }
func killGroup(p *os.Process)      { _ = syscall.Kill(-p.Pid, syscall.SIGKILL) }
