// Package downloadui is the progress screen of `stowage download`: an
// overall bar by verified bytes, one line per download in flight (with its
// own bar for objects fetched in ranges), the latest errors, the location's
// expiry outlook and a summary frame left on the terminal when the run
// ends. It looks and behaves like the export screen (tui/exportui); the
// download itself runs in package download, in a goroutine started here
// (see Run), and the model only renders the events it reports.
package downloadui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/providers"
)

// Screen configures the terminal side of RunDownloadScreen. The zero
// value uses the process's terminal and environment.
type Screen struct {
	// In and Out are the terminal; nil means os.Stdin and os.Stdout.
	In  io.Reader
	Out io.Writer
	// Env is consulted for NO_COLOR and TERM; nil means os.Environ().
	Env []string
	// ResumeCommand is shown when the run stops before the end, e.g.
	// "stowage download acme ./recordings". Empty shows no command.
	ResumeCommand string
	// NoSignals leaves SIGINT and SIGTERM alone; by default the first is a
	// graceful stop and the second a hard one, as ctrl+c is.
	NoSignals bool
}

// Result is what happened to the run.
type Result struct {
	// Started is false when the download could not start (bad options, the
	// journal is busy); the error says why and nothing was fetched.
	Started bool
	download.Result
	// Stopped is true when the user (or a signal) stopped the run before
	// the end; it continues when run again.
	Stopped bool
}

// RunDownloadScreen runs a download from p (the location opts.Location)
// behind the progress screen, and returns when the run has ended and its
// summary frame is on the terminal.
//
// The keys are q or ctrl+c (graceful stop: downloads in flight finish and
// are verified and recorded) and a second ctrl+c (hard stop). There is no
// pause: the download engine cannot pause. Cancelling ctx is a graceful
// stop too.
//
// The error is download.Run's: nil when the run ended (failed objects are
// in Result.Failed), a context error after a stop, or why it could not
// start or why the listing failed.
func RunDownloadScreen(ctx context.Context, p providers.Provider, opts download.Options, scr Screen) (Result, error) {
	if scr.In == nil {
		scr.In = os.Stdin
	}
	if scr.Out == nil {
		scr.Out = os.Stdout
	}
	if scr.Env == nil {
		scr.Env = os.Environ()
	}
	s := startSession(ctx, p, opts)
	m := newModel(opts.Location, opts.Dest, s, scr.ResumeCommand)
	popts := []tea.ProgramOption{
		tea.WithInput(scr.In),
		tea.WithOutput(scr.Out),
		tea.WithEnvironment(scr.Env),
		tea.WithColorProfile(colorProfile(scr.Out, scr.Env)),
		// ctrl+c arrives as a key in raw mode; signals from elsewhere are
		// counted below the same way.
		tea.WithoutSignalHandler(),
	}
	if !isTerminal(scr.Out) {
		popts = append(popts, tea.WithWindowSize(80, 24))
	}
	prog := tea.NewProgram(m, popts...)

	watchDone := make(chan struct{})
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		var sigs chan os.Signal
		if !scr.NoSignals {
			sigs = make(chan os.Signal, 2)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
		}
		done := ctx.Done()
		for {
			select {
			case <-watchDone:
				return
			case <-done:
				done = nil
				prog.Send(stopMsg{})
			case <-sigs:
				prog.Send(interruptMsg{})
			}
		}
	}()

	_, runErr := prog.Run()
	close(watchDone)
	watch.Wait()
	if runErr != nil {
		// The screen broke; the download must not go on unseen.
		s.run.Stop()
	}
	res, stopped, err := s.run.Wait()
	out := Result{Started: res.JournalPath != "", Result: res, Stopped: stopped}
	if runErr != nil {
		err = errors.Join(fmt.Errorf("download screen: %w", runErr), err)
	}
	return out, err
}

// session is a Run seen by the model through the control interface, with
// its events queued for the program.
type session struct {
	run  *Run
	feed *feed
}

func startSession(ctx context.Context, p providers.Provider, opts download.Options) *session {
	s := &session{feed: newFeed()}
	if opts.StatsInterval == 0 {
		// Totals are the screen's only source of rates and counts.
		opts.StatsInterval = statsEvery
	}
	outer := opts.Events
	opts.Events = func(ev download.Event) {
		if outer != nil {
			outer(ev)
		}
		s.feed.push(ev)
	}
	s.run = Start(ctx, p, opts)
	go func() {
		res, stopped, err := s.run.Wait()
		s.feed.finish(finishedMsg{Result: res, Err: err, Started: res.JournalPath != "", Stopped: stopped})
	}()
	return s
}

func (s *session) Next() tea.Msg              { return s.feed.next() }
func (s *session) Progress() map[string]int64 { return s.run.Progress() }
func (s *session) Stop()                      { s.run.Stop() }
func (s *session) Kill()                      { s.run.Kill() }

// feed carries events from the engine to the program without ever
// blocking the engine: events queue up and the model takes them in
// batches; Totals and Listed are coalesced to their latest value. (The
// export screen's feed, copied for download events.)
type feed struct {
	mu      sync.Mutex
	pending []download.Event
	latest  map[string]int
	end     *finishedMsg
	wake    chan struct{}
}

func newFeed() *feed {
	return &feed{latest: map[string]int{}, wake: make(chan struct{}, 1)}
}

func (f *feed) push(ev download.Event) {
	f.mu.Lock()
	key := ""
	switch ev.(type) {
	case download.Totals:
		key = "totals"
	case download.Listed:
		key = "listed"
	}
	if i, ok := f.latest[key]; ok && key != "" {
		f.pending[i] = ev
	} else {
		if key != "" {
			f.latest[key] = len(f.pending)
		}
		f.pending = append(f.pending, ev)
	}
	f.mu.Unlock()
	f.signal()
}

func (f *feed) finish(m finishedMsg) {
	f.mu.Lock()
	f.end = &m
	f.mu.Unlock()
	f.signal()
}

func (f *feed) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// next blocks until there are events or the run ended; the end comes with
// or after the run's last events, and nothing follows it.
func (f *feed) next() tea.Msg {
	for range f.wake {
		f.mu.Lock()
		evs, end := f.pending, f.end
		f.pending, f.latest = nil, map[string]int{}
		f.end = nil
		f.mu.Unlock()
		if len(evs) > 0 || end != nil {
			return eventsMsg{Events: evs, End: end}
		}
	}
	return nil
}

// colorProfile is the output's colour profile, without colours when
// NO_COLOR is set to anything (no-color.org). Copied from exportui.
func colorProfile(out io.Writer, env []string) colorprofile.Profile {
	p := colorprofile.Detect(out, env)
	if noColor(env) && p > colorprofile.Ascii {
		p = colorprofile.Ascii
	}
	return p
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(f.Fd())
}

// noColor reports whether env sets NO_COLOR to a non-empty value (the last
// entry wins).
func noColor(env []string) bool {
	no := false
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "NO_COLOR="); ok {
			no = v != ""
		}
	}
	return no
}
