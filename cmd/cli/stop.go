package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/stowage-dev/stowage/internal/humanize"
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

// printStops tells --no-tui and --json output what each stop request did:
// what ("uploads") in flight, active counts them, kept names what the
// journal keeps ("file and part").
func printStops(stops *runctl.Stops, w io.Writer, what string, active func() int, kept string) {
	stops.Watch(func(l runctl.Level) {
		switch l {
		case runctl.Graceful:
			fmt.Fprintf(w, "stopping: finishing %s… (ctrl+c again stops at once)\n", humanize.Count(active(), "in-flight "+strings.TrimSuffix(what, "s")))
		case runctl.Hard:
			fmt.Fprintf(w, "stopping now; the journal keeps every finished %s\n", kept)
		}
	})
}
