package cli

import (
	"context"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"

	// The location types, registered with providers.Register.
	_ "github.com/stowage-dev/stowage/providers/azure"
	_ "github.com/stowage-dev/stowage/providers/local"
	_ "github.com/stowage-dev/stowage/providers/s3"
)

// openProvider opens the provider for loc with the platform settings of f.
func openProvider(ctx context.Context, f *config.File, loc config.Location, concurrency int) (providers.Provider, error) {
	return providers.Open(ctx, loc, providers.Options{Platform: f.Platform, Concurrency: concurrency})
}
