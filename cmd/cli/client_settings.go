package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/clientsettings"
)

func init() { register(newClientSettingsCmd) }

func newClientSettingsCmd(g *globals) *cobra.Command {
	var (
		format string
		reveal bool
		name   string
	)
	formats := make([]string, 0, len(clientsettings.Formats()))
	for _, f := range clientsettings.Formats() {
		formats = append(formats, string(f))
	}
	c := &cobra.Command{
		Use:   "client-settings NAME",
		Short: "Print what to enter in an S3 client (S3 Browser, Cyberduck, rclone, s3cmd, AWS CLI)",
		Long: `Print the values a person enters in an ordinary storage client to fetch the
exported recordings: account type, host (the regional endpoint such as
s3.us-west-1.amazonaws.com, or the custom endpoint of an S3-compatible store),
access key, secret, TLS and the remote path bucket/prefix/. Or print ready
configuration:

  --format table        the fields and values (default)
  --format rclone       an rclone remote (S3, or azureblob for Azure)
  --format cyberduck    a Cyberduck bookmark (.duck); it never holds the secret
  --format s3cmd        an s3cmd configuration file (.s3cfg)
  --format aws-profile  AWS CLI profile sections (role mode: role_arn,
                        external_id and source_profile)

Secrets are shown as "` + clientsettings.Masked + `" unless --reveal is given; --reveal is
refused in --screen-share mode.`,
		Example: `  stowage client-settings globex
  stowage client-settings globex --format rclone --reveal >> ~/.config/rclone/rclone.conf
  stowage client-settings globex --format cyberduck > globex.duck`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			f, err := clientsettings.ParseFormat(format)
			if err != nil {
				return err
			}
			if reveal && g.screenShare {
				return usagef("--reveal cannot be used with --screen-share: secrets are never shown while the screen is shared; run it again without --screen-share when no one is watching")
			}
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			loc, err := findLocation(cfg, args[0])
			if err != nil {
				return err
			}
			s, err := clientsettings.FromLocation(*loc, cfg.Platform)
			if err != nil {
				return err
			}
			out, err := clientsettings.Render(s, f, clientsettings.Options{Reveal: reveal, ScreenShare: g.screenShare, Name: name})
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(g.stdout, out)
			return err
		},
	}
	c.Flags().StringVar(&format, "format", string(clientsettings.FormatTable), "output: "+strings.Join(formats, ", "))
	c.Flags().BoolVar(&reveal, "reveal", false, "print secrets (secret access key, account key, SAS) instead of masking them")
	c.Flags().StringVar(&name, "name", "", "rclone remote or AWS profile name (default: from the location name)")
	return c
}
