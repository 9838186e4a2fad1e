// Command bench measures Stowage's export engine against rclone and the AWS
// CLI, uploading the same recordings-like data to the same MinIO server (TLS
// on loopback) in the same run, and prints a table of seconds, MiB/s, CPU
// seconds and peak RSS per tool and data set, with Stowage's ratios and its
// targets marked PASS or MISS. It is a measurement, not a test: it exits 0
// whatever the numbers are, and non-zero only when it could not measure.
//
// Usage (from the repository root):
//
//	bash scripts/install-tools.sh && bash scripts/install-peers.sh
//	go run ./bench            # 1,000 files of 0.25–2 MiB, one 2 GiB file, 10,000 tiny files
//	go run ./bench -quick     # 200 files, 256 MiB, 10,000 tiny files
//	go run ./bench -quick -tools stowage,sdk -sets small   # against the ceiling only
//
// Stowage is the real `stowage export` binary, built from ./cmd/stowage by the
// bench; the ceiling is a bare aws-sdk-go-v2 PutObject loop (this program's
// binary in -ceiling mode). Every tool is a process of its own, so CPU time
// and peak RSS come from the kernel's rusage of that process alone.
// See bench/README.md for the figures and their analysis.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Targets from the export issue: Stowage at rclone's defaults.
const (
	targetSmallRatio = 1.5
	targetBigRatio   = 1.3
	targetRSS        = 100 << 20
	targetRerun      = 2 * time.Second
	// Against the bare SDK loop (issue 12 §5): the export's journal,
	// manifest and checks may cost at most this much.
	targetCeilingRatio = 0.97
	targetCeilingCPU   = 1.1
)

// allSets are the measurements -sets can name.
var allSets = []string{"small", "big", "rerun", "scale", "copy"}

type options struct {
	quick       bool
	files       int
	bigSize     int64
	tinyFiles   int
	seed        uint64
	runs        int
	workDir     string
	dataDir     string
	keep        bool
	tools       string
	sets        string
	concurrency int
	streamMem   string
	clientLink  string
	links       []linkRate
	checksum    string
	profileDir  string
	scaleFiles  string
	minio       string
	rclone      string
	aws         string
}

func main() {
	os.Exit(mainCode())
}

func mainCode() int {
	var (
		o       options
		ceiling string
		bigSize string
	)
	flag.StringVar(&ceiling, "ceiling", "", "internal: run the bare SDK PutObject loop from the spec file `path`")
	flag.BoolVar(&o.quick, "quick", false, "quick run: 200 small files and a 256 MiB big file (unless -files/-big-size say otherwise)")
	flag.IntVar(&o.files, "files", 0, "number of small files of 0.25–2 MiB (default 1000, or 200 with -quick)")
	flag.StringVar(&bigSize, "big-size", "", "size of the big file, e.g. 2GiB, 256MiB (default 2GiB, or 256MiB with -quick)")
	flag.IntVar(&o.tinyFiles, "tiny-files", 10000, "number of tiny files for the rerun measurement; 0 skips it")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the generated sizes and contents")
	flag.IntVar(&o.runs, "runs", 1, "rounds over the small and big sets (tool order rotates; the median is compared)")
	flag.StringVar(&o.workDir, "work", "", "folder for MinIO's data, journals and logs (default: a new temporary folder, removed at the end)")
	flag.StringVar(&o.dataDir, "data", "", "folder for the generated data sets, kept and reused when the settings match (default: inside -work)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work folder (logs, journals, manifests, MinIO data)")
	flag.StringVar(&o.tools, "tools", "stowage,sdk,rclone,aws", "comma-separated tools to run (sdk: the bare PutObject loop with the SDK's CRC32 trailer, the ceiling; sdk-nosum: the same loop sending no checksum, for reference); missing peers are left out with a note")
	flag.StringVar(&o.sets, "sets", "small,big,rerun", "comma-separated measurements: small, big, rerun, scale (tiny files to a local folder, -scale-files), copy (copy vs stream engine on a 2 GiB object)")
	flag.StringVar(&o.scaleFiles, "scale-files", defaultScaleFileList, "file counts of the scale set, comma-separated")
	flag.IntVar(&o.concurrency, "concurrency", 0, "Stowage's Options.Concurrency (0: the engine's default)")
	flag.StringVar(&o.streamMem, "stream-memory", "", "Stowage's --memory for the copy set's stream run, e.g. 64MiB, 512MiB (default: the engine's)")
	flag.StringVar(&o.clientLink, "client-link", "", "copy set: also run both engines through a client link of these rates each way (full duplex), comma-separated, e.g. 1Gbit,300Mbit or 100MiB/s (default: loopback only)")
	flag.StringVar(&o.checksum, "checksum-mode", "", "Stowage's checksum_mode: when_required or when_supported (default: the provider's, when_required on MinIO)")
	flag.StringVar(&o.profileDir, "profile", "", "write CPU and allocation profiles of every Stowage run into `dir`")
	flag.StringVar(&o.minio, "minio", "", "MinIO binary (default: .tools/bin/minio from scripts/install-tools.sh)")
	flag.StringVar(&o.rclone, "rclone", "", "rclone binary (default: .tools/bin/rclone, else PATH)")
	flag.StringVar(&o.aws, "aws", "", "AWS CLI binary (default: aws on PATH)")
	flag.Parse()

	if ceiling != "" {
		return runCeiling(ceiling)
	}
	if err := o.resolve(bigSize); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	return 0
}

