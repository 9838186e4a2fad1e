package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/stowage-dev/stowage/internal/journaldb"
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

var bucketFiles = []byte("files")

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
	MTime    int64  `json:"mtime_ns"`
	Key      string `json:"key"`
	Status   Status `json:"status"`
	UploadID string `json:"upload_id,omitempty"`
	// CreateIntent is set, with Status uploading and no UploadID, just
	// before CreateMultipartUpload is sent: a crash before the answer is
	// journalled leaves an upload only a listing can find, and the next
	// run looks for uploads of Key initiated since then.
	CreateIntent time.Time        `json:"create_intent,omitzero"`
	PartSize     int64            `json:"part_size,omitempty"`
	Parts        []providers.Part `json:"parts,omitempty"`
	Checksum     string           `json:"checksum,omitempty"`
	ETag         string           `json:"etag,omitempty"`
	VersionID    string           `json:"version_id,omitempty"`
	// SourceETag is the ETag of a source object (batch engine), so a rerun
	// copies it again when it changed.
	SourceETag string `json:"source_etag,omitempty"`
	// Engine is the engine (copy or stream) that created UploadID for a
	// source object: the parts of one cannot join the other's upload (a
	// copy's upload declares no checksum, a stream's does), so a rerun
	// with the other engine starts afresh.
	Engine     string    `json:"engine,omitempty"`
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms,omitempty"`
	Updated    time.Time `json:"updated"`
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
	db, err := journaldb.Open(path, journaldb.Spec{What: "journal", Busy: ErrJournalBusy, Version: journalVersion,
		Buckets: [][]byte{bucketFiles}, ReadOnly: readOnly})
	if err != nil {
		return nil, err
	}
	return &Journal{db: db, path: path}, nil
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Close releases the journal.
func (j *Journal) Close() error { return j.db.Close() }

// Get returns the record of one source file; ok is false when there is none.
func (j *Journal) Get(path string) (rec Record, ok bool, err error) {
	return journaldb.Get[Record](j.db, bucketFiles, path)
}

// Each calls fn for every record in path order, inside one read
// transaction; fn must not write to the journal.
func (j *Journal) Each(fn func(path string, rec Record) error) error {
	return journaldb.Each(j.db, bucketFiles, fn)
}

// doneView is the part of a Record a rerun needs for a finished file: the
// skip check and the manifest row. Decoding only these skips the times and
// the part lists, which were most of a rerun's decoding (issue 12 §5).
type doneView struct {
	Size      int64  `json:"size"`
	MTime     int64  `json:"mtime_ns"`
	Key       string `json:"key"`
	Status    Status `json:"status"`
	Checksum  string `json:"checksum,omitempty"`
	ETag      string `json:"etag,omitempty"`
	VersionID string `json:"version_id,omitempty"`
	// SourceETag: an export from a location copies an object again when
	// its ETag changed.
	SourceETag string `json:"source_etag,omitempty"`
}

// lookup returns the record of path for the classifier: for a finished
// file only the fields of doneView are filled in; any other record is
// decoded whole (a resume needs its upload and parts).
func (j *Journal) lookup(path string) (*Record, error) {
	var rec *Record
	err := j.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFiles)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(path))
		if v == nil {
			return nil
		}
		d, ok := quickDoneView(v)
		if !ok {
			d = doneView{}
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("journal record %q: %w", path, err)
			}
		}
		if d.Status == StatusDone {
			rec = &Record{Size: d.Size, MTime: d.MTime, Key: d.Key, Status: d.Status, Checksum: d.Checksum, ETag: d.ETag, VersionID: d.VersionID, SourceETag: d.SourceETag}
			return nil
		}
		rec = new(Record)
		if err := json.Unmarshal(v, rec); err != nil {
			return fmt.Errorf("journal record %q: %w", path, err)
		}
		return nil
	})
	return rec, err
}

// eachDoneKey calls fn with the key of every finished record, reading
// only that much of each: the status and the key, found in the JSON as
// json.Marshal writes a Record (key and status before any nested part), and
// decoded in full only when the key holds an escape. It releases the mapped
// pages as it goes, like journaldb.Each.
func (j *Journal) eachDoneKey(fn func(key string)) error {
	return j.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFiles)
		if b == nil {
			return nil
		}
		n := 0
		return b.ForEach(func(k, v []byte) error {
			if n++; n%releaseEvery == 0 {
				_ = journaldb.ReleaseMappedTx(tx)
			}
			key, done, ok := quickKeyStatus(v)
			if !ok {
				var d doneView
				if err := json.Unmarshal(v, &d); err != nil {
					return fmt.Errorf("journal record %q: %w", k, err)
				}
				key, done = d.Key, d.Status == StatusDone
			}
			if done {
				fn(key)
			}
			return nil
		})
	})
}

