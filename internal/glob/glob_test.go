package glob

import (
	"errors"
	"testing"
)

var (
	exportOpts   = Options{Backslashes: true, LoneSlashIsRoot: true}
	downloadOpts = Options{}
)

func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, rel string
		want         bool
	}{
		{"*.wav", "a.wav", true},
		{"*.wav", "x/y/a.wav", true},
		{"*.wav", "a.wav.gz", false},
		{"x/*.wav", "x/a.wav", true},
		{"x/*.wav", "x/y/a.wav", false},
		{"x/**/*.wav", "x/a.wav", true},
		{"x/**/*.wav", "x/y/z/a.wav", true},
		{"**/tmp/**", "a/tmp/b.wav", true},
		{"**/tmp/**", "tmp/b.wav", true},
		{"**/tmp/**", "a/tmpx/b.wav", false},
		{"**/**/b.wav", "a/c/b.wav", true},
		{"x/**", "x", true},
		{"x/**", "y/a", false},
		{"tmp/", "tmp/a/b.wav", true},
		{"tmp/", "a/tmp/b.wav", false},
		{"/x/a.wav", "x/a.wav", true},
		{"  *.wav ", "a.wav", true},
		{"call-[0-9]*.wav", "d/call-7.wav", true},
		{"call-[0-9]*.wav", "d/call-x.wav", false},
		{"**", "any/thing", true},
	}
	for _, opt := range []Options{exportOpts, downloadOpts} {
		for _, c := range cases {
			t.Run(c.pattern+" "+c.rel, func(t *testing.T) {
				g, err := Compile(c.pattern, opt)
				if err != nil {
					t.Fatal(err)
				}
				if got := g.Match(c.rel); got != c.want {
					t.Fatalf("%+v: match = %v, want %v", opt, got, c.want)
				}
				if g.String() != c.pattern {
					t.Fatalf("String = %q, want %q", g.String(), c.pattern)
				}
			})
		}
	}
}

// TestOptions pins where the two callers read patterns differently.
func TestOptions(t *testing.T) {
	cases := []struct {
		name    string
		opt     Options
		pattern string
		rel     string
		want    bool
		wantErr error
	}{
		{"export backslash is a separator", exportOpts, `x\*.wav`, "x/a.wav", true, nil},
		{"download backslash escapes", downloadOpts, `x\*.wav`, "x*.wav", true, nil},
		{"download backslash escapes, no folder", downloadOpts, `x\*.wav`, "x/a.wav", false, nil},
		{"export lone slash is the root", exportOpts, "/", "a/b.wav", true, nil},
		{"download lone slash is empty", downloadOpts, "/", "", false, ErrEmpty},
		{"blank", exportOpts, "  ", "", false, ErrEmpty},
		{"export double slash", exportOpts, "a//b", "", false, ErrEmptySegment},
		{"download leading double slash", downloadOpts, "//a", "", false, ErrEmptySegment},
		{"export leading double slash", exportOpts, "//a", "", false, ErrEmptySegment},
		{"malformed", downloadOpts, "a/[", "", false, ErrMalformed},
		{"malformed base", exportOpts, "[", "", false, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := Compile(c.pattern, c.opt)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				var se *SyntaxError
				if !errors.As(err, &se) || se.Raw != c.pattern {
					t.Fatalf("err = %#v, want a *SyntaxError naming %q", err, c.pattern)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := g.Match(c.rel); got != c.want {
				t.Fatalf("match(%q) = %v, want %v", c.rel, got, c.want)
			}
		})
	}
}

func TestSet(t *testing.T) {
	compile := func(ps ...string) []Pattern {
		var out []Pattern
		for _, p := range ps {
			g, err := Compile(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, g)
		}
		return out
	}
	cases := []struct {
		name             string
		include, exclude []string
		rel              string
		want             bool
	}{
		{"empty set passes all", nil, nil, "a/b.wav", true},
		{"include hit", []string{"*.wav"}, nil, "a/b.wav", true},
		{"include miss", []string{"*.wav"}, nil, "a/b.mp4", false},
		{"second include hit", []string{"*.mp4", "*.wav"}, nil, "b.wav", true},
		{"exclude wins", []string{"*.wav"}, []string{"tmp/"}, "tmp/b.wav", false},
		{"exclude only", nil, []string{"*.tmp"}, "b.tmp", false},
		{"exclude only, passes", nil, []string{"*.tmp"}, "b.wav", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &Set{Include: compile(c.include...), Exclude: compile(c.exclude...)}
			if got := s.Match(c.rel); got != c.want {
				t.Fatalf("Match(%q) = %v, want %v", c.rel, got, c.want)
			}
		})
	}
}
