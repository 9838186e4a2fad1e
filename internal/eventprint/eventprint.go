// Package eventprint holds the parts of the plain-text and JSON Lines
// event printers that export and download share: the status line throttle,
// the lazily built JSON Lines encoder and how errors become JSON.
package eventprint

import (
	"encoding/json"
	"io"
	"time"
)

// DefaultEvery is the least time between status lines when none is set.
const DefaultEvery = 5 * time.Second

// Throttle lets a status line through at most once per interval, so a log
// is not flooded by the run's frequent Totals events. It is not safe for
// concurrent use; the printers call it under their own lock.
type Throttle struct{ last time.Time }

// Due reports whether a line may be written at now, given the least time
// every between lines (zero or negative means DefaultEvery), and if so
// starts a new interval. The first call is always due.
func (t *Throttle) Due(now time.Time, every time.Duration) bool {
	if every <= 0 {
		every = DefaultEvery
	}
	if now.Sub(t.last) < every {
		return false
	}
	t.last = now
	return true
}

// JSONLines writes one JSON value per line, building its encoder on first
// use so a printer's exported writer may be set after construction. It is
// not safe for concurrent use; the printers call it under their own lock.
type JSONLines struct{ enc *json.Encoder }

// Encode writes v and a newline to w (the same w every call). Write errors
// are dropped: progress output must never stop a run.
func (j *JSONLines) Encode(w io.Writer, v any) {
	if j.enc == nil {
		j.enc = json.NewEncoder(w)
	}
	_ = j.enc.Encode(v)
}

// ErrText is err's text for a JSON field, or nil (JSON null) when err is
// nil.
func ErrText(err error) any {
	if err == nil {
		return nil
	}
	return err.Error()
}