// resolve applies -quick and the defaults and checks the flags.
func (o *options) resolve(bigSize string) error {
	if o.files == 0 {
		o.files = 1000
		if o.quick {
			o.files = 200
		}
	}
	if bigSize == "" {
		o.bigSize = 2 << 30
		if o.quick {
			o.bigSize = 256 << 20
		}
	} else {
		n, err := parseSize(bigSize)
		if err != nil {
			return fmt.Errorf("-big-size: %w", err)
		}
		o.bigSize = n
	}
	switch {
	case o.files < 0:
		return errors.New("-files must be 0 (default) or more, e.g. -files 1000")
	case o.tinyFiles < 0:
		return errors.New("-tiny-files must be 0 (skip) or more, e.g. -tiny-files 10000")
	case o.runs < 1:
		return errors.New("-runs must be at least 1, e.g. -runs 3")
	case o.concurrency < 0:
		return errors.New("-concurrency must be 0 (engine default) or more, e.g. -concurrency 32")
	}
	if o.checksum != "" && o.checksum != "when_required" && o.checksum != "when_supported" {
		return fmt.Errorf("-checksum-mode: %q is not a checksum mode; use when_required or when_supported, e.g. -checksum-mode when_supported", o.checksum)
	}
	for _, s := range splitList(o.sets) {
		if !slices.Contains(allSets, s) {
			return fmt.Errorf("-sets: %q is not a measurement; use %s, e.g. -sets small,rerun or -sets scale", s, strings.Join(allSets, ", "))
		}
	}
	if o.clientLink != "" {
		links, err := parseLinkRates(o.clientLink)
		if err != nil {
			return err
		}
		if !slices.Contains(splitList(o.sets), "copy") {
			return errors.New("-client-link shapes the copy set only; add copy to -sets, e.g. -sets copy -client-link 1Gbit")
		}
		o.links = links
	}
	if slices.Contains(splitList(o.sets), "scale") {
		if _, err := parseScaleFiles(o.scaleFiles); err != nil {
			return err
		}
	}
	for _, t := range splitList(o.tools) {
		if t != "stowage" && t != "sdk" && t != "sdk-nosum" && t != "rclone" && t != "aws" {
			return fmt.Errorf("-tools: %q is not a tool; use stowage, sdk, sdk-nosum, rclone and aws, e.g. -tools stowage,sdk", t)
		}
	}
	return nil
}

