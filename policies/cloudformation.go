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

func sub(s string) obj            { return obj{{"Fn::Sub", s}} }
func getAtt(res, attr string) obj { return obj{{"Fn::GetAtt", []any{res, attr}}} }
func ref(name string) obj         { return obj{{"Ref", name}} }

func cfnARNs(s *config.S3, h Hardening) arns {
	a := arns{
		bucket: func(suffix string) any {
			return sub("arn:${AWS::Partition}:s3:::${BucketName}" + cfnSubEscape(suffix))
		},
		text: func(v string) string { return v },
	}
	switch h.KMSKey {
	case KMSKeyCreate:
		a.kms = getAtt("KmsKey", "Arn")
	case KMSKeyExisting:
		a.kms = s.KMSKeyARN
	}
	return a
}

// cfnEncryption is the bucket's default encryption: SSE-KMS with the
// created or the location's key, or SSE-S3 (AES256).
func cfnEncryption(a arns) obj {
	if a.kms != nil {
		return obj{
			{"ServerSideEncryptionByDefault", obj{{"SSEAlgorithm", "aws:kms"}, {"KMSMasterKeyID", a.kms}}},
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

func publicAccessBlock() obj {
	return obj{
		{"BlockPublicAcls", true},
		{"BlockPublicPolicy", true},
		{"IgnorePublicAcls", true},
		{"RestrictPublicBuckets", true},
	}
}

// Why each hardening parameter is there, in one line, for the template's
// parameter descriptions and Terraform's variable descriptions.
const (
	whyVersioning     = "Keeps earlier versions of overwritten or deleted recordings so they can be recovered"
	whyNoncurrent     = "Days after which earlier (noncurrent) versions are deleted, so versions do not keep storage forever."
	whyLogBucket      = "Bucket that receives the server access logs (who read or wrote which recording)"
	whyLogExpiry      = "Days after which access logs are deleted."
	whyKMSKey         = "Customer managed key with yearly rotation that encrypts the recordings;\nStowage may use it only through S3."
	kmsKeyDescription = "Encrypts the recordings Stowage exports into the bucket."
)

// CloudFormation returns a JSON template that creates the bucket, the
// permissions policy and the role Stowage assumes (role mode), hardened as
// HardeningOf(loc) says.
func CloudFormation(loc config.Location, p config.Platform) (string, error) {
	return CloudFormationWith(loc, p, HardeningOf(loc))
}

// CloudFormationWith is CloudFormation with the hardening given.
func CloudFormationWith(loc config.Location, p config.Platform, h Hardening) (string, error) {
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
	if err := h.check(doc, s); err != nil {
		return "", err
	}

	versioning := "Suspended"
	if h.Versioning {
		versioning = "Enabled"
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
		{"Versioning", obj{
			{"Type", "String"},
			{"Default", versioning},
			{"AllowedValues", []string{"Enabled", "Suspended"}},
			{"Description", whyVersioning + "; Suspended turns it off."},
		}},
		{"NoncurrentVersionExpiryDays", obj{
			{"Type", "Number"},
			{"Default", h.NoncurrentVersionExpiryDays},
			{"MinValue", 1},
			{"Description", whyNoncurrent},
		}},
	}
	switch h.AccessLogs {
	case AccessLogsCreate:
		params = append(params,
			kv{"AccessLogBucketName", obj{
				{"Type", "String"},
				{"Default", h.AccessLogBucket},
				{"Description", whyLogBucket + "; this stack creates it."},
			}},
			kv{"AccessLogExpiryDays", obj{
				{"Type", "Number"},
				{"Default", h.AccessLogExpiryDays},
				{"MinValue", 1},
				{"Description", whyLogExpiry},
			}})
	case AccessLogsExisting:
		params = append(params, kv{"AccessLogBucketName", obj{
			{"Type", "String"},
			{"Default", h.AccessLogBucket},
			{"Description", whyLogBucket + "; it must exist and let logging.s3.amazonaws.com write to it."},
		}})
	}
	// A referenced parameter is a string to Fn::Equals, so HasExpiry
	// compares with "0", not 0.
	conditions := obj{
		{"HasExpiry", obj{{"Fn::Not", []any{obj{{"Fn::Equals", []any{ref("ExpiryDays"), "0"}}}}}}},
		{"HasPendingExternalId", obj{{"Fn::Not", []any{obj{{"Fn::Equals", []any{ref("PendingExternalId"), ""}}}}}}},
	}

	noncurrent := kv{"NoncurrentVersionExpiration", obj{{"NoncurrentDays", ref("NoncurrentVersionExpiryDays")}}}
	rule := func(expiry bool) obj {
		r := obj{{"Id", "stowage-exports"}, {"Status", "Enabled"}}
		if s.Prefix != "" {
			r = append(r, kv{"Prefix", s.Prefix})
		}
		if expiry {
			r = append(r, kv{"ExpirationInDays", ref("ExpiryDays")})
		}
		return append(r, noncurrent, kv{"AbortIncompleteMultipartUpload", obj{{"DaysAfterInitiation", AbortIncompleteUploadDays}}})
	}
	a := cfnARNs(s, h)
	bucketProps := obj{
		{"BucketName", ref("BucketName")},
		{"PublicAccessBlockConfiguration", publicAccessBlock()},
		{"BucketEncryption", obj{{"ServerSideEncryptionConfiguration", []any{cfnEncryption(a)}}}},
		{"OwnershipControls", obj{{"Rules", []any{obj{{"ObjectOwnership", objectOwnership(s)}}}}}},
		{"VersioningConfiguration", obj{{"Status", ref("Versioning")}}},
	}
	if h.AccessLogs != AccessLogsOff {
		dest := ref("AccessLogBucketName")
		if h.AccessLogs == AccessLogsCreate {
			dest = ref("AccessLogBucket")
		}
		bucketProps = append(bucketProps, kv{"LoggingConfiguration", obj{
			{"DestinationBucketName", dest},
			{"LogFilePrefix", sub("${BucketName}/")},
		}})
	}
	bucketProps = append(bucketProps, kv{"LifecycleConfiguration", obj{{"Fn::If", []any{"HasExpiry",
		obj{{"Rules", []any{rule(true)}}},
		obj{{"Rules", []any{rule(false)}}},
	}}}})

	trust := statement{Effect: "Allow", Principal: obj{{"AWS", ref("TrustedPrincipal")}}, Action: "sts:AssumeRole",
		Condition: obj{{"StringEquals", obj{{"sts:ExternalId", obj{{"Fn::If", []any{"HasPendingExternalId",
			[]any{ref("ExternalId"), ref("PendingExternalId")},
			ref("ExternalId"),
		}}}}}}}}
	roleProps := obj{
		{"Description", "Stowage assumes this role to export recordings into the bucket."},
		{"AssumeRolePolicyDocument", policyDoc{Version: PolicyVersion, Statement: []statement{trust}}},
	}
	if sec := maxSessionSeconds(p); sec > 0 {
		roleProps = append(roleProps, kv{"MaxSessionDuration", sec})
	}

	bucket := obj{
		{"Type", "AWS::S3::Bucket"},
		// Recordings outlive the stack: deleting it must not
		// delete them.
		{"DeletionPolicy", "Retain"},
		{"UpdateReplacePolicy", "Retain"},
	}
	if h.AccessLogs == AccessLogsCreate {
		// Log delivery is allowed before logging is turned on.
		bucket = append(bucket, kv{"DependsOn", "AccessLogBucketPolicy"})
	}
	bucket = append(bucket, kv{"Properties", bucketProps})
	resources := obj{
		{"Bucket", bucket},
		{"BucketPolicy", obj{
			{"Type", "AWS::S3::BucketPolicy"},
			{"Properties", obj{
				{"Bucket", ref("Bucket")},
				{"PolicyDocument", policyDoc{Version: PolicyVersion, Statement: []statement{denyInsecureTransport(a)}}},
			}},
		}},
	}
	if h.AccessLogs == AccessLogsCreate {
		logRule := obj{
			{"Id", "stowage-access-logs"},
			{"Status", "Enabled"},
			{"ExpirationInDays", ref("AccessLogExpiryDays")},
			noncurrent,
			{"AbortIncompleteMultipartUpload", obj{{"DaysAfterInitiation", AbortIncompleteUploadDays}}},
		}
		resources = append(resources,
			kv{"AccessLogBucket", obj{
				{"Type", "AWS::S3::Bucket"},
				// The logs are the audit trail of the recordings.
				{"DeletionPolicy", "Retain"},
				{"UpdateReplacePolicy", "Retain"},
				{"Properties", obj{
					{"BucketName", ref("AccessLogBucketName")},
					{"PublicAccessBlockConfiguration", publicAccessBlock()},
					// Log delivery cannot write to a bucket whose default
					// encryption is SSE-KMS.
					{"BucketEncryption", obj{{"ServerSideEncryptionConfiguration", []any{obj{{"ServerSideEncryptionByDefault", obj{{"SSEAlgorithm", "AES256"}}}}}}}},
					{"OwnershipControls", obj{{"Rules", []any{obj{{"ObjectOwnership", "BucketOwnerEnforced"}}}}}},
					{"VersioningConfiguration", obj{{"Status", ref("Versioning")}}},
					{"LifecycleConfiguration", obj{{"Rules", []any{logRule}}}},
				}},
			}},
			kv{"AccessLogBucketPolicy", obj{
				{"Type", "AWS::S3::BucketPolicy"},
				{"Properties", obj{
					{"Bucket", ref("AccessLogBucket")},
					{"PolicyDocument", policyDoc{Version: PolicyVersion, Statement: logDeliveryStatements(
						sub("arn:${AWS::Partition}:s3:::${AccessLogBucketName}/*"),
						sub("arn:${AWS::Partition}:s3:::${AccessLogBucketName}"),
						sub("arn:${AWS::Partition}:s3:::${AccessLogBucketName}/*"),
						sub("arn:${AWS::Partition}:s3:::${BucketName}"),
						ref("AWS::AccountId"),
					)}},
				}},
			}})
	}
	if h.KMSKey == KMSKeyCreate {
		resources = append(resources,
			kv{"KmsKey", obj{
				{"Type", "AWS::KMS::Key"},
				// Deleting the key would make every recording unreadable.
				{"DeletionPolicy", "Retain"},
				{"UpdateReplacePolicy", "Retain"},
				{"Properties", obj{
					{"Description", kmsKeyDescription},
					{"EnableKeyRotation", true},
					{"KeyPolicy", policyDoc{Version: PolicyVersion, Statement: []statement{
						keyAdminStatement(sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")),
						keyPolicyStatement(getAtt("Role", "Arn"), sub("s3.${AWS::Region}.${AWS::URLSuffix}")),
					}}},
				}},
			}},
			kv{"KmsKeyAlias", obj{
				{"Type", "AWS::KMS::Alias"},
				{"Properties", obj{
					{"AliasName", "alias/" + baseName(loc)},
					{"TargetKeyId", ref("KmsKey")},
				}},
			}})
	}
	// The policy names the role (rather than the role listing the policy)
	// so the key policy can name the role without a dependency cycle.
	resources = append(resources,
		kv{"PermissionsPolicy", obj{
			{"Type", "AWS::IAM::ManagedPolicy"},
			{"Properties", obj{
				{"Description", "Least privilege Stowage needs to export recordings into the bucket."},
				{"Roles", []any{ref("Role")}},
				{"PolicyDocument", policyDoc{Version: PolicyVersion, Statement: permissionStatements(s, a)}},
			}},
		}},
		kv{"Role", obj{
			{"Type", "AWS::IAM::Role"},
			{"Properties", roleProps},
		}})

	outputs := obj{
		{"RoleArn", obj{
			{"Description", "Paste this into Stowage's Role ARN field."},
			{"Value", getAtt("Role", "Arn")},
		}},
		{"BucketName", obj{
			{"Description", "The bucket Stowage exports into."},
			{"Value", ref("Bucket")},
		}},
	}
	if h.AccessLogs == AccessLogsCreate {
		outputs = append(outputs, kv{"AccessLogBucketName", obj{
			{"Description", "The bucket that receives the export bucket's server access logs."},
			{"Value", ref("AccessLogBucket")},
		}})
	}
	if h.KMSKey == KMSKeyCreate {
		outputs = append(outputs, kv{"KmsKeyArn", obj{
			{"Description", "The customer managed key that encrypts the bucket by default."},
			{"Value", getAtt("KmsKey", "Arn")},
		}})
	}
	tmpl := obj{
		{"AWSTemplateFormatVersion", "2010-09-09"},
		{"Description", fmt.Sprintf("Stowage export location %q: an S3 bucket, its permissions policy and the IAM role Stowage assumes with an external ID.", loc.Name)},
		{"Parameters", params},
		{"Conditions", conditions},
		{"Resources", resources},
		{"Outputs", outputs},
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
	// The hardening parameters, so the form shows the location's choices.
	// Whether the stack creates a log bucket or a KMS key is the published
	// template's own structure, not a parameter: no link can change it.
	h := HardeningOf(loc)
	if err := h.check(doc, s); err != nil {
		return "", err
	}
	versioning := "Suspended"
	if h.Versioning {
		versioning = "Enabled"
	}
	q = append(q,
		[2]string{"param_Versioning", versioning},
		[2]string{"param_NoncurrentVersionExpiryDays", strconv.Itoa(h.NoncurrentVersionExpiryDays)},
	)
	switch h.AccessLogs {
	case AccessLogsCreate:
		q = append(q,
			[2]string{"param_AccessLogBucketName", h.AccessLogBucket},
			[2]string{"param_AccessLogExpiryDays", strconv.Itoa(h.AccessLogExpiryDays)})
	case AccessLogsExisting:
		q = append(q, [2]string{"param_AccessLogBucketName", h.AccessLogBucket})
	}
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
