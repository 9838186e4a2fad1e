// Package tui is the terminal front end of the setup wizard: Bubble Tea
// models and styles that render a wizard.Wizard and turn keys into calls on
// it. The steps, validation and documents live in package wizard; nothing
// here decides whether a value is valid.
package tui

import (
	"context"
	"io"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

// Options configure one run of the wizard.
type Options struct {
	// ConfigPath is where the locations file is saved; shown on Review.
	ConfigPath string
	// File is the loaded locations file; nil starts an empty one. Saves and
	// deletes update it in place once written.
	File *config.File
	// Platform holds the principals that trust policies name.
	Platform config.Platform
	// ScreenShare hides every secret (there is no reveal key) and partly
	// masks account IDs, under a banner.
	ScreenShare bool
	// Accessible asks line by line instead of drawing screens. RunWizard
	// turns it on by itself when TERM=dumb or In is not a terminal.
	Accessible bool
	// In and Out are the terminal; nil means os.Stdin and os.Stdout.
	In  io.Reader
	Out io.Writer
	// Open opens the provider of a draft location for the connection test.
	Open func(ctx context.Context, loc config.Location) (providers.Provider, error)
	// DetectPrincipal asks sts:GetCallerIdentity which AWS identity the
	// platform's base credentials are, for the Access step's "detect the
	// platform principal" (ctrl+d); endpoint is the draft's custom S3
	// endpoint ("" for AWS), whose STS answers. nil offers no detection.
	DetectPrincipal func(ctx context.Context, p config.Platform, endpoint string) (string, error)
	// Save writes the locations file (config.Save); required.
	Save func(path string, f *config.File) error
	// DraftPath is this session's own file for a location not saved yet
	// (with its external ID) until it is saved or discarded
	// (config.SessionDraftPath); at the start, the drafts that ended
	// sessions left next to ConfigPath are offered (config.LeftDrafts).
	// "" keeps no draft, as in served sessions.
	DraftPath string
	// EditName starts on that saved location instead of the list.
	EditName string
	// Served is set when the wizard runs in an SSH session (package serve).
	Served *Served

	// Now is the clock for saves and tests; nil means time.Now.
	Now func() time.Time
	// Env is the environment consulted for NO_COLOR, TERM, SSH_TTY,
	// SSH_CONNECTION and TMUX; nil means os.Environ().
	Env []string
}

// Result is what the user did.
type Result struct {
	// Saved is true when at least one location was saved (or deleted).
	Saved bool
	// Location is the last location saved, or the one picked for export.
	Location string
	// ExportNow asks the caller to start the export screen for Location.
	ExportNow bool
	// Sources are the folders to export when ExportNow is set: absolute
	// paths of existing folders, as the user picked them in the wizard.
	Sources []string
	// From is set instead of Sources when a saved location was picked as
	// the source: SOURCE[:PREFIX], as stowage export --from takes it.
	From string
	// Accessible is true when the wizard asked line by line rather than
	// drawing screens, so the export should report in lines too.
	Accessible bool
}
