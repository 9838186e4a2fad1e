//go:build !linux

package journaldb

import bolt "go.etcd.io/bbolt"

// ReleaseMapped does nothing here; on Linux it drops the journal's mapped
// pages from the resident set.
func ReleaseMapped(db *bolt.DB) error { return nil }

func releaseIn(*bolt.Tx) error { return nil }

// ReleaseMappedTx is ReleaseMapped inside an open transaction.
func ReleaseMappedTx(*bolt.Tx) error { return nil }
