package download

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
	"github.com/stowage-dev/stowage/validate"
)

// small ranges make a few-MiB object take the ranged path in tests.
const (
	testThreshold = 1 << 20
	testRange     = 256 << 10
)

// seed puts a mix of objects in e and returns what each should download as.
func seed(t *testing.T, e *minioEnv) map[string][]byte {
	t.Helper()
	want := map[string][]byte{
		"2026/01/call-1.wav":   randBytes(t, 10_000),
		"2026/01/call-2.wav":   randBytes(t, 200_000),
		"2026/02/screen-1.mp4": randBytes(t, 3<<20+123), // ranged
		"2026/02/empty.txt":    {},
		"top.wav":              randBytes(t, 5),
		"with space/é.wav":     randBytes(t, 4096),
	}
	for k, b := range want {
		e.put(t, k, b, !strings.HasSuffix(k, "call-2.wav"))
	}
	return want
}

func TestDownloadMinIO(t *testing.T) {
	e := newMinio(t)
	want := seed(t, e)
	dest := filepath.Join(t.TempDir(), "dl")
	p := newCounting(e.open(t))
	rec := &recorder{}
	opts := Options{Location: e.loc.Name, Dest: dest, RangeThreshold: testThreshold, RangeSize: testRange, Events: rec.Event}
	res, err := Run(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.FilesDone != len(want) || res.FilesFailed != 0 {
		t.Fatalf("done %d failed %v", res.FilesDone, res.Failed)
	}
	checkTree(t, dest, want)

	verified := map[string]string{}
	for _, d := range eventsOf[FileDone](rec) {
		verified[d.Key] = d.Verified
	}
	tests := []struct{ key, how string }{
		{"2026/01/call-1.wav", "size+CRC32C"},   // whole GET with a stored checksum
		{"2026/01/call-2.wav", "size"},          // stored without a checksum
		{"2026/02/screen-1.mp4", "size+CRC32C"}, // ranged, checksum from HEAD
	}
	for _, tc := range tests {
		if verified[tc.key] != tc.how {
			t.Errorf("%s verified by %q, want %q", tc.key, verified[tc.key], tc.how)
		}
	}
	started := eventsOf[FileStarted](rec)
	ranges := 0
	for _, s := range started {
		if s.Key == "2026/02/screen-1.mp4" {
			ranges = s.Ranges
		}
	}
	if ranges != 13 || p.count("2026/02/screen-1.mp4") != 13 {
		t.Fatalf("ranged object: %d ranges, %d GETs; want 13 and 13", ranges, p.count("2026/02/screen-1.mp4"))
	}
	// The file times follow the store's.
	fi, err := os.Stat(filepath.Join(dest, "top.wav"))
	if err != nil || time.Since(fi.ModTime()) > time.Hour {
		t.Fatalf("mtime not set from the store: %v %v", fi.ModTime(), err)
	}

	t.Run("rerun fetches nothing", func(t *testing.T) {
		p2 := newCounting(e.open(t))
		res, err := Run(context.Background(), p2, opts)
		if err != nil {
			t.Fatal(err)
		}
		if p2.total() != 0 || res.FilesSkipped != len(want) {
			t.Fatalf("rerun: %d GETs, %d skipped", p2.total(), res.FilesSkipped)
		}
	})
	t.Run("a deleted local copy is fetched again", func(t *testing.T) {
		if err := os.Remove(filepath.Join(dest, "top.wav")); err != nil {
			t.Fatal(err)
		}
		p2 := newCounting(e.open(t))
		res, err := Run(context.Background(), p2, opts)
		if err != nil {
			t.Fatal(err)
		}
		if p2.total() != 1 || p2.count("top.wav") != 1 || res.FilesDone != 1 {
			t.Fatalf("%d GETs (top.wav %d), done %d", p2.total(), p2.count("top.wav"), res.FilesDone)
		}
		checkTree(t, dest, want)
	})
	t.Run("a changed object is fetched again", func(t *testing.T) {
		want["2026/01/call-1.wav"] = randBytes(t, 777)
		e.put(t, "2026/01/call-1.wav", want["2026/01/call-1.wav"], true)
		p2 := newCounting(e.open(t))
		res, err := Run(context.Background(), p2, opts)
		if err != nil {
			t.Fatal(err)
		}
		if p2.total() != 1 || res.FilesDone != 1 {
			t.Fatalf("%d GETs, done %d", p2.total(), res.FilesDone)
		}
		checkTree(t, dest, want)
	})
	// Records an older Stowage kept under the name move to the location's
	// ID, and a renamed location (same ID) still finds them (issue 10 §4).
	t.Run("records follow the location id across a rename", func(t *testing.T) {
		for _, o := range []Options{
			{Location: e.loc.Name, LocationID: "3f9c2a7b10de"},
			{Location: "renamed", LocationID: "3f9c2a7b10de"},
		} {
			o.Dest, o.RangeThreshold, o.RangeSize = dest, testThreshold, testRange
			p3 := newCounting(e.open(t))
			res, err := Run(context.Background(), p3, o)
			if err != nil {
				t.Fatal(err)
			}
			if p3.total() != 0 || res.FilesSkipped != len(want) {
				t.Fatalf("%s: %d GETs, %d skipped", o.Location, p3.total(), res.FilesSkipped)
			}
		}
	})
}

func TestFilters(t *testing.T) {
	e := newMinio(t)
	want := seed(t, e)
	tests := []struct {
		name string
		opts Options
		keys []string
	}{
		{"prefix", Options{Prefix: "2026/01/"}, []string{"2026/01/call-1.wav", "2026/01/call-2.wav"}},
		{"include base name", Options{Include: []string{"*.mp4", "top.*"}}, []string{"2026/02/screen-1.mp4", "top.wav"}},
		{"include path glob", Options{Include: []string{"2026/**/call-*.wav"}}, []string{"2026/01/call-1.wav", "2026/01/call-2.wav"}},
		{"include folder", Options{Include: []string{"with space/"}}, []string{"with space/é.wav"}},
		{"since in the future", Options{Since: time.Now().Add(time.Hour)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			o.Location, o.Dest = e.loc.Name, t.TempDir()
			res, err := Run(context.Background(), e.open(t), o)
			if err != nil {
				t.Fatal(err)
			}
			sub := map[string][]byte{}
			for _, k := range tc.keys {
				sub[k] = want[k]
			}
			checkTree(t, o.Dest, sub)
			if res.FilesTotal != len(tc.keys) {
				t.Fatalf("total %d, want %d", res.FilesTotal, len(tc.keys))
			}
		})
	}
}

func TestChangedBetweenListingAndDownload(t *testing.T) {
	e := newMinio(t)
	want := map[string][]byte{
		"small.wav": randBytes(t, 1000),
		"large.mp4": randBytes(t, 2<<20),
	}
	for k, b := range want {
		e.put(t, k, b, true)
	}
	// Each object is replaced right after it is listed, before its download.
	p := newCounting(e.open(t))
	newer := map[string][]byte{"small.wav": randBytes(t, 1500), "large.mp4": randBytes(t, 2<<20+77)}
	p.afterList = func(o providers.Object) { e.put(t, o.Key, newer[o.Key], true) }
	rec := &recorder{}
	dest := t.TempDir()
	res, err := Run(context.Background(), p, Options{Location: e.loc.Name, Dest: dest, RangeThreshold: testThreshold, RangeSize: testRange, Events: rec.Event})
	if err != nil {
		t.Fatal(err)
	}
	if res.FilesDone != 2 {
		t.Fatalf("done %d, failed %v", res.FilesDone, res.Failed)
	}
	changed := map[string]Changed{}
	for _, c := range eventsOf[Changed](rec) {
		changed[c.Key] = c
	}
	for k := range want {
		c, ok := changed[k]
		if !ok || c.ListedETag == c.NowETag || c.NowSize != int64(len(newer[k])) {
			t.Errorf("%s: change not reported: %+v", k, c)
		}
	}
	checkTree(t, dest, newer)
}

func TestRangeChangesMidDownload(t *testing.T) {
	e := newMinio(t)
	e.put(t, "big.bin", randBytes(t, 2<<20), false)
	newer := randBytes(t, 2<<20)
	p := newCounting(e.open(t))
	var once atomic.Bool
	p.beforeGet = func(key string, off, length int64) error {
		// Replace the object (same size) after the first range was asked
		// for: later ranges belong to another version.
		if off > 0 && once.CompareAndSwap(false, true) {
			e.put(t, key, newer, false)
		}
		return nil
	}
	dest := t.TempDir()
	rec := &recorder{}
	res, err := Run(context.Background(), p, Options{Location: e.loc.Name, Dest: dest, RangeThreshold: testThreshold, RangeSize: testRange, Concurrency: 1, Events: rec.Event})
	if err != nil {
		t.Fatal(err)
	}
	if res.FilesDone != 1 {
		t.Fatalf("failed: %v", res.Failed)
	}
	if c := eventsOf[Changed](rec); len(c) != 1 || c[0].NowETag == c[0].ListedETag {
		t.Fatalf("change mid-download not reported: %+v", c)
	}
	checkTree(t, dest, map[string][]byte{"big.bin": newer})
}

func TestBytesDamagedInTransitAreRejected(t *testing.T) {
	e := newMinio(t)
	body := randBytes(t, 5000)
	e.put(t, "a.wav", body, true)
	p := newCounting(e.open(t))
	p.mangle = func(key string, b []byte) []byte {
		c := append([]byte(nil), b...)
		if len(c) > 0 {
			c[len(c)/2] ^= 0xff
		}
		return c
	}
	dest := t.TempDir()
	res, err := Run(context.Background(), p, Options{Location: e.loc.Name, Dest: dest})
	if err != nil {
		t.Fatal(err)
	}
	if res.FilesFailed != 1 || !errors.Is(res.Failed[0].Err, ErrVerify) || !strings.Contains(res.Failed[0].Err.Error(), "CRC32C") {
		t.Fatalf("want a checksum failure, got %+v", res.Failed)
	}
	if p.count("a.wav") != maxRestarts {
		t.Fatalf("fetched %d times, want %d", p.count("a.wav"), maxRestarts)
	}
	checkTree(t, dest, map[string][]byte{}) // neither the file nor its partial is left
	p.mangle = nil
	if res, err := Run(context.Background(), p, Options{Location: e.loc.Name, Dest: dest}); err != nil || res.FilesDone != 1 {
		t.Fatalf("clean rerun: %v %+v", err, res.Failed)
	}
	checkTree(t, dest, map[string][]byte{"a.wav": body})
}

func TestCorruptPartialIsRefetched(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"altered", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt([]byte("garbage!"), 100); err != nil { // inside range 1
				t.Fatal(err)
			}
		}},
		{"truncated", func(t *testing.T, path string) {
			if err := os.Truncate(path, testRange+10); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newMinio(t)
			body := randBytes(t, 2<<20) // 8 ranges
			e.put(t, "rec/big.wav", body, false)
			dest := t.TempDir()
			opts := Options{Location: e.loc.Name, Dest: dest, RangeThreshold: testThreshold, RangeSize: testRange, Concurrency: 1, MaxRetries: -1}

			// First run: ranges from the fifth on fail for good, so the
			// partial file holds ranges 1-4.
			p := newCounting(e.open(t))
			p.beforeGet = func(key string, off, length int64) error {
				if off >= 4*testRange {
					return &providers.Error{Kind: providers.ErrAccessDenied, Op: "get"}
				}
				return nil
			}
			res, err := Run(context.Background(), p, opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.FilesFailed != 1 || !errors.Is(res.Failed[0].Err, providers.ErrAccessDenied) {
				t.Fatalf("first run should fail the object: %+v", res)
			}
			partial := filepath.Join(dest, "rec", ".big.wav"+PartialSuffix)
			if _, err := os.Stat(filepath.Join(dest, "rec", "big.wav")); !os.IsNotExist(err) {
				t.Fatal("an unfinished file is in place under its real name")
			}
			tc.damage(t, partial)

			p2 := newCounting(e.open(t))
			rec := &recorder{}
			opts.Events = rec.Event
			res, err = Run(context.Background(), p2, opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.FilesDone != 1 {
				t.Fatalf("second run: %+v", res.Failed)
			}
			c := eventsOf[Corrupt](rec)
			if len(c) != 1 || c[0].Ranges < 1 {
				t.Fatalf("damage not reported: %+v", c)
			}
			// The good ranges were kept: 8 ranges minus the intact ones.
			if got, want := p2.count("rec/big.wav"), 4+c[0].Ranges; got != want {
				t.Fatalf("second run fetched %d ranges, want %d", got, want)
			}
			checkTree(t, dest, map[string][]byte{"rec/big.wav": body})
		})
	}
}

