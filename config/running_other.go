//go:build !unix

package config

import "os"

// running reports whether process pid exists, as internal/journaldb
// checks a journal's owner.
func running(pid int) bool {
	_, err := os.FindProcess(pid)
	return err == nil
}
