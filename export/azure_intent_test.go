package export

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/providers"
	_ "github.com/stowage-dev/stowage/providers/azure"
)

// TestAzureStopWhileStartingUpload: a run stopped between journalling its
// intent to start a block upload and journalling the upload ID. On Azure
// starting an upload sends nothing, so nothing can have been left behind:
// the rerun must not warn that uploads may be left open, nor count one,
// even with a SAS that may not read block lists (c, w, l).
func TestAzureStopWhileStartingUpload(t *testing.T) {
	az := testenv.SharedAzurite(t)
	container := testenv.UniqueName("intent")
	az.CreateContainer(t, container)
	cs, err := testenv.ContainerSASConnectionString(az.Endpoint, az.AccountName, az.AccountKey, container, "cwl", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	pv, err := providers.Open(context.Background(), config.Location{Name: "azintent", Type: config.TypeAzure,
		Azure: &config.Azure{Container: container, ConnectionString: cs}}, providers.Options{Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	path := e.write(t, "big.mp4", content("azintent", 3<<20+5))
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	o := e.opts()
	o.PartSize, o.MultipartThreshold = 1<<20, 1<<20
	if err := os.MkdirAll(e.state+"/journals", 0o700); err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(o.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	// What a run killed right after the intent was committed leaves.
	if err := j.put(path, &Record{Size: fi.Size(), MTime: fi.ModTime().UnixNano(), Key: "big.mp4",
		Status: StatusUploading, CreateIntent: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	j.Close()

	var mu sync.Mutex
	var warnings []string
	o.Events = func(ev Event) {
		if w, ok := ev.(Warning); ok {
			mu.Lock()
			warnings = append(warnings, w.Err.Error())
			mu.Unlock()
		}
	}
	sum, err := Run(context.Background(), pv, "azintent", o)
	if err != nil || sum.Files != 1 {
		t.Fatalf("rerun: %v, %+v", err, sum)
	}
	if sum.UploadsLeftOpen != 0 || len(warnings) != 0 {
		t.Errorf("rerun counts %d uploads left open and warns %q; on Azure nothing exists before a block is staged", sum.UploadsLeftOpen, warnings)
	}
}
