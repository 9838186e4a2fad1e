package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/stowage-dev/stowage/config"
)

func init() { register(newShowCmd) }

func newShowCmd(g *globals) *cobra.Command {
	var redact bool
	c := &cobra.Command{
		Use:   "show NAME",
		Short: "Print one location as YAML, secrets masked",
		Long: `Print one location as YAML, as it is stored in the locations file, with every
secret (secret access key, connection-string key or SAS) shown as
"` + config.RedactedSecret + `". Secrets are only ever written to the locations file itself.

--redact (always on in --screen-share mode) also shortens identifiers a
support ticket does not need in full: the external ID and access key ID keep
their last 4 characters, account IDs in ARNs their last 4 digits.`,
		Example: `  stowage show acme
  stowage show acme --redact    # safe to paste into a support ticket`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			_, loc, err := loadLocation(g, args[0])
			if err != nil {
				return err
			}
			out, err := yaml.Marshal(loc.Shown(redact || g.screenShare))
			if err != nil {
				return fmt.Errorf("show %s: %w", loc.Name, err)
			}
			w := g.redacted(g.stdout)
			defer w.Flush()
			_, err = w.Write(out)
			return err
		},
	}
	c.Flags().BoolVar(&redact, "redact", false, "also shorten external ID, access key ID and account IDs (for support tickets)")
	return c
}
