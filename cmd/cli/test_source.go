package cli

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/providers"
)

// testSourceFlags are `stowage test NAME --from SOURCE[:PREFIX] --engine E`:
// the checks of an export from another saved location into NAME.
type testSourceFlags struct {
	from, engine, roleARN string
}

func (s *testSourceFlags) register(f *pflag.FlagSet) {
	f.StringVar(&s.from, "from", "", "also check an export from this saved location (`SOURCE[:PREFIX]`) into NAME: the source lists and reads with its own credentials, NAME's may read it for the copy engine, which engine auto picks; the wizard's Test step tests a location alone and does not run these")
	f.StringVar(&s.roleARN, "batch-role-arn", "", "with --engine batch on AWS: the S3 Batch Operations role the job would run as (`ARN`), as the export takes it")
	f.StringVar(&s.engine, "engine", "", "with --from: the `engine` to check for: auto (default), stream, copy, or batch (adds the batch service's checks)")
}

// check refuses --engine without --from and an unknown engine, before
// anything is tested.
func (s *testSourceFlags) check(name string) error {
	switch {
	case s.from == "" && s.engine != "":
		return usagef("--engine goes with --from SOURCE; example: stowage test %s --from platform --engine %s", name, s.engine)
	case s.roleARN != "" && s.engine != export.EngineBatch:
		return usagef("--batch-role-arn goes with --from SOURCE --engine batch; example: stowage test %s --from %s --engine batch --batch-role-arn arn:aws:iam::123456789012:role/StowageBatchOperations", name, cmp.Or(s.from, "platform"))
	case s.engine != "" && !slices.Contains(export.Engines, s.engine):
		return usagef("--engine: must be one of %s, got %q; example: stowage test %s --from %s --engine auto", strings.Join(export.Engines, ", "), s.engine, name, cmp.Or(s.from, "platform"))
	}
	return nil
}

// testSource runs the source checks of s.from into loc (opened as dst),
// calling emit as each ends; src names the source for the report.
func testSource(ctx context.Context, f *config.File, loc *config.Location, dst providers.Provider, s *testSourceFlags,
	emit func(providers.Check), heading func(src *config.Location, prefix, engine string)) (sourceTest, error) {
	srcLoc, prefix, err := sourceOf(f, loc, s.from)
	if err != nil {
		return sourceTest{}, err
	}
	src, err := openProvider(ctx, f, *srcLoc, 4)
	if err != nil {
		return sourceTest{}, err
	}
	engine := cmp.Or(s.engine, export.EngineAuto)
	if heading != nil {
		heading(srcLoc, prefix, engine)
	}
	from := export.FromLocation{Name: srcLoc.Name, Prefix: prefix, Provider: src}
	checks := export.CheckSource(ctx, dst, loc.Name, from, export.SourceCheckOptions{Engine: engine, Emit: emit,
		Service: providers.BatchOptions{RoleARN: strings.TrimSpace(s.roleARN)}})
	return sourceTest{Source: srcLoc.Name, Prefix: prefix, Engine: engine, Checks: checks}, nil
}

// sourceTest is what --from adds to the report (--json: "source").
type sourceTest struct {
	Source string            `json:"location"`
	Prefix string            `json:"prefix"`
	Engine string            `json:"engine"`
	Checks []providers.Check `json:"-"`
}

// fromArg is SOURCE[:PREFIX] as --from takes it.
func fromArg(name, prefix string) string {
	if prefix == "" {
		return name
	}
	return name + ":" + prefix
}
