package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Manifest row statuses.
const (
	RowExported    = "exported"
	RowChanged     = "changed" // exported again: the file changed since its earlier export
	RowSkipped     = "skipped"
	RowFailed      = "failed"
	RowInterrupted = "interrupted" // stopped mid-upload; the next run resumes it
	// RowIgnored: an entry that is not a regular file (a pipe, a link to a
	// folder, a broken link); Error says which. It has no key.
	RowIgnored = "ignored"
	// RowScanIncomplete is the last row of a run whose scan ended before it
	// read every source (Summary.ScanComplete false): files the scan did not
	// reach have no row. It names no file: Source and Key are empty and
	// Error says why the scan ended.
	RowScanIncomplete = "scan_incomplete"
)

// ManifestRow is one file of a run, as written to the CSV and JSON Lines
// manifests.
type ManifestRow struct {
	Source     string `json:"source"`
	Key        string `json:"key"`
	Size       int64  `json:"size"`
	Checksum   string `json:"checksum,omitempty"`
	ETag       string `json:"etag,omitempty"`
	VersionID  string `json:"version_id,omitempty"`
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
	Deleted    bool   `json:"source_deleted,omitempty"`
}

var manifestHeader = []string{"source", "key", "size", "checksum", "etag", "version_id", "status", "error", "duration_ms", "source_deleted"}

// manifest writes both files as rows arrive, so a crash still leaves the
// rows written so far.
type manifest struct {
	mu        sync.Mutex
	csvPath   string
	jsonlPath string
	csvFile   *os.File
	jsonFile  *os.File
	csvBuf    *bufio.Writer
	jsonBuf   *bufio.Writer
	csv       *csv.Writer
	err       error
	// onErr, when set, is told once of the first error, so the run can
	// warn while it goes on.
	onErr func(error)
}

// createFile opens a manifest file; a variable so a test can put a full
// device (/dev/full) in its place.
var createFile = os.OpenFile

// fail records the first write error; later rows are dropped.
func (m *manifest) fail(err error) {
	if m.err != nil {
		return
	}
	m.err = err
	if m.onErr != nil {
		m.onErr(m.errorLocked())
	}
}

// errorLocked describes the manifests' first error for people.
func (m *manifest) errorLocked() error {
	return fmt.Errorf("manifest not written whole (%s, %s): %w; rows from then on are missing; the journal still records every file, so after freeing space run the export again: it skips what is done and writes a whole manifest", m.csvPath, m.jsonlPath, m.err)
}

// openManifest creates <dir>/<location>-<UTC timestamp>.csv and .jsonl.
func openManifest(dir, location string, now time.Time) (*manifest, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("manifest folder %s: %w", dir, err)
	}
	base := filepath.Join(dir, safeName(location)+"-"+now.UTC().Format("20060102T150405Z"))
	m := &manifest{csvPath: base + ".csv", jsonlPath: base + ".jsonl"}
	var err error
	// O_EXCL: two runs in the same second must not share a manifest.
	for i := 1; ; i++ {
		m.csvFile, err = createFile(m.csvPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil || !os.IsExist(err) || i > 100 {
			break
		}
		m.csvPath = fmt.Sprintf("%s-%d.csv", base, i)
		m.jsonlPath = fmt.Sprintf("%s-%d.jsonl", base, i)
	}
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.jsonFile, err = createFile(m.jsonlPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
		m.csvFile.Close()
		return nil, fmt.Errorf("manifest: %w", err)
	}
	m.csvBuf = bufio.NewWriter(m.csvFile)
	m.jsonBuf = bufio.NewWriter(m.jsonFile)
	m.csv = csv.NewWriter(m.csvBuf)
	if err := m.csv.Write(manifestHeader); err != nil {
		m.close()
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return m, nil
}

func (m *manifest) write(r ManifestRow) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return
	}
	rec := []string{r.Source, r.Key, strconv.FormatInt(r.Size, 10), r.Checksum, r.ETag, r.VersionID,
		r.Status, r.Error, strconv.FormatInt(r.DurationMS, 10), strconv.FormatBool(r.Deleted)}
	if err := m.csv.Write(rec); err != nil {
		m.fail(err)
		return
	}
	b, err := json.Marshal(r)
	if err != nil {
		m.fail(err)
		return
	}
	b = append(b, '\n')
	if _, err := m.jsonBuf.Write(b); err != nil {
		m.fail(err)
	}
}

// flush pushes buffered rows to the files.
func (m *manifest) flush() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.flushLocked()
}

func (m *manifest) flushLocked() {
	m.csv.Flush()
	if err := m.csv.Error(); err != nil {
		m.fail(err)
	}
	if err := m.csvBuf.Flush(); err != nil {
		m.fail(err)
	}
	if err := m.jsonBuf.Flush(); err != nil {
		m.fail(err)
	}
}

// close flushes, syncs and closes both files and reports the first error
// of any write, flush, sync or close.
func (m *manifest) close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onErr = nil // the run is reporting; no more events
	m.flushLocked()
	for _, f := range []*os.File{m.csvFile, m.jsonFile} {
		if err := f.Sync(); err != nil {
			m.fail(err)
		}
		if err := f.Close(); err != nil {
			m.fail(err)
		}
	}
	if m.err != nil {
		return m.errorLocked()
	}
	return nil
}
