package policies

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/stowage-dev/stowage/config"
)

// Documents of the batch engine (issue 12 §3). They relate two locations,
// the platform's source and the customer's destination, so they are asked
// for with BatchDocument rather than Render.
const (
	// KindBatchRole: the permissions policy of the S3 Batch Operations role.
	KindBatchRole Kind = "batch-role"
	// KindBatchTrust: its trust policy (batchoperations.s3.amazonaws.com).
	KindBatchTrust Kind = "batch-trust"
	// KindBatchCaller: what the destination's own identity (the role or
	// user Stowage uses) needs to create and follow the job.
	KindBatchCaller Kind = "batch-caller"
	// KindBatchSource: the statement for the source bucket's policy that
	// lets the batch role read the source prefix across accounts.
	KindBatchSource Kind = "batch-source"
	// KindBatchTerraform: Terraform for the batch role, trust and policy.
	KindBatchTerraform Kind = "batch-terraform"
	// KindBatchTarget: what a MinIO batch replicate job needs of the
	// destination's credentials besides the least-privilege policy.
	KindBatchTarget Kind = "batch-target"
	// KindAzureSourceSAS: the read SAS on the source container that Azure
	// Copy Blob reads through.
	KindAzureSourceSAS Kind = "azure-source-sas"
	// KindCopySource: what the destination's own identity needs besides
	// the least-privilege policy for the copy engine (CopyObject and
	// UploadPartCopy from the source on the same store): read the source
	// prefix's objects.
	KindCopySource Kind = "copy-source"
)

// BatchKinds lists the batch documents in display order.
var BatchKinds = []Kind{KindBatchRole, KindBatchTrust, KindBatchCaller, KindBatchSource, KindBatchTerraform, KindBatchTarget, KindAzureSourceSAS, KindCopySource}

// Where the batch engine keeps a job's manifest and completion report in
// the destination bucket when no other location is given: under the
// location's prefix.
const (
	BatchManifestPrefix = ".stowage-batch/manifests/"
	BatchReportPrefix   = ".stowage-batch/reports"
	// BatchRoleName is the role name the Terraform creates.
	BatchRoleName = "StowageBatchOperations"
)

// BatchInput is what the batch documents need besides the destination.
type BatchInput struct {
	// Source is the platform's source location (--from).
	Source *config.Location
	// RoleARN of the Batch Operations role (--batch-role-arn).
	RoleARN string
}

// BatchKindsFor returns the batch documents that apply to copying from src
// into dst (src may be nil when unknown).
func BatchKindsFor(dst config.Location, src *config.Location) []Kind {
	switch {
	case dst.Type == config.TypeAzure:
		return []Kind{KindAzureSourceSAS}
	case dst.Type != config.TypeS3 || dst.S3 == nil:
		return nil
	case src != nil && src.Type != config.TypeS3:
		return nil
	case !isAWS(dst.S3) || (src != nil && src.S3 != nil && !isAWS(src.S3)):
		return []Kind{KindBatchTarget, KindCopySource}
	}
	return []Kind{KindBatchRole, KindBatchTrust, KindBatchCaller, KindBatchSource, KindBatchTerraform, KindCopySource}
}

// IsBatchKind reports whether k is one of BatchKinds.
func IsBatchKind(k Kind) bool {
	for _, b := range BatchKinds {
		if b == k {
			return true
		}
	}
	return false
}

// BatchTitle and BatchWhere name a batch document and where it goes.
func BatchTitle(k Kind) string {
	switch k {
	case KindBatchRole:
		return "S3 Batch Operations role: permissions policy"
	case KindBatchTrust:
		return "S3 Batch Operations role: trust policy"
	case KindBatchCaller:
		return "Statements for Stowage's identity to run Batch Operations jobs"
	case KindBatchSource:
		return "Source bucket policy statement for the Batch Operations role"
	case KindBatchTerraform:
		return "Terraform for the S3 Batch Operations role"
	case KindBatchTarget:
		return "Statement for a MinIO batch replicate target"
	case KindAzureSourceSAS:
		return "Azure read SAS on the source container"
	case KindCopySource:
		return "Statement for the copy engine: the destination's identity reads the source"
	}
	return string(k)
}