func TestDeleteAfter(t *testing.T) {
	e := newMinio(t)
	want := map[string][]byte{"a/1.wav": randBytes(t, 100), "a/2.wav": randBytes(t, 2<<20)}
	for k, b := range want {
		e.put(t, k, b, true)
	}
	dest := t.TempDir()
	rec := &recorder{}
	res, err := Run(context.Background(), e.open(t), Options{Location: e.loc.Name, Dest: dest, DeleteAfter: true,
		RangeThreshold: testThreshold, RangeSize: testRange, Events: rec.Event})
	if err != nil {
		t.Fatal(err)
	}
	if res.FilesDeleted != 2 {
		t.Fatalf("deleted %d: %+v", res.FilesDeleted, eventsOf[Deleted](rec))
	}
	checkTree(t, dest, want)
	for k := range want {
		if e.exists(t, k) {
			t.Errorf("%s is still in the store", k)
		}
	}
}

func TestDeleteAfterKeepsAChangedObject(t *testing.T) {
	e := newMinio(t)
	e.put(t, "x.wav", randBytes(t, 100), true)
	p := newCounting(e.open(t))
	// The object is replaced after the download read it: the delete must
	// not remove a version nobody downloaded.
	p.beforeGet = nil
	rec := &recorder{}
	first := true
	opts := Options{Location: e.loc.Name, Dest: t.TempDir(), DeleteAfter: true, Events: func(ev Event) {
		rec.Event(ev)
		if _, ok := ev.(FileStarted); ok && first {
			first = false
			e.put(t, "x.wav", randBytes(t, 200), true)
		}
	}}
	if _, err := Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	d := eventsOf[Deleted](rec)
	if len(d) != 1 || d[0].Err == nil || !strings.Contains(d[0].Err.Error(), "changed") {
		t.Fatalf("want a kept object, got %+v", d)
	}
	if !e.exists(t, "x.wav") {
		t.Fatal("the newer version was deleted")
	}
}

