package testenv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/madmin-go/v3"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
)

// DefaultRegion is the region clients sign with when a MinIO server was
// started without one; MinIO then accepts us-east-1, as AWS's default.
const DefaultRegion = "us-east-1"

// MinIOOptions selects how StartMinIO configures the server.
type MinIOOptions struct {
	// TLS serves HTTPS with a freshly generated self-signed CA. Use it for
	// throughput tests: over plain HTTP the AWS SDK hashes every payload byte.
	TLS bool
	// Region sets MINIO_REGION. Empty leaves it unset, and MinIO then reports an
	// empty LocationConstraint for buckets, as AWS does for us-east-1.
	Region string
	// TrustCAFile is an extra CA certificate (PEM file) the server trusts
	// for its own outgoing connections, e.g. another test server's CAFile so
	// a batch replicate job can push to it over TLS. Needs TLS. (A string,
	// not a list: options are a map key of the shared servers.)
	TrustCAFile string
}

// MinIO is a running (or stopped, restartable) MinIO server on loopback.
type MinIO struct {
	Endpoint               string // "https://127.0.0.1:PORT" or "http://127.0.0.1:PORT"
	RootUser, RootPassword string
	Region                 string // as started ("" = none set)
	CAFile                 string // PEM of the self-signed CA when TLS ("" otherwise)
	CAPool                 *x509.CertPool
	HTTPClient             *http.Client // trusts CAPool
	DataDir                string

	opts        MinIOOptions
	bin         string
	apiPort     int
	consolePort int
	certsDir    string
	homeDir     string
	log         *tailBuffer

	mu   sync.Mutex
	proc *process
}

// StartMinIO starts a single-drive MinIO server on free loopback ports with a
// temporary data folder and random root credentials, waits until it answers
// /minio/health/ready, and stops it when the test ends. It fails the test (or
// skips it outside CI when MinIO is not installed) if the server cannot start.
func StartMinIO(t testing.TB, opts MinIOOptions) *MinIO {
	t.Helper()
	bin := Tool(t, "minio")
	m, err := startMinIO(bin, t.TempDir(), opts)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testenv: MinIO %s log (last lines):\n%s", m.Endpoint, m.LogTail(40))
			if free, total, err := diskSpace(m.DataDir); err == nil {
				if note := fullDiskNote(m.DataDir, free, total); note != "" {
					t.Log(note)
				}
			}
		}
		m.stop()
	})
	return m
}

// fullDiskNote explains a failure when the file system of MinIO's data
// folder dir (free of total bytes) is nearly full, and is "" otherwise.
// MinIO refuses an upload that would leave less than 1% of its drive free:
// it answers XMinioStorageFull, or resets the connection while the body is
// still being sent, which reads as a flaky network.
func fullDiskNote(dir string, free, total uint64) string {
	if total == 0 || float64(free) >= 0.02*float64(total) {
		return ""
	}
	return fmt.Sprintf("testenv: the file system of %s has %.1f GiB free of %.1f GiB (%.1f%%); MinIO refuses uploads that would leave less than 1%% free (XMinioStorageFull, or a connection reset while the body is sent): free some space and run again",
		dir, float64(free)/(1<<30), float64(total)/(1<<30), 100*float64(free)/float64(total))
}

