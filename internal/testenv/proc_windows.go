package testenv

import (
	"os"
	"os/exec"
	"syscall"
)

// childAttr is empty on Windows: there are no process groups to signal, and
// servers are killed directly.
func childAttr() *syscall.SysProcAttr { return nil }

func startLocked(cmd *exec.Cmd) error { return cmd.Start() }

func terminateGroup(p *os.Process) { _ = p.Kill() }
func killGroup(p *os.Process)      { _ = p.Kill() }