// parseSize reads a byte count with an optional binary unit: 2GiB, 256MiB,
// 512KiB, 1048576.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if v, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(v), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n <= 0 || n*float64(mult) > 1<<42 {
		return 0, fmt.Errorf("%q is not a size between 1 byte and 4 TiB; use a number with an optional unit, e.g. 2GiB or 256MiB", s)
	}
	return int64(n * float64(mult)), nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, o options) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	minioBin := o.minio
	if minioBin == "" {
		minioBin = filepath.Join(root, ".tools", "bin", "minio")
	}

	work := o.workDir
	if work == "" {
		if work, err = os.MkdirTemp("", "stowage-bench-"); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(work, 0o700); err != nil {
		return err
	}
	if !o.keep && o.workDir == "" {
		defer os.RemoveAll(work)
	} else {
		defer logf("work folder kept: %s", work)
	}
	state := filepath.Join(work, "state")
	logs := filepath.Join(work, "logs")
	for _, d := range []string{state, logs} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	if o.profileDir != "" {
		if o.profileDir, err = filepath.Abs(o.profileDir); err != nil {
			return err
		}
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
	}
	dataDir := o.dataDir
	if dataDir == "" {
		dataDir = filepath.Join(work, "data")
	}

	sets := splitList(o.sets)
	binDir := filepath.Join(work, "bin")
	if err := os.MkdirAll(binDir, 0o700); err != nil {
		return err
	}
	logf("building ./cmd/stowage")
	stowageBin, err := buildStowage(ctx, root, binDir, o.profileDir != "")
	if err != nil {
		return err
	}

	var scaleResults []scaleResult
	if slices.Contains(sets, "scale") {
		// No server: the destination is a local folder on the same disk.
		if scaleResults, err = runScale(ctx, o, stowageBin, work, dataDir, logs); err != nil {
			reportScale(os.Stdout, scaleResults)
			return err
		}
	}
	copyNote, copyRun := "", false
	if slices.Contains(sets, "copy") {
		copyRun, copyNote = copyEngineAvailable(ctx, stowageBin)
	}
	serverSets := copyRun || slices.ContainsFunc(sets, func(s string) bool { return s == "small" || s == "big" || s == "rerun" })
	if !serverSets {
		reportScale(os.Stdout, scaleResults)
		reportCopy(os.Stdout, copyNote, nil)
		reportSizing(os.Stdout, nil)
		return nil
	}

	tiny := 0
	if slices.Contains(sets, "rerun") {
		tiny = o.tinyFiles
	}
	small, big, tinySet, err := generate(dataDir, dataSpec{
		Seed: o.seed, SmallFiles: o.files, SmallMin: 256 << 10, SmallMax: 2 << 20,
		BigSize: o.bigSize, TinyFiles: tiny, Version: dataLayoutVersion,
	}, logf)
	if err != nil {
		return fmt.Errorf("generate data in %s: %w", dataDir, err)
	}

	if _, err := os.Stat(minioBin); err != nil {
		return fmt.Errorf("MinIO not found at %s; install it with bash scripts/install-tools.sh (or pass -minio PATH)", minioBin)
	}
	srv, err := startServer(ctx, minioBin, work)
	if err != nil {
		return err
	}
	defer srv.stop()
	if v := stampVersion(root, "minio"); v != "" {
		srv.Version = v
	}
	logf("MinIO %s at %s, data in %s", srv.Version, srv.Endpoint, srv.DataDir)

	tools, notes := pickTools(o, root, self, stowageBin, srv)
	for _, n := range notes {
		logf("%s", n)
	}

	var results []result
	record := func(t tool, ds dataSet, label, bucket string, round int, rerun bool) error {
		if !rerun {
			if err := srv.createBucket(ctx, bucket); err != nil {
				return err
			}
		}
		if err := warm(ds.Dir); err != nil {
			return err
		}
		// Flush earlier runs' writes so no tool pays for another's writeback.
		syscall.Sync()
		time.Sleep(time.Second)
		cmd, err := t.command(ctx, ds.Dir, bucket, state, rerun)
		if err != nil {
			return err
		}
		logf("%s: %s over %s (%d files, %s), load %.2f", t.Name, label, ds.Dir, ds.Files, mib(ds.Bytes), loadAvg())
		var bo binaryOutcome
		var out []byte
		consume := func(rd io.Reader, start time.Time) {
			if isStowage(t) {
				bo = readExportJSON(rd, start)
				return
			}
			out, _ = io.ReadAll(rd)
		}
		r, err := measure(ctx, srv, cmd, filepath.Join(logs, fmt.Sprintf("%s-%s.log", bucket, map[bool]string{false: "first", true: "rerun"}[rerun])), consume)
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.Tool, r.Set, r.Files, r.Bytes, r.Round = t.Name, label, ds.Files, ds.Bytes, round
		switch t.Name {
		case "stowage":
			r.absorb(bo)
		case "sdk", "sdk-nosum":
			var cr ceilingResult
			if err := json.Unmarshal(out, &cr); err != nil {
				r.Err = strings.TrimSpace(r.Err + " ceiling output: " + err.Error())
			} else if cr.Error != "" {
				r.Err = strings.TrimSpace(r.Err + " " + cr.Error)
			}
		}
		if r.objects, r.objectSize, err = srv.contents(ctx, bucket); err != nil {
			return err
		}
		if r.Err == "" && (r.objects != ds.Files || r.objectSize != ds.Bytes) {
			r.Err = fmt.Sprintf("bucket holds %d objects, %s; want %d, %s", r.objects, mib(r.objectSize), ds.Files, mib(ds.Bytes))
		}
		if r.StoredChecksum, err = srv.storedChecksum(ctx, bucket); err != nil {
			return err
		}
		logf("%s: %s took %s (%.1f MiB/s, CPU %.1f s, peak RSS %s)%s", t.Name, label,
			r.Wall.Round(time.Millisecond), r.MiBps(), r.CPU.Seconds(), mib(r.MaxRSS), errSuffix(r.Err))
		results = append(results, r)
		return nil
	}

	for round := range o.runs {
		for _, ds := range []dataSet{small, big} {
			if !slices.Contains(sets, ds.Name) {
				continue
			}
			// Rotate the order each round so no tool always goes first.
			for i := range tools {
				t := tools[(i+round)%len(tools)]
				bucket := fmt.Sprintf("%s-%s-r%d", t.Name, ds.Name, round+1)
				if err := record(t, ds, ds.Name, bucket, round, false); err != nil {
					return err
				}
				if !o.keep {
					if err := srv.empty(ctx, bucket); err != nil {
						return err
					}
					if err := srv.purgeTrash(); err != nil {
						return fmt.Errorf("free the space of deleted objects: %w", err)
					}
				}
			}
		}
	}
	if slices.Contains(sets, "rerun") && tinySet.Files > 0 {
		for _, t := range tools {
			if t.Name == "aws" {
				t = awsSyncTool(t)
			}
			bucket := t.Name + "-tiny"
			if err := record(t, tinySet, "tiny first", bucket, 0, false); err != nil {
				return err
			}
			if strings.HasPrefix(t.Name, "sdk") {
				// The bare loop has no journal: a rerun would send it all again.
				continue
			}
			if err := record(t, tinySet, "tiny rerun", bucket, 0, true); err != nil {
				return err
			}
		}
	}

	var copyResults []result
	if copyRun {
		if copyResults, err = runCopy(ctx, stowageBin, srv, big, state, logs, o.streamMem, o.links); err != nil {
			return err
		}
	}

	report(os.Stdout, o, tools, notes, srv, results)
	reportScale(os.Stdout, scaleResults)
	reportCopy(os.Stdout, copyNote, copyResults)
	reportSizing(os.Stdout, results)
	return nil
}

