package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/stowage-dev/stowage/config"
)

// runCopy measures the copy engine against the stream engine (issue 12
// §5): the big set's object is put in one bucket of the MinIO server, then
// `stowage export DST --from src --engine copy|stream` moves it to another
// bucket of the same server. Copy should be request-bound (the server
// copies) with almost no bytes through the client; stream reads and sends
// every byte. streamMem, when not empty, is the stream run's --memory.
//
// Both engines run first with nothing between the client and MinIO
// (loopback), then once per rate in links through a shaping proxy (link.go)
// that both locations, source and destination, point at: the same client
// link for both engines, only the engine differs.
func runCopy(ctx context.Context, bin string, srv *server, big dataSet, state, logs, streamMem string, links []linkRate) ([]result, error) {
	src, dstCopy, dstStream := "copy-src", "copy-dst-copy", "copy-dst-stream"
	for _, b := range []string{src, dstCopy, dstStream} {
		if err := srv.createBucket(ctx, b); err != nil {
			return nil, err
		}
	}
	// writeConfig writes a locations file in its own folder (so its own
	// journal: no run skips what another run's journal says is done) with
	// the three locations at endpoint.
	writeConfig := func(dir, endpoint string) (string, error) {
		loc := func(name, bucket string) config.Location {
			return config.Location{Name: name, Type: config.TypeS3, S3: &config.S3{
				Bucket: bucket, Region: region, Endpoint: endpoint, PathStyle: true, CABundle: srv.CAFile,
				Auth: config.AuthKeys, AccessKeyID: srv.AccessKey, SecretAccessKey: srv.Secret}}
		}
		cfg := filepath.Join(state, dir, "config.yaml")
		f := &config.File{Version: config.CurrentVersion, Locations: []config.Location{
			loc("src", src), loc("dst-copy", dstCopy), loc("dst-stream", dstStream)}}
		return cfg, config.Save(cfg, f)
	}
	cfg, err := writeConfig("stowage-copy", srv.Endpoint)
	if err != nil {
		return nil, err
	}
	// Put the object in the source bucket (not measured, not shaped).
	logf("copy: putting %s into %s", mib(big.Bytes), src)
	put := exportCommand(ctx, bin, cfg, big.Dir, 0, "")
	put.Args = []string{bin, "--config", cfg, "export", "src", big.Dir, "--json"}
	if out, err := put.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("put the big object into %s: %v\n%s", src, err, lastLines(out))
	}
	u, err := url.Parse(srv.Endpoint)
	if err != nil {
		return nil, err
	}
	var out []result
	for _, rate := range append([]linkRate{{Label: loopbackLabel}}, links...) {
		var l *link
		if rate.BytesPerSec > 0 {
			// Another port of 127.0.0.1: MinIO's certificate names the IP,
			// so TLS through the proxy verifies as it does direct.
			if l, err = startLink(u.Host, rate); err != nil {
				return out, fmt.Errorf("client link %s: %w", rate.Label, err)
			}
			dir := "stowage-copy-" + strings.NewReplacer(" ", "", "/", "").Replace(rate.Label)
			if cfg, err = writeConfig(dir, "https://"+l.Addr()); err != nil {
				l.Close()
				return out, err
			}
			logf("copy: client link %s each way, proxy %s → %s", rate.Label, l.Addr(), u.Host)
		}
		rs, err := runEngines(ctx, bin, cfg, srv, big, l, rate, logs, streamMem, dstCopy, dstStream)
		out = append(out, rs...)
		if l != nil {
			l.Close()
		}
		if err != nil {
			return out, err
		}
	}
	if err := srv.empty(ctx, src); err != nil {
		return out, err
	}
	return out, srv.purgeTrash()
}

// loopbackLabel is the link column of the runs with nothing between.
const loopbackLabel = "loopback"

