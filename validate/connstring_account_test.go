package validate

import "testing"

func TestConnectionStringAccount(t *testing.T) {
	for _, tt := range []struct{ cs, want string }{
		{"DefaultEndpointsProtocol=https;AccountName=acmerecordings;AccountKey=a2V5;EndpointSuffix=core.windows.net", "acmerecordings"},
		{"BlobEndpoint=https://acmearchive.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig=x", "acmearchive"},
		{"BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;SharedAccessSignature=sv=2022-11-02&sig=x", "devstoreaccount1"},
		{"UseDevelopmentStorage=true", "devstoreaccount1"},
		{"BlobEndpoint=https://blobs.example.com/;SharedAccessSignature=sv=2022-11-02&sig=x", ""},
	} {
		c, err := ParseConnectionString(tt.cs)
		if err != nil {
			t.Fatalf("%s: %v", tt.cs, err)
		}
		if got := c.Account(); got != tt.want {
			t.Errorf("%s: Account() = %q, want %q", tt.cs, got, tt.want)
		}
	}
}
