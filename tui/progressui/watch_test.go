package progressui

import (
	"context"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

type stopMsg struct{}
type interruptMsg struct{}

// TestWatchLoopOneSignalOneMessage: the root context ends on the same
// SIGINT the screen receives; in either order that is one message, while a
// second signal later is a second interrupt (the hard stop).
func TestWatchLoopOneSignalOneMessage(t *testing.T) {
	tests := []struct {
		name string
		// steps: "sig" sends a signal, "cancel" ends the context, a
		// duration advances the clock.
		steps []any
		want  []string
	}{
		{"signal then context", []any{"sig", 1 * time.Millisecond, "cancel"}, []string{"interrupt"}},
		{"context then signal", []any{"cancel", 1 * time.Millisecond, "sig"}, []string{"stop"}},
		{"context alone", []any{"cancel"}, []string{"stop"}},
		{"signal, then a second one later", []any{"sig", "cancel", time.Second, "sig"}, []string{"interrupt", "interrupt"}},
		{"context, then a signal later", []any{"cancel", time.Second, "sig"}, []string{"stop", "interrupt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sigs := make(chan os.Signal)
			quit := make(chan struct{})
			var mu sync.Mutex
			clock := time.Unix(0, 0)
			now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
			got := make(chan string, 10)
			done := make(chan struct{})
			go func() {
				watchLoop(ctx, sigs, quit, now, func(m tea.Msg) {
					switch m.(type) {
					case stopMsg:
						got <- "stop"
					case interruptMsg:
						got <- "interrupt"
					}
				}, stopMsg{}, interruptMsg{})
				close(done)
			}()
			for _, s := range tt.steps {
				switch s := s.(type) {
				case string:
					if s == "sig" {
						sigs <- syscall.SIGINT
					} else {
						cancel()
					}
					time.Sleep(100 * time.Millisecond) // let the loop take it
				case time.Duration:
					mu.Lock()
					clock = clock.Add(s)
					mu.Unlock()
				}
			}
			close(quit)
			<-done
			close(got)
			var seq []string
			for g := range got {
				seq = append(seq, g)
			}
			if len(seq) != len(tt.want) {
				t.Fatalf("messages %v, want %v", seq, tt.want)
			}
			for i := range seq {
				if seq[i] != tt.want[i] {
					t.Fatalf("messages %v, want %v", seq, tt.want)
				}
			}
		})
	}
}
