package journaldb

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// ReleaseMapped drops the journal's mapped pages from the process's
// resident set (madvise MADV_DONTNEED). bbolt reads every record through
// a read-only shared mapping of the file, so each page a run looks at
// stays counted in its RSS: a rerun over a million records touched the
// whole ~400 MB file (issue 12 §5). The pages stay in the page cache; the
// next read maps them again without I/O. The mapping is only written
// through pwrite, so nothing is lost. It runs inside a read transaction,
// which keeps bbolt from remapping the file meanwhile.
func ReleaseMapped(db *bolt.DB) error {
	return db.View(releaseIn)
}

// ReleaseMappedTx is ReleaseMapped inside an open transaction.
func ReleaseMappedTx(tx *bolt.Tx) error { return releaseIn(tx) }

// releaseIn is ReleaseMapped inside an open transaction.
func releaseIn(tx *bolt.Tx) error {
	size := tx.Size()
	if size <= 0 {
		return nil
	}
	// The mapping's address, from bbolt; valid while tx is open.
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, tx.DB().Info().Data, uintptr(size), syscall.MADV_DONTNEED); e != 0 {
		return e
	}
	return nil
}