func TestNeedsDeleter(t *testing.T) {
	p := struct {
		providers.Provider
		providers.Lister
		providers.Getter
	}{}
	_, err := Run(context.Background(), p, Options{Location: "x", Dest: t.TempDir(), DeleteAfter: true})
	if err == nil || !strings.Contains(err.Error(), "--delete-after") {
		t.Fatalf("got %v", err)
	}
}

func TestBusyJournal(t *testing.T) {
	dest := t.TempDir()
	j, err := OpenJournal(filepath.Join(dest, JournalName))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	p, err := providers.Open(context.Background(), config.Location{Name: "l", Type: config.TypeLocal, Local: &config.Local{Path: t.TempDir()}}, providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), p, Options{Location: "l", Dest: dest})
	if !errors.Is(err, ErrJournalBusy) {
		t.Fatalf("got %v", err)
	}
}

func TestLocalAndAzure(t *testing.T) {
	ctx := context.Background()
	body := map[string][]byte{"d/1.wav": randBytes(t, 3000), "d/big.bin": randBytes(t, 2<<20+5), "top.txt": []byte("hi")}
	setups := []struct {
		name string
		loc  func(t *testing.T) config.Location
	}{
		{"local", func(t *testing.T) config.Location {
			return config.Location{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: t.TempDir()}}
		}},
		{"azurite", func(t *testing.T) config.Location {
			a := testenv.SharedAzurite(t)
			c := testenv.UniqueName("dl")
			a.CreateContainer(t, c)
			return config.Location{Name: "az", Type: config.TypeAzure, Azure: &config.Azure{Container: c, Prefix: "rec/", ConnectionString: a.ConnectionString, ReadBack: true, Delete: true}}
		}},
	}
	for _, su := range setups {
		t.Run(su.name, func(t *testing.T) {
			loc := su.loc(t)
			p, err := providers.Open(ctx, loc, providers.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for k, b := range body {
				src := filepath.Join(t.TempDir(), "src")
				if err := os.WriteFile(src, b, 0o600); err != nil {
					t.Fatal(err)
				}
				f, _ := os.Open(src)
				_, err := p.Put(ctx, k, f, int64(len(b)), providers.PutOptions{})
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
			}
			dest := t.TempDir()
			opts := Options{Location: loc.Name, Dest: dest, RangeThreshold: testThreshold, RangeSize: testRange}
			res, err := Run(ctx, p, opts)
			if err != nil || res.FilesDone != 3 {
				t.Fatalf("run: %v %+v", err, res.Failed)
			}
			checkTree(t, dest, body)
			c := newCounting(p)
			res, err = Run(ctx, c, opts)
			if err != nil || c.total() != 0 || res.FilesSkipped != 3 {
				t.Fatalf("rerun: %v, %d GETs, %d skipped", err, c.total(), res.FilesSkipped)
			}
		})
	}
}

