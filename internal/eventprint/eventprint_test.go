package eventprint

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	type call struct {
		at    time.Duration
		every time.Duration
		want  bool
	}
	cases := []struct {
		name  string
		calls []call
	}{
		{"first call is due", []call{{0, time.Second, true}}},
		{"within the interval", []call{{0, time.Second, true}, {500 * time.Millisecond, time.Second, false}, {time.Second, time.Second, true}}},
		{"interval restarts at the last line", []call{{0, time.Second, true}, {1500 * time.Millisecond, time.Second, true}, {2 * time.Second, time.Second, false}}},
		{"zero means five seconds", []call{{0, 0, true}, {4 * time.Second, 0, false}, {5 * time.Second, -1, true}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var th Throttle
			for i, cl := range c.calls {
				if got := th.Due(t0.Add(cl.at), cl.every); got != cl.want {
					t.Fatalf("call %d at +%s: Due = %v, want %v", i, cl.at, got, cl.want)
				}
			}
		})
	}
}

func TestJSONLines(t *testing.T) {
	cases := []struct {
		name string
		vals []any
		want string
	}{
		{"one line a value", []any{map[string]any{"type": "a"}, map[string]any{"n": 1}}, "{\"type\":\"a\"}\n{\"n\":1}\n"},
		{"nothing written", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			var j JSONLines
			for _, v := range c.vals {
				j.Encode(&buf, v)
			}
			if buf.String() != c.want {
				t.Fatalf("wrote %q, want %q", buf.String(), c.want)
			}
		})
	}
}

func TestErrText(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want any
	}{
		{"nil is null", nil, nil},
		{"text", errors.New("boom"), "boom"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ErrText(c.err); got != c.want {
				t.Fatalf("ErrText = %#v, want %#v", got, c.want)
			}
		})
	}
}
