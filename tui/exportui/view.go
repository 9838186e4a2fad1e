package exportui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/tui/progressui"
)

// View draws the running screen, or the summary once the run ended. The
// screen is inline (not the alternate screen) so the summary frame stays
// on the terminal after the program exits.
func (m *model) View() tea.View {
	return progressui.View(m.render(), "stowage export "+m.location, m.end == nil, m.fraction(), m.keys.Paused || m.keys.Stopping(), m.failed > 0)
}

// render is the frame as text, every line at most the terminal's width and
// the frame at most its height.
func (m *model) render() string {
	var lines, resume []string
	if m.end != nil {
		lines = m.summaryLines()
		resume = m.resumeLines()
	} else {
		lines = m.runningLines()
	}
	return progressui.Frame(lines, resume, m.ContentWidth(), m.Rows())
}

// fraction is the overall progress: bytes sent (acknowledged, plus those of
// requests in flight, which a retry rolls back) of the bytes to send
// (found, less skipped and failed files).
func (m *model) fraction() float64 {
	s := m.stats
	work := s.BytesTotal - s.BytesSkipped - s.BytesFailed
	sent := s.BytesDone + s.BytesInFlight
	switch {
	case work <= 0 && !s.Counting:
		return 1
	case work <= 0:
		return 0
	}
	return min(1, max(0, float64(sent)/float64(work)))
}

func (m *model) runningLines() []string {
	w := m.ContentWidth()
	s := m.stats
	st := m.St

	// Title, with the state on the right.
	var state string
	switch {
	case m.keys.Killing():
		state = st.Badge.Render(" STOPPING NOW ")
	case m.keys.Stopping():
		state = st.Badge.Render(" STOPPING ")
	case m.keys.Paused:
		state = st.Badge.Render(" PAUSED ")
	default:
		state = m.Spin.View() + " " + st.State.Render("uploading")
	}
	title := st.Title.Render("Exporting to " + m.location)
	lines := []string{progressui.Spread(title, state, w)}

	frac := m.fraction()
	lines = append(lines, m.Bar.ViewAs(frac)+fmt.Sprintf(" %5.1f%%", frac*100))

	work := s.BytesTotal - s.BytesSkipped - s.BytesFailed
	files := fmt.Sprintf("%d of %s", s.FilesFinished(), humanize.Count(s.FilesTotal, "file"))
	if m.counting() {
		files = fmt.Sprintf("%d of %d+ files, still counting…", s.FilesFinished(), max(s.FilesTotal, m.scanFiles))
	}
	lines = append(lines, fmt.Sprintf("%s of %s · %s", humanize.Bytes(s.BytesDone+s.BytesInFlight), humanize.Bytes(max(work, 0)), files))

	rate := humanize.Bytes(int64(s.Throughput)) + "/s"
	eta := "ETA —"
	switch {
	case m.keys.Paused:
		eta = "ETA paused"
	case m.counting():
		eta = "ETA after counting"
	case s.ETA >= 0:
		eta = "ETA " + s.ETA.Round(time.Second).String()
	}
	parts := []string{rate, eta, "elapsed " + s.Elapsed.Round(time.Second).String()}
	if s.FilesSkipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", s.FilesSkipped))
	}
	if m.failed > 0 {
		parts = append(parts, st.Err.Render(fmt.Sprintf("%d failed", m.failed)))
	}
	if m.retries > 0 {
		parts = append(parts, progressui.Plural(m.retries, "retry", "retries"))
	}
	lines = append(lines, strings.Join(parts, " · "))

	switch {
	case m.keys.Killing():
		lines = append(lines, st.Warn.Render("stopping now: abandoning uploads in flight; the journal keeps every finished file"))
	case m.keys.Stopping():
		lines = append(lines, st.Warn.Render(fmt.Sprintf("stopping: finishing %s… (ctrl+c again stops at once)", humanize.Count(len(m.active), "in-flight upload"))))
	case m.keys.Paused:
		lines = append(lines, st.Warn.Render("paused: uploads in flight finish, no new ones start; p resumes"))
	}

	// The errors pane and help are fixed; the in-flight list gets the rest.
	var tail []string
	if len(m.pane) > 0 || len(m.warnings) > 0 {
		tail = append(tail, "", st.Header.Render(m.paneTitle()))
		for _, text := range m.warnings {
			// Up to three lines: the end of a warning says what to change.
			kind := m.St.Warn.Render(fmt.Sprintf("%-6s", "warn"))
			for j, l := range progressui.WrapLines(text, w-9, 3) {
				if j == 0 {
					tail = append(tail, "  "+kind+" "+l)
				} else {
					tail = append(tail, strings.Repeat(" ", 9)+l)
				}
			}
		}
		for _, l := range m.pane {
			tail = append(tail, m.paneLine(l, w))
		}
	}
	tail = append(tail, "", m.Help.ShortHelpView(m.keys.ShortHelp()))

	room := m.Rows() - len(lines) - len(tail) - 2 // blank + header
	lines = append(lines, "", st.Header.Render(fmt.Sprintf("In flight (%d)", len(m.active))))
	lines = append(lines, m.uploadLines(w, max(room, 1))...)
	return append(lines, tail...)
}

