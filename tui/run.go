package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/atotto/clipboard"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/wizard"
)

// ErrNoSave is returned when Options.Save is missing.
var ErrNoSave = errors.New("tui: Options.Save is required")

// RunWizard runs the setup wizard until the user saves and finishes, picks
// a location to export to, or quits. It draws screens on a terminal, and
// asks line by line (accessible mode) when opts.Accessible is set, TERM is
// dumb or the input is not a terminal. Quitting without saving is not an
// error: Result.Saved tells.
func RunWizard(ctx context.Context, opts Options) (Result, error) {
	if opts.Save == nil {
		return Result{}, ErrNoSave
	}
	if opts.Env == nil {
		opts.Env = os.Environ()
	}
	getenv := lookupEnv(opts.Env)
	if opts.In == nil {
		opts.In = os.Stdin
	}
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	w, err := newWizard(opts)
	if err != nil {
		return Result{}, err
	}
	if opts.Served == nil && (opts.Accessible || getenv("TERM") == "dumb" || !isTerminal(opts.In)) {
		return runAccessible(ctx, opts, w)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Served: the server's clipboard tool is never the customer's.
	// Served: the terminal is at the far end of an SSH session, and tmux,
	// if any, is on the customer's side of it, where it cannot be asked.
	run, clipEnv := commandRunner(execRunner), getenv
	if opts.Served != nil {
		run = nil
		clipEnv = func(k string) string {
			if k == "SSH_CONNECTION" {
				return "served"
			}
			return getenv(k)
		}
	}
	m := newModel(ctx, opts, w, clipEnv, clipboard.Unsupported || opts.Served != nil, run)
	p := tea.NewProgram(m, programOptions(ctx, opts)...)
	if opts.Served != nil {
		go forwardResizes(ctx, p, opts.Served.Resize)
	}
	final, err := p.Run()
	m.stopAll()
	if fm, ok := final.(*model); ok {
		m = fm
	}
	// Ended however (also killed by a signal): the draft is left for the
	// next start.
	if derr := syncDraft(opts, m.w, true); derr != nil && err == nil {
		err = derr
	}
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
			return m.result, ctx.Err()
		}
		return m.result, fmt.Errorf("setup wizard: %w", err)
	}
	return m.result, nil
}

// newWizard builds the wizard for opts, on the location to edit if any.
func newWizard(opts Options) (*wizard.Wizard, error) {
	w := wizard.New(opts.File, opts.Platform, opts.Now)
	w.ScreenShare = opts.ScreenShare
	// A served session may not change the platform settings (README,
	// "Onboarding over SSH").
	w.FixedPlatform = opts.Served != nil
	if opts.EditName != "" {
		if err := w.Edit(opts.EditName); err != nil {
			return nil, err
		}
	}
	if opts.DraftPath != "" && opts.ConfigPath != "" {
		// Unsaved locations left by sessions that ended come first,
		// newest first; those of running sessions are theirs.
		ds, err := config.LeftDrafts(opts.ConfigPath)
		if err != nil {
			return nil, err
		}
		w.OfferDrafts(ds)
	}
	return w, nil
}

// programOptions wires the program to opts' terminal and environment and
// fixes its colour profile.
func programOptions(ctx context.Context, opts Options) []tea.ProgramOption {
	po := []tea.ProgramOption{
		tea.WithContext(ctx),
		tea.WithInput(opts.In),
		tea.WithOutput(opts.Out),
		tea.WithEnvironment(opts.Env),
	}
	if opts.Served != nil {
		return append(po, servedProgramOptions(opts)...)
	}
	return append(po, tea.WithColorProfile(colorProfile(opts.Out, opts.Env)))
}

// colorProfile is the terminal's colour profile, without colours when
// NO_COLOR is set to anything. colorprofile only honours NO_COLOR values
// that parse as true; no-color.org says any non-empty value counts.
// Bold, underline and reverse stay, which is what carries meaning here.
func colorProfile(out io.Writer, env []string) colorprofile.Profile {
	p := colorprofile.Detect(out, env)
	if lookupEnv(env)("NO_COLOR") != "" && p > colorprofile.Ascii {
		p = colorprofile.Ascii
	}
	return p
}

// lookupEnv returns a getenv over env ("KEY=value" entries; the last one
// wins, as in os/exec).
func lookupEnv(env []string) func(string) string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(k string) string { return m[k] }
}

// isTerminal reports whether r is a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(f.Fd())
}
