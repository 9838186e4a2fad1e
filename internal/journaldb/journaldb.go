// Package journaldb holds the bbolt plumbing that the export and download
// journals share: opening with a lock wait and a format version, and JSON
// records kept in buckets by key.
package journaldb

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Spec says how to open one kind of journal.
type Spec struct {
	// What names the journal in errors ("journal", "download journal").
	What string
	// Busy is wrapped when another process holds the file, so callers keep
	// their own sentinel (export.ErrJournalBusy, download.ErrJournalBusy).
	Busy error
	// Version is the format this build writes into the meta bucket; a file
	// holding another version is refused.
	Version string
	// Buckets are created on open, so writers can rely on them.
	Buckets [][]byte
	// ReadOnly opens without creating anything; a missing file is reported
	// as os.ErrNotExist (the *fs.PathError of os.Stat).
	ReadOnly bool
}

var (
	bucketMeta = []byte("meta")
	keyVersion = []byte("version")
)

// LockWait is how long Open waits for another process's lock before it
// reports Spec.Busy.
const LockWait = time.Second

// GroupCommitInterval is the longest a journal write waits for others to
// share its commit. A done record waits for it before the file counts as
// exported, so it is short; under load commits queue anyway and each
// carries every write that arrived meanwhile.
const GroupCommitInterval = 2 * time.Millisecond

// ErrNoRecord is returned by Update when key has no record.
var ErrNoRecord = errors.New("no record")

// ErrBusy is wrapped, with Spec.Busy, when another process holds the
// journal, so the command tree maps every kind to one exit code.
var ErrBusy = errors.New("journal held by another process")

// busyError is Spec.Busy with the holder named when it is known.
type busyError struct {
	busy error
	msg  string
}

func (e *busyError) Error() string   { return e.msg }
func (e *busyError) Unwrap() []error { return []error{e.busy, ErrBusy} }

// Open opens or creates the bbolt file at path (mode 0600, its folder mode
// 0700), creating spec.Buckets and checking the format version unless
// spec.ReadOnly.
func Open(path string, spec Spec) (*bolt.DB, error) {
	if spec.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal folder %s: %w", filepath.Dir(path), err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: LockWait, ReadOnly: spec.ReadOnly})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			who := ""
			if o, ok := readOwner(path); ok {
				who = " (held by " + o.String() + ")"
			}
			return nil, &busyError{busy: spec.Busy, msg: fmt.Sprintf("%v: %s%s; wait for it to finish or stop it first", spec.Busy, path, who)}
		}
		return nil, fmt.Errorf("open %s %s: %w", spec.What, path, err)
	}
	if spec.ReadOnly {
		return db, nil
	}
	// Group commit: concurrent writes wait at most this long to share one
	// fsynced transaction (bbolt's default is 10 ms).
	db.MaxBatchDelay = GroupCommitInterval
	writeOwner(path)
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range spec.Buckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := meta.Get(keyVersion); v != nil && string(v) != spec.Version {
			return fmt.Errorf("journal format %s is not supported by this build (wants %s)", v, spec.Version)
		}
		return meta.Put(keyVersion, []byte(spec.Version))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s %s: %w", spec.What, path, err)
	}
	return db, nil
}

// Get reads the record of key in bucket; ok is false when the bucket or
// the record is missing.
func Get[T any](db *bolt.DB, bucket []byte, key string) (rec T, ok bool, err error) {
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(key))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &rec)
	})
	return rec, ok, err
}

// Each calls fn for every record of bucket in key order, inside one read
// transaction; fn must not write to db. A missing bucket has no records.
// The pages read are released from the resident set as it goes
// (ReleaseMapped), so a pass over a large journal does not keep it all
// counted in the process's memory.
func Each[T any](db *bolt.DB, bucket []byte, fn func(key string, rec T) error) error {
	return db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		n := 0
		return b.ForEach(func(k, v []byte) error {
			var rec T
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("journal record %q: %w", k, err)
			}
			if n++; n%releaseEvery == 0 {
				if err := releaseIn(tx); err != nil {
					return err
				}
			}
			return fn(string(k), rec)
		})
	})
}

// releaseEvery is how many records Each reads between releases of the
// mapped pages: about 3 MB of journal.
const releaseEvery = 8192

// Put stores rec as JSON under key, creating bucket if needed. Concurrent
// calls are coalesced into one committed (fsynced) transaction by bbolt's
// Batch.
func Put(db *bolt.DB, bucket []byte, key string, rec any) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return db.Batch(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), v)
	})
}

// Update reads the record of key, lets change modify it and writes it back,
// all inside one batched transaction, so updates of the same record that
// finish together never overwrite each other. A missing bucket or record
// is ErrNoRecord. change may run more than once (bbolt retries a batch
// whose other member failed), so it must only modify rec.
func Update[T any](db *bolt.DB, bucket []byte, key string, change func(rec *T)) error {
	return db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return ErrNoRecord
		}
		v := b.Get([]byte(key))
		if v == nil {
			return ErrNoRecord
		}
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		change(&rec)
		nv, err := json.Marshal(&rec)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), nv)
	})
}
