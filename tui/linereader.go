package tui

import (
	"bufio"
	"errors"
	"io"
	"strings"
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
	if f, ok := r.(interface{ Fd() uintptr }); ok {
		lr.fd, lr.tty = f.Fd(), true
	}
	return lr
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