func BatchWhere(k Kind) string {
	switch k {
	case KindBatchRole, KindBatchTrust:
		return "IAM console → Roles → Create role → Custom trust policy (batch-trust), then add the permissions policy (batch-role); give its ARN to stowage export --batch-role-arn."
	case KindBatchCaller:
		return "Add these statements to the permissions policy of the role or user the destination location uses (the account that runs the job)."
	case KindBatchSource:
		return "The platform's account: S3 console → Buckets → <source bucket> → Permissions → Bucket policy: add this statement to the Statement list."
	case KindBatchTerraform:
		return "Save as stowage-batch.tf in the destination account's Terraform, run terraform apply, then give the role_arn output to stowage export --batch-role-arn."
	case KindBatchTarget:
		return "Add this statement to the policy of the destination's user on the destination store: MinIO's batch job reads the bucket's versioning before it starts."
	case KindCopySource:
		return "Add this statement to the permissions policy of the role or user the destination location uses (stowage export --from SOURCE --engine copy); the source bucket's own policy must not deny it (across accounts, it must allow it)."
	case KindAzureSourceSAS:
		return "Run with the Azure CLI in the platform's subscription; set the connection string it prints as the source location's connection string, or keep the account key there and Stowage makes the SAS itself."
	}
	return ""
}

// BatchDocument renders one batch document for a copy into dst.
func BatchDocument(k Kind, dst config.Location, in BatchInput) (string, error) {
	title := BatchTitle(k)
	if k == KindAzureSourceSAS {
		return azureSourceSAS(in)
	}
	d, err := s3Of(title, dst)
	if err != nil {
		return "", err
	}
	if err := requireBucket(title, d); err != nil {
		return "", err
	}
	if k == KindCopySource {
		if in.Source == nil {
			return "", missing(title, "the source location", "--from", "name the platform's source location, e.g. --from platform-recordings")
		}
		s, err := s3Of(title, *in.Source)
		if err != nil {
			return "", err
		}
		if err := requireBucket(title, s); err != nil {
			return "", err
		}
		return indentJSON(policyDoc{Version: PolicyVersion, Statement: copySourceRead(s)})
	}
	if k == KindBatchTarget {
		return indentJSON(policyDoc{Version: PolicyVersion, Statement: []statement{{Sid: "BatchReplicateTarget", Effect: "Allow",
			Action: []string{"s3:GetBucketVersioning"}, Resource: []any{plainARNs(d).bucket("")}}}})
	}
	if !isAWS(d) {
		return "", fmt.Errorf("%w: the %s is for Amazon S3; location %q is on %s (use --kind batch-target for MinIO)", ErrNotApplicable, title, dst.Name, d.Endpoint)
	}
	needSource := func() (*config.S3, error) {
		if in.Source == nil {
			return nil, missing(title, "the source location", "--from", "name the platform's source location, e.g. --from platform-recordings")
		}
		s, err := s3Of(title, *in.Source)
		if err != nil {
			return nil, err
		}
		return s, requireBucket(title, s)
	}
	needRole := func() error {
		if in.RoleARN == "" {
			return missing(title, "the Batch Operations role's ARN", "--batch-role-arn",
				"create the role with --kind batch-terraform (or batch-trust and batch-role), e.g. --batch-role-arn arn:aws:iam::111122223333:role/"+BatchRoleName)
		}
		return nil
	}
	switch k {
	case KindBatchTrust:
		return indentJSON(policyDoc{Version: PolicyVersion, Statement: []statement{batchTrust(d, in)}})
	case KindBatchRole:
		s, err := needSource()
		if err != nil {
			return "", err
		}
		return indentJSON(policyDoc{Version: PolicyVersion, Statement: batchRoleStatements(d, s)})
	case KindBatchCaller:
		if err := needRole(); err != nil {
			return "", err
		}
		return indentJSON(policyDoc{Version: PolicyVersion, Statement: batchCallerStatements(d, in.RoleARN)})
	case KindBatchSource:
		s, err := needSource()
		if err != nil {
			return "", err
		}
		if err := needRole(); err != nil {
			return "", err
		}
		st := batchSourceRead(s)
		for i := range st {
			st[i].Principal = obj{{"AWS", in.RoleARN}}
		}
		return indentJSON(st)
	case KindBatchTerraform:
		s, err := needSource()
		if err != nil {
			return "", err
		}
		return batchTerraform(d, s, in)
	}
	return "", fmt.Errorf("%w %q; batch kinds are %v", ErrUnknownKind, string(k), BatchKinds)
}

