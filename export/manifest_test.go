package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestManifestOnFullDisk writes the JSON Lines manifest to /dev/full, where
// every write fails with ENOSPC: the run still exports every file, but the
// summary, its warnings and Run's error say the manifest is not whole.
func TestManifestOnFullDisk(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full on this system: %v", err)
	}
	full.Close()
	orig := createFile
	t.Cleanup(func() { createFile = orig })
	createFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		if strings.HasSuffix(name, ".jsonl") {
			return os.OpenFile("/dev/full", os.O_WRONLY, 0)
		}
		return orig(name, flag, perm)
	}
	e := newEnv(t)
	for i := 0; i < 60; i++ {
		e.write(t, fmt.Sprintf("calls/call-%03d.wav", i), []byte(strings.Repeat("a", 100+i)))
	}
	o := e.opts()
	var mu sync.Mutex
	var warned []string
	o.Events = func(ev Event) {
		if w, ok := ev.(Warning); ok {
			mu.Lock()
			warned = append(warned, w.Err.Error())
			mu.Unlock()
		}
	}
	sum, err := Run(context.Background(), e.p, "full", o)
	if sum.Files != 60 {
		t.Fatalf("summary %+v, want 60 files exported", sum)
	}
	if err == nil || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), sum.ManifestJSONL) {
		t.Errorf("Run = %v; want an error naming the manifest and ENOSPC", err)
	}
	if sum.ManifestError == "" || !strings.Contains(sum.String(), "manifest was NOT written whole") {
		t.Errorf("summary %q (ManifestError %q) does not say the manifest is not whole", sum, sum.ManifestError)
	}
	if len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "manifest not written whole") {
		t.Errorf("warnings %q, want one about the manifest", sum.Warnings)
	}
	t.Logf("warning events: %q", warned)
}
