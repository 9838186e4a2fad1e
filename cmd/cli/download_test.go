package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
)

// minioConfig writes a locations file with two keys-mode locations on one
// fresh MinIO bucket (prefix "exports/"): "rec" without the delete
// permission and with a 1-day expiry, "rec-del" with delete. It returns the
// config path, an S3 client and the bucket.
func minioConfig(t *testing.T) (string, *s3.Client, string) {
	t.Helper()
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("cli")
	m.CreateBucket(t, bucket)
	path := filepath.Join(t.TempDir(), "config.yaml")
	f := &config.File{Version: config.CurrentVersion}
	mk := func(name string, del bool, expiry int) config.Location {
		return config.Location{Name: name, Type: config.TypeS3, S3: &config.S3{
			Bucket: bucket, Region: m.SigningRegion(), Prefix: "exports/", Endpoint: m.Endpoint, PathStyle: true,
			CABundle: m.CAFile, Auth: config.AuthKeys, AccessKeyID: m.RootUser, SecretAccessKey: m.RootPassword,
			ChecksumMode: config.ChecksumWhenRequired, ReadBack: true, Delete: del, ExpiryDays: expiry}}
	}
	for _, l := range []config.Location{mk("rec", false, 1), mk("rec-del", true, 0)} {
		if err := f.Upsert(l, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := config.Save(path, f); err != nil {
		t.Fatal(err)
	}
	return path, m.S3Client(t, "", ""), bucket
}

func putObj(t *testing.T, c *s3.Client, bucket, key string, body []byte) {
	t.Helper()
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("exports/" + key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func objExists(t *testing.T, c *s3.Client, bucket, key string) bool {
	t.Helper()
	_, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("exports/" + key)})
	return err == nil
}

func rnd(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDownloadCommand(t *testing.T) {
	cfg, client, bucket := minioConfig(t)
	files := map[string][]byte{"2026/05/a.wav": rnd(t, 1000), "2026/05/b.wav": rnd(t, 2000), "top.mp4": rnd(t, 300)}
	for k, b := range files {
		putObj(t, client, bucket, k, b)
	}
	dest := filepath.Join(t.TempDir(), "out")

	out, errOut, code := runCLI(t, "", "--config", cfg, "download", "rec", dest, "--no-tui")
	if code != ExitOK {
		t.Fatalf("code %d\n%s%s", code, out, errOut)
	}
	for k, b := range files {
		got, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(k)))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s: %v", k, err)
		}
	}
	for _, want := range []string{"3 downloaded, 0 already there, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	// A fresh 1-day expiry: everything expires within 3 days.
	for _, want := range []string{"found 3 objects", "lifecycle expiry: objects are deleted 1 day after upload", "2026/", "(top level)", "0 days left", "warning: 3 objects expire within 3 days"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	t.Run("rerun as JSON skips everything", func(t *testing.T) {
		out, errOut, code := runCLI(t, "", "--config", cfg, "download", "rec", dest, "--json")
		if code != ExitOK {
			t.Fatalf("code %d: %s", code, errOut)
		}
		var skipped int
		var summary map[string]any
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var ev map[string]any
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatalf("not JSON Lines: %q", line)
			}
			switch ev["type"] {
			case "file_skipped":
				skipped++
			case "summary":
				summary = ev
			}
		}
		if skipped != 3 || summary == nil || summary["ok"] != true || summary["files_skipped"] != float64(3) {
			t.Fatalf("skipped %d, summary %v", skipped, summary)
		}
	})
}

