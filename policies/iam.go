package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stowage-dev/stowage/config"
)

// PolicyVersion is the IAM policy language version of every document.
const PolicyVersion = "2012-10-17"

// Statement IDs, stable so the connection test and the docs can name them.
const (
	SidBucket           = "Bucket"
	SidListPrefix       = "ListPrefix"
	SidBucketContents   = "BucketContents"
	SidOwnerFullControl = "PutWithBucketOwnerFullControl"
	SidKMS              = "KMS"
	SidDenyInsecure     = "DenyInsecureTransport"
	SidKMSKeyPolicy     = "StowageS3Uploads"
	SidKMSAccount       = "AccountAdministersKey"
	SidLogDelivery      = "S3ServerAccessLogs"
	SidListUploads      = "ListUploads"
	SidAbortUploads     = "AbortUploads"
)

// statement is one IAM policy statement. Fields are in the order AWS shows
// them; Principal, Resource and Condition are left out when empty.
type statement struct {
	Sid       string `json:"Sid,omitempty"`
	Effect    string `json:"Effect"`
	Principal any    `json:"Principal,omitempty"`
	Action    any    `json:"Action"`
	Resource  any    `json:"Resource,omitempty"`
	Condition obj    `json:"Condition,omitempty"`
}

type policyDoc struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

// arns decides how ARNs and literal text are written, so the same
// statements serve the plain JSON policies, CloudFormation (Fn::Sub on the
// BucketName parameter) and Terraform (interpolation of the bucket resource).
type arns struct {
	// bucket returns the bucket ARN followed by suffix ("" for the bucket,
	// "/prefix*" for its objects).
	bucket func(suffix string) any
	// text returns a literal value (prefix condition, KMS key ARN) escaped
	// for the surrounding language.
	text func(string) string
	// kms is the key the permissions policy's KMS statement grants, or nil
	// when there is none.
	kms any
}

func plainARNs(s *config.S3) arns {
	base := "arn:" + partition(s) + ":s3:::" + s.Bucket
	a := arns{
		bucket: func(suffix string) any { return base + suffix },
		text:   func(v string) string { return v },
	}
	if s.Encryption == config.EncryptionSSEKMS {
		a.kms = s.KMSKeyARN
	}
	return a
}

// objectSuffix is what follows the bucket ARN for the objects Stowage writes.
func objectSuffix(s *config.S3) string { return "/" + s.Prefix + "*" }

// s3Statements are the S3 statements of the permissions policy (and, with a
// principal, of the bucket policy): the least Stowage needs.
func s3Statements(s *config.S3, a arns) []statement {
	bucket := []any{a.bucket("")}
	objects := []any{a.bucket(objectSuffix(s))}
	var out []statement
	if s.Prefix == "" {
		out = append(out, statement{Sid: SidBucket, Effect: "Allow",
			Action: []string{"s3:ListBucket", "s3:GetBucketLocation"}, Resource: bucket})
	} else {
		// Listing is limited to the prefix; GetBucketLocation takes no
		// prefix, so a condition on it would deny it outright.
		out = append(out,
			statement{Sid: SidBucket, Effect: "Allow",
				Action: []string{"s3:GetBucketLocation"}, Resource: bucket},
			statement{Sid: SidListPrefix, Effect: "Allow",
				Action: []string{"s3:ListBucket"}, Resource: bucket,
				Condition: obj{{"StringLike", obj{{"s3:prefix", []string{a.text(s.Prefix), a.text(s.Prefix + "*")}}}}}},
		)
	}
	var actions []string
	if !s.BucketOwnerFullControl {
		actions = append(actions, "s3:PutObject")
	}
	if s.ReadBack {
		actions = append(actions, "s3:GetObject")
	}
	if s.Delete {
		actions = append(actions, "s3:DeleteObject")
	}
	if len(actions) > 0 {
		out = append(out, statement{Sid: SidBucketContents, Effect: "Allow", Action: actions, Resource: objects})
	}
	if s.ManageUploads {
		// Listing uploads is a bucket action; aborting one is an object
		// action, limited to the prefix.
		out = append(out,
			statement{Sid: SidListUploads, Effect: "Allow", Action: []string{"s3:ListBucketMultipartUploads"}, Resource: bucket},
			statement{Sid: SidAbortUploads, Effect: "Allow", Action: []string{"s3:AbortMultipartUpload"}, Resource: objects})
	}
	if s.BucketOwnerFullControl {
		// Uploads are only allowed when they hand the bucket owner full
		// control, so objects never end up owned by another account.
		out = append(out, statement{Sid: SidOwnerFullControl, Effect: "Allow",
			Action: []string{"s3:PutObject", "s3:PutObjectAcl"}, Resource: objects,
			Condition: obj{{"StringEquals", obj{{"s3:x-amz-acl", "bucket-owner-full-control"}}}}})
	}
	return out
}

// kmsStatement grants what SSE-KMS uploads need: GenerateDataKey for every
// object, Decrypt for multipart uploads (S3 decrypts the data key to
// encrypt each part) and for reading back.
func kmsStatement(a arns) (statement, bool) {
	if a.kms == nil {
		return statement{}, false
	}
	return statement{Sid: SidKMS, Effect: "Allow",
		Action:   []string{"kms:GenerateDataKey", "kms:Decrypt"},
		Resource: []any{a.kms}}, true
}

