package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/internal/runctl"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/tui/exportui"
)

// batchFlags are the export flags of --engine batch.
type batchFlags struct {
	roleARN  string
	report   string
	manifest string
	yes      bool
}

func (b *batchFlags) register(f *pflag.FlagSet) {
	f.StringVar(&b.roleARN, "batch-role-arn", "", "with --engine batch on AWS: the S3 Batch Operations role the job runs as (`ARN`; stowage policy NAME --kind batch-terraform --from SOURCE creates one)")
	f.StringVar(&b.report, "batch-report", "", "with --engine batch on AWS: where the completion report goes (`s3://BUCKET/PREFIX`; default the destination under .stowage-batch/reports)")
	f.StringVar(&b.manifest, "batch-manifest", "", "with --engine batch on AWS: where Stowage writes the job's manifest (`s3://BUCKET/PREFIX`; default the destination under .stowage-batch/manifests/)")
	f.BoolVar(&b.yes, "yes", false, "with --engine batch: start the job without asking (the task count and cost estimate are still printed)")
}

// used reports whether any batch flag was given.
func (b *batchFlags) used() bool {
	return b.roleARN != "" || b.report != "" || b.manifest != "" || b.yes
}

// service turns the flags into the service's options.
func (b *batchFlags) service() (providers.BatchOptions, error) {
	o := providers.BatchOptions{RoleARN: strings.TrimSpace(b.roleARN)}
	var err error
	if o.ReportBucket, o.ReportPrefix, err = parseS3URL("--batch-report", b.report); err != nil {
		return o, err
	}
	if o.ManifestBucket, o.ManifestPrefix, err = parseS3URL("--batch-manifest", b.manifest); err != nil {
		return o, err
	}
	if o.ManifestPrefix != "" && !strings.HasSuffix(o.ManifestPrefix, "/") {
		o.ManifestPrefix += "/"
	}
	return o, nil
}

// parseS3URL reads s3://BUCKET[/PREFIX]; "" gives nothing.
func parseS3URL(flag, v string) (bucket, prefix string, err error) {
	if v == "" {
		return "", "", nil
	}
	u, perr := url.Parse(v)
	if perr != nil || u.Scheme != "s3" || u.Host == "" {
		return "", "", usagef("%s: must be s3://BUCKET or s3://BUCKET/PREFIX, got %q; example: %s s3://acme-batch-reports/stowage", flag, v, flag)
	}
	return u.Host, strings.TrimPrefix(u.Path, "/"), nil
}

// writeBatchPlan prints what the batch job will do and cost, and the
// service's checks.
func writeBatchPlan(w io.Writer, loc string, p export.BatchPlan) {
	fmt.Fprintf(w, "Batch export to %s: %s\n", loc, p.Describe)
	if p.Resumed != nil {
		fmt.Fprintf(w, "  follows the %s job %s an earlier run started\n", p.Resumed.Engine, strings.Join(p.Resumed.IDs, ", "))
	}
	fmt.Fprintf(w, "  tasks: %s (%s) to copy", humanize.Count(p.Objects, "object"), humanize.Bytes(p.Bytes))
	if p.Skipped > 0 {
		fmt.Fprintf(w, "; %d (%s) already copied, skipped", p.Skipped, humanize.Bytes(p.SkippedBytes))
	}
	fmt.Fprintln(w)
	switch {
	case p.Estimate.Free:
		fmt.Fprintln(w, "  cost: no charge for the job itself")
	case p.Estimate.USD > 0:
		fmt.Fprintf(w, "  estimated cost: $%.2f\n", p.Estimate.USD)
	default:
		fmt.Fprintln(w, "  cost: not estimated")
	}
	for _, l := range p.Estimate.Lines {
		fmt.Fprintf(w, "    %s\n", l)
	}
	for _, c := range p.Checks {
		fmt.Fprintf(w, "  check %-8s %s: %s\n", c.Status, c.Title, c.Detail)
		if c.Hint != "" && c.Status != providers.StatusPass {
			fmt.Fprintf(w, "           %s\n", c.Hint)
		}
	}
}

