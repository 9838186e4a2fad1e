package proc

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"time"
)

// userHZ is the unit of /proc's start times: USER_HZ, 100 on every Linux
// architecture Go supports (it is part of the kernel's user ABI).
const userHZ = 100

// stat reads /proc/PID/stat: the state (Z zombie, X dead) and the start
// time, in ticks since boot, made a wall-clock time with /proc/stat's
// btime.
func stat(pid int) (status, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return status{}, false
	}
	return parseStat(b, bootTime())
}

// parseStat reads a /proc/PID/stat line: "pid (comm) state ppid ...", where
// comm may hold spaces and parentheses, so the fields are counted from the
// last ')'. The state is field 3 and the start time field 22.
func parseStat(b []byte, boot time.Time) (status, bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return status{}, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 20 || len(f[0]) != 1 {
		return status{}, false
	}
	var st status
	switch f[0][0] {
	case 'Z', 'X', 'x':
		st.exited = true
	}
	if ticks, err := strconv.ParseUint(string(f[19]), 10, 64); err == nil && !boot.IsZero() {
		st.start = boot.Add(time.Duration(ticks) * time.Second / userHZ)
	}
	return st, true
}

var (
	bootOnce sync.Once
	boot     time.Time
)

// bootTime is /proc/stat's btime, read once; zero when it cannot be read.
func bootTime() time.Time {
	bootOnce.Do(func() {
		b, err := os.ReadFile("/proc/stat")
		if err == nil {
			boot = parseBootTime(b)
		}
	})
	return boot
}

// parseBootTime finds the "btime SECONDS" line of /proc/stat.
func parseBootTime(b []byte) time.Time {
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			if s, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err == nil {
				return time.Unix(s, 0)
			}
		}
	}
	return time.Time{}
}
