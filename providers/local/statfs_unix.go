//go:build linux || darwin || freebsd

package local

import (
	"errors"
	"syscall"
)

var errUnsupported = errors.New("free space is not available on this system")

// freeSpace returns the bytes available to an unprivileged user and the
// size of the file system holding dir.
func freeSpace(dir string) (free, total uint64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	bs := uint64(st.Bsize)
	return uint64(st.Bavail) * bs, uint64(st.Blocks) * bs, nil
}
