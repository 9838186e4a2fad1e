package export

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
)

// TestRunBatchAzureCopyBlob runs the batch engine with Azure Copy Blob
// between two containers of one Azurite: the destination holds only a
// create/write/list SAS, the source is read through a SAS Stowage signs;
// a rerun copies nothing.
func TestRunBatchAzureCopyBlob(t *testing.T) {
	az := testenv.SharedAzurite(t)
	s, d := testenv.UniqueName("platform"), testenv.UniqueName("customer")
	az.CreateContainer(t, s)
	az.CreateContainer(t, d)
	open := func(name, container, cs, prefix string) providers.Provider {
		p, err := providers.Open(context.Background(), config.Location{Name: name, Type: config.TypeAzure,
			Azure: &config.Azure{Container: container, ConnectionString: cs, Prefix: prefix}}, providers.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	src := open("platform", s, az.ConnectionString, "")
	dst := open("customer", d, az.SAS(t, d, "cwl", time.Now().Add(time.Hour)), "exports/")
	e := newEnv(t)
	for _, k := range []string{"2024/a.wav", "2024/b.wav", "notes.txt"} {
		path := e.write(t, k, content(k, 2000))
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.Put(context.Background(), k, f, 2000, providers.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	opts := BatchOptions{Source: "platform", Include: []string{"*.wav"}, JournalPath: t.TempDir() + "/j.db", ManifestDir: t.TempDir(),
		PollInterval: 50 * time.Millisecond}
	sum, err := RunBatch(context.Background(), src, dst, "customer", opts)
	if err != nil || sum.Files != 2 || sum.Failed != 0 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	sum2, err := RunBatch(context.Background(), src, dst, "customer", opts)
	if err != nil || sum2.Files != 0 || sum2.Skipped != 2 {
		t.Fatalf("rerun: %v %+v", err, sum2)
	}
	lister := dst.(providers.Lister)
	n := 0
	lister.List(context.Background(), "", func(o providers.Object) error { n++; return nil })
	if n != 2 {
		t.Errorf("destination holds %d blobs, want 2", n)
	}
}
