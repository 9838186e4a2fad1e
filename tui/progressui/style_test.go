package progressui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestSyncStopKeys(t *testing.T) {
	tests := []struct {
		name                       string
		running, stopping, killing bool
		wantStop, wantAbort        bool
		wantAbortHelp              string
	}{
		{"running", true, false, false, true, true, "stop"},
		{"stopping", true, true, false, false, true, "stop at once"},
		{"killing", true, true, true, false, false, "stop at once"},
		{"ended", false, false, false, false, false, "stop"},
		{"ended after a stop", false, true, false, false, false, "stop at once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stop, abort := StopKey("stop after uploads in flight"), AbortKey()
			// From a stopped state back, as the model syncs after every
			// message.
			SyncStopKeys(&stop, &abort, true, true, true)
			SyncStopKeys(&stop, &abort, tt.running, tt.stopping, tt.killing)
			if stop.Enabled() != tt.wantStop || abort.Enabled() != tt.wantAbort {
				t.Fatalf("enabled stop %v abort %v, want %v %v", stop.Enabled(), abort.Enabled(), tt.wantStop, tt.wantAbort)
			}
			if got := abort.Help().Desc; got != tt.wantAbortHelp {
				t.Fatalf("ctrl+c help %q, want %q", got, tt.wantAbortHelp)
			}
			if stop.Help().Key != "q" || stop.Help().Desc != "stop after uploads in flight" {
				t.Fatalf("stop help %+v", stop.Help())
			}
		})
	}
}

func TestNewBar(t *testing.T) {
	tests := []struct {
		name  string
		width int
		frac  float64
		full  int
	}{
		{"empty", 10, 0, 0},
		{"half", 10, 0.5, 5},
		{"full", 12, 1, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ansi.Strip(NewBar(tt.width).ViewAs(tt.frac))
			if ansi.StringWidth(got) != tt.width || strings.Count(got, "█") != tt.full {
				t.Fatalf("bar %q: want %d columns, %d full", got, tt.width, tt.full)
			}
		})
	}
}
