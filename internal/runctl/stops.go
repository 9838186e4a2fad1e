package runctl

import "sync"

// Level is how far a run has been asked to stop.
type Level int

const (
	Running  Level = iota // no stop asked for
	Graceful              // finish what is in flight, start nothing new
	Hard                  // abandon what is in flight (the context is cancelled)
)

// Stops is the one stop policy of a run, export or download: every stop
// request (SIGINT or SIGTERM forwarded by the command, q or ctrl+c on the
// progress screen, ctrl+c in the --no-tui output) is one call of Request.
// The first is the graceful stop, the second the hard one, later ones
// change nothing. Two requests are two requests however close together:
// the command subscribes to signals once, so no event arrives twice and
// there is no time window to guess with.
type Stops struct {
	mu       sync.Mutex
	level    Level
	graceful func()
	hard     func()
	watch    func(Level)
}

// NewStops is the policy of a run whose graceful stop is graceful (a
// Controller's Stop) and hard stop is hard (cancelling its context).
func NewStops(graceful, hard func()) *Stops {
	return &Stops{graceful: graceful, hard: hard}
}

// Request asks the run to stop one level further and returns the level now
// in effect.
func (s *Stops) Request() Level {
	s.mu.Lock()
	if s.level == Hard {
		s.mu.Unlock()
		return Hard
	}
	s.level++
	l, watch := s.level, s.watch
	act := s.graceful
	if l == Hard {
		act = s.hard
	}
	s.mu.Unlock()
	act()
	if watch != nil {
		watch(l)
	}
	return l
}

// Level is the level in effect.
func (s *Stops) Level() Level {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.level
}

// Watch calls f with the new level after every request that raised it,
// until Watch(nil); the screen or the status printer shows it. It returns
// the level in effect when watching began.
func (s *Stops) Watch(f func(Level)) Level {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watch = f
	return s.level
}
