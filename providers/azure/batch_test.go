package azure

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
)

// copyPair: the platform's container (its account key, prefix rec/) and
// the customer's container reached with a SAS of the least permissions
// Stowage asks for (create, write, list: no read).
type copyPair struct {
	az       *testenv.Azurite
	src, dst *Provider
	srcC     string
}

func newCopyPair(t *testing.T, srcCS func(az *testenv.Azurite, container string) string) copyPair {
	t.Helper()
	az := testenv.SharedAzurite(t)
	s, d := testenv.UniqueName("platform"), testenv.UniqueName("customer")
	az.CreateContainer(t, s)
	az.CreateContainer(t, d)
	cs := az.ConnectionString
	if srcCS != nil {
		cs = srcCS(az, s)
	}
	open := func(name, container, cs, prefix string) *Provider {
		pv, err := providers.Open(context.Background(), config.Location{Name: name, Type: config.TypeAzure,
			Azure: &config.Azure{Container: container, ConnectionString: cs, Prefix: prefix}}, providers.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return pv.(*Provider)
	}
	return copyPair{az: az, srcC: s,
		src: open("platform", s, cs, "rec/"),
		dst: open("customer", d, az.SAS(t, d, "cwl", time.Now().Add(time.Hour)), "exports/")}
}

func (cp copyPair) put(t *testing.T, key string, n int) []byte {
	t.Helper()
	data := make([]byte, n)
	rand.Read(data)
	if _, err := cp.src.Put(context.Background(), key, srcFile(t, data), int64(n), providers.PutOptions{}); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return data
}

func items(t *testing.T, p *Provider) []providers.BatchItem {
	t.Helper()
	var out []providers.BatchItem
	if err := p.List(context.Background(), "", func(o providers.Object) error {
		out = append(out, providers.BatchItem{Key: o.Key, Size: o.Size, ETag: o.ETag})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCopyBlobWithinAzurite copies blobs from one container to another
// with Copy Blob from a URL carrying a read SAS Stowage signs with the
// source's key, polls the copy status and checks every byte (read back
// with the account key: the destination's SAS may not read).
func TestCopyBlobWithinAzurite(t *testing.T) {
	cp := newCopyPair(t, nil)
	want := map[string][]byte{
		"2024/a.wav":     cp.put(t, "2024/a.wav", 1000),
		"2024/b c+ü.wav": cp.put(t, "2024/b c+ü.wav", 300<<10),
		"2025/big.wav":   cp.put(t, "2025/big.wav", 9<<20),
	}
	b, err := cp.dst.Batch(context.Background(), cp.src, providers.BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	its := items(t, cp.src)
	job, err := b.Start(context.Background(), providers.BatchRequest{Items: its, All: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	var st providers.BatchStatus
	for {
		if st, err = b.Status(context.Background(), job); err != nil {
			t.Fatal(err)
		}
		if st.Done || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !st.Done || st.Succeeded != 3 || st.FailedTasks != 0 {
		t.Fatalf("status %+v", st)
	}
	n := 0
	if err := b.Results(context.Background(), job, its, func(r providers.BatchResult) error {
		if !r.OK {
			t.Errorf("%s: %s", r.Item.Key, r.Reason)
		}
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d results", n)
	}
	reader := (fixture{az: cp.az, container: strings.TrimPrefix(cp.dst.containerURL, cp.az.Endpoint+"/")}).open(t, cp.az.ConnectionString, nil)
	for k, data := range want {
		rc, _, err := reader.Get(context.Background(), "exports/rec/"+k, 0, -1)
		if err != nil {
			t.Fatalf("get %s: %v", k, err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, data) {
			t.Errorf("%s: copy differs (%d bytes, want %d)", k, len(got), len(data))
		}
	}
}

// TestCopyBlobSourceSAS: a source reached with its own SAS is read through
// that SAS when it allows read, and refused, naming the letter, when not.
func TestCopyBlobSourceSAS(t *testing.T) {
	withSAS := func(perms string) func(*testenv.Azurite, string) string {
		return func(az *testenv.Azurite, c string) string { return az.SAS(t, c, perms, time.Now().Add(time.Hour)) }
	}
	cp := newCopyPair(t, withSAS("rl"))
	// The source's SAS may not write: put with the key.
	keyed := (fixture{az: cp.az, container: cp.srcC}).open(t, cp.az.ConnectionString, func(a *config.Azure) { a.Prefix = "rec/" })
	data := make([]byte, 5000)
	rand.Read(data)
	if _, err := keyed.Put(context.Background(), "x.wav", srcFile(t, data), int64(len(data)), providers.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := cp.dst.Batch(context.Background(), cp.src, providers.BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	its := items(t, cp.src)
	job, err := b.Start(context.Background(), providers.BatchRequest{Items: its})
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	b.Results(context.Background(), job, its, func(r providers.BatchResult) error {
		if r.OK {
			ok++
		} else {
			t.Errorf("%s: %s", r.Item.Key, r.Reason)
		}
		return nil
	})
	if ok != 1 {
		t.Fatalf("ok=%d", ok)
	}

	cp2 := newCopyPair(t, withSAS("l"))
	b2, err := cp2.dst.Batch(context.Background(), cp2.src, providers.BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b2.Start(context.Background(), providers.BatchRequest{Items: []providers.BatchItem{{Key: "x.wav", Size: 1}}})
	var pe *providers.Error
	if !errors.As(err, &pe) || !strings.Contains(pe.Hint, "lacks r (read)") || !strings.Contains(pe.Hint, "azure-source-sas") {
		t.Fatalf("err %v", err)
	}
}

// TestCopyBlobMissingSourceFails: a blob gone from the source between the
// listing and the copy is reported failed with the service's reason, and
// the SAS never appears in it.
func TestCopyBlobMissingSourceFails(t *testing.T) {
	cp := newCopyPair(t, nil)
	cp.put(t, "here.wav", 10)
	b, err := cp.dst.Batch(context.Background(), cp.src, providers.BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	its := append(items(t, cp.src), providers.BatchItem{Key: "gone.wav", Size: 10})
	job, err := b.Start(context.Background(), providers.BatchRequest{Items: its})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]providers.BatchResult{}
	b.Results(context.Background(), job, its, func(r providers.BatchResult) error { got[r.Item.Key] = r; return nil })
	if !got["here.wav"].OK {
		t.Errorf("here.wav: %+v", got["here.wav"])
	}
	r := got["gone.wav"]
	t.Logf("gone.wav: %s", r.Reason)
	if r.OK || r.Reason == "" || strings.Contains(r.Reason, "sig=") {
		t.Errorf("gone.wav: %+v", r)
	}
}
