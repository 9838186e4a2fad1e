package validate

import (
	"strings"
	"testing"
)

// testSecret is a recognisable, well-formed AWS secret; no error may ever
// contain it or a long piece of it.
const testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"

func TestAccessKeyID(t *testing.T) {
	for _, c := range []struct {
		tc
		custom bool
	}{
		{tc{"akia", "AKIAIOSFODNN7EXAMPLE", true, ""}, false},
		{tc{"asia", "ASIAIOSFODNN7EXAMPLE", true, ""}, false},
		{tc{"19", "AKIAIOSFODNN7EXAMPL", false, "20 characters long (got 19)"}, false},
		{tc{"21", "AKIAIOSFODNN7EXAMPLEX", false, "20 characters long (got 21)"}, false},
		{tc{"wrong prefix", "ABCDIOSFODNN7EXAMPLE", false, "must start with AKIA"}, false},
		{tc{"lowercase", "AKIAiosfodnn7example", false, "character 5"}, false},
		{tc{"digit 8", "AKIAIOSFODNN8EXAMPLE", false, "character 13"}, false},
		{tc{"secret pasted", testSecret + "x", false, "looks like a secret access key"}, false},
		{tc{"empty", "", false, "required"}, false},
		{tc{"space", " AKIAIOSFODNN7EXAMPLE", false, "spaces"}, false},
		{tc{"custom minio", "minioadmin", true, ""}, true},
		{tc{"custom 3", "abc", true, ""}, true},
		{tc{"custom 128", strings.Repeat("k", 128), true, ""}, true},
		{tc{"custom 2", "ab", false, "3–128 characters long (got 2)"}, true},
		{tc{"custom 129", strings.Repeat("k", 129), false, "got 129"}, true},
		{tc{"custom space", "my key", false, "position 3"}, true},
		{tc{"custom unicode", "keyé", false, "position 4"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := AccessKeyID(c.in, c.custom)
			checkErr(t, err, c.tc, "access key ID")
			exampleValid(t, err, func(s string) error { return AccessKeyID(s, c.custom) })
		})
	}
}

func TestSecretAccessKey(t *testing.T) {
	for _, c := range []struct {
		tc
		custom bool
	}{
		{tc{"aws", testSecret + "E", true, ""}, false},
		{tc{"39", testSecret, false, "40 characters long (this one is shorter"}, false},
		{tc{"41", testSecret + "EE", false, "this one is longer"}, false},
		{tc{"bad char", testSecret[:20] + "-" + testSecret[20:], false, "character 21"}, false},
		{tc{"access key pasted", "AKIAIOSFODNN7EXAMPLE", false, "looks like an access key ID"}, false},
		{tc{"empty", "", false, "required"}, false},
		{tc{"trailing newline", testSecret + "E\n", false, "spaces"}, false},
		{tc{"custom minio", "minioadmin", true, ""}, true},
		{tc{"custom 8", "12345678", true, ""}, true},
		{tc{"custom 256", strings.Repeat("s", 256), true, ""}, true},
		{tc{"custom 7", "1234567", false, "8–256 characters long (this one is shorter)"}, true},
		{tc{"custom 257", strings.Repeat("s", 257), false, "this one is longer"}, true},
		{tc{"custom space", "secret value", false, "position 7"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := SecretAccessKey(c.in, c.custom)
			checkErr(t, err, c.tc, "secret access key")
			if err != nil && len(c.in) >= 8 && strings.Contains(err.Error(), strings.TrimSpace(c.in)[:8]) {
				t.Errorf("error %q echoes the secret", err)
			}
		})
	}
}

// TestSecretsNeverEchoed feeds a recognisable secret, in many wrong shapes,
// to every check that sees secrets and asserts no error carries it.
func TestSecretsNeverEchoed(t *testing.T) {
	const canary = "CANARYx9Q"
	secrets := []string{
		canary + testSecret,
		canary,
		canary + " with space",
		"  " + canary,
		canary + "\x00",
		strings.Repeat(canary, 40),
		canary[:4] + "é" + canary[4:],
	}
	for _, s := range secrets {
		for _, custom := range []bool{false, true} {
			for name, err := range map[string]error{
				"SecretAccessKey": SecretAccessKey(s, custom),
				"AccessKeyID":     AccessKeyID(s, custom),
			} {
				if err != nil && strings.Contains(err.Error(), "CANARY") {
					t.Errorf("%s(%q, %v) echoes the secret: %v", name, s, custom, err)
				}
			}
		}
	}
}

func TestExternalID(t *testing.T) {
	for _, c := range []tc{
		{"generated", "stowage-7f3a9c2e4b1d", true, ""},
		{"2 chars", "ab", true, ""},
		{"1224 chars", strings.Repeat("x", 1224), true, ""},
		{"all chars", "aZ0_+=,.@:/-", true, ""},
		{"1 char", "a", false, "2–1224 characters long (got 1)"},
		{"1225 chars", strings.Repeat("x", 1225), false, "got 1225"},
		{"empty", "", false, "required"},
		{"space", "abc def", false, "must not contain spaces (found a space at position 4)"},
		{"leading space", " abcdef", false, "must not contain spaces"},
		{"tab", "abc\tdef", false, "must not contain spaces"},
		{"newline", "abcdef\n", false, "must not contain spaces"},
		{"star", "abc*", false, `'*' at position 4`},
		{"unicode", "abcé", false, "U+00E9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ExternalID(c.in)
			checkErr(t, err, c, "external ID")
			exampleValid(t, err, ExternalID)
		})
	}
}
