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