// runEngines runs the stream then the copy engine with the locations of
// cfg, through l when not nil, and empties each destination after checking
// it.
func runEngines(ctx context.Context, bin, cfg string, srv *server, big dataSet, l *link, rate linkRate, logs, streamMem, dstCopy, dstStream string) ([]result, error) {
	label := rate.Label
	var out []result
	for _, engine := range []string{"stream", "copy"} {
		dst := map[string]string{"copy": dstCopy, "stream": dstStream}[engine]
		cmd := exportCommand(ctx, bin, cfg, "", 0, "")
		cmd.Args = []string{bin, "--config", cfg, "export", "dst-" + engine, "--from", "src", "--engine", engine, "--json"}
		if engine == "stream" && streamMem != "" {
			cmd.Args = append(cmd.Args, "--memory", streamMem)
		}
		syscallSync()
		logf("stowage: --engine %s of %s, link %s, load %.2f", engine, mib(big.Bytes), label, loadAvg())
		var up0, down0 int64
		if l != nil {
			up0, down0 = l.Up.Load(), l.Down.Load()
		}
		cpu0 := selfCPU()
		var samples []linkSample
		stopSampling, sampled := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(sampled)
			if l != nil {
				samples = sampleLink(l, 250*time.Millisecond, stopSampling)
			}
		}()
		var bo binaryOutcome
		logName := "copy-" + engine + "-" + strings.NewReplacer(" ", "", "/", "").Replace(label) + ".log"
		r, err := measure(ctx, srv, cmd, filepath.Join(logs, logName), func(rd io.Reader, start time.Time) {
			bo = readExportJSON(rd, start)
		})
		if err != nil {
			return out, err
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		close(stopSampling)
		<-sampled
		r.BenchCPU = selfCPU() - cpu0
		r.Link, r.LinkRate = rate.Label, rate.BytesPerSec
		if l != nil {
			r.LinkUp, r.LinkDown = l.Up.Load()-up0, l.Down.Load()-down0
			r.LinkBoth = bothBusy(samples, rate.BytesPerSec)
			if err := writeLinkSamples(filepath.Join(logs, strings.TrimSuffix(logName, ".log")+"-link.csv"), samples); err != nil {
				return out, err
			}
		}
		r.Tool, r.Set, r.Files, r.Bytes = "stowage", "engine "+engine, big.Files, big.Bytes
		r.absorb(bo)
		n, size, err := srv.contents(ctx, dst)
		if err != nil {
			return out, err
		}
		if r.Err == "" && (n != big.Files || size != big.Bytes) {
			r.Err = fmt.Sprintf("bucket holds %d objects, %s; want %d, %s", n, mib(size), big.Files, mib(big.Bytes))
		}
		logf("stowage: --engine %s over %s took %s (CPU %.1f s, client I/O %s, link down %s up %s)%s", engine, label,
			r.Wall.Round(time.Millisecond), r.CPU.Seconds(), mib(r.IOBytes), mib(r.LinkDown), mib(r.LinkUp), errSuffix(r.Err))
		out = append(out, r)
		// The next run starts from an empty destination (and the disk
		// holds one copy at a time).
		if err := srv.empty(ctx, dst); err != nil {
			return out, err
		}
		if err := srv.purgeTrash(); err != nil {
			return out, err
		}
	}
	return out, nil
}

// linkSample is what the link had forwarded each way at a moment.
type linkSample struct {
	At       time.Duration // since sampling started
	Up, Down int64
}

// sampleLink records l's counters every period until stop is closed, and
// once more then.
func sampleLink(l *link, period time.Duration, stop <-chan struct{}) []linkSample {
	start := time.Now()
	t := time.NewTicker(period)
	defer t.Stop()
	out := []linkSample{{0, l.Up.Load(), l.Down.Load()}}
	for {
		select {
		case <-stop:
			return append(out, linkSample{time.Since(start), l.Up.Load(), l.Down.Load()})
		case <-t.C:
			out = append(out, linkSample{time.Since(start), l.Up.Load(), l.Down.Load()})
		}
	}
}

// bothBusy is the share of the sampled time in which both directions
// carried at least half of rate: 1 for a transfer that keeps the link full
// both ways, about 0 for one whose directions take turns.
func bothBusy(s []linkSample, rate float64) float64 {
	var both, all time.Duration
	for i := 1; i < len(s); i++ {
		dt := s[i].At - s[i-1].At
		if dt <= 0 {
			continue
		}
		all += dt
		half := rate / 2 * dt.Seconds()
		if float64(s[i].Up-s[i-1].Up) >= half && float64(s[i].Down-s[i-1].Down) >= half {
			both += dt
		}
	}
	if all == 0 {
		return 0
	}
	return float64(both) / float64(all)
}