// quickDoneView reads a record's JSON as json.Marshal writes it (no
// spaces) into a doneView without encoding/json, which validated and then
// decoded every record and was a quarter of a rerun's CPU (issue 12 §5).
// ok is false, and the caller decodes with encoding/json, for anything
// else: an escape in a string, a nested value (parts), malformed input.
func quickDoneView(v []byte) (d doneView, ok bool) {
	if len(v) < 2 || v[0] != '{' {
		return d, false
	}
	i := 1
	for i < len(v) {
		if v[i] != '"' {
			return d, false
		}
		end := bytes.IndexByte(v[i+1:], '"')
		if end < 0 {
			return d, false
		}
		name := v[i+1 : i+1+end]
		i += end + 2
		if i >= len(v) || v[i] != ':' {
			return d, false
		}
		i++
		if i >= len(v) {
			return d, false
		}
		var val []byte
		str := v[i] == '"'
		switch {
		case str:
			end := bytes.IndexByte(v[i+1:], '"')
			if end < 0 {
				return d, false
			}
			val = v[i+1 : i+1+end]
			if bytes.IndexByte(val, '\\') >= 0 {
				return d, false
			}
			i += end + 2
		case v[i] == '{' || v[i] == '[':
			return d, false
		default:
			end := bytes.IndexAny(v[i:], ",}")
			if end < 0 {
				return d, false
			}
			val = v[i : i+end]
			i += end
		}
		switch string(name) {
		case "size", "mtime_ns":
			n, err := strconv.ParseInt(string(val), 10, 64)
			if err != nil || str {
				return d, false
			}
			if name[0] == 's' {
				d.Size = n
			} else {
				d.MTime = n
			}
		case "key", "status", "checksum", "etag", "version_id", "source_etag":
			if !str {
				return d, false
			}
			switch string(name) {
			case "key":
				d.Key = string(val)
			case "status":
				d.Status = Status(val)
			case "checksum":
				d.Checksum = string(val)
			case "etag":
				d.ETag = string(val)
			case "version_id":
				d.VersionID = string(val)
			default:
				d.SourceETag = string(val)
			}
		}
		if i >= len(v) {
			return d, false
		}
		switch v[i] {
		case ',':
			i++
		case '}':
			return d, i == len(v)-1
		default:
			return d, false
		}
	}
	return d, false
}

var (
	jsonKeyField  = []byte(`"key":"`)
	jsonDoneField = []byte(`"status":"done"`)
)

// quickKeyStatus finds the key and whether the status is done in a
// record's JSON; ok is false when it cannot tell cheaply.
func quickKeyStatus(v []byte) (key string, done, ok bool) {
	i := bytes.Index(v, jsonKeyField)
	if i < 0 {
		return "", false, false
	}
	rest := v[i+len(jsonKeyField):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return "", false, false
	}
	// The status follows the key; json.Marshal never writes a quote
	// unescaped inside a string, so this is the top-level field.
	return string(rest[:end]), bytes.Contains(rest[end:], jsonDoneField), true
}

// releaseMapped drops the journal's mapped pages from the process's
// resident set (see journaldb.ReleaseMapped). It is only a hint to the
// kernel: an error changes nothing the run depends on, so callers ignore it.
func (j *Journal) releaseMapped() error { return journaldb.ReleaseMapped(j.db) }

// put stores rec for path, coalesced with concurrent writes into one
// committed transaction.
func (j *Journal) put(path string, rec *Record) error {
	rec.Updated = time.Now().UTC()
	return journaldb.Put(j.db, bucketFiles, path, rec)
}

// addPart merges one finished part into the record of path. It reads and
// rewrites the record inside the transaction, so parts finishing at the same
// time never overwrite each other whatever order bbolt applies them in.
func (j *Journal) addPart(path string, p providers.Part) error {
	err := journaldb.Update(j.db, bucketFiles, path, func(rec *Record) {
		rec.Parts = mergeParts(rec.Parts, p)
		rec.Updated = time.Now().UTC()
	})
	if errors.Is(err, journaldb.ErrNoRecord) {
		return fmt.Errorf("journal has no upload recorded for %s", path)
	}
	return err
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
