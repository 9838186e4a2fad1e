//go:build unix

package config

import (
	"errors"
	"syscall"
)

// running reports whether process pid exists (EPERM: it does, as another
// user's), as internal/journaldb checks a journal's owner.
func running(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
