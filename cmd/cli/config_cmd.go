package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
)

func init() { register(newConfigCmd) }

func newConfigCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Export, import and locate the locations file",
		Long: `Hand a configuration on: export locations to a file, import them elsewhere,
or print which locations file is in use.`,
		Example: `  stowage config path
  stowage config export acme -o stowage-acme.yaml
  stowage config import stowage-acme.yaml --rename acme=acme-eu`,
	}
	c.AddCommand(newConfigPathCmd(g), newConfigExportCmd(g), newConfigImportCmd(g))
	return c
}

func newConfigPathCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "path",
		Short:   "Print the locations file in use",
		Long:    "Print the locations file in use: --config, then $STOWAGE_CONFIG, then the default path.",
		Example: "  stowage config path",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			path := config.ResolvePath(g.configPath)
			fmt.Fprintln(g.stdout, path)
			if _, err := os.Stat(path); err != nil {
				fmt.Fprintln(g.stderr, "(the file does not exist yet; `stowage setup` creates it)")
			}
			return nil
		},
	}
}

func newConfigExportCmd(g *globals) *cobra.Command {
	var out, format string
	var redact bool
	c := &cobra.Command{
		Use:   "export [NAME...]",
		Short: "Write locations (all when none named) and the platform settings they need to a file",
		Long: `Write the named locations (all when none is named) and the platform settings
they need, as YAML or JSON with a header saying whether it holds secrets.
With -o the file is written atomically with mode 0600; without it, to stdout.

A complete export holds secrets: it is written to a terminal only with
--redact, and in --screen-share mode stdout is always redacted. --redact
masks secrets and identifiers (for a support ticket); such a file cannot be
imported.`,
		Example: `  stowage config export -o stowage-all.yaml
  stowage config export acme -o stowage-acme.yaml
  stowage config export acme --redact          # safe to paste into a ticket
  stowage config export --format json > all.json`,
		RunE: func(c *cobra.Command, args []string) error {
			if format != config.FormatYAML && format != config.FormatJSON {
				return usagef("--format %q: must be yaml or json; example: --format json", format)
			}
			f, err := loadConfig(g)
			if err != nil {
				return err
			}
			if out == "" && g.screenShare {
				redact = true
			}
			e, err := f.Export(args, redact)
			if err != nil {
				return &UsageError{Err: err}
			}
			if out == "" && !redact && e.HasSecrets() {
				if file, ok := g.stdout.(*os.File); ok && isTerminal(file) {
					return usagef("this export holds secrets and stdout is a terminal; write it to a file with -o FILE, pipe it, or add --redact")
				}
			}
			data, err := config.MarshalExport(e, format, redact)
			if err != nil {
				return err
			}
			if out == "" {
				_, err = g.stdout.Write(data)
				return err
			}
			if err := config.WriteExport(out, data); err != nil {
				return err
			}
			what := "complete, holds secrets: keep it private"
			if redact {
				what = "redacted"
			} else if !e.HasSecrets() {
				what = "complete, no secrets"
			}
			fmt.Fprintf(g.stdout, "Exported %s to %s (%s, mode 0600).\n", plural(len(e.Locations), "location"), out, what)
			return nil
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "write to FILE (mode 0600) instead of stdout")
	c.Flags().StringVar(&format, "format", config.FormatYAML, "yaml or json")
	c.Flags().BoolVar(&redact, "redact", false, "mask secrets and identifiers (for a support ticket; cannot be imported)")
	return c
}

func newConfigImportCmd(g *globals) *cobra.Command {
	var renames []string
	var replace bool
	c := &cobra.Command{
		Use:   "import FILE",
		Short: "Add the locations of an exported file to the locations file",
		Long: `Add the locations (and platform settings) of a file written by
` + "`stowage config export`" + `. Everything is checked first with the rules of the
locations file; if any location is invalid or clashes with one here, nothing
is imported and each problem is named with its fix: --rename OLD=NEW imports a
location under another name, --replace overwrites the one here.`,
		Example: `  stowage config import stowage-acme.yaml
  stowage config import stowage-acme.yaml --rename acme=acme-eu
  stowage config import stowage-acme.yaml --replace`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts := config.ImportOptions{Replace: replace, Rename: map[string]string{}}
			for _, r := range renames {
				old, nw, ok := strings.Cut(r, "=")
				if !ok || old == "" || nw == "" {
					return usagef("--rename %q: must be OLD=NEW; example: --rename acme=acme-eu", r)
				}
				opts.Rename[old] = nw
			}
			in, err := config.ReadImport(args[0])
			if err != nil {
				return &UsageError{Err: err}
			}
			f, err := loadConfig(g)
			if err != nil {
				return err
			}
			res, err := f.Import(in, opts)
			if err != nil {
				return &UsageError{Err: err}
			}
			if err := saveConfig(g, f); err != nil {
				return err
			}
			if len(res.Added) > 0 {
				fmt.Fprintf(g.stdout, "Imported %s into %s: %s\n", plural(len(res.Added), "location"), f.Source.Path, strings.Join(res.Added, ", "))
			}
			if len(res.Replaced) > 0 {
				fmt.Fprintf(g.stdout, "Replaced %s: %s\n", plural(len(res.Replaced), "location"), strings.Join(res.Replaced, ", "))
			}
			if res.Platform {
				fmt.Fprintln(g.stdout, "Platform settings taken from the import (see `stowage platform`).")
			}
			fmt.Fprintln(g.stdout, "Test them with: stowage test NAME")
			return nil
		},
	}
	c.Flags().StringArrayVar(&renames, "rename", nil, "import location OLD as NEW (repeatable)")
	c.Flags().BoolVar(&replace, "replace", false, "overwrite locations and platform settings that exist here")
	return c
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
