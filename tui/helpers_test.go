package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/wizard"
)

// fixedNow is the clock of every test, so saved times and screens do not
// change between runs.
var fixedNow = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

const testConfigPath = "/home/ada/.config/stowage/locations.yaml"

// newTestModel builds a model at 80×24 with a fixed clock, no
// environment and a desktop clipboard.
// forceScreenShare makes every test model screen-share, for
// TestGoldenScreensLeakNothing; tests in this package do not run in
// parallel.
var forceScreenShare bool

func newTestModel(t *testing.T, opts Options) *model {
	t.Helper()
	if forceScreenShare {
		opts.ScreenShare = true
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	if opts.Save == nil {
		opts.Save = config.Save
	}
	if opts.ConfigPath == "" {
		opts.ConfigPath = testConfigPath
	}
	w, err := newWizard(opts)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(context.Background(), opts, w, func(string) string { return "" }, false, nil)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return m
}

// keyMsg turns a key name ("enter", "shift+tab", "ctrl+r", "a") into a key
// press.
func keyMsg(name string) tea.KeyPressMsg {
	var mod tea.KeyMod
	for {
		switch {
		case strings.HasPrefix(name, "shift+"):
			mod |= tea.ModShift
			name = strings.TrimPrefix(name, "shift+")
			continue
		case strings.HasPrefix(name, "ctrl+"):
			mod |= tea.ModCtrl
			name = strings.TrimPrefix(name, "ctrl+")
			continue
		}
		break
	}
	codes := map[string]rune{
		"enter": tea.KeyEnter, "tab": tea.KeyTab, "esc": tea.KeyEscape, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "space": tea.KeySpace, "backspace": tea.KeyBackspace,
		"pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp,
	}
	if c, ok := codes[name]; ok {
		k := tea.KeyPressMsg{Code: c, Mod: mod}
		if c == tea.KeySpace {
			k.Text = " "
		}
		return k
	}
	r := []rune(name)[0]
	if mod != 0 {
		return tea.KeyPressMsg{Code: r, Mod: mod}
	}
	return tea.KeyPressMsg{Code: r, Text: name}
}

// press sends keys to m, running the commands they return that finish at
// once (not ticks or tests), as the program would.
func press(m *model, keys ...string) {
	for _, k := range keys {
		send(m, keyMsg(k))
	}
}

func send(m *model, msg tea.Msg) {
	_, cmd := m.Update(msg)
	_ = cmd
}

// typeText types s one character at a time.
func typeText(m *model, s string) {
	for _, r := range s {
		send(m, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// screen is the rendered screen without ANSI sequences.
func screen(m *model) string { return ansi.Strip(m.render()) }

// displayWidth is the number of terminal cells s takes.
func displayWidth(s string) int { return ansi.StringWidth(s) }

// hasMarker reports whether a drawn body says that something is cut off.
func hasMarker(body string) bool {
	return strings.Contains(body, "↑ more above") || strings.Contains(body, "↓ more below")
}

// formNow is the form on screen; the step must have fields.
func (m *model) formNow() *formScreen { return m.screens[m.w.Step()].(*formScreen) }

// tests is the Test step's screen.
func (m *model) tests() *testScreen { return m.screens[wizard.StepTest].(*testScreen) }

// pols is the Policies step's screen.
func (m *model) pols() *policyScreen { return m.screens[wizard.StepPolicies].(*policyScreen) }
