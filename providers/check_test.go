package providers

import (
	"regexp"
	"testing"
	"time"
)

func TestChecklist(t *testing.T) {
	var emitted []Check
	l := Checklist{Emit: func(c Check) { emitted = append(emitted, c) }}
	l.Run("a", "A", func(c *Check) {})
	l.Run("b", "B", func(c *Check) { c.Status = StatusFail; c.Hint = "fix b" })
	l.Skip("c", "C", "not granted")
	wantStatus := []Status{StatusRunning, StatusPass, StatusRunning, StatusFail, StatusRunning, StatusSkipped}
	if len(emitted) != len(wantStatus) {
		t.Fatalf("emitted %d checks, want %d", len(emitted), len(wantStatus))
	}
	for i, s := range wantStatus {
		if emitted[i].Status != s {
			t.Errorf("emit %d: status %s, want %s", i, emitted[i].Status, s)
		}
	}
	if len(l.Report.Checks) != 3 || l.Report.OK() || l.Report.Checks[2].Detail != "not granted" {
		t.Fatalf("report %+v", l.Report)
	}
}

func TestTestObjectKey(t *testing.T) {
	at := time.Date(2026, 11, 23, 15, 4, 5, 0, time.FixedZone("x", 3600))
	k := TestObjectKey(at)
	if !regexp.MustCompile(`^\.stowage/connection-test-20261123T140405Z-[0-9a-f]{6}\.txt$`).MatchString(k) {
		t.Fatalf("TestObjectKey = %q", k)
	}
	if TestObjectKey(at) == k {
		t.Fatal("two test keys at the same second are equal")
	}
}
