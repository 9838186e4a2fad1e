package progressui

import (
	"slices"
	"testing"
)

type ev struct{ kind, file, val string }

func evKey(e ev) string {
	if e.kind == "progress" || e.kind == "totals" {
		return e.kind + ":" + e.file
	}
	return ""
}

func TestFeed(t *testing.T) {
	tests := []struct {
		name    string
		key     func(ev) string
		push    []ev
		finish  bool
		want    []string
		wantEnd bool
	}{
		{"coalesces in place of the first",
			evKey,
			[]ev{{"start", "a", "1"}, {"progress", "a", "1"}, {"totals", "", "1"}, {"progress", "a", "2"}, {"done", "a", "1"}, {"totals", "", "2"}},
			false, []string{"start:1", "progress:2", "totals:2", "done:1"}, false},
		{"progress of other files kept apart",
			evKey,
			[]ev{{"progress", "a", "1"}, {"progress", "b", "1"}, {"progress", "a", "2"}},
			false, []string{"progress:2", "progress:1"}, false},
		{"nil key coalesces nothing",
			nil,
			[]ev{{"totals", "", "1"}, {"totals", "", "2"}},
			false, []string{"totals:1", "totals:2"}, false},
		{"end comes with the last events",
			evKey,
			[]ev{{"start", "b", "1"}},
			true, []string{"start:1"}, true},
		{"end alone", evKey, nil, true, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFeed[ev, string](tt.key)
			for _, e := range tt.push {
				f.Push(e)
			}
			if tt.finish {
				f.Finish("ended")
			}
			evs, end := f.Next()
			var got []string
			for _, e := range evs {
				got = append(got, e.kind+":"+e.val)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("events %v, want %v", got, tt.want)
			}
			if (end != nil) != tt.wantEnd || end != nil && *end != "ended" {
				t.Fatalf("end = %v, want it %v", end, tt.wantEnd)
			}
		})
	}
}

// TestFeedNeverBlocksPush: the engine pushes from its own goroutines while
// nothing reads; the batch then holds every event, in order.
func TestFeedNeverBlocksPush(t *testing.T) {
	f := NewFeed[int, struct{}](nil)
	for i := range 10000 {
		f.Push(i)
	}
	evs, end := f.Next()
	if len(evs) != 10000 || end != nil || !slices.IsSorted(evs) {
		t.Fatalf("got %d events (sorted %v), end %v", len(evs), slices.IsSorted(evs), end)
	}
	f.Push(1)
	f.Finish(struct{}{})
	evs, end = f.Next()
	if len(evs) != 1 || end == nil {
		t.Fatalf("second batch %v, end %v", evs, end)
	}
}
