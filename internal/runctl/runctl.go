// Package runctl is the pause and graceful-stop switch of a run, shared by
// export.Controller and download.Controller so both engines pause and stop
// alike. A hard stop is not here: it is cancelling the run's context.
package runctl

import (
	"context"
	"errors"
	"sync"
)

// ErrHeld is what a request waiting out a pause gets when the run is
// stopped: a paused run that is stopped sends nothing new, and the file is
// left for the next run, as an interrupted one is.
var ErrHeld = errors.New("stopped while paused; the next run continues")

// Switch pauses, resumes and stops a run; its methods may be called from
// any goroutine. Create one with New.
type Switch struct {
	mu     sync.Mutex
	paused bool
	resume chan struct{} // closed on Resume
	stop   chan struct{} // closed on Stop
	once   sync.Once
}

// New returns a switch of a run that is neither paused nor stopping.
func New() *Switch {
	return &Switch{resume: make(chan struct{}), stop: make(chan struct{})}
}

// Pause makes Wait block until Resume or Stop.
func (s *Switch) Pause() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.paused {
		s.paused = true
		s.resume = make(chan struct{})
	}
}

// Resume lets waiting requests go on.
func (s *Switch) Resume() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.paused {
		s.paused = false
		close(s.resume)
	}
}

// Paused reports whether the run is paused.
func (s *Switch) Paused() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.paused
}

// Stop asks for the graceful stop; calling it again has no further effect.
func (s *Switch) Stop() { s.once.Do(func() { close(s.stop) }) }

// Stopping reports whether Stop was called.
func (s *Switch) Stopping() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

// Stopped is closed by Stop.
func (s *Switch) Stopped() <-chan struct{} { return s.stop }

// Wait blocks while the run is paused, before a new request. It returns
// ctx's error on a hard stop, and ErrHeld when the run is stopped while
// paused; a run that is not paused goes on.
func (s *Switch) Wait(ctx context.Context) error {
	for {
		s.mu.Lock()
		paused, resume := s.paused, s.resume
		s.mu.Unlock()
		if !paused {
			return ctx.Err()
		}
		select {
		case <-resume:
		case <-s.stop:
			if err := ctx.Err(); err != nil {
				return err
			}
			return ErrHeld
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
