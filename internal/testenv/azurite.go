package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
)

// Azurite's fixed development account, published by Microsoft in the Azure
// Storage emulator documentation; it is not a secret.
const (
	AzuriteAccountName = "devstoreaccount1"
	AzuriteAccountKey  = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Azurite is a running Azurite blob server on loopback.
type Azurite struct {
	Endpoint                string // "http://127.0.0.1:PORT/devstoreaccount1"
	AccountName, AccountKey string // devstoreaccount1 + Azure's published dev key
	ConnectionString        string // shared-key connection string with BlobEndpoint

	port int
	proc *process
}

// StartAzurite starts azurite-blob on a free loopback port with a temporary
// storage folder, waits until it answers HTTP, and stops it when the test
// ends.
func StartAzurite(t testing.TB) *Azurite {
	t.Helper()
	bin := Tool(t, "azurite-blob")
	a, err := startAzurite(bin, t.TempDir())
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testenv: Azurite %s log (last lines):\n%s", a.Endpoint, a.proc.lastLines(40))
		}
		a.proc.stop()
	})
	return a
}

func startAzurite(bin, base string) (*Azurite, error) {
	dataDir := filepath.Join(base, "azurite")
	home := filepath.Join(base, "home")
	for _, dir := range []string{dataDir, home} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	a := &Azurite{AccountName: AzuriteAccountName, AccountKey: AzuriteAccountKey}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if a.port, err = freePort(); err != nil {
			return nil, err
		}
		a.Endpoint = "http://127.0.0.1:" + strconv.Itoa(a.port) + "/" + AzuriteAccountName
		args := []string{"--silent", "--location", dataDir,
			"--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(a.port),
			// The SDK may be newer than Azurite's known API versions.
			"--skipApiVersionCheck",
			// Ignore headers and parameters Azurite does not implement.
			"--loose",
		}
		a.proc, err = startProcess("Azurite", bin, args, baseEnv(home), &tailBuffer{}, nil)
		if err != nil {
			return nil, err
		}
		// Azurite's SIGTERM handler waits for clients' keep-alive connections
		// to close, which pooled SDK clients never do; nothing it holds needs
		// a clean shutdown, so do not wait long.
		a.proc.grace = 500 * time.Millisecond
		// Any HTTP answer (an unauthenticated request gets 403) means it listens.
		err = a.proc.waitReady(httpProbe(client, a.Endpoint+"?comp=list", func(int) bool { return true }))
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	a.ConnectionString = fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;",
		a.AccountName, a.AccountKey, a.Endpoint)
	return a, nil
}

// Client returns an azblob client authorised with the account's shared key.
func (a *Azurite) Client(t testing.TB) *azblob.Client {
	t.Helper()
	c, err := azblob.NewClientFromConnectionString(a.ConnectionString, nil)
	if err != nil {
		t.Fatalf("testenv: azblob client for %s: %v", a.Endpoint, err)
	}
	return c
}

// CreateContainer creates a blob container with the account's shared key.
func (a *Azurite) CreateContainer(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := a.Client(t).CreateContainer(ctx, name, nil); err != nil {
		t.Fatalf("testenv: create container %q on %s: %v", name, a.Endpoint, err)
	}
}

// SAS returns a connection string of the form
// "BlobEndpoint=...;SharedAccessSignature=..." holding a container SAS signed
// with the account key. perms uses Azure's letters (r read, a add, c create,
// w write, d delete, l list, ...), in any order.
func (a *Azurite) SAS(t testing.TB, container string, perms string, expiry time.Time) string {
	t.Helper()
	cs, err := ContainerSASConnectionString(a.Endpoint, a.AccountName, a.AccountKey, container, perms, expiry)
	if err != nil {
		t.Fatalf("testenv: container SAS for %q: %v", container, err)
	}
	return cs
}

// ContainerSASConnectionString signs a container SAS with a shared key and
// returns it as a connection string for blobEndpoint. perms must contain only
// container SAS permission letters ("racwdxltfmeopi"); they are put in the
// canonical order Azure requires.
func ContainerSASConnectionString(blobEndpoint, account, key, container, perms string, expiry time.Time) (string, error) {
	p, err := parseContainerPerms(perms)
	if err != nil {
		return "", err
	}
	cred, err := azblob.NewSharedKeyCredential(account, key)
	if err != nil {
		return "", err
	}
	qp, err := sas.BlobSignatureValues{
		Protocol:      sas.ProtocolHTTPSandHTTP,
		StartTime:     time.Now().Add(-5 * time.Minute).UTC(), // tolerate clock skew
		ExpiryTime:    expiry.UTC(),
		Permissions:   p.String(),
		ContainerName: container,
	}.SignWithSharedKey(cred)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("BlobEndpoint=%s;SharedAccessSignature=%s", blobEndpoint, qp.Encode()), nil
}

func parseContainerPerms(perms string) (*sas.ContainerPermissions, error) {
	if perms == "" {
		return nil, errors.New(`permissions are empty; use container SAS letters such as "racwdl"`)
	}
	p := &sas.ContainerPermissions{}
	for _, r := range perms {
		switch r {
		case 'r':
			p.Read = true
		case 'a':
			p.Add = true
		case 'c':
			p.Create = true
		case 'w':
			p.Write = true
		case 'd':
			p.Delete = true
		case 'x':
			p.DeletePreviousVersion = true
		case 'l':
			p.List = true
		case 't':
			p.Tag = true
		case 'f':
			p.FilterByTags = true
		case 'm':
			p.Move = true
		case 'e':
			p.Execute = true
		case 'o':
			p.ModifyOwnership = true
		case 'p':
			p.ModifyPermissions = true
		case 'i':
			p.SetImmutabilityPolicy = true
		default:
			return nil, fmt.Errorf("permission letter %q is not a container SAS permission; use letters from \"racwdxltfmeopi\", e.g. \"racwdl\"", r)
		}
	}
	return p, nil
}
