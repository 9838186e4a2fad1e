//go:build !linux && !darwin

package testenv

import "errors"

// diskSpace is not measured here.
func diskSpace(dir string) (free, total uint64, err error) {
	return 0, 0, errors.New("testenv: free space is not measured on this system")
}
