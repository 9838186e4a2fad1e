package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/providers"
)

func init() { register(newTestCmd) }

func newTestCmd(g *globals) *cobra.Command {
	var asJSON bool
	var src testSourceFlags
	c := &cobra.Command{
		Use:   "test NAME",
		Short: "Test a location: every permission, with a hint naming what is missing",
		Long: `Run the connection test of a saved location without the wizard: endpoint,
credentials (for role mode also whether the trust policy requires the external
ID), bucket region, list, a test upload, read-back when granted, and advisory
checks (Block Public Access, default encryption, versioning).

With --from SOURCE[:PREFIX], the checks of an export from that saved
location follow: the source lists and reads with its own credentials, the
location's credentials may read it (the copy engine), which engine auto
picks and why, and with --engine batch the batch service's checks.

Exit status: 0 when every check passed (warnings allowed), 1 when a check
failed, 2 for bad usage. The result and time of the location's own checks
are saved on the location.`,
		Example: `  stowage test acme
  stowage test acme --json | jq -r '.checks[] | select(.status == "fail") | .hint'
  stowage test acme --from platform:tenants/acme/
  stowage test acme --from platform --engine batch`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			defer g.redactOutput()()
			if err := src.check(args[0]); err != nil {
				return err
			}
			f, loc, err := loadLocation(g, args[0])
			if err != nil {
				return err
			}
			ctx := c.Context()
			p, err := openProvider(ctx, f, *loc, 4)
			if err != nil {
				return err
			}
			if !asJSON {
				fmt.Fprintf(g.stdout, "Testing %s (%s)\n", loc.Name, where(*loc))
			}
			report, err := p.Test(ctx, func(ch providers.Check) {
				if !asJSON && ch.Status != providers.StatusRunning {
					writeCheck(g.stdout, ch)
				}
			})
			if err != nil {
				return err
			}
			if report.Location == "" {
				report.Location = loc.Name
			}
			// The location's own checks are its saved result; the
			// source's are the export's and are printed only.
			loc.LastTest = &config.TestResult{At: time.Now().UTC().Truncate(time.Second), OK: report.OK(), Summary: summarize(report)}
			var st *sourceTest
			srcReport := providers.Report{}
			if src.from != "" {
				s, err := testSource(ctx, f, loc, p, &src, func(ch providers.Check) {
					if !asJSON && ch.Status != providers.StatusRunning {
						writeCheck(g.stdout, ch)
					}
				}, func(sl *config.Location, prefix, engine string) {
					if !asJSON {
						fmt.Fprintf(g.stdout, "\nTesting the export from %s (%s) with --engine %s\n", fromArg(sl.Name, prefix), where(*sl), engine)
					}
				})
				if err != nil {
					return err
				}
				st, srcReport.Checks = &s, s.Checks
				report.Checks = append(report.Checks, s.Checks...)
			}
			saveErr := saveConfig(g, f)
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(struct {
					providers.Report
					Source *sourceTest `json:"source,omitempty"`
					OK     bool        `json:"ok"`
				}{report, st, report.OK()}); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(g.stdout, "\n%s\n", loc.LastTest.Summary)
				if st != nil {
					fmt.Fprintf(g.stdout, "From %s: %s\n", fromArg(st.Source, st.Prefix), summarize(srcReport))
				}
			}
			if saveErr != nil {
				return fmt.Errorf("the test ran, but saving its result failed: %w", saveErr)
			}
			if !report.OK() {
				return &SilentError{Code: ExitFailed}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON (for support tickets and scripts)")
	src.register(c.Flags())
	return c
}

// checkMark is a status symbol readable without colour.
func checkMark(s providers.Status) string {
	switch s {
	case providers.StatusPass:
		return "[ok]  "
	case providers.StatusWarn:
		return "[warn]"
	case providers.StatusFail:
		return "[FAIL]"
	case providers.StatusSkipped:
		return "[skip]"
	}
	return "[....]"
}

// writeCheck prints one finished check, its detail and hint.
func writeCheck(w io.Writer, ch providers.Check) {
	line := fmt.Sprintf("%s %s", checkMark(ch.Status), ch.Title)
	if ch.Detail != "" {
		line += ": " + ch.Detail
	}
	switch {
	case ch.Duration >= time.Millisecond:
		line += fmt.Sprintf(" (%s)", ch.Duration.Round(time.Millisecond))
	case ch.Duration > 0:
		line += " (<1ms)"
	}
	if ch.Code != "" && !strings.Contains(ch.Detail, "["+ch.Code+"]") {
		line += " [" + ch.Code + "]"
	}
	fmt.Fprintln(w, line)
	if ch.Hint != "" && ch.Status != providers.StatusPass {
		for _, l := range strings.Split(strings.TrimRight(ch.Hint, "\n"), "\n") {
			fmt.Fprintln(w, "         "+l)
		}
	}
}

// summarize is the one-line outcome saved on the location.
func summarize(r providers.Report) string {
	count := map[providers.Status]int{}
	var failed []string
	for _, c := range r.Checks {
		count[c.Status]++
		if c.Status == providers.StatusFail && !c.Advisory {
			failed = append(failed, c.Title)
		}
	}
	s := fmt.Sprintf("%d passed, %s, %d failed, %d skipped", count[providers.StatusPass], humanize.Count(count[providers.StatusWarn], "warning"), len(failed), count[providers.StatusSkipped])
	if len(failed) > 0 {
		s += " — failed: " + strings.Join(failed, ", ")
	}
	return s
}
