package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/stowage-dev/stowage/config"
)

// The scale set (issue 12 §5): N tiny files exported to a local-folder
// location on the same disk, which takes the server out of the measurement
// and leaves the engine's own cost per file: scan, journal, manifest,
// events.
const (
	targetScaleRSS       = 128 << 20
	targetScaleRerun     = 15 * time.Second
	targetScaleFirstUp   = time.Second
	targetScaleRSSFiles  = 1_000_000 // the RSS and rerun targets are set at 10^6 files
	scaleFilesPerFolder  = 1000
	scaleLayoutVersion   = 1
	defaultScaleFileList = "10000,100000,1000000"
)

// scaleResult is one size of the scale set: the first export and the rerun
// over the finished set.
type scaleResult struct {
	Files        int
	Bytes        int64
	First, Rerun result
	// DestFiles is what the destination folder holds after the first run.
	DestFiles int
}

// parseScaleFiles reads -scale-files: a comma-separated list of counts.
func parseScaleFiles(s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 100_000_000 {
			return nil, fmt.Errorf("-scale-files: %q is not a file count between 1 and 100000000; use counts separated by commas, e.g. -scale-files 10000,100000", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-scale-files is empty; use counts separated by commas, e.g. -scale-files %s", defaultScaleFileList)
	}
	return out, nil
}

// scaleName is the file name of file i: 1,000 files a folder, so a folder
// listing stays small at any count.
func scaleName(i int) string {
	return fmt.Sprintf("d%05d/rec-%08d.wav", i/scaleFilesPerFolder, i)
}

// generateScale writes (or reuses) n files of a few bytes each (the file's
// number and a newline) under dir/scale-N. Four writers in parallel: the
// cost is creating inodes, not bytes.
func generateScale(dir string, n int, logf func(string, ...any)) (dataSet, error) {
	ds := dataSet{Name: fmt.Sprintf("scale-%d", n), Dir: filepath.Join(dir, fmt.Sprintf("scale-%d", n))}
	stampPath := filepath.Join(dir, fmt.Sprintf("scale-%d.stamp", n))
	want := fmt.Sprintf(`{"files":%d,"version":%d}`, n, scaleLayoutVersion)
	if got, err := os.ReadFile(stampPath); err == nil && string(got) == want {
		var bytes int64
		for i := range n {
			bytes += int64(len(strconv.Itoa(i)) + 1)
		}
		ds.Files, ds.Bytes = n, bytes
		logf("data: reusing %s (%d files)", ds.Dir, n)
		return ds, nil
	}
	_ = os.Remove(stampPath)
	if err := os.RemoveAll(ds.Dir); err != nil {
		return ds, err
	}
	start := time.Now()
	folders := (n + scaleFilesPerFolder - 1) / scaleFilesPerFolder
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		total    int64
	)
	next := make(chan int)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var bytes int64
			for d := range next {
				if err := os.MkdirAll(filepath.Join(ds.Dir, fmt.Sprintf("d%05d", d)), 0o755); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					continue
				}
				for i := d * scaleFilesPerFolder; i < min(n, (d+1)*scaleFilesPerFolder); i++ {
					body := strconv.AppendInt(nil, int64(i), 10)
					body = append(body, '\n')
					if err := os.WriteFile(filepath.Join(ds.Dir, scaleName(i)), body, 0o644); err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						break
					}
					bytes += int64(len(body))
				}
			}
			mu.Lock()
			total += bytes
			mu.Unlock()
		}()
	}
	for d := range folders {
		next <- d
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return ds, firstErr
	}
	ds.Files, ds.Bytes = n, total
	logf("data: %d scale files in %d folders, %s, in %s", n, folders, mib(total), time.Since(start).Round(time.Millisecond))
	return ds, os.WriteFile(stampPath, []byte(want), 0o644)
}

// walkMeta reads every folder of dir and stats every file, so each run
// finds the inodes and dentries cached (reading the few bytes too would
// double the cost for nothing: the files fit in their inodes' pages).
func walkMeta(dir string) (files int, err error) {
	files, _, err = countFiles(dir)
	return files, err
}

