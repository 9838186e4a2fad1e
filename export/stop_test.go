package export

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
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
