package export

import (
	"context"
	"runtime"
	"testing"
)

// TestStreamAllocatesAboutTheBudget: streaming a 64 MiB object in 5 MiB
// parts between two MinIO buckets (TLS) with a 10 MiB budget allocates
// about the budget in part buffers, not the object's size: the buffers of
// finished parts are reused, so the garbage the GC lets pile up (and the
// process's peak RSS) does not grow with the bytes streamed. The measure
// is the bytes the whole test process allocated during the run (every
// goroutine, SDK and TLS included), which load does not change.
func TestStreamAllocatesAboutTheBudget(t *testing.T) {
	const size = 64 << 20
	es := newEngineServers(t, map[string]int{"rec/2024/big.wav": size})
	from := es.source(t)
	from.Prefix = "2024/"
	from.Engine = EngineStream
	dst, _ := es.customer(t, false)
	e := newEnv(t)
	opts := e.opts()
	opts.Sources = nil
	opts.From = &from
	opts.Concurrency, opts.PartSize, opts.MultipartThreshold, opts.MemoryBudget = 4, 5<<20, 5<<20, 10<<20

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sum, err := Run(context.Background(), dst, "customer", opts)
	runtime.ReadMemStats(&after)
	if err != nil || sum.Files != 1 || sum.Failed != 0 {
		t.Fatalf("%+v, %v", sum, err)
	}
	alloc := int64(after.TotalAlloc - before.TotalAlloc)
	t.Logf("streamed %d MiB with a %d MiB budget: %.1f MiB allocated, %d mallocs", size>>20, opts.MemoryBudget>>20, float64(alloc)/(1<<20), after.Mallocs-before.Mallocs)
	// The budget in part buffers plus the SDKs' and TLS's own buffers;
	// a fresh buffer per part allocates at least the object's size.
	if limit := opts.MemoryBudget + 16<<20; alloc > limit {
		t.Fatalf("the run allocated %d MiB for a %d MiB object with a %d MiB budget; want at most %d MiB (part buffers reused)",
			alloc>>20, size>>20, opts.MemoryBudget>>20, limit>>20)
	}
	es.assertCopied(t)
}

// TestStreamDefaultMemoryBudget: the stream engine holds its parts in
// memory, so its default budget is min(Concurrency × PartSize, 256 MiB)
// and at least one part; folders and the copy engine keep Concurrency ×
// PartSize (they hold no object bytes), and --memory overrides it.
func TestStreamDefaultMemoryBudget(t *testing.T) {
	src := openLocal(t, t.TempDir())
	for _, tc := range []struct {
		engine               string
		conc                 int
		part, memory, budget int64
	}{
		{EngineStream, 0, 0, 0, DefaultStreamMemory},
		{EngineStream, 4, 0, 0, 4 * DefaultPartSize},
		{EngineStream, 2, 512 << 20, 0, 512 << 20},
		{EngineStream, 0, 0, 1 << 30, 1 << 30},
		{EngineCopy, 0, 0, 0, DefaultConcurrency * copyPartSize},
		{"", 0, 0, 0, DefaultConcurrency * DefaultPartSize},
	} {
		opts := Options{DryRun: true, Concurrency: tc.conc, PartSize: tc.part, MemoryBudget: tc.memory}
		if tc.engine == "" {
			opts.Sources = []string{t.TempDir()}
		} else {
			opts.From = &FromLocation{Name: "platform", Provider: src, Engine: tc.engine}
		}
		s, err := prepare(opts, false)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if s.MemoryBudget != tc.budget {
			t.Errorf("engine %q, concurrency %d, part size %d, --memory %d: budget %d MiB, want %d MiB",
				tc.engine, tc.conc, tc.part, tc.memory, s.MemoryBudget>>20, tc.budget>>20)
		}
	}
}
