// Package exportui is the progress screen of a bulk export: an overall bar
// by acknowledged bytes, one line per upload in flight, the latest errors
// and a summary frame left on the terminal when the run ends. The export
// itself runs in package export, in a goroutine started here; the model
// only renders the events it reports and turns keys into calls on its
// Controller.
package exportui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/runctl"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/tui/progressui"
)

// Screen configures the terminal side of RunExportScreen. The zero value
// uses the process's terminal and environment.
type Screen struct {
	// In and Out are the terminal; nil means os.Stdin and os.Stdout.
	In  io.Reader
	Out io.Writer
	// Env is consulted for NO_COLOR and TERM; nil means os.Environ().
	Env []string
	// ResumeCommand is shown when the run stops before the end, e.g.
	// "stowage export acme /data/calls". Empty shows no command.
	ResumeCommand string
	// Stops is the run's stop policy, which the command also forwards
	// SIGINT and SIGTERM to; its graceful stop must be opts.Controller's
	// Stop and its hard stop must cancel ctx. Nil: the screen makes one,
	// and only its keys stop the run.
	Stops *runctl.Stops
	// Mask renders text that may quote the location's values (a store's
	// error) for the screen, e.g. config.Redactor.Text; nil shows it as is.
	Mask func(string) string
	// Run, when set, runs the export instead of export.Run (the batch
	// engine, export.RunBatch, with the same events and controller).
	Run func(ctx context.Context, opts export.Options) (export.Summary, error)
}

// Result is what happened to the run.
type Result struct {
	// Started is false when the export could not start (bad options, the
	// journal is busy); the error says why and nothing was uploaded.
	Started bool
	Summary export.Summary
	// Stopped is true when the user (or a signal) stopped the run before
	// the end; it continues when run again.
	Stopped bool
	// Failures holds the first MaxFailures failed files; FailedTotal counts
	// them all.
	Failures    []export.FileFailed
	FailedTotal int
}

// MaxFailures is how many failed files Result keeps.
const MaxFailures = 20

// RunExportScreen runs an export of opts to the location p (named location)
// behind the progress screen, and returns when the run has ended and its
// summary frame is on the terminal.
//
// The keys are p (pause/resume), q or ctrl+c (a stop request through
// scr.Stops: the first is graceful, uploads in flight finish; the second
// hard, in-flight requests are abandoned and the journal keeps everything
// that finished). Cancelling ctx is the hard stop. opts.Controller and
// opts.Events may be set; the screen adds its own handling to them.
//
// The error is the engine's: nil when every file was exported,
// export.ErrStopped after a graceful stop, a wrapped export.ErrFilesFailed
// when files failed, a context error after a hard stop.
func RunExportScreen(ctx context.Context, p providers.Provider, location string, opts export.Options, scr Screen) (Result, error) {
	s := start(ctx, p, location, opts, scr.Stops, scr.Run)
	m := newModel(location, s, scr.ResumeCommand)
	m.Mask = scr.Mask
	prog := tea.NewProgram(m, progressui.ProgramOptions(scr.In, scr.Out, scr.Env)...)

	// Requests from elsewhere (a signal) are shown; keys' answers come back
	// as their command's message.
	m.keys.SetLevel(s.stops.Watch(func(l runctl.Level) { prog.Send(progressui.LevelMsg(l)) }))
	_, runErr := prog.Run()
	s.stops.Watch(nil)
	if runErr != nil {
		// The screen broke (no terminal, say); the export must not go on
		// unseen, so it stops as gracefully as a q would.
		s.ctl.Stop()
	}
	<-s.ended
	res, err := s.result()
	if runErr != nil {
		err = errors.Join(fmt.Errorf("export screen: %w", runErr), err)
	}
	return res, err
}

// session is one export run in its own goroutine, seen by the model
// through the control interface.
type session struct {
	ctl   *export.Controller
	stops *runctl.Stops
	feed  *feed
	ended chan struct{}

	mu       sync.Mutex
	failures []export.FileFailed
	failed   int
	sum      export.Summary
	err      error
	stopped  bool
}

// start begins the export; stops, when nil, is made from the controller
// and a context of its own.
func start(ctx context.Context, p providers.Provider, location string, opts export.Options, stops *runctl.Stops,
	run func(context.Context, export.Options) (export.Summary, error)) *session {
	if run == nil {
		run = func(ctx context.Context, opts export.Options) (export.Summary, error) {
			return export.Run(ctx, p, location, opts)
		}
	}
	hard, cancel := context.WithCancel(ctx)
	s := &session{feed: newFeed(), ended: make(chan struct{})}
	if opts.Controller == nil {
		opts.Controller = export.NewController()
	}
	s.ctl = opts.Controller
	if stops == nil {
		stops = runctl.NewStops(s.ctl.Stop, cancel)
	}
	s.stops = stops
	outer := opts.Events
	opts.Events = func(ev export.Event) {
		if ff, ok := ev.(export.FileFailed); ok {
			s.mu.Lock()
			s.failed++
			if len(s.failures) < MaxFailures {
				s.failures = append(s.failures, ff)
			}
			s.mu.Unlock()
		}
		if outer != nil {
			outer(ev)
		}
		s.feed.Push(ev)
	}
	go func() {
		defer close(s.ended)
		defer cancel()
		sum, err := run(hard, opts)
		st := sum.Stopped || stopped(err, hard)
		s.mu.Lock()
		s.sum, s.err, s.stopped = sum, err, st
		s.mu.Unlock()
		s.feed.Finish(finishedMsg{Summary: sum, Err: err, Started: err == nil || sum.Location != "", Stopped: st})
	}()
	return s
}

// stopped reports whether a run that returned err ended early because it
// was asked to.
func stopped(err error, hard context.Context) bool {
	return errors.Is(err, export.ErrStopped) || (err != nil && hard.Err() != nil)
}

// result is the outcome once the run ended.
func (s *session) result() (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Result{
		Started:     s.err == nil || s.sum.Location != "",
		Summary:     s.sum,
		Stopped:     s.stopped,
		Failures:    append([]export.FileFailed(nil), s.failures...),
		FailedTotal: s.failed,
	}, s.err
}

func (s *session) Stats() export.Stats     { return s.ctl.Stats() }
func (s *session) Pause()                  { s.ctl.Pause() }
func (s *session) Resume()                 { s.ctl.Resume() }
func (s *session) Interrupt() runctl.Level { return s.stops.Request() }
func (s *session) Next() tea.Msg {
	evs, end := s.feed.Next()
	return eventsMsg{Events: evs, End: end}
}

// feed carries events from the engine to the program without ever
// blocking it. Progress of one file, Totals and ScanProgress are coalesced
// to their latest value.
type feed = progressui.Feed[export.Event, finishedMsg]

func newFeed() *feed { return progressui.NewFeed[export.Event, finishedMsg](feedKey) }

// feedKey is the coalescing key of ev: only the latest of each counts.
func feedKey(ev export.Event) string {
	switch ev := ev.(type) {
	case export.FileProgress:
		return "p:" + ev.Path
	case export.Totals:
		return "totals"
	case export.ScanProgress:
		return "scan"
	}
	return ""
}
