package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/internal/testenv"
)

// ceilingInFlight is the bare loop's requests in flight: Stowage's default
// concurrency, so the two differ only in what surrounds the PutObject.
const ceilingInFlight = 32

// ceilingSpec is what the parent hands the ceiling process, in a 0600 file
// (it holds the server's secret key, which must not be on a command line).
type ceilingSpec struct {
	Dir       string `json:"dir"`
	Endpoint  string `json:"endpoint"`
	Bucket    string `json:"bucket"`
	CAFile    string `json:"ca_file"`
	AccessKey string `json:"access_key"`
	Secret    string `json:"secret"`
	// NoChecksum sends no request checksum (sdk-nosum); otherwise the SDK
	// sends its CRC32 trailer, which the store verifies and keeps.
	NoChecksum bool `json:"no_checksum,omitempty"`
}

// ceilingResult is the ceiling process's stdout, one JSON object.
type ceilingResult struct {
	Files int
	Bytes int64
	Error string `json:",omitempty"`
}

// runCeiling is the ceiling this machine allows: a bare aws-sdk-go-v2
// PutObject per file of Dir, ceilingInFlight at a time, with the SDK's
// defaults (request checksums when_supported: a CRC32 trailer that the
// store verifies, sent aws-chunked over TLS) and nothing else: no journal,
// no manifest, no progress, no retries of its own. Keys are the paths
// below Dir, as Stowage's default key template makes them.
func runCeiling(specPath string) int {
	b, err := os.ReadFile(specPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench ceiling:", err)
		return 2
	}
	_ = os.Remove(specPath)
	var spec ceilingSpec
	if err := json.Unmarshal(b, &spec); err != nil {
		fmt.Fprintln(os.Stderr, "bench ceiling: spec:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := ceilingUpload(ctx, spec)
	if err != nil {
		res.Error = err.Error()
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	if err != nil {
		return 1
	}
	return 0
}

func ceilingUpload(ctx context.Context, spec ceilingSpec) (ceilingResult, error) {
	pool, err := testenv.LoadCAPool(spec.CAFile)
	if err != nil {
		return ceilingResult{}, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.MaxIdleConnsPerHost = ceilingInFlight
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	// An aws.Config built by hand leaves RequestChecksumCalculation unset,
	// which sends no checksum at all; config.LoadDefaultConfig, what an SDK
	// user gets, resolves it to when_supported: a CRC32 trailer. Until
	// 2026-12-06 the ceiling was built this way and sent none.
	calc := aws.RequestChecksumCalculationWhenSupported
	if spec.NoChecksum {
		calc = aws.RequestChecksumCalculationWhenRequired
	}
	client := s3.NewFromConfig(aws.Config{
		Region:                     region,
		Credentials:                credentials.NewStaticCredentialsProvider(spec.AccessKey, spec.Secret, ""),
		HTTPClient:                 &http.Client{Transport: tr},
		BaseEndpoint:               aws.String(spec.Endpoint),
		RequestChecksumCalculation: calc,
	}, func(o *s3.Options) { o.UsePathStyle = true })

	paths := make(chan string, ceilingInFlight)
	var (
		files    atomic.Int64
		bytes    atomic.Int64
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) { errOnce.Do(func() { firstErr = err }) }
	for range ceilingInFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				n, err := ceilingPut(ctx, client, spec, p)
				if err != nil {
					fail(err)
					continue
				}
				files.Add(1)
				bytes.Add(n)
			}
		}()
	}
	walkErr := filepath.WalkDir(spec.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		select {
		case paths <- p:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(paths)
	wg.Wait()
	res := ceilingResult{Files: int(files.Load()), Bytes: bytes.Load()}
	if walkErr != nil {
		return res, walkErr
	}
	return res, firstErr
}

func ceilingPut(ctx context.Context, client *s3.Client, spec ceilingSpec, p string) (int64, error) {
	rel, err := filepath.Rel(spec.Dir, p)
	if err != nil {
		return 0, err
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	_, err = client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(spec.Bucket),
		Key:           aws.String(filepath.ToSlash(rel)),
		Body:          f,
		ContentLength: aws.Int64(fi.Size()),
	})
	if err != nil {
		return 0, fmt.Errorf("put %s: %w", rel, err)
	}
	return fi.Size(), nil
}

// ceilingTool runs this program's binary in -ceiling mode, in a process of
// its own so its CPU time and peak RSS are measured like every tool's.
// noSum makes the variant that sends no checksum (tool sdk-nosum).
func ceilingTool(self string, srv *server, noSum bool) tool {
	seq := 0
	name, what := "sdk", "SDK defaults as config.LoadDefaultConfig resolves them (a CRC32 trailer the store verifies)"
	if noSum {
		name, what = "sdk-nosum", "no request checksum (when_required), so the store verifies nothing"
	}
	return tool{
		Name:    name,
		Version: fmt.Sprintf("bare aws-sdk-go-v2 PutObject loop, %d in flight, %s", ceilingInFlight, what),
		command: func(ctx context.Context, dir, bucket, state string, rerun bool) (*exec.Cmd, error) {
			seq++
			spec := ceilingSpec{Dir: dir, Endpoint: srv.Endpoint, Bucket: bucket, CAFile: srv.CAFile,
				AccessKey: srv.AccessKey, Secret: srv.Secret, NoChecksum: noSum}
			b, err := json.Marshal(spec)
			if err != nil {
				return nil, err
			}
			specPath := filepath.Join(state, fmt.Sprintf("ceiling-%02d.json", seq))
			if err := os.WriteFile(specPath, b, 0o600); err != nil {
				return nil, err
			}
			cmd := exec.CommandContext(ctx, self, "-ceiling", specPath)
			cmd.Env = cleanEnv()
			return cmd, nil
		},
	}
}
