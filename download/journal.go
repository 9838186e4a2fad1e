package download

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/stowage-dev/stowage/internal/journaldb"
)

// Status of an object in the journal.
type Status string

const (
	// StatusPartial: a ranged download is under way; Ranges holds the
	// ranges already written to the partial file.
	StatusPartial Status = "partial"
	// StatusDone: the local file is complete, verified and in place.
	StatusDone Status = "done"
)

// ErrJournalBusy is returned when another download into the same
// destination holds the journal.
var ErrJournalBusy = errors.New("download journal is in use by another download")

const journalVersion = "1"

// Record is what the journal knows about one object.
type Record struct {
	Size int64  `json:"size"`
	ETag string `json:"etag,omitempty"`
	// Modified is the object's modification time in Unix nanoseconds; it
	// identifies the version on stores without ETags (a local folder).
	Modified int64  `json:"modified_ns,omitempty"`
	Status   Status `json:"status"`
	// Checksum is the store's checksum the copy was verified against, empty
	// when the store gave none.
	Checksum string `json:"checksum,omitempty"`
	// Local is the CRC32C of the local file, "CRC32C:base64".
	Local string `json:"local,omitempty"`
	// RangeSize and Ranges (range index → CRC32C of its bytes) describe a
	// partial ranged download.
	RangeSize int64          `json:"range_size,omitempty"`
	Ranges    map[int]uint32 `json:"ranges,omitempty"`
	// Deleted is true once the remote object was deleted (--delete-after).
	Deleted bool      `json:"deleted,omitempty"`
	Updated time.Time `json:"updated"`
}

// Journal is the bbolt file that makes downloads resumable. Writes are
// committed (fsynced) before the engine reports progress on them.
type Journal struct {
	db   *bolt.DB
	path string
}

// OpenJournal opens or creates the journal at path.
func OpenJournal(path string) (*Journal, error) {
	db, err := journaldb.Open(path, journaldb.Spec{What: "download journal", Busy: ErrJournalBusy, Version: journalVersion})
	if err != nil {
		return nil, err
	}
	return &Journal{db: db, path: path}, nil
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Close releases the journal.
func (j *Journal) Close() error { return j.db.Close() }

func locBucket(location string) []byte { return []byte("location:" + location) }

// adopt moves the records kept under the location name from to the key
// to (its ID), unless records are already kept under to.
func (j *Journal) adopt(from, to string) error {
	if from == to || from == "" {
		return nil
	}
	return j.db.Update(func(tx *bolt.Tx) error {
		old := tx.Bucket(locBucket(from))
		if old == nil || tx.Bucket(locBucket(to)) != nil {
			return nil
		}
		nb, err := tx.CreateBucket(locBucket(to))
		if err != nil {
			return err
		}
		if err := old.ForEach(func(k, v []byte) error { return nb.Put(k, v) }); err != nil {
			return err
		}
		return tx.DeleteBucket(locBucket(from))
	})
}

// Get returns the record of key in location.
func (j *Journal) Get(location, key string) (rec Record, ok bool, err error) {
	return journaldb.Get[Record](j.db, locBucket(location), key)
}

// Each calls fn for every record of location in key order.
func (j *Journal) Each(location string, fn func(key string, rec Record) error) error {
	return journaldb.Each(j.db, locBucket(location), fn)
}

// put stores rec, coalesced with concurrent writes into one transaction.
func (j *Journal) put(location, key string, rec *Record) error {
	rec.Updated = time.Now().UTC()
	return journaldb.Put(j.db, locBucket(location), key, rec)
}

// addRange records one finished range of a partial download. It reads and
// rewrites the record inside the transaction, so ranges finishing together
// never overwrite each other.
func (j *Journal) addRange(location, key string, idx int, crc uint32) error {
	err := journaldb.Update(j.db, locBucket(location), key, func(rec *Record) {
		if rec.Ranges == nil {
			rec.Ranges = map[int]uint32{}
		}
		rec.Ranges[idx] = crc
		rec.Updated = time.Now().UTC()
	})
	if errors.Is(err, journaldb.ErrNoRecord) {
		return fmt.Errorf("journal has no download recorded for %s", key)
	}
	return err
}
