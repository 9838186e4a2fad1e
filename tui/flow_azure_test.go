package tui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	_ "github.com/stowage-dev/stowage/providers/azure"
)

// TestFlowAzureAzurite drives the flow to a saved Azure Blob location
// against a real Azurite, in screen-share mode: the account key typed into
// the connection string never appears on any frame.
func TestFlowAzureAzurite(t *testing.T) {
	a := testenv.StartAzurite(t)
	container := testenv.UniqueName("wizard")
	a.CreateContainer(t, container)
	cfg := filepath.Join(t.TempDir(), "locations.yaml")
	s := startSession(t, Options{ConfigPath: cfg, ScreenShare: true}, nil)

	s.waitFor("Name *", "SCREEN-SHARE MODE: secrets hidden")
	s.typeText("azure-archive")
	s.press("enter")
	s.waitFor("Azure Blob Storage")
	s.press("down", "down", "down")
	s.waitFor("› ● Azure Blob Storage")
	s.press("enter")
	s.waitFor("› Container *")
	s.typeText(container)
	s.press("enter")
	s.waitFor("› Connection string *", "(empty)")
	s.press("ctrl+r") // no reveal in screen-share mode
	s.typeText(a.ConnectionString)
	s.waitFor("•••• (set)")
	s.press("enter")
	s.waitFor("› Prefix")
	s.typeText("calls/")
	s.press("enter")
	s.waitFor("› ▸ Advanced settings")
	s.press("enter")
	s.waitFor("Policies to apply", "Azure SAS")
	s.press("enter")
	s.waitFor("Test connection")
	s.waitForAny("checks passed", "Passed with")
	if f := s.rec.last(); strings.Contains(f, "✗") {
		t.Fatalf("test failed:\n%s", f)
	}
	s.press("enter")
	s.waitFor("Review", "azure-archive", container)
	s.press("enter")
	s.waitFor("What to do next")
	s.press("enter")
	res := s.result()
	if !res.Saved || res.Location != "azure-archive" {
		t.Fatalf("result = %+v", res)
	}
	for i, f := range s.rec.all() {
		if strings.Contains(f, a.AccountKey) || strings.Contains(f, a.AccountKey[:12]) {
			t.Fatalf("frame %d shows the account key:\n%s", i, f)
		}
		if !strings.Contains(f, "SCREEN-SHARE MODE: secrets hidden") && strings.TrimSpace(f) != "" {
			t.Fatalf("frame %d has no screen-share banner:\n%s", i, f)
		}
	}
	file, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loc, ok := file.Find("azure-archive")
	if !ok || loc.Azure == nil || loc.Azure.Container != container || loc.Azure.ConnectionString != a.ConnectionString || loc.Azure.Prefix != "calls/" {
		t.Fatalf("saved location = %+v", loc)
	}
	if loc.LastTest == nil || !loc.LastTest.OK {
		t.Fatalf("last test = %+v", loc.LastTest)
	}
}
