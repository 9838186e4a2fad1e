package export

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/providers"
)

// manifestRows reads both manifests of a run, in order, and fails when they
// disagree on the number of rows or the status of any.
func manifestRows(t testing.TB, sum Summary) []ManifestRow {
	t.Helper()
	b, err := os.ReadFile(sum.ManifestJSONL)
	if err != nil {
		t.Fatal(err)
	}
	var rows []ManifestRow
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var r ManifestRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("manifest line %q: %v", line, err)
		}
		rows = append(rows, r)
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
	if len(recs)-1 != len(rows) {
		t.Fatalf("CSV manifest has %d rows, JSON Lines %d", len(recs)-1, len(rows))
	}
	for i, r := range rows {
		if got := recs[i+1][6]; got != r.Status {
			t.Fatalf("row %d: CSV status %q, JSON Lines %q", i+1, got, r.Status)
		}
	}
	return rows
}

// TestStopDuringScan stops runs while the scan is still walking. The
// events consumer holds the first FileSkipped until the stop was asked
// for; the scan emits one FileSkipped per already-exported file and the
// event queue holds 1024, so with more files than that the walk cannot
// have finished when the stop arrives.
func TestStopDuringScan(t *testing.T) {
	const exported = 3000
	cases := []struct {
		name    string
		hard    bool
		wantErr error
	}{
		{"graceful stop", false, ErrStopped},
		{"hard stop", true, context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			o := seedDone(t, e, exported)
			ctl := NewController()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			o.Controller = ctl
			scanning := make(chan struct{})
			release := make(chan struct{})
			var once sync.Once
			var evs events
			o.Events = func(ev Event) {
				evs.add(ev)
				if _, ok := ev.(FileSkipped); ok {
					once.Do(func() {
						close(scanning)
						<-release
					})
				}
			}
			type result struct {
				sum Summary
				err error
			}
			res := make(chan result, 1)
			go func() {
				sum, err := Run(ctx, e.p, "t", o)
				res <- result{sum, err}
			}()
			<-scanning
			if c.hard {
				cancel()
			} else {
				ctl.Stop()
			}
			close(release)
			r := <-res

			if !errors.Is(r.err, c.wantErr) {
				t.Fatalf("err = %v, want %v: a stopped scan must not look like success", r.err, c.wantErr)
			}
			if r.sum.ScanComplete || !r.sum.Stopped {
				t.Fatalf("summary %+v: want ScanComplete false and Stopped true", r.sum)
			}
			if r.sum.Skipped >= exported {
				t.Fatalf("summary %+v: the scan reached every file, the test did not stop it mid-walk", r.sum)
			}
			for _, ev := range evs.list() {
				if sp, ok := ev.(ScanProgress); ok && sp.Done {
					t.Fatalf("ScanProgress{Done: true} sent for a scan that was stopped: %+v", sp)
				}
			}
			if !strings.Contains(r.sum.String(), "scan stopped") {
				t.Fatalf("summary line %q does not say the scan stopped", r.sum.String())
			}
			rows := manifestRows(t, r.sum)
			last := rows[len(rows)-1]
			if last.Status != RowScanIncomplete || last.Key != "" || !strings.Contains(last.Error, "run the export again") {
				t.Fatalf("last manifest row = %+v, want a %s row", last, RowScanIncomplete)
			}
			if len(rows)-1 != r.sum.Skipped {
				t.Fatalf("%d file rows, summary says %d skipped", len(rows)-1, r.sum.Skipped)
			}

			// A full run afterwards is complete and says so.
			evs = events{}
			o2 := e.opts2(o)
			o2.Events = evs.add
			sum, err := Run(context.Background(), e.p, "t", o2)
			if err != nil || !sum.ScanComplete || sum.Skipped != exported {
				t.Fatalf("full rerun: err %v, summary %+v", err, sum)
			}
			if evl := evs.list(); countKind[ScanProgress](evl) == 0 {
				t.Fatal("no ScanProgress after a complete scan")
			}
			done := false
			for _, ev := range evs.list() {
				if sp, ok := ev.(ScanProgress); ok && sp.Done {
					done = sp.Files == exported
				}
			}
			if !done {
				t.Fatalf("no ScanProgress{Done: true, Files: %d} after a complete scan", exported)
			}
			for _, row := range manifestRows(t, sum) {
				if row.Status == RowScanIncomplete {
					t.Fatalf("complete run's manifest has a %s row", RowScanIncomplete)
				}
			}
		})
	}
}