// batchPlanJSON is the plan for --json.
func batchPlanJSON(loc string, p export.BatchPlan) map[string]any {
	m := map[string]any{"type": "batch_plan", "location": loc, "engine": p.Engine, "description": p.Describe,
		"objects": p.Objects, "bytes": p.Bytes, "skipped": p.Skipped, "skipped_bytes": p.SkippedBytes,
		"cost_usd": p.Estimate.USD, "cost_free": p.Estimate.Free, "cost_notes": p.Estimate.Lines, "checks": p.Checks}
	if p.Resumed != nil {
		m["resumed_job"] = p.Resumed
	}
	return m
}

// runFromExport is `stowage export NAME --from SOURCE[:PREFIX] --engine
// batch`: the store's batch service copies the objects of another saved
// location into NAME.
func runFromExport(c *cobra.Command, g *globals, fl *exportFlags, name string) error {
	switch {
	case fl.from == "":
		return usagef("--engine and the --batch-* flags go with --from SOURCE; example: stowage export %s --from platform --engine batch", name)
	case fl.engine != export.EngineBatch:
		return runEngineExport(c, g, fl, name)
	case fl.deleteSource:
		return usagef("--delete-source applies to local files; a batch export never deletes from the source location")
	case fl.noTUI && fl.asJSON:
		return usagef("--no-tui and --json exclude each other (--json never shows the screen); example: stowage export %s --from %s --engine batch --json", name, fl.from)
	}
	if c.Flags().Changed("concurrency") || c.Flags().Changed("part-size") {
		fmt.Fprintln(g.stderr, "warning: --concurrency and --part-size do not apply to --engine batch: the store's service decides how it copies")
	}
	base, err := fl.options(nil)
	if err != nil {
		return err
	}
	svc, err := fl.batch.service()
	if err != nil {
		return err
	}
	f, loc, err := loadLocation(g, name)
	if err != nil {
		return err
	}
	srcLoc, prefix, err := sourceOf(f, loc, fl.from)
	if err != nil {
		return err
	}
	if svc.RoleARN != "" && g.redactor != nil {
		g.redactor.Add(config.Identifier, svc.RoleARN)
	}
	cfgPath, err := filepath.Abs(f.Source.Path)
	if err != nil {
		return err
	}
	ctx := c.Context()
	dst, err := providers.Open(ctx, *loc, providers.Options{Platform: f.Platform})
	if err != nil {
		return err
	}
	src, err := providers.Open(ctx, *srcLoc, providers.Options{Platform: f.Platform})
	if err != nil {
		return err
	}
	jp, err := export.JournalPath(cfgPath, *loc)
	if err != nil {
		return err
	}
	bo := export.BatchOptions{Source: srcLoc.Name, Prefix: prefix, Include: base.Include, Exclude: base.Exclude,
		Since: base.Since, Until: base.Until, KeyTemplate: fl.keyTemplate,
		JournalPath: jp, ManifestName: export.ManifestName(*loc), Service: svc}

	mode := modeLines
	switch {
	case fl.asJSON:
		mode = modeJSON
	case !fl.noTUI && g.stdout == os.Stdout && isTerminal(os.Stdout):
		mode = modeTUI
	}
	defer g.redactOutput()()

	// Plan first (lists the source, runs the service's checks), show it,
	// and ask before anything is created.
	var plan export.BatchPlan
	dry := bo
	dry.DryRun, dry.Plan = true, func(p export.BatchPlan) { plan = p }
	_, planErr := export.RunBatch(ctx, src, dst, loc.Name, dry)
	if plan.Engine == "" {
		return planErr // nothing was listed: the run could not start
	}
	if mode == modeJSON {
		if err := writeJSONLine(g.stdout, batchPlanJSON(loc.Name, plan)); err != nil {
			return err
		}
	} else {
		writeBatchPlan(g.stderr, loc.Name, plan)
	}
	if planErr != nil {
		return planErr
	}
	if fl.dryRun {
		return nil
	}
	if plan.Objects == 0 && plan.Resumed == nil {
		fmt.Fprintf(g.stderr, "Nothing to copy: %s copied by earlier runs.\n", humanize.Count(plan.Skipped, "object"))
	} else if !fl.batch.yes {
		ok, err := askYesNo(g, fmt.Sprintf("Start the %s job for %s? [y/N] ", plan.Engine, humanize.Count(plan.Objects, "object")))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(g.stderr, "Not started: no job was created.")
			return &SilentError{Code: ExitFailed}
		}
	}
	bo.Confirm = func(p export.BatchPlan) error {
		// The source may have grown since the question; never start more
		// than was agreed to.
		if p.Objects > plan.Objects {
			return fmt.Errorf("the source now holds %s to copy, %d were confirmed; run the command again to see the new plan", humanize.Count(p.Objects, "object"), plan.Objects)
		}
		return nil
	}
	resume := resumeCommand(c)
	run := func(ctx context.Context, opts export.Options) (export.Summary, error) {
		b := bo
		b.Events, b.Controller = opts.Events, opts.Controller
		return export.RunBatch(ctx, src, dst, loc.Name, b)
	}
	if mode == modeTUI {
		opts := export.Options{Controller: export.NewController()}
		hard, stops, done := g.stopPolicy(ctx, opts.Controller.Stop)
		res, err := exportui.RunExportScreen(hard, dst, loc.Name, opts, exportui.Screen{
			Mask: g.mask, In: g.stdin, Out: g.stdout, ResumeCommand: resume, Stops: stops, Run: run})
		done()
		if !res.Started {
			return err
		}
		if res.FailedTotal > exportui.FrameFailures {
			w := g.redacted(g.stdout)
			export.WriteFailures(w, res.Failures, res.FailedTotal)
			_ = w.Flush()
		}
		return exportExit(err, res.Stopped)
	}
	return runBatchLines(ctx, g, mode, loc, run, resume)
}

