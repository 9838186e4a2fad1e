package export

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/validate"
)

func TestExportKeyTemplates(t *testing.T) {
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	cases := []struct {
		tmpl string
		want []string
	}{
		{"", []string{"2024/05/a.wav", "b.mp4", "top/c.wav"}},
		{"{path}", []string{"2024/05/a.wav", "b.mp4", "top/c.wav"}},
		{"calls/{mtime:2006/01/02}/{base}", []string{"calls/2024/05/06/a.wav", "calls/2024/05/06/b.mp4", "calls/2024/05/06/c.wav"}},
		{"{dir}/{name}{ext}", []string{"2024/05/a.wav", "b.mp4", "top/c.wav"}},
		{"{source}/{path}", []string{"src/2024/05/a.wav", "src/b.mp4", "src/top/c.wav"}},
		{"{name}-{mtime:20060102}{ext}", []string{"a-20240506.wav", "b-20240506.mp4", "c-20240506.wav"}},
		{"x{{y}}/{base}", []string{"x{y}/a.wav", "x{y}/b.mp4", "x{y}/c.wav"}},
	}
	for _, c := range cases {
		t.Run(c.tmpl, func(t *testing.T) {
			e := newEnv(t)
			for _, rel := range []string{"2024/05/a.wav", "b.mp4", "top/c.wav"} {
				p := e.write(t, rel, content(rel, 100))
				if err := os.Chtimes(p, mtime, mtime); err != nil {
					t.Fatal(err)
				}
			}
			o := e.opts()
			o.KeyTemplate = c.tmpl
			sum, err := Run(context.Background(), e.p, "t", o)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := e.objects(t)
			if !reflect.DeepEqual(keysOf(got), c.want) {
				t.Fatalf("keys = %s, want %s", fmtKeys(keysOf(got)), fmtKeys(c.want))
			}
			if sum.Files != 3 || sum.Bytes != 300 {
				t.Fatalf("summary = %+v, want 3 files, 300 bytes", sum)
			}
		})
	}
}

func TestExportFilters(t *testing.T) {
	old := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	mid := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	recent := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	files := map[string]time.Time{
		"a.wav":          old,
		"b.mp4":          mid,
		"calls/c.wav":    recent,
		"calls/x/d.wav":  mid,
		"tmp/e.wav":      recent,
		"calls/f.wav.gz": mid,
	}
	cases := []struct {
		name    string
		mod     func(*Options)
		want    []string
		wantErr string
	}{
		{"all", func(o *Options) {}, []string{"a.wav", "b.mp4", "calls/c.wav", "calls/f.wav.gz", "calls/x/d.wav", "tmp/e.wav"}, ""},
		{"include base name", func(o *Options) { o.Include = []string{"*.wav"} }, []string{"a.wav", "calls/c.wav", "calls/x/d.wav", "tmp/e.wav"}, ""},
		{"include doublestar", func(o *Options) { o.Include = []string{"calls/**/*.wav"} }, []string{"calls/c.wav", "calls/x/d.wav"}, ""},
		{"include one level", func(o *Options) { o.Include = []string{"calls/*"} }, []string{"calls/c.wav", "calls/f.wav.gz"}, ""},
		{"exclude folder", func(o *Options) { o.Exclude = []string{"tmp/"} }, []string{"a.wav", "b.mp4", "calls/c.wav", "calls/f.wav.gz", "calls/x/d.wav"}, ""},
		{"include and exclude", func(o *Options) { o.Include = []string{"*.wav"}; o.Exclude = []string{"**/x/**"} }, []string{"a.wav", "calls/c.wav", "tmp/e.wav"}, ""},
		{"since inclusive", func(o *Options) { o.Since = mid }, []string{"b.mp4", "calls/c.wav", "calls/f.wav.gz", "calls/x/d.wav", "tmp/e.wav"}, ""},
		{"until exclusive", func(o *Options) { o.Until = mid }, []string{"a.wav"}, ""},
		{"window", func(o *Options) { o.Since = mid; o.Until = recent }, []string{"b.mp4", "calls/f.wav.gz", "calls/x/d.wav"}, ""},
		{"bad pattern", func(o *Options) { o.Include = []string{"[a-"} }, nil, "--include"},
		{"until before since", func(o *Options) { o.Since = recent; o.Until = mid }, nil, "--until"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			for rel, mt := range files {
				p := e.write(t, rel, content(rel, 10))
				if err := os.Chtimes(p, mt, mt); err != nil {
					t.Fatal(err)
				}
			}
			o := e.opts()
			c.mod(&o)
			_, err := Run(context.Background(), e.p, "t", o)
			if c.wantErr != "" {
				if !errors.Is(err, validate.ErrInvalid) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want an invalid-value error naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := keysOf(e.objects(t)); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("exported %s, want %s", fmtKeys(got), fmtKeys(c.want))
			}
		})
	}
}

