//go:build !unix

package journaldb

import "os"

// running reports whether process pid exists.
func running(pid int) bool {
	_, err := os.FindProcess(pid)
	return err == nil
}
