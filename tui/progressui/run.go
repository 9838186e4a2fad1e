package progressui

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
)

// ProgramOptions are the options a progress screen's program runs with:
// in, out and env as its terminal (nil means os.Stdin, os.Stdout and
// os.Environ()), the colour profile ColorProfile picks, and no signal
// handler of Bubble Tea's own: ctrl+c arrives as a key in raw mode, and
// Watch delivers signals from elsewhere as a message instead of quitting.
// When out is not a terminal (a log, a test) there is no size to ask for,
// so the program draws at 80×24, the smallest the screens are made for.
func ProgramOptions(in io.Reader, out io.Writer, env []string) []tea.ProgramOption {
	if in == nil {
		in = os.Stdin
	}
	if out == nil {
		out = os.Stdout
	}
	if env == nil {
		env = os.Environ()
	}
	opts := []tea.ProgramOption{
		tea.WithInput(in),
		tea.WithOutput(out),
		tea.WithEnvironment(env),
		tea.WithColorProfile(ColorProfile(out, env)),
		tea.WithoutSignalHandler(),
	}
	if !IsTerminal(out) {
		opts = append(opts, tea.WithWindowSize(80, 24))
	}
	return opts
}

// Watch sends prog stop once ctx ends and interrupt on every SIGINT or
// SIGTERM (unless noSignals: a program that handles them itself), until
// the returned function is called; that function returns once watching
// has stopped, so nothing is sent to a program that is gone.
func Watch(ctx context.Context, prog *tea.Program, noSignals bool, stop, interrupt tea.Msg) (done func()) {
	var sigs chan os.Signal
	if !noSignals {
		sigs = make(chan os.Signal, 2)
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	}
	quit := make(chan struct{})
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		if sigs != nil {
			defer signal.Stop(sigs)
		}
		watchLoop(ctx, sigs, quit, time.Now, func(m tea.Msg) { prog.Send(m) }, stop, interrupt)
	}()
	return func() {
		close(quit)
		watch.Wait()
	}
}

// sameSignal is how close a signal and the end of ctx must be to count as
// one event. The command's root context ends on the very SIGINT the screen
// also receives; counting both would make one signal a hard stop. A
// person's second ctrl+c comes far later than this.
const sameSignal = 250 * time.Millisecond

// watchLoop is Watch's loop, apart from the program for tests: a signal and
// the end of ctx within sameSignal of each other send only one message.
func watchLoop(ctx context.Context, sigs <-chan os.Signal, quit <-chan struct{}, now func() time.Time, send func(tea.Msg), stop, interrupt tea.Msg) {
	ended := ctx.Done()
	var lastSignal, stopped time.Time
	for {
		select {
		case <-quit:
			return
		case <-ended:
			ended = nil
			t := now()
			if !lastSignal.IsZero() && t.Sub(lastSignal) < sameSignal {
				continue // the context ended on the signal already sent
			}
			stopped = t
			send(stop)
		case <-sigs:
			t := now()
			lastSignal = t
			if !stopped.IsZero() && t.Sub(stopped) < sameSignal {
				continue // the signal that ended the context
			}
			send(interrupt)
		}
	}
}

// ColorProfile is the output's colour profile, without colours when
// NO_COLOR is set to anything (no-color.org; colorprofile only honours
// values that parse as true). Bold and reverse stay: they carry the meaning.
func ColorProfile(out io.Writer, env []string) colorprofile.Profile {
	p := colorprofile.Detect(out, env)
	if NoColor(env) && p > colorprofile.Ascii {
		p = colorprofile.Ascii
	}
	return p
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(f.Fd())
}

// NoColor reports whether env sets NO_COLOR to a non-empty value (the last
// entry wins, as in os/exec).
func NoColor(env []string) bool {
	no := false
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "NO_COLOR="); ok {
			no = v != ""
		}
	}
	return no
}
