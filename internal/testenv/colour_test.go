package testenv

import (
	"slices"
	"testing"
)

func TestColourCodes(t *testing.T) {
	out := "\x1b[3A\x1b[36C\x1b[1m\x1b[7mx\x1b[m\x1b[38;5;12my\x1b[1;31mz\x1b[44m"
	want := []string{"\x1b[38;5;12m", "\x1b[1;31m", "\x1b[44m"}
	if got := ColourCodes(out); !slices.Equal(got, want) {
		t.Fatalf("ColourCodes = %q, want %q", got, want)
	}
}
