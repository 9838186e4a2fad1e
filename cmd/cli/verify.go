package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/providers"
)

func init() { register(newVerifyCmd) }

func newVerifyCmd(g *globals) *cobra.Command {
	var (
		manifests []string
		asJSON    bool
	)
	c := &cobra.Command{
		Use:   "verify NAME",
		Short: "Check that a location holds what its exports' manifests say it does",
		Long: `Compare the export manifests of a location with the objects it holds, and
list every difference:

  missing            in the manifest as exported, but not in the location
  size_mismatch      present with another size
  checksum_mismatch  present as another version (ETag differs) whose checksum
                     differs or cannot show the content is the same
  not_exported       the export recorded the file as failed or interrupted
  extra              in a folder an export wrote to, but in no manifest

By default every manifest the exports wrote for NAME (in the journals folder
next to the locations file, named after the location's id, so a rename keeps
them) is read, oldest first, so an object an earlier run
exported is expected too; where two runs name the same key, the later run's row
counts. --manifest names the manifests instead (JSON Lines .jsonl or CSV .csv;
repeat it, oldest first). --json prints the report as JSON for support
tickets.

Exit status: 0 when everything matches, 1 when anything differs, 2 for bad
usage.`,
		Example: `  stowage verify acme
  stowage verify acme --manifest ~/.config/stowage/journals/3f9c2a7b10de-20261123T090000Z.jsonl --json
  stowage verify acme --manifest run1.jsonl --manifest run2.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			defer g.redactOutput()()
			f, loc, err := loadLocation(g, args[0])
			if err != nil {
				return err
			}
			cfgPath, err := filepath.Abs(f.Source.Path)
			if err != nil {
				return err
			}
			jp, err := export.JournalPath(cfgPath, *loc)
			if err != nil {
				return err
			}
			paths := manifests
			if len(paths) == 0 {
				paths, err = download.FindManifests(filepath.Dir(jp), strings.TrimSuffix(filepath.Base(jp), ".db"))
				if errors.Is(err, download.ErrNoManifest) {
					return &UsageError{Err: err}
				} else if err != nil {
					return err
				}
			}
			for _, path := range paths {
				if _, err := os.Stat(path); err != nil {
					return usagef("--manifest: %v; give the .jsonl or .csv file an export wrote", err)
				}
			}
			rows, err := download.ReadManifests(paths)
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
			rep.Manifest, rep.Manifests = paths[len(paths)-1], paths
			// Open multipart uploads hold parts the manifests do not show.
			ups := checkUploads(ctx, p, jp)
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(struct {
					download.VerifyReport
					OK      bool         `json:"ok"`
					Uploads uploadsCheck `json:"open_uploads"`
				}{rep, rep.OK(), ups}); err != nil {
					return err
				}
			} else {
				writeVerifyReport(g.stdout, rep)
				writeUploadsCheck(g.stdout, loc.Name, loc.Type == config.TypeAzure, ups)
			}
			if !rep.OK() {
				return &SilentError{Code: ExitFailed}
			}
			return nil
		},
	}
	c.Flags().StringArrayVar(&manifests, "manifest", nil, "a manifest to check (`FILE`, .jsonl or .csv); repeat it, oldest first (default: every manifest of NAME)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON (for support tickets and scripts)")
	return c
}

// writeVerifyReport prints the report for a person: a summary, then each
// problem grouped by kind.
func writeVerifyReport(w io.Writer, r download.VerifyReport) {
	if len(r.Manifests) > 1 {
		fmt.Fprintf(w, "Verifying %s against %s, oldest first:\n", r.Location, humanize.Count(len(r.Manifests), "manifest"))
		for _, m := range r.Manifests {
			fmt.Fprintf(w, "  %s\n", m)
		}
	} else {
		fmt.Fprintf(w, "Verifying %s against %s\n", r.Location, r.Manifest)
	}
	scope := r.ListPrefix
	if scope == "" {
		scope = "(whole location)"
	}
	fmt.Fprintf(w, "%s, %s expected; listed %s under %s\n", humanize.Count(r.Rows, "manifest row"), humanize.Count(r.Expected, "object"), humanize.Count(r.Listed, "object"), scope)
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
		{download.ProblemExtra, "extra (in the exports' folders, in no manifest)"},
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
	fmt.Fprintf(w, "\n%s. The export's journal still counts these files as sent, so a plain re-run of the export skips them; --json gives this report for a support ticket.\n", humanize.Count(len(r.Problems), "problem"))
}

// uploadsCheck is what verify says about the multipart uploads the
// location holds open.
type uploadsCheck struct {
	Checked   bool   `json:"checked"`
	NotRun    string `json:"not_run,omitempty"` // why it was not checked
	Open      int    `json:"open"`
	Abandoned int    `json:"abandoned"` // not resumable by the next export
}

func checkUploads(ctx context.Context, p providers.Provider, journalPath string) uploadsCheck {
	rep, err := export.ListOpenUploads(ctx, p, journalPath)
	if err != nil {
		return uploadsCheck{NotRun: err.Error() + hintOf(err)}
	}
	c := uploadsCheck{Checked: true, Open: len(rep.Uploads)}
	for _, u := range rep.Uploads {
		if !u.Resumable {
			c.Abandoned++
		}
	}
	return c
}

func writeUploadsCheck(w io.Writer, name string, azure bool, c uploadsCheck) {
	what := "open multipart uploads"
	if azure {
		// Azure keeps uncommitted blocks, not upload objects.
		what = "unfinished block uploads (uncommitted blocks)"
	}
	switch {
	case !c.Checked:
		fmt.Fprintf(w, "%s: not checked: %s\n", what, c.NotRun)
	case c.Open == 0:
		fmt.Fprintf(w, "%s: none\n", what)
	default:
		fmt.Fprintf(w, "%s: %d (%d abandoned, %d the next export resumes); `stowage uploads %s` lists them\n",
			what, c.Open, c.Abandoned, c.Open-c.Abandoned, name)
	}
}
