package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/policies"
)

func init() { register(newPolicyCmd) }

func newPolicyCmd(g *globals) *cobra.Command {
	var kind, out, from, roleARN string
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

Kinds: ` + strings.Join(kinds, ", ") + `.

For the batch engine (stowage export NAME --from SOURCE --engine batch), the
documents relate the platform's source location (--from) to this one:
` + strings.Join(batchKinds, ", ") + `. On AWS: the S3 Batch
Operations role (batch-trust: trusted by batchoperations.s3.amazonaws.com;
batch-role: read the source and the manifest, write this location and the
report, KMS where used; batch-terraform: both as Terraform), what this
location's own identity needs to create the job and pass the role
(batch-caller, needs --batch-role-arn), and the statement for the source
bucket's policy (batch-source). On MinIO: batch-target. On Azure: the read SAS
on the source container (azure-source-sas).`,
		Example: `  stowage policy acme --kind trust
  stowage policy acme --kind cloudformation -o acme-stack.json
  stowage policy acme --all
  stowage policy acme --kind batch-role --from platform
  stowage policy acme --kind batch-caller --batch-role-arn arn:aws:iam::123456789012:role/StowageBatchOperations`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			f, loc, err := loadLocation(g, args[0])
			if err != nil {
				return err
			}
			if roleARN != "" && g.redactor != nil {
				g.redactor.Add(config.Identifier, roleARN)
			}
			var src *config.Location
			if from != "" {
				if src, err = findLocation(f, from); err != nil {
					return err
				}
			}
			if k := policies.Kind(kind); policies.IsBatchKind(k) {
				return batchPolicy(g, loc, k, policies.BatchInput{Source: src, RoleARN: roleARN}, out)
			}
			if from != "" || roleARN != "" {
				return usagef("--from and --batch-role-arn go with a batch document: %s; example: stowage policy %s --kind batch-role --from platform", strings.Join(batchKinds, ", "), loc.Name)
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
	c.Flags().StringVar(&kind, "kind", "", "document kind: "+strings.Join(kinds, "|")+" (default: the first that applies), or a batch document: "+strings.Join(batchKinds, "|"))
	c.Flags().BoolVar(&all, "all", false, "print every document that applies to the location")
	c.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of standard output")
	c.Flags().StringVar(&from, "from", "", "the platform's source location, for the batch documents (batch-role, batch-source, batch-terraform, azure-source-sas)")
	c.Flags().StringVar(&roleARN, "batch-role-arn", "", "ARN of the S3 Batch Operations role, for batch-caller, batch-source and the trust's account condition")
	return c
}

var batchKinds = func() []string {
	out := make([]string, len(policies.BatchKinds))
	for i, k := range policies.BatchKinds {
		out[i] = string(k)
	}
	return out
}()

// batchPolicy prints (or writes with -o) one batch document.
func batchPolicy(g *globals, loc *config.Location, k policies.Kind, in policies.BatchInput, out string) error {
	applies := policies.BatchKindsFor(*loc, in.Source)
	ok := false
	names := make([]string, len(applies))
	for i, a := range applies {
		names[i] = string(a)
		ok = ok || a == k
	}
	if !ok {
		return usagef("--kind %s does not apply to location %q (with the source given); it has: %s", k, loc.Name, strings.Join(names, ", "))
	}
	doc, err := policies.BatchDocument(k, *loc, in)
	if err != nil {
		if errors.Is(err, policies.ErrMissing) || errors.Is(err, policies.ErrNotApplicable) {
			return &UsageError{Err: fmt.Errorf("location %q: %w", loc.Name, err)}
		}
		return err
	}
	stdout, stderr := g.redacted(g.stdout), g.redacted(g.stderr)
	defer stdout.Flush()
	defer stderr.Flush()
	if out == "" {
		_, err = fmt.Fprint(stdout, doc)
		if g.screenShare {
			stdout.Flush()
			fmt.Fprintln(stderr, screenShareNote)
		}
		return err
	}
	if err := os.WriteFile(out, []byte(doc), 0o644); err != nil {
		return fmt.Errorf("-o %s: %w", out, err)
	}
	fmt.Fprintf(stderr, "Wrote %s (%d bytes). %s\n", out, len(doc), policies.BatchWhere(k))
	return nil
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