func permissionStatements(s *config.S3, a arns) []statement {
	st := s3Statements(s, a)
	if k, ok := kmsStatement(a); ok {
		st = append(st, k)
	}
	return st
}

// denyInsecureTransport refuses every request made without TLS.
func denyInsecureTransport(a arns) statement {
	return statement{Sid: SidDenyInsecure, Effect: "Deny", Principal: "*", Action: "s3:*",
		Resource:  []any{a.bucket(""), a.bucket("/*")},
		Condition: obj{{"Bool", obj{{"aws:SecureTransport", "false"}}}}}
}

// bucketStatements are the bucket policy of access-keys mode: the S3
// statements of the permissions policy for principal, then the TLS deny.
func bucketStatements(s *config.S3, a arns, principal any) []statement {
	st := s3Statements(s, a)
	for i := range st {
		st[i].Principal = obj{{"AWS", principal}}
	}
	return append(st, denyInsecureTransport(a))
}

// Permissions returns the least-privilege permissions policy for an S3
// location, to attach to the role (role mode) or IAM user (keys mode).
func Permissions(loc config.Location) (string, error) {
	s, err := s3Of("permissions policy", loc)
	if err != nil {
		return "", err
	}
	if err := requireBucket("permissions policy", s); err != nil {
		return "", err
	}
	return indentJSON(policyDoc{Version: PolicyVersion, Statement: permissionStatements(s, plainARNs(s))})
}