// accountOf returns the account ID in an ARN, or "".
func accountOf(arn string) string {
	p := strings.Split(arn, ":")
	if len(p) >= 6 && p[0] == "arn" && len(p[4]) == 12 {
		return p[4]
	}
	return ""
}

// batchTrust lets S3 Batch Operations assume the role, only for jobs of
// the destination's account when that is known.
func batchTrust(d *config.S3, in BatchInput) statement {
	st := statement{Effect: "Allow", Principal: obj{{"Service", "batchoperations.s3.amazonaws.com"}}, Action: "sts:AssumeRole"}
	acct := accountOf(in.RoleARN)
	if acct == "" {
		acct = accountOf(d.RoleARN)
	}
	if acct != "" {
		st.Condition = obj{{"StringEquals", obj{{"aws:SourceAccount", acct}}}}
	}
	return st
}

func s3ARN(s *config.S3, bucket, suffix string) string {
	return "arn:" + partition(s) + ":s3:::" + bucket + suffix
}

// batchSourceRead is what the role needs on the source: read the objects
// (and their tags and ACL, which S3PutObjectCopy copies).
func batchSourceRead(s *config.S3) []statement {
	return []statement{{Sid: "StowageBatchReadSource", Effect: "Allow",
		Action:   []string{"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging", "s3:GetObjectAcl"},
		Resource: []any{s3ARN(s, s.Bucket, "/"+s.Prefix+"*")}}}
}

// batchRoleStatements: read the source and the manifest, write the
// destination and the report, KMS where used.
func batchRoleStatements(d, s *config.S3) []statement {
	st := batchSourceRead(s)
	put := []string{"s3:PutObject", "s3:PutObjectTagging"}
	if d.BucketOwnerFullControl {
		put = append(put, "s3:PutObjectAcl")
	}
	st = append(st,
		statement{Sid: "StowageBatchWriteDestination", Effect: "Allow", Action: put,
			Resource: []any{s3ARN(d, d.Bucket, "/"+d.Prefix+"*")}},
		statement{Sid: "StowageBatchReadManifest", Effect: "Allow", Action: []string{"s3:GetObject", "s3:GetObjectVersion"},
			Resource: []any{s3ARN(d, d.Bucket, "/"+d.Prefix+BatchManifestPrefix+"*")}},
		statement{Sid: "StowageBatchWriteReport", Effect: "Allow", Action: []string{"s3:PutObject"},
			Resource: []any{s3ARN(d, d.Bucket, "/"+d.Prefix+BatchReportPrefix+"/*")}},
		statement{Sid: "StowageBatchBucketLocation", Effect: "Allow", Action: []string{"s3:GetBucketLocation"},
			Resource: []any{s3ARN(d, d.Bucket, "")}},
	)
	if s.Encryption == config.EncryptionSSEKMS && s.KMSKeyARN != "" {
		st = append(st, statement{Sid: "StowageBatchSourceKMS", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []any{s.KMSKeyARN}})
	}
	if d.Encryption == config.EncryptionSSEKMS && d.KMSKeyARN != "" {
		st = append(st, statement{Sid: "StowageBatchDestinationKMS", Effect: "Allow",
			Action: []string{"kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"}, Resource: []any{d.KMSKeyARN}})
	}
	return st
}

// batchCallerStatements: create and follow the job, pass the role to S3
// Batch Operations only, write the manifest and read the report.
func batchCallerStatements(d *config.S3, roleARN string) []statement {
	acct := accountOf(roleARN)
	jobs := "arn:" + partition(d) + ":s3:" + d.Region + ":" + acct + ":job/*"
	return []statement{
		{Sid: "StowageBatchCreateJob", Effect: "Allow", Action: []string{"s3:CreateJob"}, Resource: "*"},
		{Sid: "StowageBatchFollowJob", Effect: "Allow", Action: []string{"s3:DescribeJob", "s3:UpdateJobStatus"}, Resource: []any{jobs}},
		{Sid: "StowageBatchPassRole", Effect: "Allow", Action: []string{"iam:PassRole"}, Resource: []any{roleARN},
			Condition: obj{{"StringEquals", obj{{"iam:PassedToService", "batchoperations.s3.amazonaws.com"}}}}},
		{Sid: "StowageBatchManifest", Effect: "Allow", Action: []string{"s3:PutObject"},
			Resource: []any{s3ARN(d, d.Bucket, "/"+d.Prefix+BatchManifestPrefix+"*")}},
		{Sid: "StowageBatchReport", Effect: "Allow", Action: []string{"s3:GetObject"},
			Resource: []any{s3ARN(d, d.Bucket, "/"+d.Prefix+BatchReportPrefix+"/*")}},
	}
}