func TestDryRunUploadsNothing(t *testing.T) {
	e := newEnv(t)
	for i, n := range []int{10, 2000, 30} {
		e.write(t, []string{"a.wav", "b.wav", "c/d.wav"}[i], content("x", n))
	}
	rec := &recorder{fullProvider: e.p}
	o := e.opts()
	o.DryRun = true
	o.DeleteSource = true
	sum, err := Run(context.Background(), rec, "t", o)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if !sum.DryRun || sum.Files != 3 || sum.Bytes != 2040 {
		t.Fatalf("summary = %+v, want a dry run of 3 files, 2040 bytes", sum)
	}
	if rec.putCount() != 0 || rec.stats != 0 || len(e.objects(t)) != 0 {
		t.Fatalf("dry run touched the location: %d puts, %d stats, %d objects", rec.putCount(), rec.stats, len(e.objects(t)))
	}
	if _, err := os.Stat(o.JournalPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("dry run created the journal: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.src, "a.wav")); err != nil {
		t.Fatalf("dry run deleted a source: %v", err)
	}

	// After a real run of one file, the plan shows it as skipped.
	o.DryRun, o.DeleteSource = false, false
	o.Include = []string{"b.wav"}
	if _, err := Run(context.Background(), e.p, "t", o); err != nil {
		t.Fatal(err)
	}
	o.Include = nil
	o.PlanSample = 1
	plan, err := Plan(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Journal || plan.Files != 2 || plan.Bytes != 40 || plan.Skipped != 1 || plan.SkippedBytes != 2000 || len(plan.Sample) != 1 {
		t.Fatalf("plan = %+v", plan)
	}
	if plan.Sample[0].Key != "a.wav" {
		t.Fatalf("first planned key = %q, want a.wav (scan order)", plan.Sample[0].Key)
	}
}

func TestRerunSkipsEverything(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 50; i++ {
		rel := filepath.ToSlash(filepath.Join("d"+string(rune('a'+i%5)), "f"+string(rune('a'+i/5))+".wav"))
		e.write(t, rel, content(rel, 100+i))
	}
	o := e.opts()
	if _, err := Run(context.Background(), e.p, "t", o); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{fullProvider: e.p}
	var evs events
	o.Events = evs.add
	sum, err := Run(context.Background(), rec, "t", o)
	if err != nil {
		t.Fatal(err)
	}
	if n := rec.putCount(); n != 0 {
		t.Fatalf("rerun sent %d Put requests, want 0", n)
	}
	if sum.Skipped != 50 || sum.Files != 0 || countKind[FileSkipped](evs.list()) != 50 {
		t.Fatalf("summary = %+v, want 50 skipped", sum)
	}

	// A changed file is exported again and reported as changed.
	p := e.write(t, "da/fa.wav", content("new", 7))
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(p, future, future); err != nil {
		t.Fatal(err)
	}
	rec = &recorder{fullProvider: e.p}
	sum, err = Run(context.Background(), rec, "t", Options{Sources: o.Sources, JournalPath: o.JournalPath})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 1 || sum.Changed != 1 || sum.Skipped != 49 || rec.putCount() != 1 {
		t.Fatalf("after a change: summary %+v, %d puts; want 1 changed file", sum, rec.putCount())
	}
	mustEqualBytes(t, "da/fa.wav", e.objects(t)["da/fa.wav"], content("new", 7))
}

func TestMultipartResumesMissingParts(t *testing.T) {
	const size = 10<<20 + 12345
	cases := []struct {
		name    string
		crashAt int // the part call that "crashes"; earlier parts succeed
	}{
		{"crash after 1 part", 2},
		{"crash after 6 parts", 7},
		{"crash at the last part", 11},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			data := content("big", size)
			e.write(t, "big.wav", data)
			e.write(t, "small.wav", content("small", 10))
			o := e.opts()
			o.PartSize = 1 << 20
			o.MultipartThreshold = 1 << 20
			o.Concurrency = 1

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			calls := 0
			crash := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
				if op != "part" {
					return nil
				}
				calls++
				if calls == c.crashAt {
					// The process "dies": nothing after this reaches the store.
					cancel()
					return context.Canceled
				}
				return nil
			}}
			sum, err := Run(ctx, crash, "t", o)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("crashed run: err = %v, want context.Canceled", err)
			}
			// The small file may have been cut short as well.
			if sum.Interrupted < 1 || sum.Files+sum.Interrupted+sum.NotStarted != 2 {
				t.Fatalf("crashed run summary = %+v, want the big file interrupted", sum)
			}

			rec := &recorder{fullProvider: e.p}
			var evs events
			o.Events = evs.add
			sum, err = Run(context.Background(), rec, "t", o)
			if err != nil {
				t.Fatalf("resumed run: %v", err)
			}
			var want []int
			for n := c.crashAt; n <= 11; n++ {
				want = append(want, n)
			}
			if got := rec.partNumbers(); !reflect.DeepEqual(got, want) {
				t.Fatalf("resumed run sent parts %v, want only the missing %v", got, want)
			}
			if rec.creates != 0 || rec.lists != 1 || rec.complete != 1 {
				t.Fatalf("resumed run: %d creates, %d lists, %d completes; want 0, 1, 1", rec.creates, rec.lists, rec.complete)
			}
			mustEqualBytes(t, "big.wav", e.objects(t)["big.wav"], data)
			var started *FileStarted
			for _, ev := range evs.list() {
				if fs, ok := ev.(FileStarted); ok && fs.Key == "big.wav" {
					started = &fs
				}
			}
			if started == nil || started.Parts != 11 || started.Resumed != c.crashAt-1 {
				t.Fatalf("FileStarted = %+v, want 11 parts with %d resumed", started, c.crashAt-1)
			}
			wantBytes := size - int64(c.crashAt-1)<<20 + 10*int64(rec.putCount())
			if sum.Bytes != wantBytes {
				t.Fatalf("resumed run counted %d bytes, want only the %d sent", sum.Bytes, wantBytes)
			}
		})
	}
}

