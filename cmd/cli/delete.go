package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/validate"
	"github.com/stowage-dev/stowage/wizard"
)

func init() { register(newDeleteCmd) }

// deleteOptions are stowage delete's flags.
type deleteOptions struct {
	name    string
	yes     bool
	journal string
	// journalSet: --journal was given, so it is not asked.
	journalSet bool
}

func newDeleteCmd(g *globals) *cobra.Command {
	opts := &deleteOptions{}
	c := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a saved location (the storage and what is in it stay as they are)",
		Long: `Delete the saved location NAME from the locations file. Only Stowage's
settings go: the bucket, container or folder and everything in it stay as they
are, and so does the role or key you made for Stowage. A role location's
external ID goes with it; a location set up again gets a new one.

On a terminal it asks you to type NAME to confirm and, when the location has an
export journal (what was exported, so a rerun skips it) and manifests, whether
to keep or delete them, naming the folder they are in. Without a terminal (a
script, a pipe, or CI set in the environment) it asks nothing and deletes only
with --yes. --journal keep (the default) leaves the journal and manifests where
they are; --journal delete deletes them too.

A location that an export in another process is writing to is not deleted: the
message names that process. Exit codes: 0 deleted (or you answered no), 1 it
could not be written, 2 bad usage, an unknown NAME or the journal in use.`,
		Example: `  stowage delete acme
  stowage delete acme --yes                    # no question (scripts); the journal is kept
  stowage delete acme --yes --journal delete   # also its export journal and manifests`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.name = args[0]
			}
			opts.journalSet = c.Flags().Changed("journal")
			return deleteRun(g, opts)
		},
	}
	c.Flags().BoolVarP(&opts.yes, "yes", "y", false, "do not ask: delete (needed without a terminal)")
	c.Flags().StringVar(&opts.journal, "journal", string(export.KeepJournal), "the location's export journal and manifests: keep or delete")
	_ = c.RegisterFlagCompletionFunc("journal", cobra.FixedCompletions([]string{string(export.KeepJournal), string(export.DeleteJournal)}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func deleteRun(g *globals, opts *deleteOptions) error {
	defer g.redactOutput()()
	journal := export.JournalChoice(opts.journal)
	if journal != export.KeepJournal && journal != export.DeleteJournal {
		return &validate.Error{Field: "--journal", Rule: fmt.Sprintf("must be keep or delete, not %q", opts.journal), Example: "stowage delete acme --journal delete"}
	}
	f, err := loadConfig(g)
	if err != nil {
		return err
	}
	if opts.name == "" {
		names := f.Names()
		if len(names) == 0 {
			return usagef("delete needs the NAME of a saved location, and %s has none", f.Source.Path)
		}
		return usagef("delete needs the NAME of a saved location: %s; example: stowage delete %s", strings.Join(names, ", "), names[0])
	}
	loc, err := findLocation(f, opts.name)
	if err != nil {
		return err
	}
	var confirm func(export.DeletePlan) (bool, export.JournalChoice, error)
	if !opts.yes {
		if why := cannotPrompt(g); why != "" {
			return usagef("not deleted: %s, so nothing can be asked; pass --yes to delete without a question, e.g. stowage delete %s --yes", why, loc.Name)
		}
		confirm = func(p export.DeletePlan) (bool, export.JournalChoice, error) {
			return askDelete(g, f, p, journal, opts.journalSet)
		}
	}
	d, err := export.DeleteLocation(export.DeleteOptions{
		ConfigPath: f.Source.Path,
		Location:   *loc,
		Journal:    journal,
		Confirm:    confirm,
		// The wizard's delete (its list's d, --accessible), on the file.
		Remove: func() error {
			w := wizard.New(f, f.Platform, time.Now)
			if err := w.Delete(loc.Name); err != nil {
				return err
			}
			return w.ConfirmDelete(f.Source.Path, config.Save)
		},
	})
	if errors.Is(err, export.ErrNotDeleted) {
		fmt.Fprintf(g.stdout, "Nothing was deleted; %q stays.\n", opts.name)
		return nil
	}
	if d.Location == "" {
		return err
	}
	fmt.Fprintln(g.stdout, wrapped(fmt.Sprintf("Deleted location %q from %s; the storage and what is in it are unchanged.", d.Location, f.Source.Path)))
	switch {
	case err != nil:
		return err
	case d.Journal == export.DeleteJournal:
		fmt.Fprintln(g.stdout, wrapped(fmt.Sprintf("Deleted its export journal and manifests (%s in %s).", files(len(d.Files)), d.Dir())))
	case len(d.Files) > 0:
		fmt.Fprintln(g.stdout, wrapped(fmt.Sprintf("Its export journal and manifests stay in %s (%s).", d.Dir(), files(len(d.Files)))))
	}
	return nil
}

// wrapped breaks s between words to fit 80 columns (a path longer than a
// line stays whole, so it can be copied).
func wrapped(s string) string { return wordwrap(s, 79) }

// files counts files with the right noun.
func files(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}

// cannotPrompt says why no one can be asked on standard input ("" when
// someone can): it is not a terminal, or CI is set. A reader that is not a
// file (a test's) can be asked.
func cannotPrompt(g *globals) string {
	if v := os.Getenv("CI"); v != "" && v != "false" && v != "0" {
		return "CI is set in the environment"
	}
	if f, ok := g.stdin.(*os.File); ok && !isTerminal(f) {
		return "standard input is not a terminal"
	}
	return ""
}

// askDelete asks on stderr, reading stdin, as cli/cli's gh repo delete
// does: type the location's name to confirm (the name, not y, so a
// location is not deleted by an answer meant for another question; an
// empty line keeps it), then, when it has a journal and --journal was not
// given, keep or delete it.
func askDelete(g *globals, f *config.File, p export.DeletePlan, journal export.JournalChoice, journalSet bool) (bool, export.JournalChoice, error) {
	in := bufio.NewReader(g.stdin)
	w := wizard.New(f, f.Platform, time.Now)
	w.ScreenShare = g.screenShare
	for _, e := range w.Entries() {
		if e.Name == p.Location {
			fmt.Fprintln(g.stderr, wrapped(fmt.Sprintf("Location %q: %s, %s.", e.Name, e.Type, e.Where)))
		}
	}
	fmt.Fprintln(g.stderr, "Stowage forgets it; the storage and what is in it stay as they are.")
	if c := w.DeleteConsequences(p.Location); c != "" {
		fmt.Fprintln(g.stderr, wrapped(c))
	}
	for {
		fmt.Fprintf(g.stderr, "Type %s to delete it (enter keeps it): ", p.Location)
		flush(g.stderr)
		answer, err := readAnswer(in)
		if err != nil {
			return false, "", err
		}
		switch answer {
		case p.Location:
		case "":
			return false, "", nil
		default:
			fmt.Fprintf(g.stderr, "You typed %q, not %q.\n", answer, p.Location)
			continue
		}
		break
	}
	if len(p.Files) == 0 || journalSet {
		return true, journal, nil
	}
	fmt.Fprintln(g.stderr, wrapped(p.JournalNote()))
	if j := p.Journal(); j != "" {
		fmt.Fprintln(g.stderr, "The journal: "+j)
	}
	for {
		fmt.Fprintf(g.stderr, "Keep or delete them? (keep/delete) [%s]: ", journal)
		flush(g.stderr)
		answer, err := readAnswer(in)
		if err != nil {
			return false, "", err
		}
		switch strings.ToLower(answer) {
		case "":
			return true, journal, nil
		case "keep", "k":
			return true, export.KeepJournal, nil
		case "delete", "d":
			return true, export.DeleteJournal, nil
		}
		fmt.Fprintf(g.stderr, "Answer keep or delete, not %q.\n", answer)
	}
}

// readAnswer reads one line; the end of the input before one is a usage
// error naming --yes.
func readAnswer(in *bufio.Reader) (string, error) {
	line, err := in.ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		return "", usagef("not deleted: standard input ended before an answer; pass --yes to delete without a question")
	}
	return strings.TrimSpace(line), nil
}
