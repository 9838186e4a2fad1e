package progressui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestFrame(t *testing.T) {
	tests := []struct {
		name          string
		lines, resume []string
		w, rows       int
		want          string
	}{
		{"fits", []string{"a", "b"}, nil, 10, 5, "a\nb\n"},
		{"cut to width", []string{"abcdefghij"}, nil, 5, 5, "abcd…\n"},
		{"cut to rows", []string{"1", "2", "3", "4"}, nil, 10, 2, "1\n2\n"},
		{"resume kept whole", []string{"1", "2", "3"}, []string{"", "run x y z"}, 4, 3, "1\n\nrun x y z\n"},
		{"at least one line", []string{"1", "2"}, []string{"a", "b", "c"}, 10, 2, "1\na\nb\nc\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Frame(slices.Clone(tt.lines), tt.resume, tt.w, tt.rows); got != tt.want {
				t.Fatalf("Frame = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRows(t *testing.T) {
	tests := []struct{ height, want int }{{24, 23}, {6, 5}, {2, 5}, {0, 5}}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.height), func(t *testing.T) {
			if got := Rows(tt.height); got != tt.want {
				t.Fatalf("Rows(%d) = %d, want %d", tt.height, got, tt.want)
			}
		})
	}
}

func TestTextHelpers(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"plural one", Plural(1, "retry", "retries"), "1 retry"},
		{"plural many", Plural(3, "retry", "retries"), "3 retries"},
		{"plural none", Plural(0, "file", "files"), "0 files"},
		{"spread", Spread("ab", "cd", 8), "ab    cd"},
		{"spread too narrow", Spread("abc", "def", 4), "abc def"},
		{"truncLeft keeps end", TruncLeft("calls/2024/a.wav", 8), "…4/a.wav"},
		{"truncLeft fits", TruncLeft("a.wav", 8), "a.wav"},
		{"padRight", PadRight("ab", 4), "ab  "},
		{"padRight wide", PadRight("abcde", 4), "abcde"},
		{"padLeft", PadLeft("ab", 4), "  ab"},
		{"oneLine", OneLine("a\n  b\tc "), "a b c"},
		{"bytesOf same unit", BytesOf(300<<20, 900<<20), "300.0/900.0 MiB"},
		{"bytesOf units differ", BytesOf(512, 1024), "512 B/1.0 KiB"},
		{"errText", ErrText(nil), "unknown error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"wrapIndent", WrapIndent("one two three", 11, "  "), []string{"  one two", "  three"}},
		{"wrapLines", WrapLines("aaaa bbbb cccc", 10, 0), []string{"aaaa bbbb", "cccc"}},
		{"wrapLines limit", WrapLines("aaaa bbbb cccc dddd eeee ffff", 10, 2), []string{"aaaa bbbb", "cccc dddd…"}},
		{"wrapLines min width", WrapLines("aaaa bbbb", 3, 0), []string{"aaaa bbbb"}},
		{"shellLines fits", ShellLines("stowage export acme /data", 40, "  "), []string{"  stowage export acme /data"}},
		{"shellLines breaks", ShellLines("stowage export acme /data", 20, "  "), []string{"  stowage export \\", "  acme /data"}},
		{"shellLines quoted", ShellLines("stowage export 'a b c d e f'", 20, ""), []string{"stowage export \\", "'a b c d e f'"}},
		{"shellWords escaped", shellWords(`a b\ c 'd e'`), []string{"a", `b\ c`, "'d e'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// TestPathLines: paths stay beside their label when they fit there; a path
// that does not goes on a line of its own, whole, so a mouse selection
// copies it; only a path wider than the screen is broken.
func TestPathLines(t *testing.T) {
	label := func(s string) string { return fmt.Sprintf("%-9s", s) }
	short := "/tmp/m.csv"
	home := "/home/jsmith/.config/stowage/journals/21199ec0eb61-20261206T211952Z.jsonl" // 73 columns
	wide := "/" + strings.Repeat("d", 90)
	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		{"beside", []string{short, "/tmp/m.jsonl"}, []string{"manifest  /tmp/m.csv", "          /tmp/m.jsonl"}},
		{"own lines", []string{short, home}, []string{"manifest ", short, home}},
		{"wider than the screen", []string{wide}, []string{"manifest ", wide[:80], wide[80:]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PathLines(label, "manifest", tt.paths, 80, 10); !slices.Equal(got, tt.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
