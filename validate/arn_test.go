package validate

import (
	"strings"
	"testing"
)

func TestRoleARN(t *testing.T) {
	name64 := strings.Repeat("r", 64)
	for _, c := range []tc{
		{"aws", "arn:aws:iam::123456789012:role/StowageExport", true, ""},
		{"aws-cn", "arn:aws-cn:iam::123456789012:role/StowageExport", true, ""},
		{"aws-us-gov", "arn:aws-us-gov:iam::123456789012:role/StowageExport", true, ""},
		{"path", "arn:aws:iam::123456789012:role/service/exports/StowageExport", true, ""},
		{"all name chars", "arn:aws:iam::123456789012:role/a_b+c=d,e.f@g-h", true, ""},
		{"64 char name", "arn:aws:iam::123456789012:role/" + name64, true, ""},
		{"65 char name", "arn:aws:iam::123456789012:role/" + name64 + "r", false, "1–64 characters long (got 65)"},
		{"empty", "", false, "required"},
		{"no arn prefix", "aws:iam::123456789012:role/x", false, `start with "arn:"`},
		{"bare account", "123456789012", false, "bare account ID"},
		{"too few parts", "arn:aws:iam::123456789012", false, "six"},
		{"bad partition", "arn:aws-foo:iam::123456789012:role/x", false, `got "aws-foo"`},
		{"wrong service", "arn:aws:s3:::acme", false, `service "iam", got "s3"`},
		{"assumed role", "arn:aws:sts::123456789012:assumed-role/StowageExport/session", false, "assumed-role session"},
		{"short account", "arn:aws:iam::12345678901:role/x", false, "12 digits"},
		{"long account", "arn:aws:iam::1234567890123:role/x", false, "12 digits"},
		{"letters in account", "arn:aws:iam::12345678901a:role/x", false, "12 digits"},
		{"region set", "arn:aws:iam:us-east-1:123456789012:role/x", false, "region must be empty"},
		{"user arn", "arn:aws:iam::123456789012:user/bob", false, "IAM user ARN; a role ARN is needed"},
		{"root arn", "arn:aws:iam::123456789012:root", false, "account root"},
		{"no name", "arn:aws:iam::123456789012:role/", false, "name is missing"},
		{"path without name", "arn:aws:iam::123456789012:role/path/", false, "name is missing"},
		{"space in name", "arn:aws:iam::123456789012:role/Stowage Export", false, "a space at position 8"},
		{"bad path char", "arn:aws:iam::123456789012:role/pa*th/x", false, "path segment 1"},
		{"double slash", "arn:aws:iam::123456789012:role/a//x", false, `empty segment`},
		{"trailing space", "arn:aws:iam::123456789012:role/x ", false, "spaces"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := RoleARN(c.in)
			checkErr(t, err, c, "role ARN")
			exampleValid(t, err, RoleARN)
		})
	}
}

func TestRoleARNExampleKeepsPartitionAndAccount(t *testing.T) {
	err := RoleARN("arn:aws-cn:iam::210987654321:role/bad name").(*Error)
	if err.Example != "arn:aws-cn:iam::210987654321:role/StowageExport" {
		t.Fatalf("example = %q", err.Example)
	}
}

func TestUserARN(t *testing.T) {
	for _, c := range []tc{
		{"aws", "arn:aws:iam::123456789012:user/stowage-export", true, ""},
		{"aws-cn", "arn:aws-cn:iam::123456789012:user/stowage-export", true, ""},
		{"aws-us-gov", "arn:aws-us-gov:iam::123456789012:user/stowage-export", true, ""},
		{"path", "arn:aws:iam::123456789012:user/division/team/bob", true, ""},
		{"64", "arn:aws:iam::123456789012:user/" + strings.Repeat("u", 64), true, ""},
		{"65", "arn:aws:iam::123456789012:user/" + strings.Repeat("u", 65), false, "got 65"},
		{"role", "arn:aws:iam::123456789012:role/x", false, "IAM role ARN; a user ARN is needed"},
		{"group", "arn:aws:iam::123456789012:group/x", false, "IAM group ARN"},
		{"bad char", "arn:aws:iam::123456789012:user/bob!", false, `'!' at position 4`},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := UserARN(c.in)
			checkErr(t, err, c, "user ARN")
			exampleValid(t, err, UserARN)
		})
	}
}

