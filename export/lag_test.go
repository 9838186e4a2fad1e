package export

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestDurableLag exports 400 small files with 32 workers and checks the
// gap from the store's answer to the committed done record stays short
// (issue 11 §6: 0.15-0.61 s at the median and 2.5 s at most were seen).
// The bound is loose for a loaded CI machine; the numbers are logged.
func TestDurableLag(t *testing.T) {
	e := newEnv(t)
	for i := range 400 {
		e.write(t, fmt.Sprintf("d%02d/f%03d.wav", i%20, i), content(fmt.Sprint(i), 2000))
	}
	o := e.opts()
	o.Concurrency = 32
	sum, err := Run(context.Background(), e.p, "t", o)
	if err != nil || sum.Files != 400 {
		t.Fatalf("Run: %v, %+v", err, sum)
	}
	t.Logf("%d files in %s: store answer → durable done record p50 %s, max %s", sum.Files, sum.Elapsed.Round(time.Millisecond), sum.DurableLagP50, sum.DurableLagMax)
	if sum.DurableLagP50 <= 0 || sum.DurableLagMax < sum.DurableLagP50 {
		t.Fatalf("lag p50 %s, max %s; not measured", sum.DurableLagP50, sum.DurableLagMax)
	}
	// The plain run holds the bound; the race detector slows every
	// goroutine 2-20x (4 of 20 -race runs under load had medians of
	// 101-171 ms), so under it the bound only catches the old defect's
	// scale (issue 11 §6: 0.15-0.61 s medians without the detector).
	limit := 100 * time.Millisecond
	if raceEnabled {
		limit = 500 * time.Millisecond
	}
	if sum.DurableLagP50 > limit {
		t.Errorf("median gap %s, want under %s", sum.DurableLagP50, limit)
	}
}
