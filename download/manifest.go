package download

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/stowage-dev/stowage/export"
)

// ErrNoManifest is returned by FindManifest when a location has none.
var ErrNoManifest = errors.New("no export manifest found")

// ReadManifest reads an export manifest: JSON Lines (".jsonl") or CSV
// (".csv", with the header row the export writes). A malformed row is an
// error naming its line. Rows that name no object are left out: the
// export's closing scan_incomplete row (export.RowScanIncomplete), and
// failed rows of files that never got a key (a file that could not be
// read, a key template that does not apply).
//
// A manifest that does not end with a whole row (the export could not
// finish writing it, e.g. on a full disk) is refused with an error naming
// the file and its last whole row.
func ReadManifest(path string) ([]export.ManifestRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	defer f.Close()
	whole, cut, err := wholeRows(f)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	csvFile := strings.EqualFold(filepath.Ext(path), ".csv")
	if cut && wholeTail(f, whole, csvFile) {
		cut = false // a hand-written file whose last row lacks its newline
	}
	var r io.Reader = f
	if cut {
		r = io.LimitReader(f, whole)
	}
	var last lastRow
	var rows []export.ManifestRow
	if csvFile {
		rows, err = readCSV(path, r, &last)
	} else {
		rows, err = readJSONL(path, r, &last)
	}
	if cut {
		what := "it holds no whole row"
		if last.line > 0 {
			what = fmt.Sprintf("its last whole row is line %d (%s)", last.line, last.name)
		}
		return nil, fmt.Errorf("manifest %s is cut off: it does not end with a whole row, so rows after it may be missing; %s; the export could not finish writing it (a full disk?): run the export again for a whole manifest, or name another with --manifest", path, what)
	}
	return rows, err
}

// lastRow is the last row read, for the message about a cut manifest.
type lastRow struct {
	line int
	name string
}

func (l *lastRow) set(line int, row export.ManifestRow) {
	l.line = line
	switch {
	case row.Key != "":
		l.name = "key " + strconv.Quote(row.Key)
	case row.Source != "":
		l.name = "source " + strconv.Quote(row.Source)
	default:
		l.name = row.Status
	}
}

// wholeRows returns the length of f up to its last newline, and whether
// anything follows it: a manifest the export wrote whole ends with one.
func wholeRows(f *os.File) (int64, bool, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, false, err
	}
	size := fi.Size()
	if size == 0 || !fi.Mode().IsRegular() {
		return size, false, nil
	}
	buf := make([]byte, 64<<10)
	for end := size; end > 0; {
		start := max(0, end-int64(len(buf)))
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && err != io.EOF {
			return 0, false, err
		}
		if i := strings.LastIndexByte(string(buf[:n]), '\n'); i >= 0 {
			whole := start + int64(i) + 1
			return whole, whole != size, nil
		}
		end = start
	}
	return 0, true, nil
}

// wholeTail reports whether what follows the last newline is a whole row
// after all: a JSON object, or a CSV record with as many fields as the
// header whose last field, source_deleted, is "true" or "false" (a row cut
// in that field would read as "fal").
func wholeTail(f *os.File, whole int64, csvFile bool) bool {
	tail, err := io.ReadAll(io.NewSectionReader(f, whole, 1<<24))
	if err != nil {
		return false
	}
	if !csvFile {
		var row export.ManifestRow
		return json.Unmarshal(tail, &row) == nil
	}
	head, err := csv.NewReader(io.NewSectionReader(f, 0, whole)).Read()
	if err != nil {
		return false
	}
	rec, err := csv.NewReader(strings.NewReader(string(tail))).Read()
	if err != nil || len(rec) != len(head) {
		return false
	}
	if strings.TrimSpace(head[len(head)-1]) == "source_deleted" {
		v := rec[len(rec)-1]
		return v == "true" || v == "false"
	}
	return true
}

func readJSONL(path string, r io.Reader, last *lastRow) ([]export.ManifestRow, error) {
	var rows []export.ManifestRow
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var row export.ManifestRow
		if err := json.Unmarshal(b, &row); err != nil {
			return nil, fmt.Errorf("manifest %s:%d: not a JSON manifest row: %v", path, line, err)
		}
		last.set(line, row)
		if noObject(row) {
			continue
		}
		if row.Key == "" {
			return nil, fmt.Errorf("manifest %s:%d: row has no \"key\"", path, line)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	return rows, nil
}

func readCSV(path string, r io.Reader, last *lastRow) ([]export.ManifestRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("manifest %s: no header row: %v", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"key", "size", "status"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("manifest %s: header has no %q column (want the export's header: source,key,size,checksum,etag,version_id,status,...)", path, need)
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var rows []export.ManifestRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("manifest %s: %v", path, err)
		}
		size, err := strconv.ParseInt(get(rec, "size"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("manifest %s:%d: size %q is not a number", path, line, get(rec, "size"))
		}
		row := export.ManifestRow{Source: get(rec, "source"), Key: get(rec, "key"), Size: size,
			Checksum: get(rec, "checksum"), ETag: get(rec, "etag"), VersionID: get(rec, "version_id"),
			Status: get(rec, "status"), Error: get(rec, "error")}
		last.set(line, row)
		if noObject(row) {
			continue
		}
		if row.Key == "" {
			return nil, fmt.Errorf("manifest %s:%d: row has no key", path, line)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// noObject reports whether a manifest row names no object to check: the
// row a run whose scan stopped early ends with, an entry that is not a
// regular file, or a file that failed before it had a key.
func noObject(row export.ManifestRow) bool {
	return row.Status == export.RowScanIncomplete || row.Status == export.RowIgnored ||
		row.Key == "" && row.Status == export.RowFailed
}

// manifestName matches "<name>-20060102T150405Z[-N].jsonl".
var manifestName = regexp.MustCompile(`^(.+)-(\d{8}T\d{6}Z)(?:-(\d+))?\.jsonl$`)

// FindManifests returns every JSON Lines manifest in dir written for the
// location, oldest first: those whose file-name form (the base name of the
// export journal without ".db", see export.DefaultJournalPath) is one of
// names. The run's timestamp in the name orders them, so copying files
// around does not confuse it. A location exported by several runs (other
// folders, other days) has one manifest per run; together they say what
// the location should hold.
func FindManifests(dir string, names ...string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("manifest folder %s: %w", dir, err)
	}
	type cand struct {
		name, ts string
		n        int
	}
	var cs []cand
	for _, e := range entries {
		m := manifestName.FindStringSubmatch(e.Name())
		if m == nil || !slices.Contains(names, m[1]) || e.IsDir() {
			continue
		}
		n, _ := strconv.Atoi(m[3])
		cs = append(cs, cand{e.Name(), m[2], n})
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("%w for this location in %s; run `stowage export` first, or name one with --manifest FILE", ErrNoManifest, dir)
	}
	sort.Slice(cs, func(i, k int) bool {
		if cs[i].ts != cs[k].ts {
			return cs[i].ts < cs[k].ts
		}
		if cs[i].n != cs[k].n {
			return cs[i].n < cs[k].n
		}
		return cs[i].name < cs[k].name
	})
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = filepath.Join(dir, c.name)
	}
	return out, nil
}

// ReadManifests reads several manifests (see ReadManifest) in the order
// given, oldest first, as one list of rows: where two name the same key,
// the later row is the one Verify counts.
func ReadManifests(paths []string) ([]export.ManifestRow, error) {
	var rows []export.ManifestRow
	for _, p := range paths {
		r, err := ReadManifest(p)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	return rows, nil
}
