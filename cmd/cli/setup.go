package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/shellquote"
	"github.com/stowage-dev/stowage/policies"
	"github.com/stowage-dev/stowage/providers"
	s3provider "github.com/stowage-dev/stowage/providers/s3"
	"github.com/stowage-dev/stowage/tui"
	"github.com/stowage-dev/stowage/wizard"
)

func init() {
	register(newSetupCmd)
	rootRun = func(c *cobra.Command, g *globals, args []string) error {
		if len(args) > 0 {
			return usagef("unknown command %q; run `stowage --help` for the list", args[0])
		}
		return runWizard(c.Context(), g, "")
	}
}

// setupFlags are the location settings that are flags, in wizard order,
// once each: a flag shared by two types (--prefix) sets the draft type's.
// Secrets are never flags: they come from the environment or standard
// input (Setting.Env), so they stay out of shell history and process
// listings.
func setupFlags() []*config.Setting[config.Location] {
	var out []*config.Setting[config.Location]
	seen := map[string]bool{}
	for i := range config.LocationSettings {
		s := &config.LocationSettings[i]
		if s.Flag != "" && !seen[s.Flag] {
			seen[s.Flag] = true
			out = append(out, s)
		}
	}
	return out
}

// secretSettings are the settings read from the environment or stdin.
func secretSettings() []*config.Setting[config.Location] {
	var out []*config.Setting[config.Location]
	for i := range config.LocationSettings {
		if s := &config.LocationSettings[i]; s.Env != "" {
			out = append(out, s)
		}
	}
	return out
}

func envOf(id string) string {
	for _, s := range secretSettings() {
		if s.ID == id {
			return s.Env
		}
	}
	return ""
}

func newSetupCmd(g *globals) *cobra.Command {
	var nonInteractive, secretsFromStdin bool
	var edit, testMode string
	c := &cobra.Command{
		Use:   "setup",
		Short: "Add or change a location (the wizard; --non-interactive for scripts)",
		Long: `Add or change a location. Without flags this opens the setup wizard.

With --non-interactive every field is a flag, validated exactly as in the
wizard. Secrets are never flags: the secret access key comes from
$` + envOf("secret_access_key") + ` and the Azure connection string from
$` + envOf("connection_string") + `, or either from standard input with
--secrets-from-stdin (one line each, in that order as applicable).

For role locations the external ID is generated; the command prints it with
the trust policy. A new role location cannot pass the connection test until
that trust policy is in place, so by default (--test auto) it is tested only
when it is not new; run 'stowage test NAME' afterwards.`,
		Example: `  stowage setup
  stowage setup --non-interactive --name acme --type s3-role --bucket acme-recordings \
      --region eu-west-1 --prefix calls/ --role-arn arn:aws:iam::123456789012:role/stowage-export
  STOWAGE_SECRET_ACCESS_KEY=... stowage setup --non-interactive --name globex --type s3-keys \
      --bucket globex-recordings --region us-west-1 --access-key-id AKIA...
  stowage setup --non-interactive --name nas --type local --path /mnt/recordings`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !nonInteractive {
				changed := []string{}
				// Only setup's own flags: --config, --accessible and
				// --screen-share belong to the root and work with the wizard.
				c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
					if f.Changed && f.Name != "edit" {
						changed = append(changed, "--"+f.Name)
					}
				})
				if len(changed) > 0 {
					return usagef("%s need --non-interactive; example: stowage setup --non-interactive --name nas --type local --path /mnt/recordings", strings.Join(changed, ", "))
				}
				return runWizard(c.Context(), g, edit)
			}
			values := map[string]string{}
			for _, s := range setupFlags() {
				if fl := c.Flags().Lookup(s.Flag); fl.Changed {
					values[s.ID] = fl.Value.String()
				}
			}
			switch testMode {
			case "auto", "always", "never":
			default:
				return usagef("--test: must be auto, always or never (got %q); example: --test always", testMode)
			}
			return setupNonInteractive(c.Context(), g, edit, values, secretsFromStdin, testMode)
		},
	}
	fs := c.Flags()
	fs.BoolVar(&nonInteractive, "non-interactive", false, "no wizard: take every field from flags and the environment")
	fs.StringVar(&edit, "edit", "", "change the saved location NAME instead of adding one")
	fs.BoolVar(&secretsFromStdin, "secrets-from-stdin", false, "read the secret access key / connection string from standard input")
	fs.StringVar(&testMode, "test", "auto", "run the connection test after saving: auto | always | never")
	for _, s := range setupFlags() {
		if s.Kind == config.KindBool {
			fs.Bool(s.Flag, false, s.Usage)
		} else {
			fs.String(s.Flag, "", s.Usage)
		}
	}
	return c
}

