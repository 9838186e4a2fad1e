package export

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
)

// The crash test re-executes the test binary as a child that runs an export
// and prints what it does; the parent SIGKILLs it at chosen points.
const (
	crashChildEnv = "STOWAGE_EXPORT_CRASH_CHILD"
	crashSrcEnv   = "STOWAGE_EXPORT_CRASH_SRC"
	crashDstEnv   = "STOWAGE_EXPORT_CRASH_DST"
	crashJrnEnv   = "STOWAGE_EXPORT_CRASH_JOURNAL"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) == "1" {
		os.Exit(crashChild())
	}
	testenv.Main(m)
}

// slowPrinter slows every upload a little, so the parent can kill the child
// at a chosen point, and prints each call and acknowledgement:
// "put KEY", "part N ok", "create KEY", "complete KEY", and (from events)
// "done PATH".
type slowPrinter struct {
	fullProvider
	mu sync.Mutex
}

func (s *slowPrinter) say(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Unbuffered: a line is out before the next step can happen.
	fmt.Fprintf(os.Stdout, format+"\n", args...)
}

func (s *slowPrinter) Put(ctx context.Context, key string, src providers.Body, size int64, opts providers.PutOptions) (providers.Object, error) {
	s.say("put %s", key)
	time.Sleep(15 * time.Millisecond)
	return s.fullProvider.Put(ctx, key, src, size, opts)
}

func (s *slowPrinter) CreateMultipart(ctx context.Context, key string, opts providers.PutOptions) (string, error) {
	s.say("create %s", key)
	return s.fullProvider.CreateMultipart(ctx, key, opts)
}

func (s *slowPrinter) UploadPart(ctx context.Context, key, id string, n int, src providers.Body, off, size int64, opts providers.PutOptions) (providers.Part, error) {
	time.Sleep(40 * time.Millisecond)
	p, err := s.fullProvider.UploadPart(ctx, key, id, n, src, off, size, opts)
	if err == nil {
		s.say("part %d ok", n)
	}
	return p, err
}

func (s *slowPrinter) CompleteMultipart(ctx context.Context, key, id string, parts []providers.Part) (providers.Object, error) {
	s.say("complete %s", key)
	return s.fullProvider.CompleteMultipart(ctx, key, id, parts)
}

