package serve

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/stowage-dev/stowage/wizard"
)

// Event is one line of the audit log. It never holds a secret, an onboarding
// code or a full identifier: account IDs, access key IDs and external IDs
// are not recorded, and free text goes through scrub first.
type Event struct {
	Time     time.Time `json:"time"`
	Event    string    `json:"event"`
	Session  string    `json:"session,omitempty"`
	Tenant   string    `json:"tenant,omitempty"`
	Remote   string    `json:"remote,omitempty"`
	Auth     string    `json:"auth,omitempty"`
	Code     string    `json:"code_ref,omitempty"`
	Location string    `json:"location,omitempty"`
	Type     string    `json:"type,omitempty"`
	OK       *bool     `json:"ok,omitempty"`
	Summary  string    `json:"summary,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Seconds  *float64  `json:"seconds,omitempty"`
	Screen   *bool     `json:"screen_share,omitempty"`
}

// Audit events.
const (
	evAuthFailed      = "auth_failed"
	evSessionStart    = "session_start"
	evSessionRefused  = "session_refused"
	evSessionEnd      = "session_end"
	evLocationAdded   = "location_added"
	evLocationChanged = "location_changed"
	evLocationDeleted = "location_deleted"
	evTest            = "test"
)

type auditLog struct {
	mu     sync.Mutex
	f      *os.File
	now    func() time.Time
	closed bool
}

func openAudit(path string, now func() time.Time) (*auditLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &auditLog{f: f, now: now}, nil
}

// write appends e as one line; a failed write goes to the caller's log.
func (a *auditLog) write(e Event) error {
	e.Time = a.now().UTC()
	e.Summary = scrub(e.Summary)
	e.Reason = scrub(e.Reason)
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return fmt.Errorf("audit log closed; lost %s", data)
	}
	_, err = a.f.Write(append(data, '\n'))
	return err
}

func (a *auditLog) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	return a.f.Close()
}

var (
	accountID   = regexp.MustCompile(`\b[0-9]{12}\b`)
	accessKeyID = regexp.MustCompile(`\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b`)
	// external IDs are 32 characters of a-z2-7.
	externalID = regexp.MustCompile(`\b[a-z2-7]{32}\b`)
)

// scrub masks identifiers that free text (a check's title, an error) might
// quote.
func scrub(s string) string {
	if s == "" {
		return s
	}
	s = wizard.MaskAccountIDs(s)
	s = accountID.ReplaceAllStringFunc(s, func(m string) string { return "••••••••" + m[8:] })
	s = accessKeyID.ReplaceAllString(s, "${1}••••••••")
	s = externalID.ReplaceAllString(s, "••••••••")
	return s
}