func TestMultipartPartSizeRaised(t *testing.T) {
	cases := []struct {
		size, want, min, max int64
		parts                int
		expect               int64
		err                  bool
	}{
		{100 << 20, 16 << 20, 5 << 20, 5 << 30, 10000, 16 << 20, false},
		{100 << 20, 1 << 20, 5 << 20, 5 << 30, 10000, 5 << 20, false},
		{200 << 30, 16 << 20, 5 << 20, 5 << 30, 10000, 21 << 20, false},
		{100 << 20, 1 << 20, 1 << 20, 5 << 30, 10, 10 << 20, false},
		{60 << 40, 16 << 20, 5 << 20, 5 << 30, 10000, 0, true},
	}
	for _, c := range cases {
		got, err := partSizeFor(c.size, c.want, c.min, c.max, c.parts)
		if (err != nil) != c.err || got != c.expect {
			t.Errorf("partSizeFor(%d, %d) = %d, %v; want %d (error %v)", c.size, c.want, got, err, c.expect, c.err)
		}
		if err == nil && (c.size+got-1)/got > int64(c.parts) {
			t.Errorf("part size %d gives more than %d parts", got, c.parts)
		}
	}
}

func TestRetriesDeliverEverything(t *testing.T) {
	e := newEnv(t)
	want := map[string][]byte{}
	for i := 0; i < 30; i++ {
		rel := "f" + string(rune('a'+i)) + ".wav"
		want[rel] = content(rel, 1000+i)
		e.write(t, rel, want[rel])
	}
	want["big.wav"] = content("big", 5<<20+7)
	e.write(t, "big.wav", want["big.wav"])
	var calls atomic.Int64
	var seen sync.Map
	rec := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
		if op != "put" && op != "part" {
			return nil
		}
		// Every other request is throttled once: its retry is never
		// throttled again (a shared counter alone could throttle one
		// request's every attempt when others interleave).
		if _, again := seen.LoadOrStore(fmt.Sprintf("%s %s %d", op, key, n), true); again {
			return nil
		}
		if calls.Add(1)%2 == 0 {
			return &providers.Error{Kind: providers.ErrThrottled, Op: op, Code: "SlowDown", Retryable: true}
		}
		return nil
	}}
	o := e.opts()
	o.PartSize, o.MultipartThreshold = 1<<20, 1<<20
	o.Concurrency = 4
	var evs events
	o.Events = evs.add
	ctl := NewController()
	o.Controller = ctl
	sum, err := Run(context.Background(), rec, "t", o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := e.objects(t)
	if !reflect.DeepEqual(keysOf(got), keysOf(want)) {
		t.Fatalf("objects %s, want %s", fmtKeys(keysOf(got)), fmtKeys(keysOf(want)))
	}
	for k, v := range want {
		mustEqualBytes(t, k, got[k], v)
	}
	retries := countKind[Retry](evs.list())
	if retries == 0 {
		t.Fatal("no Retry events although half the requests were throttled")
	}
	var total int64
	for _, v := range want {
		total += int64(len(v))
	}
	// Bytes never over-count across retries.
	st := ctl.Stats()
	if sum.Bytes != total || st.BytesDone != total || st.BytesInFlight != 0 {
		t.Fatalf("bytes done = %d (stats %d, in flight %d), want exactly %d", sum.Bytes, st.BytesDone, st.BytesInFlight, total)
	}
}

