package export

import (
	"os"
	"syscall"
)

func sysIdentity(fi os.FileInfo, id *identity) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.ctime = st.Ctimespec.Sec*1e9 + st.Ctimespec.Nsec
		id.ino = st.Ino
		id.dev = uint64(st.Dev)
	}
}
