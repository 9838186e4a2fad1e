package validate

import (
	"errors"
	"strings"
	"testing"
)

// Recognisable secrets: a base64 account key and a SAS token whose
// signature is a canary; no error or Redacted() may contain either.
const (
	testAccountKey = "U0VDUkVUS0VZQ0FOQVJZU0VDUkVUS0VZQ0FOQVJZU0VDUkVUS0VZQ0FOQVJZU0VDUkVUS0VZQ0FOQVJZUVE="
	testSASSig     = "SASCANARYsig123"
	testSAS        = "sv=2022-11-02&ss=b&srt=co&sp=rwl&se=2030-01-01T00:00:00Z&sig=" + testSASSig
)

func TestParseConnectionString(t *testing.T) {
	for _, c := range []struct {
		tc
		blobURL, auth string
	}{
		{tc{"portal account key", "DefaultEndpointsProtocol=https;AccountName=acmerecordings;AccountKey=" + testAccountKey + ";EndpointSuffix=core.windows.net", true, ""},
			"https://acmerecordings.blob.core.windows.net", "account-key"},
		{tc{"trailing semicolon", "AccountName=acmerecordings;AccountKey=" + testAccountKey + ";", true, ""},
			"https://acmerecordings.blob.core.windows.net", "account-key"},
		{tc{"lowercase keys", "defaultendpointsprotocol=HTTP;accountname=acme;accountkey=" + testAccountKey, true, ""},
			"http://acme.blob.core.windows.net", "account-key"},
		{tc{"china cloud", "AccountName=acme;AccountKey=" + testAccountKey + ";EndpointSuffix=core.chinacloudapi.cn", true, ""},
			"https://acme.blob.core.chinacloudapi.cn", "account-key"},
		{tc{"azurite explicit", "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + devAccountKey + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;", true, ""},
			"http://127.0.0.1:10000/devstoreaccount1", "account-key"},
		{tc{"sas", "BlobEndpoint=https://acme.blob.core.windows.net/;SharedAccessSignature=" + testSAS, true, ""},
			"https://acme.blob.core.windows.net", "sas"},
		{tc{"sas with question mark", "BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=?" + testSAS, true, ""},
			"https://acme.blob.core.windows.net", "sas"},
		{tc{"sas portal form", "BlobEndpoint=https://acme.blob.core.windows.net/;QueueEndpoint=https://acme.queue.core.windows.net/;FileEndpoint=https://acme.file.core.windows.net/;TableEndpoint=https://acme.table.core.windows.net/;SharedAccessSignature=" + testSAS, true, ""},
			"https://acme.blob.core.windows.net", "sas"},
		{tc{"dev storage", "UseDevelopmentStorage=true", true, ""}, devBlobURL, "development-storage"},
		{tc{"dev storage with proxy", "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://myproxy", true, ""},
			"http://myproxy:10000/devstoreaccount1", "development-storage"},
		{tc{"surrounding whitespace", "  AccountName=acme;AccountKey=" + testAccountKey + "\n", true, ""},
			"https://acme.blob.core.windows.net", "account-key"},

		{tc{"empty", "", false, "required"}, "", ""},
		{tc{"quoted", `"AccountName=acme;AccountKey=` + testAccountKey + `"`, false, "quotes"}, "", ""},
		{tc{"empty part", "AccountName=acme;;AccountKey=" + testAccountKey, false, "part 2 is empty"}, "", ""},
		{tc{"no equals", "AccountName=acme;" + strings.TrimSuffix(testAccountKey, "="), false, "part 2 is not a Key=Value pair"}, "", ""},
		{tc{"unknown key", "AccountName=acme;AccountKey=" + testAccountKey + ";Foo=bar", false, `unknown key "Foo" in part 3; known keys are DefaultEndpointsProtocol`}, "", ""},
		{tc{"duplicate key", "AccountName=acme;accountname=acme;AccountKey=" + testAccountKey, false, "AccountName is given twice"}, "", ""},
		{tc{"empty value", "AccountName=;AccountKey=" + testAccountKey, false, "AccountName has no value"}, "", ""},
		{tc{"bad protocol", "DefaultEndpointsProtocol=ftp;AccountName=acme;AccountKey=" + testAccountKey, false, "DefaultEndpointsProtocol must be https or http"}, "", ""},
		{tc{"missing key", "DefaultEndpointsProtocol=https;AccountName=acme;EndpointSuffix=core.windows.net", false, "AccountKey is missing"}, "", ""},
		{tc{"missing account", "AccountKey=" + testAccountKey, false, "AccountName is missing"}, "", ""},
		{tc{"bad base64", "AccountName=acme;AccountKey=" + testAccountKey[:20] + "!!", false, "AccountKey is not valid base64"}, "", ""},
		{tc{"placeholder key", "AccountName=acme;AccountKey=<base64 key>", false, "placeholder"}, "", ""},
		{tc{"account name uppercase", "AccountName=Acme;AccountKey=" + testAccountKey, false, "AccountName has 'A' at position 1"}, "", ""},
		{tc{"account name short", "AccountName=ab;AccountKey=" + testAccountKey, false, "AccountName must be 3–24"}, "", ""},
		{tc{"suffix with scheme", "AccountName=acme;AccountKey=" + testAccountKey + ";EndpointSuffix=https://core.windows.net", false, "EndpointSuffix must be a DNS suffix"}, "", ""},
		{tc{"blob endpoint not url", "AccountName=acme;AccountKey=" + testAccountKey + ";BlobEndpoint=acme.blob.core.windows.net", false, "BlobEndpoint must be an http:// or https:// URL"}, "", ""},
		{tc{"blob endpoint with query", "BlobEndpoint=https://acme.blob.core.windows.net/?" + testSAS + ";SharedAccessSignature=" + testSAS, false, "BlobEndpoint must not have a query"}, "", ""},
		{tc{"key and sas", "AccountName=acme;AccountKey=" + testAccountKey + ";BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=" + testSAS, false, "both AccountKey and SharedAccessSignature"}, "", ""},
		{tc{"sas without blob endpoint", "AccountName=acme;SharedAccessSignature=" + testSAS, false, "BlobEndpoint is missing"}, "", ""},
		{tc{"sas without sig", "BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=sv=2022-11-02&sp=r", false, "no sig parameter"}, "", ""},
		{tc{"sas without sv", "BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=sig=" + testSASSig, false, "no sv"}, "", ""},
		{tc{"sas bad escape", "BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=sv=1&sig=%zz" + testSASSig, false, "not a valid SAS token"}, "", ""},
		{tc{"nothing usable", "EndpointSuffix=core.windows.net", false, "needs AccountName and AccountKey"}, "", ""},
		{tc{"dev storage false", "UseDevelopmentStorage=false", false, "must be true"}, "", ""},
		{tc{"dev storage with account", "UseDevelopmentStorage=true;AccountName=acme", false, "must stand alone"}, "", ""},
		{tc{"proxy without dev", "AccountName=acme;AccountKey=" + testAccountKey + ";DevelopmentStorageProxyUri=http://p", false, "needs UseDevelopmentStorage=true"}, "", ""},
		{tc{"proxy with path", "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://p/x", false, "without a path"}, "", ""},
		{tc{"newline inside value", "AccountName=acme;AccountKey=" + testAccountKey[:40] + "\n" + testAccountKey[40:], false, "line break"}, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cs, err := ParseConnectionString(c.in)
			checkErr(t, err, c.tc, "connection string")
			if err != nil {
				if ve := err.(*Error); ve.Example != exampleConnectionString {
					t.Errorf("example = %q", ve.Example)
				}
				assertNoSecret(t, err.Error())
				return
			}
			if got := cs.BlobURL(); got != c.blobURL {
				t.Errorf("BlobURL() = %q, want %q", got, c.blobURL)
			}
			if got := cs.AuthKind(); got != c.auth {
				t.Errorf("AuthKind() = %q, want %q", got, c.auth)
			}
			red := cs.Redacted()
			assertNoSecret(t, red)
			if (cs.AccountKey != "" || cs.SharedAccessSignature != "") && !strings.Contains(red, redactedValue) {
				t.Errorf("Redacted() = %q lacks the marker", red)
			}
			// The SDK form must parse back to the same endpoint and auth.
			back, err := ParseConnectionString(cs.SDKString())
			if err != nil {
				t.Fatalf("SDKString() does not re-parse: %v", err)
			}
			if back.BlobURL() != cs.BlobURL() {
				t.Errorf("SDKString BlobURL = %q, want %q", back.BlobURL(), cs.BlobURL())
			}
		})
	}
}

