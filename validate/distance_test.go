package validate

import (
	"strings"
	"testing"
)

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"eu-west-1", "eu-west-1", 0},
		{"eu-wset-1", "eu-west-1", 2},
		{"bucket", "bucket_name", 5},
		{"kitten", "sitting", 3},
		{"role_arn", "rolearn", 1},
		// No cap: config compares whole keys, however long.
		{strings.Repeat("a", 200), "", 200},
	}
	for _, c := range cases {
		t.Run(c.a+"~"+c.b, func(t *testing.T) {
			if got := EditDistance(c.a, c.b); got != c.want {
				t.Fatalf("EditDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
			}
			if got := EditDistance(c.b, c.a); got != c.want {
				t.Fatalf("EditDistance(%q, %q) = %d, want %d (not symmetric)", c.b, c.a, got, c.want)
			}
		})
	}
}