func TestRetriesGiveUp(t *testing.T) {
	e := newEnv(t)
	e.write(t, "a.wav", content("a", 10))
	rec := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
		return &providers.Error{Kind: providers.ErrServer, Op: op, Code: "InternalError", Retryable: true}
	}}
	o := e.opts()
	o.MaxRetries = 3
	sum, err := Run(context.Background(), rec, "t", o)
	if !errors.Is(err, ErrFilesFailed) || sum.Failed != 1 {
		t.Fatalf("err = %v, summary %+v; want one failed file", err, sum)
	}
	if n := rec.putCount(); n != 4 {
		t.Fatalf("%d Put attempts, want 1 + 3 retries", n)
	}
}

func TestNonRetryableFailureDoesNotStopOthers(t *testing.T) {
	e := newEnv(t)
	for _, rel := range []string{"a.wav", "b.wav", "denied.wav", "c.wav"} {
		e.write(t, rel, content(rel, 50))
	}
	rec := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
		if key == "denied.wav" {
			return &providers.Error{Kind: providers.ErrAccessDenied, Op: "put", Action: "s3:PutObject", Code: "AccessDenied"}
		}
		return nil
	}}
	o := e.opts()
	var evs events
	o.Events = evs.add
	sum, err := Run(context.Background(), rec, "t", o)
	if !errors.Is(err, ErrFilesFailed) {
		t.Fatalf("err = %v, want ErrFilesFailed", err)
	}
	if sum.Files != 3 || sum.Failed != 1 {
		t.Fatalf("summary = %+v, want 3 exported and 1 failed", sum)
	}
	if n := rec.putCount(); n != 4 {
		t.Fatalf("%d Put calls, want 4 (no retry of access denied)", n)
	}
	var failed *FileFailed
	for _, ev := range evs.list() {
		if f, ok := ev.(FileFailed); ok {
			failed = &f
		}
	}
	if failed == nil || !errors.Is(failed.Err, providers.ErrAccessDenied) || failed.Key != "denied.wav" {
		t.Fatalf("FileFailed = %+v, want access denied for denied.wav", failed)
	}
	rows := readManifest(t, sum.ManifestJSONL)
	if rows["denied.wav"].Status != RowFailed || !strings.Contains(rows["denied.wav"].Error, "access denied") {
		t.Fatalf("manifest row = %+v", rows["denied.wav"])
	}

	// Once fixed, a rerun sends only the failed file.
	rec2 := &recorder{fullProvider: e.p}
	sum, err = Run(context.Background(), rec2, "t", e.opts())
	if err != nil || sum.Files != 1 || sum.Skipped != 3 || rec2.putCount() != 1 {
		t.Fatalf("rerun: err %v, summary %+v, %d puts", err, sum, rec2.putCount())
	}
}

func TestDeleteSource(t *testing.T) {
	cases := []struct {
		name     string
		statSize func(key string, size int64) int64
		failPut  string
		kept     []string
	}{
		{"all confirmed", nil, "", nil},
		{"size mismatch keeps the file", func(key string, size int64) int64 {
			if key == "b.wav" {
				return size - 1
			}
			return size
		}, "", []string{"b.wav"}},
		{"failed upload keeps the file", nil, "c.wav", []string{"c.wav"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			for _, rel := range []string{"a.wav", "b.wav", "c.wav"} {
				e.write(t, rel, content(rel, 64))
			}
			rec := &recorder{fullProvider: e.p, statSize: c.statSize, before: func(op, key string, n int, _ providers.Body) error {
				if op == "put" && key == c.failPut {
					return &providers.Error{Kind: providers.ErrAccessDenied, Op: "put"}
				}
				return nil
			}}
			o := e.opts()
			o.DeleteSource = true
			sum, _ := Run(context.Background(), rec, "t", o)
			var left []string
			entries, _ := os.ReadDir(e.src)
			for _, en := range entries {
				left = append(left, en.Name())
			}
			if !reflect.DeepEqual(left, c.kept) {
				t.Fatalf("sources left %v, want %v (summary %+v)", left, c.kept, sum)
			}
			if sum.Deleted != 3-len(c.kept) {
				t.Fatalf("summary deleted = %d, want %d", sum.Deleted, 3-len(c.kept))
			}
			if len(e.objects(t)) != 3-len(c.failPut)/len("c.wav") {
				t.Fatalf("objects = %v", keysOf(e.objects(t)))
			}
		})
	}

	t.Run("rerun deletes files exported earlier", func(t *testing.T) {
		e := newEnv(t)
		e.write(t, "a.wav", content("a", 64))
		if _, err := Run(context.Background(), e.p, "t", e.opts()); err != nil {
			t.Fatal(err)
		}
		rec := &recorder{fullProvider: e.p}
		o := e.opts()
		o.DeleteSource = true
		sum, err := Run(context.Background(), rec, "t", o)
		if err != nil || sum.Skipped != 1 || sum.Deleted != 1 || rec.putCount() != 0 || rec.stats != 1 {
			t.Fatalf("err %v, summary %+v, %d puts, %d stats", err, sum, rec.putCount(), rec.stats)
		}
		if _, err := os.Stat(filepath.Join(e.src, "a.wav")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("source still there: %v", err)
		}
	})

	t.Run("provider without stat", func(t *testing.T) {
		e := newEnv(t)
		e.write(t, "a.wav", content("a", 64))
		o := e.opts()
		o.DeleteSource = true
		other := filepath.Join(e.src, "it's here")
		if err := os.Mkdir(other, 0o755); err != nil {
			t.Fatal(err)
		}
		o.Sources = []string{filepath.Join(e.src, "a.wav"), other}
		_, err := Run(context.Background(), putOnly{e.p}, "t", o)
		var ve *validate.Error
		if !errors.As(err, &ve) || ve.Field != "--delete-source" {
			t.Fatalf("err = %v, want a validation error naming --delete-source", err)
		}
		// The command is "stowage export NAME SRC... [flags]"; there is no
		// --location flag. The sources are quoted for the shell.
		want := "stowage export OTHER-LOCATION " + filepath.Join(e.src, "a.wav") + " '" + e.src + "/it'\\''s here' --delete-source"
		if ve.Example != want {
			t.Fatalf("example = %s\nwant      %s", ve.Example, want)
		}
	})
}

