package exporte2e

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
)

// TestEveryRetryIsReported throttles and resets requests through the proxy
// and checks that each injected fault is one Retry event and one count in
// the summary, whether the AWS SDK retried it inside the call (one fault)
// or the engine did after the SDK gave up (four faults in a row).
func TestEveryRetryIsReported(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("retries")
	m.CreateBucket(t, bucket)
	px := startProxy(t, m, bucket)
	px.setPlan(func(c call) rule {
		if !c.isPutObject() {
			return rule{}
		}
		switch {
		case strings.HasSuffix(c.Key, "00.wav"):
			return rule{slowDown, 4} // more than the SDK's three attempts
		case strings.HasSuffix(c.Key, "1.wav"), strings.HasSuffix(c.Key, "4.wav"):
			return rule{slowDown, 1}
		case strings.HasSuffix(c.Key, "2.wav"):
			return rule{resetRequest, 1}
		case strings.HasSuffix(c.Key, "3.wav"):
			return rule{tooMany, 1}
		}
		return rule{}
	})
	tr := newTree(t, 20, nil)
	loc := s3Location("retries", bucket, px.URL, px.CAFile, m.SigningRegion(), m.RootUser, m.RootPassword)
	var log retryLog
	opts := export.Options{
		Sources:     []string{tr.dir},
		JournalPath: filepath.Join(t.TempDir(), "journals", "retries.db"),
		Concurrency: 4, BaseBackoff: 20 * time.Millisecond, MaxBackoff: 2 * time.Second,
		Events: log.event,
	}
	sum, err := export.Run(context.Background(), openThrough(t, loc, 4), loc.Name, opts)
	if err != nil || sum.Files != len(tr.files) {
		t.Fatalf("Run: %v (summary %+v, failures %v)", err, sum, log.failed)
	}
	throttles := int(px.injected[slowDown].Load() + px.injected[tooMany].Load())
	resets := int(px.injected[resetRequest].Load())
	if throttles < 4 || resets == 0 {
		t.Fatalf("the proxy injected %d throttles and %d resets; the tree lacks the keys the plan faults", throttles, resets)
	}
	var internal, engine, throttled, network int
	for _, r := range log.retries {
		if r.Internal {
			internal++
		} else {
			engine++
		}
		switch {
		case errors.Is(r.Err, providers.ErrThrottled):
			throttled++
		case errors.Is(r.Err, providers.ErrNetwork):
			network++
		}
	}
	t.Logf("%s; %d faults injected, %d retry events (%d by the SDK, %d by the engine)", sum, throttles+resets, len(log.retries), internal, engine)
	if len(log.retries) != throttles+resets || throttled != throttles || network != resets {
		t.Errorf("%d retry events (%d after throttling, %d after resets) for %d throttles and %d resets injected; want one per fault: %v",
			len(log.retries), throttled, network, throttles, resets, log.retries)
	}
	if internal == 0 || engine == 0 {
		t.Errorf("%d retries reported from inside the SDK, %d by the engine; want both", internal, engine)
	}
	if sum.Retries != throttles+resets || sum.RetryReasons["throttled"] != throttles || sum.RetryReasons["network error"] != resets {
		t.Errorf("summary counts %d retries %v; want %d (%d throttled, %d network error)", sum.Retries, sum.RetryReasons, throttles+resets, throttles, resets)
	}
}
