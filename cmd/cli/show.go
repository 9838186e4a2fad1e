package cli

import (
	"fmt"
	"regexp"
	"strings"

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
			f, err := loadConfig(g)
			if err != nil {
				return err
			}
			loc, err := findLocation(f, args[0])
			if err != nil {
				return err
			}
			shown := loc.Redacted()
			if redact || g.screenShare {
				shown = redactIdentifiers(shown)
			}
			out, err := yaml.Marshal(shown)
			if err != nil {
				return fmt.Errorf("show %s: %w", loc.Name, err)
			}
			_, err = g.stdout.Write(out)
			return err
		},
	}
	c.Flags().BoolVar(&redact, "redact", false, "also shorten external ID, access key ID and account IDs (for support tickets)")
	return c
}

// redactIdentifiers masks what a support ticket needs only the end of.
func redactIdentifiers(loc config.Location) config.Location {
	if s := loc.S3; s != nil {
		s.ExternalID = keepLast(s.ExternalID, 4)
		s.PendingExternalID = keepLast(s.PendingExternalID, 4)
		s.AccessKeyID = keepLast(s.AccessKeyID, 4)
		s.RoleARN = maskAccountID(s.RoleARN)
		s.UserARN = maskAccountID(s.UserARN)
		s.KMSKeyARN = maskAccountID(s.KMSKeyARN)
	}
	return loc
}

// keepLast replaces all but the last n characters of s with bullets.
func keepLast(s string, n int) string {
	if s == "" || len(s) <= n {
		return s
	}
	return strings.Repeat("•", 4) + s[len(s)-n:]
}

// accountInARN matches the 12-digit account ID field of an ARN.
var accountInARN = regexp.MustCompile(`^(arn:[^:]+:[^:]+:[^:]*:)(\d{8})(\d{4})(:.*)$`)

// maskAccountID masks the first 8 digits of the account ID in an ARN.
func maskAccountID(arn string) string {
	return accountInARN.ReplaceAllString(arn, "${1}••••••••${3}${4}")
}