// putOnly hides every optional interface of a provider.
type putOnly struct{ providers.Provider }

func TestSourceChangedDuringUpload(t *testing.T) {
	cases := []struct {
		name      string
		size      int
		multipart bool
	}{
		{"single request", 1000, false},
		{"multipart", 3<<20 + 5, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.write(t, "grow.wav", content("g", c.size))
			e.write(t, "ok.wav", content("ok", 10))
			var appended atomic.Bool
			rec := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
				if key == "grow.wav" && (op == "put" || op == "part") && appended.CompareAndSwap(false, true) {
					// The recorder is still writing the call.
					f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
					if err != nil {
						return err
					}
					defer f.Close()
					_, err = f.Write([]byte("more audio"))
					return err
				}
				return nil
			}}
			o := e.opts()
			o.PartSize, o.MultipartThreshold = 1<<20, 1<<20
			if !c.multipart {
				o.MultipartThreshold = 1 << 30
			}
			var evs events
			o.Events = evs.add
			sum, err := Run(context.Background(), rec, "t", o)
			if !errors.Is(err, ErrFilesFailed) || sum.Failed != 1 || sum.Files != 1 {
				t.Fatalf("err = %v, summary %+v; want grow.wav failed", err, sum)
			}
			var failed error
			for _, ev := range evs.list() {
				if f, ok := ev.(FileFailed); ok {
					failed = f.Err
				}
			}
			if !errors.Is(failed, errSourceChanged) {
				t.Fatalf("failure = %v, want source changed during upload", failed)
			}
			j, err := OpenJournal(o.JournalPath)
			if err != nil {
				t.Fatal(err)
			}
			rec0, ok, _ := j.Get(p)
			j.Close()
			if !ok || rec0.Status == StatusDone {
				t.Fatalf("journal record = %+v, must not be done", rec0)
			}
			// The next run exports the file as it is now.
			sum, err = Run(context.Background(), e.p, "t", e.opts())
			if err != nil || sum.Files != 1 {
				t.Fatalf("rerun: %v, %+v", err, sum)
			}
			now, _ := os.ReadFile(p)
			mustEqualBytes(t, "grow.wav", e.objects(t)["grow.wav"], now)
		})
	}
}

func readManifest(t testing.TB, path string) map[string]ManifestRow {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]ManifestRow{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var r ManifestRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("manifest line %q: %v", line, err)
		}
		out[r.Key] = r
	}
	return out
}

func TestManifestRows(t *testing.T) {
	e := newEnv(t)
	e.write(t, "a.wav", content("a", 11))
	e.write(t, "b.wav", content("b", 22))
	if _, err := Run(context.Background(), e.p, "t", e.opts()); err != nil {
		t.Fatal(err)
	}
	e.write(t, "c.wav", content("c", 33))
	bad := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
		if key == "c.wav" {
			return &providers.Error{Kind: providers.ErrAccessDenied, Op: "put"}
		}
		return nil
	}}
	p := e.write(t, "b.wav", content("b2", 23))
	later := time.Now().Add(time.Minute)
	os.Chtimes(p, later, later)
	sum, _ := Run(context.Background(), bad, "t", e.opts())
	if filepath.Dir(sum.ManifestCSV) != filepath.Dir(e.opts().JournalPath) || !strings.HasPrefix(filepath.Base(sum.ManifestCSV), "t-") {
		t.Fatalf("manifest at %s, want t-<timestamp>.csv next to the journal", sum.ManifestCSV)
	}
	rows := readManifest(t, sum.ManifestJSONL)
	wantStatus := map[string]string{"a.wav": RowSkipped, "b.wav": RowChanged, "c.wav": RowFailed}
	for k, st := range wantStatus {
		if rows[k].Status != st {
			t.Errorf("row %s status = %q, want %q", k, rows[k].Status, st)
		}
	}
	if r := rows["b.wav"]; r.Size != 23 || !strings.HasPrefix(r.Checksum, "CRC32C:") || r.Source != p {
		t.Errorf("row b.wav = %+v", r)
	}
	if r := rows["a.wav"]; !strings.HasPrefix(r.Checksum, "CRC32C:") {
		t.Errorf("skipped row keeps the earlier checksum: %+v", r)
	}

	f, err := os.Open(sum.ManifestCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(recs[0], manifestHeader) || len(recs) != 4 {
		t.Fatalf("csv = %v", recs)
	}
}

