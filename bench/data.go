package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// dataSet is one folder of files every tool uploads in turn.
type dataSet struct {
	Name  string // "small", "big", "tiny"
	Dir   string
	Files int
	Bytes int64
}

// dataSpec fixes what generate writes; the stamp file holds it, so a kept
// -data folder is reused only when it was generated with the same settings.
type dataSpec struct {
	Seed       uint64 `json:"seed"`
	SmallFiles int    `json:"small_files"`
	SmallMin   int64  `json:"small_min"`
	SmallMax   int64  `json:"small_max"`
	BigSize    int64  `json:"big_size"`
	TinyFiles  int    `json:"tiny_files"`
	Version    int    `json:"version"` // bump when the layout changes
}

const dataLayoutVersion = 1

// generate writes (or reuses) the three data sets under dir:
//
//	small/  SmallFiles recordings of SmallMin..SmallMax bytes in 30 day folders
//	big/    one BigSize file, every byte written (not sparse)
//	tiny/   TinyFiles files of 100 B..4 KiB for the rerun measurement
//
// Content comes from a seeded ChaCha8 stream, so it is incompressible and the
// same on every machine for the same seed.
func generate(dir string, spec dataSpec, logf func(string, ...any)) (small, big, tiny dataSet, err error) {
	small = dataSet{Name: "small", Dir: filepath.Join(dir, "small")}
	big = dataSet{Name: "big", Dir: filepath.Join(dir, "big")}
	tiny = dataSet{Name: "tiny", Dir: filepath.Join(dir, "tiny")}
	stampPath := filepath.Join(dir, "stamp.json")
	want, _ := json.Marshal(spec)

	if got, err := os.ReadFile(stampPath); err == nil && string(got) == string(want) {
		for _, ds := range []*dataSet{&small, &big, &tiny} {
			if ds.Files, ds.Bytes, err = countFiles(ds.Dir); err != nil {
				return small, big, tiny, err
			}
		}
		logf("data: reusing %s (same seed and sizes)", dir)
		return small, big, tiny, nil
	}
	for _, d := range []string{small.Dir, big.Dir, tiny.Dir} {
		if err := os.RemoveAll(d); err != nil {
			return small, big, tiny, err
		}
	}
	_ = os.Remove(stampPath)

	start := time.Now()
	rng := rand.New(rand.NewPCG(spec.Seed, 0x5709a6e))
	stream := rand.NewChaCha8(seed32(spec.Seed))
	buf := make([]byte, 1<<20)

	for i := range spec.SmallFiles {
		size := spec.SmallMin + rng.Int64N(spec.SmallMax-spec.SmallMin+1)
		rel := fmt.Sprintf("calls/2026-05-%02d/call-%05d.wav", 1+i%30, i)
		if err := writeRandom(filepath.Join(small.Dir, rel), size, stream, buf); err != nil {
			return small, big, tiny, err
		}
		small.Files++
		small.Bytes += size
	}
	logf("data: %d small files, %s, in %s", small.Files, mib(small.Bytes), time.Since(start).Round(time.Millisecond))

	start = time.Now()
	if err := writeRandom(filepath.Join(big.Dir, "screen-2026-05-01.mp4"), spec.BigSize, stream, buf); err != nil {
		return small, big, tiny, err
	}
	big.Files, big.Bytes = 1, spec.BigSize
	logf("data: one %s file in %s", mib(big.Bytes), time.Since(start).Round(time.Millisecond))

	start = time.Now()
	for i := range spec.TinyFiles {
		size := 100 + rng.Int64N(4000)
		rel := fmt.Sprintf("calls/d%03d/call-%05d.wav", i%100, i)
		if err := writeRandom(filepath.Join(tiny.Dir, rel), size, stream, buf); err != nil {
			return small, big, tiny, err
		}
		tiny.Files++
		tiny.Bytes += size
	}
	if spec.TinyFiles > 0 {
		logf("data: %d tiny files, %s, in %s", tiny.Files, mib(tiny.Bytes), time.Since(start).Round(time.Millisecond))
	}
	if err := os.WriteFile(stampPath, want, 0o644); err != nil {
		return small, big, tiny, err
	}
	return small, big, tiny, nil
}

func seed32(seed uint64) [32]byte {
	var s [32]byte
	for i := range 4 {
		v := seed*0x9e3779b97f4a7c15 + uint64(i)
		for j := range 8 {
			s[i*8+j] = byte(v >> (8 * j))
		}
	}
	return s
}

// writeRandom writes size bytes of the stream to path, creating folders.
func writeRandom(path string, size int64, stream *rand.ChaCha8, buf []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for left := size; left > 0; {
		n := int64(len(buf))
		if left < n {
			n = left
		}
		_, _ = stream.Read(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			f.Close()
			return err
		}
		left -= n
	}
	return f.Close()
}

// countFiles returns the number and total size of regular files below dir.
func countFiles(dir string) (files int, bytes int64, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			files++
			bytes += fi.Size()
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil
	}
	return files, bytes, err
}

// warm reads every file of dir once, so each tool starts with the data in
// the page cache rather than the first one paying for the disk.
func warm(dir string) error {
	buf := make([]byte, 1<<20)
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.CopyBuffer(io.Discard, f, buf)
		return err
	})
}
