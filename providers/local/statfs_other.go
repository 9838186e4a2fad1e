//go:build !(linux || darwin || freebsd)

package local

import "errors"

var errUnsupported = errors.New("free space is not available on this system")

func freeSpace(string) (free, total uint64, err error) { return 0, 0, errUnsupported }
