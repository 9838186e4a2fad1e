package exporte2e

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/providers"
)

// azureOpts are export options for the Azure fault tests: 1 MiB blocks
// above 1 MiB, so a few MiB make several blocks, and short backoffs.
func azureOpts(t *testing.T, dir string, log *retryLog) export.Options {
	return export.Options{
		Sources:     []string{dir},
		JournalPath: filepath.Join(t.TempDir(), "journals", "azure.db"),
		Concurrency: 8, PartSize: 1 << 20, MultipartThreshold: 1 << 20,
		BaseBackoff: 20 * time.Millisecond, MaxBackoff: 500 * time.Millisecond,
		Events: log.event,
	}
}

// TestAzureThroughFaultyNetwork exports small blobs (Put Blob) and block
// uploads (Put Block, Put Block List) to Azurite through the fault proxy
// with the seeded plan: throttling with Retry-After, resets mid-request
// and mid-response. The container ends up holding every file once, byte
// for byte, with no uncommitted blocks left, and the SAS signatures pass
// the proxy unchanged.
func TestAzureThroughFaultyNetwork(t *testing.T) {
	f := newAzureFixture(t, "azfaults")
	f.px.setPlan(seededPlan(20261206))
	tr := newTree(t, 60, []int{3<<20 + 11, 2<<20 + 5})
	loc := f.location(t, "azfaulty", "cwlr")
	var log retryLog
	opts := azureOpts(t, tr.dir, &log)
	sum, err := export.Run(context.Background(), openThrough(t, loc, opts.Concurrency), loc.Name, opts)
	t.Logf("%s; faults injected: %d 503, %d 429, %d reset mid-request, %d reset mid-response",
		sum, f.px.injected[slowDown].Load(), f.px.injected[tooMany].Load(), f.px.injected[resetRequest].Load(), f.px.injected[resetResponse].Load())
	if err != nil || sum.Files != len(tr.files) || sum.Failed != 0 {
		t.Fatalf("Run through the faulty proxy: %v (summary %+v, failures %v)", err, sum, log.failed)
	}
	for fl := slowDown; fl <= resetResponse; fl++ {
		if fl != denied && f.px.injected[fl].Load() == 0 {
			t.Errorf("the proxy never injected %s; the test would prove nothing about it", fl)
		}
	}
	var blocks, lists int
	for _, c := range f.px.takeCalls() {
		switch {
		case c.isPutBlock():
			blocks++
		case c.isPutBlockList():
			lists++
		}
	}
	if blocks == 0 || lists == 0 {
		t.Fatalf("%d Put Block and %d Put Block List requests went through the proxy; want block uploads", blocks, lists)
	}
	f.assertContainerHolds(t, tr.files)
	if left := f.uncommitted(t, names(tr.files)); len(left) != 0 {
		t.Fatalf("uncommitted blocks left behind: %v", left)
	}
	// Each injected fault is one retry, by the Azure SDK inside the call or
	// by the engine after it gave up, and each is an event and a count.
	throttles := int(f.px.injected[slowDown].Load() + f.px.injected[tooMany].Load())
	resets := int(f.px.injected[resetRequest].Load() + f.px.injected[resetResponse].Load())
	var internal, throttled, network int
	for _, r := range log.retries {
		if r.Internal {
			internal++
		}
		switch {
		case errors.Is(r.Err, providers.ErrThrottled):
			throttled++
		case errors.Is(r.Err, providers.ErrNetwork):
			network++
		}
	}
	t.Logf("%d retry events, %d of them inside the Azure SDK", len(log.retries), internal)
	if len(log.retries) != throttles+resets || throttled != throttles || network != resets || internal == 0 {
		t.Errorf("%d retry events (%d throttled, %d network, %d inside the SDK) for %d throttles and %d resets injected; want one per fault, the Azure SDK's own included: %v",
			len(log.retries), throttled, network, internal, throttles, resets, log.retries)
	}
	if sum.Retries != throttles+resets || sum.RetryReasons["throttled"] != throttles || sum.RetryReasons["network error"] != resets {
		t.Errorf("summary counts %d retries %v; want %d (%d throttled, %d network error)", sum.Retries, sum.RetryReasons, throttles+resets, throttles, resets)
	}
}

// TestAzureAnswerCutAfterStatusLine cuts the answers to Put Block, Put
// Block List and one Put Blob right after the service's status line, three
// times each (more than the Azure SDK's own attempts), after Azurite acted
// on the request. (Their answers have no body, so cutting after the headers
// would cut nothing.) Every one is retried; a cut Put Block
// List answer is confirmed (the blob is whole), not reported failed; and a
// rerun sends nothing.
func TestAzureAnswerCutAfterStatusLine(t *testing.T) {
	f := newAzureFixture(t, "azcut")
	f.px.setPlan(func(c call) rule {
		switch {
		case c.isPutBlock() && c.Part == 2, c.isPutBlockList(),
			c.isPutObject() && strings.HasSuffix(c.Key, "001.wav"):
			return rule{resetResponse, 3}
		}
		return rule{}
	})
	tr := newTree(t, 3, []int{3<<20 + 1, 2<<20 + 7})
	loc := f.location(t, "azcut", "")
	var log retryLog
	opts := azureOpts(t, tr.dir, &log)
	p := openThrough(t, loc, opts.Concurrency)
	sum, err := export.Run(context.Background(), p, loc.Name, opts)
	if got := f.px.injected[resetResponse].Load(); got != 15 {
		t.Fatalf("the proxy cut %d answers, want 15 (3 for each of two Put Block, two Put Block List and one Put Blob)", got)
	}
	if err != nil || sum.Files != len(tr.files) || sum.Failed != 0 {
		t.Fatalf("Run with answers cut after the status line: err %v, summary %+v, failures %v", err, sum, log.failed)
	}
	f.assertContainerHolds(t, tr.files)
	if left := f.uncommitted(t, names(tr.files)); len(left) != 0 {
		t.Fatalf("uncommitted blocks left behind: %v", left)
	}
	var engine int
	for _, r := range log.retries {
		if !r.Internal {
			engine++
		}
	}
	if engine == 0 {
		t.Errorf("no engine retries; three cut answers in a row outlast the SDK's attempts (retries: %v)", log.retries)
	}

	f.px.takeCalls()
	f.px.setPlan(nil)
	sum, err = export.Run(context.Background(), p, loc.Name, opts)
	var sent int
	for _, c := range f.px.takeCalls() {
		if c.isPutBlock() || c.isPutObject() || c.isPutBlockList() {
			sent++
		}
	}
	if err != nil || sum.Skipped != len(tr.files) || sent != 0 {
		t.Errorf("rerun: err %v, summary %+v, %d upload requests; want every file skipped and nothing sent", err, sum, sent)
	}
}

