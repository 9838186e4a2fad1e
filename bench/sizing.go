package main

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/stowage-dev/stowage/providers/s3"
)

// The sizing table (issue 12 §5): what moving 10^8 objects of 2 MiB on
// average takes with each engine, at this machine's measured stream rate
// and the published prices of providers/s3 (the same constants the export's
// batch plan uses).
const (
	sizingObjects = 100_000_000
	sizingAvgMiB  = 2.0
	// Assumed for the copy engine (server-side CopyObject, one request per
	// object): requests in flight and the time one 2 MiB copy inside a
	// region takes; not measured here (-sets copy times one big object).
	sizingCopyInFlight = 32
	sizingCopySeconds  = 0.08
	// Used for the stream engine when this run measured no small set.
	sizingStreamFallbackMiBps = 200.0
)

// sizingRow is one engine's line of the table.
type sizingRow struct {
	Engine   string
	Hours    string
	Requests string
	USD      float64
	How      string
}

func sizingRows(results []result) ([]sizingRow, []string) {
	n := float64(sizingObjects)
	totalMiB := n * sizingAvgMiB
	reqUSD := n / 1000 * (s3.PricePutPer1000USD + s3.PriceGetPer1000USD)
	var notes []string

	rate, rateFrom := sizingStreamFallbackMiBps, fmt.Sprintf("assumed %.0f MiB/s (no small set measured in this run; run with -sets small)", sizingStreamFallbackMiBps)
	if r, ok := median(results, "stowage", "small"); ok && r.Err == "" && r.MiBps() > 0 {
		rate = r.MiBps()
		rateFrom = fmt.Sprintf("%.1f MiB/s, the median small-set rate measured in this run (load %.1f; 2 MiB objects are single PUTs below the 16 MiB part size)", rate, r.Load)
	}
	stream := sizingRow{
		Engine:   "stream (through this machine)",
		Hours:    fmt.Sprintf("%.0f", totalMiB/rate/3600),
		Requests: fmt.Sprintf("%s GET + %s PUT", millions(n), millions(n)),
		USD:      reqUSD,
		How:      rateFrom,
	}
	copyRate := sizingCopyInFlight / sizingCopySeconds
	cp := sizingRow{
		Engine:   "copy (server-side CopyObject)",
		Hours:    fmt.Sprintf("%.0f", n/copyRate/3600),
		Requests: fmt.Sprintf("%s COPY (+ %s GET-class on the source)", millions(n), millions(n)),
		USD:      reqUSD,
		How:      fmt.Sprintf("request-bound: assumed %d in flight × %.0f ms per copy = %.0f objects/s (not measured: -sets copy times one big object, where a local MinIO's copy is bound by its disk); no bytes through this machine", sizingCopyInFlight, sizingCopySeconds*1000, copyRate),
	}
	est := s3.EstimateBatchOps(sizingObjects, int64(totalMiB*(1<<20)))
	batch := sizingRow{
		Engine:   "batch (S3 Batch Operations)",
		Hours:    "not published",
		Requests: fmt.Sprintf("1 job, %s COPY + %s GET-class", millions(n), millions(n)),
		USD:      est.USD,
		How:      "AWS runs the job at its own pace and publishes no rate; no bytes through this machine",
	}
	notes = append(notes,
		fmt.Sprintf("%s objects averaging %.0f MiB = %.1f TiB; every object below the 16 MiB part size, so one PUT (or COPY) each", millions(n), sizingAvgMiB, totalMiB/(1<<20)),
		fmt.Sprintf("request prices: PUT/COPY-class $%.4f and GET-class $%.4f per 1,000 (S3 Standard, us-east-1, %s)", s3.PricePutPer1000USD, s3.PriceGetPer1000USD, s3.PricingPage),
		"not included: storage of the copies, KMS requests with sse-kms, data transfer out of AWS or between regions (stream only, when this machine is outside the buckets' region), EC2 time of the machine running the stream",
		"stream hours scale with this machine's rate: this bench runs client and MinIO on the same 2 shared cores, so a real client near S3 will differ",
	)
	// The batch job's own breakdown, as the export's plan prints it.
	return []sizingRow{stream, cp, batch}, append(notes, est.Lines...)
}

func millions(n float64) string {
	return fmt.Sprintf("%.0f M", n/1e6)
}

// reportSizing prints the sizing table for 10^8 objects of 2 MiB.
func reportSizing(w io.Writer, results []result) {
	rows, notes := sizingRows(results)
	fmt.Fprintf(w, "\n### Sizing: %s objects averaging %.0f MiB, per engine\n\n", millions(sizingObjects), sizingAvgMiB)
	fmt.Fprintln(w, "| engine | hours | requests | cost USD | how the hours are derived |")
	fmt.Fprintln(w, "|---|--:|---|--:|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %.2f | %s |\n", r.Engine, r.Hours, r.Requests, r.USD, r.How)
	}
	fmt.Fprintf(w, "\nAssumptions:\n\n")
	for _, n := range notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
}

// copyEngineAvailable reports whether the binary's `export --help` offers
// --engine copy and stream; when not, the reason the measurement is not run.
func copyEngineAvailable(ctx context.Context, bin string) (bool, string) {
	out, _ := exec.CommandContext(ctx, bin, "export", "--help").CombinedOutput()
	var engineLine string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "--engine") && strings.Contains(l, "string") {
			engineLine = l
		}
	}
	if !strings.Contains(engineLine, "copy") || !strings.Contains(engineLine, "stream") {
		return false, "not run: not available: needs --engine copy/stream, which this binary's `stowage export --help` does not offer"
	}
	return true, ""
}