func TestPrincipalARN(t *testing.T) {
	for _, c := range []tc{
		{"root", "arn:aws:iam::123456789012:root", true, ""},
		{"root cn", "arn:aws-cn:iam::123456789012:root", true, ""},
		{"root gov", "arn:aws-us-gov:iam::123456789012:root", true, ""},
		{"role", "arn:aws:iam::123456789012:role/Exporter", true, ""},
		{"role path", "arn:aws:iam::123456789012:role/svc/Exporter", true, ""},
		{"user", "arn:aws:iam::123456789012:user/exporter", true, ""},
		{"bare account", "123456789012", true, ""},
		{"leading zero account", "012345678901", true, ""},
		{"11 digits", "12345678901", false, "12-digit account ID"},
		{"group", "arn:aws:iam::123456789012:group/x", false, `got "group"`},
		{"service principal", "ec2.amazonaws.com", false, "12-digit account ID"},
		{"sts", "arn:aws:sts::123456789012:assumed-role/x/y", false, "assumed-role"},
		{"role name too long", "arn:aws:iam::123456789012:role/" + strings.Repeat("r", 65), false, "got 65"},
		{"region", "arn:aws:iam:eu-west-1:123456789012:root", false, "region must be empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := PrincipalARN(c.in)
			checkErr(t, err, c, "principal ARN")
			exampleValid(t, err, PrincipalARN)
		})
	}
}

func TestAccountID(t *testing.T) {
	for _, c := range []tc{
		{"ok", "123456789012", true, ""},
		{"leading zeros", "000000000001", true, ""},
		{"11", "12345678901", false, "exactly 12 digits (got 11)"},
		{"13", "1234567890123", false, "exactly 12 digits (got 13)"},
		{"hyphens", "1234-5678-9012", false, "without hyphens"},
		{"letter", "12345678901a", false, `'a' at position 12`},
		{"arn", "arn:aws:iam::123456789012:root", false, "is an ARN"},
		{"empty", "", false, "required"},
		{"space", " 123456789012", false, "spaces"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := AccountID(c.in)
			checkErr(t, err, c, "account ID")
			exampleValid(t, err, AccountID)
		})
	}
}

func TestAccountIDFromARN(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:iam::123456789012:role/x":                 "123456789012",
		"arn:aws-cn:iam::210987654321:root":                "210987654321",
		"arn:aws:kms:eu-west-1:111122223333:key/abc":       "111122223333",
		"arn:aws:sts::123456789012:assumed-role/r/session": "123456789012",
		"123456789012":                     "123456789012",
		"arn:aws:s3:::acme-bucket":         "",
		"arn:aws:iam::12345:role/x":        "",
		"not an arn":                       "",
		"":                                 "",
		"xrn:aws:iam::123456789012:role/x": "",
	} {
		if got := AccountIDFromARN(in); got != want {
			t.Errorf("AccountIDFromARN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKMSKeyARN(t *testing.T) {
	const uuid = "1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, c := range []tc{
		{"key", "arn:aws:kms:us-east-1:123456789012:key/" + uuid, true, ""},
		{"key cn", "arn:aws-cn:kms:cn-north-1:123456789012:key/" + uuid, true, ""},
		{"key gov", "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/" + uuid, true, ""},
		{"mrk", "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab", true, ""},
		{"alias", "arn:aws:kms:eu-west-1:123456789012:alias/stowage-exports", true, ""},
		{"aws alias", "arn:aws:kms:eu-west-1:123456789012:alias/aws/s3", true, ""},
		{"bare uuid", uuid, false, "full key ARN"},
		{"bare alias", "alias/stowage", false, "full key ARN"},
		{"no region", "arn:aws:kms::123456789012:key/" + uuid, false, "region is missing"},
		{"unknown region", "arn:aws:kms:eu-west-9:123456789012:key/" + uuid, false, "not a known AWS region"},
		{"partition mismatch", "arn:aws:kms:cn-north-1:123456789012:key/" + uuid, false, "belongs to partition aws-cn"},
		{"uppercase uuid", "arn:aws:kms:us-east-1:123456789012:key/" + strings.ToUpper(uuid), false, "lowercase UUID"},
		{"short uuid", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890a", false, "lowercase UUID"},
		{"mrk short", "arn:aws:kms:us-east-1:123456789012:key/mrk-1234", false, "multi-Region"},
		{"empty alias", "arn:aws:kms:us-east-1:123456789012:alias/", false, "1–256"},
		{"bad alias", "arn:aws:kms:us-east-1:123456789012:alias/a b", false, "a space at position 2"},
		{"other resource", "arn:aws:kms:us-east-1:123456789012:grant/x", false, `got "grant"`},
		{"iam arn", "arn:aws:iam::123456789012:role/x", false, `service "kms"`},
		{"bad account", "arn:aws:kms:us-east-1:1234:key/" + uuid, false, "12 digits"},
		{"empty", "", false, "required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := KMSKeyARN(c.in)
			checkErr(t, err, c, "KMS key ARN")
			exampleValid(t, err, KMSKeyARN)
		})
	}
}
