package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"syscall"
	"time"

	"github.com/stowage-dev/stowage/config"
)

// runCopy measures the copy engine against the stream engine (issue 12
// §5): the big set's object is put in one bucket of the MinIO server, then
// `stowage export DST --from src --engine copy|stream` moves it to another
// bucket of the same server. Copy should be request-bound (the server
// copies) with almost no bytes through the client; stream reads and sends
// every byte. streamMem, when not empty, is the stream run's --memory.
func runCopy(ctx context.Context, bin string, srv *server, big dataSet, state, logs, streamMem string) ([]result, error) {
	src, dstCopy, dstStream := "copy-src", "copy-dst-copy", "copy-dst-stream"
	for _, b := range []string{src, dstCopy, dstStream} {
		if err := srv.createBucket(ctx, b); err != nil {
			return nil, err
		}
	}
	loc := func(name, bucket string) config.Location {
		return config.Location{Name: name, Type: config.TypeS3, S3: &config.S3{
			Bucket: bucket, Region: region, Endpoint: srv.Endpoint, PathStyle: true, CABundle: srv.CAFile,
			Auth: config.AuthKeys, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.Secret}}
	}
	cfg := filepath.Join(state, "stowage-copy", "config.yaml")
	f := &config.File{Version: config.CurrentVersion, Locations: []config.Location{
		loc("src", src), loc("dst-copy", dstCopy), loc("dst-stream", dstStream)}}
	if err := config.Save(cfg, f); err != nil {
		return nil, err
	}
	// Put the object in the source bucket (not measured).
	logf("copy: putting %s into %s", mib(big.Bytes), src)
	put := exportCommand(ctx, bin, cfg, big.Dir, 0, "")
	put.Args = []string{bin, "--config", cfg, "export", "src", big.Dir, "--json"}
	if out, err := put.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("put the big object into %s: %v\n%s", src, err, lastLines(out))
	}
	var out []result
	for _, engine := range []string{"stream", "copy"} {
		dst := map[string]string{"copy": dstCopy, "stream": dstStream}[engine]
		cmd := exportCommand(ctx, bin, cfg, "", 0, "")
		cmd.Args = []string{bin, "--config", cfg, "export", "dst-" + engine, "--from", "src", "--engine", engine, "--json"}
		if engine == "stream" && streamMem != "" {
			cmd.Args = append(cmd.Args, "--memory", streamMem)
		}
		syscallSync()
		logf("stowage: --engine %s of %s, load %.2f", engine, mib(big.Bytes), loadAvg())
		var bo binaryOutcome
		r, err := measure(ctx, srv, cmd, filepath.Join(logs, "copy-"+engine+".log"), func(rd io.Reader, start time.Time) {
			bo = readExportJSON(rd, start)
		})
		if err != nil {
			return out, err
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		r.Tool, r.Set, r.Files, r.Bytes = "stowage", "engine "+engine, big.Files, big.Bytes
		r.absorb(bo)
		n, size, err := srv.contents(ctx, dst)
		if err != nil {
			return out, err
		}
		if r.Err == "" && (n != big.Files || size != big.Bytes) {
			r.Err = fmt.Sprintf("bucket holds %d objects, %s; want %d, %s", n, mib(size), big.Files, mib(big.Bytes))
		}
		logf("stowage: --engine %s took %s (CPU %.1f s, client I/O %s)%s", engine, r.Wall.Round(time.Millisecond), r.CPU.Seconds(), mib(r.IOBytes), errSuffix(r.Err))
		out = append(out, r)
	}
	for _, b := range []string{src, dstCopy, dstStream} {
		if err := srv.empty(ctx, b); err != nil {
			return out, err
		}
	}
	return out, srv.purgeTrash()
}

func lastLines(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// syscallSync flushes earlier writes so the run does not pay for them.
func syscallSync() {
	syscall.Sync()
	time.Sleep(time.Second)
}
