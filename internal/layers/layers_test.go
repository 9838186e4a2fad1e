// Package layers holds the test that keeps the package graph of
// ARCHITECTURE.md true: which package may import which.
package layers

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/stowage-dev/stowage/"

// allowed lists, for each package of the product (a trailing "/..."
// covers its sub-packages), the module packages it may import. A package
// missing from the list fails the test: decide its layer and add it here
// and to ARCHITECTURE.md.
var allowed = map[string][]string{
	"validate":             {},
	"config":               {"validate", "internal/proc"},
	"policies":             {"config", "validate"},
	"clientsettings":       {"config", "validate"},
	"providers":            {"config", "validate"},
	"providers/...":        {"providers", "config", "policies", "validate", "internal/..."},
	"export":               {"providers", "config", "validate", "internal/..."},
	"download":             {"export", "providers", "config", "validate", "internal/..."},
	"wizard":               {"config", "policies", "clientsettings", "providers", "validate"},
	"tui/progressui":       {"export", "download", "providers", "config", "validate", "internal/..."},
	"tui/exportui":         {"tui/progressui", "export", "providers", "config", "validate", "internal/..."},
	"tui/downloadui":       {"tui/progressui", "download", "export", "providers", "config", "validate", "internal/..."},
	"tui":                  {"tui/...", "wizard", "export", "download", "config", "policies", "clientsettings", "providers", "validate", "internal/..."},
	"serve":                {"tui", "tui/...", "wizard", "export", "download", "config", "policies", "clientsettings", "providers", "validate", "internal/..."},
	"cmd/...":              {"..."},
	"internal/...":         {"providers", "config", "validate", "internal/..."},
	"internal/e2e/...":     {"..."},
	"internal/testenv/...": {"internal/..."},
	"internal/integration": {"..."},
	"bench":                {"..."},
	"internal/layers":      {},
	"internal/testsummary": {},
	"internal/iacmatrix":   {"policies", "config"},
	"internal/iacscan":     {"internal/iacmatrix", "policies"},
	"internal/buildinfo":   {},
	"internal/glob":        {},
	"internal/humanize":    {},
	"internal/eventprint":  {},
	"internal/journaldb":   {"internal/proc"},
	"internal/proc":        {},
	"internal/backoff":     {"providers"},
	"internal/testenv":     {},
	"internal/e2e":         {"..."},
	"cmd/stowage":          {"cmd/cli"},
	"cmd/cli":              {"..."},
}

// screenOnly are imported only by the screens (tui/...) and cmd/; SDKs
// only by the providers (and the test servers' helpers).
var (
	screenOnly = []string{"charm.land/", "github.com/charmbracelet/"}
	sdkOnly    = []string{"github.com/aws/", "github.com/Azure/azure-sdk-for-go/", "github.com/minio/"}
)

func match(pattern, pkg string) bool {
	if pattern == "..." {
		return true
	}
	if p, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == p || strings.HasPrefix(pkg, p+"/")
	}
	return pkg == pattern
}

// rule returns the allowed imports of pkg: its own entry, else the
// longest "/..." entry that covers it.
func rule(pkg string) ([]string, bool) {
	if a, ok := allowed[pkg]; ok {
		return a, true
	}
	best := ""
	for k := range allowed {
		if strings.HasSuffix(k, "/...") && match(k, pkg) && len(k) > len(best) {
			best = k
		}
	}
	a, ok := allowed[best]
	return a, ok
}

func TestPackageLayers(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "github.com/stowage-dev/stowage/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	checked := 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		full := fields[0]
		pkg := strings.TrimPrefix(full, module)
		if pkg == full {
			continue
		}
		ok, found := rule(pkg)
		if !found {
			t.Errorf("%s has no layer in allowed; add it here and to ARCHITECTURE.md", pkg)
			continue
		}
		checked++
		for _, imp := range fields[1:] {
			if dep, inModule := strings.CutPrefix(imp, module); inModule {
				legal := false
				for _, a := range ok {
					if match(a, dep) {
						legal = true
					}
				}
				if !legal {
					t.Errorf("%s imports %s; its layer allows %v (see ARCHITECTURE.md)", pkg, dep, ok)
				}
				continue
			}
			for _, p := range screenOnly {
				if strings.HasPrefix(imp, p) && !match("tui/...", pkg) && !match("cmd/...", pkg) && pkg != "serve" && !match("internal/e2e/...", pkg) {
					t.Errorf("%s imports %s: terminal libraries belong to tui/ and cmd/ only", pkg, imp)
				}
			}
			for _, p := range sdkOnly {
				if strings.HasPrefix(imp, p) && !match("providers/...", pkg) && !match("internal/...", pkg) && pkg != "bench" {
					t.Errorf("%s imports %s: cloud SDKs belong to providers/ only", pkg, imp)
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d packages checked; is go list reading the module?", checked)
	}
}
