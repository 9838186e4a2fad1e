package progressui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
)

func TestNoColor(t *testing.T) {
	tests := []struct {
		env  []string
		want bool
	}{
		{nil, false},
		{[]string{"TERM=xterm-256color"}, false},
		{[]string{"NO_COLOR="}, false},
		{[]string{"NO_COLOR=1"}, true},
		{[]string{"NO_COLOR=yes please"}, true},
		{[]string{"NO_COLOR=0"}, true}, // any non-empty value, as no-color.org says
		{[]string{"NO_COLOR=1", "NO_COLOR="}, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.env, " "), func(t *testing.T) {
			if got := NoColor(tt.env); got != tt.want {
				t.Fatalf("NoColor(%v) = %v, want %v", tt.env, got, tt.want)
			}
		})
	}
}

func TestColorProfile(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want colorprofile.Profile
	}{
		{"colour terminal", []string{"TERM=xterm-256color", "COLORTERM=truecolor", "CLICOLOR_FORCE=1"}, colorprofile.TrueColor},
		{"NO_COLOR keeps bold", []string{"TERM=xterm-256color", "COLORTERM=truecolor", "CLICOLOR_FORCE=1", "NO_COLOR=yes please"}, colorprofile.Ascii},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ColorProfile(&bytes.Buffer{}, tt.env); got != tt.want {
				t.Fatalf("ColorProfile = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestProgramOptionsOffTerminal(t *testing.T) {
	tests := []struct {
		name string
		out  *bytes.Buffer
	}{
		{"buffer", &bytes.Buffer{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if IsTerminal(tt.out) {
				t.Fatal("a buffer is not a terminal")
			}
			// Input, output, environment, colour profile, no signal
			// handler, and the fixed size for a non-terminal.
			if got := len(ProgramOptions(strings.NewReader(""), tt.out, []string{})); got != 6 {
				t.Fatalf("ProgramOptions gave %d options, want 6", got)
			}
		})
	}
}
