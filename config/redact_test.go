package config_test

import (
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
)

// TestShowTyping: an identifier being typed on a shared screen reveals no
// more than Show of the finished value, at every keystroke; an ARN keeps
// its length rune for rune; Show masks an account that is not 12 digits
// whole instead of printing it.
func TestShowTyping(t *testing.T) {
	tests := []struct {
		s           config.Sensitivity
		v           string
		screenShare bool
		done        bool
		want        string
	}{
		{config.Identifier, "arn:aws:iam::", true, false, "arn:aws:iam::"},
		{config.Identifier, "arn:aws:iam::3705", true, false, "arn:aws:iam::••••"},
		{config.Identifier, "arn:aws:iam::370512846193", true, false, "arn:aws:iam::••••••••••••"},
		{config.Identifier, "arn:aws:iam::370512846193:", true, false, "arn:aws:iam::••••••••6193:"},
		{config.Identifier, "arn:aws:iam::370512846193:role/Export2", true, true, "arn:aws:iam::••••••••6193:role/Export2"},
		{config.Identifier, "arn:aws:iam::3705128461934:role/x", true, false, "arn:aws:iam::•••••••••••••:role/x"},
		{config.Identifier, "arn:aws:kms:us-east-1:370512846193:key/1", true, true, "arn:aws:kms:us-east-1:••••••••6193:key/1"},
		{config.Identifier, "AKIAZ7Q3XK", true, false, "••••••••"},
		{config.Identifier, "AKIAZ7Q3XK5R2M4PL6WB", true, false, "••••••••"},
		{config.Identifier, "AKIAZ7Q3XK5R2M4PL6WB", true, true, "••••••••L6WB"},
		{config.Identifier, "AKIAZ7Q3XK5R2M4PL6WB", false, false, "AKIAZ7Q3XK5R2M4PL6WB"},
		{config.Identifier, "", true, false, ""},
		{config.Plain, "acme-1234567890", true, false, "acme-1234567890"},
		{config.Secret, "wJalrXUtnFEMI/K7MDENG", false, true, ""},
	}
	for _, tt := range tests {
		got := config.ShowTyping(tt.s, tt.v, tt.screenShare, tt.done)
		if got != tt.want {
			t.Errorf("ShowTyping(%v, %q, %v, %v) = %q, want %q", tt.s, tt.v, tt.screenShare, tt.done, got, tt.want)
		}
		if tt.s == config.Identifier && tt.screenShare && strings.HasPrefix(tt.v, "arn:") &&
			len([]rune(got)) != len([]rune(tt.v)) {
			t.Errorf("ShowTyping(%q) = %q: not rune for rune", tt.v, got)
		}
	}
	for v, want := range map[string]string{
		"arn:aws:iam::370512846193:role/x":  "arn:aws:iam::••••••••6193:role/x",
		"arn:aws:iam::37051284619:role/x":   "arn:aws:iam::•••••••••••:role/x",
		"arn:aws:iam::3705128461934:role/x": "arn:aws:iam::•••••••••••••:role/x",
	} {
		if got := config.Show(config.Identifier, v, true); got != want {
			t.Errorf("Show(%q) = %q, want %q", v, got, want)
		}
	}
	r := config.NewRedactor(true)
	r.Add(config.Identifier, "arn:aws:iam::37051284619:role/x")
	if got := r.Text(`account must be exactly 12 digits (got "37051284619")`); strings.Contains(got, "37051") {
		t.Errorf("the Redactor leaves a bad account in an error: %s", got)
	}
	// A part of an account being typed does not break up a whole one.
	r = config.NewRedactor(true)
	r.Add(config.Identifier, "arn:aws:iam::1234567")
	if got, want := r.Text("example: arn:aws:iam::123456789012:role/x"), "example: arn:aws:iam::••••••••9012:role/x"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}
