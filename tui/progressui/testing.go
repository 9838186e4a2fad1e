package progressui

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stowage-dev/stowage/internal/runctl"
)

// The helpers below drive the screens' models in their tests the way the
// program would, without a terminal; they are here so both screens' tests
// drive their models the same way.

// Send applies msgs to m and runs the commands they return (one level:
// the controller calls), like the program would; a stop request's answer
// (LevelMsg) is applied too.
func Send(m tea.Model, msgs ...tea.Msg) {
	for _, msg := range msgs {
		_, cmd := m.Update(msg)
		for _, out := range RunCmd(cmd) {
			if l, ok := out.(LevelMsg); ok {
				Send(m, l)
			}
		}
	}
}

// RunCmd executes cmd, and the commands of a batch it returns, unless it
// waits (ticks, the feed's Next) for more than 50ms or quits, and returns
// the messages they produced.
func RunCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		if batch, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range batch {
				out = append(out, RunCmd(c)...)
			}
			return out
		}
		return []tea.Msg{msg}
	case <-time.After(50 * time.Millisecond):
	}
	return nil
}

// FakeRun is a screen's run in tests: it records Pause and Resume, and the
// graceful ("stop") and hard ("kill") stops the real policy (runctl.Stops)
// makes of its stop requests.
type FakeRun struct {
	CallLog
	stops *runctl.Stops
}

// NewFakeRun is a run that has not been asked to stop.
func NewFakeRun() *FakeRun {
	f := &FakeRun{}
	f.stops = runctl.NewStops(func() { f.Record("stop") }, func() { f.Record("kill") })
	return f
}

func (f *FakeRun) Pause()                  { f.Record("pause") }
func (f *FakeRun) Resume()                 { f.Record("resume") }
func (f *FakeRun) Interrupt() runctl.Level { return f.stops.Request() }

// SignalMsg stands for SIGINT forwarded by the command: in a test's
// message list, Signal turns it into the policy's answer.
type SignalMsg struct{}

// Signal makes one stop request as a forwarded signal does and returns
// the message the screen gets for it.
func (f *FakeRun) Signal() tea.Msg { return LevelMsg(f.stops.Request()) }

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
