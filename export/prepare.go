package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/validate"
)

// Prepare readies an export of opts.Sources to the location loc of the
// locations file f; `stowage export` and the wizard's "export now" both
// start here. It checks that every source can be read (before a progress
// screen opens, in the command's words), keeps the journal next to the
// locations file, keeps the location's own folder out of the sources (a
// local location inside a source folder must not be exported into itself)
// and opens the location.
func Prepare(ctx context.Context, f *config.File, loc config.Location, opts Options) (providers.Provider, Options, error) {
	for _, src := range opts.Sources {
		if _, err := os.Stat(src); err != nil {
			return nil, opts, &validate.Error{Field: "SRC", Rule: fmt.Sprintf("%q cannot be read: %v", src, errors.Unwrap(err)), Example: "stowage export NAME /var/spool/recordings"}
		}
	}
	cfgPath, err := filepath.Abs(f.Source.Path)
	if err != nil {
		return nil, opts, fmt.Errorf("locate the locations file %s: %w", f.Source.Path, err)
	}
	if opts.JournalPath, err = JournalPath(cfgPath, loc); err != nil {
		return nil, opts, err
	}
	opts.ManifestName = ManifestName(loc)
	if loc.Type == config.TypeLocal && loc.Local != nil {
		opts.SkipPaths = append(opts.SkipPaths, loc.Local.Path)
	}
	conc := opts.Concurrency
	if conc == 0 {
		conc = DefaultConcurrency
	}
	p, err := providers.Open(ctx, loc, providers.Options{Platform: f.Platform, Concurrency: conc})
	if err != nil {
		return nil, opts, err
	}
	if root, ok := p.(interface{ Root() string }); ok {
		opts.SkipPaths = append(opts.SkipPaths, root.Root())
	}
	return p, opts, nil
}
