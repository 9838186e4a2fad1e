package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/providers"
)

func init() { register(newUploadsCmd) }

func newUploadsCmd(g *globals) *cobra.Command {
	var abort, asJSON bool
	c := &cobra.Command{
		Use:   "uploads NAME",
		Short: "List the multipart uploads a location holds open, and abort them",
		Long: `List the multipart uploads the location holds open under its prefix: uploads
an export started but did not complete (a large file that changed, a run killed
while it began an upload). Their parts take storage until the upload is
completed or aborted; the bucket's lifecycle rule from the generated templates
aborts them after 7 days.

Besides listing the location's prefix, every key the location's export journal
names is listed on its own, because some stores (MinIO) list the uploads of
one exact key only. An upload the journal records for an unfinished file is
marked "resumable": the next export continues it.

--abort aborts every upload listed. Listing needs s3:ListBucketMultipartUploads
and aborting s3:AbortMultipartUpload; the least-privilege policy grants them
only with the location's manage_uploads setting (stowage setup --edit NAME,
then update the policy from stowage policy NAME). While an export
to the location runs, its journal is in use and nothing is listed or aborted.

Azure Blob keeps no upload objects: an unfinished upload is the uncommitted
blocks of one blob, listed here per upload ID Stowage put in their block IDs
(the SAS needs l to find blobs with nothing committed, r to read block
lists; a blob that also has committed content is looked at when the journal
names it). Azure has no request that discards uncommitted blocks, so --abort
aborts nothing there and says so; Azure discards them 7 days after the last
block was staged, and at once when the blob is next committed.

Exit status: 0 when nothing is open or everything was aborted, 1 when an upload
could not be aborted or listing failed, 2 for bad usage or a journal in use.`,
		Example: `  stowage uploads acme
  stowage uploads acme --abort
  stowage uploads acme --json`,
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
			ctx := c.Context()
			p, err := openProvider(ctx, f, *loc, 8)
			if err != nil {
				return err
			}
			jp, err := export.JournalPath(cfgPath, *loc)
			if err != nil {
				return err
			}
			rep, err := export.ListOpenUploads(ctx, p, jp)
			if errors.Is(err, export.ErrNoUploadListing) {
				return fmt.Errorf("location %q (%s) keeps no multipart uploads Stowage can list", loc.Name, loc.Type)
			}
			if err != nil {
				return fmt.Errorf("list the open uploads of %s: %w%s", loc.Name, err, hintOf(err))
			}
			azure := loc.Type == config.TypeAzure
			if abort && azure && !asJSON && len(rep.Uploads) > 0 {
				// Azure has no request that discards uncommitted blocks:
				// say so once, up front, rather than fail each one.
				writeUploads(g.stdout, loc.Name, rep, azure, false, nil, 0)
				return errors.New("nothing aborted: Azure has no request that discards uncommitted blocks")
			}
			var failed int
			results := make([]error, len(rep.Uploads))
			if abort {
				mp, _ := p.(providers.Multipart)
				for i, u := range rep.Uploads {
					results[i] = mp.AbortMultipart(ctx, u.Key, u.UploadID)
					if results[i] != nil {
						failed++
					}
				}
			}
			if asJSON {
				for i, u := range rep.Uploads {
					m := map[string]any{"type": "upload", "key": u.Key, "upload_id": u.UploadID,
						"source": u.Source, "resumable": u.Resumable}
					if !u.Initiated.IsZero() { // Azure keeps no start time
						m["initiated"] = u.Initiated.UTC().Format(time.RFC3339)
					}
					if abort {
						m["aborted"] = results[i] == nil
						if results[i] != nil {
							m["error"] = results[i].Error()
						}
					}
					if err := writeJSONLine(g.stdout, m); err != nil {
						return err
					}
				}
				aborted := 0
				if abort {
					aborted = len(rep.Uploads) - failed
				}
				if err := writeJSONLine(g.stdout, map[string]any{"type": "summary", "location": loc.Name,
					"open": len(rep.Uploads), "aborted": aborted, "failed": failed, "journal_keys": rep.JournalKeys}); err != nil {
					return err
				}
			} else {
				writeUploads(g.stdout, loc.Name, rep, azure, abort, results, failed)
			}
			if failed > 0 {
				return &SilentError{Code: ExitFailed}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&abort, "abort", false, "abort every upload listed (needs s3:AbortMultipartUpload)")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON line per upload and a summary line")
	return c
}

// azureRetention says what becomes of Azure's uncommitted blocks.
const azureRetention = "Azure discards a blob's uncommitted blocks 7 days after the last one was staged, and at once when the blob is next committed (the next export of the file does that)"

// writeUploads prints the open uploads, and what --abort did, for a person.
// On Azure an upload is the uncommitted blocks of one blob.
func writeUploads(w io.Writer, name string, rep export.UploadsReport, azure, abort bool, results []error, failed int) {
	scope := "the location's prefix"
	if rep.JournalKeys > 0 {
		scope += fmt.Sprintf(" and %s", plural(rep.JournalKeys, "journalled key"))
	}
	what := func(n int) string { return plural(n, "multipart upload") }
	if azure {
		what = func(n int) string { return plural(n, "unfinished block upload") }
	}
	if len(rep.Uploads) == 0 {
		if azure {
			fmt.Fprintf(w, "No unfinished block uploads (uncommitted blocks) in %s (listed %s).\n", name, scope)
			return
		}
		fmt.Fprintf(w, "No multipart uploads are open in %s (listed %s).\n", name, scope)
		return
	}
	verb := "open"
	if azure {
		verb = "left as uncommitted blocks"
	}
	fmt.Fprintf(w, "%s %s in %s (listed %s):\n", what(len(rep.Uploads)), verb, name, scope)
	for i, u := range rep.Uploads {
		note := "not in the journal"
		switch {
		case u.Resumable:
			note = "resumable: the next export continues it (" + u.Source + ")"
		case u.Source != "":
			note = "abandoned (" + u.Source + ")"
		}
		started := "started " + u.Initiated.UTC().Format("2006-01-02 15:04 UTC")
		if u.Initiated.IsZero() {
			started = "start time not kept"
		}
		fmt.Fprintf(w, "  %s  %s  %s  %s\n", u.Key, u.UploadID, started, note)
		if abort {
			if results[i] != nil {
				fmt.Fprintf(w, "    not aborted: %v\n", results[i])
			} else {
				fmt.Fprintln(w, "    aborted")
			}
		}
	}
	switch {
	case azure:
		fmt.Fprintf(w, "Azure cannot discard uncommitted blocks on request: %s.\n", azureRetention)
	case abort && failed > 0:
		fmt.Fprintf(w, "%d of %d aborted; the rest stay open until the bucket's 7-day lifecycle rule aborts them, or until %s's policy grants what the error names.\n", len(rep.Uploads)-failed, len(rep.Uploads), name)
	case abort && len(rep.Uploads) == 1:
		fmt.Fprintln(w, "Aborted.")
	case abort:
		fmt.Fprintf(w, "All %d aborted.\n", len(rep.Uploads))
	default:
		them := "them"
		if len(rep.Uploads) == 1 {
			them = "it"
		}
		fmt.Fprintf(w, "To abort %s: stowage uploads %s --abort\n", them, name)
	}
}

// hintOf is "; " and the storage error's hint (what to do), "" when err
// carries none.
func hintOf(err error) string {
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Hint != "" {
		return "; " + pe.Hint
	}
	return ""
}
