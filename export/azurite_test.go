package export

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
	_ "github.com/stowage-dev/stowage/providers/azure"
)

// TestAzuriteExport exports to a real Azurite container: small blobs, a
// block-list upload resumed after a crash, and a rerun that sends nothing.
func TestAzuriteExport(t *testing.T) {
	az := testenv.SharedAzurite(t)
	container := testenv.UniqueName("export")
	az.CreateContainer(t, container)
	loc := config.Location{Name: "azurite", Type: config.TypeAzure,
		Azure: &config.Azure{Container: container, ConnectionString: az.ConnectionString, Prefix: "calls/", ReadBack: true}}
	pv, err := providers.Open(context.Background(), loc, providers.Options{Concurrency: 8})
	if err != nil {
		t.Fatal(err)
	}
	fp, ok := pv.(fullProvider)
	if !ok {
		t.Fatalf("Azure provider %T lacks Multipart or Stater", pv)
	}
	e := newEnv(t)
	e.p = fp
	want := minioTree(t, e, 12, 7000, 0)
	want["big.mp4"] = content("azbig", 6<<20+99)
	e.write(t, "big.mp4", want["big.mp4"])

	o := e.opts()
	o.Concurrency = 1
	o.PartSize, o.MultipartThreshold = 1<<20, 1<<20
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var parts atomic.Int64
	crash := &recorder{fullProvider: fp, before: func(op, key string, n int, _ providers.Body) error {
		if op == "part" && parts.Add(1) == 4 {
			cancel()
			return context.Canceled
		}
		return nil
	}}
	if _, err := Run(ctx, crash, "azurite", o); !errors.Is(err, context.Canceled) {
		t.Fatalf("crashed run: %v", err)
	}
	o.Concurrency = 8
	rec := &recorder{fullProvider: fp}
	sum, err := Run(context.Background(), rec, "azurite", o)
	if err != nil {
		t.Fatalf("resumed run: %v (summary %+v)", err, sum)
	}
	got := rec.partNumbers()
	if rec.creates != 0 || len(got) == 0 || got[0] != 4 || got[len(got)-1] != 4+len(got)-1 {
		t.Fatalf("resumed run: %d creates, parts %v; want the upload resumed from part 4", rec.creates, got)
	}
	for rel, data := range want {
		mustEqualBytes(t, rel, getAll(t, fp, rel), data)
	}
	rec = &recorder{fullProvider: fp}
	sum, err = Run(context.Background(), rec, "azurite", o)
	if err != nil || rec.putCount() != 0 || sum.Skipped != len(want) {
		t.Fatalf("rerun: %v, %d puts, %+v", err, rec.putCount(), sum)
	}
}
