package progressui

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The helpers below drive the screens' models in their tests the way the
// program would, without a terminal; they are here so both screens' tests
// drive their models the same way.

// Send applies msgs to m and runs the commands they return (one level:
// the controller calls), like the program would.
func Send(m tea.Model, msgs ...tea.Msg) {
	for _, msg := range msgs {
		_, cmd := m.Update(msg)
		RunCmd(cmd)
	}
}

// RunCmd executes cmd, and the commands of a batch it returns, unless it
// waits (ticks, the feed's Next) for more than 50ms or quits.
func RunCmd(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		if batch, ok := msg.(tea.BatchMsg); ok {
			for _, c := range batch {
				RunCmd(c)
			}
		}
	case <-time.After(50 * time.Millisecond):
	}
}

// Press is the key press s: "ctrl+c" or a single printable key ("q").
func Press(s string) tea.KeyPressMsg {
	if s == "ctrl+c" {
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

// CallLog records the calls a screen's commands make on a fake run; it is
// safe for the goroutines commands run in.
type CallLog struct {
	mu    sync.Mutex
	calls []string
}

// Record notes the call name.
func (l *CallLog) Record(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, name)
}

// Calls is the calls recorded so far, in order.
func (l *CallLog) Calls() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

// WriteCalls writes n recordings of size bytes under root, spread over
// three day folders of May of year ("2024/05/01/call-0001.wav"), each
// filled with its own byte.
func WriteCalls(root string, year, n, size int) error {
	for i := range n {
		p := filepath.Join(root, fmt.Sprintf("%d/05/%02d", year, i%3), fmt.Sprintf("call-%04d.wav", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte{byte(i)}, size), 0o644); err != nil {
			return err
		}
	}
	return nil
}
