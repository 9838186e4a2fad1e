package export

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/validate"
)

func TestParseKeyTemplateErrors(t *testing.T) {
	cases := []struct {
		tmpl string
		want string // part of the message
	}{
		{"{date}/{base}", "unknown field {date}"},
		{"{path", "unclosed"},
		{"a}/{path}", "unmatched"},
		{"{}/{path}", "empty field"},
		{"{mtime}/{base}", "needs a Go time layout"},
		{"{mtime:}/{base}", "needs a Go time layout"},
		{"{mtime:day}/{base}", "no time elements"},
		{"{path:x}", "takes no"},
		{"{dir}/{ext}", "must contain {path}, {base} or {name}"},
		{"../{path}", `".." segment`},
		{"a/./{base}", `"." segment`},
	}
	for _, c := range cases {
		t.Run(c.tmpl, func(t *testing.T) {
			_, err := parseKeyTemplate(c.tmpl)
			var ve *validate.Error
			if !errors.As(err, &ve) || ve.Field != "--key-template" || ve.Example == "" {
				t.Fatalf("err = %v, want a --key-template error with an example", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %q, want it to say %q", err, c.want)
			}
			if _, err := parseKeyTemplate(ve.Example); err != nil {
				t.Fatalf("the example %q is itself invalid: %v", ve.Example, err)
			}
		})
	}
}

func TestRenderKey(t *testing.T) {
	mt := time.Date(2024, 12, 31, 23, 30, 0, 0, time.FixedZone("X", 3600))
	cases := []struct {
		tmpl, rel, want string
	}{
		{"{path}", "a/b/c.wav", "a/b/c.wav"},
		{"{dir}/{base}", "c.wav", "c.wav"},
		{"{dir}/{name}.{ext}", "a/c.tar.gz", "a/c.tar..gz"},
		{"{name}{ext}", "noext", "noext"},
		{"{mtime:2006/01/02}/{base}", "x.wav", "2024/12/31/x.wav"}, // UTC: 22:30 on the 31st
		{"/lead//{path}/", "x.wav", "lead/x.wav"},
		{"{source}-{base}", "x.wav", "recs-x.wav"},
	}
	for _, c := range cases {
		t.Run(c.tmpl, func(t *testing.T) {
			tm, err := parseKeyTemplate(c.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tm.render(fileVars{rel: c.rel, source: "recs", mtime: mt})
			if err != nil || got != c.want {
				t.Fatalf("render = %q, %v; want %q", got, err, c.want)
			}
		})
	}
	t.Run("invalid UTF-8 name", func(t *testing.T) {
		tm, _ := parseKeyTemplate("{path}")
		if _, err := tm.render(fileVars{rel: "bad\xff.wav"}); err == nil || !strings.Contains(err.Error(), "UTF-8") {
			t.Fatalf("err = %v, want a UTF-8 error", err)
		}
	})
}