// writeLinkSamples writes the samples as CSV: seconds, MiB/s up and down
// over the interval ending then.
func writeLinkSamples(path string, s []linkSample) error {
	var b strings.Builder
	b.WriteString("seconds,up_mib_per_s,down_mib_per_s\n")
	for i := 1; i < len(s); i++ {
		dt := (s[i].At - s[i-1].At).Seconds()
		if dt <= 0 {
			continue
		}
		fmt.Fprintf(&b, "%.2f,%.1f,%.1f\n", s[i].At.Seconds(), float64(s[i].Up-s[i-1].Up)/(1<<20)/dt, float64(s[i].Down-s[i-1].Down)/(1<<20)/dt)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// selfCPU is the bench process's own user + system time (not its
// children's): during a copy-set run, mostly the link proxy's.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func lastLines(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// syscallSync flushes earlier writes so the run does not pay for them.
func syscallSync() {
	syscall.Sync()
	time.Sleep(time.Second)
}

// copyPair is one link's stream and copy runs.
type copyPair struct {
	link         string
	stream, copy *result
}

// copyPairs groups the runs by link, in the order they ran.
func copyPairs(rs []result) []copyPair {
	var out []copyPair
	for i := range rs {
		r := &rs[i]
		j := slices.IndexFunc(out, func(p copyPair) bool { return p.link == r.Link })
		if j < 0 {
			out = append(out, copyPair{link: r.Link})
			j = len(out) - 1
		}
		switch r.Set {
		case "engine copy":
			out[j].copy = r
		case "engine stream":
			out[j].stream = r
		}
	}
	return out
}

// copyCrossover derives the link rate (bytes a second each way) at or
// below which copy is at least 5× faster than stream: over a link of R
// each way, stream needs at least size/R (every byte comes down and goes
// up again; the directions overlap), while copy moves no object bytes and
// its time does not depend on R; so size/R ≥ 5 × copy ⇔ R ≤ size / (5 ×
// copy). It is derived for the slowest successful copy run (the
// conservative figure) and for the median one (the lower middle of an even
// count); ok is false when no copy run succeeded.
func copyCrossover(rs []result) (slowest, median result, ok bool) {
	var cps []result
	for _, r := range rs {
		if r.Set == "engine copy" && r.Err == "" && r.Wall > 0 {
			cps = append(cps, r)
		}
	}
	if len(cps) == 0 {
		return result{}, result{}, false
	}
	slices.SortFunc(cps, func(a, b result) int { return int(a.Wall - b.Wall) })
	return cps[len(cps)-1], cps[(len(cps)-1)/2], true
}

// crossoverRate is size / (5 × the copy's time), in bytes a second.
func crossoverRate(cp result) float64 { return float64(cp.Bytes) / (5 * cp.Wall.Seconds()) }

// mbit is a rate in bytes a second as decimal megabits a second.
func mbit(bytesPerSec float64) float64 { return bytesPerSec * 8 / 1e6 }

// reportCopy prints the copy-vs-stream section, or why it did not run.
func reportCopy(w io.Writer, note string, rs []result) {
	if note == "" && len(rs) == 0 {
		return
	}
	fmt.Fprintf(w, "\n### Copy vs stream engine, one big object between two buckets of the same MinIO (issue 12 §5)\n\n")
	if note != "" {
		fmt.Fprintf(w, "- %s\n", note)
	}
	if len(rs) == 0 {
		return
	}
	fmt.Fprintln(w, "| link (each way) | engine | MiB | seconds | MiB/s | CPU s | peak RSS MiB | client socket+file bytes MiB | link down / up MiB | proxy CPU s | MinIO CPU s | load | note |")
	fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
	for _, r := range rs {
		linkBytes, proxyCPU := "–", "–"
		if r.Link != loopbackLabel {
			linkBytes = fmt.Sprintf("%.1f / %.1f", float64(r.LinkDown)/(1<<20), float64(r.LinkUp)/(1<<20))
			proxyCPU = fmt.Sprintf("%.2f", r.BenchCPU.Seconds())
		}
		fmt.Fprintf(w, "| %s | %s | %.0f | %.2f | %.1f | %.2f | %.1f | %.1f | %s | %s | %.2f | %.2f | %s |\n", r.Link, strings.TrimPrefix(r.Set, "engine "),
			float64(r.Bytes)/(1<<20), r.Wall.Seconds(), r.MiBps(), r.CPU.Seconds(), float64(r.MaxRSS)/(1<<20),
			float64(r.IOBytes)/(1<<20), linkBytes, proxyCPU, r.ServerCPU.Seconds(), r.Load, r.Err)
	}
	verdict := map[bool]string{true: "PASS", false: "MISS"}
	fmt.Fprintf(w, "\ncopy ≥ 5× faster than stream (the same object, the same MinIO, the same link for both engines; only the engine differs):\n\n")
	for _, p := range copyPairs(rs) {
		cp, st := p.copy, p.stream
		if cp == nil || st == nil || cp.Err != "" || st.Err != "" {
			fmt.Fprintf(w, "- %s: not compared (a run failed or did not run)\n", p.link)
			continue
		}
		sp := st.Wall.Seconds() / cp.Wall.Seconds()
		if p.link == loopbackLabel {
			fmt.Fprintf(w, "- loopback, on the same MinIO with nothing between: %.2f× (copy %.2f s, stream %.2f s) %s", sp, cp.Wall.Seconds(), st.Wall.Seconds(), verdict[sp >= 5])
			if sp < 5 {
				fmt.Fprintf(w, "; the one local MinIO reads, hashes and writes every byte for both engines (MinIO CPU %.1f s copy, %.1f s stream) on the same cores as the client, and the stream's bytes cost nothing to move, so this ratio is bounded by MinIO, not by Stowage", cp.ServerCPU.Seconds(), st.ServerCPU.Seconds())
			}
			fmt.Fprintln(w)
			continue
		}
		bound := float64(st.Bytes) / st.LinkRate
		fmt.Fprintf(w, "- %s each way, a client whose link is the bottleneck: %.2f× (copy %.2f s, stream %.2f s) %s; through the link stream moved %.0f MiB down and %.0f MiB up (%.1f MiB/s of the object each way; at least %.2f s at this rate; both directions above half the rate %.0f %% of the time), copy %.2f MiB down and %.2f MiB up\n",
			p.link, sp, cp.Wall.Seconds(), st.Wall.Seconds(), verdict[sp >= 5],
			float64(st.LinkDown)/(1<<20), float64(st.LinkUp)/(1<<20), st.MiBps(), bound, 100*st.LinkBoth,
			float64(cp.LinkDown)/(1<<20), float64(cp.LinkUp)/(1<<20))
	}
	if slow, med, ok := copyCrossover(rs); ok {
		size := float64(slow.Bytes) / (1 << 20)
		fmt.Fprintf(w, "- crossover, derived (not measured): over a link of R each way stream needs at least %.0f MiB / R (every byte comes down and goes up again; the directions overlap) while copy moves no object bytes, so copy ≥ 5× whenever R ≤ %.0f MiB / (5 × copy's time): **%.0f Mbit/s each way** (%.1f MiB/s) from the slowest copy of this run (%.2f s, link %s), %.0f Mbit/s (%.1f MiB/s) from the median copy (%.2f s, link %s); stream's time above the link's bound (start-up, the last part, MinIO) only raises the crossover\n",
			size, size, mbit(crossoverRate(slow)), crossoverRate(slow)/(1<<20), slow.Wall.Seconds(), slow.Link,
			mbit(crossoverRate(med)), crossoverRate(med)/(1<<20), med.Wall.Seconds(), med.Link)
	}
	for _, p := range copyPairs(rs) {
		if cp := p.copy; cp != nil && cp.Err == "" {
			fmt.Fprintf(w, "- copy's client bytes ≈ 0 (under 1%% of the object), link %s: %.1f MiB of %.0f MiB %s\n",
				p.link, float64(cp.IOBytes)/(1<<20), float64(cp.Bytes)/(1<<20), verdict[cp.IOBytes*100 < cp.Bytes])
		}
	}
}
