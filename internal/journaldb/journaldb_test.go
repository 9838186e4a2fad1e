package journaldb

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

var errBusy = errors.New("journal is busy")

type rec struct {
	N     int      `json:"n"`
	Parts []string `json:"parts,omitempty"`
}

func spec(readOnly bool) Spec {
	return Spec{What: "test journal", Busy: errBusy, Version: "1", Buckets: [][]byte{[]byte("files")}, ReadOnly: readOnly}
}

func open(t *testing.T, path string, s Spec) *bolt.DB {
	t.Helper()
	db, err := Open(path, s)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestOpen(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(t *testing.T, path string) func()
		spec    Spec
		wantErr error
		wantMsg string
	}{
		{"creates folder and buckets", nil, spec(false), nil, ""},
		{"read-only missing file", nil, spec(true), fs.ErrNotExist, ""},
		{"held by another handle", func(t *testing.T, path string) func() {
			db := open(t, path, spec(false))
			return func() { db.Close() }
		}, spec(false), errBusy, "; wait for it to finish or stop it first"},
		{"other format version", func(t *testing.T, path string) func() {
			s := spec(false)
			s.Version = "2"
			open(t, path, s).Close()
			return func() {}
		}, spec(false), nil, "test journal " /* + path */},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sub", "j.db")
			if c.setup != nil {
				defer c.setup(t, path)()
			}
			db, err := Open(path, c.spec)
			switch {
			case c.wantErr != nil:
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
			case c.wantMsg != "":
				if err == nil || !strings.Contains(err.Error(), c.wantMsg) || !strings.Contains(err.Error(), "journal format 2 is not supported by this build (wants 1)") {
					t.Fatalf("err = %v, want the version refused", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if err := db.View(func(tx *bolt.Tx) error {
					for _, b := range []string{"files", "meta"} {
						if tx.Bucket([]byte(b)) == nil {
							t.Errorf("bucket %q missing", b)
						}
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			if c.wantMsg != "" && c.wantErr != nil && (err == nil || !strings.Contains(err.Error(), c.wantMsg)) {
				t.Fatalf("err = %v, want it to contain %q", err, c.wantMsg)
			}
		})
	}
}

func TestRecords(t *testing.T) {
	bucket := []byte("files")
	cases := []struct {
		name string
		run  func(t *testing.T, db *bolt.DB)
	}{
		{"get missing", func(t *testing.T, db *bolt.DB) {
			if _, ok, err := Get[rec](db, bucket, "a"); ok || err != nil {
				t.Fatalf("Get = %v, %v; want not found", ok, err)
			}
			if _, ok, err := Get[rec](db, []byte("nobucket"), "a"); ok || err != nil {
				t.Fatalf("Get without bucket = %v, %v; want not found", ok, err)
			}
		}},
		{"put then get", func(t *testing.T, db *bolt.DB) {
			if err := Put(db, []byte("new"), "a", &rec{N: 3}); err != nil {
				t.Fatal(err)
			}
			got, ok, err := Get[rec](db, []byte("new"), "a")
			if !ok || err != nil || got.N != 3 {
				t.Fatalf("Get = %+v, %v, %v", got, ok, err)
			}
		}},
		{"each in key order", func(t *testing.T, db *bolt.DB) {
			for _, k := range []string{"b", "a", "c"} {
				if err := Put(db, bucket, k, rec{N: int(k[0])}); err != nil {
					t.Fatal(err)
				}
			}
			var keys []string
			if err := Each(db, bucket, func(k string, r rec) error {
				if r.N != int(k[0]) {
					t.Errorf("%s: N = %d", k, r.N)
				}
				keys = append(keys, k)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if strings.Join(keys, ",") != "a,b,c" {
				t.Fatalf("keys = %v", keys)
			}
			if err := Each(db, []byte("nobucket"), func(string, rec) error { return errors.New("called") }); err != nil {
				t.Fatal(err)
			}
		}},
		{"each bad record", func(t *testing.T, db *bolt.DB) {
			if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte("x"), []byte("{")) }); err != nil {
				t.Fatal(err)
			}
			err := Each(db, bucket, func(string, rec) error { return nil })
			if err == nil || !strings.Contains(err.Error(), `journal record "x"`) {
				t.Fatalf("err = %v", err)
			}
		}},
		{"update", func(t *testing.T, db *bolt.DB) {
			if err := Put(db, bucket, "a", rec{N: 1}); err != nil {
				t.Fatal(err)
			}
			if err := Update(db, bucket, "a", func(r *rec) { r.Parts = append(r.Parts, "p1") }); err != nil {
				t.Fatal(err)
			}
			got, _, err := Get[rec](db, bucket, "a")
			if err != nil || got.N != 1 || len(got.Parts) != 1 {
				t.Fatalf("Get = %+v, %v", got, err)
			}
		}},
		{"update missing", func(t *testing.T, db *bolt.DB) {
			if err := Update(db, bucket, "zz", func(*rec) {}); !errors.Is(err, ErrNoRecord) {
				t.Fatalf("err = %v, want ErrNoRecord", err)
			}
			if err := Update(db, []byte("nobucket"), "zz", func(*rec) {}); !errors.Is(err, ErrNoRecord) {
				t.Fatalf("err = %v, want ErrNoRecord", err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := open(t, filepath.Join(t.TempDir(), "j.db"), spec(false))
			defer db.Close()
			c.run(t, db)
		})
	}
}
