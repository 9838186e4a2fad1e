// Package proc tells whether the process recorded as the owner of a file
// (an export or download journal, a wizard session's draft) still runs. It
// is the one copy of that check: config (drafts) and internal/journaldb
// (journal owners) both use it, and it imports nothing of the module.
package proc

import "time"

// reuseSlack is how much later than its record a process may have started
// and still be the one recorded: the record is written after the process
// starts, but the system's start time is derived from the boot time, which
// is known to a second and moves when the clock is stepped.
const reuseSlack = 5 * time.Second

// Running reports whether process pid, recorded as started at started
// (zero: not known), still runs:
//   - it exists (another user's process counts: signalling it is refused,
//     not unknown);
//   - it is not a zombie, a process that has exited (a kill -9, a crash)
//     but whose parent has not collected it yet;
//   - it is not a later process the system gave the same pid: one that
//     started more than a few seconds after the record was made.
//
// The last two are checked where the system says (Linux's /proc); elsewhere
// a process that exists counts as running.
func Running(pid int, started time.Time) bool {
	if pid <= 0 || !exists(pid) {
		return false
	}
	st, ok := stat(pid)
	if !ok {
		// No /proc (or it vanished meanwhile): existence is all we know.
		return exists(pid)
	}
	if st.exited {
		return false
	}
	if !started.IsZero() && !st.start.IsZero() && st.start.After(started.Add(reuseSlack)) {
		return false
	}
	return true
}

// status is what the system says of a process.
type status struct {
	// exited: a zombie (or being torn down) that no longer runs.
	exited bool
	// start is when the process started; zero when not known.
	start time.Time
}
