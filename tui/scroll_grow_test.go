package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/wizard"
)

// TestScrollResetsWhenTheWindowGrows: a screen scrolled down in a small
// window shows its top again once the window is tall enough for all of it
// (issue 10 §6).
func TestScrollResetsWhenTheWindowGrows(t *testing.T) {
	for _, tc := range []struct {
		name string
		step wizard.Step
		keys []string
	}{
		{"review", wizard.StepReview, []string{"pgdown", "pgdown", "pgdown"}},
		{"where", wizard.StepWhere, []string{"down", "down", "down", "space", "down", "down", "down", "down", "down", "down"}},
		{"policies", wizard.StepPolicies, []string{"down", "down", "down", "down", "down", "down", "down", "down", "down", "down"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := editing(t, "acme-recordings", tc.step, false)
			send(m, tea.WindowSizeMsg{Width: 80, Height: 14})
			press(m, tc.keys...)
			if !strings.Contains(screen(m), "more above") {
				t.Fatalf("nothing scrolled at 80×14:\n%s", screen(m))
			}
			send(m, tea.WindowSizeMsg{Width: 80, Height: 120})
			if s := screen(m); strings.Contains(s, "more above") {
				t.Fatalf("after growing to 80×120 the screen is still scrolled:\n%s", s)
			}
		})
	}
}
