package validate

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzErr checks the invariants every error shares: an *Error for the
// right field whose example passes the same check.
func fuzzErr(t *testing.T, in string, err error, field string, check func(string) error) {
	t.Helper()
	if err == nil {
		return
	}
	var ve *Error
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("%q: error %T %v is not a *validate.Error", in, err, err)
	}
	if ve.Field != field || ve.Rule == "" || ve.Example == "" {
		t.Fatalf("%q: incomplete error %#v", in, ve)
	}
	if check != nil {
		if e := check(ve.Example); e != nil {
			t.Fatalf("%q: example %q is invalid: %v", in, ve.Example, e)
		}
	}
}

func FuzzS3Bucket(f *testing.F) {
	for _, s := range []string{"acme-call-recordings", "ab", "192.168.5.4", "xn--a", "a..b", "Acme", "acme--x-s3", "a.b.c", "sthree-x", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := S3Bucket(s)
		fuzzErr(t, s, err, "bucket", S3Bucket)
		_ = S3BucketWarnings(s)
		if err != nil {
			return
		}
		if len(s) < 3 || len(s) > 63 || strings.Contains(s, "..") || looksLikeIPv4(s) {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			if !isLowerOrDigit(r) && r != '.' && r != '-' {
				t.Fatalf("accepted %q with %q", s, r)
			}
		}
		for _, p := range bucketReservedPrefixes {
			if strings.HasPrefix(s, p) {
				t.Fatalf("accepted reserved %q", s)
			}
		}
		for _, p := range bucketReservedSuffixes {
			if strings.HasSuffix(s, p) {
				t.Fatalf("accepted reserved %q", s)
			}
		}
	})
}

func FuzzAzureContainer(f *testing.F) {
	for _, s := range []string{"call-recordings", "$root", "$web", "a--b", "AB", "-ab"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := AzureContainer(s)
		fuzzErr(t, s, err, "container", AzureContainer)
		if err == nil && s != "$root" && (len(s) < 3 || len(s) > 63 || strings.Contains(s, "--") || strings.Trim(s, "-") != s) {
			t.Fatalf("accepted %q", s)
		}
	})
}

func FuzzLocationName(f *testing.F) {
	for _, s := range []string{"acme", "-x", "a b", strings.Repeat("a", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := LocationName(s)
		fuzzErr(t, s, err, "location name", LocationName)
		if err == nil && (s == "" || len(s) > 64 || strings.ContainsAny(s, " /\\:") || s[0] == '-') {
			t.Fatalf("accepted %q", s)
		}
	})
}

func FuzzRegion(f *testing.F) {
	for _, s := range []string{"us-east-1", "eu-wset-1", "EU-WEST-1", "auto", "", " x"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, custom bool) {
		err := Region(s, custom)
		fuzzErr(t, s, err, "region", func(ex string) error { return Region(ex, false) })
		if err == nil && !custom && RegionName(s) == "" {
			t.Fatalf("accepted unknown region %q", s)
		}
		if err == nil && (s == "" || strings.ContainsAny(s, " /:")) {
			t.Fatalf("accepted %q", s)
		}
	})
}

func fuzzIAM(f *testing.F, field string, check func(string) error) {
	for _, s := range []string{
		"arn:aws:iam::123456789012:role/StowageExport", "arn:aws-cn:iam::123456789012:role/a/b/c",
		"arn:aws-us-gov:iam::123456789012:user/u", "arn:aws:iam::123456789012:root",
		"arn:aws:sts::123456789012:assumed-role/r/s", "123456789012", "arn:aws:iam::1:role/", "arn:",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := check(s)
		fuzzErr(t, s, err, field, check)
		if err != nil {
			return
		}
		if AccountIDFromARN(s) == "" {
			t.Fatalf("accepted %q without an account", s)
		}
		if strings.ContainsAny(s, " \t\n*?") || !utf8.ValidString(s) {
			t.Fatalf("accepted %q", s)
		}
		if PrincipalARN(s) != nil {
			t.Fatalf("accepted %q that PrincipalARN rejects", s)
		}
	})
}

