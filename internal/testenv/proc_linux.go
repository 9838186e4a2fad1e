package testenv

import (
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// childAttr puts the child in its own process group (so stop reaches any
// grandchildren) and asks the kernel to SIGKILL it when its parent thread
// dies, which covers a test binary killed by `go test -timeout` or Ctrl-C.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// Pdeathsig fires when the forking *thread* exits, not the process. Go may
// retire a thread when a goroutine exits while locked to it, so all children
// are forked from one goroutine that stays locked to its thread forever.
var (
	spawnOnce sync.Once
	spawnReq  chan spawnCall
)

type spawnCall struct {
	cmd  *exec.Cmd
	errc chan error
}

func startLocked(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnReq = make(chan spawnCall)
		go func() {
			runtime.LockOSThread() // never unlocked: this thread parents every server
			for c := range spawnReq {
				c.errc <- c.cmd.Start()
			}
		}()
	})
	errc := make(chan error, 1)
	spawnReq <- spawnCall{cmd: cmd, errc: errc}
	return <-errc
}

func terminateGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGTERM) }
func killGroup(p *os.Process)      { _ = syscall.Kill(-p.Pid, syscall.SIGKILL) }
