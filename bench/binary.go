package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/stowage-dev/stowage/config"
)

// buildStowage builds ./cmd/stowage into dir, as a user's binary is built
// (the stowagepprof tag adds only the profile hook of cmd/stowage, for
// -profile).
func buildStowage(ctx context.Context, root, dir string, profile bool) (string, error) {
	bin := filepath.Join(dir, "stowage")
	args := []string{"build", "-o", bin}
	if profile {
		args = append(args, "-tags", "stowagepprof")
	}
	args = append(args, "./cmd/stowage")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/stowage: %v\n%s", err, out)
	}
	return bin, nil
}

// binaryOutcome is what the bench reads from `stowage export --json`.
type binaryOutcome struct {
	// FirstStarted and FirstDone are when the first file_started and
	// file_done events reached the bench, from process start.
	FirstStarted, FirstDone time.Duration
	Summary                 exportSummary
	HaveSummary             bool
}

// exportSummary is the part of the command's final JSON line the bench uses.
type exportSummary struct {
	Files     int     `json:"files"`
	Skipped   int     `json:"skipped"`
	Failed    int     `json:"failed"`
	Bytes     int64   `json:"bytes"`
	ElapsedMS int64   `json:"elapsed_ms"`
	Error     string  `json:"error"`
	MiBps     float64 `json:"mib_per_second"`
	// Store answer → committed done record in the journal (issue 11 §6).
	LagP50MS float64 `json:"durable_lag_p50_ms"`
	LagMaxMS float64 `json:"durable_lag_max_ms"`
}

// readExportJSON follows the command's JSON Lines on r as they arrive: it
// notes when the first upload started and finished and keeps the summary.
// It reads only the type of the other lines, so a million-file run does
// not cost the bench more than a pass over the stream.
func readExportJSON(r io.Reader, start time.Time) binaryOutcome {
	var o binaryOutcome
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case o.FirstStarted == 0 && bytes.Contains(line, []byte(`"type":"file_started"`)):
			o.FirstStarted = time.Since(start)
		case o.FirstDone == 0 && bytes.Contains(line, []byte(`"type":"file_done"`)):
			o.FirstDone = time.Since(start)
		case bytes.Contains(line, []byte(`"type":"summary"`)):
			if json.Unmarshal(line, &o.Summary) == nil {
				o.HaveSummary = true
			}
		}
	}
	_, _ = io.Copy(io.Discard, r)
	return o
}

// writeLocation saves a locations file holding loc alone at path (0600: it
// holds the server's keys). Each bucket has its own file, so its journal
// and manifests (next to the file) are its own.
func writeLocation(path string, loc config.Location) error {
	f := &config.File{Version: config.CurrentVersion, Locations: []config.Location{loc}}
	return config.Save(path, f)
}

// stowageBinaryTool runs `stowage --config FILE export bench DIR --json`:
// the command a user runs, with its defaults (concurrency, part size, the
// provider's checksum mode unless -checksum-mode is given).
func stowageBinaryTool(bin string, srv *server, concurrency int, checksumMode, profileDir string) tool {
	seq := 0
	return tool{
		Name:    "stowage",
		Version: "stowage export (built from ./cmd/stowage @ " + gitDescribe() + ")",
		command: func(ctx context.Context, dir, bucket, state string, rerun bool) (*exec.Cmd, error) {
			seq++
			cfg := filepath.Join(state, "stowage-"+bucket, "config.yaml")
			if !rerun {
				loc := config.Location{Name: "bench", Type: config.TypeS3, S3: &config.S3{
					Bucket: bucket, Region: region, Endpoint: srv.Endpoint, PathStyle: true, CABundle: srv.CAFile,
					Auth: config.AuthKeys, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.Secret,
					ChecksumMode: checksumMode,
				}}
				if err := writeLocation(cfg, loc); err != nil {
					return nil, err
				}
			}
			return exportCommand(ctx, bin, cfg, dir, concurrency, profileName(profileDir, seq, bucket, rerun)), nil
		},
	}
}

// exportCommand is `stowage --config cfg export bench dir --json`, with a
// CPU profile written to profile+".cpu.pprof" when profile is set (a binary
// built with -tags stowagepprof).
func exportCommand(ctx context.Context, bin, cfg, dir string, concurrency int, profile string) *exec.Cmd {
	args := []string{"--config", cfg, "export", "bench", dir, "--json"}
	if concurrency > 0 {
		args = append(args, "--concurrency", fmt.Sprint(concurrency))
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(cleanEnv(), "STOWAGE_CONFIG=", "NO_COLOR=1")
	if profile != "" {
		cmd.Env = append(cmd.Env, "STOWAGE_CPUPROFILE="+profile+".cpu.pprof", "STOWAGE_MEMPROFILE="+profile+".allocs.pprof")
	}
	return cmd
}

func profileName(dir string, seq int, bucket string, rerun bool) string {
	if dir == "" {
		return ""
	}
	name := fmt.Sprintf("stowage-%02d-%s", seq, bucket)
	if rerun {
		name += "-rerun"
	}
	return filepath.Join(dir, name)
}

// isStowage tells the export command's runs, whose stdout is JSON Lines.
func isStowage(t tool) bool { return t.Name == "stowage" }

// absorb takes the command's summary into r: the engine's elapsed time,
// skipped files, the first upload's times, and the error if any.
func (r *result) absorb(o binaryOutcome) {
	r.FirstStarted, r.FirstDone = o.FirstStarted, o.FirstDone
	if !o.HaveSummary {
		r.Err = strings.TrimSpace(r.Err + " no summary line on stdout")
		return
	}
	r.Engine = time.Duration(o.Summary.ElapsedMS) * time.Millisecond
	r.Skipped = o.Summary.Skipped
	r.LagP50 = time.Duration(o.Summary.LagP50MS * float64(time.Millisecond))
	r.LagMax = time.Duration(o.Summary.LagMaxMS * float64(time.Millisecond))
	if o.Summary.Error != "" {
		r.Err = strings.TrimSpace(r.Err + " " + o.Summary.Error)
	}
}