func FuzzRoleARN(f *testing.F)      { fuzzIAM(f, "role ARN", RoleARN) }
func FuzzUserARN(f *testing.F)      { fuzzIAM(f, "user ARN", UserARN) }
func FuzzPrincipalARN(f *testing.F) { fuzzIAM(f, "principal ARN", PrincipalARN) }

func FuzzAccountID(f *testing.F) {
	for _, s := range []string{"123456789012", "1234-5678-9012", "arn:aws:iam::123456789012:root", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := AccountID(s)
		fuzzErr(t, s, err, "account ID", AccountID)
		if (err == nil) != isAccountID(s) {
			t.Fatalf("AccountID(%q) = %v", s, err)
		}
	})
}

func FuzzKMSKeyARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
		"arn:aws-cn:kms:cn-north-1:123456789012:alias/x", "alias/x", "arn:aws:kms:cn-north-1:123456789012:key/x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := KMSKeyARN(s)
		fuzzErr(t, s, err, "KMS key ARN", KMSKeyARN)
		if err != nil {
			return
		}
		parts := strings.SplitN(s, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" || RegionName(parts[3]) == "" || Partition(parts[3]) != parts[1] || AccountIDFromARN(s) == "" {
			t.Fatalf("accepted %q", s)
		}
	})
}

func FuzzExternalID(f *testing.F) {
	for _, s := range []string{"stowage-7f3a9c2e4b1d", "a", "a b", strings.Repeat("x", 1225), "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ExternalID(s)
		fuzzErr(t, s, err, "external ID", ExternalID)
		if err == nil {
			if n := utf8.RuneCountInString(s); n < 2 || n > 1224 || strings.ContainsAny(s, " \t\r\n") || !utf8.ValidString(s) {
				t.Fatalf("accepted %q", s)
			}
		}
	})
}

// FuzzAccessKeys asserts that a recognisable secret given to either
// credential check never comes back in an error.
func FuzzAccessKeys(f *testing.F) {
	f.Add("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", false)
	f.Add("AKIAIOSFODNN7EXAMPLE", true)
	f.Add(" x y", false)
	f.Fuzz(func(t *testing.T, s string, custom bool) {
		secret := "QxCANARY" + s
		for name, check := range map[string]func(string, bool) error{"access key ID": AccessKeyID, "secret access key": SecretAccessKey} {
			for _, in := range []string{s, secret} {
				err := check(in, custom)
				fuzzErr(t, in, err, name, nil)
				if err != nil && strings.Contains(err.Error(), "QxCANARY") {
					t.Fatalf("%s echoes the secret: %v", name, err)
				}
			}
		}
	})
}

