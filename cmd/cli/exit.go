package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stowage-dev/stowage/internal/journaldb"
	"github.com/stowage-dev/stowage/tui"
	"github.com/stowage-dev/stowage/validate"
)

// Exit codes, mapped from errors in one place (ExitCode).
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2 // also: the journal is in use by another run; --accessible input ended

	ExitInterrupted = 130
)

// UsageError marks bad usage or invalid input: exit code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// usagef returns a UsageError with a formatted message.
func usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// SilentError carries an exit code for a failure that was already reported
// to the user (e.g. a failed connection test printed as a checklist).
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ErrInterrupted is returned when the user interrupted the command.
var ErrInterrupted = errors.New("interrupted")

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	var silent *SilentError
	var usage *UsageError
	var invalid *validate.Error
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &silent):
		return silent.Code
	case errors.Is(err, ErrInterrupted), errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &usage), errors.As(err, &invalid), errors.Is(err, journaldb.ErrBusy):
		// A journal in use: nothing was attempted; run again once the
		// other run is done, as after a usage error.
		return ExitUsage
	case errors.Is(err, tui.ErrInputEnded):
		// Input that ends before the wizard asked its last question is
		// incomplete input, not an interrupt (no signal, no ctrl+c):
		// bad input, with the draft kept for the next run.
		return ExitUsage
	default:
		return ExitFailed
	}
}

// printError writes err for a person: one "error:" line, then any further
// lines (joined errors) indented beneath it. With width (the terminal's
// columns; 0 when stderr is not a terminal) each is broken between words
// and its continuation indented, so the terminal does not break a word.
func printError(w io.Writer, err error, width int) {
	var silent *SilentError
	if err == nil || errors.As(err, &silent) {
		return
	}
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	for i, l := range lines {
		l = "  " + l
		if i == 0 {
			l = "error: " + lines[0]
		}
		if width > 20 {
			l = strings.ReplaceAll(wordwrap(l, width-3), "\n", "\n  ")
		}
		fmt.Fprintln(w, l)
	}
}

// wordwrap breaks s between words to fit width columns; a word longer
// than that (a path) stays whole, and a hyphen never ends a line, so
// --yes or an ARN is not cut in two.
func wordwrap(s string, width int) string {
	const nbHyphen = "\u2011"
	return strings.ReplaceAll(ansi.Wordwrap(strings.ReplaceAll(s, "-", nbHyphen), width, ""), nbHyphen, "-")
}