// TestLocationErrorsStopTheRun: an error that no upload to the location can
// get past halts the run at the first file, instead of failing every file
// one by one; access denied on one key stays that file's failure.
func TestLocationErrorsStopTheRun(t *testing.T) {
	const files, conc = 60, 2
	expired := &providers.Error{Kind: providers.ErrExpired, Op: "put", Code: "ExpiredToken"}
	cases := []struct {
		name string
		// removeDst deletes the location's folder, so the real local
		// provider answers ErrNoSuchBucket.
		removeDst bool
		// fail answers every upload with this error.
		fail      error
		multipart bool
		kind      error
		hint      string
	}{
		{name: "folder gone", removeDst: true, kind: providers.ErrNoSuchBucket,
			hint: "the location's bucket/folder does not exist: run `stowage test t`"},
		{name: "folder gone, large files", removeDst: true, multipart: true, kind: providers.ErrNoSuchBucket,
			hint: "the location's bucket/folder does not exist: run `stowage test t`"},
		{name: "credentials invalid", fail: &providers.Error{Kind: providers.ErrInvalidCredentials, Op: "put", Code: "InvalidAccessKeyId"},
			kind: providers.ErrInvalidCredentials, hint: "credentials were refused: run `stowage test t`"},
		{name: "credentials expired", fail: expired, kind: providers.ErrExpired, hint: "expired: run `stowage test t`"},
		{name: "trust denied", fail: &providers.Error{Kind: providers.ErrTrustDenied, Op: "assume-role", Action: "sts:AssumeRole"},
			kind: providers.ErrTrustDenied, hint: "run `stowage test t`"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			size := 100
			if c.multipart {
				size = 1<<20 + 100
			}
			for i := 0; i < files; i++ {
				rel := fmt.Sprintf("d%d/f%03d.wav", i%3, i)
				e.write(t, rel, content(rel, size))
			}
			var failing atomic.Bool
			failing.Store(c.fail != nil)
			rec := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
				if failing.Load() && (op == "put" || op == "part") {
					return c.fail
				}
				return nil
			}}
			if c.removeDst {
				if err := os.RemoveAll(e.dst); err != nil {
					t.Fatal(err)
				}
			}
			o := e.opts()
			o.Concurrency = conc
			o.PartSize, o.MultipartThreshold = 1<<20, 1<<20
			var evs events
			o.Events = evs.add
			sum, err := Run(context.Background(), rec, "t", o)
			if !errors.Is(err, ErrLocationUnusable) || !errors.Is(err, c.kind) || errors.Is(err, ErrFilesFailed) {
				t.Fatalf("err = %v, want ErrLocationUnusable wrapping %v", err, c.kind)
			}
			if !strings.Contains(err.Error(), c.hint) {
				t.Fatalf("err = %v, want the hint %q", err, c.hint)
			}
			// Only requests already in flight may fail; the rest were never
			// attempted.
			if sum.Failed > conc || len(rec.puts)+len(rec.parts)+rec.creates > 2*conc || countKind[FileFailed](evs.list()) != sum.Failed {
				t.Fatalf("summary %+v after %d puts, %d parts, %d creates: want at most %d files tried", sum, len(rec.puts), len(rec.parts), rec.creates, conc)
			}
			if sum.Files != 0 || sum.Stopped {
				t.Fatalf("summary %+v: want nothing exported and Stopped false (an error halted it)", sum)
			}
			if sum.ScanComplete && sum.Failed+sum.Interrupted+sum.NotStarted != files {
				t.Fatalf("summary %+v: failed + interrupted + not started must be all %d files", sum, files)
			}
			if sum.NotStarted < files/2 && sum.ScanComplete {
				t.Fatalf("summary %+v: the files not attempted must count as not started", sum)
			}

			// Fixed, the next run exports every file.
			failing.Store(false)
			if err := os.MkdirAll(e.dst, 0o755); err != nil {
				t.Fatal(err)
			}
			sum, err = Run(context.Background(), rec, "t", e.opts2(o))
			if err != nil || sum.Files != files {
				t.Fatalf("rerun: err %v, summary %+v", err, sum)
			}
			if n := len(e.objects(t)); n != files {
				t.Fatalf("%d objects after the rerun, want %d", n, files)
			}
		})
	}

	t.Run("access denied on one key stays per file", func(t *testing.T) {
		e := newEnv(t)
		for i := 0; i < files; i++ {
			rel := fmt.Sprintf("f%03d.wav", i)
			e.write(t, rel, content(rel, 100))
		}
		rec := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
			if key == "f007.wav" {
				return &providers.Error{Kind: providers.ErrAccessDenied, Op: "put", Action: "s3:PutObject", Code: "AccessDenied"}
			}
			return nil
		}}
		o := e.opts()
		o.Concurrency = conc
		sum, err := Run(context.Background(), rec, "t", o)
		if !errors.Is(err, ErrFilesFailed) || errors.Is(err, ErrLocationUnusable) || sum.Failed != 1 || sum.Files != files-1 {
			t.Fatalf("err %v, summary %+v: want one failed file and the rest exported", err, sum)
		}
	})
}

