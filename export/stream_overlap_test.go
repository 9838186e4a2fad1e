package export

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStreamUploadsWhileReading: the stream engine does not read a whole
// budget of parts before it sends the first one. Were every part the
// budget admits read at once, the reads would share the client's link
// down, end together, and go up together while the full budget held back
// the next reads: the link's two directions would take turns (issue 12).
// With half the budget for reads, the first part goes up while later
// ones are still coming down.
//
// A 40 MiB object in 8 parts of 5 MiB, a budget of 4 parts, 8 requests
// in flight, both locations behind a proxy in front of MinIO (TLS). The
// proxy holds every ranged GET of the source until the first UploadPart
// begins, letting through only one: the oldest, once the budget's 4 reads
// are waiting, or (when the engine reads fewer at once) once no new read
// has come for a while. It records how many reads had begun when the
// first UploadPart began: an engine that fills the budget with reads has
// begun 4; one that keeps half of it for uploads at most 3 (two, and the
// one that took the first's place), whatever the timing, since the others
// stay held until that upload begins. The quiet period only decides when
// the proxy gives up waiting for a fourth read; it cannot make the fixed
// engine fail.
func TestStreamUploadsWhileReading(t *testing.T) {
	const (
		part        = 5 << 20
		budgetParts = 4
		quiet       = 2 * time.Second
	)
	es, px := proxiedEngineServers(t, map[string]int{"rec/2024/big.wav": 8 * part})
	from, dst := es.streamTo(t)

	var (
		mu                 sync.Mutex
		begun              int  // ranged reads of the source that reached the proxy
		uploading          bool // an UploadPart has begun
		readsAtFirstUpload int
		letThrough         bool // the one read let through before the first upload
		held               []chan struct{}
		gen                int // counts reads, so a quiet timer knows it is stale
	)
	releaseOldest := func() { // with mu held
		if letThrough || len(held) == 0 {
			return
		}
		letThrough = true
		close(held[0])
		held = held[1:]
	}
	px.setBefore(func(r *http.Request) (int, string) {
		isRead := r.Method == http.MethodGet && r.Header.Get("Range") != "" && strings.Contains(r.URL.Path, "/"+es.srcBucket+"/")
		isUpload := r.Method == http.MethodPut && r.URL.Query().Has("partNumber") && r.URL.Query().Has("uploadId")
		mu.Lock()
		switch {
		case isUpload && !uploading:
			uploading = true
			readsAtFirstUpload = begun
			for _, ch := range held {
				close(ch)
			}
			held = nil
		case isRead:
			begun++
			if uploading {
				break
			}
			ch := make(chan struct{})
			held = append(held, ch)
			gen++
			if len(held) >= budgetParts {
				releaseOldest()
			} else {
				g := gen
				time.AfterFunc(quiet, func() {
					mu.Lock()
					defer mu.Unlock()
					if g == gen && !uploading {
						releaseOldest()
					}
				})
			}
			mu.Unlock()
			select {
			case <-ch:
			case <-r.Context().Done():
			}
			return 0, ""
		}
		mu.Unlock()
		return 0, ""
	})

	e := newEnv(t)
	opts := e.opts()
	opts.Sources = nil
	opts.From = &from
	opts.Concurrency, opts.PartSize, opts.MultipartThreshold, opts.MemoryBudget = 2*budgetParts, part, part, budgetParts*part
	var evs events
	opts.Events = evs.add
	sum, err := Run(context.Background(), dst, "customer", opts)
	if err != nil || sum.Files != 1 || sum.Failed != 0 {
		t.Fatalf("%+v, %v; failures %v", sum, err, failedWith(t, evs.list()))
	}
	es.assertCopied(t)

	mu.Lock()
	defer mu.Unlock()
	if !uploading {
		t.Fatal("no UploadPart passed the proxy")
	}
	t.Logf("%d ranged reads had begun when the first UploadPart began (budget: %d parts, %d reads in all)", readsAtFirstUpload, budgetParts, begun)
	if readsAtFirstUpload >= budgetParts {
		t.Fatalf("the first UploadPart began after %d reads of the source had begun, the budget's %d parts: reads fill the budget, so the link's directions take turns instead of overlapping",
			readsAtFirstUpload, budgetParts)
	}
}
