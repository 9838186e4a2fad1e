package testenv

import (
	"os"
	"sync"
	"testing"
)

// Shared servers live for the whole test binary, so a package with many
// storage tests pays MinIO's start-up once. Tests sharing a server must use
// their own bucket/container names (UniqueName helps) and must not Stop or
// Restart it.
var (
	sharedMu      sync.Mutex
	sharedMinIOs  = map[MinIOOptions]*MinIO{}
	sharedAzurite *Azurite
	sharedDirs    []string
)

// SharedMinIO returns the test binary's MinIO server for opts, starting it on
// first use. It is stopped by Main; without Main, Linux kills it when the
// test binary exits, but its temporary folder is left behind.
func SharedMinIO(t testing.TB, opts MinIOOptions) *MinIO {
	t.Helper()
	bin := Tool(t, "minio")
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if m := sharedMinIOs[opts]; m != nil {
		return m
	}
	base, err := os.MkdirTemp("", "stowage-testenv-minio-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	sharedDirs = append(sharedDirs, base)
	m, err := startMinIO(bin, base, opts)
	if err != nil {
		t.Fatalf("testenv: shared MinIO: %v", err)
	}
	sharedMinIOs[opts] = m
	return m
}

// SharedAzurite returns the test binary's Azurite server, starting it on
// first use; see SharedMinIO.
func SharedAzurite(t testing.TB) *Azurite {
	t.Helper()
	bin := Tool(t, "azurite-blob")
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedAzurite != nil {
		return sharedAzurite
	}
	base, err := os.MkdirTemp("", "stowage-testenv-azurite-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	sharedDirs = append(sharedDirs, base)
	a, err := startAzurite(bin, base)
	if err != nil {
		t.Fatalf("testenv: shared Azurite: %v", err)
	}
	sharedAzurite = a
	return a
}

// Main runs the tests and then stops the shared servers and removes their
// folders. Call it from TestMain in packages that use SharedMinIO or
// SharedAzurite:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// StopShared stops every shared server and removes their temporary folders.
func StopShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	for opts, m := range sharedMinIOs {
		m.stop()
		delete(sharedMinIOs, opts)
	}
	if sharedAzurite != nil {
		sharedAzurite.proc.stop()
		sharedAzurite = nil
	}
	for _, dir := range sharedDirs {
		_ = os.RemoveAll(dir)
	}
	sharedDirs = nil
}

// UniqueName returns prefix plus a random lowercase suffix, valid as both an
// S3 bucket and an Azure container name when prefix is (3-63 characters of
// lowercase letters, digits and hyphens).
func UniqueName(prefix string) string {
	return prefix + "-" + randomString(10, "abcdefghijklmnopqrstuvwxyz0123456789")
}
