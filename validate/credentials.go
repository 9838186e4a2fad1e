package validate

import (
	"strings"
)

const (
	// exampleAccessKeyID is the placeholder from the AWS documentation.
	exampleAccessKeyID = "AKIAIOSFODNN7EXAMPLE"
	exampleCustomKeyID = "stowage-export"
	// exampleSecret is a shape, not a value, so it can never be mistaken
	// for a real secret in logs.
	exampleSecret       = "<40 characters of letters, digits, / and +>"
	exampleCustomSecret = "<8–256 characters, no spaces>"
	exampleExternalID   = "stowage-7f3a9c2e4b1d"
)

func isBase32Upper(r rune) bool { return isUpper(r) || (r >= '2' && r <= '7') }

func printableNoSpace(r rune) bool { return r > ' ' && r < 0x7f }

// AccessKeyID checks an access key ID. AWS IDs are 20 characters: AKIA
// (long-term) or ASIA (temporary) and 16 of A–Z and 2–7. With a custom
// endpoint, stores choose their own, so 3–128 printable characters without
// spaces are accepted. The ID is not a secret, but a secret pasted into this
// field by mistake would be, so errors give positions, never characters.
func AccessKeyID(s string, customEndpoint bool) error {
	const field = "access key ID"
	example := exampleAccessKeyID
	if customEndpoint {
		example = exampleCustomKeyID
	}
	if s == "" {
		return newErr(field, example, "is required")
	}
	if surroundingSpace(s) {
		return newErr(field, example, "must not start or end with spaces")
	}
	n := runeCount(s)
	if customEndpoint {
		if n < 3 || n > 128 {
			return newErr(field, example, "must be 3–128 characters long (got %d)", n)
		}
		if _, pos := firstBad(s, printableNoSpace); pos > 0 {
			return newErr(field, example, "has a space, control or non-ASCII character at position %d", pos)
		}
		return nil
	}
	if n == 40 && looksLikeAWSSecret(s) {
		return newErr(field, example, "looks like a secret access key (40 characters); paste the access key ID, which starts with AKIA, here and the secret in the secret access key field")
	}
	if n != 20 {
		return newErr(field, example, "must be 20 characters long (got %d)", n)
	}
	if !strings.HasPrefix(s, "AKIA") && !strings.HasPrefix(s, "ASIA") {
		return newErr(field, example, "must start with AKIA (an IAM user's key) or ASIA (a temporary key)")
	}
	if _, pos := firstBad(s, isBase32Upper); pos > 0 {
		return newErr(field, example, "character %d is not an uppercase letter or a digit 2–7", pos)
	}
	return nil
}

func looksLikeAWSSecret(s string) bool {
	_, pos := firstBad(s, func(r rune) bool { return isAlnum(r) || r == '/' || r == '+' })
	return pos == 0
}

// SecretAccessKey checks a secret access key. AWS secrets are 40 characters
// of letters, digits, "/" and "+"; with a custom endpoint 8–256 printable
// characters without spaces are accepted. The value is never echoed: errors
// carry lengths and positions only.
func SecretAccessKey(s string, customEndpoint bool) error {
	const field = "secret access key"
	example := exampleSecret
	if customEndpoint {
		example = exampleCustomSecret
	}
	if s == "" {
		return newErr(field, example, "is required")
	}
	if surroundingSpace(s) {
		return newErr(field, example, "must not start or end with spaces (check the copy and paste)")
	}
	n := runeCount(s)
	if !customEndpoint && n == 20 && (strings.HasPrefix(s, "AKIA") || strings.HasPrefix(s, "ASIA")) {
		return newErr(field, example, "looks like an access key ID (20 characters starting with AKIA or ASIA); paste the secret access key shown next to it")
	}
	if customEndpoint {
		// The secret's length is not named: it would leak on a shared screen.
		if n < 8 {
			return newErr(field, example, "must be 8–256 characters long (this one is shorter)")
		}
		if n > 256 {
			return newErr(field, example, "must be 8–256 characters long (this one is longer)")
		}
		if _, pos := firstBad(s, printableNoSpace); pos > 0 {
			return newErr(field, example, "has a space, control or non-ASCII character at position %d", pos)
		}
		return nil
	}
	// The secret's length is not named: it would leak on a shared screen.
	if n < 40 {
		return newErr(field, example, "must be 40 characters long (this one is shorter: check the copy and paste)")
	}
	if n > 40 {
		return newErr(field, example, "must be 40 characters long (this one is longer: check the copy and paste)")
	}
	if _, pos := firstBad(s, func(r rune) bool { return isAlnum(r) || r == '/' || r == '+' }); pos > 0 {
		return newErr(field, example, "character %d is not a letter, digit, \"/\" or \"+\"", pos)
	}
	return nil
}

// ExternalID checks an sts:ExternalId value: 2–1224 characters of letters,
// digits and _ + = , . @ : / -, as STS AssumeRole requires. The external
// ID is not a secret (AWS says so), so errors may name the bad character.
func ExternalID(s string) error {
	const field = "external ID"
	n := runeCount(s)
	switch {
	case s == "":
		return newErr(field, exampleExternalID, "is required")
	case n < 2 || n > 1224:
		return newErr(field, exampleExternalID, "must be 2–1224 characters long (got %d)", n)
	}
	if r, pos := firstBad(s, func(r rune) bool { return isAlnum(r) || strings.ContainsRune("_+=,.@:/-", r) }); pos > 0 {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return newErr(field, exampleExternalID, "must not contain spaces (found %s at position %d)", quoteRune(r), pos)
		}
		return newErr(field, exampleExternalID, "has %s at position %d; use only letters, digits and _ + = , . @ : / -", quoteRune(r), pos)
	}
	return nil
}
