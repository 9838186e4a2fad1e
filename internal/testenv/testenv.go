// Package testenv starts real storage servers (MinIO, Azurite) on loopback for
// tests and benchmarks, so storage code is exercised against real wire
// protocols rather than SDK mocks.
//
// The servers are child processes built by scripts/install-tools.sh into the
// repository's git-ignored .tools/bin folder. When a server is missing, tests
// skip locally and fail under CI=true, so CI can never silently skip coverage.
//
// Typical use:
//
//	m := testenv.StartMinIO(t, testenv.MinIOOptions{TLS: true})
//	m.CreateBucket(t, "exports")
//	ak, sk := m.CreateUser(t, policyJSON)
//	client := m.S3Client(t, ak, sk)
//
//	a := testenv.StartAzurite(t)
//	a.CreateContainer(t, "recordings")
//	cs := a.SAS(t, "recordings", "racwdl", time.Now().Add(time.Hour))
//
// Each Start call owns its server (about 0.5 s for MinIO, 1-2 s for Azurite
// on 2 cores); SharedMinIO and SharedAzurite share one per test binary.
package testenv

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// ToolsDirEnv names the environment variable that overrides ToolsDir.
const ToolsDirEnv = "STOWAGE_TOOLS_DIR"

// ToolsDir returns the folder holding the test server binaries: the value of
// STOWAGE_TOOLS_DIR when set, otherwise .tools/bin in the repository root,
// found by walking up from the working directory to go.mod. Go runs each
// package's tests in that package's folder, so the walk finds the root from
// any package.
func ToolsDir() string {
	if dir := os.Getenv(ToolsDirEnv); dir != "" {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		return filepath.Join(".tools", "bin")
	}
	if root := repoRoot(wd); root != "" {
		return filepath.Join(root, ".tools", "bin")
	}
	return filepath.Join(wd, ".tools", "bin")
}

// repoRoot returns the nearest ancestor of dir (or dir itself) holding go.mod,
// or "" when there is none.
func repoRoot(dir string) string {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// InCI reports whether the CI environment variable is set to a true value, as
// GitHub Actions and most CI services do.
func InCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// Require checks that every named tool (for example "minio", "azurite-blob")
// is an executable file in ToolsDir. A missing tool fails the test under
// CI=true and skips it otherwise; the message says how to install it.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	for _, name := range tools {
		if _, err := toolPath(name); err != nil {
			msg := fmt.Sprintf("testenv: %v; install the test servers with scripts/install-tools.sh (or set %s)", err, ToolsDirEnv)
			if InCI() {
				t.Fatal(msg)
			} else {
				t.Skip(msg)
			}
		}
	}
}

// Tool returns the path of the named tool in ToolsDir, calling Require first.
func Tool(t testing.TB, name string) string {
	t.Helper()
	Require(t, name)
	p, _ := toolPath(name)
	return p
}

func toolPath(name string) (string, error) {
	p := filepath.Join(ToolsDir(), name)
	st, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("%s not found at %s", name, p)
	}
	if st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("%s at %s is not an executable file", name, p)
	}
	return p, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. Another
// process can take it before the caller binds it; the Start functions retry
// with fresh ports when that happens.
func FreePort(t testing.TB) int {
	t.Helper()
	p, err := freePort()
	if err != nil {
		t.Fatalf("testenv: no free loopback port: %v", err)
	}
	return p
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomString returns n characters drawn uniformly from charset using
// crypto/rand; test credentials must not collide across parallel servers.
func randomString(n int, charset string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(charset)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("testenv: crypto/rand failed: " + err.Error())
		}
		b[i] = charset[v.Int64()]
	}
	return string(b)
}
