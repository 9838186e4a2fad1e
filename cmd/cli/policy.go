package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/policies"
)

func init() { register(newPolicyCmd) }

func newPolicyCmd(g *globals) *cobra.Command {
	var kind, out string
	var all bool
	kinds := make([]string, len(policies.AllKinds))
	for i, k := range policies.AllKinds {
		kinds[i] = string(k)
	}
	c := &cobra.Command{
		Use:   "policy NAME",
		Short: "Print a policy or template for a location",
		Long: `Print a generated document for a location: the least-privilege permissions
policy, the trust policy holding the external ID, the bucket policy (keys
mode), the KMS key policy statement, a CloudFormation template (with the
quick-create link when the platform's template_url is set), Terraform, an AWS
CLI script, or the Azure SAS / RBAC instructions.

Kinds: ` + strings.Join(kinds, ", ") + `.`,
		Example: `  stowage policy acme --kind trust
  stowage policy acme --kind cloudformation -o acme-stack.json
  stowage policy acme --all`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			f, err := loadConfig(g)
			if err != nil {
				return err
			}
			loc, err := findLocation(f, args[0])
			if err != nil {
				return err
			}
			applicable := policies.Kinds(*loc)
			if len(applicable) == 0 {
				return usagef("location %q is a %s location: it needs no policy", loc.Name, loc.Type)
			}
			var want []policies.Kind
			switch {
			case all:
				if c.Flags().Changed("kind") {
					return usagef("--all and --kind exclude each other; example: stowage policy %s --kind trust", loc.Name)
				}
				want = applicable
			case kind == "":
				want = applicable[:1]
			default:
				k, err := parseKind(kind, applicable, loc.Name)
				if err != nil {
					return err
				}
				want = []policies.Kind{k}
			}
			var b strings.Builder
			for i, k := range want {
				doc, err := policies.Render(k, *loc, f.Platform)
				if err != nil {
					if errors.Is(err, policies.ErrMissing) {
						return &UsageError{Err: fmt.Errorf("%s for %q: %w", policies.Title(k), loc.Name, err)}
					}
					return err
				}
				if len(want) > 1 {
					if i > 0 {
						b.WriteString("\n")
					}
					fmt.Fprintf(&b, "# ===== %s =====\n# %s\n", policies.Title(k), strings.ReplaceAll(policies.WhereItGoes(k), "\n", "\n# "))
				}
				b.WriteString(doc)
			}
			stdout, stderr := g.redacted(g.stdout), g.redacted(g.stderr)
			defer stdout.Flush()
			defer stderr.Flush()
			if k := want[0]; len(want) == 1 && k == policies.KindCloudFormation && !g.screenShare {
				if url, err := policies.QuickCreateURL(*loc, f.Platform); err == nil && url != "" && out == "" {
					fmt.Fprintf(stderr, "Quick-create link: %s\n", url)
				}
			}
			if out == "" {
				// On a shared screen the document is masked; the file
				// written with -o stays complete, for pasting into AWS.
				_, err = fmt.Fprint(stdout, b.String())
				if g.screenShare {
					stdout.Flush()
					fmt.Fprintln(stderr, screenShareNote)
				}
				return err
			}
			// Policies hold no secret (an external ID is not one), so the
			// file is readable like any other document the user hands on.
			if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
				return fmt.Errorf("-o %s: %w", out, err)
			}
			fmt.Fprintf(stderr, "Wrote %s (%d bytes). %s\n", out, b.Len(), policies.WhereItGoes(want[0]))
			return nil
		},
	}
	c.Flags().StringVar(&kind, "kind", "", "document kind: "+strings.Join(kinds, "|")+" (default: the first that applies)")
	c.Flags().BoolVar(&all, "all", false, "print every document that applies to the location")
	c.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of standard output")
	return c
}

// screenShareNote is the one line under a document printed masked in
// screen-share mode.
const screenShareNote = "Masked for screen sharing (account IDs, external and key IDs); for the complete text, write it to a file with -o FILE."

// parseKind checks --kind against the known kinds and those that apply.
func parseKind(s string, applicable []policies.Kind, name string) (policies.Kind, error) {
	names := make([]string, len(applicable))
	for i, k := range applicable {
		names[i] = string(k)
		if string(k) == s {
			return k, nil
		}
	}
	for _, k := range policies.AllKinds {
		if string(k) == s {
			return "", usagef("--kind %s does not apply to location %q; it has: %s", s, name, strings.Join(names, ", "))
		}
	}
	return "", usagef("--kind: unknown kind %q; one of %s; example: --kind trust", s, strings.Join(names, ", "))
}
