package journaldb

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/stowage-dev/stowage/internal/proc"
)

// owner is written next to a journal by the process that opened it for
// writing, so a second process refused the lock can say who holds it.
// bbolt's lock itself is the truth; this file only names the holder.
type owner struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host,omitempty"`
	Started time.Time `json:"started"`
}

func (o owner) String() string {
	s := fmt.Sprintf("process %d", o.PID)
	if o.Host != "" {
		s += " on " + o.Host
	}
	return s + ", since " + o.Started.UTC().Format("2006-01-02 15:04:05 UTC")
}

func ownerPath(path string) string { return path + ".owner" }

// writeOwner records this process as the journal's holder; a failure only
// loses the name in another process's busy message.
func writeOwner(path string) {
	host, _ := os.Hostname()
	b, err := json.Marshal(owner{PID: os.Getpid(), Host: host, Started: time.Now()})
	if err == nil {
		_ = os.WriteFile(ownerPath(path), b, 0o600)
	}
}

// readOwner returns the recorded holder while it is still running. A
// reader (a dry run) holds the lock without writing the file, so a
// recorded process that has exited is not named.
func readOwner(path string) (owner, bool) {
	b, err := os.ReadFile(ownerPath(path))
	if err != nil {
		return owner{}, false
	}
	var o owner
	if json.Unmarshal(b, &o) != nil || o.PID <= 0 || !proc.Running(o.PID, o.Started) {
		return owner{}, false
	}
	return o, true
}
