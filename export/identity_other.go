//go:build !linux && !darwin

package export

import "os"

// sysIdentity has nothing to add where the stat structure is not known;
// size and modification time still catch appends and rewrites.
func sysIdentity(fi os.FileInfo, id *identity) {}
