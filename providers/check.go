package providers

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Status of one connection check.
type Status string

const (
	StatusRunning Status = "running"
	StatusPass    Status = "pass"
	StatusWarn    Status = "warn"
	StatusFail    Status = "fail"
	StatusSkipped Status = "skipped"
)

// Check is one step of a connection test.
type Check struct {
	// ID is stable across runs ("endpoint", "credentials", "region",
	// "list", "put", "get", "block-public-access", ...).
	ID string `json:"id"`
	// Title is what the checklist shows ("Bucket region").
	Title  string `json:"title"`
	Status Status `json:"status"`
	// Detail says what was found ("eu-west-1", "wrote .stowage/...").
	Detail   string        `json:"detail,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	// Code is the API error code, when the store returned one.
	Code string `json:"code,omitempty"`
	// Hint tells the user what to do; for a missing permission it names the
	// action and quotes the statement to add.
	Hint string `json:"hint,omitempty"`
	// Field names the location setting behind a failure ("region",
	// "role_arn", "bucket", ...), so the wizard can jump to it.
	Field string `json:"field,omitempty"`
	// Fix is a value that fixes the failure in one key, e.g. the detected
	// region; empty when there is none.
	Fix string `json:"fix,omitempty"`
	// Advisory checks never fail the test.
	Advisory bool `json:"advisory,omitempty"`
}

// Report is the outcome of a whole connection test.
type Report struct {
	Location string    `json:"location"`
	Started  time.Time `json:"started"`
	Checks   []Check   `json:"checks"`
}

// OK reports whether no check failed (warnings allowed).
func (r Report) OK() bool {
	for _, c := range r.Checks {
		if c.Status == StatusFail && !c.Advisory {
			return false
		}
	}
	return true
}

// Checklist runs connection checks in order: it emits each as it starts
// and as it ends, times it, and collects the report.
type Checklist struct {
	Emit   func(Check)
	Report Report
}

// Run runs one check; fn fills in c. A check fn leaves running passes.
func (l *Checklist) Run(id, title string, fn func(c *Check)) Check {
	c := Check{ID: id, Title: title, Status: StatusRunning}
	if l.Emit != nil {
		l.Emit(c)
	}
	start := time.Now()
	fn(&c)
	c.Duration = time.Since(start)
	if c.Status == StatusRunning {
		c.Status = StatusPass
	}
	if l.Emit != nil {
		l.Emit(c)
	}
	l.Report.Checks = append(l.Report.Checks, c)
	return c
}

// Skip records a check that was not run, and why.
func (l *Checklist) Skip(id, title, why string) {
	l.Run(id, title, func(c *Check) {
		c.Status = StatusSkipped
		c.Detail = why
	})
}

// TestObjectKey is the key (relative to the location's prefix) of the
// object a connection test writes at time t; every location type uses it,
// so support can find the test objects the same way everywhere.
func TestObjectKey(t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return ".stowage/connection-test-" + t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:]) + ".txt"
}