// runScale exports each size of the scale set to a local-folder location
// with the real binary, then reruns it over the finished set.
func runScale(ctx context.Context, o options, bin, work, dataDir, logs string) ([]scaleResult, error) {
	sizes, err := parseScaleFiles(o.scaleFiles)
	if err != nil {
		return nil, err
	}
	var out []scaleResult
	for _, n := range sizes {
		ds, err := generateScale(dataDir, n, logf)
		if err != nil {
			return out, fmt.Errorf("generate the scale set of %d files in %s: %w", n, dataDir, err)
		}
		dest := filepath.Join(work, fmt.Sprintf("scale-dest-%d", n))
		state := filepath.Join(work, "state", fmt.Sprintf("stowage-scale-%d", n))
		for _, d := range []string{dest, state} {
			if err := os.RemoveAll(d); err != nil {
				return out, err
			}
		}
		if err := os.MkdirAll(dest, 0o755); err != nil {
			return out, err
		}
		cfg := filepath.Join(state, "config.yaml")
		loc := config.Location{Name: "bench", Type: config.TypeLocal, Local: &config.Local{Path: dest}}
		if err := writeLocation(cfg, loc); err != nil {
			return out, err
		}
		sr := scaleResult{Files: ds.Files, Bytes: ds.Bytes}
		for _, rerun := range []bool{false, true} {
			if _, err := walkMeta(ds.Dir); err != nil {
				return out, err
			}
			syscall.Sync()
			time.Sleep(time.Second)
			label := map[bool]string{false: "first", true: "rerun"}[rerun]
			cmd := exportCommand(ctx, bin, cfg, ds.Dir, o.concurrency, profileName(o.profileDir, n, "scale", rerun))
			logf("stowage: scale %d %s, load %.2f", n, label, loadAvg())
			var bo binaryOutcome
			r, err := measure(ctx, nil, cmd, filepath.Join(logs, fmt.Sprintf("scale-%d-%s.log", n, label)), func(rd io.Reader, start time.Time) {
				bo = readExportJSON(rd, start)
			})
			if err != nil {
				return out, err
			}
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			r.Tool, r.Set, r.Files, r.Bytes = "stowage", fmt.Sprintf("scale %s", label), ds.Files, ds.Bytes
			r.absorb(bo)
			if bo.HaveSummary && r.Err == "" {
				if got := bo.Summary.Files + bo.Summary.Skipped; got != ds.Files || bo.Summary.Failed > 0 {
					r.Err = fmt.Sprintf("exported %d, skipped %d, failed %d; want %d in all", bo.Summary.Files, bo.Summary.Skipped, bo.Summary.Failed, ds.Files)
				} else if rerun && bo.Summary.Skipped != ds.Files {
					r.Err = fmt.Sprintf("rerun skipped %d of %d files", bo.Summary.Skipped, ds.Files)
				}
			}
			logf("stowage: scale %d %s took %s (CPU %.1f s, peak RSS %s, first upload %s)%s", n, label,
				r.Wall.Round(time.Millisecond), r.CPU.Seconds(), mib(r.MaxRSS), r.FirstStarted.Round(time.Millisecond), errSuffix(r.Err))
			if !rerun {
				sr.First = r
				if sr.DestFiles, err = walkMeta(dest); err != nil {
					return out, err
				}
				if sr.DestFiles != ds.Files && sr.First.Err == "" {
					sr.First.Err = fmt.Sprintf("destination holds %d files, want %d", sr.DestFiles, ds.Files)
				}
			} else {
				sr.Rerun = r
			}
		}
		out = append(out, sr)
		if !o.keep {
			if err := os.RemoveAll(dest); err != nil {
				return out, err
			}
			if err := os.RemoveAll(state); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// reportScale prints the scale table, the growth between sizes and the
// targets.
func reportScale(w io.Writer, rs []scaleResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(w, "\n### Scale: tiny files to a local-folder location (issue 12 §5)\n\n")
	fmt.Fprintln(w, "| files | run | seconds | engine s | CPU s | peak RSS MiB | anon / file MiB (sampled) | first file started s | first file done s | µs per file (wall) | CPU µs per file | load | note |")
	fmt.Fprintln(w, "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
	for _, s := range rs {
		for _, r := range []result{s.First, s.Rerun} {
			label := "first"
			if r.Set == "scale rerun" {
				label = "rerun"
			}
			note := r.Err
			if note == "" && r.Skipped > 0 {
				note = fmt.Sprintf("%d skipped", r.Skipped)
			}
			fmt.Fprintf(w, "| %d | %s | %.2f | %.2f | %.2f | %.1f | %.1f / %.1f | %s | %s | %.1f | %.1f | %.2f | %s |\n",
				s.Files, label, r.Wall.Seconds(), r.Engine.Seconds(), r.CPU.Seconds(), float64(r.MaxRSS)/(1<<20),
				float64(r.PeakAnon)/(1<<20), float64(r.PeakFile)/(1<<20),
				secsOrNone(r.FirstStarted), secsOrNone(r.FirstDone),
				perFile(r.Wall, s.Files), perFile(r.CPU, s.Files), r.Load, note)
		}
	}
	if len(rs) > 1 {
		fmt.Fprintf(w, "\nGrowth from one size to the next (cost ratio over file-count ratio; 1.00 is linear, below is better):\n\n")
		for i := 1; i < len(rs); i++ {
			a, b := rs[i-1], rs[i]
			nr := float64(b.Files) / float64(a.Files)
			fmt.Fprintf(w, "- %d → %d files (×%.0f): first wall %.2f, first CPU %.2f, rerun wall %.2f, rerun CPU %.2f; peak RSS ×%.2f first, ×%.2f rerun\n",
				a.Files, b.Files, nr,
				ratio(b.First.Wall.Seconds(), a.First.Wall.Seconds())/nr, ratio(b.First.CPU.Seconds(), a.First.CPU.Seconds())/nr,
				ratio(b.Rerun.Wall.Seconds(), a.Rerun.Wall.Seconds())/nr, ratio(b.Rerun.CPU.Seconds(), a.Rerun.CPU.Seconds())/nr,
				ratio(float64(b.First.MaxRSS), float64(a.First.MaxRSS)), ratio(float64(b.Rerun.MaxRSS), float64(a.Rerun.MaxRSS)))
		}
	}
	fmt.Fprintf(w, "\nScale targets:\n\n")
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		return "MISS"
	}
	for _, s := range rs {
		if s.First.Err != "" || s.Rerun.Err != "" {
			fmt.Fprintf(w, "- %d files: n/a, a run failed (%s%s)\n", s.Files, s.First.Err, s.Rerun.Err)
			continue
		}
		up := s.First.FirstStarted
		fmt.Fprintf(w, "- %d files, first upload ≤ %s after start: %s %s\n", s.Files, targetScaleFirstUp, secsOrNone(up), verdict(up > 0 && up <= targetScaleFirstUp))
		peak := max(s.First.MaxRSS, s.Rerun.MaxRSS)
		if s.Files >= targetScaleRSSFiles {
			fmt.Fprintf(w, "- %d files, peak RSS ≤ %d MiB: %.1f MiB %s\n", s.Files, targetScaleRSS>>20, float64(peak)/(1<<20), verdict(peak <= targetScaleRSS))
			fmt.Fprintf(w, "- %d files, rerun ≤ %s: %.2f s %s\n", s.Files, targetScaleRerun, s.Rerun.Wall.Seconds(), verdict(s.Rerun.Wall <= targetScaleRerun))
		} else {
			fmt.Fprintf(w, "- %d files, peak RSS %.1f MiB, rerun %.2f s (the ≤ %d MiB and ≤ %s targets are set at %d files)\n",
				s.Files, float64(peak)/(1<<20), s.Rerun.Wall.Seconds(), targetScaleRSS>>20, targetScaleRerun, targetScaleRSSFiles)
		}
	}
	if len(rs) > 1 {
		a, b := rs[0], rs[len(rs)-1]
		if a.First.Err == "" && b.First.Err == "" && a.Rerun.Err == "" && b.Rerun.Err == "" {
			nr := float64(b.Files) / float64(a.Files)
			// CPU seconds: wall time on this shared box moves with the
			// other load. 1.2: the allowance for noise.
			g1 := ratio(b.First.CPU.Seconds(), a.First.CPU.Seconds()) / nr
			g2 := ratio(b.Rerun.CPU.Seconds(), a.Rerun.CPU.Seconds()) / nr
			fmt.Fprintf(w, "- growth no worse than linear (CPU %d → %d files, ≤ 1.2 allowing for noise): first %.2f, rerun %.2f %s\n",
				a.Files, b.Files, g1, g2, verdict(g1 <= 1.2 && g2 <= 1.2))
		}
	}
}

func perFile(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(d.Microseconds()) / float64(n)
}

func secsOrNone(d time.Duration) string {
	if d <= 0 {
		return "none"
	}
	return fmt.Sprintf("%.3f", d.Seconds())
}
