package policies

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stowage-dev/stowage/config"
)

// AbortIncompleteUploadDays is when the lifecycle rule of the generated
// bucket discards unfinished multipart uploads. The permissions policy
// grants no s3:AbortMultipartUpload (the minimal policy is exactly List,
// GetBucketLocation and Put), so the bucket cleans them up itself.
const AbortIncompleteUploadDays = 7

// maxSessionSeconds returns the role's MaxSessionDuration for the
// platform's session duration, or 0 when the default hour is enough.
func maxSessionSeconds(p config.Platform) int {
	if p.SessionDuration <= time.Hour {
		return 0
	}
	sec := int((p.SessionDuration + time.Second - 1) / time.Second)
	return min(sec, 12*3600) // IAM's ceiling
}

// cfnSubEscape escapes text placed inside an Fn::Sub string.
func cfnSubEscape(s string) string { return strings.ReplaceAll(s, "${", "${!") }

func cfnARNs(s *config.S3) arns {
	return arns{
		bucket: func(suffix string) any {
			return obj{{"Fn::Sub", "arn:${AWS::Partition}:s3:::${BucketName}" + cfnSubEscape(suffix)}}
		},
		text: func(v string) string { return v },
	}
}

func ref(name string) obj { return obj{{"Ref", name}} }

// encryptionRule is the bucket's default encryption: SSE-KMS with the
// location's key, or SSE-S3 (AES256) otherwise.
func cfnEncryption(s *config.S3) obj {
	if s.Encryption == config.EncryptionSSEKMS {
		return obj{
			{"ServerSideEncryptionByDefault", obj{{"SSEAlgorithm", "aws:kms"}, {"KMSMasterKeyID", s.KMSKeyARN}}},
			// Bucket keys cut KMS requests (and cost) per object.
			{"BucketKeyEnabled", true},
		}
	}
	return obj{{"ServerSideEncryptionByDefault", obj{{"SSEAlgorithm", "AES256"}}}}
}

func objectOwnership(s *config.S3) string {
	if s.BucketOwnerFullControl {
		return "BucketOwnerPreferred"
	}
	return "BucketOwnerEnforced"
}

