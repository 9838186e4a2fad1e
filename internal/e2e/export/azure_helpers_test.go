package exporte2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	_ "github.com/stowage-dev/stowage/providers/azure"
)

// azureFixture is a fresh container on the shared Azurite with a fault
// proxy in front of it (plain HTTP, as Azurite serves).
type azureFixture struct {
	az        *testenv.Azurite
	container string
	px        *faultProxy
	direct    *container.Client // straight to Azurite, not through the proxy
}

func newAzureFixture(t testing.TB, prefix string) *azureFixture {
	t.Helper()
	az := testenv.SharedAzurite(t)
	name := testenv.UniqueName(prefix)
	az.CreateContainer(t, name)
	up, err := url.Parse(az.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	// Azurite's URLs are path-style: /ACCOUNT/CONTAINER/BLOB.
	up.Path = ""
	px := startProxyTo(t, up, nil, false, az.AccountName+"/"+name)
	px.azure = true
	return &azureFixture{az: az, container: name, px: px,
		direct: az.Client(t).ServiceClient().NewContainerClient(name)}
}

// endpoint is the blob endpoint through the proxy.
func (f *azureFixture) endpoint() string { return f.px.URL + "/" + f.az.AccountName }

// location is an Azure location reaching the container through the
// proxy: with the account's shared key, or with a container SAS of perms
// when perms is not empty.
func (f *azureFixture) location(t testing.TB, name, perms string) config.Location {
	t.Helper()
	cs := fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;",
		f.az.AccountName, f.az.AccountKey, f.endpoint())
	if perms != "" {
		var err error
		cs, err = testenv.ContainerSASConnectionString(f.endpoint(), f.az.AccountName, f.az.AccountKey, f.container, perms, time.Now().Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
	}
	return config.Location{Name: name, Type: config.TypeAzure,
		Azure: &config.Azure{Container: f.container, ConnectionString: cs}}
}

// blobs lists the committed blobs with their sizes, straight from Azurite.
func (f *azureFixture) blobs(t testing.TB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	pager := f.direct.NewListBlobsFlatPager(nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list container %s: %v", f.container, err)
		}
		for _, b := range page.Segment.BlobItems {
			out[*b.Name] = *b.Properties.ContentLength
		}
	}
	return out
}

// uncommitted returns, by blob name, the uncommitted blocks Azurite holds
// for the given blobs and for any blob that has nothing committed yet.
func (f *azureFixture) uncommitted(t testing.TB, names []string) map[string]int {
	t.Helper()
	ctx := context.Background()
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	pager := f.direct.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{
		Include: container.ListBlobsInclude{UncommittedBlobs: true}})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("list container %s with uncommitted blobs: %v", f.container, err)
		}
		for _, b := range page.Segment.BlobItems {
			seen[*b.Name] = true
		}
	}
	out := map[string]int{}
	for n := range seen {
		resp, err := f.direct.NewBlockBlobClient(n).GetBlockList(ctx, blockblob.BlockListTypeUncommitted, nil)
		if err != nil {
			if strings.Contains(err.Error(), "BlobNotFound") {
				continue
			}
			t.Fatalf("block list of %s: %v", n, err)
		}
		if k := len(resp.UncommittedBlocks); k > 0 {
			out[n] = k
		}
	}
	return out
}

// assertContainerHolds checks that the container holds exactly want, each
// blob byte for byte.
func (f *azureFixture) assertContainerHolds(t testing.TB, want map[string][]byte) {
	t.Helper()
	got := f.blobs(t)
	var missing, extra []string
	for rel := range want {
		if _, ok := got[rel]; !ok {
			missing = append(missing, rel)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			extra = append(extra, name)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("container %s: %d blobs missing %q, %d extra %q", f.container, len(missing), missing, len(extra), extra)
	}
	for name, b := range want {
		resp, err := f.direct.NewBlobClient(name).DownloadStream(context.Background(), nil)
		if err != nil {
			t.Fatalf("download %s: %v", name, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		if !bytes.Equal(body, b) {
			t.Fatalf("%s: stored bytes differ from the source (%d bytes %s stored, %d bytes %s source)", name, len(body), crc32c(body), len(b), crc32c(b))
		}
	}
}

// names returns the keys of m.
func names[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// stagedParts returns the part numbers of Stowage's uncommitted blocks
// Azurite holds for blob name.
func (f *azureFixture) stagedParts(t testing.TB, name string) map[int]bool {
	t.Helper()
	resp, err := f.direct.NewBlockBlobClient(name).GetBlockList(context.Background(), blockblob.BlockListTypeUncommitted, nil)
	if err != nil {
		if strings.Contains(err.Error(), "BlobNotFound") {
			return nil
		}
		t.Fatalf("block list of %s: %v", name, err)
	}
	out := map[int]bool{}
	for _, b := range resp.UncommittedBlocks {
		raw, err := base64.StdEncoding.DecodeString(*b.Name)
		if err != nil {
			t.Fatalf("block ID %q of %s is not base64", *b.Name, name)
		}
		_, num, _ := strings.Cut(string(raw), "-")
		n, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("block ID %q of %s is not Stowage's", raw, name)
		}
		out[n] = true
	}
	return out
}
