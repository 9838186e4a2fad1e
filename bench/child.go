package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/providers"
	_ "github.com/stowage-dev/stowage/providers/s3"
)

// childSpec is what the parent hands the Stowage child process: one export
// of Sources to a bucket. It is written to a 0600 file because it holds the
// server's secret key, which must not appear in a process listing.
type childSpec struct {
	Sources     []string `json:"sources"`
	JournalPath string   `json:"journal_path"`
	Endpoint    string   `json:"endpoint"`
	Bucket      string   `json:"bucket"`
	CAFile      string   `json:"ca_file"`
	AccessKey   string   `json:"access_key"`
	Secret      string   `json:"secret"`
	Concurrency int      `json:"concurrency"`
	// ChecksumMode is the location's checksum_mode; empty is the provider's
	// default (when_required on a custom endpoint such as MinIO).
	ChecksumMode string `json:"checksum_mode,omitempty"`
	CPUProfile   string `json:"cpu_profile,omitempty"`
	HeapProfile  string `json:"heap_profile,omitempty"`
}

// childResult is what the child prints on stdout as one JSON object.
type childResult struct {
	Files, Skipped, Failed int
	Bytes                  int64
	EngineSeconds          float64 // export.Summary.Elapsed: scan to last commit
	OpenSeconds            float64 // providers.Open
	Error                  string  `json:",omitempty"`
}

// runChild is the Stowage side of the benchmark, run in its own process so
// its CPU time and peak RSS can be measured apart from the benchmark's. It
// does what an export from the command line does: open the location with
// the default concurrency and run the engine with default options and a
// plain-text status printer.
func runChild(specPath string) int {
	b, err := os.ReadFile(specPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench child:", err)
		return 2
	}
	// The spec holds the server's secret key: it has been read, so it goes.
	_ = os.Remove(specPath)
	var spec childSpec
	if err := json.Unmarshal(b, &spec); err != nil {
		fmt.Fprintln(os.Stderr, "bench child: spec:", err)
		return 2
	}
	if spec.CPUProfile != "" {
		f, err := os.Create(spec.CPUProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			return 2
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			return 2
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	res := childResult{}
	start := time.Now()
	conc := spec.Concurrency
	if conc == 0 {
		conc = export.DefaultConcurrency
	}
	loc := config.Location{Name: "bench", Type: config.TypeS3, S3: &config.S3{
		Bucket: spec.Bucket, Region: region, Endpoint: spec.Endpoint, PathStyle: true, CABundle: spec.CAFile,
		Auth: config.AuthKeys, AccessKeyID: spec.AccessKey, SecretAccessKey: spec.Secret,
		ChecksumMode: spec.ChecksumMode,
	}}
	p, err := providers.Open(ctx, loc, providers.Options{Concurrency: conc})
	res.OpenSeconds = time.Since(start).Seconds()
	if err != nil {
		res.Error = "open: " + err.Error()
		return emit(res, 1)
	}
	sum, err := export.Run(ctx, p, "bench", export.Options{
		Sources:     spec.Sources,
		JournalPath: spec.JournalPath,
		Concurrency: spec.Concurrency,
		Events:      export.NewStatusPrinter(os.Stderr, 0).Event,
	})
	res.Files, res.Skipped, res.Failed, res.Bytes = sum.Files, sum.Skipped, sum.Failed, sum.Bytes
	res.EngineSeconds = sum.Elapsed.Seconds()
	if spec.HeapProfile != "" {
		if f, ferr := os.Create(spec.HeapProfile); ferr == nil {
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	if err != nil {
		res.Error = err.Error()
		code := 1
		if errors.Is(err, export.ErrFilesFailed) {
			code = 3
		}
		return emit(res, code)
	}
	return emit(res, 0)
}

func emit(res childResult, code int) int {
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return code
}