// batchTerraform creates the role with its trust and permissions policy.
func batchTerraform(d, s *config.S3, in BatchInput) (string, error) {
	trust, err := json.Marshal(policyDoc{Version: PolicyVersion, Statement: []statement{batchTrust(d, in)}})
	if err != nil {
		return "", err
	}
	perms, err := indentJSON(policyDoc{Version: PolicyVersion, Statement: batchRoleStatements(d, s)})
	if err != nil {
		return "", err
	}
	var w hclWriter
	w.line("# S3 Batch Operations role for Stowage: copies s3://" + s.Bucket + "/" + s.Prefix + " into s3://" + d.Bucket + "/" + d.Prefix)
	w.line(`resource "aws_iam_role" "stowage_batch" {`)
	w.depth++
	w.attr("name", hclString(BatchRoleName))
	w.attr("assume_role_policy", hclString(string(trust)))
	w.flush()
	w.depth--
	w.line("}")
	w.line("")
	w.line(`resource "aws_iam_role_policy" "stowage_batch" {`)
	w.depth++
	w.attr("name", hclString("stowage-batch-copy"))
	w.attr("role", "aws_iam_role.stowage_batch.id")
	w.attr("policy", "<<-EOT\n"+indentLines(hclTemplateEscape(strings.TrimSuffix(perms, "\n")), "    ")+"\n  EOT")
	w.flush()
	w.depth--
	w.line("}")
	w.line("")
	w.line(`output "role_arn" {`)
	w.depth++
	w.attr("value", "aws_iam_role.stowage_batch.arn")
	w.flush()
	w.depth--
	w.line("}")
	w.flush()
	return w.b.String(), nil
}

func indentLines(s, pad string) string {
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

// azureSourceSAS is the Azure CLI command that makes a read and list SAS
// on the source container, for Copy Blob to read through.
func azureSourceSAS(in BatchInput) (string, error) {
	title := BatchTitle(KindAzureSourceSAS)
	if in.Source == nil {
		return "", missing(title, "the source location", "--from", "name the platform's source container location, e.g. --from platform-recordings")
	}
	if in.Source.Type != config.TypeAzure || in.Source.Azure == nil {
		return "", fmt.Errorf("%w: the %s is for Azure Blob sources; %q is of type %q", ErrNotApplicable, title, in.Source.Name, string(in.Source.Type))
	}
	az := in.Source.Azure
	account, _, known := azureEndpoint(az.ConnectionString)
	if !known || account == "" {
		account = "<storage-account>"
	}
	days := az.SASExpiryDays
	if days <= 0 || days > MaxUserDelegationDays {
		days = MaxUserDelegationDays // a user delegation SAS lasts at most 7 days
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Read-only SAS (read, list) on the source container %s, valid %d days.\n", az.Container, days)
	fmt.Fprintf(&b, "# Copy Blob reads each source blob through it; it grants no write or delete.\n")
	fmt.Fprintf(&b, "az storage container generate-sas \\\n  --account-name %s \\\n  --name %s \\\n  --permissions rl \\\n  --expiry %s \\\n  --https-only \\\n  --auth-mode login --as-user \\\n  --output tsv\n",
		shellArg(account), shellArg(az.Container), dateExpr(days))
	return b.String(), nil
}

// copySourceRead is what the copy engine needs of the source with the
// destination's credentials: s3:GetObject on the source prefix
// (CopyObject, UploadPartCopy and the engine's HeadObject probe read the
// source with it), and kms:Decrypt when the source is encrypted with a
// key. Listing the source is done with the source's own credentials.
func copySourceRead(s *config.S3) []statement {
	st := []statement{{Sid: "StowageCopyReadSource", Effect: "Allow",
		Action:   []string{"s3:GetObject"},
		Resource: []any{s3ARN(s, s.Bucket, "/"+s.Prefix+"*")}}}
	if s.Encryption == config.EncryptionSSEKMS && s.KMSKeyARN != "" {
		st = append(st, statement{Sid: "StowageCopySourceKMS", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []any{s.KMSKeyARN}})
	}
	return st
}