// TestAzureStoreGone takes the store away mid-run (the proxy stops
// listening and resets its connections) and keeps it away: the run stops
// within seconds as one location error naming the endpoint, the cause and
// what to run, leaving the rest for the next run. A rerun once it is back
// finishes the job.
func TestAzureStoreGone(t *testing.T) {
	f := newAzureFixture(t, "azgone")
	tr := newTree(t, 80, nil)
	loc := f.location(t, "azgone", "")
	var log retryLog
	opts := azureOpts(t, tr.dir, &log)
	opts.Concurrency = 4
	opts.BaseBackoff, opts.MaxBackoff = 0, 0 // the defaults
	opts.OutageTimeout = 2 * time.Second
	f.px.setDelay("", 20*time.Millisecond)
	var downAt atomic.Int64
	var done atomic.Int64
	events := opts.Events
	opts.Events = func(ev export.Event) {
		events(ev)
		if _, ok := ev.(export.FileDone); ok && done.Add(1) == 10 {
			downAt.Store(time.Now().UnixNano())
			f.px.goDown()
		}
	}
	sum, err := export.Run(context.Background(), openThrough(t, loc, opts.Concurrency), loc.Name, opts)
	took := time.Since(time.Unix(0, downAt.Load()))
	t.Logf("stopped %s after the store went away: %v (%s)", took.Round(time.Millisecond), err, sum)
	if downAt.Load() == 0 {
		t.Fatal("the run ended before the store could be taken away")
	}
	if !errors.Is(err, export.ErrLocationUnusable) {
		t.Fatalf("Run with the store gone: %v; want ErrLocationUnusable", err)
	}
	for _, want := range []string{strings.TrimPrefix(f.px.URL, "http://"), "connection refused", "stowage test azgone"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if took > 10*time.Second {
		t.Errorf("the run took %s to stop after the store went away; want about OutageTimeout (2s) plus one SDK call", took)
	}
	if sum.NotStarted == 0 || sum.Failed > opts.Concurrency {
		t.Errorf("summary %+v: want at most the files in flight failed and the rest left for the next run", sum)
	}

	f.px.comeBack(t)
	f.px.setDelay("", 0)
	opts.OutageTimeout = 0
	rerun := time.Now()
	defer func() { t.Logf("rerun took %s", time.Since(rerun).Round(time.Millisecond)) }()
	sum, err = export.Run(context.Background(), openThrough(t, loc, opts.Concurrency), loc.Name, opts)
	if err != nil || sum.Failed != 0 {
		t.Fatalf("rerun with the store back: %v (%+v)", err, sum)
	}
	f.assertContainerHolds(t, tr.files)
}

// TestAzureStoreBackWithinWindow takes the store away for 5 s, less than
// the default outage window: the run rides it out and exports everything.
func TestAzureStoreBackWithinWindow(t *testing.T) {
	f := newAzureFixture(t, "azback")
	tr := newTree(t, 60, []int{3<<20 + 3})
	loc := f.location(t, "azback", "")
	var log retryLog
	opts := azureOpts(t, tr.dir, &log)
	opts.Concurrency = 4
	opts.BaseBackoff, opts.MaxBackoff = 0, 0 // the defaults
	f.px.setDelay("", 30*time.Millisecond)
	var done atomic.Int64
	back := make(chan struct{})
	var wentDown atomic.Bool
	events := opts.Events
	opts.Events = func(ev export.Event) {
		events(ev)
		if _, ok := ev.(export.FileDone); ok && done.Add(1) == 10 {
			wentDown.Store(true)
			f.px.goDown()
			go func() {
				time.Sleep(5 * time.Second)
				f.px.comeBack(t)
				close(back)
			}()
		}
	}
	start := time.Now()
	sum, err := export.Run(context.Background(), openThrough(t, loc, opts.Concurrency), loc.Name, opts)
	t.Logf("%s in %s: %v; %d retries %v", sum, time.Since(start).Round(time.Millisecond), err, sum.Retries, sum.RetryReasons)
	if !wentDown.Load() {
		t.Fatal("the run ended before the store could be taken away")
	}
	<-back
	if err != nil || sum.Files != len(tr.files) || sum.Failed != 0 {
		t.Fatalf("Run across a 5 s outage: %v (summary %+v, failures %v)", err, sum, log.failed)
	}
	if sum.RetryReasons[providers.ErrNetwork.Error()] == 0 {
		t.Errorf("summary counts no network-error retries (%v) across an outage", sum.RetryReasons)
	}
	f.assertContainerHolds(t, tr.files)
}