// TestDeleteSourceWithoutReadAccess: under the least-privilege S3 policy
// without read_back, HeadObject is denied, so no object can be confirmed
// and every source is kept. Each kept file is named with the denial (the
// end-to-end test through the binary asks for that); what to change,
// read_back, is said once, as a Warning, with a count in the summary.
func TestDeleteSourceWithoutReadAccess(t *testing.T) {
	const files = 40
	cases := []struct {
		name string
		// rerun: the files were exported earlier, so only the confirmation
		// runs (Options.DeleteSource on a skipped file).
		rerun bool
	}{
		{"new files", false},
		{"files exported earlier", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			for i := 0; i < files; i++ {
				rel := fmt.Sprintf("f%03d.wav", i)
				e.write(t, rel, content(rel, 64))
			}
			if c.rerun {
				if _, err := Run(context.Background(), e.p, "t", e.opts()); err != nil {
					t.Fatal(err)
				}
			}
			rec := &recorder{fullProvider: e.p, before: func(op, key string, n int, _ providers.Body) error {
				if op == "stat" {
					// What the S3 provider answers to HeadObject without
					// s3:GetObject.
					return &providers.Error{Kind: providers.ErrAccessDenied, Op: "stat", Action: "s3:GetObject", Code: "403"}
				}
				return nil
			}}
			o := e.opts()
			o.DeleteSource = true
			var evs events
			o.Events = evs.add
			sum, err := Run(context.Background(), rec, "t", o)
			if err != nil {
				t.Fatalf("err = %v: kept sources are not a failure", err)
			}
			if left, _ := os.ReadDir(e.src); len(left) != files || sum.Deleted != 0 {
				t.Fatalf("%d sources left, %d deleted; want all %d kept", len(left), sum.Deleted, files)
			}
			if sum.Kept != files || sum.KeptUnconfirmed != files {
				t.Fatalf("summary %+v: want Kept and KeptUnconfirmed = %d", sum, files)
			}
			var warnings []Warning
			kept := 0
			for _, ev := range evs.list() {
				switch ev := ev.(type) {
				case Warning:
					warnings = append(warnings, ev)
				case Deleted:
					msg := fmt.Sprint(ev.Err)
					if !errors.Is(ev.Err, providers.ErrAccessDenied) || !strings.HasPrefix(msg, "source kept: cannot confirm f") ||
						!strings.Contains(msg, "s3:GetObject") || strings.Contains(msg, "read_back") {
						t.Fatalf("Deleted event %+v: want the file's denied look-up, the remedy left to the warning", ev)
					}
					kept++
				}
			}
			if kept != files {
				t.Fatalf("%d Deleted events, want one per kept file (%d)", kept, files)
			}
			if len(warnings) != 1 || len(sum.Warnings) != 1 || sum.Warnings[0] != warnings[0].Err.Error() {
				t.Fatalf("warnings %v, summary warnings %q: want exactly one", warnings, sum.Warnings)
			}
			msg := warnings[0].Err.Error()
			want := ": s3:GetObject is not granted; turn on read_back for this location (stowage setup --edit t) to use --delete-source"
			if !strings.HasPrefix(msg, "source kept: cannot confirm f0") || !strings.Contains(msg, want) || !errors.Is(warnings[0].Err, providers.ErrAccessDenied) {
				t.Fatalf("warning %q, want it to contain %q", msg, want)
			}
			if m := eventJSON(warnings[0], time.Now()); m["type"] != "warning" || m["message"] != msg {
				t.Fatalf("JSON of the warning = %v", m)
			}
			if !strings.Contains(sum.String(), "40 source files kept (40 could not be confirmed") {
				t.Fatalf("summary line %q does not count the kept files", sum.String())
			}
			var plain strings.Builder
			sp := NewStatusPrinter(&plain, time.Hour)
			for _, ev := range evs.list() {
				sp.Event(ev)
			}
			keptLines, remedy := 0, 0
			for _, l := range strings.Split(plain.String(), "\n") {
				if strings.HasPrefix(l, "kept: ") && strings.Contains(l, "s3:GetObject") {
					keptLines++
				}
				if strings.Contains(l, "read_back") {
					remedy++
				}
			}
			if keptLines != files || remedy != 1 || !strings.Contains(plain.String(), "warning: source kept") {
				t.Fatalf("status output has %d kept lines and %d naming read_back; want %d and one warning:\n%s", keptLines, remedy, files, plain.String())
			}
		})
	}
}
