package validate

import (
	"errors"
	"net"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	examplePrefix    = "recordings/"
	exampleEndpoint  = "https://s3.example.com"
	exampleLocalPath = "/mnt/nas/recordings"
	// maxPrefixBytes leaves 124 of S3's 1024-byte key limit for the
	// object names Stowage appends.
	maxPrefixBytes = 900
)

// Prefix checks a key prefix (a "folder" inside the bucket or container):
// at most 900 bytes of UTF-8, no leading "/", no empty ("//"), "." or ".."
// segments, no control characters and no backslashes. Empty means the
// bucket root. A trailing "/" is optional; NormalizePrefix adds it, and
// callers should normalise before validating.
func Prefix(s string) error {
	const field = "prefix"
	if s == "" {
		return nil
	}
	if !utf8.ValidString(s) {
		return newErr(field, examplePrefix, "must be valid UTF-8 text")
	}
	if len(s) > maxPrefixBytes {
		return newErr(field, examplePrefix, "must be at most %d bytes long (got %d); object names need the rest of S3's 1024-byte key limit", maxPrefixBytes, len(s))
	}
	if r, pos := firstBad(s, func(r rune) bool { return !unicode.IsControl(r) }); pos > 0 {
		return newErr(field, examplePrefix, "has a control character %s at position %d", quoteRune(r), pos)
	}
	if i := strings.IndexByte(s, '\\'); i >= 0 {
		return newErr(field, suggest(strings.ReplaceAll(s, "\\", "/"), examplePrefix, Prefix), "has a backslash at position %d; separate folders with \"/\"", runeCount(s[:i])+1)
	}
	if strings.HasPrefix(s, "/") {
		return newErr(field, suggest(NormalizePrefix(s), examplePrefix, Prefix), "must not start with \"/\"; S3 would create a folder with an empty name")
	}
	if i := strings.Index(s, "//"); i >= 0 {
		return newErr(field, examplePrefix, "must not contain \"//\" (at position %d); it creates a folder with an empty name", runeCount(s[:i])+1)
	}
	for _, seg := range strings.Split(strings.TrimSuffix(s, "/"), "/") {
		if seg == "." || seg == ".." {
			return newErr(field, examplePrefix, "must not contain a %q folder; S3 keeps it literally and most tools then misplace the objects", seg)
		}
	}
	return nil
}

// NormalizePrefix trims surrounding spaces, strips leading slashes and adds
// a trailing "/" to a non-empty prefix, so "/recordings" and "recordings"
// both become "recordings/".
func NormalizePrefix(s string) string {
	// Repeat until stable so "/ recordings" loses both the slash and the
	// space, and normalising twice changes nothing.
	for {
		t := strings.TrimLeft(strings.TrimSpace(s), "/")
		if t == s {
			break
		}
		s = t
	}
	if s != "" && !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s
}

// Endpoint checks a custom S3 endpoint: http(s)://host[:port] with an
// optional trailing "/", and no path, query, fragment or user name. The
// bucket and prefix have fields of their own. The URL is never echoed whole
// because a pasted URL may carry credentials in its user-info part.
func Endpoint(s string) error {
	const field = "endpoint"
	switch {
	case s == "":
		return newErr(field, exampleEndpoint, "is required for an S3-compatible store")
	case surroundingSpace(s):
		return newErr(field, exampleEndpoint, "must not start or end with spaces")
	}
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		if !strings.Contains(s, "://") && !strings.ContainsAny(s, "@/?#") && validHostPort(s) {
			return newErr(field, suggest("https://"+s, exampleEndpoint, Endpoint), "must start with https:// or http://")
		}
		return newErr(field, exampleEndpoint, "must start with https:// or http://")
	}
	u, err := url.Parse(s)
	if err != nil {
		return newErr(field, exampleEndpoint, "is not a valid URL")
	}
	if u.User != nil {
		return newErr(field, exampleEndpoint, "must not contain a user name or password; enter the access keys in their own fields")
	}
	if u.RawQuery != "" || u.ForceQuery || strings.Contains(s, "?") {
		return newErr(field, exampleEndpoint, "must not have a query (\"?...\")")
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return newErr(field, exampleEndpoint, "must not have a fragment (\"#...\")")
	}
	base := u.Scheme + "://" + u.Host
	if u.Host == "" {
		return newErr(field, exampleEndpoint, "is missing the host name after %s://", u.Scheme)
	}
	if !validHostPort(u.Host) {
		return newErr(field, exampleEndpoint, "host %q is not a valid host name, IP address or host:port", u.Host)
	}
	if u.Path != "" && u.Path != "/" {
		return newErr(field, base, "must not have a path (got %q); put the bucket in the bucket field and any folder in the prefix", u.Path)
	}
	return nil
}