// pickTools returns the tools to run, in order, and notes on peers left out.
func pickTools(o options, root, self, stowageBin string, srv *server) ([]tool, []string) {
	want := splitList(o.tools)
	var tools []tool
	var notes []string
	if slices.Contains(want, "stowage") {
		tools = append(tools, stowageBinaryTool(stowageBin, srv, o.concurrency, o.checksum, o.profileDir))
	}
	if slices.Contains(want, "sdk") {
		tools = append(tools, ceilingTool(self, srv, false))
	}
	if slices.Contains(want, "sdk-nosum") {
		tools = append(tools, ceilingTool(self, srv, true))
	}
	if slices.Contains(want, "rclone") {
		bin := o.rclone
		if bin == "" {
			bin = filepath.Join(root, ".tools", "bin", "rclone")
			if _, err := os.Stat(bin); err != nil {
				bin, _ = exec.LookPath("rclone")
			}
		}
		if bin == "" {
			notes = append(notes, "rclone not found: left out (install it with bash scripts/install-peers.sh)")
		} else {
			t := rcloneTool(bin, srv)
			if v := stampVersion(root, "rclone"); v != "" && strings.HasPrefix(bin, filepath.Join(root, ".tools")) {
				t.Version += " (built from " + v + " by scripts/install-peers.sh)"
			}
			tools = append(tools, t)
		}
	}
	if slices.Contains(want, "aws") {
		bin := o.aws
		if bin == "" {
			bin, _ = exec.LookPath("aws")
		}
		if bin == "" {
			notes = append(notes, "aws not found on PATH: left out (see bash scripts/install-peers.sh)")
		} else {
			tools = append(tools, awsTool(bin, srv))
		}
	}
	return tools, notes
}

