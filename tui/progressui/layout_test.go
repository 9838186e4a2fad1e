package progressui

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestLayoutResize(t *testing.T) {
	tests := []struct {
		name                        string
		w, h                        int
		content, rows, bar, fileBar int
	}{
		{"default", 80, 24, 80, 23, 72, 12},
		{"wide", 140, 40, 140, 39, 132, 32},
		{"narrow", 30, 10, 40, 9, 32, 12},
		{"tiny", 5, 2, 40, 5, 32, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLayout()
			l.Resize(tt.w, tt.h)
			if l.ContentWidth() != tt.content || l.Rows() != tt.rows || l.Bar.Width() != tt.bar || l.FileBar.Width() != tt.fileBar {
				t.Fatalf("content %d rows %d bar %d fileBar %d, want %d %d %d %d",
					l.ContentWidth(), l.Rows(), l.Bar.Width(), l.FileBar.Width(), tt.content, tt.rows, tt.bar, tt.fileBar)
			}
		})
	}
	if l := NewLayout(); l.Width != 80 || l.Height != 24 || l.Bar.Width() != 72 {
		t.Fatalf("NewLayout is %d×%d with a %d bar, want 80×24 and 72", l.Width, l.Height, l.Bar.Width())
	}
}

func TestView(t *testing.T) {
	tests := []struct {
		name                  string
		running, held, failed bool
		frac                  float64
		wantBar               bool
		wantState             tea.ProgressBarState
		wantValue             int
	}{
		{"running", true, false, false, 0.425, true, tea.ProgressBarDefault, 42},
		{"held wins over failed", true, true, true, 0.5, true, tea.ProgressBarWarning, 50},
		{"failed", true, false, true, 1, true, tea.ProgressBarError, 100},
		{"ended", false, false, true, 1, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := View("frame\n", "stowage export acme", tt.running, tt.frac, tt.held, tt.failed)
			if v.Content != "frame\n" || v.WindowTitle != "stowage export acme" {
				t.Fatalf("view %q titled %q", v.Content, v.WindowTitle)
			}
			if (v.ProgressBar != nil) != tt.wantBar {
				t.Fatalf("progress bar %+v, want one: %v", v.ProgressBar, tt.wantBar)
			}
			if tt.wantBar && (v.ProgressBar.State != tt.wantState || v.ProgressBar.Value != tt.wantValue) {
				t.Fatalf("progress bar %+v, want state %v value %d", *v.ProgressBar, tt.wantState, tt.wantValue)
			}
		})
	}
}

func TestInFlight(t *testing.T) {
	const mib = 1 << 20
	big := Transfer{Name: "calls/big.wav", Size: 900 * mib, Done: 300 * mib, Large: true}
	small := Transfer{Name: "calls/small.wav", Size: 2048}
	tests := []struct {
		name  string
		files []Transfer
		room  int
		want  []string
	}{
		{"large first", []Transfer{small, big}, 5, []string{
			"  calls/big.wav                          ████░░░░░░░░  33%       300.0/900.0 MiB",
			"  calls/small.wav                                                        2.0 KiB",
		}},
		{"status replaces the counts", []Transfer{{Name: "a.wav", Size: 10 * mib, Done: 10 * mib, Large: true, Status: "verifying…"}}, 5, []string{
			"  a.wav                                  ████████████ 100%            verifying…",
		}},
		{"left out counted", []Transfer{small, small, small}, 2, []string{
			"  calls/small.wav                                                        2.0 KiB",
			"  … and 2 more",
		}},
		{"room for the count only", []Transfer{small, small}, 1, []string{"  … and 2 more"}},
		{"long name cut from the left", []Transfer{{Name: strings.Repeat("x", 40) + "/end.wav", Size: 1}}, 1, []string{
			"  …xxxxxxxxxxxxxxxxxxxxxxxxxxxxx/end.wav                                     1 B",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLayout()
			var got []string
			for _, line := range l.InFlight(tt.files, l.ContentWidth(), tt.room) {
				got = append(got, ansi.Strip(line))
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("lines\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