func TestExpiryReport(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tr := newExpiryTracker(30, now)
	day := 24 * time.Hour
	for _, o := range []providers.Object{
		{Key: "2026/11/a.wav", Modified: now.Add(-10 * day)},
		{Key: "2026/10/b.wav", Modified: now.Add(-28 * day)}, // 2 days left: soon
		{Key: "2026/10/c.wav", Modified: now.Add(-29*day - time.Hour)},
		{Key: "old/x.wav", Modified: now.Add(-31*day - time.Hour)}, // past
		{Key: "top.wav", Modified: now.Add(-1 * day)},
	} {
		tr.add(o)
	}
	r := tr.report()
	got := map[string]PrefixExpiry{}
	for _, p := range r.Prefixes {
		got[p.Prefix] = p
	}
	tests := []struct {
		prefix            string
		objects, days, sn int
	}{
		{"2026/", 3, 0, 2},
		{"old/", 1, -2, 1},
		{"", 1, 29, 0},
	}
	for _, tc := range tests {
		p := got[tc.prefix]
		if p.Objects != tc.objects || p.DaysLeft != tc.days || p.Soon != tc.sn {
			t.Errorf("%q: got %+v, want objects %d days %d soon %d", tc.prefix, p, tc.objects, tc.days, tc.sn)
		}
	}
	text := ExpiryText(r)
	for _, want := range []string{"(top level)", "29 days left", "expired 2 days ago", "warning: 3 objects expire within 3 days"} {
		if !strings.Contains(text, want) {
			t.Errorf("expiry text lacks %q:\n%s", want, text)
		}
	}
}

