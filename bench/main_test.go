package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: "2GiB", want: 2 << 30},
		{in: "256MiB", want: 256 << 20},
		{in: "512KiB", want: 512 << 10},
		{in: "1.5GiB", want: 3 << 29},
		{in: "64M", want: 64 << 20},
		{in: "1048576", want: 1 << 20},
		{in: " 8 MiB ", want: 8 << 20},
		{in: "", wantErr: true},
		{in: "0", wantErr: true},
		{in: "-1MiB", wantErr: true},
		{in: "2TB", wantErr: true},
		{in: "5TiB", wantErr: true},
		{in: "big", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseSize(%q) = %d, want an error", tt.in, got)
				}
				if !strings.Contains(err.Error(), "e.g. 2GiB") {
					t.Fatalf("error %q gives no example", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestResolveRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name    string
		o       options
		bigSize string
		field   string
	}{
		{name: "runs", o: options{runs: 0, sets: "small", tools: "stowage"}, field: "-runs"},
		{name: "set", o: options{runs: 1, sets: "small,huge", tools: "stowage"}, field: "-sets"},
		{name: "tool", o: options{runs: 1, sets: "small", tools: "stowage,s3cmd"}, field: "-tools"},
		{name: "big size", o: options{runs: 1, sets: "small", tools: "stowage"}, bigSize: "lots", field: "-big-size"},
		{name: "files", o: options{runs: 1, files: -3, sets: "small", tools: "stowage"}, field: "-files"},
		{name: "checksum", o: options{runs: 1, sets: "small", tools: "stowage", checksum: "crc32"}, field: "-checksum-mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.resolve(tt.bigSize)
			if err == nil || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("resolve: %v; want an error naming %s", err, tt.field)
			}
		})
	}
}

func TestResolveQuick(t *testing.T) {
	tests := []struct {
		name      string
		o         options
		bigSize   string
		wantFiles int
		wantBig   int64
	}{
		{name: "full", o: options{runs: 1}, wantFiles: 1000, wantBig: 2 << 30},
		{name: "quick", o: options{runs: 1, quick: true}, wantFiles: 200, wantBig: 256 << 20},
		{name: "quick with sizes", o: options{runs: 1, quick: true, files: 7}, bigSize: "1MiB", wantFiles: 7, wantBig: 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			if err := o.resolve(tt.bigSize); err != nil {
				t.Fatal(err)
			}
			if o.files != tt.wantFiles || o.bigSize != tt.wantBig {
				t.Fatalf("files %d, big %d; want %d, %d", o.files, o.bigSize, tt.wantFiles, tt.wantBig)
			}
		})
	}
}

// TestGenerate checks the data sets: sizes within bounds, the same bytes for
// the same seed, other bytes for another seed, and reuse of a stamped folder.
func TestGenerate(t *testing.T) {
	spec := dataSpec{Seed: 7, SmallFiles: 12, SmallMin: 1 << 10, SmallMax: 8 << 10, BigSize: 300 << 10, TinyFiles: 5, Version: dataLayoutVersion}
	quiet := func(string, ...any) {}
	a, b := t.TempDir(), t.TempDir()
	smallA, bigA, tinyA, err := generate(a, spec, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := generate(b, spec, quiet); err != nil {
		t.Fatal(err)
	}
	if smallA.Files != 12 || bigA.Files != 1 || bigA.Bytes != 300<<10 || tinyA.Files != 5 {
		t.Fatalf("sets %+v %+v %+v", smallA, bigA, tinyA)
	}
	if smallA.Bytes < 12*spec.SmallMin || smallA.Bytes > 12*spec.SmallMax {
		t.Fatalf("small set of %d bytes is outside %d..%d", smallA.Bytes, 12*spec.SmallMin, 12*spec.SmallMax)
	}
	rel := filepath.Join("big", "screen-2026-05-01.mp4")
	same := func(x, y string) bool {
		bx, err1 := os.ReadFile(filepath.Join(x, rel))
		by, err2 := os.ReadFile(filepath.Join(y, rel))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		return bytes.Equal(bx, by)
	}
	if !same(a, b) {
		t.Fatal("the same seed generated different bytes")
	}

	// Reuse: a stamped folder is not rewritten (the mtime stays).
	st1, _ := os.Stat(filepath.Join(a, rel))
	time.Sleep(20 * time.Millisecond)
	again, _, _, err := generate(a, spec, quiet)
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(filepath.Join(a, rel))
	if !st1.ModTime().Equal(st2.ModTime()) || again != smallA {
		t.Fatalf("a folder generated with the same settings was rewritten (%v vs %v, %+v vs %+v)", st1.ModTime(), st2.ModTime(), again, smallA)
	}

	// Another seed rewrites the folder with other bytes.
	spec.Seed = 8
	if _, _, _, err := generate(b, spec, quiet); err != nil {
		t.Fatal(err)
	}
	if same(a, b) {
		t.Fatal("another seed generated the same bytes")
	}
}

func TestProcCPU(t *testing.T) {
	tests := []struct {
		name string
		pid  int
		zero bool
	}{
		{name: "self", pid: os.Getpid()},
		{name: "no such process", pid: 1 << 30, zero: true},
	}
	// Burn some CPU so the own process has at least one tick.
	deadline := time.Now().Add(50 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := procCPU(tt.pid)
			if (got == 0) != tt.zero {
				t.Fatalf("procCPU(%d) = %s", tt.pid, got)
			}
		})
	}
}

