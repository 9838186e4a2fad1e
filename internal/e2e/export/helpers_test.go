package exporte2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/export"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// binDir holds the stowage binary built for this test binary.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopShared()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// stowageBin builds ./cmd/stowage once per test binary, on first use, so
// tests that do not run it do not pay for the build.
func stowageBin(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("the go tool is needed to build stowage: %w", err)
			return
		}
		if binDir, err = os.MkdirTemp("", "stowage-e2e-bin-"); err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(binDir, "stowage")
		cmd := exec.Command(goTool, "build", "-o", binPath, "github.com/stowage-dev/stowage/cmd/stowage")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/stowage: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// data returns n deterministic pseudo-random bytes seeded by name, so
// every file differs and a torn or misplaced part cannot look right.
func data(name string, n int) []byte {
	var seed [32]byte
	copy(seed[:], name)
	b := make([]byte, n)
	rand.NewChaCha8(seed).Read(b)
	return b
}

// tree is a source folder and what each file holds, by relative path
// ("/"-separated, which is also the object key under the default template).
type tree struct {
	dir   string
	files map[string][]byte
}

// newTree writes small files of a few KiB (sizes vary) plus big files of
// bigSize bytes each into a fresh folder.
func newTree(t testing.TB, small int, big []int) *tree {
	t.Helper()
	tr := &tree{dir: filepath.Join(t.TempDir(), "recordings"), files: map[string][]byte{}}
	for i := 0; i < small; i++ {
		rel := fmt.Sprintf("2024/%02d/call-%03d.wav", i%12+1, i)
		tr.add(t, rel, data(rel, 1000+i*97))
	}
	for i, n := range big {
		rel := fmt.Sprintf("screens/screen-%d.mp4", i)
		tr.add(t, rel, data(rel, n))
	}
	return tr
}

// add writes one file.
func (tr *tree) add(t testing.TB, rel string, b []byte) {
	t.Helper()
	p := tr.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	tr.files[rel] = b
}

// path is the file of rel on disk.
func (tr *tree) path(rel string) string { return filepath.Join(tr.dir, filepath.FromSlash(rel)) }

// crc32c is a checksum as the export manifest writes it ("CRC32C:base64").
func crc32c(b []byte) string {
	var raw [4]byte
	binary.BigEndian.PutUint32(raw[:], crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	return "CRC32C:" + base64.StdEncoding.EncodeToString(raw[:])
}

// s3Location is a keys-mode location on bucket reached through endpoint
// (the fault proxy), trusting caFile, with checksums only when required.
func s3Location(name, bucket, endpoint, caFile, region, ak, sk string) config.Location {
	return config.Location{Name: name, Type: config.TypeS3, S3: &config.S3{
		Bucket: bucket, Region: region, Endpoint: endpoint, PathStyle: true,
		CABundle: caFile, ChecksumMode: config.ChecksumWhenRequired,
		Auth: config.AuthKeys, AccessKeyID: ak, SecretAccessKey: sk,
	}}
}

// listObjects returns every key in bucket with its size, read directly
// from MinIO (not through the proxy).
func listObjects(t testing.TB, c *s3.Client, bucket string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	// URL-encoded, so keys with control characters list too.
	pager := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), EncodingType: types.EncodingTypeUrl})
	for pager.HasMorePages() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list %s: %v", bucket, err)
		}
		for _, o := range page.Contents {
			k, err := url.QueryUnescape(aws.ToString(o.Key))
			if err != nil {
				t.Fatalf("list %s: key %q: %v", bucket, aws.ToString(o.Key), err)
			}
			out[k] = aws.ToInt64(o.Size)
		}
	}
	return out
}

// openUploads returns the multipart uploads still open in bucket, by upload
// ID, with the key each belongs to.
func openUploads(t testing.TB, c *s3.Client, bucket string) map[string]string {
	t.Helper()
	out, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("list multipart uploads of %s: %v", bucket, err)
	}
	ups := map[string]string{}
	for _, u := range out.Uploads {
		ups[aws.ToString(u.UploadId)] = aws.ToString(u.Key)
	}
	return ups
}

// listedParts returns the part numbers MinIO holds for an upload.
func listedParts(t testing.TB, c *s3.Client, bucket, key, uploadID string) []int {
	t.Helper()
	out, err := c.ListParts(context.Background(), &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID)})
	if err != nil {
		t.Fatalf("list parts of %s: %v", key, err)
	}
	var nums []int
	for _, p := range out.Parts {
		nums = append(nums, int(aws.ToInt32(p.PartNumber)))
	}
	sort.Ints(nums)
	return nums
}

