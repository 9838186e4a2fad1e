package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseDate reads a --since/--until value: a calendar day (midnight local
// time) or an RFC 3339 timestamp.
func parseDate(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("%s: %q is not a date; use YYYY-MM-DD (local time) or RFC 3339; example: %s 2024-05-01 or %s 2024-05-01T08:00:00Z", flag, s, flag, flag)
}

// sizeUnits are the suffixes parseSize accepts. K, M and G are binary, as
// in rclone and dd; KB, MB and GB are decimal.
var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30},
	{"b", 1},
}

// parseSize reads a byte count with an optional unit: 16MiB, 64M, 1GiB,
// 5000000, 8MB.
func parseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	// !(n*mult >= 1) also refuses NaN, and sizes below one byte.
	if err != nil || t == "" || !(n*float64(mult) >= 1) || n*float64(mult) > float64(1<<62) {
		return 0, fmt.Errorf("%q is not a positive size; use a number with an optional unit (B, KiB, MiB, GiB; K, M and G mean the same)", s)
	}
	return int64(n * float64(mult)), nil
}