// CloudFormation returns a JSON template that creates the bucket, the
// permissions policy and the role Stowage assumes (role mode).
func CloudFormation(loc config.Location, p config.Platform) (string, error) {
	const doc = "CloudFormation template"
	s, err := s3Of(doc, loc)
	if err != nil {
		return "", err
	}
	if s.Auth != config.AuthRole {
		return "", fmt.Errorf("%w: the %s creates a role for role mode, and location %q uses auth %q; use the Terraform or AWS CLI documents", ErrNotApplicable, doc, loc.Name, string(s.Auth))
	}
	if err := requireBucket(doc, s); err != nil {
		return "", err
	}
	pr, err := requirePrincipals(doc, s, p)
	if err != nil {
		return "", err
	}
	if s.ExpiryDays < 0 {
		return "", fmt.Errorf("%s: s3.expiry_days must be 0 (keep objects) or a number of days such as 30, not %d", doc, s.ExpiryDays)
	}

	params := obj{
		{"ExternalId", obj{
			{"Type", "String"},
			{"NoEcho", true},
			{"MinLength", 2},
			{"Description", "External ID Stowage sends when it assumes the role (Stowage shows it under Show external ID)."},
		}},
		{"PendingExternalId", obj{
			{"Type", "String"},
			{"NoEcho", true},
			{"Default", ""},
			{"Description", "During an external ID rotation, the new ID; both are accepted until Stowage confirms the new one. Leave empty otherwise."},
		}},
		{"BucketName", obj{
			{"Type", "String"},
			{"Default", s.Bucket},
			{"Description", "Name of the S3 bucket to create for the exported recordings."},
		}},
		{"TrustedPrincipal", obj{
			{"Type", "CommaDelimitedList"},
			{"Default", strings.Join(pr, ",")},
			{"Description", "ARN(s) of the Stowage platform identity allowed to assume the role, comma-separated."},
		}},
		{"ExpiryDays", obj{
			{"Type", "Number"},
			{"Default", s.ExpiryDays},
			{"MinValue", 0},
			{"Description", "Days after which exported objects are deleted; 0 keeps them."},
		}},
	}
	// A referenced parameter is a string to Fn::Equals, so HasExpiry
	// compares with "0", not 0.
	conditions := obj{
		{"HasExpiry", obj{{"Fn::Not", []any{obj{{"Fn::Equals", []any{ref("ExpiryDays"), "0"}}}}}}},
		{"HasPendingExternalId", obj{{"Fn::Not", []any{obj{{"Fn::Equals", []any{ref("PendingExternalId"), ""}}}}}}},
	}

	rule := func(expiry bool) obj {
		r := obj{{"Id", "stowage-exports"}, {"Status", "Enabled"}}
		if s.Prefix != "" {
			r = append(r, kv{"Prefix", s.Prefix})
		}
		if expiry {
			r = append(r, kv{"ExpirationInDays", ref("ExpiryDays")})
		}
		return append(r, kv{"AbortIncompleteMultipartUpload", obj{{"DaysAfterInitiation", AbortIncompleteUploadDays}}})
	}
	bucketProps := obj{
		{"BucketName", ref("BucketName")},
		{"PublicAccessBlockConfiguration", obj{
			{"BlockPublicAcls", true},
			{"BlockPublicPolicy", true},
			{"IgnorePublicAcls", true},
			{"RestrictPublicBuckets", true},
		}},
		{"BucketEncryption", obj{{"ServerSideEncryptionConfiguration", []any{cfnEncryption(s)}}}},
		{"OwnershipControls", obj{{"Rules", []any{obj{{"ObjectOwnership", objectOwnership(s)}}}}}},
		{"LifecycleConfiguration", obj{{"Fn::If", []any{"HasExpiry",
			obj{{"Rules", []any{rule(true)}}},
			obj{{"Rules", []any{rule(false)}}},
		}}}},
	}

	a := cfnARNs(s)
	trust := statement{Effect: "Allow", Principal: obj{{"AWS", ref("TrustedPrincipal")}}, Action: "sts:AssumeRole",
		Condition: obj{{"StringEquals", obj{{"sts:ExternalId", obj{{"Fn::If", []any{"HasPendingExternalId",
			[]any{ref("ExternalId"), ref("PendingExternalId")},
			ref("ExternalId"),
		}}}}}}}}
	roleProps := obj{
		{"Description", "Stowage assumes this role to export recordings into the bucket."},
		{"AssumeRolePolicyDocument", policyDoc{Version: PolicyVersion, Statement: []statement{trust}}},
		{"ManagedPolicyArns", []any{ref("PermissionsPolicy")}},
	}
	if sec := maxSessionSeconds(p); sec > 0 {
		roleProps = append(roleProps, kv{"MaxSessionDuration", sec})
	}

	tmpl := obj{
		{"AWSTemplateFormatVersion", "2010-09-09"},
		{"Description", fmt.Sprintf("Stowage export location %q: an S3 bucket, its permissions policy and the IAM role Stowage assumes with an external ID.", loc.Name)},
		{"Parameters", params},
		{"Conditions", conditions},
		{"Resources", obj{
			{"Bucket", obj{
				{"Type", "AWS::S3::Bucket"},
				// Recordings outlive the stack: deleting it must not
				// delete them.
				{"DeletionPolicy", "Retain"},
				{"UpdateReplacePolicy", "Retain"},
				{"Properties", bucketProps},
			}},
			{"BucketPolicy", obj{
				{"Type", "AWS::S3::BucketPolicy"},
				{"Properties", obj{
					{"Bucket", ref("Bucket")},
					{"PolicyDocument", policyDoc{Version: PolicyVersion, Statement: []statement{denyInsecureTransport(a)}}},
				}},
			}},
			{"PermissionsPolicy", obj{
				{"Type", "AWS::IAM::ManagedPolicy"},
				{"Properties", obj{
					{"Description", "Least privilege Stowage needs to export recordings into the bucket."},
					{"PolicyDocument", policyDoc{Version: PolicyVersion, Statement: permissionStatements(s, a)}},
				}},
			}},
			{"Role", obj{
				{"Type", "AWS::IAM::Role"},
				{"Properties", roleProps},
			}},
		}},
		{"Outputs", obj{
			{"RoleArn", obj{
				{"Description", "Paste this into Stowage's Role ARN field."},
				{"Value", obj{{"Fn::GetAtt", []any{"Role", "Arn"}}}},
			}},
			{"BucketName", obj{
				{"Description", "The bucket Stowage exports into."},
				{"Value", ref("Bucket")},
			}},
		}},
	}
	return indentJSON(tmpl)
}

// QuickCreateURL returns the AWS console link that opens the published
// template (p.TemplateURL) with this location's parameters filled in, or ""
// when no template is published.
func QuickCreateURL(loc config.Location, p config.Platform) (string, error) {
	if p.TemplateURL == "" {
		return "", nil
	}
	const doc = "quick-create link"
	s, err := s3Of(doc, loc)
	if err != nil {
		return "", err
	}
	if err := requireBucket(doc, s); err != nil {
		return "", err
	}
	if err := requireRegion(doc, s); err != nil {
		return "", err
	}
	pr, err := requirePrincipals(doc, s, p)
	if err != nil {
		return "", err
	}
	ids, err := requireExternalID(doc, s)
	if err != nil {
		return "", err
	}
	q := [][2]string{
		{"templateURL", p.TemplateURL},
		{"stackName", baseName(loc)},
		{"param_ExternalId", ids[0]},
	}
	if len(ids) > 1 {
		q = append(q, [2]string{"param_PendingExternalId", ids[1]})
	}
	q = append(q,
		[2]string{"param_BucketName", s.Bucket},
		[2]string{"param_TrustedPrincipal", strings.Join(pr, ",")},
		[2]string{"param_ExpiryDays", strconv.Itoa(s.ExpiryDays)},
	)
	var b strings.Builder
	b.WriteString("https://" + consoleHost(partition(s)) + "/cloudformation/home?region=" + queryEscape(s.Region) + "#/stacks/quickcreate")
	for i, kv := range q {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(kv[0] + "=" + queryEscape(kv[1]))
	}
	return b.String(), nil
}

// queryEscape percent-encodes a query value; spaces become %20 because the
// console reads the fragment's query itself and does not turn "+" into " ".
func queryEscape(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "+", "%20") }
