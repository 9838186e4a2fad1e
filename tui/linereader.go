package tui

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"

	"github.com/charmbracelet/x/term"
)

// lineReader hands out its input one line per Read. huh's accessible
// prompts wrap the reader in a new bufio.Scanner for every question, and a
// scanner reads ahead: over a pipe the first question would swallow the
// answers to all the others. Returning at most one line per Read leaves
// nothing behind in a scanner that is thrown away.
type lineReader struct {
	r   *bufio.Reader
	fd  uintptr
	tty bool
	// lines counts the answers handed out (a last line without a newline
	// counts once the input ends), so a prompt that got none can tell that
	// the input ended rather than take its default.
	lines   int
	pending bool
	eof     bool
	// ended is set when a prompt asked for a line and the input had none
	// left (not when it ended a last line without a newline): the
	// prompt's answer, whatever huh made of it, was never given.
	ended bool
}

func newLineReader(r io.Reader) *lineReader {
	lr := &lineReader{r: bufio.NewReader(r)}
	lr.fd, lr.tty = terminalFd(r)
	return lr
}

// newInterruptibleLineReader is newLineReader whose reads end with ctx's
// error once ctx is done (ctrl+c), rather than wait for a line that may
// never come: r is read by a goroutine, one request at a time, so nothing
// is read ahead. stop ends the goroutine (after a read in flight).
func newInterruptibleLineReader(ctx context.Context, r io.Reader) (l *lineReader, stop func()) {
	c := &ctxReader{ctx: ctx, r: r, req: make(chan []byte), res: make(chan ctxRead, 1)}
	go c.loop()
	l = newLineReader(c)
	l.fd, l.tty = terminalFd(r)
	return l, func() { close(c.req) }
}

// terminalFd returns r's descriptor when r is a terminal. A pipe or a file
// has a descriptor too, but a secret cannot be read from it unechoed
// (huh's password prompt fails there without a word and reads nothing,
// so the next prompt took the secret's line).
func terminalFd(r io.Reader) (uintptr, bool) {
	f, ok := r.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(f.Fd()) {
		return 0, false
	}
	return f.Fd(), true
}

// ctxReader is an io.Reader whose Read returns when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
	req chan []byte
	res chan ctxRead
}

type ctxRead struct {
	n   int
	err error
}

func (c *ctxReader) loop() {
	for p := range c.req {
		n, err := c.r.Read(p)
		c.res <- ctxRead{n, err}
	}
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	// The goroutine may still be reading into buf after an interrupted
	// Read returned, so it never gets p.
	buf := make([]byte, len(p))
	select {
	case c.req <- buf:
	case <-c.ctx.Done():
		return 0, c.ctx.Err()
	}
	select {
	case r := <-c.res:
		return copy(p, buf[:r.n]), r.err
	case <-c.ctx.Done():
		return 0, c.ctx.Err()
	}
}

// Read returns the rest of the current line, or as much of it as fits.
func (l *lineReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n := 0
	for n < len(p) {
		c, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			if errors.Is(err, io.EOF) {
				l.eof = true
				if l.pending {
					l.lines++
					l.pending = false
				} else {
					l.ended = true
				}
			}
			return 0, err
		}
		p[n] = c
		n++
		l.pending = true
		if c == '\n' {
			l.lines++
			l.pending = false
			break
		}
	}
	return n, nil
}

// readLine returns the next line without its line ending. At the end of
// the input it returns io.EOF, and sets ended, unless a last line without
// a newline is left.
func (l *lineReader) readLine() (string, error) {
	s, err := l.r.ReadString('\n')
	if err != nil {
		if !errors.Is(err, io.EOF) {
			return "", err
		}
		l.eof = true
		if s == "" {
			l.ended = true
			return "", io.EOF
		}
	}
	l.lines++
	l.pending = false
	return strings.TrimRight(s, "\r\n"), nil
}

// ttyReader is a lineReader that also exposes the terminal's descriptor,
// which huh needs to read a password without echo.
type ttyReader struct{ *lineReader }

// Fd returns the descriptor of the terminal the input comes from.
func (t ttyReader) Fd() uintptr { return t.fd }

// forPrompt returns the reader to give huh: with Fd when the input is a
// terminal, so secret prompts do not echo.
func (l *lineReader) forPrompt() io.Reader {
	if l.tty {
		return ttyReader{l}
	}
	return l
}
