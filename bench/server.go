package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/stowage-dev/stowage/internal/testenv"
)

// region is what every tool signs with; the server is started without
// MINIO_REGION, so it accepts us-east-1 as AWS does.
const region = "us-east-1"

// server is the MinIO process every tool uploads to.
type server struct {
	Endpoint          string // https://127.0.0.1:PORT
	AccessKey, Secret string
	CAFile            string
	DataDir           string
	Version           string
	cmd               *exec.Cmd
	log               bytes.Buffer
	client            *s3.Client
	httpc             *http.Client
	exited            chan struct{}
}

// startServer starts bin as a single-drive MinIO with TLS on loopback, its
// data folder under base (so on the same disk as the data sets), and waits
// until it is ready. The flags and environment are those internal/testenv
// uses for tests.
func startServer(ctx context.Context, bin, base string) (*server, error) {
	s := &server{
		AccessKey: "BENCH" + randomAlnum(15),
		Secret:    randomAlnum(32),
		DataDir:   filepath.Join(base, "minio-data"),
		exited:    make(chan struct{}),
	}
	certs := filepath.Join(base, "minio-certs")
	home := filepath.Join(base, "minio-home")
	for _, d := range []string{s.DataDir, home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	var err error
	if s.CAFile, err = testenv.WriteCerts(certs); err != nil {
		return nil, fmt.Errorf("MinIO certificates: %w", err)
	}
	pool, err := testenv.LoadCAPool(s.CAFile)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	s.httpc = &http.Client{Transport: tr, Timeout: 30 * time.Second}

	if out, err := exec.Command(bin, "--version").Output(); err == nil {
		s.Version = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}

	port, err := freePort()
	if err != nil {
		return nil, err
	}
	console, err := freePort()
	if err != nil {
		return nil, err
	}
	s.Endpoint = "https://127.0.0.1:" + strconv.Itoa(port)
	s.cmd = exec.Command(bin, "server", s.DataDir,
		"--address", "127.0.0.1:"+strconv.Itoa(port),
		"--console-address", "127.0.0.1:"+strconv.Itoa(console),
		"--certs-dir", certs, "--quiet")
	s.cmd.Env = append(cleanEnv(), "HOME="+home,
		"MINIO_ROOT_USER="+s.AccessKey, "MINIO_ROOT_PASSWORD="+s.Secret,
		"MINIO_BROWSER=off", "MINIO_CI_CD=1", "MINIO_UPDATE=off", "MINIO_CALLHOME_ENABLE=off")
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start MinIO: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/minio/health/ready", nil)
		resp, err := s.httpc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("MinIO exited during start-up:\n%s", strings.ReplaceAll(s.log.String(), s.Secret, "[redacted]"))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, errors.New("MinIO did not become ready within 60 s")
		}
	}
	s.client = s3.NewFromConfig(aws.Config{
		Region:                     region,
		Credentials:                credentials.NewStaticCredentialsProvider(s.AccessKey, s.Secret, ""),
		HTTPClient:                 s.httpc,
		BaseEndpoint:               aws.String(s.Endpoint),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}, func(o *s3.Options) { o.UsePathStyle = true })
	return s, nil
}

func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
}

func (s *server) createBucket(ctx context.Context, name string) error {
	_, err := s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	return nil
}

// contents lists a bucket and returns its object count and total size, to
// check that a tool really uploaded the whole data set.
func (s *server) contents(ctx context.Context, bucket string) (objects int, bytes int64, err error) {
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return objects, bytes, fmt.Errorf("list bucket %s: %w", bucket, err)
		}
		for _, o := range page.Contents {
			objects++
			bytes += aws.ToInt64(o.Size)
		}
	}
	return objects, bytes, nil
}

// storedChecksum heads the first object of bucket with checksum mode on and
// returns the checksum the store kept with it ("CRC32", "CRC32C", ...), or
// "none": which tools sent a checksum the store verified.
func (s *server) storedChecksum(ctx context.Context, bucket string) (string, error) {
	out, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1)})
	if err != nil {
		return "", fmt.Errorf("list bucket %s: %w", bucket, err)
	}
	if len(out.Contents) == 0 {
		return "none (empty)", nil
	}
	h, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: out.Contents[0].Key,
		ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		return "", fmt.Errorf("head %s/%s: %w", bucket, aws.ToString(out.Contents[0].Key), err)
	}
	for _, c := range []struct {
		name string
		v    *string
	}{{"CRC32", h.ChecksumCRC32}, {"CRC32C", h.ChecksumCRC32C}, {"CRC64NVME", h.ChecksumCRC64NVME}, {"SHA1", h.ChecksumSHA1}, {"SHA256", h.ChecksumSHA256}} {
		if aws.ToString(c.v) != "" {
			return c.name, nil
		}
	}
	return "none", nil
}

// empty deletes every object of a bucket, so repeated rounds over the big
// data sets do not fill the disk.
func (s *server) empty(ctx context.Context, bucket string) error {
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list bucket %s: %w", bucket, err)
		}
		if len(page.Contents) == 0 {
			continue
		}
		var ids []types.ObjectIdentifier
		for _, o := range page.Contents {
			ids = append(ids, types.ObjectIdentifier{Key: o.Key})
		}
		out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("empty bucket %s: %w", bucket, err)
		}
		if len(out.Errors) > 0 {
			return fmt.Errorf("empty bucket %s: %s: %s", bucket, aws.ToString(out.Errors[0].Key), aws.ToString(out.Errors[0].Message))
		}
	}
	return nil
}

// purgeTrash removes what MinIO moved to its trash folder on delete. MinIO
// frees that space in the background, slowly, and not at all before it is
// stopped when busy: without this, a full run with -runs 3 held about 28 GB
// of deleted objects. The trash holds nothing MinIO still needs.
func (s *server) purgeTrash() error {
	trash := filepath.Join(s.DataDir, ".minio.sys", "tmp", ".trash")
	entries, err := os.ReadDir(trash)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(trash, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// cpuTime is the CPU time MinIO has used so far, from /proc/PID/stat.
func (s *server) cpuTime() time.Duration {
	return procCPU(s.cmd.Process.Pid)
}

// procCPU reads utime+stime of pid in clock ticks (USER_HZ, 100 on Linux).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces; fields start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / 100)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomAlnum(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

// cleanEnv is the environment without AWS_*, RCLONE_* and MINIO_* variables
// of the developer's shell, so no tool picks up other credentials,
// profiles or endpoints than the benchmark's.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "RCLONE_") || strings.HasPrefix(k, "MINIO_") ||
			strings.EqualFold(k, "HTTPS_PROXY") || strings.EqualFold(k, "HTTP_PROXY") {
			continue
		}
		env = append(env, kv)
	}
	return env
}
