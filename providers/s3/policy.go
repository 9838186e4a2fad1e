package s3

import (
	"strings"

	"github.com/stowage-dev/stowage/config"
)

// TEMPORARY until policies/ lands: same contract as policies.ResourceFor and
// policies.StatementFor.

func resourceFor(loc config.Location, action string) string {
	s := loc.S3
	partition := "aws"
	switch {
	case strings.HasPrefix(s.Region, "cn-"):
		partition = "aws-cn"
	case strings.HasPrefix(s.Region, "us-gov-"):
		partition = "aws-us-gov"
	}
	switch {
	case strings.HasPrefix(action, "kms:"):
		return s.KMSKeyARN
	case action == "sts:AssumeRole":
		return s.RoleARN
	case action == "s3:ListBucket" || action == "s3:GetBucketLocation" || strings.HasPrefix(action, "s3:GetBucket") ||
		action == "s3:ListBucketMultipartUploads" || strings.HasPrefix(action, "s3:GetEncryption") || action == "s3:GetBucketPublicAccessBlock":
		return "arn:" + partition + ":s3:::" + s.Bucket
	}
	return "arn:" + partition + ":s3:::" + s.Bucket + "/" + s.Prefix + "*"
}

func statementFor(loc config.Location, action string) string {
	return ""
}
