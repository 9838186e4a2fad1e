package clientsettings

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The generated settings are fed to the real clients, which must list the
// objects under the location's prefix. Peers are optional tools: a test
// whose client is not installed is skipped with how to install it.

// peer returns the path of an optional client, or skips.
func peer(t *testing.T, name, install string) string {
	t.Helper()
	if p := filepath.Join(testenv.ToolsDir(), name); isExec(p) {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	t.Skipf("%s is not installed (optional peer client); %s", name, install)
	return ""
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// minioLocation creates a bucket with three objects under "team a/" and one
// outside it, and a keys location for an IAM user that may list and read
// only the prefix.
func minioLocation(t *testing.T) (config.Location, []string) {
	t.Helper()
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	bucket := testenv.UniqueName("cs")
	m.CreateBucket(t, bucket)
	prefix := "team a/"
	root := m.S3Client(t, "", "")
	names := []string{"2026/01/call-1.wav", "2026/01/call-2.wav", "screen.mp4"}
	for _, k := range append(names, "../outside.txt") {
		key := prefix + k
		if strings.HasPrefix(k, "../") {
			key = strings.TrimPrefix(k, "../")
		}
		if _, err := root.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("data of " + k)}); err != nil {
			t.Fatal(err)
		}
	}
	policy, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{
		{"Effect": "Allow", "Action": []string{"s3:ListBucket", "s3:GetBucketLocation"}, "Resource": []string{"arn:aws:s3:::" + bucket}},
		{"Effect": "Allow", "Action": []string{"s3:GetObject"}, "Resource": []string{"arn:aws:s3:::" + bucket + "/" + prefix + "*"}},
	}})
	ak, sk := m.CreateUser(t, string(policy))
	return config.Location{Name: "lab minio", Type: config.TypeS3, S3: &config.S3{
		Bucket: bucket, Region: m.SigningRegion(), Prefix: prefix, Endpoint: m.Endpoint, PathStyle: true,
		CABundle: m.CAFile, Auth: config.AuthKeys, AccessKeyID: ak, SecretAccessKey: sk}}, names
}

func render(t *testing.T, loc config.Location, f Format) string {
	t.Helper()
	s, err := FromLocation(loc, config.Platform{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Render(s, f, Options{Reveal: true})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = childEnv(env)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// childEnv is the test's environment with env applied: "KEY=value" sets
// KEY, "KEY=" removes it. Removing matters: botocore reads an empty
// AWS_CA_BUNDLE as "do not verify TLS".
func childEnv(env []string) []string {
	drop := map[string]bool{}
	var set []string
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		drop[k] = true
		if v != "" {
			set = append(set, kv)
		}
	}
	var out []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !drop[k] {
			out = append(out, kv)
		}
	}
	return append(out, set...)
}

// wantListed checks that every name appears in out and the object outside
// the prefix does not.
func wantListed(t *testing.T, out string, names []string) {
	t.Helper()
	for _, n := range names {
		if !strings.Contains(out, filepathBase(n)) {
			t.Errorf("listing lacks %s:\n%s", n, out)
		}
	}
	if strings.Contains(out, "InsecureRequestWarning") {
		t.Errorf("the client did not verify the server's certificate:\n%s", out)
	}
	if strings.Contains(out, "outside.txt") {
		t.Errorf("listing shows an object outside the prefix:\n%s", out)
	}
}

func filepathBase(k string) string { return k[strings.LastIndex(k, "/")+1:] }

func TestRcloneS3(t *testing.T) {
	rc := peer(t, "rclone", "install with scripts/install-peers.sh")
	loc, names := minioLocation(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "rclone.conf")
	if err := os.WriteFile(conf, []byte(render(t, loc, FormatRclone)), 0o600); err != nil {
		t.Fatal(err)
	}
	out := run(t, nil, rc, "--config", conf, "--ca-cert", loc.S3.CABundle, "lsf", "-R", "--files-only",
		"lab_minio:"+loc.S3.Bucket+"/"+loc.S3.Prefix)
	got := strings.Fields(strings.ReplaceAll(out, "\n", " "))
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Fatalf("rclone lsf = %v, want %v", got, names)
	}
	// A download through the same remote gets the bytes the store holds.
	dst := filepath.Join(dir, "dl")
	run(t, nil, rc, "--config", conf, "--ca-cert", loc.S3.CABundle, "copy", "lab_minio:"+loc.S3.Bucket+"/"+loc.S3.Prefix+"2026/", dst)
	b, err := os.ReadFile(filepath.Join(dst, "01", "call-2.wav"))
	if err != nil || string(b) != "data of 2026/01/call-2.wav" {
		t.Fatalf("rclone copy: %q, %v", b, err)
	}
}

