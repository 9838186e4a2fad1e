package download

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/export"
)

// writeManifestFile writes rows as the export does, in the format the
// file's extension names.
func writeManifestFile(t *testing.T, path string, rows []export.ManifestRow) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".csv") {
		w := csv.NewWriter(f)
		w.Write([]string{"source", "key", "size", "checksum", "etag", "version_id", "status", "error", "duration_ms", "source_deleted"})
		for _, r := range rows {
			w.Write([]string{r.Source, r.Key, strconv.FormatInt(r.Size, 10), r.Checksum, r.ETag, r.VersionID,
				r.Status, r.Error, strconv.FormatInt(r.DurationMS, 10), strconv.FormatBool(r.Deleted)})
		}
		w.Flush()
		if err := w.Error(); err != nil {
			t.Fatal(err)
		}
		return
	}
	enc := json.NewEncoder(f)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadManifestSkipsRowsWithoutObject: a manifest of a run whose scan
// stopped early ends with a scan_incomplete row, and files that could not
// be read fail before they have a key. Neither names an object, so verify
// reads the rest instead of refusing the manifest; a keyless row of any
// other status is still an error.
func TestReadManifestSkipsRowsWithoutObject(t *testing.T) {
	exported := export.ManifestRow{Source: "/d/a.wav", Key: "a.wav", Size: 5, Status: export.RowExported}
	failedWithKey := export.ManifestRow{Source: "/d/b.wav", Key: "b.wav", Size: 7, Status: export.RowFailed, Error: "access denied"}
	unreadable := export.ManifestRow{Source: "/d/locked", Status: export.RowFailed, Error: "cannot read: permission denied"}
	incomplete := export.ManifestRow{Status: export.RowScanIncomplete, Error: "the scan stopped before reading every source (the export was stopped)"}
	cases := []struct {
		name    string
		rows    []export.ManifestRow
		want    []string // keys read, in order
		wantErr string
	}{
		{"scan incomplete", []export.ManifestRow{exported, failedWithKey, incomplete}, []string{"a.wav", "b.wav"}, ""},
		{"failed before a key", []export.ManifestRow{unreadable, exported}, []string{"a.wav"}, ""},
		{"only rows without objects", []export.ManifestRow{unreadable, incomplete}, nil, ""},
		{"exported row without a key", []export.ManifestRow{exported, {Source: "/d/c.wav", Size: 1, Status: export.RowExported}}, nil, "row has no"},
	}
	for _, c := range cases {
		for _, ext := range []string{".jsonl", ".csv"} {
			t.Run(c.name+" "+ext, func(t *testing.T) {
				p := filepath.Join(t.TempDir(), "acme-20261123T120000Z"+ext)
				writeManifestFile(t, p, c.rows)
				rows, err := ReadManifest(p)
				if c.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), c.wantErr) {
						t.Fatalf("err %v, want one containing %q", err, c.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				var keys []string
				for _, r := range rows {
					keys = append(keys, r.Key)
				}
				if strings.Join(keys, ",") != strings.Join(c.want, ",") {
					t.Fatalf("rows %q, want %q", keys, c.want)
				}
			})
		}
	}
}

// TestReadManifestRefusesCutManifest: an export that could not finish
// writing its manifest (a full disk) leaves a file ending mid-row; verify
// refuses it, naming the file and the last whole row, instead of reading
// the cut row as if it were whole.
func TestReadManifestRefusesCutManifest(t *testing.T) {
	dir := t.TempDir()
	rows := []export.ManifestRow{
		{Source: "/d/a.wav", Key: "a.wav", Size: 5, Checksum: "CRC32C:AAAAAA==", Status: export.RowExported},
		{Source: "/d/b.wav", Key: "b.wav", Size: 12345, Checksum: "CRC32C:BBBBBB==", Status: export.RowExported},
	}
	for _, name := range []string{"m.jsonl", "m.csv"} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			writeManifestFile(t, p, rows)
			if got, err := ReadManifest(p); err != nil || len(got) != 2 {
				t.Fatalf("whole manifest: %v, %d rows", err, len(got))
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			// Cut inside the last row's size or deleted flag: the cut row
			// would parse (a smaller size, "fal").
			cut := b[:len(b)-4]
			if strings.HasSuffix(name, ".jsonl") {
				cut = b[:strings.Index(string(b), "12345")+3]
			}
			if err := os.WriteFile(p, cut, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err = ReadManifest(p)
			if err == nil {
				t.Fatalf("ReadManifest of a manifest cut mid-row succeeded")
			}
			for _, want := range []string{p, "cut off", `key "a.wav"`} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
			// A hand-written file whose last whole row lacks its newline
			// is still read.
			if err := os.WriteFile(p, b[:len(b)-1], 0o600); err != nil {
				t.Fatal(err)
			}
			if got, err := ReadManifest(p); err != nil || len(got) != 2 {
				t.Fatalf("manifest without its last newline: %v, %d rows", err, len(got))
			}
		})
	}
}
