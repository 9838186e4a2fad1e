// Package validate holds every input rule of Stowage in one place: the wizard,
// the command flags and the config loader all call it, so a value accepted in
// one of them is accepted in all of them.
//
// Each check returns nil or an *Error that names the field, the rule broken
// and a valid example. Checks of secret fields (secret access key, connection
// string AccountKey and SharedAccessSignature) never put the secret, or any
// part of it, into the error.
package validate

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalid matches every *Error with errors.Is, so callers can tell bad
// input apart from I/O failures without a type assertion.
var ErrInvalid = errors.New("invalid value")

// Error is a validation failure: it names the field, the rule broken and a
// valid example.
type Error struct {
	// Field is the user's word for the input, e.g. "bucket" or "role ARN".
	Field string
	// Rule says what is wrong and what is expected.
	Rule string
	// Example is a valid value for the field.
	Example string
}

// Error renders "field: rule; example: value".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Field)
	b.WriteString(": ")
	b.WriteString(e.Rule)
	if e.Example != "" {
		b.WriteString("; example: ")
		b.WriteString(e.Example)
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

func newErr(field, example, format string, args ...any) *Error {
	return &Error{Field: field, Rule: fmt.Sprintf(format, args...), Example: example}
}

// quoteRune shows one character so that invisible and non-ASCII characters
// are still recognisable in a terminal.
func quoteRune(r rune) string {
	if r == utf8.RuneError {
		return "an invalid UTF-8 byte"
	}
	if r == ' ' {
		return "a space"
	}
	if r == '\t' {
		return "a tab"
	}
	if !unicode.IsPrint(r) || r > unicode.MaxASCII {
		return fmt.Sprintf("%q (U+%04X)", r, r)
	}
	return fmt.Sprintf("%q", r)
}

// firstBad returns the first rune of s that ok rejects and its 1-based
// position in characters, or pos 0 when every rune is accepted.
func firstBad(s string, ok func(rune) bool) (rune, int) {
	pos := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		pos++
		if !ok(r) || (r == utf8.RuneError && size == 1) {
			return r, pos
		}
		i += size
	}
	return 0, 0
}

// surroundingSpace reports whether s starts or ends with white space, which
// is almost always a copy-and-paste accident worth naming on its own.
func surroundingSpace(s string) bool {
	return s != strings.TrimSpace(s)
}

func isDigit(r rune) bool        { return r >= '0' && r <= '9' }
func isLower(r rune) bool        { return r >= 'a' && r <= 'z' }
func isUpper(r rune) bool        { return r >= 'A' && r <= 'Z' }
func isLowerOrDigit(r rune) bool { return isLower(r) || isDigit(r) }
func isAlnum(r rune) bool        { return isLower(r) || isUpper(r) || isDigit(r) }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// runeCount is the length users see when they count characters.
func runeCount(s string) int { return utf8.RuneCountInString(s) }

// suggest returns candidate, a fixed-up form of the user's input, when it
// passes check, and fallback otherwise, so every example can be copied as
// is. Candidates must be "more fixed" than the input, so that check never
// comes back to the same suggestion and the recursion ends.
func suggest(candidate, fallback string, check func(string) error) string {
	if candidate != "" && check(candidate) == nil {
		return candidate
	}
	return fallback
}