// runWizard opens the full-screen wizard (or its accessible line-by-line
// form) on the locations file.
func runWizard(ctx context.Context, g *globals, edit string) error {
	f, err := loadConfig(g)
	if err != nil {
		return err
	}
	if edit != "" {
		if _, err := findLocation(f, edit); err != nil {
			return err
		}
	}
	res, err := tui.RunWizard(ctx, tui.Options{
		ConfigPath:  f.Source.Path,
		File:        f,
		Platform:    f.Platform,
		ScreenShare: g.screenShare,
		Accessible:  g.accessible,
		In:          g.stdin,
		Out:         g.stdout,
		EditName:    edit,
		DraftPath:   config.SessionDraftPath(f.Source.Path),
		Open: func(ctx context.Context, loc config.Location) (providers.Provider, error) {
			return openProvider(ctx, f, loc, 4)
		},
		DetectPrincipal: func(ctx context.Context, p config.Platform, endpoint string) (string, error) {
			return s3provider.DetectPrincipal(ctx, p, endpoint)
		},
		Save: config.Save,
	})
	if err != nil {
		return err
	}
	if !res.ExportNow || res.Location == "" {
		return nil
	}
	if len(res.Sources) == 0 && res.From == "" {
		// Every way to "export now" asks for the folders; should none
		// come back, say how to start it rather than export nothing.
		fmt.Fprintf(g.stdout, "Export to %q with:\n  %s\n", res.Location, wizardExportCommand(res.Location, []string{"/path/to/recordings"}))
		return nil
	}
	return exportFromWizard(ctx, g, f, res)
}

// setupNonInteractive drafts, validates, saves and tests a location from
// flags, with the same wizard steps as the screens.
func setupNonInteractive(ctx context.Context, g *globals, edit string, values map[string]string, secretsFromStdin bool, testMode string) error {
	defer g.redactOutput()()
	f, err := loadConfig(g)
	if err != nil {
		return err
	}
	if err := readSecrets(g, values, edit, f, secretsFromStdin); err != nil {
		return err
	}
	var w *wizard.Wizard
	isNew := edit == ""
	if isNew {
		w, err = wizard.FromFlags(f, f.Platform, values, time.Now)
	} else {
		w = wizard.New(f, f.Platform, time.Now)
		if err = w.Edit(edit); err != nil {
			return &UsageError{Err: err}
		}
		if err = w.Apply(values); err == nil {
			err = w.Advance()
		}
	}
	if err != nil {
		return &UsageError{Err: flagErrors(err)}
	}
	loc := w.Draft()
	if err := w.Save(f.Source.Path, config.Save); err != nil {
		return &UsageError{Err: flagErrors(err)}
	}
	if from := w.RenamedFrom(); from != "" {
		// A location an older Stowage saved without an ID keeps the journal
		// it has under its old name.
		saved, _ := f.Find(w.Draft().Name)
		if cfgPath, err := filepath.Abs(f.Source.Path); err == nil && saved != nil {
			if _, err := export.MigrateJournal(cfgPath, from, *saved); err != nil {
				fmt.Fprintf(g.stderr, "warning: %v\n", err)
			}
		}
	}
	verb := "Saved"
	if !isNew {
		verb = "Updated"
	}
	// The saved location has values the file did not (a new external ID).
	g.redactor.AddLocation(loc)
	fmt.Fprintf(g.stdout, "%s location %q in %s\n", verb, loc.Name, f.Source.Path)
	for _, warn := range loc.Warnings() {
		fmt.Fprintf(g.stderr, "warning: %s\n", warn)
	}
	if loc.Type == config.TypeS3 && loc.S3 != nil && loc.S3.Auth == config.AuthRole {
		fmt.Fprintf(g.stdout, "\nExternal ID: %s\n", loc.S3.ExternalID)
		if trust, err := policies.Trust(loc, f.Platform); err == nil {
			fmt.Fprintf(g.stdout, "\nTrust policy — %s\n\n%s", policies.WhereItGoes(policies.KindTrust), trust)
		} else {
			fmt.Fprintf(g.stdout, "\nThe trust policy cannot be written yet: %v\n", err)
		}
		fmt.Fprintf(g.stdout, "\nPermissions policy: stowage policy %s --kind permissions\n", loc.Name)
		if g.screenShare {
			fmt.Fprintf(g.stdout, "\nMasked for screen sharing; write the complete trust policy with: stowage policy %s --kind trust -o FILE\n", loc.Name)
		}
	}
	role := loc.Type == config.TypeS3 && loc.S3 != nil && loc.S3.Auth == config.AuthRole
	runTest := testMode == "always" || (testMode == "auto" && !(isNew && role))
	if !runTest {
		// Only a role location waits for something on the customer's side.
		if !role {
			fmt.Fprintf(g.stdout, "\nNot tested (--test never); test it with: stowage test %s\n", loc.Name)
		} else {
			fmt.Fprintf(g.stdout, "\nWhen the role's trust policy holds the external ID, test it with: stowage test %s\n", loc.Name)
		}
		return nil
	}
	p, err := openProvider(ctx, f, loc, 4)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\nTesting %s\n", loc.Name)
	report, err := p.Test(ctx, func(ch providers.Check) {
		if ch.Status != providers.StatusRunning {
			writeCheck(g.stdout, ch)
		}
	})
	if err != nil {
		return err
	}
	saved, _ := f.Find(loc.Name)
	saved.LastTest = &config.TestResult{At: time.Now().UTC().Truncate(time.Second), OK: report.OK(), Summary: summarize(report)}
	if err := saveConfig(g, f); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\n%s\n", saved.LastTest.Summary)
	if !report.OK() {
		fmt.Fprintf(g.stdout, "The location is saved; fix what failed and run: stowage test %s\n", loc.Name)
		return &SilentError{Code: ExitFailed}
	}
	return nil
}