func FuzzPrefix(f *testing.F) {
	for _, s := range []string{"recordings/", "/a", "a//b", "a/../b", "\x00", strings.Repeat("é", 500), `a\b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := Prefix(s)
		fuzzErr(t, s, err, "prefix", Prefix)
		n := NormalizePrefix(s)
		if NormalizePrefix(n) != n {
			t.Fatalf("NormalizePrefix not idempotent: %q -> %q -> %q", s, n, NormalizePrefix(n))
		}
		if n != "" && (strings.HasPrefix(n, "/") || !strings.HasSuffix(n, "/")) {
			t.Fatalf("NormalizePrefix(%q) = %q", s, n)
		}
		if err == nil {
			if len(s) > maxPrefixBytes || !utf8.ValidString(s) || strings.HasPrefix(s, "/") || strings.Contains(s, "//") {
				t.Fatalf("accepted %q", s)
			}
			for _, seg := range strings.Split(s, "/") {
				if seg == "." || seg == ".." {
					t.Fatalf("accepted %q", s)
				}
			}
		}
	})
}

func FuzzEndpoint(f *testing.F) {
	for _, s := range []string{"https://s3.example.com", "http://[::1]:9000/", "s3.example.com:9000", "https://u:p@h", "https://h/p?q#f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := Endpoint(s)
		fuzzErr(t, s, err, "endpoint", Endpoint)
		if err == nil {
			u, perr := url.Parse(s)
			if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || (u.Path != "" && u.Path != "/") {
				t.Fatalf("accepted %q", s)
			}
		}
		if err != nil && strings.Contains(s, "@") {
			if u, perr := url.Parse(s); perr == nil && u.User != nil {
				if p, ok := u.User.Password(); ok && len(p) >= 8 && strings.Contains(err.Error(), p) {
					t.Fatalf("error echoes the URL password: %v", err)
				}
			}
		}
	})
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/mnt/nas", "~", "~/x", "rel", "", "/a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := LocalPath(s)
		fuzzErr(t, s, err, "path", LocalPath)
		if err == nil && (strings.Contains(s, "\x00") || strings.TrimSpace(s) == "") {
			t.Fatalf("accepted %q", s)
		}
	})
}

// connVocabulary is every constant text an error may contain; a fuzzed
// "secret" that is part of it proves nothing when found in an error.
var connVocabulary = strings.Join(connKeys, ",") + exampleConnectionString + redactedValue + devBlobURL

// secretValues finds AccountKey and SharedAccessSignature values with a
// splitter independent of the parser.
func secretValues(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "?"))
		if ok && (strings.EqualFold(k, keyAccountKey) || strings.EqualFold(k, keySAS)) && len(v) >= 16 && !strings.Contains(connVocabulary, v) {
			out = append(out, v)
		}
	}
	return out
}

func FuzzParseConnectionString(f *testing.F) {
	for _, s := range []string{
		"DefaultEndpointsProtocol=https;AccountName=acmerecordings;AccountKey=" + testAccountKey + ";EndpointSuffix=core.windows.net",
		"BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=" + testSAS,
		"UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://p",
		"accountname=a;accountkey=" + testAccountKey + ";",
		"AccountName=acme;" + testAccountKey,
		";;=", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseConnectionString(s)
		fuzzErr(t, s, err, "connection string", nil)
		secrets := secretValues(s)
		if err != nil {
			for _, v := range secrets {
				if strings.Contains(err.Error(), v) {
					t.Fatalf("error echoes a secret: %v", err)
				}
			}
			return
		}
		red := cs.Redacted()
		for _, v := range secrets {
			if strings.Contains(red, v) && strings.Count(s, v) == 1 {
				t.Fatalf("Redacted() = %q contains a secret", red)
			}
		}
		if cs.AuthKind() == "" || cs.BlobURL() == "" {
			t.Fatalf("accepted %q without auth or endpoint", s)
		}
		back, err := ParseConnectionString(cs.SDKString())
		if err != nil {
			t.Fatalf("SDKString of %q does not re-parse: %v", s, err)
		}
		if back.BlobURL() != cs.BlobURL() {
			t.Fatalf("SDKString changes BlobURL: %q vs %q", back.BlobURL(), cs.BlobURL())
		}
		if back.Redacted() != cs.Redacted() && !cs.DevelopmentStorage {
			t.Fatalf("SDKString round trip changes the string: %q vs %q", back.Redacted(), cs.Redacted())
		}
	})
}

// FuzzConnectionStringSecrets plants a recognisable account key and SAS
// signature among fuzzed parts and asserts neither ever leaves the parser
// except through the secret fields and SDKString.
func FuzzConnectionStringSecrets(f *testing.F) {
	f.Add("AccountName=acme", "", []byte("key bytes"), false)
	f.Add("BlobEndpoint=https://a.blob.core.windows.net", ";x", []byte{1, 2, 3}, true)
	f.Add("", "AccountName=acme;", []byte{}, false)
	f.Fuzz(func(t *testing.T, before, after string, key []byte, sas bool) {
		const marker = "Q0FOQVJZ" // base64 of "CANARY", so the key stays valid base64
		if strings.Contains(strings.ToUpper(before+after), "Q0FOQVJZ") {
			return
		}
		secret := "AccountKey=" + marker + base64.StdEncoding.EncodeToString(key)
		if sas {
			secret = "SharedAccessSignature=sv=2022-11-02&sig=" + marker + base64.URLEncoding.EncodeToString(key)
		}
		s := before + ";" + secret + ";" + after
		cs, err := ParseConnectionString(s)
		if err != nil {
			if strings.Contains(strings.ToUpper(err.Error()), "Q0FOQVJZ") {
				t.Fatalf("error echoes the secret: %v", err)
			}
			return
		}
		if strings.Contains(cs.Redacted(), marker) {
			t.Fatalf("Redacted() = %q contains the secret", cs.Redacted())
		}
	})
}