func TestKeyCollision(t *testing.T) {
	e := newEnv(t)
	e.write(t, "x/a.wav", content("1", 5))
	e.write(t, "y/a.wav", content("2", 5))
	o := e.opts()
	o.KeyTemplate = "{base}"
	var evs events
	o.Events = evs.add
	sum, err := Run(context.Background(), e.p, "t", o)
	if !errors.Is(err, ErrFilesFailed) || sum.Files != 1 || sum.Failed != 1 {
		t.Fatalf("err %v, summary %+v; want one collision failure", err, sum)
	}
	for _, ev := range evs.list() {
		if f, ok := ev.(FileFailed); ok && !strings.Contains(f.Err.Error(), "--key-template") {
			t.Fatalf("collision error %q does not say how to fix it", f.Err)
		}
	}
	mustEqualBytes(t, "a.wav", e.objects(t)["a.wav"], content("1", 5))
}

func TestLargestFirst(t *testing.T) {
	e := newEnv(t)
	sizes := map[string]int{"a.wav": 10, "b.wav": 5000, "c.wav": 300, "d.wav": 70000, "e.wav": 20}
	for k, n := range sizes {
		e.write(t, k, content(k, n))
	}
	ctl := NewController()
	ctl.Pause()
	scanned := make(chan struct{})
	var order []string
	o := e.opts()
	o.Concurrency = 1
	o.Controller = ctl
	o.Events = func(ev Event) {
		switch ev := ev.(type) {
		case ScanProgress:
			if ev.Done {
				close(scanned)
			}
		case FileStarted:
			order = append(order, ev.Key)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), e.p, "t", o)
		done <- err
	}()
	<-scanned
	ctl.Resume()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The first file may be taken before the scan ended; the rest follow
	// by size.
	want := []string{"d.wav", "b.wav", "c.wav", "e.wav", "a.wav"}
	if !reflect.DeepEqual(order[1:], without(want, order[0])) {
		t.Fatalf("upload order %v, want largest first %v", order, want)
	}
}

func without(s []string, x string) []string {
	var out []string
	for _, v := range s {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

func TestPauseAndGracefulStop(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 20; i++ {
		rel := "f" + string(rune('a'+i)) + ".wav"
		e.write(t, rel, content(rel, 100))
	}
	rec := &recorder{fullProvider: e.p}
	ctl := NewController()
	ctl.Pause()
	o := e.opts()
	o.Concurrency = 1
	o.Controller = ctl
	firstDone := make(chan struct{}, 1)
	o.Events = func(ev Event) {
		if _, ok := ev.(FileDone); ok {
			select {
			case firstDone <- struct{}{}:
			default:
			}
		}
	}
	type result struct {
		sum Summary
		err error
	}
	res := make(chan result, 1)
	go func() {
		sum, err := Run(context.Background(), rec, "t", o)
		res <- result{sum, err}
	}()
	time.Sleep(150 * time.Millisecond)
	if n := rec.putCount(); n != 0 {
		t.Fatalf("%d Put calls while paused", n)
	}
	if !ctl.Stats().Paused {
		t.Fatal("Stats does not show the pause")
	}
	ctl.Resume()
	<-firstDone
	ctl.Stop()
	r := <-res
	if !errors.Is(r.err, ErrStopped) || !r.sum.Stopped || r.sum.NotStarted == 0 || r.sum.Files+r.sum.NotStarted != 20 {
		t.Fatalf("stopped run: err %v, summary %+v", r.err, r.sum)
	}
	sum, err := Run(context.Background(), e.p, "t", e.opts())
	if err != nil || sum.Files != r.sum.NotStarted || sum.Skipped != r.sum.Files {
		t.Fatalf("rerun after stop: err %v, summary %+v", err, sum)
	}
	if len(e.objects(t)) != 20 {
		t.Fatalf("%d objects, want 20", len(e.objects(t)))
	}
}

func TestGracefulStopMidMultipartResumes(t *testing.T) {
	e := newEnv(t)
	data := content("big", 8<<20)
	e.write(t, "big.wav", data)
	ctl := NewController()
	o := e.opts()
	o.PartSize, o.MultipartThreshold = 1<<20, 1<<20
	o.Concurrency = 2
	o.Controller = ctl
	var parts atomic.Int64
	rec := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
		if op == "part" && parts.Add(1) == 3 {
			ctl.Stop()
		}
		return nil
	}}
	sum, err := Run(context.Background(), rec, "t", o)
	if !errors.Is(err, ErrStopped) || sum.Interrupted != 1 {
		t.Fatalf("err %v, summary %+v; want the big file interrupted", err, sum)
	}
	sent := len(rec.partNumbers())
	rec2 := &recorder{fullProvider: e.p}
	if _, err := Run(context.Background(), rec2, "t", e.opts2(o)); err != nil {
		t.Fatal(err)
	}
	if got := len(rec2.partNumbers()); got != 8-sent {
		t.Fatalf("resumed run sent %d parts after %d, want %d", got, sent, 8-sent)
	}
	mustEqualBytes(t, "big.wav", e.objects(t)["big.wav"], data)
}