// stampVersion is the pinned version scripts/install-*.sh recorded for a
// tool in .tools/NAME.version; binaries built by go install report only
// "DEVELOPMENT" or "-DEV".
func stampVersion(root, name string) string {
	b, err := os.ReadFile(filepath.Join(root, ".tools", name+".version"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the benchmark from inside the repository (no go.mod above the working folder)")
		}
		dir = parent
	}
}

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	return " FAILED: " + e
}

func mib(n int64) string {
	switch {
	case n >= 10<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
}

// median returns the run with the median wall time of tool over set (the
// lower middle one for an even count), and false when there is none.
func median(results []result, tool, set string) (result, bool) {
	var rs []result
	for _, r := range results {
		if r.Tool == tool && r.Set == set {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		return result{}, false
	}
	slices.SortFunc(rs, func(a, b result) int { return int(a.Wall - b.Wall) })
	return rs[(len(rs)-1)/2], true
}

func report(w io.Writer, o options, tools []tool, notes []string, srv *server, results []result) {
	fmt.Fprintf(w, "\n## Export benchmark, %s\n\n", time.Now().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "- machine: %s, %d cores (GOMAXPROCS %d), %s\n", cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), kernel())
	fmt.Fprintf(w, "- server: MinIO %s, TLS on loopback, one drive on the same disk as the data\n", srv.Version)
	for _, t := range tools {
		fmt.Fprintf(w, "- %s: %s\n", t.Name, t.Version)
	}
	for _, n := range notes {
		fmt.Fprintf(w, "- note: %s\n", n)
	}
	if o.checksum != "" || o.concurrency != 0 {
		fmt.Fprintf(w, "- Stowage settings: checksum_mode %q, concurrency %d (0: engine default)\n", o.checksum, o.concurrency)
	}
	fmt.Fprintf(w, "- command: go run ./bench %s\n\n", strings.Join(os.Args[1:], " "))

	fmt.Fprintln(w, "| tool | data set | files | MiB | seconds | MiB/s | CPU s | peak RSS MiB | MinIO CPU s | tool+MinIO CPU s | load | note |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
	for _, r := range results {
		note := r.Err
		if r.Err == "" && r.StoredChecksum != "" {
			note = "stored checksum " + r.StoredChecksum
		}
		if r.Tool == "stowage" && r.Err == "" {
			note = fmt.Sprintf("stored checksum %s, engine %.2f s", r.StoredChecksum, r.Engine.Seconds())
			if r.Skipped > 0 {
				note += fmt.Sprintf(", %d skipped", r.Skipped)
			}
			if r.LagMax > 0 {
				note += fmt.Sprintf(", answer→journal p50 %.1f ms max %.1f ms", float64(r.LagP50.Microseconds())/1000, float64(r.LagMax.Microseconds())/1000)
			}
		}
		fmt.Fprintf(w, "| %s | %s | %d | %.0f | %.2f | %.1f | %.2f | %.1f | %.2f | %.2f | %.2f | %s |\n",
			r.Tool, r.Set, r.Files, float64(r.Bytes)/(1<<20), r.Wall.Seconds(), r.MiBps(),
			r.CPU.Seconds(), float64(r.MaxRSS)/(1<<20), r.ServerCPU.Seconds(), (r.CPU + r.ServerCPU).Seconds(), r.Load, note)
	}

	fmt.Fprintf(w, "\n### Stowage vs peers")
	if o.runs > 1 {
		fmt.Fprintf(w, " (median of %d runs)", o.runs)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	for _, set := range []string{"small", "big", "tiny first", "tiny rerun"} {
		s, ok := median(results, "stowage", set)
		if !ok {
			continue
		}
		for _, peer := range []string{"rclone", "aws"} {
			p, ok := median(results, peer, set)
			if !ok {
				continue
			}
			fmt.Fprintf(w, "- %-10s vs %-6s: %.2f× the throughput (%.2f s vs %.2f s), %.2f× the CPU, %.2f× the peak RSS; CPU-bound estimate %.2f×",
				set, peer, p.Wall.Seconds()/s.Wall.Seconds(), s.Wall.Seconds(), p.Wall.Seconds(),
				ratio(s.CPU.Seconds(), p.CPU.Seconds()), ratio(float64(s.MaxRSS), float64(p.MaxRSS)),
				ratio(medianCPU(results, peer, set), medianCPU(results, "stowage", set)))
			if rs := pairedRatios(results, peer, set); len(rs) > 1 {
				fmt.Fprintf(w, "; by round %.2f×", rs[(len(rs)-1)/2])
				fmt.Fprintf(w, " (%s)", joinRatios(rs))
			}
			fmt.Fprintln(w)
		}
	}

	for _, set := range []string{"small", "big", "tiny first"} {
		for _, ceil := range []struct{ name, label string }{
			{"sdk", "the ceiling (bare SDK loop, CRC32 trailer verified by the store)"},
			{"sdk-nosum", "the bare SDK loop without a checksum (for reference; Stowage's checksum is verified)"},
		} {
			s, ok1 := median(results, "stowage", set)
			c, ok2 := median(results, ceil.name, set)
			if !ok1 || !ok2 {
				continue
			}
			fmt.Fprintf(w, "- %-10s vs %s: %.3f× its throughput (%.2f s vs %.2f s), %.2f× its client CPU (%.2f s vs %.2f s), %.2f× its peak RSS",
				set, ceil.label, c.Wall.Seconds()/s.Wall.Seconds(), s.Wall.Seconds(), c.Wall.Seconds(),
				ratio(s.CPU.Seconds(), c.CPU.Seconds()), s.CPU.Seconds(), c.CPU.Seconds(), ratio(float64(s.MaxRSS), float64(c.MaxRSS)))
			if rs := pairedRatios(results, ceil.name, set); len(rs) > 1 {
				fmt.Fprintf(w, "; by round %.3f× (%s)", rs[(len(rs)-1)/2], joinRatios(rs))
			}
			if cs := pairedCPURatios(results, ceil.name, set); len(cs) > 1 {
				fmt.Fprintf(w, "; CPU by round %.2f× (%s)", cs[(len(cs)-1)/2], joinRatios(cs))
			}
			fmt.Fprintln(w)
		}
	}

	fmt.Fprintln(w, "\nCPU-bound estimate: the peer's tool+MinIO CPU seconds over Stowage's (medians). Client and server share")
	fmt.Fprintln(w, "the same cores here, so on a machine saturated by them this is the throughput ratio; it moves less with")
	fmt.Fprintln(w, "other load than wall time does. By round: the median of the peer's time over Stowage's in the same")
	fmt.Fprintln(w, "round (runs minutes apart see similar load), with every round's ratio sorted.")

	fmt.Fprintf(w, "\n### Targets\n\n")
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		return "MISS"
	}
	ratioTarget := func(set string, want float64) {
		s, ok1 := median(results, "stowage", set)
		p, ok2 := median(results, "rclone", set)
		switch {
		case !ok1:
			return
		case !ok2:
			fmt.Fprintf(w, "- %s set ≥ %.1f× rclone throughput: n/a (rclone not run)\n", set, want)
		case s.Err != "" || p.Err != "":
			fmt.Fprintf(w, "- %s set ≥ %.1f× rclone throughput: n/a (a run failed)\n", set, want)
		default:
			got := p.Wall.Seconds() / s.Wall.Seconds()
			fmt.Fprintf(w, "- %s set ≥ %.1f× rclone throughput: %.2f× %s\n", set, want, got, verdict(got >= want))
		}
	}
	if s, ok := median(results, "stowage", "small"); ok {
		if c, ok := median(results, "sdk", "small"); ok && s.Err == "" && c.Err == "" {
			tp := c.Wall.Seconds() / s.Wall.Seconds()
			cpu := medianOf(results, "stowage", "small", func(r result) float64 { return r.CPU.Seconds() }) /
				medianOf(results, "sdk", "small", func(r result) float64 { return r.CPU.Seconds() })
			fmt.Fprintf(w, "- small set ≥ %.2f× the ceiling's throughput: %.3f× %s\n", targetCeilingRatio, tp, verdict(tp >= targetCeilingRatio))
			fmt.Fprintf(w, "- small set client CPU ≤ %.1f× the ceiling's: %.2f× (medians) %s\n", targetCeilingCPU, cpu, verdict(cpu <= targetCeilingCPU))
		}
	}
	ratioTarget("small", targetSmallRatio)
	ratioTarget("big", targetBigRatio)
	for _, set := range []string{"small", "big"} {
		var peak int64
		seen := false
		for _, r := range results {
			if r.Tool == "stowage" && r.Set == set {
				peak, seen = max(peak, r.MaxRSS), true
			}
		}
		if seen {
			fmt.Fprintf(w, "- Stowage peak RSS ≤ %d MiB on the %s set: %.1f MiB %s\n", targetRSS>>20, set, float64(peak)/(1<<20), verdict(peak <= targetRSS))
		}
	}
	if r, ok := median(results, "stowage", "tiny rerun"); ok {
		fmt.Fprintf(w, "- rerun over %d already-exported files < %s: %.2f s (engine %.2f s) %s\n",
			r.Files, targetRerun, r.Wall.Seconds(), r.Engine.Seconds(), verdict(r.Err == "" && r.Wall < targetRerun))
	}
}

// pairedRatios returns, sorted, the peer's wall time over Stowage's for each
// round where both ran set without error.
func pairedRatios(results []result, peer, set string) []float64 {
	var out []float64
	for _, s := range results {
		if s.Tool != "stowage" || s.Set != set || s.Err != "" {
			continue
		}
		for _, p := range results {
			if p.Tool == peer && p.Set == set && p.Round == s.Round && p.Err == "" {
				out = append(out, p.Wall.Seconds()/s.Wall.Seconds())
			}
		}
	}
	slices.Sort(out)
	return out
}

func joinRatios(rs []float64) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%.2f", r)
	}
	return strings.Join(parts, ", ")
}

