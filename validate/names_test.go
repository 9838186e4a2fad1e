package validate

import (
	"strings"
	"testing"
)

func TestErrorFormat(t *testing.T) {
	err := S3Bucket("ab")
	want := "bucket: must be 3–63 characters long (got 2); example: acme-call-recordings"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	e := &Error{Field: "f", Rule: "r"}
	if e.Error() != "f: r" {
		t.Fatalf("no example: got %q", e.Error())
	}
}

func TestLocationName(t *testing.T) {
	for _, c := range []tc{
		{"simple", "acme-recordings", true, ""},
		{"one char", "a", true, ""},
		{"digit start", "9lives", true, ""},
		{"all allowed", "Acme_Prod.eu-1", true, ""},
		{"64 chars", strings.Repeat("a", 64), true, ""},
		{"65 chars", strings.Repeat("a", 65), false, "1–64 characters long (got 65)"},
		{"empty", "", false, "required"},
		{"space inside", "acme recordings", false, "a space at position 5"},
		{"leading space", " acme", false, "spaces"},
		{"slash", "acme/prod", false, `'/' at position 5`},
		{"leading hyphen", "-acme", false, "must start with a letter or digit"},
		{"leading dot", ".acme", false, "must start with a letter or digit"},
		{"unicode", "acmé", false, "U+00E9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := LocationName(c.in)
			checkErr(t, err, c, "location name")
			exampleValid(t, err, LocationName)
		})
	}
}

func TestS3Bucket(t *testing.T) {
	for _, c := range []tc{
		{"simple", "acme-call-recordings", true, ""},
		{"3 chars", "abc", true, ""},
		{"63 chars", strings.Repeat("a", 63), true, ""},
		{"dots", "acme.call.recordings", true, ""},
		{"digits", "123", true, ""},
		{"not quite an IP", "192.168.5.4a", true, ""},
		{"three groups", "192.168.5", true, ""},
		{"xn inside", "a-xn--b", true, ""},
		{"suffix inside", "a-s3alias-b", true, ""},
		{"2 chars", "ab", false, "3–63 characters long (got 2)"},
		{"64 chars", strings.Repeat("a", 64), false, "3–63 characters long (got 64)"},
		{"empty", "", false, "required"},
		{"uppercase", "Acme-Recordings", false, "uppercase 'A' at position 1"},
		{"uppercase says case-sensitive", "acmeRecordings", false, "case-sensitive"},
		{"uppercase says no lowercasing", "acmeRecordings", false, "does not lowercase it for you"},
		{"underscore", "acme_recordings", false, `'_' at position 5`},
		{"space", "acme recordings", false, "a space at position 5"},
		{"unicode", "acmé-bucket", false, "U+00E9"},
		{"starts with hyphen", "-acme", false, "must begin with a letter or digit"},
		{"starts with dot", ".acme", false, "must begin with a letter or digit"},
		{"ends with hyphen", "acme-", false, "must end with a letter or digit"},
		{"ends with dot", "acme.", false, "must end with a letter or digit"},
		{"adjacent periods", "acme..recordings", false, "two adjacent periods (at position 5)"},
		{"ip", "192.168.5.4", false, "IP address"},
		{"ip shaped out of range", "999.999.999.999", false, "IP address"},
		{"ip zeros", "0.0.0.0", false, "IP address"},
		{"prefix xn--", "xn--acme", false, `"xn--"`},
		{"prefix sthree-", "sthree-acme", false, `"sthree-"`},
		{"prefix sthree-configurator", "sthree-configurator", false, `"sthree-"`},
		{"prefix amzn-s3-demo-", "amzn-s3-demo-bucket", false, `"amzn-s3-demo-"`},
		{"suffix -s3alias", "acme-s3alias", false, `"-s3alias"`},
		{"suffix --ol-s3", "acme--ol-s3", false, `"--ol-s3"`},
		{"suffix .mrap", "acme.mrap", false, `".mrap"`},
		{"suffix --x-s3", "acme--usw2-az1--x-s3", false, `"--x-s3"`},
		{"suffix --table-s3", "acme--table-s3", false, `"--table-s3"`},
		{"leading space", " acme", false, "spaces"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := S3Bucket(c.in)
			checkErr(t, err, c, "bucket")
			exampleValid(t, err, S3Bucket)
		})
	}
}

func TestS3BucketExampleSuggestsFix(t *testing.T) {
	for in, want := range map[string]string{
		"Acme_Recordings": "acme-recordings",
		"ACME":            "acme",
		"ab":              exampleBucket,
		"xn--acme":        exampleBucket,
	} {
		t.Run(in, func(t *testing.T) {
			err := S3Bucket(in)
			if err == nil || err.(*Error).Example != want {
				t.Fatalf("S3Bucket(%q) = %v, want example %q", in, err, want)
			}
		})
	}
}

func TestS3BucketWarnings(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
	}{
		{"no dots", "acme-recordings", nil},
		{"dots", "acme.recordings", []string{"path-style", "TLS", "acme-recordings"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := S3BucketWarnings(c.in)
			if len(c.want) == 0 {
				if len(got) != 0 {
					t.Fatalf("want no warnings, got %q", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want one warning, got %q", got)
			}
			for _, w := range c.want {
				if !strings.Contains(got[0], w) {
					t.Errorf("warning %q does not mention %q", got[0], w)
				}
			}
		})
	}
}

func TestAzureContainer(t *testing.T) {
	for _, c := range []tc{
		{"simple", "call-recordings", true, ""},
		{"3 chars", "abc", true, ""},
		{"63 chars", strings.Repeat("a", 63), true, ""},
		{"digits", "2024", true, ""},
		{"root", "$root", true, ""},
		{"logs", "$logs", false, "Storage Analytics"},
		{"web", "$web", false, "public"},
		{"other dollar", "$foo", false, `'$' at position 1`},
		{"2 chars", "ab", false, "3–63 characters long (got 2)"},
		{"64 chars", strings.Repeat("a", 64), false, "3–63 characters long (got 64)"},
		{"empty", "", false, "required"},
		{"uppercase", "Recordings", false, "lowercase"},
		{"underscore", "call_recordings", false, `'_' at position 5`},
		{"dot", "call.recordings", false, `'.' at position 5`},
		{"leading hyphen", "-calls", false, "start with a letter or digit"},
		{"trailing hyphen", "calls-", false, "end with a letter or digit"},
		{"double hyphen", "call--recordings", false, "two hyphens in a row"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := AzureContainer(c.in)
			checkErr(t, err, c, "container")
			exampleValid(t, err, AzureContainer)
		})
	}
}
