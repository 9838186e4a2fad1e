package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/clientsettings"
)

func init() { register(newClientSettingsCmd) }

func newClientSettingsCmd(g *globals) *cobra.Command {
	var (
		format, output string
		reveal         bool
		name           string
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
			if reveal && g.screenShare && output == "" {
				return usagef("--reveal cannot be used with --screen-share: secrets are never shown while the screen is shared; write them to a file with -o FILE, or run it again without --screen-share when no one is watching")
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
			// A file is complete (identifiers too): it is pasted into a
			// client. The terminal copy is masked on a shared screen.
			toFile := output != ""
			out, err := clientsettings.Render(s, f, clientsettings.Options{Reveal: reveal, ScreenShare: g.screenShare && !toFile, Name: name})
			if err != nil {
				return err
			}
			if toFile {
				// 0600: with --reveal the file holds a secret.
				if err := os.WriteFile(output, []byte(out), 0o600); err != nil {
					return fmt.Errorf("-o %s: %w", output, err)
				}
				fmt.Fprintf(g.stderr, "Wrote %s (%d bytes).\n", output, len(out))
				return nil
			}
			if reveal {
				// Asked for, and refused above on a shared screen.
				_, err = fmt.Fprint(g.stdout, out)
				return err
			}
			stdout := g.redacted(g.stdout)
			_, err = fmt.Fprint(stdout, out)
			if ferr := stdout.Flush(); err == nil {
				err = ferr
			}
			if g.screenShare {
				fmt.Fprintln(g.stderr, screenShareNote)
			}
			return err
		},
	}
	c.Flags().StringVar(&format, "format", string(clientsettings.FormatTable), "output: "+strings.Join(formats, ", "))
	c.Flags().BoolVar(&reveal, "reveal", false, "print secrets (secret access key, account key, SAS) instead of masking them")
	c.Flags().StringVarP(&output, "output", "o", "", "write to FILE (complete, also on a shared screen) instead of standard output")
	c.Flags().StringVar(&name, "name", "", "rclone remote or AWS profile name (default: from the location name)")
	return c
}
