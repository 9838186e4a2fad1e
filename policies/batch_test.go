package policies

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stowage-dev/stowage/config"
)

const testBatchRole = "arn:aws:iam::111122223333:role/StowageBatchOperations"

func platformSource(mods ...func(*config.S3)) *config.Location {
	s := &config.S3{Bucket: "platform-recordings", Region: "eu-west-1", Prefix: "tenants/acme/", Auth: config.AuthDefault}
	for _, m := range mods {
		m(s)
	}
	return &config.Location{Name: "platform", Type: config.TypeS3, S3: s}
}

// TestBatchGolden renders every batch document that applies to each pair
// and compares it with testdata/TestBatchGolden/<case>/<kind>.golden.
func TestBatchGolden(t *testing.T) {
	cases := []struct {
		name string
		dst  config.Location
		in   BatchInput
	}{
		{"aws-minimal", roleLoc(), BatchInput{Source: platformSource(), RoleARN: testBatchRole}},
		{"aws-kms-acl-prefix", roleLoc(func(s *config.S3) {
			s.Prefix, s.Encryption, s.KMSKeyARN, s.BucketOwnerFullControl = "calls/", config.EncryptionSSEKMS, testKMSKey, true
		}), BatchInput{Source: platformSource(func(s *config.S3) {
			s.Encryption, s.KMSKeyARN = config.EncryptionSSEKMS, "arn:aws:kms:eu-west-1:444455556666:key/abcd"
		}), RoleARN: testBatchRole}},
		{"minio", keysLoc(func(s *config.S3) { s.Endpoint = "https://minio.internal:9000"; s.Region = "us-east-1" }),
			BatchInput{Source: platformSource(func(s *config.S3) { s.Endpoint = "https://minio.platform:9000" })}},
		{"azure", config.Location{Name: "Acme Azure", Type: config.TypeAzure, Azure: &config.Azure{Container: "call-recordings", ConnectionString: "DefaultEndpointsProtocol=https;AccountName=acmerecordings;EndpointSuffix=core.windows.net"}}, BatchInput{Source: &config.Location{Name: "platform", Type: config.TypeAzure,
			Azure: &config.Azure{Container: "platform-calls", ConnectionString: "DefaultEndpointsProtocol=https;AccountName=platformstore;AccountKey=c2VjcmV0LWtleS1ub3QtdG8tYmUtcHJpbnRlZA==;EndpointSuffix=core.windows.net"}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kinds := BatchKindsFor(c.dst, c.in.Source)
			if len(kinds) == 0 {
				t.Fatal("no batch kinds")
			}
			for _, k := range kinds {
				t.Run(string(k), func(t *testing.T) {
					out, err := BatchDocument(k, c.dst, c.in)
					if err != nil {
						t.Fatal(err)
					}
					if !strings.HasSuffix(out, "\n") && k != KindBatchSource {
						t.Errorf("no final newline")
					}
					if k != KindBatchTerraform && k != KindAzureSourceSAS {
						var v any
						if err := json.Unmarshal([]byte(out), &v); err != nil {
							t.Errorf("not JSON: %v", err)
						}
					}
					if strings.Contains(out, "c2VjcmV0LWtleS1ub3QtdG8tYmUtcHJpbnRlZA") {
						t.Error("the document holds the source's account key")
					}
					again, _ := BatchDocument(k, c.dst, c.in)
					if again != out {
						t.Error("two renders differ")
					}
					golden.RequireEqual(t, out)
				})
			}
		})
	}
}

// TestBatchRoleContent pins what the issue asks of the role: trust for
// batchoperations.s3.amazonaws.com; read the source and the manifest,
// write the destination and the report, KMS where used; PassRole only to
// Batch Operations.
func TestBatchRoleContent(t *testing.T) {
	dst := roleLoc(func(s *config.S3) {
		s.Prefix, s.Encryption, s.KMSKeyARN = "calls/", config.EncryptionSSEKMS, testKMSKey
	})
	in := BatchInput{Source: platformSource(), RoleARN: testBatchRole}
	trust, _ := BatchDocument(KindBatchTrust, dst, in)
	if !strings.Contains(trust, `"Service": "batchoperations.s3.amazonaws.com"`) || !strings.Contains(trust, `"aws:SourceAccount": "111122223333"`) {
		t.Errorf("trust:\n%s", trust)
	}
	role, _ := BatchDocument(KindBatchRole, dst, in)
	for _, want := range []string{
		`"arn:aws:s3:::platform-recordings/tenants/acme/*"`,
		`"arn:aws:s3:::acme-call-recordings/calls/*"`,
		`"arn:aws:s3:::acme-call-recordings/calls/.stowage-batch/manifests/*"`,
		`"arn:aws:s3:::acme-call-recordings/calls/.stowage-batch/reports/*"`,
		`"kms:GenerateDataKey"`, testKMSKey,
	} {
		if !strings.Contains(role, want) {
			t.Errorf("role policy lacks %s:\n%s", want, role)
		}
	}
	caller, _ := BatchDocument(KindBatchCaller, dst, in)
	for _, want := range []string{`"s3:CreateJob"`, `"iam:PassRole"`, `"iam:PassedToService": "batchoperations.s3.amazonaws.com"`, testBatchRole, `"arn:aws:s3:eu-west-1:111122223333:job/*"`} {
		if !strings.Contains(caller, want) {
			t.Errorf("caller statements lack %s:\n%s", want, caller)
		}
	}
	if _, err := BatchDocument(KindBatchCaller, dst, BatchInput{Source: in.Source}); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "--batch-role-arn") {
		t.Errorf("caller without a role: %v", err)
	}
	if _, err := BatchDocument(KindBatchRole, dst, BatchInput{}); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "--from") {
		t.Errorf("role without a source: %v", err)
	}
	if _, err := BatchDocument(KindBatchRole, keysLoc(func(s *config.S3) { s.Endpoint = "https://minio:9000" }), in); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("role for MinIO: %v", err)
	}
}

// TestBatchTerraformAndScriptParse: the batch Terraform parses as HCL (with
// the trust and permissions JSON inside it valid), and the SAS command is
// valid shell.
func TestBatchTerraformAndScriptParse(t *testing.T) {
	dst := roleLoc(func(s *config.S3) {
		s.Prefix, s.Encryption, s.KMSKeyARN = "calls/", config.EncryptionSSEKMS, testKMSKey
	})
	out, err := BatchDocument(KindBatchTerraform, dst, BatchInput{Source: platformSource(), RoleARN: testBatchRole})
	if err != nil {
		t.Fatal(err)
	}
	checkHCL(t, out)
	az := config.Location{Name: "a", Type: config.TypeAzure, Azure: &config.Azure{Container: "c"}}
	sas, err := BatchDocument(KindAzureSourceSAS, az, BatchInput{Source: &az})
	if err != nil {
		t.Fatal(err)
	}
	f := t.TempDir() + "/sas.sh"
	if err := os.WriteFile(f, []byte(sas), 0o600); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command("bash", "-n", f).CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v\n%s", err, msg)
	}
}
