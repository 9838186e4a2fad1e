package downloadui

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/download"
	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/tui/progressui"
)

// View draws the running screen, or the summary once the run ended. The
// screen is inline (not the alternate screen) so the summary frame stays on
// the terminal after the program exits.
func (m *model) View() tea.View {
	return progressui.View(m.render(), "stowage download "+m.location, m.end == nil, m.fraction(), m.keys.Paused || m.keys.Stopping(), m.failed > 0)
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

// work is the bytes this run has to download and verify: everything found,
// less objects already in place and those that failed.
func (m *model) work() int64 {
	return max(0, m.stats.BytesTotal-m.skippedBytes-m.stats.BytesFailed)
}

// fraction is the overall progress by verified bytes: an object counts once
// it is on disk, checked against the store and recorded in the journal.
func (m *model) fraction() float64 {
	work := m.work()
	switch {
	case work <= 0 && !m.listing():
		return 1
	case work <= 0:
		return 0
	}
	return min(1, max(0, float64(m.verified)/float64(work)))
}

func (m *model) listing() bool { return !m.listDone && m.stats.Listing }

func (m *model) runningLines() []string {
	w := m.ContentWidth()
	s := m.stats
	st := m.St

	var state string
	switch {
	case m.keys.Killing():
		state = st.Badge.Render(" STOPPING NOW ")
	case m.keys.Stopping():
		state = st.Badge.Render(" STOPPING ")
	case m.keys.Paused:
		state = st.Badge.Render(" PAUSED ")
	default:
		state = m.Spin.View() + " " + st.State.Render("downloading")
	}
	lines := []string{progressui.Spread(st.Title.Render("Downloading "+m.location+" into "+m.dest), state, w)}

	frac := m.fraction()
	lines = append(lines, m.Bar.ViewAs(frac)+fmt.Sprintf(" %5.1f%%", frac*100))

	files := fmt.Sprintf("%d of %s", s.FilesFinished(), humanize.Count(s.FilesTotal, "file"))
	if m.listing() {
		files = fmt.Sprintf("%d of %d+ files, still listing…", s.FilesFinished(), max(s.FilesTotal, m.listedFiles))
	}
	lines = append(lines, fmt.Sprintf("%s of %s verified · %s", humanize.Bytes(m.verified), humanize.Bytes(m.work()), files))

	eta := "ETA —"
	switch {
	case m.keys.Paused:
		eta = "ETA paused"
	case m.listing():
		eta = "ETA after listing"
	case s.ETA >= 0:
		eta = "ETA " + s.ETA.Round(time.Second).String()
	}
	parts := []string{humanize.Bytes(int64(s.Throughput)) + "/s", eta, "elapsed " + s.Elapsed.Round(time.Second).String()}
	if s.FilesSkipped > 0 {
		parts = append(parts, fmt.Sprintf("%d already there", s.FilesSkipped))
	}
	if s.FilesDeleted > 0 {
		parts = append(parts, fmt.Sprintf("%d deleted", s.FilesDeleted))
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
		lines = append(lines, st.Warn.Render("stopping now: abandoning downloads in flight; the journal keeps every finished file and range"))
	case m.keys.Stopping():
		lines = append(lines, st.Warn.Render(fmt.Sprintf("stopping: finishing %s… (ctrl+c again stops at once)", humanize.Count(len(m.active), "in-flight download"))))
	case m.keys.Paused:
		lines = append(lines, st.Warn.Render("paused: requests in flight finish, no new ones start; p resumes"))
	}
	lines = append(lines, m.expiryWarning(w)...)

	// The panes and help are fixed; the in-flight list gets the rest. On a
	// short terminal the oldest error lines give way first, then the
	// expiry outlook (its warning stays at the top), then the errors pane.
	pane, showExpiry := m.pane, m.expiry != nil
	tail := func() []string {
		var t []string
		if showExpiry {
			t = append(t, m.expiryPane(w)...)
		}
		if len(pane) > 0 {
			t = append(t, "", st.Header.Render(m.paneTitle()))
			for _, l := range pane {
				t = append(t, m.paneLine(l, w))
			}
		}
		return append(t, "", m.Help.ShortHelpView(m.keys.ShortHelp()))
	}
	rest := tail()
	for m.Rows()-len(lines)-len(rest)-2 < 2 {
		switch {
		case len(pane) > 1:
			pane = pane[1:]
		case showExpiry:
			showExpiry = false
		case len(pane) > 0:
			pane = nil
		}
		next := tail()
		if len(next) == len(rest) {
			break
		}
		rest = next
	}
	room := m.Rows() - len(lines) - len(rest) - 2 // blank + header
	lines = append(lines, "", st.Header.Render(fmt.Sprintf("In flight (%d)", len(m.active))))
	lines = append(lines, m.fetchLines(w, max(room, 1))...)
	return append(lines, rest...)
}

func (m *model) paneTitle() string {
	var bits []string
	if m.failed > 0 {
		bits = append(bits, fmt.Sprintf("%d failed", m.failed))
	}
	if m.retries > 0 {
		bits = append(bits, progressui.Plural(m.retries, "retry", "retries"))
	}
	if m.kept > 0 {
		bits = append(bits, fmt.Sprintf("%d kept in the store", m.kept))
	}
	t := "Latest errors"
	if len(bits) > 0 {
		t += " (" + strings.Join(bits, ", ") + ")"
	}
	return t
}

func (m *model) paneLine(l paneLine, w int) string {
	kind := m.St.Warn.Render(fmt.Sprintf("%-7s", l.kind))
	if l.kind == "failed" {
		kind = m.St.Err.Render(fmt.Sprintf("%-7s", l.kind))
	}
	// The reason matters more than the full key: shorten the name first.
	name := progressui.TruncLeft(l.name, max(12, (w-11)/3))
	return "  " + kind + " " + name + ": " + progressui.OneLine(l.text)
}

// fetchLines lists downloads in flight in at most room lines: a bar for
// large objects, the size for small ones, and a count of those left out.
func (m *model) fetchLines(w, room int) []string {
	if len(m.active) == 0 {
		if m.listing() {
			return []string{m.St.Muted.Render("  listing objects…")}
		}
		return []string{m.St.Muted.Render("  none")}
	}
	files := make([]progressui.Transfer, 0, len(m.active))
	for _, f := range m.active {
		t := progressui.Transfer{Name: f.key, Size: f.size, Done: f.done, Large: f.large()}
		if f.done >= f.size && f.size > 0 {
			// Every byte is on disk; the whole file is being checked.
			t.Status = "verifying…"
		}
		files = append(files, t)
	}
	return m.InFlight(files, w, room)
}

// soonPrefixes are the prefixes with objects expiring within
// download.ExpiryWarnDays days, soonest first.
func (m *model) soonPrefixes() (ps []download.PrefixExpiry, objects int) {
	if m.expiry == nil {
		return nil, 0
	}
	for _, p := range m.expiry.Prefixes {
		if p.Soon > 0 {
			ps = append(ps, p)
			objects += p.Soon
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].DaysLeft < ps[j].DaysLeft })
	return ps, objects
}

