package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/export"
)

func init() { register(newVerifyCmd) }

func newVerifyCmd(g *globals) *cobra.Command {
	var (
		manifest string
		asJSON   bool
	)
	c := &cobra.Command{
		Use:   "verify NAME",
		Short: "Check that a location holds what an export's manifest says it does",
		Long: `Compare an export manifest with the objects the location holds, and list
every difference:

  missing            in the manifest as exported, but not in the location
  size_mismatch      present with another size
  checksum_mismatch  present as another version (ETag differs) whose checksum
                     differs or cannot show the content is the same
  not_exported       the export recorded the file as failed or interrupted
  extra              in a folder the export wrote to, but not in the manifest

The default manifest is the newest one the export wrote for NAME (in the
journals folder next to the locations file); --manifest names a JSON Lines
(.jsonl) or CSV (.csv) manifest instead. --json prints the report as JSON for
support tickets.

Exit status: 0 when everything matches, 1 when anything differs, 2 for bad
usage.`,
		Example: `  stowage verify acme
  stowage verify acme --manifest ~/.config/stowage/journals/acme-20261123T090000Z.jsonl --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			defer g.redactOutput()()
			f, err := loadConfig(g)
			if err != nil {
				return err
			}
			loc, err := findLocation(f, args[0])
			if err != nil {
				return err
			}
			path := manifest
			if path == "" {
				cfgPath, err := filepath.Abs(f.Source.Path)
				if err != nil {
					return err
				}
				jp := export.DefaultJournalPath(cfgPath, loc.Name)
				path, err = download.FindManifest(filepath.Dir(jp), strings.TrimSuffix(filepath.Base(jp), ".db"))
				if errors.Is(err, download.ErrNoManifest) {
					return &UsageError{Err: err}
				} else if err != nil {
					return err
				}
			} else if _, err := os.Stat(path); err != nil {
				return usagef("--manifest: %v; give the .jsonl or .csv file an export wrote", err)
			}
			rows, err := download.ReadManifest(path)
			if err != nil {
				return &UsageError{Err: err}
			}
			ctx := c.Context()
			p, err := openProvider(ctx, f, *loc, 4)
			if err != nil {
				return err
			}
			rep, err := download.Verify(ctx, p, loc.Name, rows)
			if err != nil {
				return err
			}
			rep.Manifest = path
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(struct {
					download.VerifyReport
					OK bool `json:"ok"`
				}{rep, rep.OK()}); err != nil {
					return err
				}
			} else {
				writeVerifyReport(g.stdout, rep)
			}
			if !rep.OK() {
				return &SilentError{Code: ExitFailed}
			}
			return nil
		},
	}
	c.Flags().StringVar(&manifest, "manifest", "", "the manifest to check (`FILE`, .jsonl or .csv; default: the newest for NAME)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON (for support tickets and scripts)")
	return c
}

// writeVerifyReport prints the report for a person: a summary, then each
// problem grouped by kind.
func writeVerifyReport(w io.Writer, r download.VerifyReport) {
	fmt.Fprintf(w, "Verifying %s against %s\n", r.Location, r.Manifest)
	scope := r.ListPrefix
	if scope == "" {
		scope = "(whole location)"
	}
	fmt.Fprintf(w, "%d manifest rows, %d objects expected; listed %d objects under %s\n", r.Rows, r.Expected, r.Listed, scope)
	fmt.Fprintf(w, "%d match", r.Matched)
	if r.ByChecksum > 0 {
		fmt.Fprintf(w, " (%d confirmed by checksum)", r.ByChecksum)
	}
	fmt.Fprintln(w)
	if r.OK() {
		fmt.Fprintln(w, "[ok]   the location holds every exported file, as exported")
		return
	}
	titles := []struct{ kind, title string }{
		{download.ProblemMissing, "missing from the location"},
		{download.ProblemSize, "size differs"},
		{download.ProblemChecksum, "content differs or cannot be confirmed"},
		{download.ProblemNotExported, "not exported (failed or interrupted in the export)"},
		{download.ProblemExtra, "extra (in the export's folders, not in the manifest)"},
	}
	for _, t := range titles {
		n := r.Count(t.kind)
		if n == 0 {
			continue
		}
		fmt.Fprintf(w, "\n[FAIL] %d %s:\n", n, t.title)
		for _, p := range r.Problems {
			if p.Kind != t.kind {
				continue
			}
			line := "  " + p.Key
			switch p.Kind {
			case download.ProblemSize:
				line += fmt.Sprintf(": manifest %d bytes, location %d bytes", p.ManifestSize, p.StoreSize)
			case download.ProblemChecksum, download.ProblemNotExported:
				line += ": " + p.Detail
			case download.ProblemMissing:
				line += " (" + download.FormatBytes(p.ManifestSize) + ")"
			case download.ProblemExtra:
				line += " (" + download.FormatBytes(p.StoreSize) + ")"
			}
			if p.Source != "" && p.Kind != download.ProblemExtra {
				line += " — from " + p.Source
			}
			fmt.Fprintln(w, line)
		}
	}
	fmt.Fprintf(w, "\n%d problems. The export's journal still counts these files as sent, so a plain re-run of the export skips them; --json gives this report for a support ticket.\n", len(r.Problems))
}
