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

	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/tui/progressui"
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
	s := startSession(ctx, p, opts)
	m := newModel(opts.Location, opts.Dest, s, scr.ResumeCommand)
	prog := tea.NewProgram(m, progressui.ProgramOptions(scr.In, scr.Out, scr.Env)...)

	stopWatch := progressui.Watch(ctx, prog, scr.NoSignals, stopMsg{}, interruptMsg{})
	_, runErr := prog.Run()
	stopWatch()
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
		s.feed.Push(ev)
	}
	s.run = Start(ctx, p, opts)
	go func() {
		res, stopped, err := s.run.Wait()
		s.feed.Finish(finishedMsg{Result: res, Err: err, Started: res.JournalPath != "", Stopped: stopped})
	}()
	return s
}

func (s *session) Next() tea.Msg {
	evs, end := s.feed.Next()
	return eventsMsg{Events: evs, End: end}
}
func (s *session) Progress() map[string]int64 { return s.run.Progress() }
func (s *session) Stop()                      { s.run.Stop() }
func (s *session) Kill()                      { s.run.Kill() }

// feed carries events from the engine to the program without ever
// blocking it. Totals and Listed are coalesced to their latest value.
type feed = progressui.Feed[download.Event, finishedMsg]

func newFeed() *feed { return progressui.NewFeed[download.Event, finishedMsg](feedKey) }

// feedKey is the coalescing key of ev: only the latest of each counts.
func feedKey(ev download.Event) string {
	switch ev.(type) {
	case download.Totals:
		return "totals"
	case download.Listed:
		return "listed"
	}
	return ""
}
