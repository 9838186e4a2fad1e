package providers

import "time"

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
