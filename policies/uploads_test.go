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

// TestManageUploadsEveryDocument: with and without manage_uploads, every
// generated document that carries the location's permissions grants
// listing and aborting uploads exactly when the setting is on, and every
// one that creates the bucket keeps the rule that aborts uploads left
// unfinished for 7 days.
func TestManageUploadsEveryDocument(t *testing.T) {
	docs := map[string]func(config.Location) (string, error){
		"permissions":    Permissions,
		"cloudformation": func(l config.Location) (string, error) { return CloudFormation(l, testPlatform) },
		"terraform":      func(l config.Location) (string, error) { return Terraform(l, testPlatform) },
		"aws-cli":        func(l config.Location) (string, error) { return AWSCLI(l, testPlatform) },
	}
	lifecycle := map[string]string{
		"cloudformation": `"DaysAfterInitiation": 7`,
		"terraform":      "days_after_initiation = 7",
		"aws-cli":        `"DaysAfterInitiation": 7`,
	}
	for _, manage := range []bool{false, true} {
		loc := config.Location{Name: "acme", Type: config.TypeS3, S3: &config.S3{Bucket: "acme-calls", Region: "eu-west-1",
			Prefix: "calls/", Auth: config.AuthRole, RoleARN: "arn:aws:iam::123456789012:role/stowage",
			ExternalID: "ext-id-0123456789abcdef", ManageUploads: manage}}
		for name, render := range docs {
			doc, err := render(loc)
			if err != nil {
				t.Fatalf("%s (manage_uploads %t): %v", name, manage, err)
			}
			for _, action := range []string{"s3:ListBucketMultipartUploads", "s3:AbortMultipartUpload"} {
				if got := strings.Contains(doc, `"`+action+`"`); got != manage {
					t.Errorf("%s with manage_uploads %t: grants %s %t", name, manage, action, got)
				}
			}
			if want, ok := lifecycle[name]; ok && !strings.Contains(doc, want) {
				t.Errorf("%s with manage_uploads %t lacks the 7-day abort of unfinished uploads (%q)", name, manage, want)
			}
		}
	}
}