func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{testAccountKey, testAccountKey[:20], testAccountKey[40:60], testSASSig, testSAS, "U0VDUkVU"} {
		if strings.Contains(s, secret) {
			t.Errorf("%q contains secret %q", s, secret)
		}
	}
}

func TestConnectionStringRedacted(t *testing.T) {
	cs, err := ParseConnectionString("DefaultEndpointsProtocol=https;AccountName=acmerecordings;AccountKey=" + testAccountKey + ";EndpointSuffix=core.windows.net")
	if err != nil {
		t.Fatal(err)
	}
	want := "DefaultEndpointsProtocol=https;AccountName=acmerecordings;AccountKey=•••• (set);EndpointSuffix=core.windows.net"
	if got := cs.Redacted(); got != want {
		t.Errorf("Redacted() = %q, want %q", got, want)
	}
	sas, err := ParseConnectionString("BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=?" + testSAS)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sas.Redacted(), "BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=•••• (set)"; got != want {
		t.Errorf("Redacted() = %q, want %q", got, want)
	}
	if sas.SharedAccessSignature != testSAS {
		t.Errorf("leading ? not stripped: %q", sas.SharedAccessSignature)
	}
}

func TestConnectionStringSDKString(t *testing.T) {
	cs, err := ParseConnectionString("accountname=acme;ACCOUNTKEY=" + testAccountKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cs.SDKString(), "AccountName=acme;AccountKey="+testAccountKey; got != want {
		t.Errorf("SDKString() = %q, want %q", got, want)
	}
	dev, err := ParseConnectionString("UseDevelopmentStorage=true")
	if err != nil {
		t.Fatal(err)
	}
	s := dev.SDKString()
	for _, want := range []string{"AccountName=devstoreaccount1", "AccountKey=" + devAccountKey, "BlobEndpoint=" + devBlobURL} {
		if !strings.Contains(s, want) {
			t.Errorf("SDKString() = %q lacks %q", s, want)
		}
	}
}

// TestConnectionStringUnknownKeyFromSecret: a bare base64 key pasted as a
// part splits at its padding into a "key" that is really the secret; it
// must be referred to by position, not quoted.
func TestConnectionStringUnknownKeyFromSecret(t *testing.T) {
	_, err := ParseConnectionString("AccountName=acme;" + testAccountKey)
	if err == nil || !errors.Is(err, ErrInvalid) {
		t.Fatalf("want error, got %v", err)
	}
	if !strings.Contains(err.Error(), "part 2 has an unknown key") {
		t.Errorf("error = %v", err)
	}
	assertNoSecret(t, err.Error())
}
