package progressui

import (
	"fmt"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/internal/humanize"
)

// MinWidth is the narrowest width frames are laid out in; narrower
// terminals get frames this wide, cut by the terminal.
const MinWidth = 40

// Layout is the part of a screen's model that frames are laid out with:
// the terminal's size, the help line, the spinner, the overall and
// per-file bars and the styles. A screen's model embeds it.
type Layout struct {
	Width, Height int
	Help          help.Model
	Spin          spinner.Model
	Bar           progress.Model // the run's, across the frame
	FileBar       progress.Model // one large file's, in the in-flight list
	St            Styles
	// Mask renders text that may quote a location's values (a store's
	// error) for the screen, e.g. config.Redactor.Text; nil shows it as is.
	Mask func(string) string
}

// ErrText is err's message for the screen, through Mask.
func (l *Layout) ErrText(err error) string {
	s := ErrText(err)
	if l.Mask != nil {
		s = l.Mask(s)
	}
	return s
}

// NewLayout is a layout for an 80×24 terminal, the size assumed until the
// program reports the real one.
func NewLayout() Layout {
	l := Layout{
		Help:    NewHelp(),
		Spin:    spinner.New(spinner.WithSpinner(spinner.Line)),
		Bar:     NewBar(70),
		FileBar: NewBar(12),
		St:      NewStyles(),
	}
	l.Resize(80, 24)
	return l
}

// Resize lays out for a terminal w columns wide and h lines tall: the
// overall bar leaves room for its percentage, a file's bar grows by a
// third of the columns past 80.
func (l *Layout) Resize(w, h int) {
	l.Width, l.Height = w, h
	l.Bar.SetWidth(max(10, l.ContentWidth()-8))
	l.FileBar.SetWidth(12 + max(0, l.ContentWidth()-80)/3)
	l.Help.SetWidth(l.ContentWidth())
}

// ContentWidth is the width frames are laid out in: the terminal's, but
// at least MinWidth.
func (l *Layout) ContentWidth() int { return max(MinWidth, l.Width) }

// Rows is how many lines a frame may have (see Rows).
func (l *Layout) Rows() int { return Rows(l.Height) }

// View is a screen's view of content with the window title. While the run
// goes on (running) it also sets the terminal's own progress bar to frac:
// a warning while paused or stopping (held), an error once files failed.
func View(content, title string, running bool, frac float64, held, failed bool) tea.View {
	v := tea.NewView(content)
	v.WindowTitle = title
	if running {
		state := tea.ProgressBarDefault
		switch {
		case held:
			state = tea.ProgressBarWarning
		case failed:
			state = tea.ProgressBarError
		}
		v.ProgressBar = tea.NewProgressBar(state, int(frac*100))
	}
	return v
}

// Transfer is one file in flight as the in-flight list shows it.
type Transfer struct {
	Name       string // the key, cut from the left to fit
	Size, Done int64
	// Large files get their own bar: they run longest.
	Large bool
	// Status replaces the byte counts of a large file when set, e.g.
	// "verifying…" once every byte is in.
	Status string
}

// InFlight lists files in flight in at most room lines (at least one):
// large files first, each with a bar, its percentage and "300.0/900.0
// MiB", small ones with their size, and a count of those left out.
func (l *Layout) InFlight(files []Transfer, w, room int) []string {
	show := make([]Transfer, 0, len(files))
	for _, f := range files {
		if f.Large {
			show = append(show, f)
		}
	}
	for _, f := range files {
		if !f.Large {
			show = append(show, f)
		}
	}
	more := 0
	if len(show) > room {
		show, more = show[:max(room-1, 0)], len(show)-max(room-1, 0)
	}
	// Right of the name: bar, percentage and "300.0/900.0 MiB".
	const sizeW = 21
	right := l.FileBar.Width() + 1 + 4 + 1 + sizeW
	nameW := max(10, w-2-1-right)
	var out []string
	for _, f := range show {
		name := PadRight(TruncLeft(f.Name, nameW), nameW)
		var tail string
		if f.Large {
			frac := 0.0
			if f.Size > 0 {
				frac = min(1, float64(f.Done)/float64(f.Size))
			}
			size := f.Status
			if size == "" {
				size = BytesOf(f.Done, f.Size)
			}
			tail = l.FileBar.ViewAs(frac) + fmt.Sprintf(" %3.0f%% ", frac*100) + PadLeft(size, sizeW)
		} else {
			tail = PadLeft(humanize.Bytes(f.Size), right)
		}
		out = append(out, "  "+name+" "+tail)
	}
	if more > 0 {
		out = append(out, l.St.Muted.Render(fmt.Sprintf("  … and %d more", more)))
	}
	return out
}