func (m *model) counting() bool { return !m.scanDone && m.stats.Counting }

func (m *model) paneTitle() string {
	var bits []string
	if m.failed > 0 {
		bits = append(bits, fmt.Sprintf("%d failed", m.failed))
	}
	if m.retries > 0 {
		bits = append(bits, progressui.Plural(m.retries, "retry", "retries"))
	}
	if len(m.warnings) > 0 {
		bits = append(bits, progressui.Plural(len(m.warnings), "warning", "warnings"))
	}
	t := "Latest errors"
	if len(bits) > 0 {
		t += " (" + strings.Join(bits, ", ") + ")"
	}
	return t
}

func (m *model) paneLine(l paneLine, w int) string {
	kind := m.St.Warn.Render(fmt.Sprintf("%-6s", l.kind))
	if l.kind == "failed" {
		kind = m.St.Err.Render(fmt.Sprintf("%-6s", l.kind))
	}
	if l.name == "" {
		return "  " + kind + " " + progressui.OneLine(l.text)
	}
	// The reason matters more than the full key: shorten the name first.
	name := progressui.TruncLeft(l.name, max(12, (w-10)/3))
	return "  " + kind + " " + name + ": " + progressui.OneLine(l.text)
}

// uploadLines lists uploads in flight in at most room lines: a bar for
// large files, the size for small ones, and a count of those left out.
func (m *model) uploadLines(w, room int) []string {
	if len(m.active) == 0 {
		if m.stats.FilesActive == 0 && m.counting() {
			return []string{m.St.Muted.Render("  looking for files…")}
		}
		return []string{m.St.Muted.Render("  none")}
	}
	files := make([]progressui.Transfer, 0, len(m.active))
	for _, u := range m.active {
		f := progressui.Transfer{Name: u.key, Size: u.size, Done: u.done, Large: u.large()}
		if u.parts > 0 && u.done >= u.size {
			// Every part is in; the store is assembling the object.
			f.Status = "completing…"
		}
		files = append(files, f)
	}
	return m.InFlight(files, w, room)
}

