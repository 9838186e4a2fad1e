package export

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/stowage-dev/stowage/providers"
)

// TestRerunHeapDoesNotHoldTheJournal: a rerun over files exported earlier
// must not hold every journal record in memory. It loaded them all into a
// map (with a second map of their keys): 1.9 KiB of heap per file, 1.9 GiB
// at a million files, against the 128 MiB target of issue 12 §5. The heap
// is measured while the last file is being skipped, when the scan has seen
// every file.
func TestRerunHeapDoesNotHoldTheJournal(t *testing.T) {
	const n = 10000
	e := newEnv(t)
	opts := e.opts()
	// The files, and a journal that says each was exported (written in one
	// transaction: exporting 10,000 files for real takes minutes here).
	j, err := OpenJournal(opts.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	err = j.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFiles)
		for i := range n {
			rel := fmt.Sprintf("d%03d/rec-%06d.wav", i/1000, i)
			p := e.write(t, rel, []byte("x"))
			fi, err := os.Stat(p)
			if err != nil {
				return err
			}
			v, err := json.Marshal(Record{Size: 1, MTime: fi.ModTime().UnixNano(), Key: rel, Status: StatusDone,
				Checksum: "CRC32C:AAAAAA==", ETag: "0123456789abcdef0123456789abcdef", DurationMS: 3, Updated: time.Now().UTC()})
			if err != nil {
				return err
			}
			if err := b.Put([]byte(p), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()

	jfi, err := os.Stat(opts.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	var fileBefore, fileAt int64 // RssFile, KiB
	var before, at runtime.MemStats
	// Twice: sync.Pool's victim cache (bbolt pools its pages) survives one.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	fileBefore = rssFile(t)
	skipped := 0
	opts.Events = func(ev Event) {
		if _, ok := ev.(FileSkipped); ok {
			if skipped++; skipped == n {
				runtime.GC()
				runtime.GC()
				runtime.ReadMemStats(&at)
				fileAt = rssFile(t)
			}
		}
	}
	sum, err := Run(context.Background(), e.p, "t", opts)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != n || sum.Files != 0 {
		t.Fatalf("rerun skipped %d and exported %d files; want %d skipped", sum.Skipped, sum.Files, n)
	}
	if skipped != n {
		t.Fatalf("saw %d file_skipped events; want %d", skipped, n)
	}
	grown := int64(at.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("live heap during the rerun over %d files: %d → %d bytes, %+.0f bytes per file", n, before.HeapAlloc, at.HeapAlloc, float64(grown)/n)
	if per := float64(grown) / n; per > 200 {
		t.Fatalf("the rerun holds %.0f bytes of heap per file (%d in all); want at most 200 (the journal held in memory?)", per, grown)
	}
	// bbolt reads records through a mapping of the file: the pages read
	// must not stay in the resident set (a million records is ~400 MB).
	if fileBefore >= 0 {
		mapped := (fileAt - fileBefore) << 10
		t.Logf("file-backed resident memory grew by %d bytes; the journal is %d bytes", mapped, jfi.Size())
		if mapped > jfi.Size()/2 {
			t.Fatalf("file-backed resident memory grew by %d bytes during the rerun, with a journal of %d bytes; want the journal's pages released", mapped, jfi.Size())
		}
	}
}

// rssFile is the process's file-backed resident memory in KiB
// (/proc/self/status RssFile), or -1 where there is none.
func rssFile(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	return -1
}

// The classifier keeps no map of finished keys any more (hashes only); a
// file whose key an earlier export of another path holds must still be
// found: skipped when it is the same file moved, failed when it differs.
func TestMovedFileAndKeyClashWithoutJournalInMemory(t *testing.T) {
	e := newEnv(t)
	opts := e.opts()
	opts.KeyTemplate = "{base}"
	old := e.write(t, "old/a.wav", content("a", 100))
	e.write(t, "old/b.wav", content("b", 100))
	if _, err := Run(context.Background(), e.p, "t", opts); err != nil {
		t.Fatal(err)
	}
	// a.wav moves (same size and time); b.wav is replaced by another file
	// of the same name elsewhere.
	moved := filepath.Join(e.src, "new", "a.wav")
	if err := os.MkdirAll(filepath.Dir(moved), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(old, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(e.src, "old", "b.wav")); err != nil {
		t.Fatal(err)
	}
	e.write(t, "other/b.wav", content("b2", 300))
	var reasons []string
	opts.Events = func(ev Event) {
		switch ev := ev.(type) {
		case FileSkipped:
			reasons = append(reasons, filepath.Base(ev.Path)+": "+ev.Reason)
		case FileFailed:
			reasons = append(reasons, filepath.Base(ev.Path)+": "+ev.Err.Error())
		}
	}
	sum, err := Run(context.Background(), e.p, "t", opts)
	if sum.Skipped != 1 || sum.Failed != 1 || sum.Files != 0 {
		t.Fatalf("rerun: %+v, %v; want a.wav skipped and b.wav failed (%q)", sum, err, reasons)
	}
	got := strings.Join(reasons, "\n")
	for _, want := range []string{"a.wav: already exported from " + old, `b.wav: key "b.wav" already holds ` + filepath.Join(e.src, "old", "b.wav")} {
		if !strings.Contains(got, want) {
			t.Fatalf("reasons %q lack %q", got, want)
		}
	}
}

// quickKeyStatus must agree with decoding the record whole, or decline.
func TestQuickKeyStatusAgreesWithJSON(t *testing.T) {
	recs := []Record{
		{Key: "calls/a.wav", Status: StatusDone, Size: 3},
		{Key: "calls/a.wav", Status: StatusFailed, Error: `"key":"x" "status":"done"`},
		{Key: `odd "quoted" \ name.wav`, Status: StatusDone},
		{Key: "ünïcode/<tag>&.wav", Status: StatusDone},
		{Key: "big.mp4", Status: StatusUploading, UploadID: "u", Parts: []providers.Part{{Number: 1, ETag: "e"}}},
	}
	for _, r := range recs {
		v, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		key, done, ok := quickKeyStatus(v)
		if !ok {
			continue // decoded whole instead
		}
		if key != r.Key || done != (r.Status == StatusDone) {
			t.Errorf("quickKeyStatus(%s) = %q, %v; want %q, %v", v, key, done, r.Key, r.Status == StatusDone)
		}
	}
}

// quickDoneView must agree with encoding/json, or decline.
func TestQuickDoneViewAgreesWithJSON(t *testing.T) {
	recs := []Record{
		{Key: "calls/a.wav", Status: StatusDone, Size: 3, MTime: -5, Checksum: "CRC32C:AAAAAA==", ETag: "abc", VersionID: "v1", SourceETag: "s1", DurationMS: 7, Updated: time.Now()},
		{Key: "calls/a.wav", Status: StatusFailed, Error: `"key":"x" "status":"done"`},
		{Key: `odd "quoted" \ name.wav`, Status: StatusDone},
		{Key: "ünïcode/<tag>&.wav", Status: StatusDone},
		{Key: "big.mp4", Status: StatusDone, UploadID: "u", Parts: []providers.Part{{Number: 1, ETag: "e"}}},
		{Key: "x", Status: StatusUploading, CreateIntent: time.Now()},
	}
	for _, r := range recs {
		v, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var want doneView
		if err := json.Unmarshal(v, &want); err != nil {
			t.Fatal(err)
		}
		got, ok := quickDoneView(v)
		if ok && got != want {
			t.Errorf("quickDoneView(%s) = %+v; want %+v", v, got, want)
		}
	}
	if _, ok := quickDoneView([]byte(`{"size":1,"key":"a","status":"done"}`)); !ok {
		t.Error("quickDoneView declined a plain record")
	}
	for _, bad := range []string{``, `{`, `{"size":x}`, `{"key":1}`, `{"size":"1"}`, `{"key":"a"`, `{"key":"a"}x`} {
		if _, ok := quickDoneView([]byte(bad)); ok {
			t.Errorf("quickDoneView(%q) accepted malformed input", bad)
		}
	}
}

// The JSON printer writes FileSkipped from a struct (faster than the map of
// eventJSON); the line must be byte for byte what the map gives.
func TestSkippedJSONLineIsTheMapLine(t *testing.T) {
	ev := FileSkipped{Path: `/rec/a "b" <c>&ü.wav`, Key: "a/<b>.wav", Size: 1 << 40, Reason: "already exported from /old/x"}
	var fast strings.Builder
	p := &JSONPrinter{W: &fast}
	p.Event(ev)
	line := fast.String()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatal(err)
	}
	now, err := time.Parse(time.RFC3339Nano, m["time"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	enc := json.NewEncoder(&want)
	if err := enc.Encode(eventJSON(ev, now)); err != nil {
		t.Fatal(err)
	}
	if line != want.String() {
		t.Fatalf("file_skipped line\n%s\nwant (the map's)\n%s", line, want.String())
	}
}
