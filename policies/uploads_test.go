package policies

import (
	"strings"
	"testing"

	"github.com/stowage-dev/stowage/config"
)

// TestManageUploadsGrant: manage_uploads adds listing uploads on the
// bucket and aborting them on the prefix's objects; without it the
// least-privilege policy has neither.
func TestManageUploadsGrant(t *testing.T) {
	loc := config.Location{Name: "acme", Type: config.TypeS3, S3: &config.S3{Bucket: "acme-calls", Region: "eu-west-1",
		Prefix: "calls/", Auth: config.AuthRole, RoleARN: "arn:aws:iam::123456789012:role/stowage"}}
	doc, err := Permissions(loc)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(doc, "MultipartUpload") {
		t.Fatalf("least-privilege policy grants upload management:\n%s", doc)
	}
	loc.S3.ManageUploads = true
	doc, err = Permissions(loc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"s3:ListBucketMultipartUploads"`, `"s3:AbortMultipartUpload"`, `"arn:aws:s3:::acme-calls/calls/*"`, `"Sid": "AbortUploads"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("policy with manage_uploads lacks %s:\n%s", want, doc)
		}
	}
	loc.S3.ExternalID = "ext-id-0123456789abcdef"
	tf, err := Terraform(loc, testPlatform)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tf, "s3:AbortMultipartUpload") || !strings.Contains(tf, "abort_incomplete_multipart_upload") {
		t.Errorf("Terraform with manage_uploads lacks the grant or keeps no abort-incomplete lifecycle rule")
	}
}
