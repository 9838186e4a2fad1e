// Package integration holds end-to-end tests that span packages: generated
// documents applied to real servers.
package integration

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/testenv"
	"github.com/stowage-dev/stowage/policies"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestGeneratedPolicyIsEnforced applies the generated least-privilege
// permissions policy to a MinIO user, assumes it through STS AssumeRole with
// a role ARN and external ID, and checks what is allowed and denied.
func TestGeneratedPolicyIsEnforced(t *testing.T) {
	m := testenv.SharedMinIO(t, testenv.MinIOOptions{TLS: true})
	ctx := context.Background()

	tests := []struct {
		name     string
		prefix   string
		readBack bool
		manage   bool // manage_uploads: list and abort multipart uploads
	}{
		{"no prefix", "", false, false},
		{"prefix", "calls/2026/", false, false},
		{"prefix with read-back", "calls/", true, false},
		{"prefix with manage_uploads", "calls/", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket := testenv.UniqueName("enforced")
			other := testenv.UniqueName("other")
			m.CreateBucket(t, bucket)
			m.CreateBucket(t, other)
			root := m.S3Client(t, "", "")
			// An object that exists, so GetObject's denial is a real denial.
			for _, b := range []string{bucket, other} {
				if _, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(tt.prefix + "seed.txt"), Body: strings.NewReader("seed")}); err != nil {
					t.Fatal(err)
				}
			}
			externalID, err := config.NewExternalID()
			if err != nil {
				t.Fatal(err)
			}
			loc := config.Location{Name: "enforced", Type: config.TypeS3, S3: &config.S3{
				Bucket: bucket, Region: "us-east-1", Prefix: tt.prefix, Auth: config.AuthRole,
				RoleARN: "arn:aws:iam::123456789012:role/stowage-export", ExternalID: externalID,
				ReadBack: tt.readBack, ManageUploads: tt.manage,
			}}
			doc, err := policies.Permissions(loc)
			if err != nil {
				t.Fatal(err)
			}
			ak, sk := m.CreateUser(t, doc)

			// Assume the "role" as Stowage does: base keys sign AssumeRole with
			// RoleArn + ExternalId; MinIO hands out credentials carrying the policy.
			base := m.AWSConfig(ak, sk)
			stsClient := sts.NewFromConfig(base)
			provider := stscreds.NewAssumeRoleProvider(stsClient, loc.S3.RoleARN, func(o *stscreds.AssumeRoleOptions) {
				o.ExternalID = aws.String(externalID)
				o.RoleSessionName = "stowage-enforced"
			})
			creds, err := provider.Retrieve(ctx)
			if err != nil {
				t.Fatalf("AssumeRole: %v", err)
			}
			if creds.SessionToken == "" {
				t.Fatal("AssumeRole returned no session token")
			}
			cfg := base.Copy()
			cfg.Credentials = aws.NewCredentialsCache(provider)
			client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })

			key := tt.prefix + "export/recording-0001.wav"
			checks := []struct {
				what    string
				call    func() error
				allowed bool
			}{
				{"GetBucketLocation", func() error {
					_, err := client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
					return err
				}, true},
				{"ListBucket under the prefix", func() error {
					_, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(tt.prefix)})
					return err
				}, true},
				{"PutObject under the prefix", func() error {
					_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("audio")})
					return err
				}, true},
				{"GetObject", func() error {
					_, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(tt.prefix + "seed.txt")})
					return err
				}, tt.readBack},
				{"DeleteObject", func() error {
					_, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(tt.prefix + "seed.txt")})
					return err
				}, false},
				{"PutObject in another bucket", func() error {
					_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(other), Key: aws.String(key), Body: strings.NewReader("x")})
					return err
				}, false},
				{"ListBucket of another bucket", func() error {
					_, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(other)})
					return err
				}, false},
			}
			// An upload an export abandoned, for the location to abort.
			up, err := root.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key + ".part")})
			if err != nil {
				t.Fatal(err)
			}
			checks = append(checks,
				struct {
					what    string
					call    func() error
					allowed bool
				}{"ListMultipartUploads", func() error {
					_, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Prefix: aws.String(tt.prefix)})
					return err
				}, tt.manage},
				struct {
					what    string
					call    func() error
					allowed bool
				}{"AbortMultipartUpload under the prefix", func() error {
					_, err := client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key + ".part"), UploadId: up.UploadId})
					return err
				}, tt.manage},
			)
			if tt.prefix != "" {
				checks = append(checks,
					struct {
						what    string
						call    func() error
						allowed bool
					}{"PutObject outside the prefix", func() error {
						_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("elsewhere/x.wav"), Body: strings.NewReader("x")})
						return err
					}, false},
					struct {
						what    string
						call    func() error
						allowed bool
					}{"ListBucket outside the prefix", func() error {
						_, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("elsewhere/")})
						return err
					}, false},
				)
			}
			for _, c := range checks {
				err := c.call()
				switch {
				case c.allowed && err != nil:
					t.Errorf("%s: want allowed, got %v", c.what, err)
				case !c.allowed && !isAccessDenied(err):
					t.Errorf("%s: want AccessDenied, got %v", c.what, err)
				}
			}
		})
	}
}

func isAccessDenied(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "AccessDenied"
}
