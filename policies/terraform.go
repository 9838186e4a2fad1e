package policies

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stowage-dev/stowage/config"
)

// hclTemplateEscape escapes text inside an HCL string or heredoc so "${"
// and "%{" stay literal.
func hclTemplateEscape(s string) string {
	s = strings.ReplaceAll(s, "${", "$${")
	return strings.ReplaceAll(s, "%{", "%%{")
}

// hclString quotes s as an HCL string literal.
func hclString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + hclTemplateEscape(r.Replace(s)) + `"`
}

func hclList(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = hclString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// hclWriter writes Terraform with the layout terraform fmt produces:
// two-space indents and aligned "=" in runs of attributes.
type hclWriter struct {
	b     strings.Builder
	depth int
	run   [][2]string
}

func (w *hclWriter) pad() string { return strings.Repeat("  ", w.depth) }

// attr queues "name = value"; queued attributes are aligned together.
func (w *hclWriter) attr(name, value string) { w.run = append(w.run, [2]string{name, value}) }

func (w *hclWriter) flush() {
	width := 0
	for _, a := range w.run {
		width = max(width, len(a[0]))
	}
	for _, a := range w.run {
		w.b.WriteString(w.pad() + a[0] + strings.Repeat(" ", width-len(a[0])) + " = " + a[1] + "\n")
	}
	w.run = nil
}

func (w *hclWriter) line(s string) {
	w.flush()
	if s == "" {
		w.b.WriteString("\n")
		return
	}
	w.b.WriteString(w.pad() + s + "\n")
}

func (w *hclWriter) comment(text string) {
	for _, l := range strings.Split(text, "\n") {
		w.line(strings.TrimRight("# "+l, " "))
	}
}

func (w *hclWriter) open(header string) {
	w.line(strings.TrimLeft(header+" {", " "))
	w.depth++
}

func (w *hclWriter) close() {
	w.flush()
	w.depth--
	w.line("}")
}

// heredoc writes name = <<-EOT with the JSON document indented inside.
func (w *hclWriter) heredoc(name string, doc any) error {
	js, err := indentJSONPrefix(doc, w.pad()+"  ")
	if err != nil {
		return err
	}
	// Queued like any attribute so its "=" lines up with its neighbours,
	// as terraform fmt does.
	w.attr(name, "<<-EOT\n"+w.pad()+"  "+js+w.pad()+"EOT")
	return nil
}

// tfARNs writes the bucket ARN as an interpolation of the bucket resource,
// so the policies follow var.bucket_name and the partition by themselves.
func tfARNs(s *config.S3, h Hardening) arns {
	a := arns{
		bucket: func(suffix string) any { return "${aws_s3_bucket.export.arn}" + hclTemplateEscape(suffix) },
		text:   hclTemplateEscape,
	}
	switch h.KMSKey {
	case KMSKeyCreate:
		a.kms = "${aws_kms_key.export.arn}"
	case KMSKeyExisting:
		a.kms = hclTemplateEscape(s.KMSKeyARN)
	}
	return a
}

// suppress writes trivy's inline ignore comments, each with its reason on
// the same line, for the findings about resource (see Suppressions). They go
// right above the resource the finding is reported on.
func (w *hclWriter) suppress(kind Kind, loc config.Location, h Hardening, resource string, checks ...string) {
	for _, sup := range Suppressions(kind, loc, h) {
		if sup.Resource == resource && slices.Contains(checks, sup.Check) {
			w.line("#trivy:ignore:" + sup.Check + " " + sup.Reason)
		}
	}
}

// Terraform returns HCL that creates the bucket and either the role Stowage
// assumes (role mode) or the IAM user whose keys it uses (keys mode),
// hardened as HardeningOf(loc) says.
func Terraform(loc config.Location, p config.Platform) (string, error) {
	return TerraformWith(loc, p, HardeningOf(loc))
}

// TerraformWith is Terraform with the hardening given.
func TerraformWith(loc config.Location, p config.Platform, h Hardening) (string, error) {
	const doc = "Terraform configuration"
	s, err := s3Of(doc, loc)
	if err != nil {
		return "", err
	}
	if s.Auth != config.AuthRole && s.Auth != config.AuthKeys {
		return "", fmt.Errorf("%w: the %s creates a role (auth: role) or an IAM user (auth: keys), and location %q uses auth %q", ErrNotApplicable, doc, loc.Name, string(s.Auth))
	}
	if err := requireBucket(doc, s); err != nil {
		return "", err
	}
	if err := requireRegion(doc, s); err != nil {
		return "", err
	}
	if s.ExpiryDays < 0 {
		return "", fmt.Errorf("%s: s3.expiry_days must be 0 (keep objects) or a number of days such as 30, not %d", doc, s.ExpiryDays)
	}
	if err := h.check(doc, s); err != nil {
		return "", err
	}
	role := s.Auth == config.AuthRole
	var pr []string
	if role {
		if pr, err = requirePrincipals(doc, s, p); err != nil {
			return "", err
		}
	}

	also := ""
	if h.AccessLogs == AccessLogsCreate {
		also += "\nIt also creates a bucket for the access logs."
	}
	if h.KMSKey == KMSKeyCreate {
		also += "\nIt also creates the KMS key that encrypts the bucket."
	}
	// The same lines the policy viewer shows beside this document.
	also += "\nThe bucket has Block Public Access, HTTPS only, and:\n" + strings.Join(h.Lines(), "\n")
	if role {
		w := fmt.Sprintf(`Stowage export location %q (role mode), generated by Stowage.
Creates the S3 bucket, the permissions policy and the IAM role Stowage
assumes with the external ID.%s
Run:
  terraform init
  terraform apply -var 'external_id=<the external ID Stowage shows>'
During an external ID rotation also pass -var 'pending_external_id=<new ID>':
the role accepts both until Stowage confirms the new one.
Then paste the role_arn output into Stowage's Role ARN field.`, loc.Name, also)
		return terraformBody(w, loc, s, p, h, pr)
	}
	return terraformBody(fmt.Sprintf(`Stowage export location %q (access keys mode), generated by Stowage.
Creates the S3 bucket, an IAM user with the permissions policy, and a
bucket policy for that user.%s
Run terraform init, then terraform apply.
There is deliberately no aws_iam_access_key resource: its secret would be
stored in plain text in the Terraform state. Create the access key in the
IAM console (Users → <user> → Security credentials → Create access key) or
with aws iam create-access-key --user-name <user>, and paste the key ID and
secret into Stowage only.`, loc.Name, also), loc, s, p, h, nil)
}

func terraformBody(header string, loc config.Location, s *config.S3, p config.Platform, h Hardening, pr []string) (string, error) {
	role := s.Auth == config.AuthRole
	w := &hclWriter{}
	w.comment(header)
	w.line("")
	w.open("terraform")
	w.open("required_providers")
	w.open("aws =")
	w.attr("source", hclString("hashicorp/aws"))
	w.attr("version", hclString(">= 5.0"))
	w.close()
	w.close()
	w.close()
	w.line("")
	w.open(`provider "aws"`)
	w.attr("region", hclString(s.Region))
	w.close()
	if h.AccessLogs == AccessLogsCreate || h.KMSKey == KMSKeyCreate {
		w.line("")
		w.line(`data "aws_caller_identity" "current" {}`)
	}
	if h.KMSKey == KMSKeyCreate {
		w.line("")
		w.line(`data "aws_partition" "current" {}`)
	}

	if role {
		w.line("")
		w.open(`variable "external_id"`)
		w.attr("description", hclString("External ID Stowage sends when it assumes the role (Stowage shows it under Show external ID)."))
		w.attr("type", "string")
		w.attr("sensitive", "true")
		w.close()
		w.line("")
		w.open(`variable "pending_external_id"`)
		w.attr("description", hclString("During an external ID rotation, the new ID; leave empty otherwise."))
		w.attr("type", "string")
		w.attr("default", hclString(""))
		w.attr("sensitive", "true")
		w.close()
	}
	w.line("")
	w.open(`variable "bucket_name"`)
	w.attr("description", hclString("Name of the S3 bucket to create for the exported recordings."))
	w.attr("type", "string")
	w.attr("default", hclString(s.Bucket))
	w.close()
	if role {
		w.line("")
		w.open(`variable "trusted_principals"`)
		w.attr("description", hclString("ARNs of the Stowage platform identity allowed to assume the role."))
		w.attr("type", "list(string)")
		w.attr("default", hclList(pr))
		w.close()
	}
	w.line("")
	w.open(`variable "expiry_days"`)
	w.attr("description", hclString("Days after which exported objects are deleted; 0 keeps them."))
	w.attr("type", "number")
	w.attr("default", strconv.Itoa(s.ExpiryDays))
	w.close()
	w.line("")
	w.open(`variable "versioning"`)
	w.attr("description", hclString(whyVersioning+"; false turns it off."))
	w.attr("type", "bool")
	w.attr("default", strconv.FormatBool(h.Versioning))
	w.close()
	w.line("")
	w.open(`variable "noncurrent_version_expiry_days"`)
	w.attr("description", hclString(whyNoncurrent))
	w.attr("type", "number")
	w.attr("default", strconv.Itoa(h.NoncurrentVersionExpiryDays))
	w.close()
	switch h.AccessLogs {
	case AccessLogsCreate:
		w.line("")
		w.open(`variable "access_log_bucket_name"`)
		w.attr("description", hclString(whyLogBucket+"; this configuration creates it."))
		w.attr("type", "string")
		w.attr("default", hclString(h.AccessLogBucket))
		w.close()
		w.line("")
		w.open(`variable "access_log_expiry_days"`)
		w.attr("description", hclString(whyLogExpiry))
		w.attr("type", "number")
		w.attr("default", strconv.Itoa(h.AccessLogExpiryDays))
		w.close()
	case AccessLogsExisting:
		w.line("")
		w.open(`variable "access_log_bucket_name"`)
		w.attr("description", hclString(whyLogBucket+"; it must exist and let logging.s3.amazonaws.com write to it."))
		w.attr("type", "string")
		w.attr("default", hclString(h.AccessLogBucket))
		w.close()
	}

	w.line("")
	w.suppress(KindTerraform, loc, h, "export", CheckLogging)
	w.open(`resource "aws_s3_bucket" "export"`)
	w.attr("bucket", "var.bucket_name")
	w.close()
	w.line("")
	w.open(`resource "aws_s3_bucket_public_access_block" "export"`)
	w.attr("bucket", "aws_s3_bucket.export.id")
	w.attr("block_public_acls", "true")
	w.attr("block_public_policy", "true")
	w.attr("ignore_public_acls", "true")
	w.attr("restrict_public_buckets", "true")
	w.close()
	w.line("")
	if s.BucketOwnerFullControl {
		w.comment("Uploads carry the bucket-owner-full-control ACL, so ACLs stay enabled.")
	}
	w.open(`resource "aws_s3_bucket_ownership_controls" "export"`)
	w.attr("bucket", "aws_s3_bucket.export.id")
	w.line("")
	w.open("rule")
	w.attr("object_ownership", hclString(objectOwnership(s)))
	w.close()
	w.close()

	a := tfARNs(s, h)
	if h.KMSKey == KMSKeyCreate {
		w.line("")
		w.comment(whyKMSKey)
		w.open(`resource "aws_kms_key" "export"`)
		w.attr("description", hclString(kmsKeyDescription))
		w.attr("enable_key_rotation", "true")
		w.attr("deletion_window_in_days", "30")
		w.line("")
		w.comment("Deleting the key would make every recording unreadable; remove this\nblock only to delete it on purpose.")
		w.open("lifecycle")
		w.attr("prevent_destroy", "true")
		w.close()
		w.line("")
		principal := "${aws_iam_user.export.arn}"
		if role {
			principal = "${aws_iam_role.export.arn}"
		}
		if err := w.heredoc("policy", policyDoc{Version: PolicyVersion, Statement: []statement{
			keyAdminStatement("arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"),
			keyPolicyStatement(principal, "s3."+s.Region+"."+dnsSuffix(partition(s))),
		}}); err != nil {
			return "", err
		}
		w.close()
		w.line("")
		w.open(`resource "aws_kms_alias" "export"`)
		w.attr("name", hclString("alias/"+baseName(loc)))
		w.attr("target_key_id", "aws_kms_key.export.key_id")
		w.close()
	}
	w.line("")
	w.suppress(KindTerraform, loc, h, "export", CheckCustomerKey)
	w.open(`resource "aws_s3_bucket_server_side_encryption_configuration" "export"`)
	w.attr("bucket", "aws_s3_bucket.export.id")
	w.line("")
	w.open("rule")
	w.open("apply_server_side_encryption_by_default")
	if a.kms != nil {
		w.attr("sse_algorithm", hclString("aws:kms"))
		if h.KMSKey == KMSKeyCreate {
			w.attr("kms_master_key_id", "aws_kms_key.export.arn")
		} else {
			w.attr("kms_master_key_id", hclString(s.KMSKeyARN))
		}
		w.close()
		w.attr("bucket_key_enabled", "true")
	} else {
		w.attr("sse_algorithm", hclString("AES256"))
		w.close()
	}
	w.close()
	w.close()
	tfVersioning(w, loc, h, "export")
	if h.AccessLogs != AccessLogsOff {
		w.line("")
		w.open(`resource "aws_s3_bucket_logging" "export"`)
		w.attr("bucket", "aws_s3_bucket.export.id")
		if h.AccessLogs == AccessLogsCreate {
			w.attr("target_bucket", "aws_s3_bucket.access_logs.id")
		} else {
			w.attr("target_bucket", "var.access_log_bucket_name")
		}
		w.attr("target_prefix", `"${var.bucket_name}/"`)
		if h.AccessLogs == AccessLogsCreate {
			w.attr("depends_on", "[aws_s3_bucket_policy.access_logs]")
		}
		w.close()
	}
	w.line("")
	why := "Stowage is not granted\ns3:AbortMultipartUpload."
	if s.ManageUploads {
		why = "those Stowage could not\nabort itself."
	}
	w.comment(fmt.Sprintf(`Expires exported objects after var.expiry_days (when above 0) and earlier
versions after var.noncurrent_version_expiry_days, and discards multipart
uploads left unfinished for %d days: %s`, AbortIncompleteUploadDays, why))
	w.open(`resource "aws_s3_bucket_lifecycle_configuration" "export"`)
	w.attr("bucket", "aws_s3_bucket.export.id")
	w.attr("depends_on", "[aws_s3_bucket_versioning.export]")
	w.line("")
	w.open("rule")
	w.attr("id", hclString("stowage-exports"))
	w.attr("status", hclString("Enabled"))
	w.line("")
	w.open("filter")
	w.attr("prefix", hclString(s.Prefix))
	w.close()
	w.line("")
	w.open(`dynamic "expiration"`)
	w.attr("for_each", "var.expiry_days > 0 ? [var.expiry_days] : []")
	w.line("")
	w.open("content")
	w.attr("days", "expiration.value")
	w.close()
	w.close()
	w.line("")
	w.open("noncurrent_version_expiration")
	w.attr("noncurrent_days", "var.noncurrent_version_expiry_days")
	w.close()
	w.line("")
	w.open("abort_incomplete_multipart_upload")
	w.attr("days_after_initiation", strconv.Itoa(AbortIncompleteUploadDays))
	w.close()
	w.close()
	w.close()
	if h.AccessLogs == AccessLogsCreate {
		if err := tfLogBucket(w, loc, h); err != nil {
			return "", err
		}
	}

	if role {
		if err := tfRole(w, loc, s, p, h, a); err != nil {
			return "", err
		}
	} else {
		if err := tfUser(w, loc, s, h, a); err != nil {
			return "", err
		}
	}
	if h.AccessLogs == AccessLogsCreate {
		w.line("")
		w.open(`output "access_log_bucket_name"`)
		w.attr("description", hclString("The bucket that receives the export bucket's server access logs."))
		w.attr("value", "aws_s3_bucket.access_logs.bucket")
		w.close()
	}
	if h.KMSKey == KMSKeyCreate {
		w.line("")
		w.open(`output "kms_key_arn"`)
		w.attr("description", hclString("The customer managed key that encrypts the bucket by default."))
		w.attr("value", "aws_kms_key.export.arn")
		w.close()
	}
	w.flush()
	return w.b.String(), nil
}

// tfVersioning writes the versioning resource of bucket ("export" or
// "access_logs"), on or off with var.versioning.
func tfVersioning(w *hclWriter, loc config.Location, h Hardening, bucket string) {
	w.line("")
	w.suppress(KindTerraform, loc, h, bucket, CheckVersioning)
	w.open(`resource "aws_s3_bucket_versioning" "` + bucket + `"`)
	w.attr("bucket", "aws_s3_bucket."+bucket+".id")
	w.line("")
	w.open("versioning_configuration")
	w.attr("status", `var.versioning ? "Enabled" : "Suspended"`)
	w.close()
	w.close()
}

// tfLogBucket writes the access log bucket: SSE-S3 (log delivery cannot
// write to an SSE-KMS bucket), Block Public Access, versioning as the export
// bucket, its own expiry, and a policy that lets S3's log delivery write the
// export bucket's logs.
func tfLogBucket(w *hclWriter, loc config.Location, h Hardening) error {
	w.line("")
	w.comment("Receives the export bucket's server access logs.")
	w.open(`resource "aws_s3_bucket" "access_logs"`)
	w.attr("bucket", "var.access_log_bucket_name")
	w.close()
	w.line("")
	w.open(`resource "aws_s3_bucket_public_access_block" "access_logs"`)
	w.attr("bucket", "aws_s3_bucket.access_logs.id")
	w.attr("block_public_acls", "true")
	w.attr("block_public_policy", "true")
	w.attr("ignore_public_acls", "true")
	w.attr("restrict_public_buckets", "true")
	w.close()
	w.line("")
	w.open(`resource "aws_s3_bucket_ownership_controls" "access_logs"`)
	w.attr("bucket", "aws_s3_bucket.access_logs.id")
	w.line("")
	w.open("rule")
	w.attr("object_ownership", hclString("BucketOwnerEnforced"))
	w.close()
	w.close()
	w.line("")
	w.comment("Log delivery cannot write to a bucket whose default encryption is SSE-KMS.")
	w.open(`resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs"`)
	w.attr("bucket", "aws_s3_bucket.access_logs.id")
	w.line("")
	w.open("rule")
	w.open("apply_server_side_encryption_by_default")
	w.attr("sse_algorithm", hclString("AES256"))
	w.close()
	w.close()
	w.close()
	tfVersioning(w, loc, h, "access_logs")
	w.line("")
	w.open(`resource "aws_s3_bucket_lifecycle_configuration" "access_logs"`)
	w.attr("bucket", "aws_s3_bucket.access_logs.id")
	w.attr("depends_on", "[aws_s3_bucket_versioning.access_logs]")
	w.line("")
	w.open("rule")
	w.attr("id", hclString("stowage-access-logs"))
	w.attr("status", hclString("Enabled"))
	w.line("")
	w.open("filter")
	w.attr("prefix", hclString(""))
	w.close()
	w.line("")
	w.open("expiration")
	w.attr("days", "var.access_log_expiry_days")
	w.close()
	w.line("")
	w.open("noncurrent_version_expiration")
	w.attr("noncurrent_days", "var.noncurrent_version_expiry_days")
	w.close()
	w.line("")
	w.open("abort_incomplete_multipart_upload")
	w.attr("days_after_initiation", strconv.Itoa(AbortIncompleteUploadDays))
	w.close()
	w.close()
	w.close()
	w.line("")
	w.comment("S3's log delivery may write the export bucket's logs; nothing else gets in\nwithout TLS.")
	w.open(`resource "aws_s3_bucket_policy" "access_logs"`)
	w.attr("bucket", "aws_s3_bucket.access_logs.id")
	w.attr("depends_on", "[aws_s3_bucket_public_access_block.access_logs]")
	if err := w.heredoc("policy", policyDoc{Version: PolicyVersion, Statement: logDeliveryStatements(
		"${aws_s3_bucket.access_logs.arn}/*",
		"${aws_s3_bucket.access_logs.arn}",
		"${aws_s3_bucket.access_logs.arn}/*",
		"${aws_s3_bucket.export.arn}",
		"${data.aws_caller_identity.current.account_id}",
	)}); err != nil {
		return err
	}
	w.close()
	return nil
}

func tfKMSNote(w *hclWriter, h Hardening) {
	if h.KMSKey == KMSKeyExisting {
		w.comment(`SSE-KMS: this policy grants kms:GenerateDataKey and kms:Decrypt on the key.
If the key's policy does not let IAM policies grant access (or the key is in
another account), also add the KMS key policy statement Stowage shows.`)
	}
}

func tfRole(w *hclWriter, loc config.Location, s *config.S3, p config.Platform, h Hardening, a arns) error {
	w.line("")
	w.comment("Refuses every request not made over HTTPS.")
	w.open(`resource "aws_s3_bucket_policy" "export"`)
	w.attr("bucket", "aws_s3_bucket.export.id")
	w.attr("depends_on", "[aws_s3_bucket_public_access_block.export]")
	if err := w.heredoc("policy", policyDoc{Version: PolicyVersion, Statement: []statement{denyInsecureTransport(a)}}); err != nil {
		return err
	}
	w.close()

	w.line("")
	tfKMSNote(w, h)
	w.open(`resource "aws_iam_policy" "export"`)
	w.attr("name", hclString(baseName(loc)+"-permissions"))
	w.attr("description", hclString("Least privilege Stowage needs to export recordings into the bucket."))
	if err := w.heredoc("policy", policyDoc{Version: PolicyVersion, Statement: permissionStatements(s, a)}); err != nil {
		return err
	}
	w.close()

	w.line("")
	w.open(`resource "aws_iam_role" "export"`)
	w.attr("name", hclString(roleName(loc)))
	if path := iamPath(s.RoleARN); path != "" {
		w.attr("path", hclString(path))
	}
	w.attr("description", hclString("Stowage exports recordings into the bucket with this role."))
	if sec := maxSessionSeconds(p); sec > 0 {
		w.attr("max_session_duration", strconv.Itoa(sec))
	}
	w.line("")
	w.comment("Both external IDs are accepted while a rotation is pending.")
	w.line("assume_role_policy = jsonencode({")
	w.depth++
	w.attr("Version", hclString(PolicyVersion))
	w.line("Statement = [")
	w.depth++
	w.open("")
	w.attr("Effect", hclString("Allow"))
	w.attr("Principal", "{ AWS = var.trusted_principals }")
	w.attr("Action", hclString("sts:AssumeRole"))
	w.open("Condition =")
	w.open("StringEquals =")
	w.attr(`"sts:ExternalId"`, "compact([var.external_id, var.pending_external_id])")
	w.close()
	w.close()
	w.close()
	w.depth--
	w.line("]")
	w.depth--
	w.line("})")
	w.close()

	w.line("")
	w.open(`resource "aws_iam_role_policy_attachment" "export"`)
	w.attr("role", "aws_iam_role.export.name")
	w.attr("policy_arn", "aws_iam_policy.export.arn")
	w.close()

	w.line("")
	w.open(`output "role_arn"`)
	w.attr("description", hclString("Paste this into Stowage's Role ARN field."))
	w.attr("value", "aws_iam_role.export.arn")
	w.close()
	w.line("")
	w.open(`output "bucket_name"`)
	w.attr("value", "aws_s3_bucket.export.bucket")
	w.close()
	return nil
}

func tfUser(w *hclWriter, loc config.Location, s *config.S3, h Hardening, a arns) error {
	w.line("")
	w.suppress(KindTerraform, loc, h, "user", CheckUserPolicy)
	w.open(`resource "aws_iam_user" "export"`)
	w.attr("name", hclString(userName(loc)))
	if path := iamPath(s.UserARN); path != "" {
		w.attr("path", hclString(path))
	}
	w.close()

	w.line("")
	tfKMSNote(w, h)
	w.open(`resource "aws_iam_user_policy" "export"`)
	w.attr("name", hclString(baseName(loc)+"-permissions"))
	w.attr("user", "aws_iam_user.export.name")
	if err := w.heredoc("policy", policyDoc{Version: PolicyVersion, Statement: permissionStatements(s, a)}); err != nil {
		return err
	}
	w.close()

	w.line("")
	w.comment("Grants the user the same S3 access and refuses requests not made over HTTPS.")
	w.open(`resource "aws_s3_bucket_policy" "export"`)
	w.attr("bucket", "aws_s3_bucket.export.id")
	w.attr("depends_on", "[aws_s3_bucket_public_access_block.export]")
	if err := w.heredoc("policy", policyDoc{Version: PolicyVersion, Statement: bucketStatements(s, a, "${aws_iam_user.export.arn}")}); err != nil {
		return err
	}
	w.close()

	w.line("")
	w.open(`output "user_arn"`)
	w.attr("description", hclString("The IAM user to create an access key for."))
	w.attr("value", "aws_iam_user.export.arn")
	w.close()
	w.line("")
	w.open(`output "bucket_name"`)
	w.attr("value", "aws_s3_bucket.export.bucket")
	w.close()
	return nil
}