func crashChild() int {
	ctx := context.Background()
	p, err := providers.Open(ctx, config.Location{Name: "t", Type: config.TypeLocal, Local: &config.Local{Path: os.Getenv(crashDstEnv)}}, providers.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	sp := &slowPrinter{fullProvider: p.(fullProvider)}
	sp.say("started")
	_, err = Run(ctx, sp, "t", Options{
		Sources:            []string{os.Getenv(crashSrcEnv)},
		JournalPath:        os.Getenv(crashJrnEnv),
		Concurrency:        4,
		PartSize:           1 << 20,
		MultipartThreshold: 1 << 20,
		Events: func(ev Event) {
			if d, ok := ev.(FileDone); ok {
				sp.say("done %s", d.Path)
			}
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sp.say("finished")
	return 0
}

// childRound is what one child run printed before it died or finished.
type childRound struct {
	puts      map[string]bool
	done      map[string]bool
	parts     map[int]bool
	creates   int
	completes int
	ended     bool
}

// runChild starts the child and kills it with SIGKILL once kill returns
// true for a line (never, when kill is nil).
func runChild(t *testing.T, e *env, journal string, kill func(line string, r *childRound) bool) *childRound {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", crashSrcEnv+"="+e.src, crashDstEnv+"="+e.dst, crashJrnEnv+"="+journal)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &childRound{puts: map[string]bool{}, done: map[string]bool{}, parts: map[int]bool{}}
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		verb, arg, _ := strings.Cut(line, " ")
		switch verb {
		case "put":
			r.puts[arg] = true
		case "done":
			r.done[arg] = true
		case "create":
			r.creates++
		case "complete":
			r.completes++
		case "part":
			n, _ := strconv.Atoi(strings.TrimSuffix(arg, " ok"))
			r.parts[n] = true
		case "finished":
			r.ended = true
		}
		if !killed && kill != nil && kill(line, r) {
			killed = true
			_ = cmd.Process.Kill()
		}
	}
	err = cmd.Wait()
	if !killed && err != nil {
		t.Fatalf("child export failed: %v\n%s", err, stderr.String())
	}
	return r
}

func TestCrashConsistency(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary several times")
	}
	e := newEnv(t)
	want := map[string][]byte{}
	for i := 0; i < 40; i++ {
		rel := fmt.Sprintf("day%d/call-%02d.wav", i%4, i)
		want[rel] = content(rel, 1000+i*997)
		e.write(t, rel, want[rel])
	}
	want["big/screen.mp4"] = content("big", 12<<20+333)
	e.write(t, "big/screen.mp4", want["big/screen.mp4"])
	journal := filepath.Join(e.state, "journals", "t.db")

	// Each round kills the child at a different point; later rounds must
	// never send again what an earlier round recorded as done, and must
	// resume the multipart upload rather than restart it.
	rounds := []struct {
		name string
		kill func(line string, r *childRound) bool
	}{
		{"right after start", func(line string, r *childRound) bool { return line == "started" }},
		{"mid multipart", func(line string, r *childRound) bool { return len(r.parts) >= 3 }},
		{"after a few files", func(line string, r *childRound) bool { return len(r.done) >= 3 }},
		{"mid multipart again", func(line string, r *childRound) bool { return len(r.parts) >= 3 }},
		{"after many files", func(line string, r *childRound) bool { return len(r.done) >= 12 }},
		{"to the end", nil},
	}
	doneBefore := map[string]bool{}
	partsBefore := map[int]bool{}
	created := false    // the multipart upload exists from an earlier round
	completing := false // an earlier round was killed during CompleteMultipart
	for _, rd := range rounds {
		r := runChild(t, e, journal, rd.kill)
		t.Logf("%s: %d puts, %d done, %d parts, %d creates, %d completes", rd.name, len(r.puts), len(r.done), len(r.parts), r.creates, r.completes)
		for key := range r.puts {
			src := filepath.Join(e.src, filepath.FromSlash(key))
			if doneBefore[src] {
				t.Fatalf("%s: %s was sent again although an earlier run finished it", rd.name, key)
			}
		}
		// A kill during CompleteMultipart, before the journal recorded the
		// file, leaves the upload assembled or half removed: the file was
		// in flight, so starting it again is allowed. Otherwise the upload
		// must be resumed, and parts the store acknowledged never resent.
		if created && !completing {
			if r.creates != 0 {
				t.Fatalf("%s: the multipart upload was created again instead of resumed", rd.name)
			}
			for n := range r.parts {
				if partsBefore[n] {
					t.Fatalf("%s: part %d was sent again although the upload resumed", rd.name, n)
				}
			}
		}
		if r.creates > 0 {
			created, completing = true, false
			partsBefore = map[int]bool{}
		}
		for p := range r.done {
			doneBefore[p] = true
		}
		for n := range r.parts {
			partsBefore[n] = true
		}
		if r.completes > 0 {
			completing = true
		}
		if rd.kill == nil && !r.ended {
			t.Fatalf("last round did not finish")
		}
	}
	if !created {
		t.Fatal("the big file never went through a multipart upload")
	}

	got := e.objects(t)
	if len(got) != len(want) {
		t.Fatalf("%d objects, want %d: %s", len(got), len(want), fmtKeys(keysOf(got)))
	}
	for k, v := range want {
		mustEqualBytes(t, k, got[k], v)
	}
	// The journal holds every file as done, with the CRC32C of its bytes.
	j, err := OpenJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		rec, ok, err := j.Get(filepath.Join(e.src, filepath.FromSlash(k)))
		if err != nil || !ok || rec.Status != StatusDone {
			t.Fatalf("journal record of %s = %+v, %v", k, rec, err)
		}
		if rec.Checksum != crc32cString(v) {
			t.Errorf("journal checksum of %s = %s, want %s", k, rec.Checksum, crc32cString(v))
		}
	}
	j.Close()
	// A final rerun sends nothing.
	rec := &recorder{fullProvider: e.p}
	sum, err := Run(context.Background(), rec, "t", Options{Sources: []string{e.src}, JournalPath: journal})
	if err != nil || rec.putCount() != 0 || len(rec.partNumbers()) != 0 || sum.Skipped != len(want) {
		t.Fatalf("final rerun: err %v, %d puts, %d parts, summary %+v", err, rec.putCount(), len(rec.partNumbers()), sum)
	}
}

func crc32cString(b []byte) string {
	var raw [4]byte
	binary.BigEndian.PutUint32(raw[:], crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	return "CRC32C:" + base64.StdEncoding.EncodeToString(raw[:])
}
