package download

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

// The crash test re-executes the test binary as a child that runs a
// download against MinIO and prints each finished file; the parent kills it
// with SIGKILL mid-run and then reruns the download itself.
const (
	crashChildEnv = "STOWAGE_DOWNLOAD_CRASH_CHILD"
	crashLocEnv   = "STOWAGE_DOWNLOAD_CRASH_LOCATION" // JSON config.Location
	crashDestEnv  = "STOWAGE_DOWNLOAD_CRASH_DEST"
)

// slowGetter slows every GET so the parent can kill the child mid-run,
// and prints each GET of a range ("range KEY OFFSET").
type slowGetter struct {
	fullProvider
	say func(format string, args ...any)
}

func (s slowGetter) Get(ctx context.Context, key string, off, length int64) (io.ReadCloser, providers.Object, error) {
	time.Sleep(40 * time.Millisecond)
	if length > 0 {
		s.say("range %s %d", key, off)
	}
	return s.fullProvider.Get(ctx, key, off, length)
}

func crashChild() int {
	var loc config.Location
	if err := json.Unmarshal([]byte(os.Getenv(crashLocEnv)), &loc); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	p, err := providers.Open(context.Background(), loc, providers.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(os.Stdout, format+"\n", args...) // unbuffered
	}
	say("started")
	_, err = Run(context.Background(), slowGetter{p.(fullProvider), say}, Options{
		Location: loc.Name, Dest: os.Getenv(crashDestEnv), Concurrency: 3,
		RangeThreshold: testThreshold, RangeSize: testRange,
		Events: func(ev Event) {
			if d, ok := ev.(FileDone); ok {
				say("done %s", d.Key)
			}
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	say("finished")
	return 0
}

func TestKill9AndResume(t *testing.T) {
	e := newMinio(t)
	const ranges = 24
	want := map[string][]byte{"a-big.bin": randBytes(t, ranges*testRange)} // listed first
	for i := 0; i < 24; i++ {
		want[fmt.Sprintf("calls/%02d.wav", i)] = randBytes(t, 20_000+i)
	}
	for k, b := range want {
		e.put(t, k, b, true)
	}
	dest := t.TempDir()
	locJSON, err := json.Marshal(e.loc)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", crashLocEnv+"="+string(locJSON), crashDestEnv+"="+dest)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := map[string]bool{}
	sc := bufio.NewScanner(out)
	killed, bigRanges := false, 0
	for sc.Scan() {
		line := sc.Text()
		if k, ok := strings.CutPrefix(line, "done "); ok {
			done[k] = true
		}
		if strings.HasPrefix(line, "range a-big.bin ") {
			bigRanges++
		}
		if line == "finished" {
			break
		}
		// Kill with a few small files finished and the large object
		// part-way through its ranges.
		if len(done) >= 2 && bigRanges >= 6 {
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			killed = true
			break
		}
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("the child finished before it could be killed (done %d)\n%s", len(done), stderr.String())
	}

	// What the killed run left: finished files and the ranges of the large
	// object it recorded.
	j, err := OpenJournal(dest + "/" + JournalName)
	if err != nil {
		t.Fatal(err)
	}
	big, _, err := j.Get(e.loc.Name, "a-big.bin")
	j.Close()
	if err != nil {
		t.Fatal(err)
	}
	kept := len(big.Ranges)
	t.Logf("killed after %d files; large object %s with %d of %d ranges", len(done), big.Status, kept, ranges)
	if big.Status != StatusPartial || kept == 0 || kept >= ranges {
		t.Fatalf("the kill should leave the large object part-way: %s with %d ranges", big.Status, kept)
	}

	p := newCounting(e.open(t))
	res, err := Run(context.Background(), p, Options{Location: e.loc.Name, Dest: dest, RangeThreshold: testThreshold, RangeSize: testRange})
	if err != nil {
		t.Fatal(err)
	}
	for k := range done {
		if n := p.count(k); n != 0 {
			t.Errorf("%s finished before the kill but was fetched again %d times", k, n)
		}
	}
	if got := p.count("a-big.bin"); got != ranges-kept {
		t.Errorf("large object: %d ranges fetched on resume, want %d (%d minus %d kept)", got, ranges-kept, ranges, kept)
	}
	if res.FilesFailed != 0 {
		t.Fatalf("resume failed: %+v", res.Failed)
	}
	checkTree(t, dest, want)
}