// validHostPort accepts a DNS name, IPv4 address or bracketed IPv6
// address, with an optional port 1–65535.
func validHostPort(hp string) bool {
	host, port := hp, ""
	if h, p, err := net.SplitHostPort(hp); err == nil {
		host, port = h, p
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '0' || port[0] == '+' {
			return false
		}
		if strings.Contains(host, ":") {
			return net.ParseIP(host) != nil
		}
	} else if strings.HasPrefix(hp, "[") && strings.HasSuffix(hp, "]") {
		return net.ParseIP(hp[1:len(hp)-1]) != nil
	} else if strings.Contains(hp, ":") {
		return false
	}
	if net.ParseIP(host) != nil {
		return true
	}
	return validHostname(host)
}

// validHostname applies the DNS label rules: labels of 1–63 letters, digits
// and hyphens, not starting or ending with a hyphen, 253 characters in all.
// Underscores are tolerated because some internal DNS names use them.
func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := rune(label[i])
			if !isAlnum(c) && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}

// LocalPath checks a local or NAS folder: non-empty, without NUL bytes, and
// absolute once a leading "~" is expanded to the home directory. Relative
// paths are refused because exports run from cron and services whose
// working directory differs from the wizard's.
func LocalPath(s string) error {
	const field = "path"
	switch {
	case strings.TrimSpace(s) == "":
		return newErr(field, exampleLocalPath, "is required")
	case strings.IndexByte(s, 0) >= 0:
		return newErr(field, exampleLocalPath, "must not contain a NUL byte")
	case surroundingSpace(s):
		return newErr(field, suggest(strings.TrimSpace(s), exampleLocalPath, LocalPath), "must not start or end with spaces")
	}
	expanded, err := ExpandHome(s)
	if err != nil {
		var ve *Error
		if errors.As(err, &ve) {
			return ve
		}
		return newErr(field, exampleLocalPath, "starts with ~ but the home directory is unknown (%v); use an absolute path", err)
	}
	if !filepath.IsAbs(expanded) {
		if abs, err := filepath.Abs(expanded); err == nil {
			return newErr(field, suggest(abs, exampleLocalPath, LocalPath), "must be absolute after ~ expansion (got %q); use a full path such as /mnt/nas/recordings or ~/recordings", s)
		}
		return newErr(field, exampleLocalPath, "must be absolute after ~ expansion (got %q)", s)
	}
	return nil
}

// ExpandHome replaces a leading "~" or "~user" with that home directory;
// other paths are returned unchanged.
func ExpandHome(s string) (string, error) {
	if !strings.HasPrefix(s, "~") {
		return s, nil
	}
	name, rest, _ := strings.Cut(s[1:], "/")
	if sep := string(filepath.Separator); sep != "/" {
		// On Windows "~\recordings" is as likely as "~/recordings".
		if n, r, ok := strings.Cut(s[1:], sep); ok && len(n) < len(name) {
			name, rest = n, r
		}
	}
	var home string
	if name == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		home = h
	} else {
		u, err := user.Lookup(name)
		if err != nil {
			return "", newErr("path", exampleLocalPath, "starts with ~%s but there is no user %q; use an absolute path", name, name)
		}
		home = u.HomeDir
	}
	if rest == "" {
		return home, nil
	}
	return filepath.Join(home, rest), nil
}