// TestReadExportJSON reads the export command's JSON Lines as the bench
// does: the first upload's times and the summary, whatever comes between.
func TestReadExportJSON(t *testing.T) {
	lines := strings.Join([]string{
		`{"type":"scan","files":3}`,
		`{"type":"file_started","path":"/a","key":"a","size":1}`,
		`{"type":"file_done","path":"/a","key":"a","size":1}`,
		`{"type":"file_started","path":"/b","key":"b","size":1}`,
		`{"type":"summary","files":2,"skipped":1,"failed":0,"bytes":2,"elapsed_ms":1500,"error":"x","durable_lag_p50_ms":2.5,"durable_lag_max_ms":40}`,
	}, "\n") + "\n"
	o := readExportJSON(strings.NewReader(lines), time.Now().Add(-time.Second))
	if !o.HaveSummary || o.Summary.Files != 2 || o.Summary.Skipped != 1 || o.Summary.ElapsedMS != 1500 || o.Summary.Error != "x" {
		t.Fatalf("summary %+v (have %v)", o.Summary, o.HaveSummary)
	}
	if o.FirstStarted < time.Second || o.FirstDone < o.FirstStarted {
		t.Fatalf("first started %s, first done %s", o.FirstStarted, o.FirstDone)
	}
	var r result
	r.absorb(o)
	if r.Engine != 1500*time.Millisecond || r.Skipped != 1 || r.Err != "x" || r.LagP50 != 2500*time.Microsecond || r.LagMax != 40*time.Millisecond {
		t.Fatalf("absorbed %+v", r)
	}
	var none result
	none.absorb(readExportJSON(strings.NewReader(`{"type":"scan"}`+"\n"), time.Now()))
	if !strings.Contains(none.Err, "no summary") {
		t.Fatalf("a run without a summary line was not marked: %q", none.Err)
	}
}

func TestParseScaleFiles(t *testing.T) {
	got, err := parseScaleFiles("10000, 100000,1000000")
	if err != nil || len(got) != 3 || got[0] != 10000 || got[2] != 1000000 {
		t.Fatalf("parseScaleFiles = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "lots", "10000,-5"} {
		if _, err := parseScaleFiles(bad); err == nil || !strings.Contains(err.Error(), "-scale-files") || !strings.Contains(err.Error(), "e.g.") {
			t.Errorf("parseScaleFiles(%q) = %v; want an error naming -scale-files with an example", bad, err)
		}
	}
	o := options{runs: 1, sets: "scale", tools: "stowage", scaleFiles: "ten"}
	if err := o.resolve(""); err == nil || !strings.Contains(err.Error(), "-scale-files") {
		t.Fatalf("resolve with -scale-files ten: %v", err)
	}
}

func TestSizingUsesTheMeasuredRate(t *testing.T) {
	rows, notes := sizingRows([]result{{Tool: "stowage", Set: "small", Bytes: 100 << 20, Wall: time.Second}})
	if len(rows) != 3 || !strings.Contains(rows[0].How, "100.0 MiB/s") {
		t.Fatalf("stream row %+v; want the measured 100 MiB/s", rows[0])
	}
	// 10^8 × 2 MiB at 100 MiB/s = 2×10^6 s = 556 h.
	if rows[0].Hours != "556" {
		t.Errorf("stream hours %s, want 556", rows[0].Hours)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "https://aws.amazon.com/s3/pricing/") {
		t.Errorf("notes do not cite the pricing page: %q", notes)
	}
}