func TestDownloadCommandErrors(t *testing.T) {
	cfg, client, bucket := minioConfig(t)
	// A key named like Stowage's own partial files cannot be downloaded.
	putObj(t, client, bucket, "x/.a.wav.stowage-partial", []byte("odd"))
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr or stdout
	}{
		{"delete not granted", []string{"download", "rec", "DEST", "--delete-after"}, ExitUsage, "`delete: true`"},
		{"delete names setup", []string{"download", "rec", "DEST", "--delete-after"}, ExitUsage, "stowage setup"},
		{"bad since", []string{"download", "rec", "DEST", "--since", "yesterday"}, ExitUsage, "--since: \"yesterday\" is not a date"},
		{"bad concurrency", []string{"download", "rec", "DEST", "--concurrency", "0"}, ExitUsage, "--concurrency"},
		{"bad include", []string{"download", "rec", "DEST", "--include", "[x"}, ExitUsage, "--include"},
		{"json and no-tui", []string{"download", "rec", "DEST", "--json", "--no-tui"}, ExitUsage, "exclude each other"},
		{"missing dest", []string{"download", "rec"}, ExitUsage, "accepts 2 arg"},
		{"a key that cannot be a file fails the run", []string{"download", "rec-del", "DEST", "--no-tui"}, ExitFailed, "collides with Stowage's own files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "d")
			args := append([]string{"--config", cfg}, tt.args...)
			for i, a := range args {
				if a == "DEST" {
					args[i] = dest
				}
			}
			out, errOut, code := runCLI(t, "", args...)
			if code != tt.code {
				t.Fatalf("code %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			if !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("output lacks %q:\n%s%s", tt.want, out, errOut)
			}
		})
	}
}

func TestDownloadDeleteAfter(t *testing.T) {
	cfg, client, bucket := minioConfig(t)
	putObj(t, client, bucket, "x/1.wav", []byte("one"))
	putObj(t, client, bucket, "y/2.wav", []byte("two"))
	dest := t.TempDir()
	out, errOut, code := runCLI(t, "", "--config", cfg, "download", "rec-del", dest, "--prefix", "x/", "--delete-after")
	if code != ExitOK || !strings.Contains(out, "1 deleted from the store") {
		t.Fatalf("code %d\n%s%s", code, out, errOut)
	}
	if objExists(t, client, bucket, "x/1.wav") || !objExists(t, client, bucket, "y/2.wav") {
		t.Fatal("--delete-after must delete exactly the downloaded object")
	}
	if b, err := os.ReadFile(filepath.Join(dest, "x", "1.wav")); err != nil || string(b) != "one" {
		t.Fatalf("local copy: %q %v", b, err)
	}
}

func TestDownloadAndVerifyAzure(t *testing.T) {
	a := testenv.SharedAzurite(t)
	container := testenv.UniqueName("cli")
	a.CreateContainer(t, container)
	path := filepath.Join(t.TempDir(), "config.yaml")
	f := &config.File{Version: config.CurrentVersion}
	loc := config.Location{Name: "az", Type: config.TypeAzure, Azure: &config.Azure{Container: container, Prefix: "rec/",
		ConnectionString: a.SAS(t, container, "racwdl", time.Now().Add(time.Hour)), ReadBack: true}}
	if err := f.Upsert(loc, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := config.Save(path, f); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"2026/a.wav": rnd(t, 500), "2026/b.wav": rnd(t, 70_000)}
	exportWithManifest(t, path, "az", files)

	out, errOut, code := runCLI(t, "", "--config", path, "verify", "az")
	if code != ExitOK || !strings.Contains(out, "2 match (2 confirmed by checksum)") {
		t.Fatalf("verify: code %d\n%s%s", code, out, errOut)
	}
	dest := t.TempDir()
	out, errOut, code = runCLI(t, "", "--config", path, "download", "az", dest)
	if code != ExitOK || !strings.Contains(out, "2 downloaded") {
		t.Fatalf("download: code %d\n%s%s", code, out, errOut)
	}
	for k, b := range files {
		got, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(k)))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s: %v", k, err)
		}
	}
	// Delete is off for this location: --delete-after is refused.
	_, errOut, code = runCLI(t, "", "--config", path, "download", "az", dest, "--delete-after")
	if code != ExitUsage || !strings.Contains(errOut, "delete: true") {
		t.Fatalf("delete-after: code %d %s", code, errOut)
	}
}