// summaryLines is the frame left on the terminal when the run ended.
func (m *model) summaryLines() []string {
	w := m.ContentWidth()
	st := m.St
	end := m.end
	sum := end.Summary
	if !end.Started {
		return append([]string{st.Err.Render("Export to " + m.location + " could not start")},
			progressui.WrapIndent(m.ErrText(end.Err), w, "  ")...)
	}
	var head string
	switch {
	case m.locationError():
		head = st.Err.Render("Export to " + m.location + " stopped by a location error")
	case end.Stopped && m.keys.Killing():
		head = st.Warn.Render("Export to " + m.location + " stopped at once")
	case end.Stopped:
		head = st.Warn.Render("Export to " + m.location + " stopped")
	case sum.Failed > 0:
		head = st.Err.Render("Export to " + m.location + " finished with failures")
	case end.Err != nil:
		head = st.Err.Render("Export to " + m.location + " ended with an error")
	default:
		head = st.OK.Render("Export to " + m.location + " finished")
	}
	lines := []string{st.Title.Render(head)}
	frac := m.fraction()
	lines = append(lines, m.Bar.ViewAs(frac)+fmt.Sprintf(" %5.1f%%", frac*100))

	label := func(s string) string { return st.Label.Render(fmt.Sprintf("%-9s", s)) }
	exported := fmt.Sprintf("%s (%s) in %s, %s", humanize.Count(sum.Files, "file"), humanize.Bytes(sum.Bytes), sum.Elapsed.Round(time.Millisecond), humanize.Rate(sum.MiBps*(1<<20)))
	if sum.Changed > 0 {
		exported += fmt.Sprintf(", %d changed", sum.Changed)
	}
	lines = append(lines, label("exported")+" "+exported)
	lines = append(lines, label("skipped")+" "+fmt.Sprintf("%s (already exported)", humanize.Count(sum.Skipped, "file")))
	failed := humanize.Count(sum.Failed, "file")
	if sum.Failed > 0 {
		failed = st.Err.Render(failed)
	}
	lines = append(lines, label("failed")+" "+failed)
	if sum.Interrupted > 0 || sum.NotStarted > 0 {
		lines = append(lines, label("left")+" "+fmt.Sprintf("%d interrupted, %d not started (the next run continues)", sum.Interrupted, sum.NotStarted))
	}
	if !sum.ScanComplete && !sum.DryRun {
		lines = append(lines, label("scan")+" "+st.Warn.Render("stopped early; more files may remain (the next run continues)"))
	}
	if sum.Deleted > 0 {
		lines = append(lines, label("deleted")+" "+fmt.Sprintf("%d source files", sum.Deleted))
	}
	if sum.Kept > 0 {
		kept := fmt.Sprintf("%d source files", sum.Kept)
		if sum.KeptUnconfirmed > 0 {
			kept += fmt.Sprintf(" (%d could not be confirmed in the location)", sum.KeptUnconfirmed)
		}
		lines = append(lines, label("kept")+" "+kept)
	}
	if sum.Ignored > 0 {
		text := fmt.Sprintf("%d not regular files (%s); the manifest names each", sum.Ignored, export.RetryReasonText(sum.IgnoredKinds))
		for j, l := range progressui.WrapLines(text, w-10, 0) {
			lab := label("")
			if j == 0 {
				lab = label("ignored")
			}
			lines = append(lines, lab+" "+l)
		}
	}
	if sum.UploadsLeftOpen > 0 {
		// Uploads (S3) or uncommitted blocks (Azure) the run abandoned and
		// could not discard; the warning says what to do.
		text := fmt.Sprintf("%d abandoned uploads left behind (see the warning)", sum.UploadsLeftOpen)
		if sum.UploadsLeftOpen == 1 {
			text = "1 abandoned upload left behind (see the warning)"
		}
		lines = append(lines, label("uploads")+" "+st.Warn.Render(text))
	}
	if sum.Retries > 0 {
		text := fmt.Sprintf("%d requests retried (%s)", sum.Retries, export.RetryReasonText(sum.RetryReasons))
		for j, l := range progressui.WrapLines(text, w-10, 0) {
			lab := label("")
			if j == 0 {
				lab = label("retries")
			}
			lines = append(lines, lab+" "+l)
		}
	}
	warnings := sum.Warnings
	if len(warnings) == 0 {
		warnings = m.warnings
	}
	for _, text := range warnings {
		// Wrapped, not cut: a warning names the setting to change.
		for j, l := range progressui.WrapLines(text, w-10, 0) {
			lab := label("")
			if j == 0 {
				lab = label("warning")
			}
			lines = append(lines, lab+" "+st.Warn.Render(l))
		}
	}
	if sum.ManifestCSV != "" {
		lines = append(lines, progressui.PathLines(label, "manifest", []string{sum.ManifestCSV, sum.ManifestJSONL}, w, 10)...)
	}
	if end.Err != nil && !end.Stopped && !errors.Is(end.Err, export.ErrFilesFailed) {
		// Up to four lines: a location error ends with what to run.
		for j, l := range progressui.WrapLines(m.ErrText(end.Err), w-10, 4) {
			lab := label("")
			if j == 0 {
				lab = label("error")
			}
			lines = append(lines, lab+" "+st.Err.Render(l))
		}
	}
	if len(m.failures) > 0 {
		lines = append(lines, "", st.Header.Render(fmt.Sprintf("Failed files (%d)", m.failed)))
		for _, f := range m.failures {
			lines = append(lines, "  "+progressui.TruncLeft(nameOf(f.Key, f.Path), max(12, (w-4)/3))+": "+progressui.OneLine(m.ErrText(f.Err)))
		}
		if more := m.failed - len(m.failures); more > 0 {
			lines = append(lines, st.Muted.Render(fmt.Sprintf("  … and %d more; the CSV manifest lists every one", more)))
		}
	}
	return lines
}

// resumeLines tell how to continue a stopped run, or one a location error
// halted: files not attempted are left for the next run.
func (m *model) resumeLines() []string {
	if !m.end.Stopped && !m.locationError() || m.resume == "" {
		return nil
	}
	return append([]string{"", "To continue where it stopped, run:"}, progressui.ShellLines(m.resume, m.ContentWidth(), "  ")...)
}

// locationError reports whether the run was halted because the location
// cannot take uploads.
func (m *model) locationError() bool {
	return m.end != nil && errors.Is(m.end.Err, export.ErrLocationUnusable)
}
