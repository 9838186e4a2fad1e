package export

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/providers"
)

// sourcePage is how many objects the source check counts: one page of a
// listing (S3's ListObjectsV2 and Azure's List Blobs return up to 1000).
const sourcePage = 1000

// SourceCheckOptions say what CheckSource is asked about.
type SourceCheckOptions struct {
	// Engine is the engine the export would be run with: EngineAuto (also
	// ""), EngineCopy, EngineStream or EngineBatch.
	Engine string
	// Service tunes the batch service (--engine batch): the role to pass.
	Service providers.BatchOptions
	// Emit, when set, is called as each check starts and ends, as for a
	// location's connection test.
	Emit func(providers.Check)
}

// CheckSource is the connection test of an export from the location from
// (opened with its own credentials) into dst (the location loc): the
// source can be listed and read with its own credentials, the
// destination's credentials can read it for the copy engine, which engine
// auto picks and why, and with --engine batch the batch service's checks
// (BatchChecks, as RunBatch's plan shows them). A check that cannot run
// says "not run" and why; every check's ID starts with "source-" or is the
// batch service's own.
func CheckSource(ctx context.Context, dst providers.Provider, loc string, from FromLocation, o SourceCheckOptions) []providers.Check {
	want := cmp.Or(o.Engine, EngineAuto)
	fromArg := from.Name
	if from.Prefix != "" {
		fromArg += ":" + from.Prefix
	}
	under := "the source's prefix"
	if from.Prefix != "" {
		under = from.Prefix
	}
	l := providers.Checklist{Emit: o.Emit}

	// Listed with the source's credentials: the first page only.
	listed, probe := false, ""
	lister, canList := from.Provider.(providers.Lister)
	l.Run("source-list", "Source listable", func(c *providers.Check) {
		if !canList {
			c.Status, c.Detail = providers.StatusFail, fmt.Sprintf("source %q cannot be listed", from.Name)
			return
		}
		n := 0
		errPage := errors.New("page")
		err := lister.List(ctx, from.Prefix, func(ob providers.Object) error {
			if strings.HasSuffix(ob.Key, "/") && ob.Size == 0 {
				return nil // a folder marker
			}
			if probe == "" {
				probe = ob.Key
			}
			if n++; n >= sourcePage {
				return errPage
			}
			return nil
		})
		if err != nil && !errors.Is(err, errPage) {
			failCheck(c, fmt.Errorf("list %s with %q's credentials: %w", under, from.Name, err))
			if c.Hint == "" {
				c.Hint = fmt.Sprintf("the source's own credentials must list it; `stowage test %s` checks the source alone", from.Name)
			}
			return
		}
		listed = true
		switch {
		case n == 0:
			c.Detail = fmt.Sprintf("%s is empty: nothing to export yet", under)
		case n >= sourcePage:
			c.Detail = fmt.Sprintf("%d or more objects in the first page under %s", n, under)
		default:
			c.Detail = fmt.Sprintf("%s under %s (first page)", humanize.Count(n, "object"), under)
		}
	})

	// Read with the source's credentials: one byte of the first object.
	l.Run("source-read", "Source object readable", func(c *providers.Check) {
		getter, ok := from.Provider.(providers.Getter)
		switch {
		case !listed:
			c.Status, c.Detail = providers.StatusSkipped, "not run: the source could not be listed, so no object is known to read"
			return
		case probe == "":
			c.Status, c.Detail = providers.StatusSkipped, "not run: the prefix is empty, so there is no object to read"
			return
		case !ok:
			c.Status, c.Detail = providers.StatusFail, fmt.Sprintf("source %q cannot be read back", from.Name)
			return
		}
		rc, _, err := getter.Get(ctx, probe, 0, 1)
		if err == nil {
			_, err = io.Copy(io.Discard, rc)
			if cerr := rc.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			failCheck(c, fmt.Errorf("read %s with %q's credentials: %w", probe, from.Name, err))
			return
		}
		c.Detail = fmt.Sprintf("read the first byte of %s", probe)
	})

	// Copy: the destination's credentials read the source.
	canCopy, whyNot := false, fmt.Sprintf("location %q cannot copy objects server-side", loc)
	if cp, ok := dst.(providers.Copier); ok {
		canCopy, whyNot = cp.CanCopyFrom(from.Provider)
	}
	l.Run("source-copy-read", "Destination can read the source (copy)", func(c *providers.Check) {
		switch {
		case want == EngineStream:
			c.Status, c.Detail = providers.StatusSkipped, "not run: --engine stream reads the source with its own credentials only"
			return
		case want == EngineBatch:
			c.Status, c.Detail = providers.StatusSkipped, "not run: with --engine batch the store's batch service copies; its checks follow"
			return
		case !canCopy:
			c.Status, c.Detail = providers.StatusSkipped, fmt.Sprintf("not run: copy needs both on one S3 endpoint (%s); the stream engine will be used", whyNot)
			if want == EngineCopy {
				c.Status, c.Detail = providers.StatusFail, fmt.Sprintf("the copy engine cannot be used: %s", whyNot)
				c.Hint = fmt.Sprintf("use --engine stream (or auto, which picks it); example: stowage export %s --from %s --engine stream", loc, fromArg)
			}
			return
		case !listed:
			c.Status, c.Detail = providers.StatusSkipped, "not run: the source could not be listed, so no object is known to probe"
			return
		case probe == "":
			c.Status, c.Detail = providers.StatusSkipped, "not run: the prefix is empty, so there is no object to probe"
			return
		}
		err := dst.(providers.Copier).CheckCopyRead(ctx, from.Provider, probe)
		if err == nil {
			c.Detail = fmt.Sprintf("%q's credentials may read %s (HEAD allowed)", loc, probe)
			return
		}
		failCheck(c, fmt.Errorf("a HEAD of %s with %q's credentials: %w", probe, loc, err))
		if errors.Is(err, providers.ErrAccessDenied) {
			// The provider's error names the copy's own action; what
			// the probe lacks is the read of the source.
			c.Detail = fmt.Sprintf("%q's credentials may not read the source: a HEAD of %s was denied (s3:GetObject on the source)", loc, probe)
			c.Hint = fmt.Sprintf("`stowage policy %s --kind copy-source --from %s` prints the statement that allows it", loc, fromArg)
		}
		// With auto the export streams instead: the copy engine's
		// failure does not fail the test then.
		if want == EngineAuto {
			c.Advisory = true
			c.Detail += "; auto will stream instead"
		}
	})

	// The engine the export would use, in ChooseEngine's own words.
	if want != EngineBatch {
		title := "Engine auto would pick"
		if want != EngineAuto {
			title = "Engine --engine " + want + " would use"
		}
		l.Run("source-engine", title, func(c *providers.Check) {
			if !listed && want != EngineStream {
				c.Status, c.Detail = providers.StatusSkipped, "not run: the source could not be listed"
				return
			}
			engine, why, err := ChooseEngine(ctx, dst, loc, from, want)
			if err != nil {
				failCheck(c, err)
				return
			}
			c.Detail = engine + ": " + why
		})
		return l.Report.Checks
	}

	// Batch: the service the destination picks for this source, and its
	// checks as RunBatch's plan runs them.
	var b providers.Batch
	l.Run("source-batch", "Batch service", func(c *providers.Check) {
		bc, ok := dst.(providers.BatchCopier)
		if !ok {
			c.Status, c.Detail = providers.StatusFail, fmt.Sprintf("location %q has no batch service Stowage can drive", loc)
			c.Hint = fmt.Sprintf("use --engine copy or stream; example: stowage test %s --from %s --engine auto", loc, fromArg)
			return
		}
		var err error
		if b, err = bc.Batch(ctx, from.Provider, o.Service); err != nil {
			failCheck(c, err)
			return
		}
		c.Detail = b.Engine() + ": " + b.Describe()
	})
	checks := l.Report.Checks
	if b != nil {
		for _, c := range BatchChecks(ctx, b) {
			if o.Emit != nil {
				o.Emit(c)
			}
			checks = append(checks, c)
		}
	}
	return checks
}

// BatchChecks runs the checks a batch service makes before a job starts
// (providers.BatchChecker): the ones RunBatch's plan shows and
// `stowage test NAME --from SOURCE --engine batch` prints. A service with
// none gives one check saying so.
func BatchChecks(ctx context.Context, b providers.Batch) []providers.Check {
	if bc, ok := b.(providers.BatchChecker); ok {
		return bc.Checks(ctx)
	}
	return []providers.Check{{ID: "batch-checks", Title: "Batch service checks", Status: providers.StatusSkipped, Advisory: true,
		Detail: fmt.Sprintf("not run: the %s service has nothing to check before a job", b.Engine())}}
}

// failCheck marks c failed with err, taking the store's code and hint when
// it gave them.
func failCheck(c *providers.Check, err error) {
	c.Status, c.Detail = providers.StatusFail, err.Error()
	var pe *providers.Error
	if errors.As(err, &pe) {
		c.Code, c.Hint = pe.Code, pe.Hint
	}
}