// expiryWarning is the prominent line for objects about to be deleted by
// the location's lifecycle rule: they are the ones to download first.
func (m *model) expiryWarning(w int) []string {
	ps, n := m.soonPrefixes()
	if n == 0 {
		return nil
	}
	var where []string
	for _, p := range ps {
		where = append(where, prefixName(p.Prefix)+" "+daysLeft(p.DaysLeft))
	}
	badge := m.St.Badge.Render(" EXPIRING ")
	text := fmt.Sprintf("%s expire within %d days: %s; download them first (--prefix narrows the run)",
		progressui.Plural(n, "object", "objects"), download.ExpiryWarnDays, strings.Join(where, ", "))
	var out []string
	for i, l := range progressui.WrapLines(text, w-11, 2) {
		if i == 0 {
			out = append(out, badge+" "+m.St.Err.Render(l))
		} else {
			out = append(out, strings.Repeat(" ", 11)+m.St.Err.Render(l))
		}
	}
	return out
}

// expiryPane is the outlook: days left for the oldest object of each
// top-level prefix, soonest first.
func (m *model) expiryPane(w int) []string {
	if m.expiry == nil || len(m.expiry.Prefixes) == 0 {
		return nil
	}
	ps := append([]download.PrefixExpiry(nil), m.expiry.Prefixes...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].DaysLeft < ps[j].DaysLeft })
	out := []string{"", m.St.Header.Render(fmt.Sprintf("Expiry outlook (deleted %s after upload)", humanize.Count(m.expiry.ExpiryDays, "day")))}
	shown := ps
	if len(ps) > paneExpiry {
		shown = ps[:paneExpiry-1]
	}
	nameW := max(10, min(24, w/4))
	for _, p := range shown {
		left := daysLeft(p.DaysLeft)
		if p.DaysLeft <= download.ExpiryWarnDays {
			left = m.St.Err.Render(left)
		}
		line := fmt.Sprintf("  %s %7d objects · oldest %s · ", progressui.PadRight(progressui.TruncLeft(prefixName(p.Prefix), nameW), nameW),
			p.Objects, p.Oldest.UTC().Format("2006-01-02"))
		out = append(out, line+left)
	}
	if len(ps) > len(shown) {
		later := ps[len(shown):]
		out = append(out, m.St.Muted.Render(fmt.Sprintf("  … and %d more prefixes, %s or more", len(later), daysLeft(later[0].DaysLeft))))
	}
	return out
}

func prefixName(p string) string {
	if p == "" {
		return "(top level)"
	}
	return p
}

func daysLeft(d int) string {
	switch {
	case d < 0:
		return fmt.Sprintf("expired %s ago", humanize.Count(-d, "day"))
	case d == 1:
		return "1 day left"
	}
	return fmt.Sprintf("%s left", humanize.Count(d, "day"))
}

