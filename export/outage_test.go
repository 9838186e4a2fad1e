package export

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
)

// openS3At opens an S3 location at endpoint with the given CA bundle.
func openS3At(t *testing.T, endpoint, caFile string) providers.Provider {
	t.Helper()
	p, err := providers.Open(context.Background(), config.Location{Name: "gone", Type: config.TypeS3, S3: &config.S3{
		Bucket: "recordings", Region: "us-east-1", Endpoint: endpoint, PathStyle: true, CABundle: caFile,
		Auth: config.AuthKeys, AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}},
		providers.Options{Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestStoreGoneStopsTheRun exports 30 files to an endpoint where nothing
// listens, with the default retry settings: the run stops as one location
// error naming the endpoint and the cause once OutageTimeout passed with
// no request succeeding, instead of failing each file after all its
// retries (minutes). The requests in flight are cancelled then (the run
// took 4.0–5.2 s, waiting out the SDK's backoff; about 2 s since).
func TestStoreGoneStopsTheRun(t *testing.T) {
	// 2 s, 4 in flight: the outage is called while the files' requests are
	// inside the SDK's retries; 5 s, every file in flight (the default 32):
	// also while some wait for the engine's own retry.
	for _, c := range []struct {
		timeout     time.Duration
		concurrency int
	}{{2 * time.Second, 4}, {5 * time.Second, 0}} {
		t.Run(c.timeout.String(), func(t *testing.T) { storeGoneStopsTheRun(t, c.timeout, c.concurrency) })
	}
}

func storeGoneStopsTheRun(t *testing.T, timeout time.Duration, concurrency int) {
	addr := closedPort(t)
	caFile, err := testenv.WriteCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	for i := 0; i < 30; i++ {
		e.write(t, filepathf("call-%02d.wav", i), []byte(strings.Repeat("x", 100+i)))
	}
	o := e.opts()
	o.Concurrency = concurrency
	o.BaseBackoff, o.MaxBackoff = 0, 0 // the defaults
	o.OutageTimeout = timeout
	start := time.Now()
	sum, err := Run(context.Background(), openS3At(t, "https://"+addr, caFile), "gone", o)
	took := time.Since(start)
	t.Logf("%s: %v (%s)", took.Round(time.Millisecond), err, sum)
	if !errors.Is(err, ErrLocationUnusable) {
		t.Fatalf("Run against a closed port: %v; want ErrLocationUnusable", err)
	}
	for _, want := range []string{addr, "connection refused", "stowage test gone"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if took > timeout+8*time.Second {
		t.Errorf("the run took %s to stop; want about OutageTimeout (%s)", took, timeout)
	}
	if sum.Files != 0 || (concurrency > 0 && sum.NotStarted == 0) {
		t.Errorf("summary %+v: want files left not started for the next run", sum)
	}
	// The files whose requests were in flight, or waiting to be retried,
	// are interrupted, like a stop's: nothing is wrong with them, and the
	// next run sends them.
	if sum.Failed != 0 || sum.Interrupted == 0 {
		t.Errorf("summary %+v: want the files in flight interrupted, none failed", sum)
	}
}

// TestUntrustedStoreStopsAtOnce points the location at MinIO without its
// CA: no retry can help, so the run stops after a few files rather than
// failing all of them one by one.
func TestUntrustedStoreStopsAtOnce(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	caFile, err := testenv.WriteCerts(t.TempDir()) // another CA
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	for i := 0; i < 30; i++ {
		e.write(t, filepathf("call-%02d.wav", i), []byte("x"))
	}
	o := e.opts()
	o.Concurrency = 2
	sum, err := Run(context.Background(), openS3At(t, m.Endpoint, caFile), "gone", o)
	if !errors.Is(err, ErrLocationUnusable) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Run against an untrusted certificate: %v; want ErrLocationUnusable naming the certificate", err)
	}
	if sum.Failed > 4 || sum.NotStarted == 0 {
		t.Errorf("summary %+v: want at most a few files failed and the rest left for the next run", sum)
	}
}

func filepathf(format string, a ...any) string { return filepath.FromSlash(fmt.Sprintf(format, a...)) }