func TestAWSCLIProfile(t *testing.T) {
	awsBin := peer(t, "aws", "install the AWS CLI (apt-get install awscli, or pip install awscli)")
	loc, names := minioLocation(t)
	s, err := FromLocation(loc, config.Platform{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, creds, err := AWSProfile(s, Options{Reveal: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgFile, credFile := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credFile, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	// Only the generated files: no ambient credentials, profile or CA.
	env := []string{"AWS_CONFIG_FILE=" + cfgFile, "AWS_SHARED_CREDENTIALS_FILE=" + credFile,
		"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=", "AWS_DEFAULT_PROFILE=",
		"AWS_CA_BUNDLE=", "AWS_ENDPOINT_URL=", "AWS_EC2_METADATA_DISABLED=true"}
	out := run(t, env, awsBin, "s3", "ls", "--recursive", "s3://"+loc.S3.Bucket+"/"+loc.S3.Prefix, "--profile", "stowage-lab_minio")
	wantListed(t, out, names)
}

func TestS3cmd(t *testing.T) {
	bin := peer(t, "s3cmd", "install with apt-get install s3cmd")
	loc, names := minioLocation(t)
	conf := filepath.Join(t.TempDir(), "s3cfg")
	if err := os.WriteFile(conf, []byte(render(t, loc, FormatS3cmd)), 0o600); err != nil {
		t.Fatal(err)
	}
	out := run(t, []string{"HOME=" + t.TempDir()}, bin, "-c", conf, "ls", "--recursive", "s3://"+loc.S3.Bucket+"/"+loc.S3.Prefix)
	wantListed(t, out, names)
}

func TestRcloneAzure(t *testing.T) {
	rc := peer(t, "rclone", "install with scripts/install-peers.sh")
	a := testenv.SharedAzurite(t)
	container := testenv.UniqueName("cs")
	a.CreateContainer(t, container)
	client := a.Client(t)
	names := []string{"calls/2026/a.wav", "calls/2026/b.wav"}
	for _, n := range append(names, "other/c.wav") {
		if _, err := client.UploadBuffer(context.Background(), container, n, []byte("blob "+n), (*azblob.UploadBufferOptions)(nil)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ name, cs string }{
		{"account key", a.ConnectionString},
		{"sas", a.SAS(t, container, "rl", time.Now().Add(time.Hour))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := config.Location{Name: "az", Type: config.TypeAzure, Azure: &config.Azure{Container: container, Prefix: "calls/", ConnectionString: tc.cs}}
			conf := filepath.Join(t.TempDir(), "rclone.conf")
			if err := os.WriteFile(conf, []byte(render(t, loc, FormatRclone)), 0o600); err != nil {
				t.Fatal(err)
			}
			out := run(t, nil, rc, "--config", conf, "lsf", "-R", "--files-only", "az:"+container+"/calls/")
			if got := strings.Fields(out); strings.Join(got, ",") != "2026/a.wav,2026/b.wav" {
				t.Fatalf("rclone lsf = %v", got)
			}
		})
	}
}

// TestAWSCLIRoleProfile feeds a role-mode profile to the AWS CLI: it must
// assume the role through STS with the external ID, signed by the source
// profile's keys. MinIO's STS ignores the role ARN and external ID (see
// TESTENV.md), so this checks the CLI accepts and uses the profile as
// written; AWS itself enforces the external ID.
func TestAWSCLIRoleProfile(t *testing.T) {
	awsBin := peer(t, "aws", "install the AWS CLI (apt-get install awscli, or pip install awscli)")
	keys, names := minioLocation(t)
	loc := keys
	s3c := *keys.S3
	s3c.Auth, s3c.AccessKeyID, s3c.SecretAccessKey = config.AuthRole, "", ""
	s3c.RoleARN, s3c.ExternalID = "arn:aws:iam::444455556666:role/stowage-export", "abcdefghijklmnopqrstuvwxyz234567"
	loc.S3 = &s3c
	s, err := FromLocation(loc, config.Platform{AWSProfile: "platform"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, creds, err := AWSProfile(s, Options{Reveal: true})
	if err != nil {
		t.Fatal(err)
	}
	if creds != "" {
		t.Fatalf("role mode needs no credentials section, got:\n%s", creds)
	}
	// The platform profile holds the base keys (here: the MinIO user's).
	dir := t.TempDir()
	cfgFile, credFile := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	platform := "[profile platform]\nregion = " + keys.S3.Region + "\nendpoint_url = " + keys.S3.Endpoint + "\nca_bundle = " + keys.S3.CABundle + "\n"
	if err := os.WriteFile(cfgFile, []byte(platform+"\n"+cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credFile, []byte("[platform]\naws_access_key_id = "+keys.S3.AccessKeyID+"\naws_secret_access_key = "+keys.S3.SecretAccessKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"AWS_CONFIG_FILE=" + cfgFile, "AWS_SHARED_CREDENTIALS_FILE=" + credFile,
		"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=", "AWS_DEFAULT_PROFILE=",
		"AWS_CA_BUNDLE=", "AWS_ENDPOINT_URL=", "AWS_EC2_METADATA_DISABLED=true",
		// The CLI caches assumed-role credentials under ~/.aws/cli/cache,
		// keyed by the role ARN: a fresh home keeps another server's from
		// being reused.
		"HOME=" + t.TempDir()}
	out := run(t, env, awsBin, "s3", "ls", "--recursive", "s3://"+loc.S3.Bucket+"/"+loc.S3.Prefix, "--profile", "stowage-lab_minio")
	wantListed(t, out, names)
}
