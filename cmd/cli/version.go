package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/internal/buildinfo"
)

func newVersionCmd(g *globals) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date of this binary",
		Long: `Print which build of Stowage this is. A release binary carries the version,
commit and build date stamped in by scripts/release.sh; a binary built from a
checkout (go build, go install) reports the commit, its time and whether the
checkout had uncommitted changes, as recorded by the Go toolchain. go run
records no commit, and says so.`,
		Example: `  stowage version
  stowage version --json | jq -r .commit`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			in := buildinfo.Get()
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(in)
			}
			writeVersion(g.stdout, in)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON: version, commit (full), date, date_kind, modified, go_version, platform, source")
	return c
}

func writeVersion(w io.Writer, in buildinfo.Info) {
	fmt.Fprintf(w, "stowage %s\n", in.Version)
	commit := "not recorded (built without version control information, e.g. by go run)"
	if in.Commit != "" {
		commit = in.ShortCommit()
		if in.Modified {
			commit += " with uncommitted changes"
		}
	}
	fmt.Fprintf(w, "  commit     %s\n", commit)
	if in.Date != "" {
		fmt.Fprintf(w, "  %-10s %s\n", in.DateKind, in.Date)
	}
	fmt.Fprintf(w, "  go         %s %s\n", in.GoVersion, in.Platform)
}
