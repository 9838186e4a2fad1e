package exportui

import (
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/export"
)

// TestSummaryCountsUploadsLeftOpen: the end screen counts the abandoned
// uploads a run could not discard, as the --no-tui summary does, with the
// warning that says what to do.
func TestSummaryCountsUploadsLeftOpen(t *testing.T) {
	const warn = "multipart upload of screens/big.mp4 is left open (the file changed during its upload; aborting it failed: access denied); `stowage uploads acme` lists open uploads"
	m, _ := newTestModel(t, 80, 24)
	send(m, eventsMsg{End: &finishedMsg{Started: true, Summary: export.Summary{
		Location: "acme", Files: 3, Bytes: 3 * mib, Failed: 1, Elapsed: time.Second, MiBps: 3, ScanComplete: true,
		UploadsLeftOpen: 2, Warnings: []string{warn},
		ManifestCSV: "/tmp/m.csv", ManifestJSONL: "/tmp/m.jsonl",
	}}})
	f := frame(m)
	requireFits(t, f, 80, 24)
	for _, want := range []string{"uploads   2 abandoned uploads left behind (see the warning)", "warning   multipart upload of screens/big.mp4 is left open"} {
		if !strings.Contains(f, want) {
			t.Errorf("end screen lacks %q:\n%s", want, f)
		}
	}
}