// runBatchLines runs the batch export with status lines or JSON events.
func runBatchLines(ctx context.Context, g *globals, mode exportMode, loc *config.Location,
	run func(context.Context, export.Options) (export.Summary, error), resume string) error {
	var failures export.FailureList
	stderr := &lockedWriter{w: g.stderr}
	show := export.NewStatusPrinter(stderr, statusEvery).Event
	if mode == modeJSON {
		show = export.NewJSONPrinter(g.stdout).Event
	}
	opts := export.Options{Controller: export.NewController()}
	opts.Events = func(ev export.Event) {
		if ff, ok := ev.(export.FileFailed); ok {
			failures.Add(ff)
		}
		show(ev)
	}
	hard, stops, done := g.stopPolicy(ctx, opts.Controller.Stop)
	printStops(stops, stderr, "copies", func() int { return opts.Controller.Stats().FilesActive }, "object")
	if mode != modeJSON {
		fmt.Fprintf(stderr, "Exporting to %s (%s) with the store's batch service; ctrl+c cancels the job\n", loc.Name, where(*loc))
	}
	sum, err := run(hard, opts)
	done()
	if err != nil && sum.Location == "" {
		return err
	}
	stopped := sum.Stopped || errors.Is(err, export.ErrStopped) || stops.Level() != runctl.Running
	if mode == modeJSON {
		if jerr := writeJSONLine(g.stdout, export.SummaryJSON(sum, err, stopped, resume)); jerr != nil && err == nil {
			err = jerr
		}
	} else {
		export.WriteSummary(g.stdout, sum, err, failures.First, failures.Total, stopped, resume)
	}
	return exportExit(err, stopped)
}

// sourceOf resolves --from (SOURCE[:PREFIX]) to the saved source location
// and prefix, refusing the destination loc itself.
func sourceOf(f *config.File, loc *config.Location, from string) (*config.Location, string, error) {
	name, prefix, err := splitFrom(f, from)
	if err != nil {
		return nil, "", err
	}
	src, err := findLocation(f, name)
	if err != nil {
		return nil, "", err
	}
	if src.Name == loc.Name {
		return nil, "", usagef("--from %s: the source and the destination are the same location; name the platform's location", from)
	}
	return src, prefix, nil
}

// splitFrom reads --from SOURCE[:PREFIX] (or SOURCE/PREFIX when SOURCE is
// a saved location): the location's name and a prefix under its own
// prefix, "" or ending in "/".
func splitFrom(f *config.File, v string) (name, prefix string, err error) {
	v = strings.TrimSpace(v)
	if n, p, ok := strings.Cut(v, ":"); ok {
		name, prefix = n, p
	} else if _, found := f.Find(v); found {
		name = v
	} else if n, p, ok := strings.Cut(v, "/"); ok {
		name, prefix = n, p
	} else {
		name = v
	}
	if _, found := f.Find(name); !found {
		return "", "", usagef("--from %s: no saved location %q; saved: %s; example: --from platform:tenants/acme/", v, name, strings.Join(f.Names(), ", "))
	}
	prefix = strings.TrimPrefix(prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return name, prefix, nil
}
