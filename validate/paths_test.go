package validate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPrefix(t *testing.T) {
	for _, c := range []tc{
		{"empty", "", true, ""},
		{"folder", "recordings/", true, ""},
		{"no trailing slash", "recordings", true, ""},
		{"nested", "calls/2024/eu/", true, ""},
		{"unicode", "aufnahmen/größe/", true, ""},
		{"dots in names", "v1.2/..hidden/", true, ""},
		{"900 bytes", strings.Repeat("a", 899) + "/", true, ""},
		{"901 bytes", strings.Repeat("a", 900) + "/", false, "at most 900 bytes long (got 901)"},
		{"multibyte counted in bytes", strings.Repeat("é", 451), false, "got 902"},
		{"leading slash", "/recordings/", false, `must not start with "/"`},
		{"double slash", "a//b/", false, `"//" (at position 2)`},
		{"dot segment", "a/./b/", false, `"." folder`},
		{"dotdot segment", "../b/", false, `".." folder`},
		{"only dot", ".", false, `"." folder`},
		{"control", "a\x01b/", false, "control character"},
		{"newline", "a\nb/", false, "control character"},
		{"del", "a\x7fb/", false, "control character"},
		{"backslash", `calls\2024\`, false, "backslash at position 6"},
		{"invalid utf8", "a\xffb/", false, "UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Prefix(c.in)
			checkErr(t, err, c, "prefix")
			exampleValid(t, err, Prefix)
		})
	}
}

func TestNormalizePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"":              "",
		"   ":           "",
		"/":             "",
		"recordings":    "recordings/",
		"/recordings":   "recordings/",
		"//recordings/": "recordings/",
		" calls/2024 ":  "calls/2024/",
		"recordings/":   "recordings/",
	} {
		if got := NormalizePrefix(in); got != want {
			t.Errorf("NormalizePrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEndpoint(t *testing.T) {
	for _, c := range []tc{
		{"https", "https://s3.example.com", true, ""},
		{"trailing slash", "https://s3.example.com/", true, ""},
		{"http port", "http://127.0.0.1:9000", true, ""},
		{"localhost", "http://localhost:9000", true, ""},
		{"ipv6", "http://[::1]:9000", true, ""},
		{"r2", "https://0123456789abcdef.r2.cloudflarestorage.com", true, ""},
		{"empty", "", false, "required"},
		{"no scheme", "s3.example.com", false, "https:// or http://"},
		{"ftp", "ftp://s3.example.com", false, "https:// or http://"},
		{"path", "https://s3.example.com/acme-bucket", false, `path (got "/acme-bucket")`},
		{"query", "https://s3.example.com/?x=1", false, "query"},
		{"bare question", "https://s3.example.com?", false, "query"},
		{"fragment", "https://s3.example.com#x", false, "fragment"},
		{"userinfo", "https://AKIA:secret@s3.example.com", false, "user name or password"},
		{"no host", "https://", false, "missing the host"},
		{"bad port", "http://s3.example.com:99999", false, "not a valid host"},
		{"bad host", "https://s3_.exa mple.com", false, "not a valid"},
		{"spaces", " https://s3.example.com", false, "spaces"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Endpoint(c.in)
			checkErr(t, err, c, "endpoint")
			exampleValid(t, err, Endpoint)
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("error echoes URL credentials: %v", err)
			}
		})
	}
	if err := Endpoint("s3.example.com:9000").(*Error); err.Example != "https://s3.example.com:9000" {
		t.Errorf("example for missing scheme = %q", err.Example)
	}
}

func TestLocalPath(t *testing.T) {
	for _, c := range []tc{
		{"absolute", "/mnt/nas/recordings", true, ""},
		{"root", "/", true, ""},
		{"home", "~", true, ""},
		{"home sub", "~/recordings", true, ""},
		{"empty", "", false, "required"},
		{"blank", "   ", false, "required"},
		{"relative", "recordings", false, "absolute after ~ expansion"},
		{"dot", "./recordings", false, "absolute after ~ expansion"},
		{"nul", "/mnt/a\x00b", false, "NUL"},
		{"unknown user", "~nosuchuser-stowage/x", false, "no user"},
		{"spaces", " /mnt/nas", false, "spaces"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := LocalPath(c.in)
			checkErr(t, err, c, "path")
			exampleValid(t, err, LocalPath)
		})
	}
}

func TestExpandHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, c := range []struct{ in, want string }{
		{"~", home},
		{"~/", home},
		{"~/recordings", filepath.Join(home, "recordings")},
		{"/abs/path", "/abs/path"},
		{"rel/path", "rel/path"},
		{"a~b", "a~b"},
	} {
		got, err := ExpandHome(c.in)
		if err != nil || got != c.want {
			t.Errorf("ExpandHome(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := ExpandHome("~nosuchuser-stowage/x"); err == nil {
		t.Error("unknown user: want error")
	}
	if u := os.Getenv("USER"); u != "" {
		if got, err := ExpandHome("~" + u + "/x"); err != nil || !filepath.IsAbs(got) {
			t.Errorf("ExpandHome(~%s/x) = %q, %v", u, got, err)
		}
	}
}
