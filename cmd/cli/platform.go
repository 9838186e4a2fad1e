package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	s3provider "github.com/stowage-dev/stowage/providers/s3"
)

func init() { register(newPlatformCmd) }

func newPlatformCmd(g *globals) *cobra.Command {
	var detect bool
	var detectEndpoint string
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
			if fl.Changed("principal-arn") && detect {
				return usagef("--principal-arn and --detect-principal exclude each other; pick one")
			}
			// Each flag is a setting of config.PlatformSettings: checked by
			// its rule, stored by its accessor.
			var errs []error
			for i := range config.PlatformSettings {
				s := &config.PlatformSettings[i]
				if !fl.Changed(s.Flag) {
					continue
				}
				var v string
				if s.Kind == config.KindList {
					items, _ := fl.GetStringArray(s.Flag)
					v = strings.Join(items, "\n")
				} else {
					v, _ = fl.GetString(s.Flag)
					if cv, err := s.Clean(v); err == nil {
						v = cv
					}
					// The list is checked item by item by Validate below.
					if err := s.Check(&p, v); err != nil {
						errs = append(errs, fmt.Errorf("--%s: %w", s.Flag, err))
						continue
					}
				}
				s.Set(&p, v)
				changed = true
			}
			if len(errs) > 0 {
				return &UsageError{Err: errors.Join(errs...)}
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
	for _, s := range config.PlatformSettings {
		if s.Kind == config.KindList {
			fs.StringArray(s.Flag, nil, s.Usage)
		} else {
			fs.String(s.Flag, "", s.Usage)
		}
	}
	fs.BoolVar(&detect, "detect-principal", false, "trust the account of the base credentials (sts:GetCallerIdentity)")
	fs.StringVar(&detectEndpoint, "sts-endpoint", "", "custom STS endpoint for --detect-principal (S3-compatible stores)")
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
