package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/stowage-dev/stowage/providers"
)

// Status of a file in the journal.
type Status string

const (
	// StatusUploading: a multipart upload was started; UploadID and the
	// finished parts are recorded so a rerun resumes it.
	StatusUploading Status = "uploading"
	// StatusDone: the store acknowledged the whole object.
	StatusDone Status = "done"
	// StatusFailed: the last attempt failed; Error says why. A failed
	// multipart upload keeps its UploadID so a rerun resumes it.
	StatusFailed Status = "failed"
)

var (
	bucketFiles = []byte("files")
	bucketMeta  = []byte("meta")
	keyVersion  = []byte("version")
)

const journalVersion = "1"

// ErrJournalBusy is returned when another process has the journal open,
// which means another export to the same location is running.
var ErrJournalBusy = errors.New("journal is in use by another export")

// Record is what the journal knows about one source file, keyed by the
// file's absolute path.
type Record struct {
	Size int64 `json:"size"`
	// MTime is the modification time in Unix nanoseconds, as stat saw it
	// before the upload.
	MTime      int64            `json:"mtime_ns"`
	Key        string           `json:"key"`
	Status     Status           `json:"status"`
	UploadID   string           `json:"upload_id,omitempty"`
	PartSize   int64            `json:"part_size,omitempty"`
	Parts      []providers.Part `json:"parts,omitempty"`
	Checksum   string           `json:"checksum,omitempty"`
	ETag       string           `json:"etag,omitempty"`
	VersionID  string           `json:"version_id,omitempty"`
	Error      string           `json:"error,omitempty"`
	DurationMS int64            `json:"duration_ms,omitempty"`
	Updated    time.Time        `json:"updated"`
}

// Journal is the bbolt file that makes exports resumable. Every write is
// committed (and fsynced by bbolt) before the engine reports the file as
// done; concurrent writes are coalesced with bbolt's Batch.
type Journal struct {
	db   *bolt.DB
	path string
}

// OpenJournal opens or creates the journal at path, creating its folder
// with mode 0700.
func OpenJournal(path string) (*Journal, error) {
	return openJournal(path, false)
}

// openJournal with readOnly does not create anything; a missing journal is
// reported as os.ErrNotExist.
func openJournal(path string, readOnly bool) (*Journal, error) {
	if readOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal folder %s: %w", filepath.Dir(path), err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: readOnly})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: %s; wait for it to finish or stop it first", ErrJournalBusy, path)
		}
		return nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	j := &Journal{db: db, path: path}
	if readOnly {
		return j, nil
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketFiles); err != nil {
			return err
		}
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
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return j, nil
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Close releases the journal.
func (j *Journal) Close() error { return j.db.Close() }

// Get returns the record of one source file; ok is false when there is none.
func (j *Journal) Get(path string) (rec Record, ok bool, err error) {
	err = j.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFiles)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(path))
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &rec)
	})
	return rec, ok, err
}

// Each calls fn for every record in path order, inside one read
// transaction; fn must not write to the journal.
func (j *Journal) Each(fn func(path string, rec Record) error) error {
	return j.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFiles)
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

// put stores rec for path, coalesced with concurrent writes into one
// committed transaction.
func (j *Journal) put(path string, rec *Record) error {
	rec.Updated = time.Now().UTC()
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return j.db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFiles).Put([]byte(path), v)
	})
}

// addPart merges one finished part into the record of path. It reads and
// rewrites the record inside the transaction, so parts finishing at the same
// time never overwrite each other whatever order bbolt applies them in.
func (j *Journal) addPart(path string, p providers.Part) error {
	return j.db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFiles)
		v := b.Get([]byte(path))
		if v == nil {
			return fmt.Errorf("journal has no upload recorded for %s", path)
		}
		var rec Record
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		rec.Parts = mergeParts(rec.Parts, p)
		rec.Updated = time.Now().UTC()
		nv, err := json.Marshal(&rec)
		if err != nil {
			return err
		}
		return b.Put([]byte(path), nv)
	})
}

// mergeParts returns parts with p added or replacing the part of the same
// number, in part-number order.
func mergeParts(parts []providers.Part, p providers.Part) []providers.Part {
	out := make([]providers.Part, 0, len(parts)+1)
	for _, q := range parts {
		if q.Number != p.Number {
			out = append(out, q)
		}
	}
	out = append(out, p)
	sort.Slice(out, func(i, k int) bool { return out[i].Number < out[k].Number })
	return out
}

// load reads every record in one read transaction, so the skip check of a
// rerun costs no store request and no journal transaction per file.
func (j *Journal) load() (map[string]*Record, error) {
	out := make(map[string]*Record)
	err := j.Each(func(path string, rec Record) error {
		r := rec
		out[path] = &r
		return nil
	})
	return out, err
}
