package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/policies"
)

func init() { register(newRotateCmd) }

func newRotateCmd(g *globals) *cobra.Command {
	var yes, confirm, cancel bool
	c := &cobra.Command{
		Use:   "rotate-external-id NAME",
		Short: "Generate a new external ID for a role location (old one kept until you confirm)",
		Long: `Generate a new external ID for an S3 role location, for when the current one
may be compromised. The current ID stays in force, and the printed trust policy
accepts both, until you confirm that the role's trust policy in AWS holds the
new one:

  1. stowage rotate-external-id NAME             # asks, then prints the new trust policy
  2. paste it into IAM → Roles → <role> → Trust relationships → Edit trust policy
  3. stowage rotate-external-id NAME --confirm   # the new ID replaces the old one
  4. stowage test NAME

The connection will not work with the new ID until the trust policy holds it.
--cancel abandons a pending rotation and keeps the current ID.`,
		Example: `  stowage rotate-external-id acme
  stowage rotate-external-id acme --confirm
  stowage rotate-external-id acme --cancel`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			defer g.redactOutput()()
			if confirm && cancel {
				return usagef("--confirm and --cancel exclude each other; example: stowage rotate-external-id %s --confirm", args[0])
			}
			f, loc, err := loadLocation(g, args[0])
			if err != nil {
				return err
			}
			if loc.Type != config.TypeS3 || loc.S3 == nil || loc.S3.Auth != config.AuthRole {
				return usagef("location %q does not use role assumption, so it has no external ID; rotate-external-id applies to S3 locations with auth: role", loc.Name)
			}
			s := loc.S3
			switch {
			case confirm:
				if err := s.ConfirmExternalID(); err != nil {
					if errors.Is(err, config.ErrNoRotation) {
						return usagef("location %q has no rotation pending; start one with `stowage rotate-external-id %s`", loc.Name, loc.Name)
					}
					return err
				}
				if err := saveConfig(g, f); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "The new external ID of %q is now the only one in force; the old one no longer works.\n"+
					"You may now remove the old ID from the role's trust policy. Check with: stowage test %s\n", loc.Name, loc.Name)
				return nil
			case cancel:
				if s.PendingExternalID == "" {
					return usagef("location %q has no rotation pending", loc.Name)
				}
				s.CancelRotation()
				if err := saveConfig(g, f); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "Rotation cancelled; %q keeps its current external ID.\n", loc.Name)
				return nil
			}
			if !yes {
				ok, err := askYesNo(g, fmt.Sprintf("Generate a new external ID for %q? The current one stays in force until you run --confirm. [y/N] ", loc.Name))
				if err != nil {
					return err
				}
				if !ok {
					fmt.Fprintln(g.stdout, "Nothing changed.")
					return nil
				}
			}
			replacing := s.PendingExternalID != ""
			if _, err := f.RotateExternalID(loc.Name); err != nil {
				return err
			}
			if err := saveConfig(g, f); err != nil {
				return err
			}
			trust, err := policies.Trust(*loc, f.Platform)
			if err != nil {
				fmt.Fprintf(g.stderr, "warning: cannot print the trust policy yet: %v\n", err)
			}
			if replacing {
				fmt.Fprintln(g.stdout, "A rotation was already pending; its ID was replaced by a new one.")
			}
			fmt.Fprintf(g.stdout, "New external ID for %q: %s\n(the current ID stays in force until you confirm)\n\n", loc.Name, s.PendingExternalID)
			if trust != "" {
				fmt.Fprintf(g.stdout, "Trust policy accepting both IDs — %s\n\n%s\n", policies.WhereItGoes(policies.KindTrust), trust)
			}
			fmt.Fprintf(g.stdout, "IMPORTANT The connection will not work with the new ID until the trust policy holds it.\n"+
				"When it does, run: stowage rotate-external-id %s --confirm\n", loc.Name)
			return nil
		},
	}
	c.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask before generating the new ID")
	c.Flags().BoolVar(&confirm, "confirm", false, "the trust policy holds the new ID: make it the only one in force")
	c.Flags().BoolVar(&cancel, "cancel", false, "abandon the pending rotation")
	return c
}

// askYesNo asks on stderr and reads one line from stdin. Without a terminal
// on stdin it refuses to guess: the user must pass --yes.
func askYesNo(g *globals, question string) (bool, error) {
	if f, ok := g.stdin.(*os.File); ok && !isTerminal(f) {
		return false, usagef("cannot ask for confirmation: standard input is not a terminal; pass --yes to go ahead")
	}
	fmt.Fprint(g.stderr, question)
	flush(g.stderr)
	line, err := bufio.NewReader(g.stdin).ReadString('\n')
	if err != nil && line == "" {
		return false, usagef("no answer on standard input; pass --yes to go ahead")
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
