package progressui

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

func TestPress(t *testing.T) {
	tests := []struct{ key, want string }{{"q", "q"}, {"p", "p"}, {"ctrl+c", "ctrl+c"}}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := Press(tt.key).String(); got != tt.want {
				t.Fatalf("Press(%q) = %q", tt.key, got)
			}
		})
	}
}

// counter is a model whose messages make commands that log calls.
type counter struct{ log *CallLog }

func (c counter) Init() tea.Cmd  { return nil }
func (c counter) View() tea.View { return tea.NewView("") }
func (c counter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	name, _ := msg.(string)
	switch name {
	case "one":
		return c, func() tea.Msg { c.log.Record("one"); return nil }
	case "batch":
		return c, tea.Batch(
			func() tea.Msg { c.log.Record("a"); return nil },
			func() tea.Msg { c.log.Record("b"); return nil },
		)
	case "waits":
		return c, tea.Tick(time.Hour, func(time.Time) tea.Msg { c.log.Record("late"); return nil })
	}
	return c, nil
}

func TestSend(t *testing.T) {
	tests := []struct {
		name string
		msgs []tea.Msg
		want []string
	}{
		{"command runs", []tea.Msg{"one"}, []string{"one"}},
		{"batch runs every command", []tea.Msg{"batch"}, []string{"a", "b"}},
		{"waiting command is left", []tea.Msg{"waits", "one"}, []string{"one"}},
		{"no command", []tea.Msg{"none"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &CallLog{}
			Send(counter{log}, tt.msgs...)
			got := log.Calls()
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("calls %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWriteCalls(t *testing.T) {
	tests := []struct {
		name      string
		year, n   int
		size      int
		wantFirst string
	}{
		{"2024", 2024, 4, 10, "2024/05/00/call-0000.wav"},
		{"2026 empty files", 2026, 1, 0, "2026/05/00/call-0000.wav"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if err := WriteCalls(root, tt.year, tt.n, tt.size); err != nil {
				t.Fatal(err)
			}
			var files []string
			filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(root, p)
					files = append(files, filepath.ToSlash(rel))
					if fi, _ := d.Info(); fi.Size() != int64(tt.size) {
						t.Errorf("%s is %d bytes, want %d", rel, fi.Size(), tt.size)
					}
				}
				return nil
			})
			if len(files) != tt.n || files[0] != tt.wantFirst {
				t.Fatalf("files %v, want %d starting %s", files, tt.n, tt.wantFirst)
			}
		})
	}
}
