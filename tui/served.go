package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// Served runs the wizard on an SSH session's pty (package serve) instead of
// the process's own terminal. In and Out are the session; it is not a
// terminal device, so the screens are drawn without that check, and the
// session's window sizes arrive through Resize rather than SIGWINCH.
//
// A served wizard never touches the server's disk or clipboard on the
// customer's behalf: documents are not saved to files (copy only), there is
// no export (the folder picker would browse the server), and copying always
// goes through OSC 52 to the customer's terminal.
type Served struct {
	// Width and Height are the pty's size when the session starts.
	Width, Height int
	// Resize delivers the pty's later sizes; nil when it never changes.
	Resize <-chan Size
}

// Size is a terminal size in cells.
type Size struct{ Width, Height int }

// servedProgramOptions sizes the program and takes the colour profile from
// the session's TERM and NO_COLOR, as there is no device to ask.
func servedProgramOptions(opts Options) []tea.ProgramOption {
	p := colorprofile.Env(opts.Env)
	if lookupEnv(opts.Env)("NO_COLOR") != "" && p > colorprofile.Ascii {
		p = colorprofile.Ascii
	}
	return []tea.ProgramOption{
		tea.WithWindowSize(opts.Served.Width, opts.Served.Height),
		tea.WithColorProfile(p),
	}
}

// forwardResizes sends the session's window changes to p until ctx ends.
func forwardResizes(ctx context.Context, p *tea.Program, sizes <-chan Size) {
	if sizes == nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case s, ok := <-sizes:
			if !ok {
				return
			}
			p.Send(tea.WindowSizeMsg{Width: s.Width, Height: s.Height})
		}
	}
}

// served reports whether the wizard runs in an SSH session, where keys that
// act on the server's side (save a document to a file, export) are off.
func (c *common) served() bool { return c.opts.Served != nil }