// pairedCPURatios returns, sorted, Stowage's client CPU over the peer's for
// each round where both ran set without error.
func pairedCPURatios(results []result, peer, set string) []float64 {
	var out []float64
	for _, s := range results {
		if s.Tool != "stowage" || s.Set != set || s.Err != "" {
			continue
		}
		for _, p := range results {
			if p.Tool == peer && p.Set == set && p.Round == s.Round && p.Err == "" && p.CPU > 0 {
				out = append(out, s.CPU.Seconds()/p.CPU.Seconds())
			}
		}
	}
	slices.Sort(out)
	return out
}

// medianOf is the median of f over tool's runs of set.
func medianOf(results []result, tool, set string, f func(result) float64) float64 {
	var v []float64
	for _, r := range results {
		if r.Tool == tool && r.Set == set {
			v = append(v, f(r))
		}
	}
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[(len(v)-1)/2]
}

// medianCPU is the median tool+MinIO CPU seconds of tool over set.
func medianCPU(results []result, tool, set string) float64 {
	var v []float64
	for _, r := range results {
		if r.Tool == tool && r.Set == set {
			v = append(v, (r.CPU + r.ServerCPU).Seconds())
		}
	}
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[(len(v)-1)/2]
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return runtime.GOOS
	}
	return "Linux " + strings.TrimSpace(string(b))
}
