package policies

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
)

// TestScriptsParse runs every generated AWS CLI script through bash -n and
// every Terraform configuration through terraform fmt -check, which parses
// the HCL and insists on its canonical layout. Terraform is optional on a
// developer machine; bash is not.
func TestScriptsParse(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("bash not found: %v", err)
	}
	terraform, tfErr := exec.LookPath("terraform")
	for _, c := range goldenCases() {
		for _, k := range Kinds(c.loc) {
			if k != KindAWSCLI && k != KindTerraform {
				continue
			}
			t.Run(c.name+"/"+string(k), func(t *testing.T) {
				out, err := Render(k, c.loc, c.p)
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				switch k {
				case KindAWSCLI:
					f := filepath.Join(dir, "setup.sh")
					if err := os.WriteFile(f, []byte(out), 0o600); err != nil {
						t.Fatal(err)
					}
					if msg, err := exec.Command(bash, "-n", f).CombinedOutput(); err != nil {
						t.Errorf("bash -n: %v\n%s", err, msg)
					}
				case KindTerraform:
					if tfErr != nil {
						t.Skip("terraform not on PATH; HCL layout not checked")
					}
					if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(out), 0o600); err != nil {
						t.Fatal(err)
					}
					cmd := exec.Command(terraform, "fmt", "-check", "-diff", "-no-color", dir)
					cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
					if msg, err := cmd.CombinedOutput(); err != nil {
						t.Errorf("terraform fmt -check: %v\n%s", err, msg)
					}
				}
			})
		}
	}
}

// TestCLIBucketPolicyExpands runs the keys-mode script's bucket policy
// heredoc through bash with USER_ARN set, and checks the file it writes is
// exactly the bucket policy Bucket() returns: nothing else expanded.
func TestCLIBucketPolicyExpands(t *testing.T) {
	for _, loc := range []config.Location{keysLoc(), keysLoc(withOddPrefix, withReadBack, withACL)} {
		t.Run(loc.S3.Prefix, func(t *testing.T) {
			script, err := AWSCLI(loc, config.Platform{})
			if err != nil {
				t.Fatal(err)
			}
			const start = "cat > stowage-bucket-policy.json <<EOF\n"
			i := strings.Index(script, start)
			j := strings.Index(script[i:], "\nEOF\n")
			if i < 0 || j < 0 {
				t.Fatalf("no bucket policy heredoc in:\n%s", script)
			}
			block := script[i : i+j+len("\nEOF\n")]
			dir := t.TempDir()
			cmd := exec.Command("bash", "-c", "set -eu\n"+block)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "USER_ARN="+loc.S3.UserARN)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("bash: %v\n%s", err, msg)
			}
			got, err := os.ReadFile(filepath.Join(dir, "stowage-bucket-policy.json"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := Bucket(loc)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("bash wrote:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestCLIQuotedHeredocsAreLiteral runs each quoted heredoc of the role-mode
// script and checks the files hold the documents the package returns.
func TestCLIQuotedHeredocsAreLiteral(t *testing.T) {
	loc := roleLoc(withOddPrefix, withPending, withKMS)
	script, err := AWSCLI(loc, testPlatform)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var blocks []string
	rest := script
	for {
		i := strings.Index(rest, "cat > ")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "\nEOF\n")
		blocks = append(blocks, rest[i:i+j+len("\nEOF\n")])
		rest = rest[i+j:]
	}
	cmd := exec.Command("bash", "-c", "set -eu\n"+strings.Join(blocks, ""))
	cmd.Dir = dir
	// The unquoted heredocs (the log bucket's policy) fill these in.
	cmd.Env = append(os.Environ(), "ACCOUNT_ID=111122223333")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bash: %v\n%s", err, msg)
	}
	perm, _ := Permissions(loc)
	trust, _ := Trust(loc, testPlatform)
	for file, want := range map[string]string{
		"stowage-permissions-policy.json": perm,
		"stowage-trust-policy.json":       trust,
	} {
		got, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s:\n%s\nwant:\n%s", file, got, want)
		}
	}
}

// TestCLICreatedKeyExpands runs the heredocs of the scripts that create a
// KMS key (the default) with the variables the script sets, and checks the
// permissions policy is the one Stowage would give for that key, the key
// policy names the role or user, and the bucket's default encryption and
// the log bucket's policy name the key and the account.
func TestCLICreatedKeyExpands(t *testing.T) {
	const (
		account = "111122223333"
		keyARN  = "arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	)
	for _, loc := range []config.Location{roleLoc(withOddPrefix), keysLoc(withOddPrefix, withReadBack)} {
		t.Run(string(loc.S3.Auth), func(t *testing.T) {
			if h := HardeningOf(loc); h.KMSKey != KMSKeyCreate || h.AccessLogs != AccessLogsCreate {
				t.Fatalf("hardening %+v: want the defaults", h)
			}
			script, err := AWSCLI(loc, testPlatform)
			if err != nil {
				t.Fatal(err)
			}
			var blocks []string
			for rest := script; ; {
				i := strings.Index(rest, "cat > ")
				if i < 0 {
					break
				}
				j := strings.Index(rest[i:], "\nEOF\n")
				blocks = append(blocks, rest[i:i+j+len("\nEOF\n")])
				rest = rest[i+j:]
			}
			principal := "arn:aws:iam::111122223333:role/stowage-export"
			if loc.S3.Auth == config.AuthKeys {
				principal = loc.S3.UserARN
			}
			dir := t.TempDir()
			cmd := exec.Command("bash", "-c", "set -eu\n"+strings.Join(blocks, ""))
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "ACCOUNT_ID="+account, "ACCOUNT_ROOT=arn:aws:iam::"+account+":root",
				"KMS_KEY_ARN="+keyARN, "ROLE_ARN="+principal, "USER_ARN="+principal)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("bash: %v\n%s", err, msg)
			}
			read := func(name string) string {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			withKey := loc
			s := *loc.S3
			s.Encryption, s.KMSKeyARN = config.EncryptionSSEKMS, keyARN
			withKey.S3 = &s
			if want, _ := Permissions(withKey); read("stowage-permissions-policy.json") != want {
				t.Errorf("permissions policy:\n%s\nwant:\n%s", read("stowage-permissions-policy.json"), want)
			}
			for file, wants := range map[string][]string{
				"stowage-kms-key-policy.json":    {`"AWS": "arn:aws:iam::111122223333:root"`, `"AWS": "` + principal + `"`, `"kms:ViaService": "s3.eu-west-1.amazonaws.com"`},
				"stowage-encryption.json":        {`"KMSMasterKeyID": "` + keyARN + `"`},
				"stowage-log-bucket-policy.json": {`"aws:SourceAccount": "` + account + `"`},
			} {
				got := read(file)
				if !json.Valid([]byte(got)) {
					t.Errorf("%s is not JSON:\n%s", file, got)
				}
				for _, w := range wants {
					if !strings.Contains(got, w) {
						t.Errorf("%s lacks %s:\n%s", file, w, got)
					}
				}
			}
		})
	}
}
