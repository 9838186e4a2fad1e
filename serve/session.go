package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"

	"github.com/stowage-dev/stowage/tui"
)

// The wizard's layout needs this much; smaller windows wait for a resize.
const (
	minWidth  = 80
	minHeight = 24
)

// handle is the only handler: every session is one wizard.
func (s *Server) handle(ssh.Handler) ssh.Handler {
	return s.serveSession
}

func (s *Server) serveSession(sess ssh.Session) {
	s.running.Add(1)
	defer s.running.Done()
	ctx := sess.Context()
	started := time.Now()
	ev := Event{Session: shortID(ctx.SessionID()), Remote: remoteHost(sess.RemoteAddr())}
	refuse := func(reason, msg string) {
		e := ev
		e.Event, e.Reason = evSessionRefused, reason
		s.record(e)
		wish.Println(sess, msg)
		_ = sess.Exit(1)
	}
	lg := s.loginOf(sess)
	if lg == nil {
		refuse("no login", "This session has no tenant; connect with the onboarding code or key your vendor set up.")
		return
	}
	defer s.unclaim(lg.codeHash)
	ev.Tenant, ev.Auth = lg.tenant, lg.auth
	if lg.codeHash != "" {
		ev.Code = codeRef(lg.codeHash)
	}
	pty, winch, ok := sess.Pty()
	if !ok {
		refuse("no terminal", "Stowage shows a full-screen setup wizard and needs a terminal, which this\r\n"+
			"connection did not ask for. Connect again from a terminal with: ssh -t ...")
		return
	}
	if pty.Term == "" || pty.Term == "dumb" {
		refuse("dumb terminal", fmt.Sprintf("Stowage draws screens and needs a terminal that can (TERM is %q); "+
			"connect from a terminal emulator such as Terminal, iTerm2, Windows Terminal or xterm.", pty.Term))
		return
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		refuse("session limit", fmt.Sprintf("All %d setup sessions are in use; please try again in a few minutes.", cap(s.slots)))
		return
	}

	in := newSessionInput(sess)
	sizes := make(chan tui.Size, 8)
	size := tui.Size{Width: pty.Window.Width, Height: pty.Window.Height}
	go forwardWindows(ctx, winch, sizes)

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var idle atomic.Bool
	go s.watchIdle(wctx, in, func() { idle.Store(true); cancel() })

	size, ok = waitForSize(wctx, sess, in, sizes, size)
	if !ok {
		e := ev
		e.Event, e.Reason = evSessionRefused, "terminal too small"
		if idle.Load() {
			e.Reason = "terminal too small, then idle"
		}
		s.record(e)
		return
	}
	if lg.codeHash != "" {
		if err := redeemInvite(s.cfg.Tenants, lg.codeHash, s.cfg.Now()); err != nil {
			refuse("code: "+err.Error(), err.Error()+"; ask your vendor for a new one.")
			return
		}
	}
	f, err := loadTenant(s.cfg.Tenants, lg.tenant, s.cfg.Platform)
	if err != nil {
		s.logf("tenant %s: %v", lg.tenant, err)
		refuse("tenant file unreadable", "Your locations could not be read on this server; your vendor has been told (see its log).")
		return
	}
	start := ev
	start.Event, start.Screen = evSessionStart, &lg.screenShare
	s.record(start)

	store := newTenantStore(s, lg.tenant, ev, f)
	env := append(sess.Environ(), "TERM="+pty.Term)
	res, err := tui.RunWizard(wctx, tui.Options{
		ConfigPath:  filepath.Join(lg.tenant, "config.yaml"),
		File:        f,
		Platform:    s.cfg.Platform,
		ScreenShare: lg.screenShare,
		In:          in,
		Out:         sess,
		Env:         env,
		Open:        store.open,
		Save:        store.save,
		Now:         s.cfg.Now,
		Served:      &tui.Served{Width: size.Width, Height: size.Height, Resize: sizes},
	})
	end := ev
	end.Event = evSessionEnd
	secs := time.Since(started).Round(time.Second).Seconds()
	end.Seconds = &secs
	saved := res.Saved
	end.OK = &saved
	switch {
	case idle.Load():
		end.Reason = "idle"
		fmt.Fprintf(sess, "\r\nClosed after %s without input. What was saved stays saved; connect again to go on.\r\n", s.cfg.IdleTimeout)
	case ctx.Err() != nil:
		end.Reason = "disconnected"
	case err != nil:
		end.Reason = "error"
		s.logf("session %s (%s): %v", ev.Session, lg.tenant, err)
		fmt.Fprintf(sess, "\r\nThe wizard stopped: %s\r\n", scrub(err.Error()))
	default:
		end.Reason = "quit"
	}
	s.record(end)
	code := 0
	if err != nil && !errors.Is(err, context.Canceled) {
		code = 1
	}
	_ = sess.Exit(code)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// forwardWindows turns the session's window changes into tui sizes. The
// first value on winch is the size of the pty request itself.
func forwardWindows(ctx context.Context, winch <-chan ssh.Window, out chan<- tui.Size) {
	for {
		select {
		case <-ctx.Done():
			return
		case w, ok := <-winch:
			if !ok {
				return
			}
			select {
			case out <- tui.Size{Width: w.Width, Height: w.Height}:
			default: // the wizard reads sizes promptly; a backlog is stale
			}
		}
	}
}

// waitForSize shows a message while the window is under 80×24 and returns
// once it is large enough, or false when the user leaves (q, ctrl+c) or
// the session ends.
func waitForSize(ctx context.Context, w io.Writer, in *sessionInput, sizes <-chan tui.Size, cur tui.Size) (tui.Size, bool) {
	for {
		if cur.Width >= minWidth && cur.Height >= minHeight {
			// Drop the sizes already seen; the wizard starts at cur.
			for {
				select {
				case s := <-sizes:
					cur = s
					continue
				default:
				}
				break
			}
			if cur.Width >= minWidth && cur.Height >= minHeight {
				return cur, true
			}
		}
		fmt.Fprintf(w, "\x1b[2J\x1b[H%s", tooSmall(cur))
		select {
		case <-ctx.Done():
			return cur, false
		case s := <-sizes:
			cur = s
		case b, ok := <-in.peek():
			if !ok {
				return cur, false
			}
			if strings.ContainsAny(string(b), "qQ\x03\x04") {
				fmt.Fprint(w, "\r\n")
				return cur, false
			}
		}
	}
}

func tooSmall(s tui.Size) string {
	return fmt.Sprintf("This terminal is %d×%d; the Stowage setup needs at least %d×%d.\r\n"+
		"Make the window larger and the setup starts by itself, or press q to leave.\r\n",
		s.Width, s.Height, minWidth, minHeight)
}

// watchIdle calls stop once no key arrived for the idle timeout.
func (s *Server) watchIdle(ctx context.Context, in *sessionInput, stop func()) {
	tick := s.cfg.IdleTimeout / 10
	if tick > time.Second {
		tick = time.Second
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if time.Since(in.lastInput()) >= s.cfg.IdleTimeout {
				stop()
				return
			}
		}
	}
}

// sessionInput reads the session on its own goroutine, so the size prompt
// and then the wizard can take turns reading it, and so the time of the
// last key is known for the idle timeout.
type sessionInput struct {
	ch   chan []byte
	mu   sync.Mutex
	buf  []byte
	last atomic.Int64
}

func newSessionInput(r io.Reader) *sessionInput {
	in := &sessionInput{ch: make(chan []byte, 16)}
	in.last.Store(time.Now().UnixNano())
	go func() {
		defer close(in.ch)
		for {
			b := make([]byte, 1024)
			n, err := r.Read(b)
			if n > 0 {
				in.last.Store(time.Now().UnixNano())
				in.ch <- b[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	return in
}

func (in *sessionInput) peek() <-chan []byte { return in.ch }

func (in *sessionInput) lastInput() time.Time { return time.Unix(0, in.last.Load()) }

// Read hands the wizard what the session sent.
func (in *sessionInput) Read(p []byte) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.buf) == 0 {
		b, ok := <-in.ch
		if !ok {
			return 0, io.EOF
		}
		in.buf = b
	}
	n := copy(p, in.buf)
	in.buf = in.buf[n:]
	return n, nil
}
