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
func ReadManifest(path string) ([]export.ManifestRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	defer f.Close()
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		return readCSV(path, f)
	}
	return readJSONL(path, f)
}

func readJSONL(path string, r io.Reader) ([]export.ManifestRow, error) {
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

func readCSV(path string, r io.Reader) ([]export.ManifestRow, error) {
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
// row a run whose scan stopped early ends with, or a file that failed
// before it had a key.
func noObject(row export.ManifestRow) bool {
	return row.Status == export.RowScanIncomplete || row.Key == "" && row.Status == export.RowFailed
}

// manifestName matches "<name>-20060102T150405Z[-N].jsonl".
var manifestName = regexp.MustCompile(`^(.+)-(\d{8}T\d{6}Z)(?:-(\d+))?\.jsonl$`)

// FindManifest returns the newest JSON Lines manifest in dir written for
// the location whose file-name form is safe (the base name of its export
// journal without ".db"). The run's timestamp in the name orders them, so
// copying files around does not confuse it.
func FindManifest(dir, safe string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("manifest folder %s: %w", dir, err)
	}
	type cand struct {
		name, ts string
		n        int
	}
	var cs []cand
	for _, e := range entries {
		m := manifestName.FindStringSubmatch(e.Name())
		if m == nil || m[1] != safe || e.IsDir() {
			continue
		}
		n, _ := strconv.Atoi(m[3])
		cs = append(cs, cand{e.Name(), m[2], n})
	}
	if len(cs) == 0 {
		return "", fmt.Errorf("%w for this location in %s; run `stowage export` first, or name one with --manifest FILE", ErrNoManifest, dir)
	}
	sort.Slice(cs, func(i, k int) bool {
		if cs[i].ts != cs[k].ts {
			return cs[i].ts < cs[k].ts
		}
		return cs[i].n < cs[k].n
	})
	return filepath.Join(dir, cs[len(cs)-1].name), nil
}
