//go:build unix

package proc

import (
	"errors"
	"syscall"
)

// exists reports whether pid names a process (EPERM: it does, another
// user's).
func exists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