// opts2 is o without its controller and events, for a second run.
func (e *env) opts2(o Options) Options {
	o.Controller, o.Events = nil, nil
	return o
}

func TestJournalBusy(t *testing.T) {
	e := newEnv(t)
	e.write(t, "a.wav", content("a", 1))
	o := e.opts()
	j, err := OpenJournal(o.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	_, err = Run(context.Background(), e.p, "t", o)
	if !errors.Is(err, ErrJournalBusy) {
		t.Fatalf("err = %v, want ErrJournalBusy", err)
	}
}

func TestOptionsValidation(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	os.MkdirAll(sub, 0o755)
	journal := filepath.Join(dir, "j.db")
	missing := filepath.Join(dir, "nope")
	cases := []struct {
		name  string
		opts  Options
		field string
		// rule must be in the error's rule; example must start the example.
		rule, example string
	}{
		// The command takes sources as positional SRC arguments, so the
		// errors name SRC and show that form, never a --source flag.
		{"no source", Options{JournalPath: journal}, "SRC", "at least one", "stowage export NAME /"},
		{"missing source", Options{Sources: []string{missing}, JournalPath: journal}, "SRC", missing + " does not exist", "stowage export NAME /"},
		{"overlapping sources", Options{Sources: []string{dir, sub}, JournalPath: journal}, "SRC", "overlap", "stowage export NAME /data/calls /data/screens"},
		{"no journal", Options{Sources: []string{dir}}, "journal path", "required", ""},
		{"unknown field", Options{Sources: []string{dir}, JournalPath: journal, KeyTemplate: "{date}/{base}"}, "--key-template", "", ""},
		{"concurrency", Options{Sources: []string{dir}, JournalPath: journal, Concurrency: -1}, "--concurrency", "between", "--concurrency 32"},
		{"part size", Options{Sources: []string{dir}, JournalPath: journal, PartSize: -5}, "--part-size", "between", "--part-size 16MiB"},
		{"exclude", Options{Sources: []string{dir}, JournalPath: journal, Exclude: []string{"a//b"}}, "--exclude", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := prepare(c.opts, true)
			var ve *validate.Error
			if !errors.As(err, &ve) || ve.Field != c.field || ve.Example == "" {
				t.Fatalf("err = %v, want a validation error for %s with an example", err, c.field)
			}
			if !strings.Contains(ve.Rule, c.rule) || !strings.HasPrefix(ve.Example, c.example) {
				t.Fatalf("err = %v, want rule containing %q and example starting %q", err, c.rule, c.example)
			}
			if strings.Contains(err.Error(), "--source") {
				t.Fatalf("err = %v names --source, a flag the command does not have", err)
			}
		})
	}
}

func TestPrinters(t *testing.T) {
	var plain, js strings.Builder
	sp := NewStatusPrinter(&plain, time.Nanosecond)
	jp := NewJSONPrinter(&js)
	evs := []Event{
		ScanProgress{Files: 2, Bytes: 3 << 20, Done: true},
		FileStarted{Path: "/s/a.wav", Key: "a.wav", Size: 1 << 20},
		FileProgress{Path: "/s/a.wav", Done: 10, Size: 1 << 20},
		FileFailed{Path: "/s/b.wav", Key: "b.wav", Err: errors.New("access denied")},
		Totals{Stats{FilesTotal: 2, BytesTotal: 3 << 20, FilesDone: 1, FilesFailed: 1, BytesDone: 1 << 20, Throughput: 2 << 20, ETA: 3 * time.Second}},
	}
	for _, ev := range evs {
		sp.Event(ev)
		jp.Event(ev)
	}
	out := plain.String()
	for _, want := range []string{"found 2 files (3.0 MiB)", "failed: /s/b.wav: access denied", "2/2 files", "2.0 MiB/s", "ETA 3s", "1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("status output lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(js.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("JSON printer wrote %d lines (progress must be left out):\n%s", len(lines), js.String())
	}
	var kinds []string
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("invalid JSON line %q: %v", l, err)
		}
		kinds = append(kinds, m["type"].(string))
	}
	if want := []string{"scan", "file_started", "file_failed", "totals"}; !reflect.DeepEqual(kinds, want) {
		t.Fatalf("kinds = %v, want %v", kinds, want)
	}
}

