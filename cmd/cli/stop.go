package cli

import (
	"context"

	"github.com/stowage-dev/stowage/internal/runctl"
)

// stopPolicy is a run's one stop policy, wired to the command's signals:
// graceful is the run's Controller.Stop, the hard stop cancels the
// returned context (give it to the engine). Keys on the progress screen
// make their requests through the same policy. done ends the forwarding
// once the run has ended.
func (g *globals) stopPolicy(ctx context.Context, graceful func()) (hard context.Context, stops *runctl.Stops, done func()) {
	hard, cancel := context.WithCancel(ctx)
	stops = runctl.NewStops(graceful, cancel)
	restore := g.interrupts.forward(func() { stops.Request() })
	return hard, stops, func() { restore(); cancel() }
}
