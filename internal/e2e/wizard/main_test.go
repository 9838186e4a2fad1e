package wizard

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stowage-dev/stowage/internal/testenv"
)

// binary is the stowage binary built once by TestMain, so every test runs
// exactly what a user would install rather than the packages in-process.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stowage-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	binary, err = build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building stowage:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	// testenv.Main exits, so the binary's folder goes in a wrapper that
	// does what Main does and then removes it.
	code := m.Run()
	testenv.StopShared()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles ./cmd/stowage from the repository root into dir.
func build(dir string) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	// go test puts its own GOROOT/bin first on PATH, so this finds the
	// toolchain that runs the test.
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "stowage")
	cmd := exec.Command(goTool, "build", "-o", out, "./cmd/stowage")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w\n%s", err, b)
	}
	return out, nil
}

// repoRoot walks up from the working directory (this package's folder
// under go test) to the folder holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
