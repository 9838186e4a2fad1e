package policies

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
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
