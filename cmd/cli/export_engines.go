package cli

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/providers"
)

// runEngineExport is `stowage export NAME --from SOURCE[:PREFIX]` with
// --engine auto (the default), copy or stream: the objects of another
// saved location go through export.Run, with the same journal, progress
// screen, manifest, summary and resume command as folders.
func runEngineExport(c *cobra.Command, g *globals, fl *exportFlags, name string) error {
	want := fl.engine
	if want == "" {
		want = export.EngineAuto
	}
	switch {
	case !slices.Contains(export.Engines, want):
		return usagef("--engine: must be one of %s, got %q; example: stowage export %s --from %s --engine auto", strings.Join(export.Engines, ", "), fl.engine, name, fl.from)
	case fl.batch.used():
		return usagef("--batch-role-arn, --batch-report, --batch-manifest and --yes go with --engine batch, not --engine %s; example: stowage export %s --from %s --engine batch --yes", want, name, fl.from)
	case fl.deleteSource:
		return usagef("--delete-source deletes local files; an export --from a location never deletes from the source; leave it out")
	case fl.noTUI && fl.asJSON:
		return usagef("--no-tui and --json exclude each other (--json never shows the screen); example: stowage export %s --from %s --json", name, fl.from)
	}
	opts, err := fl.options(nil)
	if err != nil {
		return err
	}
	f, loc, err := loadLocation(g, name)
	if err != nil {
		return err
	}
	mode := modeLines
	switch {
	case fl.asJSON:
		mode = modeJSON
	case !fl.noTUI && g.stdout == os.Stdout && isTerminal(os.Stdout):
		mode = modeTUI
	}
	return exportFromLocation(c.Context(), g, f, loc, fl, want, opts, mode, resumeCommand(c))
}

// exportFromLocation runs an export of the objects of the location fl.from
// names (SOURCE[:PREFIX]) into loc with the engine want resolves to: the
// export command's --from, and the wizard's "export now" when a saved
// location is picked as the source.
func exportFromLocation(ctx context.Context, g *globals, f *config.File, loc *config.Location, fl *exportFlags, want string,
	opts export.Options, mode exportMode, resume string) error {
	srcLoc, prefix, err := sourceOf(f, loc, fl.from)
	if err != nil {
		return err
	}
	dst, opts, err := export.Prepare(ctx, f, *loc, opts)
	if err != nil {
		return err
	}
	if err := checkPartSize(g, fl, dst, loc.Name, opts.PartSize); err != nil {
		return err
	}
	src, err := providers.Open(ctx, *srcLoc, providers.Options{Platform: f.Platform, Concurrency: opts.Concurrency})
	if err != nil {
		return err
	}
	from := export.FromLocation{Name: srcLoc.Name, Prefix: prefix, Provider: src}
	engine, why, err := export.ChooseEngine(ctx, dst, loc.Name, from, want)
	if err != nil {
		return err
	}
	from.Engine = engine
	opts.From = &from
	// The choice may quote the store's answer to the probe: written
	// through the redactor.
	if mode == modeJSON {
		w := g.redacted(g.stdout)
		err := writeJSONLine(w, map[string]any{"type": "engine", "location": loc.Name, "source": srcLoc.Name,
			"prefix": prefix, "engine": engine, "asked": want, "reason": why})
		if ferr := w.Flush(); err == nil {
			err = ferr
		}
		if err != nil {
			return err
		}
	} else {
		w := g.redacted(g.stderr)
		fmt.Fprintf(w, "Engine: %s (%s)\n", engine, why)
		_ = w.Flush()
	}
	if fl.dryRun {
		return runPlan(ctx, g, mode, loc, opts)
	}
	if mode == modeTUI {
		return runExportScreen(ctx, g, dst, loc, opts, resume)
	}
	return runExportLines(ctx, g, mode, dst, loc, opts, resume)
}
