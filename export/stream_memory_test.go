package export

import (
	"context"
	"fmt"
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
	if raceEnabled {
		t.Skip("bytes allocated are not meaningful under the race detector; the plain test run checks them")
	}
	const size = 64 << 20
	es := newEngineServers(t, map[string]int{"rec/2024/big.wav": size})
	from, dst := es.streamTo(t)
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

// TestPartBufsOwnAtMostTheBudget: the free list reuses buffers of finished
// requests, never owns more than its limit (idle ones are dropped to make
// room), keeps no buffer of a failed request nor one larger than the limit,
// and leaves small reads to the GC.
func TestPartBufsOwnAtMostTheBudget(t *testing.T) {
	const mib = 1 << 20
	p := newPartBufs(10 * mib)
	a, b := p.get(4*mib), p.get(4*mib)
	p.put(a, true)
	if c := p.get(3 * mib); &c[:1][0] != &a[:1][0] || len(c) != 3*mib {
		t.Fatalf("a 3 MiB read did not reuse the idle 4 MiB buffer")
	}
	if p.owned != 8*mib {
		t.Fatalf("owns %d MiB, want 8", p.owned/mib)
	}
	p.put(b, false) // failed: dropped
	if p.owned != 4*mib || len(p.idle) != 0 {
		t.Fatalf("a failed request's buffer was kept: owns %d MiB, %d idle", p.owned/mib, len(p.idle))
	}
	d := p.get(5 * mib)
	p.put(d, true)
	e := p.get(5 * mib) // reuses d
	p.put(e, true)
	f := p.get(1 * mib) // too small for d (over twice its size): a new one fits
	if p.owned != 10*mib {
		t.Fatalf("owns %d MiB, want 10", p.owned/mib)
	}
	p.put(f, true)
	g := p.get(6 * mib) // drops idle buffers until it fits the limit
	if p.owned > 10*mib {
		t.Fatalf("owns %d MiB, over the 10 MiB limit", p.owned/mib)
	}
	huge := p.get(20 * mib) // larger than the budget: let through, not kept
	p.put(huge, true)
	p.put(g, true)
	if p.owned > 10*mib {
		t.Fatalf("owns %d MiB after the oversized buffer came back, over the 10 MiB limit", p.owned/mib)
	}
	if small := p.get(1000); cap(small) != 1000 {
		t.Fatalf("a small read got a %d-byte buffer", cap(small))
	}
	for n, want := range map[int64]int64{6*mib + 1: 6*mib + mib/2, 6*mib + 44<<10: 6*mib + mib/2, 16 * mib: 16 * mib, 16*mib + 1: 18 * mib} {
		if got := sizeClass(n); got != want {
			t.Errorf("sizeClass(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestStreamReusesWholeObjectBuffers: objects below the multipart
// threshold (most recordings) are read whole, each into its own buffer;
// streaming 12 of about 6 MiB (72 MiB, sizes differing by a few KB) with
// a 13 MiB budget allocates about the budget too, not the bytes streamed.
func TestStreamReusesWholeObjectBuffers(t *testing.T) {
	if raceEnabled {
		t.Skip("bytes allocated are not meaningful under the race detector; the plain test run checks them")
	}
	objs := map[string]int{}
	var total int64
	for i := range 12 {
		objs[fmt.Sprintf("rec/2024/call-%02d.wav", i)] = 6<<20 + i*4096
		total += int64(6<<20 + i*4096)
	}
	es := newEngineServers(t, objs)
	from, dst := es.streamTo(t)
	e := newEnv(t)
	opts := e.opts()
	opts.Sources = nil
	opts.From = &from
	opts.Concurrency, opts.MemoryBudget = 4, 13<<20 // two objects in flight

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	sum, err := Run(context.Background(), dst, "customer", opts)
	runtime.ReadMemStats(&after)
	if err != nil || sum.Files != len(objs) || sum.Failed != 0 {
		t.Fatalf("%+v, %v", sum, err)
	}
	alloc := int64(after.TotalAlloc - before.TotalAlloc)
	t.Logf("streamed %d objects, %.1f MiB, with a %d MiB budget: %.1f MiB allocated", len(objs), float64(total)/(1<<20), opts.MemoryBudget>>20, float64(alloc)/(1<<20))
	if limit := opts.MemoryBudget + 16<<20; alloc > limit {
		t.Fatalf("the run allocated %d MiB for %d MiB of objects with a %d MiB budget; want at most %d MiB (object buffers reused)",
			alloc>>20, total>>20, opts.MemoryBudget>>20, limit>>20)
	}
	es.assertCopied(t)
}