// externalIDs returns the external IDs the trust policy accepts: the one in
// force, then a pending one during a rotation, so the old ID keeps working
// until the customer confirms the new one.
func externalIDs(s *config.S3) []string {
	var ids []string
	for _, id := range []string{s.ExternalID, s.PendingExternalID} {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func principals(p config.Platform) []string {
	var out []string
	for _, a := range p.PrincipalARNs {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func requirePrincipals(doc string, s *config.S3, p config.Platform) ([]string, error) {
	pr := principals(p)
	if len(pr) == 0 {
		return nil, missing(doc, "the platform principal ARN", "platform.principal_arns",
			"the ARN of the AWS identity Stowage itself runs as; set it with stowage platform --principal-arn ARN, "+
				"e.g. stowage platform --principal-arn arn:"+partition(s)+":iam::111122223333:role/stowage-exporter, "+
				"or detect it with stowage platform --detect-principal, or enter it on the wizard's Access step")
	}
	return pr, nil
}

func requireExternalID(doc string, s *config.S3) ([]string, error) {
	ids := externalIDs(s)
	if len(ids) == 0 {
		return nil, missing(doc, "the external ID", "s3.external_id",
			"Stowage generates it when a role-mode location is saved; save the location or regenerate the external ID")
	}
	return ids, nil
}

// Trust returns the trust policy of the customer's role: the platform
// principals may assume it when they send the external ID.
func Trust(loc config.Location, p config.Platform) (string, error) {
	s, err := s3Of("trust policy", loc)
	if err != nil {
		return "", err
	}
	pr, err := requirePrincipals("trust policy", s, p)
	if err != nil {
		return "", err
	}
	ids, err := requireExternalID("trust policy", s)
	if err != nil {
		return "", err
	}
	st := statement{Effect: "Allow", Principal: obj{{"AWS", oneOrMany(pr)}}, Action: "sts:AssumeRole",
		Condition: obj{{"StringEquals", obj{{"sts:ExternalId", oneOrMany(ids)}}}}}
	return indentJSON(policyDoc{Version: PolicyVersion, Statement: []statement{st}})
}

func requireUserARN(doc string, s *config.S3) error {
	if s.UserARN == "" {
		return missing(doc, "the IAM user's ARN", "s3.user_arn",
			"copy it from IAM console → Users → <user> → Summary, e.g. arn:"+partition(s)+":iam::111122223333:user/stowage-export")
	}
	return nil
}

// Bucket returns the bucket policy of access-keys mode: the IAM user gets
// the permissions policy's S3 access, and requests without TLS are denied.
func Bucket(loc config.Location) (string, error) {
	s, err := s3Of("bucket policy", loc)
	if err != nil {
		return "", err
	}
	if err := requireBucket("bucket policy", s); err != nil {
		return "", err
	}
	if err := requireUserARN("bucket policy", s); err != nil {
		return "", err
	}
	return indentJSON(policyDoc{Version: PolicyVersion, Statement: bucketStatements(s, plainARNs(s), s.UserARN)})
}

// KMS returns the key policy statement that lets the role (role mode) or
// IAM user (keys mode) use the location's KMS key, only through S3 in the
// bucket's region. It is one statement object, to add to the key policy's
// Statement list.
func KMS(loc config.Location) (string, error) {
	const doc = "KMS key policy statement"
	s, err := s3Of(doc, loc)
	if err != nil {
		return "", err
	}
	if s.Encryption != config.EncryptionSSEKMS {
		return "", fmt.Errorf("%w: the %s is only needed with sse-kms encryption, and location %q uses %q", ErrNotApplicable, doc, loc.Name, string(s.Encryption))
	}
	if err := requireRegion(doc, s); err != nil {
		return "", err
	}
	var principal string
	switch s.Auth {
	case config.AuthRole:
		if s.RoleARN == "" {
			return "", missing(doc, "the role ARN", "s3.role_arn",
				"copy it from IAM console → Roles → <role> → Summary, e.g. arn:"+partition(s)+":iam::111122223333:role/stowage-export")
		}
		principal = s.RoleARN
	case config.AuthKeys:
		if err := requireUserARN(doc, s); err != nil {
			return "", err
		}
		principal = s.UserARN
	default:
		return "", fmt.Errorf("%w: the %s names a role (auth: role) or an IAM user (auth: keys), and location %q uses auth %q", ErrNotApplicable, doc, loc.Name, string(s.Auth))
	}
	return indentJSON(keyPolicyStatement(principal, "s3."+s.Region+"."+dnsSuffix(partition(s))))
}

// keyPolicyStatement lets principal use the key, only through S3 (via, the
// service's host in the bucket's region): what uploads and read back need.
func keyPolicyStatement(principal, via any) statement {
	return statement{Sid: SidKMSKeyPolicy, Effect: "Allow", Principal: obj{{"AWS", principal}},
		Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: "*",
		Condition: obj{{"StringEquals", obj{{"kms:ViaService", via}}}}}
}

// keyAdminStatement is the statement AWS puts in every default key policy:
// the account administers the key and IAM policies may grant its use, so
// the key can never become unmanageable.
func keyAdminStatement(root any) statement {
	return statement{Sid: SidKMSAccount, Effect: "Allow", Principal: obj{{"AWS", root}},
		Action: "kms:*", Resource: "*"}
}

// logDeliveryStatements are the policy of a created access log bucket: S3's
// logging service may write logs of the export bucket in this account only,
// and requests without TLS are refused.
func logDeliveryStatements(logObjects, logBucket, logBucketObjects, sourceBucket, account any) []statement {
	return []statement{
		{Sid: SidLogDelivery, Effect: "Allow", Principal: obj{{"Service", []string{"logging.s3.amazonaws.com"}}},
			Action: []string{"s3:PutObject"}, Resource: []any{logObjects},
			Condition: obj{
				{"ArnLike", obj{{"aws:SourceArn", sourceBucket}}},
				{"StringEquals", obj{{"aws:SourceAccount", account}}},
			}},
		{Sid: SidDenyInsecure, Effect: "Deny", Principal: "*", Action: "s3:*",
			Resource:  []any{logBucket, logBucketObjects},
			Condition: obj{{"Bool", obj{{"aws:SecureTransport", "false"}}}}},
	}
}

// StatementFor returns the permissions policy statement that grants action
// for loc, as 2-space-indented JSON exactly as Permissions writes it (bar
// the indentation of the enclosing list). Actions compare case-insensitively.
func StatementFor(loc config.Location, action string) (string, error) {
	s, err := s3Of("permissions policy", loc)
	if err != nil {
		return "", err
	}
	if err := requireBucket("permissions policy", s); err != nil {
		return "", err
	}
	for _, st := range permissionStatements(s, plainARNs(s)) {
		acts, _ := st.Action.([]string)
		for _, a := range acts {
			if strings.EqualFold(a, action) {
				return indentJSON(st)
			}
		}
	}
	why := "Stowage never needs it"
	switch strings.ToLower(action) {
	case "s3:getobject":
		why = "read back is off (s3.read_back)"
	case "s3:deleteobject":
		why = "delete is off (s3.delete)"
	case "s3:putobjectacl":
		why = "the bucket-owner-full-control ACL is off (s3.bucket_owner_full_control)"
	case "kms:generatedatakey", "kms:decrypt":
		why = "the location does not use sse-kms encryption (s3.encryption)"
	}
	return "", fmt.Errorf("%w: no statement of the permissions policy of location %q grants %q, because %s", ErrNotApplicable, loc.Name, action, why)
}

// ResourceFor returns the ARN an action applies to for loc: the bucket for
// bucket-level actions, "bucket/prefix*" for object actions, the KMS key for
// kms: actions; "" when loc is not S3 or the action is not S3 or KMS.
func ResourceFor(loc config.Location, action string) string {
	if loc.Type != config.TypeS3 || loc.S3 == nil {
		return ""
	}
	s := loc.S3
	a := strings.ToLower(action)
	base := "arn:" + partition(s) + ":s3:::" + s.Bucket
	switch {
	case strings.HasPrefix(a, "kms:"):
		return s.KMSKeyARN
	case a == "s3:listbucket" || a == "s3:listbucketversions" || a == "s3:listbucketmultipartuploads" ||
		strings.HasPrefix(a, "s3:getbucket") || strings.HasPrefix(a, "s3:putbucket") || strings.HasPrefix(a, "s3:deletebucket"):
		return base
	case strings.HasPrefix(a, "s3:"):
		return base + objectSuffix(s)
	}
	return ""
}
