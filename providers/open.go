package providers

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/stowage-dev/stowage/config"
)

// Options are the settings a provider is opened with, besides the location.
type Options struct {
	// Platform holds the base-credential settings for role mode.
	Platform config.Platform
	// Concurrency is how many requests the caller keeps in flight; the
	// provider sizes its HTTP connection pool to it. Zero means 16.
	Concurrency int
}

// OpenFunc opens a provider for one location.
type OpenFunc func(ctx context.Context, loc config.Location, opts Options) (Provider, error)

var (
	mu       sync.RWMutex
	registry = map[config.Type]OpenFunc{}
)

// Register makes a location type available to Open. Provider packages call it
// from init; the command tree imports them.
func Register(t config.Type, fn OpenFunc) {
	mu.Lock()
	defer mu.Unlock()
	registry[t] = fn
}

// Open returns the provider for loc.
func Open(ctx context.Context, loc config.Location, opts Options) (Provider, error) {
	mu.RLock()
	fn, ok := registry[loc.Type]
	mu.RUnlock()
	if !ok {
		return nil, &Error{Kind: ErrInvalidConfig, Op: "open",
			Hint: fmt.Sprintf("location %q has type %q; known types: %v", loc.Name, loc.Type, Types())}
	}
	return fn(ctx, loc, opts)
}

// Types lists the registered location types.
func Types() []config.Type {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]config.Type, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
