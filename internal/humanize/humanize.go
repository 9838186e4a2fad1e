// Package humanize renders sizes for people, the same way in export,
// download and their printers.
package humanize

import (
	"fmt"
	"strings"
)

// Bytes renders n in binary units with one decimal ("1.5 GiB"); below
// 1 KiB it gives whole bytes ("512 B").
func Bytes(n int64) string {
	v, u, ok := scale(n)
	if !ok {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %ciB", v, u)
}

// scale divides n by the largest binary unit it reaches (KiB to EiB) and
// names that unit; ok is false below 1 KiB.
func scale(n int64) (v float64, unit byte, ok bool) {
	const k = 1024
	if n < k {
		return 0, 0, false
	}
	div, exp := int64(k), 0
	for m := n / k; m >= k && exp < 5; m /= k {
		div *= k
		exp++
	}
	return float64(n) / float64(div), "KMGTPE"[exp], true
}

// Rate renders a speed in bytes per second as Bytes does, with "/s"
// ("85.3 MiB/s", "1.7 KiB/s", "6 B/s"), so a small export's summary does
// not read "0.0 MiB/s" as if nothing had moved.
func Rate(bytesPerSecond float64) string {
	return Bytes(int64(bytesPerSecond)) + "/s"
}

// Portion renders done out of total with the percentage, e.g.
// "1.2 GiB of 48.0 GiB (2.5%)". Nothing to do (total ≤ 0) is 100%.
func Portion(done, total int64) string {
	pct := 100.0
	if total > 0 {
		pct = float64(done) / float64(total) * 100
	}
	return fmt.Sprintf("%s of %s (%.1f%%)", Bytes(done), Bytes(total), pct)
}

// Size renders n in binary units, without the decimal when it is zero
// ("16 MiB", "1.5 GiB"): the commands' summaries and flag errors.
func Size(n int64) string {
	v, u, ok := scale(n)
	if !ok {
		return fmt.Sprintf("%d B", n)
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %ciB", int64(v), u)
	}
	return fmt.Sprintf("%.1f %ciB", v, u)
}

// Count renders n with noun in the singular or the plural ("1 file",
// "2 files", "0 files"), so no output reads "1 files". The plural adds
// "s", "es" after s, x, ch and sh, and "ies" for a consonant and "y".
func Count[N ~int | ~int32 | ~int64 | ~uint64](n N, noun string) string {
	return fmt.Sprintf("%d %s", n, Noun(n, noun))
}

// Noun is noun in the singular when n is 1, else in the plural (see
// Count).
func Noun[N ~int | ~int32 | ~int64 | ~uint64](n N, noun string) string {
	if n == 1 || noun == "" {
		return noun
	}
	switch {
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "sh"):
		return noun + "es"
	case strings.HasSuffix(noun, "y") && len(noun) > 1 && !strings.ContainsAny(noun[len(noun)-2:len(noun)-1], "aeiou"):
		return noun[:len(noun)-1] + "ies"
	}
	return noun + "s"
}
