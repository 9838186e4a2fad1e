package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/shellquote"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// recordings writes n small files below a new source folder, spread over
// day folders, and returns the folder.
func recordings(t *testing.T, n, size int) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "recordings")
	for i := range n {
		p := filepath.Join(src, fmt.Sprintf("2024-05-%02d", i%5+1), fmt.Sprintf("call-%04d.wav", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte{byte(i)}, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

// localExportConfig saves a locations file with one local location "nas"
// and returns the config path and the location's folder.
func localExportConfig(t *testing.T) (cfg, dst string) {
	t.Helper()
	dst = t.TempDir()
	cfg = saveLocations(t, config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: dst}})
	return cfg, dst
}

// countFiles counts the regular files below dir, leaving out the local
// location's own upload bookkeeping.
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".stowage") {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestExportLocal(t *testing.T) {
	cfg, dst := localExportConfig(t)
	src := recordings(t, 25, 1000)

	out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", src)
	if code != ExitOK {
		t.Fatalf("code %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Export finished: nas", "exported: 25 files (24.4 KiB)", "skipped:  0 files", "failed:   0 files", "manifest: ", ".csv", ".jsonl"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^  time:     \S+ at [0-9.]+ (B|KiB|MiB|GiB)/s$`).MatchString(out) {
		t.Errorf("summary lacks the time and rate line:\n%s", out)
	}
	// Not a terminal: status lines go to stderr.
	if !strings.Contains(errOut, "found 25 files") || !strings.Contains(errOut, "25/25 files") {
		t.Errorf("no status lines on stderr:\n%s", errOut)
	}
	if n := countFiles(t, dst); n != 25 {
		t.Fatalf("%d files in the location, want 25", n)
	}
	if _, err := os.Stat(filepath.Join(dst, "2024-05-01", "call-0000.wav")); err != nil {
		t.Errorf("keys are not the paths below the source: %v", err)
	}
	journal := journalOf(t, cfg, "nas")
	if _, err := os.Stat(journal); err != nil {
		t.Errorf("no journal next to the locations file: %v", err)
	}

	t.Run("rerun skips every file", func(t *testing.T) {
		out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", src)
		if code != ExitOK || !strings.Contains(out, "skipped:  25 files") || !strings.Contains(out, "exported: 0 files") {
			t.Fatalf("code %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("dry run after export", func(t *testing.T) {
		os.WriteFile(filepath.Join(src, "new.wav"), []byte("new"), 0o644)
		out, _, code := runCLI(t, "", "--config", cfg, "export", "nas", src, "--dry-run")
		if code != ExitOK || !strings.Contains(out, "would export:     1 file (3 B)") || !strings.Contains(out, "already exported: 25 files") || !strings.Contains(out, "  new.wav  (3 B)") {
			t.Fatalf("code %d\n%s", code, out)
		}
		if _, err := os.Stat(filepath.Join(dst, "new.wav")); !os.IsNotExist(err) {
			t.Fatalf("the dry run uploaded: %v", err)
		}
	})
}

func TestExportDryRunUploadsNothing(t *testing.T) {
	cfg, dst := localExportConfig(t)
	src := recordings(t, 30, 100)
	out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", src, "--dry-run", "--include", "*.wav", "--exclude", "2024-05-05/")
	if code != ExitOK {
		t.Fatalf("code %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Dry run for location \"nas\"", "nothing was uploaded", "would export:     24 files (2.3 KiB)", "already exported: 0 files", "journal:          none yet", "First keys:", "2024-05-01/call-0000.wav  (100 B)", "… and 4 more"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if n := countFiles(t, dst); n != 0 {
		t.Fatalf("the dry run put %d files in the location", n)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "journals")); !os.IsNotExist(err) {
		t.Fatalf("the dry run wrote a journal: %v", err)
	}
	out, _, code = runCLI(t, "", "--config", cfg, "export", "nas", src, "--dry-run", "--json")
	var plan struct {
		Type   string `json:"type"`
		Files  int    `json:"files"`
		Sample []struct{ Key string }
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil || code != ExitOK || plan.Type != "plan" || plan.Files != 30 || len(plan.Sample) != 20 {
		t.Fatalf("--dry-run --json: code %d err %v\n%s", code, err, out)
	}
}

func TestExportBadInput(t *testing.T) {
	cfg, _ := localExportConfig(t)
	src := recordings(t, 1, 10)
	tests := []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"since not a date", []string{src, "--since", "yesterday"}, []string{"--since:", `"yesterday" is not a date`, "--since 2024-05-01"}},
		{"until not a date", []string{src, "--until", "2024-13-01"}, []string{"--until:", "example: --until 2024-05-01"}},
		{"until before since", []string{src, "--since", "2024-05-02", "--until", "2024-05-01"}, []string{"--until", "must be after --since"}},
		{"concurrency zero", []string{src, "--concurrency", "0"}, []string{"--concurrency: must be between 1 and 512, got 0", "--concurrency 32"}},
		{"concurrency too high", []string{src, "--concurrency", "513"}, []string{"--concurrency: must be between 1 and 512"}},
		{"part size not a size", []string{src, "--part-size", "big"}, []string{"--part-size:", `"big" is not a positive size`, "--part-size 16MiB"}},
		{"part size below the location's minimum", []string{src, "--part-size", "64KiB"}, []string{"--part-size: must be between 1 MiB and 5 GiB", `location "nas"`, "64KiB (64 KiB)"}},
		{"part size above the maximum", []string{src, "--part-size", "6GiB"}, []string{"--part-size: must be between 1 MiB and 5 GiB"}},
		{"memory not a size", []string{src, "--memory", "lots"}, []string{"--memory:", `"lots" is not a positive size`, "--memory 256MiB"}},
		{"memory zero", []string{src, "--memory", "0"}, []string{"--memory:", `"0" is not a positive size`, "--memory 256MiB"}},
		{"json and no-tui", []string{src, "--json", "--no-tui"}, []string{"--no-tui and --json exclude each other"}},
		{"bad key template", []string{src, "--key-template", "{nope}"}, []string{"--key-template"}},
		{"bad include", []string{src, "--include", ""}, []string{"--include"}},
		{"missing source", []string{filepath.Join(src, "missing")}, []string{"SRC:", "cannot be read", "example: stowage export NAME /var/spool/recordings"}},
		{"no source", nil, []string{"requires at least 2 arg"}},
		{"unknown flag", []string{src, "--parallel", "4"}, []string{"unknown flag: --parallel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--config", cfg, "export", "nas"}, tt.args...)
			out, errOut, code := runCLI(t, "", args...)
			if code != ExitUsage {
				t.Fatalf("code %d, want %d\n%s%s", code, ExitUsage, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q: %s", w, errOut)
				}
			}
		})
	}
	t.Run("unknown location", func(t *testing.T) {
		_, errOut, code := runCLI(t, "", "--config", cfg, "export", "nope", src)
		if code != ExitUsage || !strings.Contains(errOut, "known locations: nas") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"16MiB", 16 << 20}, {"64M", 64 << 20}, {"1GiB", 1 << 30}, {"1g", 1 << 30}, {"512k", 512 << 10},
		{"8MB", 8_000_000}, {"5000000", 5_000_000}, {"1.5GiB", 3 << 29}, {" 32 MiB ", 32 << 20}, {"100B", 100},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "MiB", "-1MiB", "0", "ten", "1TiB2", "1e30G"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if _, err := parseSize(bad); err == nil {
				t.Fatalf("parseSize(%q) accepted", bad)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	day, err := parseDate("--since", "2024-05-01")
	if err != nil || !day.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.Local)) {
		t.Fatalf("day: %v %v", day, err)
	}
	ts, err := parseDate("--until", "2024-05-01T08:30:00+02:00")
	if err != nil || !ts.Equal(time.Date(2024, 5, 1, 6, 30, 0, 0, time.UTC)) {
		t.Fatalf("RFC 3339: %v %v", ts, err)
	}
}

// TestExportFailingFile: a file that cannot be exported (its key is taken
// by another file) fails with its reason; the others are exported; exit 1.
func TestExportFailingFile(t *testing.T) {
	cfg, dst := localExportConfig(t)
	src := recordings(t, 6, 10) // call-0005.wav is in 2024-05-01 next to call-0000.wav
	dup := filepath.Join(src, "2024-05-02", "call-0000.wav")
	if err := os.WriteFile(dup, []byte("another day"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", src, "--key-template", "{base}")
	if code != ExitFailed {
		t.Fatalf("code %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Export finished with failures", "exported: 6 files", "failed:   1 file", "Failed files (1):", "call-0000.wav: key \"call-0000.wav\" is also the key of", "{dir} or {path}"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "failed: ") {
		t.Errorf("the status printer did not report the failure: %s", errOut)
	}
	if n := countFiles(t, dst); n != 6 {
		t.Errorf("%d files exported, want 6", n)
	}
}

// TestExportListsFirstTwentyFailures: many failures are listed up to 20,
// then counted.
func TestExportListsFirstTwentyFailures(t *testing.T) {
	cfg, _ := localExportConfig(t)
	src := t.TempDir()
	for i := range 25 {
		for _, day := range []string{"a", "b"} {
			p := filepath.Join(src, day, fmt.Sprintf("f%02d.wav", i))
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(day), 0o644)
		}
	}
	out, _, code := runCLI(t, "", "--config", cfg, "export", "nas", src, "--key-template", "{base}")
	if code != ExitFailed || !strings.Contains(out, "Failed files (25):") || !strings.Contains(out, "… and 5 more; the CSV manifest lists every one") {
		t.Fatalf("code %d\n%s", code, out)
	}
	if n := strings.Count(out, "is also the key of"); n != 20 {
		t.Errorf("%d failures listed, want 20", n)
	}
}

// jsonLines parses every line of out as a JSON object.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line is not JSON: %v\n%s", err, sc.Text())
		}
		evs = append(evs, m)
	}
	return evs
}

func TestExportJSON(t *testing.T) {
	cfg, _ := localExportConfig(t)
	src := recordings(t, 12, 100)
	out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", src, "--json")
	if code != ExitOK {
		t.Fatalf("code %d\n%s%s", code, out, errOut)
	}
	if errOut != "" {
		t.Errorf("--json wrote to stderr: %s", errOut)
	}
	evs := jsonLines(t, out)
	count := map[string]int{}
	for _, ev := range evs {
		count[ev["type"].(string)]++
	}
	if count["file_started"] != 12 || count["file_done"] != 12 || count["scan"] == 0 || count["totals"] == 0 || count["summary"] != 1 {
		t.Fatalf("event counts %v", count)
	}
	last := evs[len(evs)-1]
	if last["type"] != "summary" || last["files"] != 12.0 || last["stopped"] != false || last["manifest_csv"] == "" {
		t.Fatalf("last line %v", last)
	}
	out, _, code = runCLI(t, "", "--config", cfg, "export", "nas", src, "--json")
	evs = jsonLines(t, out)
	if last := evs[len(evs)-1]; code != ExitOK || last["skipped"] != 12.0 || last["files"] != 0.0 {
		t.Fatalf("rerun: code %d, summary %v", code, last)
	}
}

// signalWriter collects output and reports when it first contains a
// string, so a test can interrupt an export at a known point.
type signalWriter struct {
	mu    sync.Mutex
	b     bytes.Buffer
	match string
	seen  chan struct{}
	once  sync.Once
}

func newSignalWriter(match string) *signalWriter {
	return &signalWriter{match: match, seen: make(chan struct{})}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.b.Write(p)
	if strings.Contains(w.b.String(), w.match) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// fakeInterrupts delivers what is sent on the returned channel as signals
// to the command that forwards them at the time, instead of the process's.
func fakeInterrupts(t *testing.T) chan<- os.Signal {
	t.Helper()
	ch := make(chan os.Signal)
	var cur atomic.Pointer[interrupts]
	old := forwarding
	forwarding = func(in *interrupts) { cur.Store(in) }
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				// To the run that forwards now: wait for it to begin.
				for i := 0; i < 5000; i++ {
					if in := cur.Load(); in != nil && in.forwarded() {
						in.deliver()
						break
					}
					time.Sleep(time.Millisecond)
				}
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() { forwarding = old; close(stop) })
	return ch
}

// TestExportInterrupt: the first ctrl+c stops after the uploads in flight
// and prints the command to continue (exit 130); running it finishes the
// export, skipping what was done. A second ctrl+c stops at once.
func TestExportInterrupt(t *testing.T) {
	cfg, dst := localExportConfig(t)
	src := recordings(t, 1000, 10)
	sigs := fakeInterrupts(t)

	for _, mode := range []string{"--json", "--no-tui"} {
		t.Run("graceful "+mode, func(t *testing.T) {
			// Interrupt once the run is under way: after the first file in
			// --json, after the banner on stderr otherwise.
			out, errOut := newSignalWriter(`"type":"file_done"`), newSignalWriter("Exporting to nas")
			seen := out.seen
			if mode == "--no-tui" {
				seen = errOut.seen
			}
			done := make(chan int)
			go func() {
				done <- run(context.Background(), []string{"--config", cfg, "export", "nas", src, mode, "--concurrency", "2"}, strings.NewReader(""), out, errOut)
			}()
			<-seen
			sigs <- os.Interrupt
			code := <-done
			if code != ExitInterrupted {
				t.Fatalf("code %d, want 130\n%s%s", code, tail(out.String(), 500), errOut.String())
			}
			want := fmt.Sprintf("stowage --config %s export nas %s --concurrency 2 %s", cfg, src, mode)
			if !strings.Contains(out.String(), want) {
				t.Errorf("no resume command %q in:\n%s", want, tail(out.String(), 800))
			}
			if mode == "--no-tui" && !strings.Contains(out.String(), "Export stopped: nas") {
				t.Errorf("no summary:\n%s", out.String())
			}
			if !strings.Contains(errOut.String(), "stopping: finishing") {
				t.Errorf("no stopping notice on stderr: %s", tail(errOut.String(), 400))
			}
			// --no-tui is stopped before the scan ends, --json after a file.
			if n := countFiles(t, dst); n >= 1000 || n == 0 && mode == "--json" {
				t.Fatalf("%d files exported before the stop; want some, not all", n)
			}
		})
	}
	t.Run("hard", func(t *testing.T) {
		out, errOut := newSignalWriter(`"type":"file_done"`), newSignalWriter("")
		done := make(chan int)
		go func() {
			done <- run(context.Background(), []string{"--config", cfg, "export", "nas", src, "--json", "--concurrency", "2"}, strings.NewReader(""), out, errOut)
		}()
		<-out.seen
		sigs <- os.Interrupt
		sigs <- os.Interrupt
		if code := <-done; code != ExitInterrupted {
			t.Fatalf("code %d, want 130\n%s", code, errOut.String())
		}
		if !strings.Contains(errOut.String(), "stopping now") {
			t.Errorf("no hard-stop notice: %s", errOut.String())
		}
		evs := jsonLines(t, out.String())
		if last := evs[len(evs)-1]; last["type"] != "summary" || last["stopped"] != true || last["resume_command"] == nil {
			t.Errorf("last line %v", last)
		}
	})
	t.Run("resume finishes", func(t *testing.T) {
		before := countFiles(t, dst)
		out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", src, "--concurrency", "8")
		if code != ExitOK {
			t.Fatalf("code %d\n%s%s", code, tail(out, 500), tail(errOut, 500))
		}
		if n := countFiles(t, dst); n != 1000 {
			t.Fatalf("%d files after resuming, want 1000", n)
		}
		if !strings.Contains(out, fmt.Sprintf("exported: %d files", 1000-before)) {
			t.Errorf("the resumed run should export only the %d files left:\n%s", 1000-before, out)
		}
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// TestExportS3 runs the command against MinIO over TLS with root keys.
func TestExportS3(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("cmdexport")
	m.CreateBucket(t, bucket)
	cfg := saveLocations(t, config.Location{Name: "minio", Type: config.TypeS3, S3: &config.S3{
		Bucket: bucket, Region: m.SigningRegion(), Prefix: "calls/", Auth: config.AuthKeys,
		AccessKeyID: m.RootUser, SecretAccessKey: m.RootPassword,
		Endpoint: m.Endpoint, PathStyle: true, CABundle: m.CAFile, ChecksumMode: config.ChecksumWhenRequired,
	}})
	src := recordings(t, 20, 2048)
	// One file large enough for a multipart upload in 5 MiB parts.
	big := filepath.Join(src, "screen.mp4")
	if err := os.WriteFile(big, bytes.Repeat([]byte("0123456789abcdef"), (70<<20)/16), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "", "--config", cfg, "export", "minio", src, "--part-size", "5MiB", "--no-tui")
	if code != ExitOK {
		t.Fatalf("code %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "exported: 21 files") {
		t.Errorf("summary:\n%s", out)
	}
	if strings.Contains(out+errOut, m.RootPassword) {
		t.Fatal("the secret key was printed")
	}
	client := m.S3Client(t, m.RootUser, m.RootPassword)
	var keys int
	var bigSize int64
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("calls/")})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys++
			if aws.ToString(o.Key) == "calls/screen.mp4" {
				bigSize = aws.ToInt64(o.Size)
			}
		}
	}
	if keys != 21 || bigSize != 70<<20 {
		t.Fatalf("%d objects (want 21), screen.mp4 is %d bytes (want %d)", keys, bigSize, 70<<20)
	}
	out, _, code = runCLI(t, "", "--config", cfg, "export", "minio", src, "--no-tui")
	if code != ExitOK || !strings.Contains(out, "skipped:  21 files") {
		t.Fatalf("rerun: code %d\n%s", code, out)
	}
	_, errOut, code = runCLI(t, "", "--config", cfg, "export", "minio", src, "--part-size", "1MiB")
	if code != ExitUsage || !strings.Contains(errOut, "--part-size: must be between 5 MiB and 5 GiB") {
		t.Fatalf("S3 part-size bounds: code %d: %s", code, errOut)
	}
}

// TestExportLocationInsideSource: a local location inside the source
// folder is not exported into itself.
func TestExportLocationInsideSource(t *testing.T) {
	src := recordings(t, 5, 10)
	dst := filepath.Join(src, "exported")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := saveLocations(t, config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: dst}})
	for _, want := range []string{"exported: 5 files (50 B)\n  skipped:  0 files", "exported: 0 files (0 B)\n  skipped:  5 files"} {
		out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", src)
		if code != ExitOK || !strings.Contains(out, want) {
			t.Fatalf("want %q: code %d\n%s%s", want, code, out, errOut)
		}
	}
	if n := countFiles(t, dst); n != 5 {
		t.Fatalf("%d files in the location, want 5", n)
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/data/calls", "/data/calls"},
		{"--since=2024-05-01", "--since=2024-05-01"},
		{"my calls", "'my calls'"},
		{"*.wav", "'*.wav'"},
		{"{mtime:2006/01/02}/{base}", "'{mtime:2006/01/02}/{base}'"},
		{"it's", `'it'\''s'`},
		{"", "''"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := shellquote.Word(tt.in); got != tt.want {
				t.Fatalf("shellQuote(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// TestResumeCommandKeepsFlags: the printed command repeats every flag
// given, quoted for the shell, so running it continues the same export.
func TestResumeCommandKeepsFlags(t *testing.T) {
	cfg, _ := localExportConfig(t)
	src := filepath.Join(t.TempDir(), "my recordings")
	os.MkdirAll(src, 0o755)
	os.WriteFile(filepath.Join(src, "a.wav"), []byte("a"), 0o644)
	sigs := fakeInterrupts(t)
	out, errOut := newSignalWriter(""), newSignalWriter("Exporting to nas")
	done := make(chan int)
	go func() {
		done <- run(context.Background(), []string{"--config", cfg, "export", "nas", src, "--include", "*.wav", "--include", "*.mp4",
			"--key-template", "{mtime:2006}/{base}", "--since", "2000-01-01", "--no-tui"}, strings.NewReader(""), out, errOut)
	}()
	<-errOut.seen
	sigs <- os.Interrupt
	<-done
	want := fmt.Sprintf("stowage --config %s export nas '%s' --include '*.wav' --include '*.mp4' --key-template '{mtime:2006}/{base}' --no-tui --since 2000-01-01", cfg, src)
	if !strings.Contains(out.String(), want) {
		t.Fatalf("resume command missing or different; want\n%s\nin\n%s", want, out.String())
	}
}

// TestWriteSummary checks the summary lines for the Summary fields a run
// can end with: an incomplete scan, kept sources, warnings and a location
// error, which stops the run and still gives the command to continue.
func TestWriteSummary(t *testing.T) {
	const resume = "stowage export nas /data/calls"
	const scanLine = "  scan:     stopped before every source was read; more files may remain (the next run continues)\n"
	locErr := fmt.Errorf("export stopped: the location's bucket/folder does not exist: %w", export.ErrLocationUnusable)
	done := export.Summary{Location: "nas", Files: 3, ScanComplete: true}
	cases := []struct {
		name    string
		sum     export.Summary
		err     error
		stopped bool
		want    []string
		notWant []string
	}{
		{name: "complete run", sum: done,
			want:    []string{"Export finished: nas\n", "  exported: 3 files"},
			notWant: []string{"scan:", "kept:", "warning:", "To continue"}},
		{name: "stop during the scan", sum: export.Summary{Location: "nas", Files: 1, NotStarted: 2, Stopped: true}, stopped: true,
			err:  export.ErrStopped,
			want: []string{"Export stopped: nas\n", scanLine, "To continue where it stopped, run:\n  " + resume + "\n"}},
		{name: "dry run has no scan line", sum: export.Summary{Location: "nas", DryRun: true},
			notWant: []string{"scan:"}},
		{name: "sources kept", sum: export.Summary{Location: "nas", Files: 3, ScanComplete: true, Kept: 3, KeptUnconfirmed: 3,
			Warnings: []string{"source kept: cannot confirm a.wav: s3:GetObject is not granted", "second warning"}},
			want: []string{"  kept:     3 source files (3 could not be confirmed in the location)\n",
				"  warning:  source kept: cannot confirm a.wav: s3:GetObject is not granted\n", "  warning:  second warning\n"},
			notWant: []string{"deleted:"}},
		{name: "some kept, some deleted", sum: export.Summary{Location: "nas", Files: 3, ScanComplete: true, Deleted: 2, Kept: 1},
			want: []string{"  deleted:  2 source files\n", "  kept:     1 source files\n"}},
		{name: "location error", sum: export.Summary{Location: "nas", NotStarted: 5}, err: locErr,
			want:    []string{"Export stopped by a location error: nas\n", scanLine, "To continue where it stopped, run:\n  " + resume + "\n"},
			notWant: []string{"Export finished"}},
		// A few small files: the rate in the unit that fits, not "0.0 MiB/s"
		// as if nothing had moved.
		{name: "small export's rate", sum: export.Summary{Location: "nas", Files: 1, Bytes: 6, Elapsed: 4 * time.Millisecond, MiBps: 6.0 / (1 << 20) / 0.004, ScanComplete: true},
			want:    []string{"  time:     4ms at 1.5 KiB/s\n"},
			notWant: []string{"MiB/s"}},
		{name: "failures", sum: export.Summary{Location: "nas", Files: 2, Failed: 1, ScanComplete: true}, err: export.ErrFilesFailed,
			want:    []string{"Export finished with failures: nas\n"},
			notWant: []string{"To continue", "scan:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			export.WriteSummary(&b, c.sum, c.err, nil, 0, c.stopped, resume)
			for _, w := range c.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("summary lacks %q:\n%s", w, b.String())
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(b.String(), w) {
					t.Errorf("summary has %q:\n%s", w, b.String())
				}
			}
		})
	}
}

// TestSummaryJSON checks the --json summary's fields for the scan, kept
// sources and warnings, and the resume command after a location error.
func TestSummaryJSON(t *testing.T) {
	locErr := fmt.Errorf("export stopped: %w", export.ErrLocationUnusable)
	cases := []struct {
		name    string
		sum     export.Summary
		err     error
		stopped bool
		want    map[string]any
		// resume: the line carries resume_command.
		resume bool
	}{
		{"complete", export.Summary{Location: "nas", ScanComplete: true}, nil, false,
			map[string]any{"scan_complete": true, "kept": 0.0, "kept_unconfirmed": 0.0, "warnings": []any{}}, false},
		{"stopped during the scan", export.Summary{Location: "nas"}, export.ErrStopped, true,
			map[string]any{"scan_complete": false, "stopped": true}, true},
		{"kept with a warning", export.Summary{Location: "nas", ScanComplete: true, Kept: 4, KeptUnconfirmed: 3, Warnings: []string{"w1"}}, nil, false,
			map[string]any{"kept": 4.0, "kept_unconfirmed": 3.0, "warnings": []any{"w1"}}, false},
		{"location error", export.Summary{Location: "nas"}, locErr, false,
			map[string]any{"stopped": false, "location_error": true, "error": locErr.Error()}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := writeJSONLine(&b, export.SummaryJSON(c.sum, c.err, c.stopped, "stowage export nas /x")); err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(b.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range c.want {
				if fmt.Sprint(got[k]) != fmt.Sprint(v) || (v != nil && got[k] == nil) {
					t.Errorf("%s = %#v, want %#v (line %s)", k, got[k], v, b.String())
				}
			}
			if _, ok := got["resume_command"]; ok != c.resume {
				t.Errorf("resume_command present %v, want %v (line %s)", ok, c.resume, b.String())
			}
		})
	}
}

// TestExportLocationError: a local location whose folder is gone stops the
// run at the first file (exit 1, not one failure per file), says so in the
// summary heading and on stderr, and gives the command to continue.
func TestExportLocationError(t *testing.T) {
	cfg, dst := localExportConfig(t)
	src := recordings(t, 30, 10)
	if err := os.RemoveAll(dst); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", src, "--no-tui", "--concurrency", "1")
	if code != ExitFailed {
		t.Fatalf("code %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Export stopped by a location error: nas", "To continue where it stopped, run:\n  stowage --config " + cfg + " export nas " + src} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "error: export stopped: the location's bucket/folder does not exist") {
		t.Errorf("stderr does not give the location error:\n%s", errOut)
	}
	if n := strings.Count(errOut, "failed: "); n > 1 {
		t.Errorf("%d files reported failed; the run should stop at the first:\n%s", n, errOut)
	}
}

// TestExportJournalInUse holds the location's journal as a running export
// would: a second export exits with the usage code (2), not 1 ("some files
// failed"), and names the process holding it.
func TestExportJournalInUse(t *testing.T) {
	cfg, _ := localExportConfig(t)
	src := recordings(t, 2, 10)
	j, err := export.OpenJournal(journalOf(t, cfg, "nas"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", src, "--no-tui")
	holder := fmt.Sprintf("held by process %d", os.Getpid())
	if code != ExitUsage || !strings.Contains(errOut, "journal is in use by another export") || !strings.Contains(errOut, holder) {
		t.Fatalf("code %d, want %d; stderr lacks %q:\n%s%s", code, ExitUsage, holder, out, errOut)
	}
}

// TestExportCollisionHintSkipsTheDefault: two sources holding the same
// relative path collide under the default {path}; the hint suggests what
// would tell them apart, not {path} again (issue 10 §6).
func TestExportCollisionHintSkipsTheDefault(t *testing.T) {
	cfg, _ := localExportConfig(t)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, d := range []string{a, b} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "call.wav"), []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code := runCLI(t, "", "--config", cfg, "export", "nas", a, b)
	if code != ExitFailed || !strings.Contains(out, "is also the key of") {
		t.Fatalf("code %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out, "{path}") || !strings.Contains(out, "add {source} to --key-template") {
		t.Fatalf("the hint suggests the default {path} or not {source}:\n%s", out)
	}
}
