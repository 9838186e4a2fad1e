package download

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

var (
	bucketMeta = []byte("meta")
	keyVersion = []byte("version")
)

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
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal folder %s: %w", filepath.Dir(path), err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: %s; wait for it to finish or stop it first", ErrJournalBusy, path)
		}
		return nil, fmt.Errorf("open download journal %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := meta.Get(keyVersion); v != nil && string(v) != journalVersion {
			return fmt.Errorf("journal format %s is not supported by this build (wants %s)", v, journalVersion)
		}
		return meta.Put(keyVersion, []byte(journalVersion))
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("download journal %s: %w", path, err)
	}
	return &Journal{db: db, path: path}, nil
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Close releases the journal.
func (j *Journal) Close() error { return j.db.Close() }

func locBucket(location string) []byte { return []byte("location:" + location) }

// Get returns the record of key in location.
func (j *Journal) Get(location, key string) (rec Record, ok bool, err error) {
	err = j.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(locBucket(location))
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

// Each calls fn for every record of location in key order.
func (j *Journal) Each(location string, fn func(key string, rec Record) error) error {
	return j.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(locBucket(location))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var rec Record
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("journal record %q: %w", k, err)
			}
			return fn(string(k), rec)
		})
	})
}

// put stores rec, coalesced with concurrent writes into one transaction.
func (j *Journal) put(location, key string, rec *Record) error {
	rec.Updated = time.Now().UTC()
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return j.db.Batch(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(locBucket(location))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), v)
	})
}

// addRange records one finished range of a partial download. It reads and
// rewrites the record inside the transaction, so ranges finishing together
// never overwrite each other.
func (j *Journal) addRange(location, key string, idx int, crc uint32) error {
	return j.db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(locBucket(location))
		if b == nil {
			return fmt.Errorf("journal has no download recorded for %s", key)
		}
		v := b.Get([]byte(key))
		if v == nil {
			return fmt.Errorf("journal has no download recorded for %s", key)
		}
		var rec Record
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		if rec.Ranges == nil {
			rec.Ranges = map[int]uint32{}
		}
		rec.Ranges[idx] = crc
		rec.Updated = time.Now().UTC()
		nv, err := json.Marshal(&rec)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), nv)
	})
}
