package validate

import (
	"fmt"
	"strings"
)

const (
	exampleLocation  = "acme-recordings"
	exampleBucket    = "acme-call-recordings"
	exampleContainer = "call-recordings"
)

// LocationID checks the stable ID of a location that Stowage generates and
// keeps in the locations file (journals and manifests are named after it):
// 4–32 lowercase letters and digits. It is never typed in a form; the rule
// catches a hand edit that would make it unusable as a file name.
func LocationID(s string) error {
	const field = "location id"
	const example = "3f9c2a7b10de"
	if n := len(s); n < 4 || n > 32 {
		return newErr(field, example, "must be 4–32 characters long (got %d); delete the line and Stowage writes a new one on the next save", runeCount(s))
	}
	if r, pos := firstBad(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' }); pos > 0 {
		return newErr(field, example, "has %s at position %d; use only lowercase letters and digits", quoteRune(r), pos)
	}
	return nil
}

// LocationName checks the name a location is known by in Stowage: 1–64
// characters of letters, digits, ".", "_" and "-", starting with a letter or
// digit so that it is never mistaken for a command-line flag.
func LocationName(s string) error {
	const field = "location name"
	n := runeCount(s)
	switch {
	case s == "":
		return newErr(field, exampleLocation, "is required")
	case surroundingSpace(s):
		return newErr(field, exampleLocation, "must not start or end with spaces")
	case n > 64:
		return newErr(field, exampleLocation, "must be 1–64 characters long (got %d)", n)
	}
	if r, pos := firstBad(s, func(r rune) bool { return isAlnum(r) || r == '.' || r == '_' || r == '-' }); pos > 0 {
		return newErr(field, exampleLocation,
			"has %s at position %d; use only letters, digits, \".\", \"_\" and \"-\"", quoteRune(r), pos)
	}
	if !isAlnum(rune(s[0])) {
		return newErr(field, exampleLocation, "must start with a letter or digit (starts with %q)", s[0])
	}
	return nil
}

// bucketReservedPrefixes and bucketReservedSuffixes are names S3 keeps for
// its own features (punycode, access points, Object Lambda, multi-Region
// access points, directory buckets, table buckets, documentation examples).
var (
	bucketReservedPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	bucketReservedSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}
)

// S3Bucket checks an Amazon S3 general-purpose bucket name against the AWS
// naming rules. It never changes the name: S3 names are case-sensitive, so a
// silently lowercased name would point at a different (or nobody's) bucket.
func S3Bucket(name string) error {
	if err := checkBucket(name); err != nil {
		err.Example = bucketExample(name)
		return err
	}
	return nil
}

// checkBucket applies the rules without an example, so that the example
// finder can call it without recursing.
func checkBucket(name string) *Error {
	const field, example = "bucket", ""
	n := runeCount(name)
	switch {
	case name == "":
		return newErr(field, example, "is required")
	case surroundingSpace(name):
		return newErr(field, example, "must not start or end with spaces")
	case n < 3 || n > 63:
		return newErr(field, example, "must be 3–63 characters long (got %d)", n)
	}
	if r, pos := firstBad(name, func(r rune) bool { return !isUpper(r) }); pos > 0 {
		return newErr(field, example,
			"bucket names are lowercase: found uppercase %s at position %d; Stowage does not lowercase it for you because S3 bucket names are case-sensitive",
			quoteRune(r), pos)
	}
	if r, pos := firstBad(name, func(r rune) bool { return isLowerOrDigit(r) || r == '.' || r == '-' }); pos > 0 {
		return newErr(field, example,
			"has %s at position %d; use only lowercase letters, digits, \".\" and \"-\"", quoteRune(r), pos)
	}
	if !isLowerOrDigit(rune(name[0])) {
		return newErr(field, example, "must begin with a letter or digit (begins with %q)", name[0])
	}
	if last := name[len(name)-1]; !isLowerOrDigit(rune(last)) {
		return newErr(field, example, "must end with a letter or digit (ends with %q)", last)
	}
	if i := strings.Index(name, ".."); i >= 0 {
		return newErr(field, example, "must not contain two adjacent periods (at position %d)", i+1)
	}
	if looksLikeIPv4(name) {
		return newErr(field, example, "must not be formatted as an IP address (got %s)", name)
	}
	for _, p := range bucketReservedPrefixes {
		if strings.HasPrefix(name, p) {
			return newErr(field, example, "must not start with %q, which S3 reserves", p)
		}
	}
	for _, s := range bucketReservedSuffixes {
		if strings.HasSuffix(name, s) {
			return newErr(field, example, "must not end with %q, which S3 reserves", s)
		}
	}
	return nil
}

