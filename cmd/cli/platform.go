package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	s3provider "github.com/stowage-dev/stowage/providers/s3"
)

func init() { register(newPlatformCmd) }

func newPlatformCmd(g *globals) *cobra.Command {
	var principals []string
	var detect bool
	var detectEndpoint, profile, templateURL string
	var duration time.Duration
	c := &cobra.Command{
		Use:   "platform",
		Short: "Show or set the platform side: trusted principal ARNs, AWS profile, session length",
		Long: `The platform is the side that assumes customers' roles. Its principal ARN(s)
go into every trust policy (a primary and a secondary, like the two service
principals some vendors use); its AWS profile supplies the base credentials
that call sts:AssumeRole.

Without flags this prints the current settings. --detect-principal asks
sts:GetCallerIdentity which account the base credentials belong to and trusts
that account's root ARN (arn:aws:iam::ACCOUNT:root); --principal-arn overrides.`,
		Example: `  stowage platform --principal-arn arn:aws:iam::111122223333:root --principal-arn arn:aws:iam::444455556666:role/exporter
  stowage platform --detect-principal --aws-profile exporter
  stowage platform --session-duration 2h --template-url https://example.com/stowage.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			defer g.redactOutput()()
			f, err := loadConfig(g)
			if err != nil {
				return err
			}
			p := f.Platform
			changed := false
			fl := c.Flags()
			if fl.Changed("aws-profile") {
				p.AWSProfile, changed = profile, true
			}
			if fl.Changed("session-duration") {
				p.SessionDuration, changed = duration, true
			}
			if fl.Changed("template-url") {
				p.TemplateURL, changed = templateURL, true
			}
			if fl.Changed("principal-arn") && detect {
				return usagef("--principal-arn and --detect-principal exclude each other; pick one")
			}
			if fl.Changed("principal-arn") {
				p.PrincipalARNs, changed = principals, true
			}
			if detect {
				arn, err := s3provider.DetectPrincipal(c.Context(), p, detectEndpoint)
				if err != nil {
					return fmt.Errorf("--detect-principal: %w", err)
				}
				fmt.Fprintf(g.stdout, "Detected principal: %s\n", arn)
				p.PrincipalARNs, changed = []string{arn}, true
			}
			if changed {
				if err := p.Validate(); err != nil {
					return &UsageError{Err: err}
				}
				f.Platform = p
				if err := saveConfig(g, f); err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "Saved platform settings in %s\n", f.Source.Path)
			}
			printPlatform(g, p)
			return nil
		},
	}
	fs := c.Flags()
	fs.StringArrayVar(&principals, "principal-arn", nil, "principal ARN the trust policies name (repeat for a secondary)")
	fs.BoolVar(&detect, "detect-principal", false, "trust the account of the base credentials (sts:GetCallerIdentity)")
	fs.StringVar(&detectEndpoint, "sts-endpoint", "", "custom STS endpoint for --detect-principal (S3-compatible stores)")
	fs.StringVar(&profile, "aws-profile", "", "shared-config profile of the base credentials")
	fs.DurationVar(&duration, "session-duration", 0, "assumed-role session length, 15m to 12h (default 1h)")
	fs.StringVar(&templateURL, "template-url", "", "where the CloudFormation template is published (for the quick-create link)")
	return c
}

func printPlatform(g *globals, p config.Platform) {
	principals := "(none: set with --principal-arn or --detect-principal)"
	if len(p.PrincipalARNs) > 0 {
		principals = strings.Join(p.PrincipalARNs, ", ")
	}
	profile := p.AWSProfile
	if profile == "" {
		profile = "(default chain)"
	}
	tmpl := p.TemplateURL
	if tmpl == "" {
		tmpl = "(not published)"
	}
	fmt.Fprintf(g.stdout, "Trusted principals: %s\nAWS profile:        %s\nSession duration:   %s\nTemplate URL:       %s\n",
		principals, profile, p.Duration(), tmpl)
}
