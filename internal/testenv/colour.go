package testenv

import (
	"regexp"
	"strconv"
	"strings"
)

// sgr matches an SGR escape sequence and captures its parameters.
var sgr = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// ColourCodes returns the SGR sequences in out that set a foreground or
// background colour (30–38, 40–48, 90–97, 100–107), for NO_COLOR checks;
// bold, reset and cursor moves are not colours.
func ColourCodes(out string) []string {
	var found []string
	for _, m := range sgr.FindAllStringSubmatch(out, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, err := strconv.Atoi(p)
			if err != nil {
				continue
			}
			if (n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107) {
				found = append(found, m[0])
				break
			}
		}
	}
	return found
}