// summaryLines is the frame left on the terminal when the run ended.
func (m *model) summaryLines() []string {
	w := m.ContentWidth()
	st := m.St
	end := m.end
	res := end.Result
	name := "Download of " + m.location
	if !end.Started {
		return append([]string{st.Err.Render(name + " could not start")}, progressui.WrapIndent(m.ErrText(end.Err), w, "  ")...)
	}
	var head string
	switch {
	case end.Stopped && m.keys.Killing():
		head = st.Warn.Render(name + " stopped at once")
	case end.Stopped:
		head = st.Warn.Render(name + " stopped")
	case end.Err != nil:
		head = st.Err.Render(name + " ended with an error")
	case res.FilesFailed > 0:
		head = st.Err.Render(name + " finished with failures")
	default:
		head = st.OK.Render(name + " finished")
	}
	lines := []string{st.Title.Render(head)}
	frac := m.fraction()
	if !end.Stopped && end.Err == nil && res.FilesFinished() == res.FilesTotal {
		frac = 1
	}
	lines = append(lines, m.Bar.ViewAs(frac)+fmt.Sprintf(" %5.1f%%", frac*100))

	label := func(s string) string { return st.Label.Render(fmt.Sprintf("%-10s", s)) }
	rate := 0.0
	if secs := res.Elapsed.Seconds(); secs > 0 {
		rate = float64(res.BytesDone) / secs
	}
	lines = append(lines, label("downloaded")+" "+fmt.Sprintf("%s (%s verified) in %s, %s",
		humanize.Count(res.FilesDone, "file"), humanize.Bytes(m.verified), res.Elapsed.Round(time.Millisecond), humanize.Rate(rate)))
	lines = append(lines, label("skipped")+" "+fmt.Sprintf("%s (already downloaded)", humanize.Count(res.FilesSkipped, "file")))
	failed := humanize.Count(res.FilesFailed, "file")
	if res.FilesFailed > 0 {
		failed = st.Err.Render(failed)
	}
	lines = append(lines, label("failed")+" "+failed)
	if res.FilesDeleted > 0 || m.kept > 0 {
		del := fmt.Sprintf("%d from the store", res.FilesDeleted)
		if m.kept > 0 {
			del += fmt.Sprintf(", %d kept (see the errors above)", m.kept)
		}
		lines = append(lines, label("deleted")+" "+del)
	}
	if end.Stopped {
		if left := res.FilesTotal - res.FilesFinished(); left > 0 {
			lines = append(lines, label("left")+" "+fmt.Sprintf("%s not downloaded yet (the next run continues)", humanize.Count(left, "file")))
		}
		if !m.listDone {
			lines = append(lines, label("listing")+" "+st.Warn.Render("stopped early; more objects may remain (the next run continues)"))
		}
	}
	// Paths are not cut, nor broken where a line of their own holds them:
	// they are to be copied.
	lines = append(lines, progressui.PathLines(label, "into", []string{m.dest}, w, 11)...)
	if res.JournalPath != "" {
		lines = append(lines, progressui.PathLines(label, "journal", []string{res.JournalPath}, w, 11)...)
	}
	if ps, n := m.soonPrefixes(); n > 0 {
		var where []string
		for _, p := range ps {
			where = append(where, prefixName(p.Prefix)+" "+daysLeft(p.DaysLeft))
		}
		text := fmt.Sprintf("%s in the store expire within %d days: %s", progressui.Plural(n, "object", "objects"), download.ExpiryWarnDays, strings.Join(where, ", "))
		for j, l := range progressui.WrapLines(text, w-11, 3) {
			lab := label("")
			if j == 0 {
				lab = label("expiring")
			}
			lines = append(lines, lab+" "+st.Err.Render(l))
		}
	}
	if end.Err != nil && !end.Stopped {
		for j, l := range progressui.WrapLines(m.ErrText(end.Err), w-11, 4) {
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
			lines = append(lines, "  "+progressui.TruncLeft(f.Key, max(12, (w-4)/3))+": "+progressui.OneLine(m.ErrText(f.Err)))
		}
		if more := m.failed - len(m.failures); more > 0 {
			lines = append(lines, st.Muted.Render(fmt.Sprintf("  … and %d more, listed below", more)))
		}
	}
	return lines
}

// resumeLines tell how to continue a stopped run, or one with failures
// (a rerun retries them and skips the rest).
func (m *model) resumeLines() []string {
	if m.resume == "" || !m.end.Started {
		return nil
	}
	var intro string
	switch {
	case m.end.Stopped:
		intro = "To continue where it stopped, run:"
	case m.end.Result.FilesFailed > 0 || (m.end.Err != nil && !errors.Is(m.end.Err, download.ErrStopped)):
		intro = "To retry the failed files, run:"
	default:
		return nil
	}
	return append([]string{"", intro}, progressui.ShellLines(m.resume, m.ContentWidth(), "  ")...)
}
