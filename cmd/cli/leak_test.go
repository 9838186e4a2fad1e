package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/validate"
)

// leakFixture writes a locations file whose every secret and identifier is
// known: an AWS role location (account, external IDs, KMS key), a keys
// location on MinIO and an Azure location on Azurite (real servers, so the
// test command talks to a store that may echo what it was sent), a local
// folder, and two trusted principals.
func leakFixture(t *testing.T) (cfg, src string) {
	t.Helper()
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	az := testenv.SharedAzurite(t)
	bucket := testenv.UniqueName("leak")
	m.CreateBucket(t, bucket)
	keys := config.Location{Name: "globex", Type: config.TypeS3, S3: &config.S3{
		Bucket: bucket, Region: "us-east-1", Prefix: "calls/", Auth: config.AuthKeys,
		Endpoint: m.Endpoint, PathStyle: true, CABundle: m.CAFile, ChecksumMode: config.ChecksumWhenRequired,
		ReadBack: true, UserARN: "arn:aws:iam::777788889999:user/globex-export",
	}}
	ak, sk := m.CreateUser(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::`+bucket+`","arn:aws:s3:::`+bucket+`/*"]}]}`)
	keys.S3.AccessKeyID, keys.S3.SecretAccessKey = ak, sk
	// The platform's side of a batch export: the same store, another prefix.
	platform := keys
	platformS3 := *keys.S3
	platform.Name, platform.S3, platformS3.Prefix = "platform", &platformS3, "platform/"

	dir := t.TempDir()
	src = filepath.Join(dir, "src")
	if err := os.MkdirAll(filepath.Join(src, "2026"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "2026", "call-1.wav"), []byte("RIFF recording"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(dir, "config.yaml")
	f := &config.File{Version: config.CurrentVersion, Platform: config.Platform{
		PrincipalARNs: []string{"arn:aws:iam::111122223333:root", "arn:aws:iam::565656787878:role/exporter"},
	}}
	for _, l := range []config.Location{
		{Name: "acme", Type: config.TypeS3, S3: &config.S3{
			Bucket: "acme-recordings", Region: "eu-west-1", Prefix: "calls/", Auth: config.AuthRole,
			RoleARN:    "arn:aws:iam::444455556666:role/stowage-export",
			ExternalID: "abcdefghijklmnopqrstuvwxyz234567", PendingExternalID: "n3xkw7qz5bp2yrfmt4hc6dvaj2slge5o",
			Encryption: config.EncryptionSSEKMS, KMSKeyARN: "arn:aws:kms:eu-west-1:121212343434:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		}},
		keys,
		platform,
		{Name: "azure", Type: config.TypeAzure, Azure: &config.Azure{Container: "leak-test", ConnectionString: az.ConnectionString, ReadBack: true}},
		{Name: "nas", Type: config.TypeLocal, Local: &config.Local{Path: filepath.Join(dir, "nas")}},
	} {
		if err := f.Upsert(l, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := config.Save(cfg, f); err != nil {
		t.Fatal(err)
	}
	return cfg, src
}

// forbidden lists what may never be printed in screen-share mode: every
// secret of f (and the key and SAS inside a connection string) and every
// identifier (account IDs, access key IDs, external IDs).
func forbidden(f *config.File) map[string]string {
	out := map[string]string{}
	add := func(s config.Sensitivity, what, v string) {
		if v == "" {
			return
		}
		if strings.HasPrefix(v, "arn:") {
			if acct := validate.AccountIDFromARN(v); acct != "" {
				out[acct] = what + " account ID"
			}
			return
		}
		if s == config.Secret {
			if cs, err := validate.ParseConnectionString(v); err == nil {
				if cs.AccountKey != "" {
					out[cs.AccountKey] = what + " account key"
				}
				if cs.SharedAccessSignature != "" {
					out[cs.SharedAccessSignature] = what + " SAS"
				}
				return
			}
		}
		out[v] = what
	}
	for _, l := range f.Locations {
		for i := range config.LocationSettings {
			s := &config.LocationSettings[i]
			if s.Sensitivity != config.Plain && l.HasSection(s.Section) {
				add(s.Sensitivity, l.Name+" "+s.Path, s.Get(&l))
			}
		}
	}
	for _, p := range f.Platform.PrincipalARNs {
		add(config.Identifier, "principal", p)
	}
	return out
}

// assertNoLeak fails when text holds a forbidden value or any 8-character
// piece of one.
func assertNoLeak(t *testing.T, where, text string, never map[string]string) {
	t.Helper()
	for v, what := range never {
		for i := 0; i+8 <= len(v); i++ {
			if piece := v[i : i+8]; strings.Contains(text, piece) {
				t.Errorf("%s shows %q, part of the %s:\n%s", where, piece, what, text)
				break
			}
		}
	}
}

// leakRuns are the argument lists run for each command, by the command's
// path; {cfg}, {src} and {dir} are filled in. A command of the tree that
// is missing here fails the test, so a new command must say how it is run.
var leakRuns = map[string][][]string{
	"stowage":      {{"--accessible"}},
	"stowage list": {{"list"}, {"list", "--json"}},
	"stowage show": {{"show", "acme"}, {"show", "globex"}, {"show", "azure"}, {"show", "acme", "--redact"}},
	"stowage policy": {{"policy", "acme", "--all"}, {"policy", "acme", "--kind", "cloudformation"}, {"policy", "globex", "--all"}, {"policy", "azure", "--all"},
		{"policy", "acme", "--kind", "batch-caller", "--batch-role-arn", "arn:aws:iam::444455556666:role/StowageBatchOperations"},
		{"policy", "acme", "--kind", "batch-terraform", "--from", "acme", "--batch-role-arn", "arn:aws:iam::444455556666:role/StowageBatchOperations"},
		{"policy", "globex", "--kind", "batch-target"}, {"policy", "globex", "--kind", "copy-source", "--from", "platform"}, {"policy", "azure", "--kind", "azure-source-sas", "--from", "azure"}},
	"stowage platform": {{"platform"}},
	"stowage test": {{"test", "globex"}, {"test", "globex", "--json"}, {"test", "azure"}, {"test", "nas"},
		{"test", "globex", "--from", "platform"}, {"test", "globex", "--from", "platform:2026/", "--engine", "copy", "--json"},
		{"test", "globex", "--from", "platform", "--engine", "batch", "--batch-role-arn", "arn:aws:iam::444455556666:role/StowageBatchOperations"}, {"test", "azure", "--from", "platform", "--json"},
		{"test", "nas", "--from", "globex", "--engine", "stream"}},
	"stowage setup": {{"setup", "--non-interactive", "--name", "initech", "--type", "s3-role", "--bucket", "initech-recordings", "--region", "us-west-2", "--role-arn", "arn:aws:iam::989898121212:role/stowage", "--test", "never"}},
	"stowage export": {{"export", "globex", "{src}", "--no-tui"}, {"export", "nas", "{src}", "--json"}, {"export", "azure", "{src}", "--no-tui"},
		{"export", "globex", "--from", "platform", "--engine", "batch", "--dry-run"},
		{"export", "globex", "--from", "platform", "--engine", "batch", "--json", "--yes"},
		{"export", "globex", "--from", "platform", "--engine", "batch", "--yes", "--no-tui"},
		{"export", "globex", "--from", "platform", "--no-tui"},
		{"export", "globex", "--from", "platform:2026/", "--engine", "stream", "--memory", "64MiB", "--json"},
		{"export", "globex", "--from", "platform", "--engine", "copy", "--dry-run", "--json"},
		{"export", "nas", "--from", "platform", "--engine", "auto", "--no-tui"}},
	"stowage download":   {{"download", "globex", "{dir}/dl-s3", "--no-tui"}, {"download", "azure", "{dir}/dl-az", "--no-tui"}},
	"stowage verify":     {{"verify", "globex"}, {"verify", "nas", "--json"}, {"verify", "azure"}},
	"stowage uploads":    {{"uploads", "globex"}, {"uploads", "globex", "--json", "--abort"}, {"uploads", "azure"}, {"uploads", "azure", "--abort"}},
	"stowage version":    {{"version"}, {"version", "--json"}},
	"stowage man":        {{"man", "{dir}/man"}},
	"stowage help":       {{"help", "policy"}},
	"stowage completion": {{"completion", "bash"}},
	"stowage rotate-external-id": {
		{"rotate-external-id", "acme", "--yes"},
		{"rotate-external-id", "acme", "--confirm"},
	},
	"stowage client-settings": {
		{"client-settings", "acme", "--format", "aws-profile"}, {"client-settings", "acme"},
		{"client-settings", "globex", "--format", "rclone"}, {"client-settings", "globex", "--format", "s3cmd"},
		{"client-settings", "globex", "--format", "cyberduck"}, {"client-settings", "globex", "--format", "aws-profile"},
		{"client-settings", "azure"}, {"client-settings", "azure", "--format", "rclone"},
	},
	"stowage completion bash":       {{"completion", "bash"}},
	"stowage completion zsh":        {{"completion", "zsh"}},
	"stowage completion fish":       {{"completion", "fish"}},
	"stowage completion powershell": {{"completion", "powershell"}},
	// serve is not left running: it stops on an address it cannot listen
	// on, after loading the platform settings and making the host key.
	// config export runs with the exports (its path ends in " export"), so
	// import finds the file it wrote; --replace puts acme back as it was.
	"stowage config export": {{"config", "export"}, {"config", "export", "--redact", "--format", "json"}, {"config", "export", "acme", "-o", "{dir}/acme.yaml"}},
	"stowage config import": {{"config", "import", "{dir}/acme.yaml", "--replace"}},
	"stowage config path":   {{"config", "path"}},
	// delete runs after the config commands: each deleted location is
	// imported back from the file config export wrote (keeping its id, so
	// its journal is found again by download and verify).
	"stowage delete": {
		{"config", "export", "globex", "-o", "{dir}/globex.yaml"}, {"delete", "globex", "--yes"}, {"config", "import", "{dir}/globex.yaml"},
		{"delete", "acme", "--yes", "--journal", "delete"}, {"config", "import", "{dir}/acme.yaml"},
	},
	"stowage serve":        {{"serve", "--tenants", "{dir}/tenants", "--host-key", "{dir}/hk", "--listen", "256.0.0.1:2222"}},
	"stowage serve invite": {{"serve", "invite", "acme", "--tenants", "{dir}/tenants", "--host", "onboard.example.com"}},
}

// commandPaths lists every runnable command of the tree.
func commandPaths() []string {
	var out []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() {
			out = append(out, c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(&globals{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}))
	// Exports first, so download and verify find something.
	sort.Slice(out, func(i, j int) bool {
		ei, ej := strings.HasSuffix(out[i], " export"), strings.HasSuffix(out[j], " export")
		if ei != ej {
			return ei
		}
		return out[i] < out[j]
	})
	return out
}

// TestScreenShareLeaksNothing runs every command of the tree in
// screen-share mode on leakFixture: nothing printed may hold a secret, a
// full identifier, or an 8-character piece of either, including values
// the command itself generates (a new external ID).
func TestScreenShareLeaksNothing(t *testing.T) {
	cfg, src := leakFixture(t)
	dir := t.TempDir()
	f, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	never := forbidden(f)
	// The role ARN given to setup is printed back only masked.
	never["989898121212"] = "initech account ID"
	paths := commandPaths()
	if len(paths) < 12 {
		t.Fatalf("only %d commands found: %v", len(paths), paths)
	}
	for _, path := range paths {
		runs, ok := leakRuns[path]
		if !ok {
			t.Errorf("command %q is not run by the leak test: add it to leakRuns", path)
			continue
		}
		for _, args := range runs {
			full := []string{"--config", cfg, "--screen-share"}
			for _, a := range args {
				a = strings.ReplaceAll(a, "{src}", src)
				a = strings.ReplaceAll(a, "{dir}", dir)
				full = append(full, a)
			}
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				out, errOut, code := runCLI(t, "", full...)
				t.Logf("exit %d", code)
				// The accessible wizard runs until its (empty) input ends
				// at the first question, which exits 2 too.
				if code == ExitUsage && !strings.Contains(errOut, "error: the input ended at ") {
					t.Errorf("usage error, so the command did not run:\n%s", errOut)
				}
				// A command may write new values (a rotated external ID).
				if after, err := config.Load(cfg); err == nil {
					for v, what := range forbidden(after) {
						never[v] = what
					}
				}
				assertNoLeak(t, "stdout", out, never)
				assertNoLeak(t, "stderr", errOut, never)
			})
		}
	}
}
