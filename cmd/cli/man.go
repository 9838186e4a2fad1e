package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/stowage-dev/stowage/internal/buildinfo"
	"github.com/stowage-dev/stowage/validate"
)

func init() { register(newManCmd) }

func newManCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "man DIR",
		Short: "Write the man pages (section 1) into a folder",
		Long: `Write one man page per command into the folder DIR (created if missing):
stowage.1, stowage-export.1, stowage-completion-bash.1 and so on. The release
packages install them under /usr/share/man/man1. The date in each page's
header is today's, or the time in SOURCE_DATE_EPOCH for a reproducible build.`,
		Example: `  stowage man ./man && man ./man/stowage-export.1
  sudo stowage man /usr/local/share/man/man1 && mandb`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			dir := args[0]
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return &validate.Error{Field: "DIR", Rule: fmt.Sprintf("the folder cannot be created: %v", err), Example: "stowage man ./man"}
			}
			n, err := writeManPages(c.Root(), dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "Wrote %d man pages to %s\n", n, dir)
			return nil
		},
	}
}

// writeManPages writes root's man tree into dir and returns how many pages
// it wrote.
func writeManPages(root *cobra.Command, dir string) (int, error) {
	root.DisableAutoGenTag = true // the footer would name cobra and the date twice
	header := &doc.GenManHeader{
		Title:   "STOWAGE",
		Section: "1",
		Source:  "Stowage " + buildinfo.Get().Version,
		Manual:  "Stowage Manual",
	}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return 0, fmt.Errorf("writing the man pages into %s: %w", dir, err)
	}
	return countPages(root), nil
}

// countPages counts the commands doc.GenManTree writes a page for.
func countPages(c *cobra.Command) int {
	n := 1
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
			n += countPages(sub)
		}
	}
	return n
}
