package humanize

import (
	"math"
	"testing"
)

func TestBytes(t *testing.T) {
	cases := []struct {
		n    int64
		want string
	}{
		{-5, "-5 B"},
		{0, "0 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{1536, "1.5 KiB"},
		{1<<20 - 1, "1024.0 KiB"},
		{1 << 20, "1.0 MiB"},
		{3 << 29, "1.5 GiB"},
		{5 << 40, "5.0 TiB"},
		{1 << 50, "1.0 PiB"},
		{1 << 60, "1.0 EiB"},
		{math.MaxInt64, "8.0 EiB"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			if got := Bytes(c.n); got != c.want {
				t.Fatalf("Bytes(%d) = %q, want %q", c.n, got, c.want)
			}
		})
	}
}

func TestRate(t *testing.T) {
	for _, c := range []struct {
		bps  float64
		want string
	}{
		{0, "0 B/s"},
		{6 / 0.004, "1.5 KiB/s"},
		{85.3 * (1 << 20), "85.3 MiB/s"},
		{1.5 * (1 << 30), "1.5 GiB/s"},
	} {
		if got := Rate(c.bps); got != c.want {
			t.Errorf("Rate(%v) = %q, want %q", c.bps, got, c.want)
		}
	}
}

func TestPortion(t *testing.T) {
	cases := []struct {
		name        string
		done, total int64
		want        string
	}{
		{"part", 3 << 29, 48 << 30, "1.5 GiB of 48.0 GiB (3.1%)"},
		{"all", 2048, 2048, "2.0 KiB of 2.0 KiB (100.0%)"},
		{"nothing to do", 0, 0, "0 B of 0 B (100.0%)"},
		{"negative total", 0, -1, "0 B of -1 B (100.0%)"},
		{"none yet", 0, 1 << 20, "0 B of 1.0 MiB (0.0%)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Portion(c.done, c.total); got != c.want {
				t.Fatalf("Portion(%d, %d) = %q, want %q", c.done, c.total, got, c.want)
			}
		})
	}
}

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "file", "0 files"}, {1, "file", "1 file"}, {2, "file", "2 files"},
		{1, "in-flight upload", "1 in-flight upload"}, {3, "in-flight upload", "3 in-flight uploads"},
		{2, "retry", "2 retries"}, {2, "key", "2 keys"}, {2, "match", "2 matches"}, {1, "check", "1 check"},
	} {
		if got := Count(tt.n, tt.noun); got != tt.want {
			t.Errorf("Count(%d, %q) = %q, want %q", tt.n, tt.noun, got, tt.want)
		}
	}
}
