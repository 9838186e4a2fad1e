package download

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
)

// exportTree writes files into a source folder and exports them with the
// real export engine, returning the manifest's JSON Lines and CSV paths.
func exportTree(t *testing.T, p providers.Provider, loc string, files map[string][]byte) (string, string) {
	t.Helper()
	src := t.TempDir()
	for k, b := range files {
		path := filepath.Join(src, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	journal := filepath.Join(t.TempDir(), "journals", "x.db")
	sum, err := export.Run(context.Background(), p, loc, export.Options{Sources: []string{src}, JournalPath: journal})
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	return sum.ManifestJSONL, sum.ManifestCSV
}

func problems(rep VerifyReport) map[string]string {
	out := map[string]string{}
	for _, p := range rep.Problems {
		out[p.Key] = p.Kind
	}
	return out
}

func TestVerifyAgainstRealExport(t *testing.T) {
	stores := []struct {
		name string
		loc  func(t *testing.T) (config.Location, func(key string, body []byte))
	}{
		{"minio", func(t *testing.T) (config.Location, func(string, []byte)) {
			e := newMinio(t)
			e.loc.S3.ChecksumMode = "" // as a saved AWS location: SDK checksums on
			return e.loc, func(k string, b []byte) { e.put(t, k, b, false) }
		}},
		{"azurite", func(t *testing.T) (config.Location, func(string, []byte)) {
			a := testenv.SharedAzurite(t)
			c := testenv.UniqueName("vf")
			a.CreateContainer(t, c)
			loc := config.Location{Name: "az", Type: config.TypeAzure, Azure: &config.Azure{Container: c, Prefix: "rec/", ConnectionString: a.ConnectionString, ReadBack: true}}
			p, err := providers.Open(context.Background(), loc, providers.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return loc, func(k string, b []byte) {
				f := filepath.Join(t.TempDir(), "b")
				if err := os.WriteFile(f, b, 0o600); err != nil {
					t.Fatal(err)
				}
				fh, _ := os.Open(f)
				defer fh.Close()
				if _, err := p.Put(context.Background(), k, fh, int64(len(b)), providers.PutOptions{}); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			loc, put := st.loc(t)
			p, err := providers.Open(context.Background(), loc, providers.Options{})
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{
				"2026/01/a.wav": randBytes(t, 1000), "2026/01/b.wav": randBytes(t, 2000),
				"2026/02/c.wav": randBytes(t, 3000), "2026/02/d.wav": randBytes(t, 4000),
			}
			jsonl, csvPath := exportTree(t, p, loc.Name, files)
			for _, m := range []string{jsonl, csvPath} {
				rows, err := ReadManifest(m)
				if err != nil {
					t.Fatal(err)
				}
				rep, err := Verify(context.Background(), p, loc.Name, rows)
				if err != nil {
					t.Fatal(err)
				}
				if !rep.OK() || rep.Matched != 4 || rep.ListPrefix != "2026/" {
					t.Fatalf("%s: fresh export should verify: %+v", filepath.Ext(m), rep)
				}
			}

			// Now the store drifts from the manifest.
			put("2026/01/a.wav", randBytes(t, 1001)) // size mismatch
			put("2026/01/b.wav", randBytes(t, 2000)) // same size, other bytes
			put("2026/02/extra.wav", []byte("x"))    // extra, next to exported files
			put("other/unrelated.wav", []byte("y"))  // outside the export's folders
			if d, ok := p.(providers.Deleter); ok {
				if err := d.Delete(context.Background(), "2026/02/d.wav"); err != nil { // missing
					t.Fatal(err)
				}
			}
			rows, err := ReadManifest(jsonl)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(context.Background(), p, loc.Name, rows)
			if err != nil {
				t.Fatal(err)
			}
			got := problems(rep)
			want := map[string]string{
				"2026/01/a.wav":     ProblemSize,
				"2026/01/b.wav":     ProblemChecksum,
				"2026/02/extra.wav": ProblemExtra,
				"2026/02/d.wav":     ProblemMissing,
			}
			if len(got) != len(want) {
				t.Errorf("problems %v, want %v", got, want)
			}
			for k, kind := range want {
				if got[k] != kind {
					t.Errorf("%s: got %q, want %q", k, got[k], kind)
				}
			}
			for _, pr := range rep.Problems {
				t.Logf("%s %s: %s (manifest %s, store %s)", pr.Kind, pr.Key, pr.Detail, pr.ManifestChecksum, pr.StoreChecksum)
			}
			if rep.Matched != 1 {
				t.Errorf("matched %d, want 1 (c.wav)", rep.Matched)
			}
		})
	}
}

func TestVerifyHandMadeManifest(t *testing.T) {
	e := newMinio(t)
	for _, k := range []string{"x/1.wav", "x/2.wav", "x/3.wav", "x/4.wav", "x/5.wav"} {
		e.put(t, k, []byte("12345"), true)
	}
	p := e.open(t)
	h := newHash("CRC32C:x")
	h.Write([]byte("12345"))
	crc := format("CRC32C", h)
	rows := []export.ManifestRow{
		// Another ETag, but the store's CRC32C shows the same content.
		{Key: "x/4.wav", Size: 5, ETag: "0123456789abcdef", Checksum: crc, Status: export.RowExported},
		{Key: "x/5.wav", Size: 5, ETag: "0123456789abcdef", Checksum: "CRC32C:AAAAAA==", Status: export.RowExported}, // differs
		{Key: "x/1.wav", Size: 5, Status: export.RowExported},
		{Key: "x/2.wav", Size: 6, Status: export.RowExported},   // size mismatch
		{Key: "x/gap.wav", Size: 5, Status: export.RowExported}, // missing
		{Key: "x/failed.wav", Size: 5, Status: export.RowFailed, Error: "access denied"},
		{Key: "x/retried.wav", Size: 5, Status: export.RowFailed},  // failed, then...
		{Key: "x/retried.wav", Size: 5, Status: export.RowSkipped}, // ...a later run has it: missing, not failed
		// x/3.wav is not listed: extra
	}
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "m.jsonl")
	f, err := os.Create(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	read, err := ReadManifest(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(context.Background(), p, e.loc.Name, read)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"x/2.wav": ProblemSize, "x/gap.wav": ProblemMissing, "x/retried.wav": ProblemMissing,
		"x/failed.wav": ProblemNotExported, "x/3.wav": ProblemExtra, "x/5.wav": ProblemChecksum}
	got := problems(rep)
	if len(got) != len(want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	for k, kind := range want {
		if got[k] != kind {
			t.Errorf("%s: got %q, want %q", k, got[k], kind)
		}
	}
	if rep.Matched != 2 || rep.ByChecksum != 1 {
		t.Errorf("matched %d (%d by checksum), want 2 (1)", rep.Matched, rep.ByChecksum)
	}
	if rep.Problems[0].Kind != ProblemMissing || rep.Problems[len(rep.Problems)-1].Kind != ProblemExtra {
		t.Errorf("problems not ordered by kind: %+v", rep.Problems)
	}
}

func TestReadManifestErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, file, body, want string }{
		{"bad json", "a.jsonl", "{\"key\":\"a\",\"size\":1}\nnot json\n", "a.jsonl:2"},
		{"no key", "b.jsonl", "{\"size\":1}\n", "no \"key\""},
		{"csv without key column", "c.csv", "source,size,status\nx,1,exported\n", "no \"key\" column"},
		{"csv bad size", "d.csv", "source,key,size,status\nx,k,big,exported\n", "d.csv:2: size \"big\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.file)
			if err := os.WriteFile(p, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ReadManifest(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestFindManifests(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{
		"acme-20261101T100000Z.jsonl", "acme-20261123T090000Z.jsonl", "acme-20261123T090000Z-1.jsonl",
		"acme-20261123T090000Z-1.csv", "acme-eu-20271231T000000Z.jsonl", "acme.db",
	} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := FindManifests(dir, "acme")
	var names []string
	for _, g := range got {
		names = append(names, filepath.Base(g))
	}
	want := []string{"acme-20261101T100000Z.jsonl", "acme-20261123T090000Z.jsonl", "acme-20261123T090000Z-1.jsonl"}
	if err != nil || !slices.Equal(names, want) {
		t.Fatalf("got %q, %v; want %q", names, err, want)
	}
	// A location known by two names (renamed) has the manifests of both.
	got, err = FindManifests(dir, "acme-eu", "acme")
	if err != nil || len(got) != 4 || filepath.Base(got[3]) != "acme-eu-20271231T000000Z.jsonl" {
		t.Fatalf("two names: got %q, %v", got, err)
	}
	if _, err := FindManifests(dir, "globex"); !errors.Is(err, ErrNoManifest) {
		t.Fatalf("got %v", err)
	}
	if _, err := FindManifests(filepath.Join(dir, "none"), "acme"); !errors.Is(err, ErrNoManifest) {
		t.Fatalf("missing folder: got %v", err)
	}
}

func TestCommonFolder(t *testing.T) {
	tests := []struct {
		keys []string
		want string
	}{
		{[]string{"2026/01/a", "2026/02/b"}, "2026/"},
		{[]string{"a/b/c.wav"}, "a/b/"},
		{[]string{"a.wav", "b/c.wav"}, ""},
		{[]string{"calls/x", "calls2/y"}, ""},
		{nil, ""},
	}
	for _, tc := range tests {
		if got := commonFolder(tc.keys); got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.keys, got, tc.want)
		}
	}
}
