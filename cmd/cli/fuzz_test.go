package cli

import (
	"strings"
	"testing"
)

// FuzzParseSize: any accepted size is at least one byte and at most 2^62,
// and the units parse consistently.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"16MiB", "64M", "1GiB", "5000000", "8MB", "0.5b", "nan", "inf", "-1k", " 2 g ", "1e3kb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err != nil {
			if !strings.Contains(err.Error(), "not a positive size") {
				t.Fatalf("parseSize(%q) error does not explain the rule: %v", s, err)
			}
			return
		}
		if n < 1 || n > 1<<62 {
			t.Fatalf("parseSize(%q) = %d, outside 1..2^62", s, n)
		}
	})
}

// FuzzParseDate: no panic, an empty value means no bound, and every
// refusal names the flag and gives an example.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"", "2024-05-01", "2024-05-01T08:00:00Z", "2024-13-01", "yesterday"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDate("--since", s)
		if err != nil {
			if !strings.Contains(err.Error(), "--since") || !strings.Contains(err.Error(), "example") {
				t.Fatalf("parseDate(%q) error lacks the flag or an example: %v", s, err)
			}
			return
		}
		if s == "" && !d.IsZero() {
			t.Fatalf("parseDate(%q) = %v, want no bound", s, d)
		}
	})
}