func TestExpiryEventFromRun(t *testing.T) {
	e := newMinio(t)
	e.put(t, "2026/a.wav", []byte("a"), false)
	e.put(t, "b.wav", []byte("b"), false)
	rec := &recorder{}
	_, err := Run(context.Background(), e.open(t), Options{Location: e.loc.Name, Dest: t.TempDir(), ExpiryDays: 30,
		Now: func() time.Time { return time.Now().Add(28 * 24 * time.Hour) }, Events: rec.Event})
	if err != nil {
		t.Fatal(err)
	}
	ex := eventsOf[Expiry](rec)
	if len(ex) != 1 || len(ex[0].Prefixes) != 2 || ex[0].Prefixes[1].Prefix != "2026/" || ex[0].Prefixes[1].Soon != 1 || ex[0].Prefixes[1].DaysLeft != 1 {
		t.Fatalf("expiry: %+v", ex)
	}
}

func TestCheckKey(t *testing.T) {
	e := &engine{journalRel: JournalName}
	for _, k := range []string{"/abs", "a/../b", "..", "a//b", "./a", "a/.x" + PartialSuffix, JournalName, "a\x00b"} {
		if err := e.checkKey(k); err == nil {
			t.Errorf("%q accepted", k)
		}
	}
	for _, k := range []string{"a", "a/b.wav", ".hidden", "sp ace/é"} {
		if err := e.checkKey(k); err != nil {
			t.Errorf("%q refused: %v", k, err)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		field string
	}{
		{"no dest", Options{}, "DEST"},
		{"abs prefix", Options{Dest: "x", Prefix: "/a"}, "--prefix"},
		{"bad include", Options{Dest: "x", Include: []string{"[a"}}, "--include"},
		{"bad concurrency", Options{Dest: "x", Concurrency: -1}, "--concurrency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := prepare(tc.opts)
			var verr *validate.Error
			if !errors.As(err, &verr) || verr.Field != tc.field || verr.Example == "" {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestChecksums(t *testing.T) {
	tests := []struct{ sum, data string }{
		{"CRC32C:4waSgw==", "123456789"},        // 0xe3069283
		{"CRC32:y/Q5Jg==", "123456789"},         // 0xcbf43926
		{"CRC64NVME:rosUhgp5mIg=", "123456789"}, // 0xae8b14860a799888
		{"MD5:JfnnlDI7RTiF9RgfG2JNCw==", "123456789"},
	}
	for _, tc := range tests {
		h := newHash(tc.sum)
		if h == nil {
			t.Fatalf("%s: no hash", tc.sum)
		}
		h.Write([]byte(tc.data))
		if got := format(algoOf(tc.sum), h); !sameChecksum(got, tc.sum) {
			t.Errorf("%s: got %s", tc.sum, got)
		}
	}
	if newHash("CRC32C:abc=-3") != nil || newHash("XXH:abc") != nil || newHash("") != nil {
		t.Error("composite or unknown checksums must not be verified")
	}
}

func TestCancelThenResume(t *testing.T) {
	e := newMinio(t)
	want := map[string][]byte{}
	for i := 0; i < 12; i++ {
		k := "c/" + string(rune('a'+i)) + ".wav"
		want[k] = randBytes(t, 5000)
		e.put(t, k, want[k], true)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := newCounting(e.open(t))
	var n atomic.Int32
	p.beforeGet = func(string, int64, int64) error {
		if n.Add(1) == 4 {
			cancel()
		}
		return nil
	}
	dest := t.TempDir()
	opts := Options{Location: e.loc.Name, Dest: dest, Concurrency: 2}
	res, err := Run(ctx, p, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if res.FilesFailed != 0 {
		t.Fatalf("an interrupted run must not report files as failed: %+v", res.Failed)
	}
	res, err = Run(context.Background(), e.open(t), opts)
	if err != nil || res.FilesDone+res.FilesSkipped != len(want) || res.FilesSkipped == 0 {
		t.Fatalf("resume: %v done %d skipped %d", err, res.FilesDone, res.FilesSkipped)
	}
	checkTree(t, dest, want)
}
