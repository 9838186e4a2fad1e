package export

import "os"

// identity is what must stay the same while a file is uploaded: size and
// modification time everywhere, plus change time and inode where the
// platform has them (an in-place rewrite keeping size and mtime still moves
// the change time; a replaced file has a new inode).
type identity struct {
	size  int64
	mtime int64
	ctime int64
	ino   uint64
	dev   uint64
}

func identityOf(fi os.FileInfo) identity {
	id := identity{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	sysIdentity(fi, &id)
	return id
}