// looksLikeIPv4 matches four dot-separated groups of digits; S3 rejects
// that shape even when a group is above 255.
func looksLikeIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if !allDigits(p) {
			return false
		}
	}
	return true
}

// bucketExample proposes the user's own name, fixed up, when a simple fix
// (lowercase, "_" or spaces to "-") makes it valid; a generic name otherwise.
func bucketExample(name string) string {
	fixed := strings.ToLower(strings.TrimSpace(name))
	fixed = strings.NewReplacer("_", "-", " ", "-").Replace(fixed)
	if fixed != name && checkBucket(fixed) == nil {
		return fixed
	}
	return exampleBucket
}

// S3BucketWarnings returns advice about a bucket name that is valid but
// causes trouble later. Names with dots break TLS for virtual-hosted–style
// HTTPS requests: the certificate *.s3.<region>.amazonaws.com matches one
// label only, so "my.bucket.s3..." fails the host name check.
func S3BucketWarnings(name string) []string {
	var warns []string
	if strings.Contains(name, ".") {
		warns = append(warns,
			fmt.Sprintf("bucket %q contains dots: virtual-hosted–style HTTPS requests fail the TLS certificate check for it, "+
				"so Stowage must use path-style addressing for this bucket, and S3 Transfer Acceleration is not available; "+
				"a name with hyphens instead of dots avoids both (e.g. %s)",
				name, dotsToHyphens(name)))
	}
	return warns
}

func dotsToHyphens(name string) string {
	fixed := strings.ReplaceAll(name, ".", "-")
	if checkBucket(fixed) == nil {
		return fixed
	}
	return exampleBucket
}

// AzureContainer checks an Azure Blob container name: 3–63 characters of
// lowercase letters, digits and single hyphens, starting and ending with a
// letter or digit.
//
// Of the system containers only "$root" is accepted: it is a real container
// that holds blobs at the account root. "$logs" is written by Storage
// Analytics alone, and "$web" is served publicly by the static website
// feature, which would publish recordings to the internet; both are refused.
func AzureContainer(s string) error {
	if err := checkContainer(s); err != nil {
		err.Example = exampleContainer
		if fixed := strings.ToLower(strings.TrimSpace(s)); fixed != s && !strings.HasPrefix(fixed, "$") && checkContainer(fixed) == nil {
			err.Example = fixed
		}
		return err
	}
	return nil
}

func checkContainer(s string) *Error {
	const field, example = "container", ""
	n := runeCount(s)
	switch {
	case s == "":
		return newErr(field, example, "is required")
	case s == "$root":
		return nil
	case s == "$logs":
		return newErr(field, example, "$logs is reserved for Storage Analytics logs and cannot hold exports; use a container of your own")
	case s == "$web":
		return newErr(field, example, "$web is served publicly by the static website feature, so recordings in it would be public; use a private container")
	case surroundingSpace(s):
		return newErr(field, example, "must not start or end with spaces")
	case n < 3 || n > 63:
		return newErr(field, example, "must be 3–63 characters long (got %d)", n)
	}
	if r, pos := firstBad(s, func(r rune) bool { return !isUpper(r) }); pos > 0 {
		return newErr(field, example, "container names are lowercase: found uppercase %s at position %d", quoteRune(r), pos)
	}
	if r, pos := firstBad(s, func(r rune) bool { return isLowerOrDigit(r) || r == '-' }); pos > 0 {
		return newErr(field, example, "has %s at position %d; use only lowercase letters, digits and \"-\"", quoteRune(r), pos)
	}
	if s[0] == '-' {
		return newErr(field, example, "must start with a letter or digit")
	}
	if s[len(s)-1] == '-' {
		return newErr(field, example, "must end with a letter or digit")
	}
	if i := strings.Index(s, "--"); i >= 0 {
		return newErr(field, example, "must not contain two hyphens in a row (at position %d)", i+1)
	}
	return nil
}