// readSecrets fills the secret fields from the environment or stdin.
func readSecrets(g *globals, values map[string]string, edit string, f *config.File, fromStdin bool) error {
	typ := values["type"]
	if edit != "" && typ == "" {
		if loc, ok := f.Find(edit); ok {
			switch {
			case loc.Type == config.TypeAzure:
				typ = wizard.ChoiceAzure
			case loc.Type == config.TypeS3 && loc.S3 != nil && loc.S3.Auth == config.AuthKeys:
				typ = wizard.ChoiceS3Keys
			}
		}
	}
	// The secrets the chosen type takes, in table order.
	var want []*config.Setting[config.Location]
	for _, s := range secretSettings() {
		switch {
		case s.Section == config.TypeS3 && (typ == wizard.ChoiceS3Keys || typ == wizard.ChoiceS3Default),
			s.Section == config.TypeAzure && typ == wizard.ChoiceAzure:
			want = append(want, s)
		}
	}
	var in *bufio.Reader
	if fromStdin {
		in = bufio.NewReader(g.stdin)
	}
	for _, s := range want {
		var v string
		if in != nil {
			line, err := in.ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("reading %s from standard input: %w", s.ID, err)
			}
			// The wizard cleans the value by the setting's input policy.
			v = line
		} else {
			v = os.Getenv(s.Env)
		}
		if v != "" {
			values[s.ID] = v
		}
	}
	return nil
}

// flagErrors rewrites wizard field errors in terms of the command's flags.
func flagErrors(err error) error {
	var lines []string
	for _, e := range flatten(err) {
		var fe *wizard.FieldError
		if errors.As(e, &fe) {
			name := "--" + flagName(fe.Field)
			if env := envOf(fe.Field); env != "" {
				name = "$" + env
			}
			lines = append(lines, fmt.Sprintf("%s: %v", name, fe.Err))
			continue
		}
		lines = append(lines, e.Error())
	}
	if len(lines) == 1 {
		return errors.New(lines[0])
	}
	return fmt.Errorf("%d problems:\n%s", len(lines), strings.Join(lines, "\n"))
}

// flatten unwraps errors.Join trees into their leaves.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var fe *wizard.FieldError
		if !errors.As(err, &fe) || fe != err {
			var out []error
			for _, e := range j.Unwrap() {
				out = append(out, flatten(e)...)
			}
			return out
		}
	}
	return []error{err}
}

// exportFromWizard runs the export the wizard's "export now" asked for:
// the folders in res.Sources to the location res.Location, with the same
// options, journal, progress and exit status as `stowage export NAME
// SRC...` with no flags. The wizard drew screens, so the export does too;
// after the accessible wizard it reports in lines.
func exportFromWizard(ctx context.Context, g *globals, f *config.File, res tui.Result) error {
	loc, err := findLocation(f, res.Location)
	if err != nil {
		return err
	}
	fl := exportFlags{concurrency: export.DefaultConcurrency, from: res.From}
	if res.From != "" {
		// A saved location picked as the source: auto picks copy or
		// stream and says why, as stowage export --from does.
		opts, err := fl.options(nil)
		if err != nil {
			return err
		}
		mode := modeTUI
		if res.Accessible {
			mode = modeLines
		}
		resume := shellquote.Join([]string{programName(), "export", loc.Name, "--from", res.From})
		return exportFromLocation(ctx, g, f, loc, &fl, export.EngineAuto, opts, mode, resume)
	}
	opts, err := fl.options(res.Sources)
	if err != nil {
		return err
	}
	// The wizard checked the folders; one may have gone since.
	p, opts, err := export.Prepare(ctx, f, *loc, opts)
	if err != nil {
		return err
	}
	resume := wizardExportCommand(loc.Name, res.Sources)
	if res.Accessible {
		return runExportLines(ctx, g, modeLines, p, loc, opts, resume)
	}
	return runExportScreen(ctx, g, p, loc, opts, resume)
}

// wizardExportCommand is the export command line that does (or resumes)
// what the wizard's "export now" started.
func wizardExportCommand(name string, sources []string) string {
	return shellquote.Join(append([]string{programName(), "export", name}, sources...))
}

// flagName is the flag of the field id ("role_arn" → "role-arn").
func flagName(id string) string {
	for _, s := range setupFlags() {
		if s.ID == id {
			return s.Flag
		}
	}
	return strings.ReplaceAll(id, "_", "-")
}
