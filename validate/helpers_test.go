package validate

import (
	"errors"
	"strings"
	"testing"
)

// tc is one table row: input, whether it is valid, and for invalid input a
// fragment the rule must contain.
type tc struct {
	name string
	in   string
	ok   bool
	rule string
}

// checkErr asserts the outcome of one row and the shape of every error:
// it is an *Error matching ErrInvalid, names the field, carries an example
// and mentions the expected fragment.
func checkErr(t *testing.T, err error, c tc, field string) {
	t.Helper()
	if c.ok {
		if err != nil {
			t.Fatalf("%q: want valid, got %v", c.in, err)
		}
		return
	}
	if err == nil {
		t.Fatalf("%q: want error containing %q, got nil", c.in, c.rule)
	}
	var ve *Error
	if !errors.As(err, &ve) {
		t.Fatalf("%q: error %T is not *validate.Error", c.in, err)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("%q: errors.Is(err, ErrInvalid) = false", c.in)
	}
	if ve.Field != field {
		t.Errorf("%q: Field = %q, want %q", c.in, ve.Field, field)
	}
	if ve.Example == "" {
		t.Errorf("%q: error has no example: %v", c.in, err)
	}
	if !strings.HasPrefix(err.Error(), field+": ") || !strings.Contains(err.Error(), "; example: "+ve.Example) {
		t.Errorf("%q: Error() = %q, want field prefix and example", c.in, err)
	}
	if !strings.Contains(ve.Rule, c.rule) {
		t.Errorf("%q: rule %q does not contain %q", c.in, ve.Rule, c.rule)
	}
}

// exampleValid asserts that the example an error offers passes the same
// check, so the user can copy it.
func exampleValid(t *testing.T, err error, check func(string) error) {
	t.Helper()
	var ve *Error
	if errors.As(err, &ve) {
		if e := check(ve.Example); e != nil {
			t.Errorf("example %q is itself invalid: %v", ve.Example, e)
		}
	}
}
