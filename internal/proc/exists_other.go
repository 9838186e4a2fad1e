//go:build !unix

package proc

import "os"

// exists reports whether pid names a process.
func exists(pid int) bool {
	_, err := os.FindProcess(pid)
	return err == nil
}
