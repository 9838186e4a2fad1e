//go:build unix

package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stowage-dev/stowage/config"
)

// TestSaveModesIgnoreUmask checks the file is 0600 and a new directory 0700
// even when the umask would let the whole world in. The umask is process
// wide, so this test must not run in parallel.
func TestSaveModesIgnoreUmask(t *testing.T) {
	for _, umask := range []int{0, 0o022, 0o077} {
		t.Run(fmt.Sprintf("umask_%03o", umask), func(t *testing.T) {
			old := syscall.Umask(umask)
			defer syscall.Umask(old)

			path := filepath.Join(t.TempDir(), "new", "config.yaml")
			if err := config.Save(path, &config.File{Locations: []config.Location{keysLocation("kazoo")}}); err != nil {
				t.Fatal(err)
			}
			for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
				info, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if got := info.Mode().Perm(); got != want {
					t.Errorf("%s: mode %#o, want %#o", p, got, want)
				}
			}
			if w := config.PermissionWarning(path); w != "" {
				t.Errorf("warning after Save: %s", w)
			}
		})
	}
}