// startMinIO is StartMinIO without testing.TB, so shared servers and the
// servers.sh helper can use it. base is a private folder the server owns.
func startMinIO(bin, base string, opts MinIOOptions) (*MinIO, error) {
	m := &MinIO{
		RootUser:     randomString(16, upperAlnum),
		RootPassword: randomString(32, alnum),
		Region:       opts.Region,
		DataDir:      filepath.Join(base, "data"),
		opts:         opts,
		bin:          bin,
		homeDir:      filepath.Join(base, "home"),
		log:          &tailBuffer{},
	}
	for _, dir := range []string{m.DataDir, m.homeDir} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil // loopback servers must never go through a developer's proxy
	transport.MaxIdleConnsPerHost = 64
	scheme := "http"
	if opts.TLS {
		m.certsDir = filepath.Join(base, "certs")
		caFile, err := WriteCerts(m.certsDir)
		if err != nil {
			return nil, fmt.Errorf("MinIO TLS certificates: %w", err)
		}
		pool, err := LoadCAPool(caFile)
		if err != nil {
			return nil, err
		}
		m.CAFile, m.CAPool = caFile, pool
		if f := opts.TrustCAFile; f != "" {
			pem, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("MinIO trusted CA: %w", err)
			}
			// MinIO trusts every certificate in CERTS-DIR/CAs.
			if err := os.WriteFile(filepath.Join(m.certsDir, "CAs", "trusted.crt"), pem, 0o600); err != nil {
				return nil, fmt.Errorf("MinIO trusted CA: %w", err)
			}
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	m.HTTPClient = &http.Client{Transport: transport}

	// A free port can be taken between FreePort and MinIO's bind; retry then.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if m.apiPort, err = freePort(); err != nil {
			return nil, err
		}
		if m.consolePort, err = freePort(); err != nil {
			return nil, err
		}
		m.Endpoint = scheme + "://127.0.0.1:" + strconv.Itoa(m.apiPort)
		if err = m.start(); !errors.Is(err, errAddrInUse) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

// start runs the server process on m's ports and data folder and waits for it.
func (m *MinIO) start() error {
	args := []string{"server", m.DataDir,
		"--address", "127.0.0.1:" + strconv.Itoa(m.apiPort),
		"--console-address", "127.0.0.1:" + strconv.Itoa(m.consolePort),
		"--quiet",
	}
	if m.certsDir != "" {
		args = append(args, "--certs-dir", m.certsDir)
	}
	env := append(baseEnv(m.homeDir),
		"MINIO_ROOT_USER="+m.RootUser,
		"MINIO_ROOT_PASSWORD="+m.RootPassword,
		"MINIO_BROWSER=off", // no console: saves start time and a port
		"MINIO_CI_CD=1",     // allow a data folder on the root disk
		"MINIO_UPDATE=off",  // never phone home from tests
		"MINIO_CALLHOME_ENABLE=off",
	)
	if m.Region != "" {
		env = append(env, "MINIO_REGION="+m.Region)
	}
	proc, err := startProcess("MinIO", m.bin, args, env, m.log, []string{m.RootPassword})
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.proc = proc
	m.mu.Unlock()
	probe := httpProbe(m.HTTPClient, m.Endpoint+"/minio/health/ready", func(s int) bool { return s == http.StatusOK })
	return proc.waitReady(probe)
}

// Stop stops the server now, keeping its data folder, so a test can check
// behaviour while the store is down and then call Restart.
func (m *MinIO) Stop(t testing.TB) {
	t.Helper()
	m.stop()
}

func (m *MinIO) stop() {
	m.mu.Lock()
	proc := m.proc
	m.mu.Unlock()
	if proc != nil {
		proc.stop()
	}
	m.HTTPClient.CloseIdleConnections()
}

// Restart starts a stopped server again on the same port and data folder (so
// buckets, users and objects survive) and waits until it is ready.
func (m *MinIO) Restart(t testing.TB) {
	t.Helper()
	m.stop()
	start := time.Now()
	if err := m.start(); err != nil {
		t.Fatalf("testenv: restart MinIO on %s: %v", m.Endpoint, err)
	}
	t.Logf("testenv: MinIO restarted in %s", time.Since(start).Round(time.Millisecond))
}

// LogTail returns the last n lines of the server's output, root password
// redacted.
func (m *MinIO) LogTail(n int) string {
	m.mu.Lock()
	proc := m.proc
	m.mu.Unlock()
	if proc == nil {
		return "(not started)"
	}
	return proc.lastLines(n)
}

// SigningRegion is the region clients must sign with: Region, or us-east-1
// when the server was started without one.
func (m *MinIO) SigningRegion() string {
	if m.Region != "" {
		return m.Region
	}
	return DefaultRegion
}

// AWSConfig returns an aws.Config for this server with static credentials
// (root when accessKey is ""), the signing region, the CA-trusting HTTP
// client, BaseEndpoint set, and checksums only when required, since S3
// stores differ in their support for the SDK's default CRC32 checksums. Use
// it to build STS or S3 clients with extra options.
func (m *MinIO) AWSConfig(accessKey, secretKey string) aws.Config {
	if accessKey == "" {
		accessKey, secretKey = m.RootUser, m.RootPassword
	}
	return aws.Config{
		Region:                     m.SigningRegion(),
		Credentials:                credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		HTTPClient:                 m.HTTPClient,
		BaseEndpoint:               aws.String(m.Endpoint),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
}

// S3Client returns a path-style S3 client for this server signed with the
// given keys (root when accessKey is ""), trusting the server's CA and
// sending checksums only when required.
func (m *MinIO) S3Client(t testing.TB, accessKey, secret string) *s3.Client {
	t.Helper()
	return s3.NewFromConfig(m.AWSConfig(accessKey, secret), func(o *s3.Options) {
		o.UsePathStyle = true
	})
}

// CreateBucket creates a bucket with the root credentials, failing the test
// on error.
func (m *MinIO) CreateBucket(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.createBucket(ctx, name); err != nil {
		t.Fatalf("testenv: create bucket %q on %s: %v", name, m.Endpoint, err)
	}
}

func (m *MinIO) createBucket(ctx context.Context, name string) error {
	client := s3.NewFromConfig(m.AWSConfig("", ""), func(o *s3.Options) { o.UsePathStyle = true })
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	return err
}

// Admin returns a madmin client signed with the root credentials.
func (m *MinIO) Admin(t testing.TB) *madmin.AdminClient {
	t.Helper()
	adm, err := m.admin()
	if err != nil {
		t.Fatalf("testenv: MinIO admin client for %s: %v", m.Endpoint, err)
	}
	return adm
}

func (m *MinIO) admin() (*madmin.AdminClient, error) {
	u, err := url.Parse(m.Endpoint)
	if err != nil {
		return nil, err
	}
	return madmin.NewWithOptions(u.Host, &madmin.Options{
		Creds:     miniocreds.NewStaticV4(m.RootUser, m.RootPassword, ""),
		Secure:    u.Scheme == "https",
		Transport: m.HTTPClient.Transport,
	})
}

var policySeq atomic.Int64

// CreateUser creates an IAM user with random keys and attaches a new canned
// policy holding policyJSON (an IAM policy document), returning the keys.
// Such keys can also call STS AssumeRole; the temporary credentials then carry
// exactly this policy.
func (m *MinIO) CreateUser(t testing.TB, policyJSON string) (accessKey, secretKey string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	accessKey, secretKey, err := m.createUser(ctx, policyJSON)
	if err != nil {
		t.Fatalf("testenv: create MinIO user on %s: %v", m.Endpoint, err)
	}
	return accessKey, secretKey
}

func (m *MinIO) createUser(ctx context.Context, policyJSON string) (accessKey, secretKey string, err error) {
	adm, err := m.admin()
	if err != nil {
		return "", "", err
	}
	policyName := fmt.Sprintf("testenv-%d-%s", policySeq.Add(1), randomString(6, upperAlnum))
	if err := adm.AddCannedPolicy(ctx, policyName, []byte(policyJSON)); err != nil {
		return "", "", fmt.Errorf("add policy %s: %w", policyName, err)
	}
	accessKey = "TESTENV" + randomString(13, upperAlnum)
	secretKey = randomString(40, alnum)
	if err := adm.AddUser(ctx, accessKey, secretKey); err != nil {
		return "", "", fmt.Errorf("add user %s: %w", accessKey, err)
	}
	if err := attachPolicy(ctx, adm, policyName, []byte(policyJSON), accessKey); err != nil {
		return "", "", fmt.Errorf("attach policy %s to %s: %w", policyName, accessKey, err)
	}
	return accessKey, secretKey, nil
}

// attachPolicy attaches the canned policy to user. MinIO can answer that a
// policy it has just accepted "does not exist" while its IAM subsystem
// catches up (seen in full CI runs right after the server started: serve
// TestDroppedMidFlow, e2e/wizard TestS3RoleScreenShare, once for all of
// 5 s). That answer is retried for up to 10 s, adding the policy again
// before each retry in case the IAM load replaced what was added; anything
// else is returned at once.
func attachPolicy(ctx context.Context, adm *madmin.AdminClient, policy string, doc []byte, user string) error {
	deadline := time.Now().Add(10 * time.Second)
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		_, err := adm.AttachPolicy(ctx, madmin.PolicyAssociationReq{Policies: []string{policy}, User: user})
		if err == nil || !strings.Contains(err.Error(), "policy does not exist") || time.Now().After(deadline) {
			return err
		}
		if aerr := adm.AddCannedPolicy(ctx, policy, doc); aerr != nil {
			return fmt.Errorf("%w; adding it again: %v", err, aerr)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}