// assertBucketHolds checks that bucket holds exactly the tree's files under
// prefix, each byte for byte (and by CRC32C, which is what the failure
// message shows).
func assertBucketHolds(t testing.TB, c *s3.Client, bucket, prefix string, want map[string][]byte) {
	t.Helper()
	got := listObjects(t, c, bucket)
	var missing, extra []string
	for rel := range want {
		if _, ok := got[prefix+rel]; !ok {
			missing = append(missing, rel)
		}
	}
	for key := range got {
		if _, ok := want[strings.TrimPrefix(key, prefix)]; !ok || !strings.HasPrefix(key, prefix) {
			extra = append(extra, key)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("bucket %s: %d objects missing %q, %d extra %q", bucket, len(missing), missing, len(extra), extra)
	}
	for rel, b := range want {
		key := prefix + rel
		if got[key] != int64(len(b)) {
			t.Fatalf("%s: %d bytes in the bucket, the source has %d", key, got[key], len(b))
		}
		if body := getObject(t, c, bucket, key); !bytes.Equal(body, b) {
			t.Fatalf("%s: stored bytes differ from the source (%s stored, %s source)", key, crc32c(body), crc32c(b))
		}
	}
}

// readManifest reads a JSON Lines manifest, by object key.
func readManifest(t testing.TB, path string) map[string]export.ManifestRow {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read manifest: %v", err)
	}
	rows := map[string]export.ManifestRow{}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var r export.ManifestRow
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("manifest %s: line %q: %v", path, line, err)
		}
		if _, dup := rows[r.Key]; dup {
			t.Fatalf("manifest %s lists %s twice", path, r.Key)
		}
		rows[r.Key] = r
	}
	return rows
}

// statusCount counts manifest rows by status.
func statusCount(rows map[string]export.ManifestRow) map[string]int {
	n := map[string]int{}
	for _, r := range rows {
		n[r.Status]++
	}
	return n
}

// cli is a stowage binary with a locations file holding one location.
type cli struct {
	bin, config, name string
}

// newCLI writes a locations file (mode 0600, secrets inside) holding loc.
func newCLI(t testing.TB, loc config.Location) *cli {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stowage", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	f := &config.File{Version: config.CurrentVersion, Locations: []config.Location{loc}}
	if err := config.Save(path, f); err != nil {
		t.Fatalf("save locations file: %v", err)
	}
	return &cli{bin: stowageBin(t), config: path, name: loc.Name}
}

// journalPath is the export journal of the location, named after its id.
func (c *cli) journalPath(t testing.TB) string {
	t.Helper()
	f, err := config.Load(c.config)
	if err != nil {
		t.Fatal(err)
	}
	loc, ok := f.Find(c.name)
	if !ok {
		t.Fatalf("no location %q in %s", c.name, c.config)
	}
	jp, err := export.JournalPath(c.config, *loc)
	if err != nil {
		t.Fatal(err)
	}
	return jp
}

// journalDir is where the export journal and manifests of the location go.
func (c *cli) journalDir() string {
	return filepath.Dir(export.DefaultJournalPath(c.config, c.name))
}

// manifests lists the JSON Lines manifests written so far, oldest first
// (their names hold a UTC timestamp).
func (c *cli) manifests(t testing.TB) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(c.journalDir(), "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(m)
	return m
}

// newestManifest is the manifest the last run wrote; it fails the test
// when that run wrote none.
func (c *cli) newestManifest(t testing.TB, before []string) string {
	t.Helper()
	now := c.manifests(t)
	seen := map[string]bool{}
	for _, p := range before {
		seen[p] = true
	}
	var fresh []string
	for _, p := range now {
		if !seen[p] {
			fresh = append(fresh, p)
		}
	}
	if len(fresh) != 1 {
		t.Fatalf("the run wrote %d manifests (%q), want 1", len(fresh), fresh)
	}
	return fresh[0]
}

// command returns `stowage --config C export NAME SRC args...`; stdout and
// stderr go to the returned buffers.
func (c *cli) command(src string, args ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
	argv := append([]string{"--config", c.config, "export", c.name, src}, args...)
	cmd := exec.Command(c.bin, argv...)
	// No CI or terminal settings of the developer's shell leak into the
	// child; HOME keeps it away from the real config.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(c.config), "TERM=dumb", "NO_COLOR=1"}
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// result is a finished child run.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the export to its end, failing the test after a minute.
func (c *cli) run(t testing.TB, src string, args ...string) result {
	t.Helper()
	cmd, stdout, stderr := c.command(src, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("stowage export did not finish within a minute\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// syncBuffer is a bytes.Buffer safe for the child's writer goroutine and
// the test reading it.
type syncBuffer = testenv.SyncBuffer

// getObject reads one object directly from MinIO.
func getObject(t testing.TB, c *s3.Client, bucket, key string) []byte {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}
