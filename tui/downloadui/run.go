// Package downloadui is the progress screen of `stowage download`: an
// overall bar by verified bytes, one line per download in flight (with its
// own bar for objects fetched in ranges), the latest errors, the location's
// expiry outlook and a summary frame left on the terminal when the run
// ends. It looks and behaves like the export screen (tui/exportui); the
// download itself runs in package download, in a goroutine started here,
// and the model only renders the events it reports and turns keys into
// calls on its Controller and stop policy.
package downloadui

import (
	"context"
	"errors"
	"fmt"
	"io"

	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/internal/runctl"
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
	// Stops is the run's stop policy, which the command also forwards
	// SIGINT and SIGTERM to; its graceful stop must be opts.Controller's
	// Stop and its hard stop must cancel ctx. Nil: the screen makes one,
	// and only its keys stop the run.
	Stops *runctl.Stops
	// Mask renders text that may quote the location's values (a store's
	// error) for the screen, e.g. config.Redactor.Text; nil shows it as is.
	Mask func(string) string
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
// The keys are p (pause/resume), q or ctrl+c (a stop request through
// scr.Stops: the first is graceful, downloads in flight finish and are
// verified and recorded; the second hard). Cancelling ctx is the hard stop.
//
// The error is download.Run's: nil when the run ended (failed objects are
// in Result.Failed), download.ErrStopped or a context error after a stop,
// or why it could not start or why the listing failed.
func RunDownloadScreen(ctx context.Context, p providers.Provider, opts download.Options, scr Screen) (Result, error) {
	s := startSession(ctx, p, opts, scr.Stops)
	m := newModel(opts.Location, opts.Dest, s, scr.ResumeCommand)
	m.Mask = scr.Mask
	prog := tea.NewProgram(m, progressui.ProgramOptions(scr.In, scr.Out, scr.Env)...)

	m.keys.SetLevel(s.stops.Watch(func(l runctl.Level) { prog.Send(progressui.LevelMsg(l)) }))
	_, runErr := prog.Run()
	s.stops.Watch(nil)
	if runErr != nil {
		// The screen broke; the download must not go on unseen.
		s.ctl.Stop()
	}
	<-s.ended
	res, err := s.res, s.err
	out := Result{Started: res.JournalPath != "", Result: res, Stopped: download.Stopped(res, err)}
	if runErr != nil {
		err = errors.Join(fmt.Errorf("download screen: %w", runErr), err)
	}
	return out, err
}

// session is one download run in its own goroutine, seen by the model
// through the control interface.
type session struct {
	ctl   *download.Controller
	stops *runctl.Stops
	feed  *feed
	ended chan struct{}
	res   download.Result // set before ended is closed
	err   error
}

// startSession begins the download; stops, when nil, is made from the
// controller and a context of its own.
func startSession(ctx context.Context, p providers.Provider, opts download.Options, stops *runctl.Stops) *session {
	hard, cancel := context.WithCancel(ctx)
	s := &session{feed: newFeed(), ended: make(chan struct{})}
	if opts.Controller == nil {
		opts.Controller = download.NewController()
	}
	s.ctl = opts.Controller
	if stops == nil {
		stops = runctl.NewStops(s.ctl.Stop, cancel)
	}
	s.stops = stops
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
	go func() {
		defer close(s.ended)
		defer cancel()
		res, err := download.Run(hard, p, opts)
		s.res, s.err = res, err
		s.feed.Finish(finishedMsg{Result: res, Err: err, Started: res.JournalPath != "", Stopped: download.Stopped(res, err)})
	}()
	return s
}

func (s *session) Next() tea.Msg {
	evs, end := s.feed.Next()
	return eventsMsg{Events: evs, End: end}
}
func (s *session) Progress() map[string]int64 { return s.ctl.Progress() }
func (s *session) Pause()                     { s.ctl.Pause() }
func (s *session) Resume()                    { s.ctl.Resume() }
func (s *session) Interrupt() runctl.Level    { return s.stops.Request() }

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