func TestSourceKinds(t *testing.T) {
	t.Run("linked folder", func(t *testing.T) {
		e := newEnv(t)
		e.write(t, "a/b.wav", content("b", 9))
		link := filepath.Join(filepath.Dir(e.src), "recordings")
		if err := os.Symlink(e.src, link); err != nil {
			t.Skipf("no symlinks here: %v", err)
		}
		o := e.opts()
		o.Sources = []string{link}
		o.KeyTemplate = "{source}/{path}"
		if _, err := Run(context.Background(), e.p, "t", o); err != nil {
			t.Fatal(err)
		}
		if got := keysOf(e.objects(t)); !reflect.DeepEqual(got, []string{"recordings/a/b.wav"}) {
			t.Fatalf("keys %v, want recordings/a/b.wav", got)
		}
	})
	t.Run("single file", func(t *testing.T) {
		e := newEnv(t)
		p := e.write(t, "x/one.wav", content("1", 9))
		e.write(t, "x/two.wav", content("2", 9))
		o := e.opts()
		o.Sources = []string{p}
		o.KeyTemplate = "{source}/{path}"
		if _, err := Run(context.Background(), e.p, "t", o); err != nil {
			t.Fatal(err)
		}
		if got := keysOf(e.objects(t)); !reflect.DeepEqual(got, []string{"x/one.wav"}) {
			t.Fatalf("keys %v, want x/one.wav", got)
		}
	})
	t.Run("location and journal inside the source", func(t *testing.T) {
		root := t.TempDir()
		src := filepath.Join(root, "src")
		dst := filepath.Join(src, "export")
		e := &env{src: src, dst: dst, state: filepath.Join(src, ".state"), p: openLocal(t, dst)}
		e.write(t, "a.wav", content("a", 9))
		o := e.opts()
		o.SkipPaths = []string{dst}
		if _, err := Run(context.Background(), e.p, "t", o); err != nil {
			t.Fatal(err)
		}
		// A second run must not pick up the exported copy, the journal or
		// the manifests.
		sum, err := Run(context.Background(), e.p, "t", o)
		if err != nil || sum.Files != 0 || sum.Skipped != 1 {
			t.Fatalf("rerun: %v, %+v; want only a.wav, skipped", err, sum)
		}
		if got := keysOf(e.objects(t)); !reflect.DeepEqual(got, []string{"a.wav"}) {
			t.Fatalf("keys %v, want a.wav", got)
		}
	})
}

// TestMultipartResumesFromJournalWhenListPartsDenied: the least-privilege
// policy has no s3:ListMultipartUploadParts, so a resumed upload must fall
// back to the parts the journal recorded and still send only the missing ones.
func TestMultipartResumesFromJournalWhenListPartsDenied(t *testing.T) {
	const size = 10<<20 + 12345
	e := newEnv(t)
	data := content("big", size)
	e.write(t, "big.wav", data)
	o := e.opts()
	o.PartSize = 1 << 20
	o.MultipartThreshold = 1 << 20
	o.Concurrency = 1

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	crash := &recorder{fullProvider: e.p, denyList: true, before: func(op, key string, n int, _ providers.Body) error {
		if op != "part" {
			return nil
		}
		if calls++; calls == 5 {
			cancel()
			return context.Canceled
		}
		return nil
	}}
	if _, err := Run(ctx, crash, "t", o); !errors.Is(err, context.Canceled) {
		t.Fatalf("crashed run: %v", err)
	}
	rec := &recorder{fullProvider: e.p, denyList: true}
	if _, err := Run(context.Background(), rec, "t", o); err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	want := []int{5, 6, 7, 8, 9, 10, 11}
	if got := rec.partNumbers(); !reflect.DeepEqual(got, want) {
		t.Fatalf("resumed run sent parts %v, want only the missing %v", got, want)
	}
	if rec.creates != 0 || rec.lists != 1 || rec.complete != 1 {
		t.Fatalf("resumed run: %d creates, %d lists, %d completes; want 0, 1, 1", rec.creates, rec.lists, rec.complete)
	}
	mustEqualBytes(t, "big.wav", e.objects(t)["big.wav"], data)
}
