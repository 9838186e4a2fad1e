package azure

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/providers"
)

func TestParseSASTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"2027-01-31T00:00:00Z", "2027-01-31T00:00:00Z", true},
		{"2027-01-31T10:20Z", "2027-01-31T10:20:00Z", true},
		{"2027-01-31T10:20:30.1234567Z", "2027-01-31T10:20:30Z", true},
		{"2027-01-31", "2027-01-31T00:00:00Z", true},
		{"31/01/2027", "", false},
		{"", "", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseSASTime(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && got.UTC().Truncate(time.Second).Format(time.RFC3339) != tc.want {
				t.Fatalf("got %s, want %s", got.Format(time.RFC3339), tc.want)
			}
		})
	}
}

func TestBlockIDs(t *testing.T) {
	id := newUploadID()
	if !validUploadID(id) {
		t.Fatalf("upload ID %q not valid", id)
	}
	first := blockID(id, 1)
	for _, n := range []int{1, 9, 10, 999, 50000} {
		b := blockID(id, n)
		if len(b) != len(first) {
			t.Fatalf("block %d ID has length %d, block 1 %d: Azure needs one length", n, len(b), len(first))
		}
		got, ok := partNumber(id, b)
		if !ok || got != n {
			t.Fatalf("partNumber(%q) = %d, %v; want %d", b, got, ok, n)
		}
	}
	if _, ok := partNumber(newUploadID(), first); ok {
		t.Fatal("another upload's block was taken as ours")
	}
	if _, ok := partNumber(id, base64.StdEncoding.EncodeToString([]byte("foreign-block"))); ok {
		t.Fatal("a foreign block ID parsed")
	}
}

// sasProvider builds a provider on a SAS connection string without a
// server: the SAS checks only read the token.
func sasProvider(t *testing.T, query string, readBack, del bool) *Provider {
	t.Helper()
	cs := "BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=sv=2024-11-04&sig=abc%3D&" + query
	p := New("x", config.Azure{Container: "recordings", ConnectionString: cs, ReadBack: readBack, Delete: del}, providers.Options{})
	if p.cfgErr != nil {
		t.Fatalf("connection string refused: %v", p.cfgErr)
	}
	return p
}

func TestSASChecks(t *testing.T) {
	future := time.Now().Add(60 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	for _, tc := range []struct {
		name     string
		query    string
		readBack bool
		del      bool
		expiry   providers.Status
		perms    providers.Status
		text     string
	}{
		{"container SAS with cwl", "sr=c&sp=cwl&se=" + future, false, false, providers.StatusPass, providers.StatusPass, ""},
		{"read back needs r", "sr=c&sp=cwl&se=" + future, true, false, providers.StatusPass, providers.StatusFail, "'r' for reading"},
		{"delete needs d", "sr=c&sp=rcwl&se=" + future, true, true, providers.StatusPass, providers.StatusFail, "'d' for deleting"},
		{"each missing letter named", "sr=c&sp=r&se=" + future, false, false, providers.StatusPass, providers.StatusFail, "'c' for creating new blobs; 'w' for writing blocks and committing uploads; 'l' for listing"},
		{"blob SAS", "sr=b&sp=rcwl&se=" + future, false, false, providers.StatusPass, providers.StatusFail, "single blob"},
		{"account SAS without blob service", "ss=q&srt=co&sp=cwl&se=" + future, false, false, providers.StatusPass, providers.StatusFail, "ss=b"},
		{"account SAS without object type", "ss=b&srt=c&sp=cwl&se=" + future, false, false, providers.StatusPass, providers.StatusFail, "srt=co"},
		{"stored access policy", "sr=c&si=stowage", false, false, providers.StatusSkipped, providers.StatusSkipped, "stowage"},
		{"no expiry", "sr=c&sp=cwl", false, false, providers.StatusFail, providers.StatusPass, "se="},
		{"not yet valid", "sr=c&sp=cwl&st=" + future + "&se=" + future, false, false, providers.StatusFail, providers.StatusPass, "not valid before"},
		{"expired", "sr=c&sp=cwl&se=2020-01-01T00:00:00Z", false, false, providers.StatusFail, providers.StatusPass, "expired on 2020-01-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := sasProvider(t, tc.query, tc.readBack, tc.del)
			var exp, perm providers.Check
			p.checkSASExpiry(&exp)
			p.checkSASPermissions(&perm)
			if exp.Status == "" {
				exp.Status = providers.StatusPass
			}
			if perm.Status == "" {
				perm.Status = providers.StatusPass
			}
			if exp.Status != tc.expiry || perm.Status != tc.perms {
				t.Fatalf("expiry %s (%s), permissions %s (%s); want %s, %s", exp.Status, exp.Detail, perm.Status, perm.Detail, tc.expiry, tc.perms)
			}
			all := exp.Detail + exp.Hint + perm.Detail + perm.Hint
			if !strings.Contains(all, tc.text) {
				t.Fatalf("%q not in %q", tc.text, all)
			}
			if strings.Contains(all, "sig=") || strings.Contains(all, "abc%3D") {
				t.Fatalf("the signature leaked: %s", all)
			}
			for _, c := range []providers.Check{exp, perm} {
				if c.Status == providers.StatusFail && c.Field != "connection_string" {
					t.Errorf("failed check names field %q, want connection_string", c.Field)
				}
			}
		})
	}
}

func TestOpenWithoutSettings(t *testing.T) {
	_, err := Open(t.Context(), config.Location{Name: "x", Type: config.TypeAzure}, providers.Options{})
	if err == nil || !strings.Contains(err.Error(), "invalid location settings") {
		t.Fatalf("err = %v", err)
	}
	p := New("x", config.Azure{Container: "c1", ConnectionString: "AccountName=acme;AccountKey=%%%"}, providers.Options{})
	_, err = p.Stat(t.Context(), "a")
	if err == nil || strings.Contains(err.Error(), "%%%") {
		t.Fatalf("bad connection string: err = %v", err)
	}
}
