package progressui

import "sync"

// Feed carries events of type E from an engine to the program without ever
// blocking the engine: events queue up and the model takes them in
// batches. Events for which key returns the same non-empty string (the
// progress of one file, Totals) are coalesced to the latest, in the place
// of the first. The run's outcome, of type End, is set once by Finish.
type Feed[E, End any] struct {
	key func(E) string

	mu      sync.Mutex
	pending []E
	latest  map[string]int // index in pending of the newest coalescable event
	end     *End
	wake    chan struct{}
}

// NewFeed is an empty feed coalescing by key; a nil key coalesces nothing.
func NewFeed[E, End any](key func(E) string) *Feed[E, End] {
	return &Feed[E, End]{key: key, latest: map[string]int{}, wake: make(chan struct{}, 1)}
}

// Push queues ev; it never blocks.
func (f *Feed[E, End]) Push(ev E) {
	k := ""
	if f.key != nil {
		k = f.key(ev)
	}
	f.mu.Lock()
	if i, ok := f.latest[k]; ok && k != "" {
		f.pending[i] = ev
	} else {
		if k != "" {
			f.latest[k] = len(f.pending)
		}
		f.pending = append(f.pending, ev)
	}
	f.mu.Unlock()
	f.signal()
}

// Finish records the run's outcome; Next returns it with or after the
// events pushed before.
func (f *Feed[E, End]) Finish(end End) {
	f.mu.Lock()
	f.end = &end
	f.mu.Unlock()
	f.signal()
}

func (f *Feed[E, End]) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Next blocks until there are events or the run ended, and returns the
// events queued so far and the outcome if the run ended (once: nothing
// follows it). It is called from one goroutine at a time.
func (f *Feed[E, End]) Next() ([]E, *End) {
	for range f.wake {
		f.mu.Lock()
		evs, end := f.pending, f.end
		f.pending, f.latest, f.end = nil, map[string]int{}, nil
		f.mu.Unlock()
		if len(evs) > 0 || end != nil {
			return evs, end
		}
	}
	return nil, nil
}
