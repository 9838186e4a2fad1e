package progressui

import (
	"io"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
)

// ProgramOptions are the options a progress screen's program runs with:
// in, out and env as its terminal (nil means os.Stdin, os.Stdout and
// os.Environ()), the colour profile ColorProfile picks, and no signal
// handler of Bubble Tea's own: ctrl+c arrives as a key in raw mode, and
// signals from elsewhere reach the run's stop policy through the command,
// which subscribes to them once.
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
