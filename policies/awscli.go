package policies

import (
	"fmt"
	"strings"

	"github.com/stowage-dev/stowage/config"
)

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// shellArg returns s as one shell word: as it is when it holds only
// characters the shell leaves alone, quoted otherwise.
func shellArg(s string) string {
	if s == "" {
		return "''"
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r)) {
			return shellQuote(s)
		}
	}
	return s
}

// heredocFile writes a quoted heredoc, so the shell expands nothing in it.
func heredocFile(b *strings.Builder, file string, doc any) error {
	js, err := indentJSON(doc)
	if err != nil {
		return err
	}
	b.WriteString("cat > " + file + " <<'EOF'\n" + js + "EOF\n")
	return nil
}

// varHeredoc writes doc to file through an unquoted heredoc in which the
// shell expands only the JSON string values that are exactly "${NAME}" for
// the names given: everything else is escaped, so a value the user typed
// (a prefix) is written as it is.
func varHeredoc(b *strings.Builder, file string, doc any, names ...string) error {
	js, err := indentJSON(doc)
	if err != nil {
		return err
	}
	escaped := strings.NewReplacer(`\`, `\\`, "$", `\$`, "`", "\\`").Replace(js)
	for _, n := range names {
		// A quote inside a value is written \" by JSON, so `"${NAME}"`
		// can only be a whole value.
		escaped = strings.ReplaceAll(escaped, `"\${`+n+`}"`, `"${`+n+`}"`)
	}
	b.WriteString("cat > " + file + " <<EOF\n" + escaped + "EOF\n")
	return nil
}

// Shell variables the scripts fill at run time and the documents use.
const (
	accountIDVar   = "${ACCOUNT_ID}"
	accountRootVar = "${ACCOUNT_ROOT}"
	kmsKeyARNVar   = "${KMS_KEY_ARN}"
	roleARNVar     = "${ROLE_ARN}"
)

func lifecycleJSON(s *config.S3, h Hardening) obj {
	r := obj{{"ID", "stowage-exports"}, {"Status", "Enabled"}, {"Filter", obj{{"Prefix", s.Prefix}}}}
	if s.ExpiryDays > 0 {
		r = append(r, kv{"Expiration", obj{{"Days", s.ExpiryDays}}})
	}
	if h.Versioning {
		r = append(r, kv{"NoncurrentVersionExpiration", obj{{"NoncurrentDays", h.NoncurrentVersionExpiryDays}}})
	}
	r = append(r, kv{"AbortIncompleteMultipartUpload", obj{{"DaysAfterInitiation", AbortIncompleteUploadDays}}})
	return obj{{"Rules", []any{r}}}
}

// encryptionJSON is the bucket's default encryption: SSE-KMS with key
// (the created key's variable, or the location's key ARN), or SSE-S3.
func encryptionJSON(key string) obj {
	if key == "" {
		return obj{{"Rules", []any{obj{{"ApplyServerSideEncryptionByDefault", obj{{"SSEAlgorithm", "AES256"}}}}}}}
	}
	return obj{{"Rules", []any{obj{
		{"ApplyServerSideEncryptionByDefault", obj{{"SSEAlgorithm", "aws:kms"}, {"KMSMasterKeyID", key}}},
		// Bucket keys cut KMS requests (and cost) per object.
		{"BucketKeyEnabled", true},
	}}}}
}

// cliScript is the AWS CLI script being written: its steps are numbered as
// they are written.
type cliScript struct {
	b    strings.Builder
	step int
}

// comment starts the next step with its comment; later lines of text are
// indented under the number.
func (c *cliScript) comment(text string) {
	c.step++
	num := fmt.Sprintf("# %d. ", c.step)
	pad := "#" + strings.Repeat(" ", len(num)-1)
	for i, l := range strings.Split(text, "\n") {
		if i == 0 {
			c.b.WriteString(num + l + "\n")
		} else {
			c.b.WriteString(pad + l + "\n")
		}
	}
}

func (c *cliScript) line(s string) { c.b.WriteString(s + "\n") }

// AWSCLI returns a commented bash script that sets up the bucket, hardened
// as the CloudFormation and Terraform documents harden it (HardeningOf),
// and either the role (role mode) or the IAM user (keys mode) with the AWS
// CLI.
func AWSCLI(loc config.Location, p config.Platform) (string, error) {
	const doc = "AWS CLI script"
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
	h := HardeningOf(loc)
	if err := h.check(doc, s); err != nil {
		return "", err
	}
	role := s.Auth == config.AuthRole
	var pr, ids []string
	if role {
		if pr, err = requirePrincipals(doc, s, p); err != nil {
			return "", err
		}
		if ids, err = requireExternalID(doc, s); err != nil {
			return "", err
		}
	}
	a := plainARNs(s)
	switch h.KMSKey {
	case KMSKeyCreate:
		a.kms = kmsKeyARNVar
	case KMSKeyExisting:
		a.kms = s.KMSKeyARN
	}

	c := &cliScript{}
	b := &c.b
	b.WriteString("#!/usr/bin/env bash\n")
	if role {
		fmt.Fprintf(b, "# Stowage export location %q (role mode), generated by Stowage.\n", loc.Name)
		b.WriteString("# Creates the S3 bucket, the permissions policy and the IAM role Stowage\n# assumes with the external ID.\n")
	} else {
		fmt.Fprintf(b, "# Stowage export location %q (access keys mode), generated by Stowage.\n", loc.Name)
		b.WriteString("# Creates the S3 bucket, an IAM user with the permissions policy, and a\n# bucket policy for that user. It creates no access key (see the end).\n")
	}
	b.WriteString(`# Run it with AWS CLI v2 and credentials of the account that will own the
# bucket (check with: aws sts get-caller-identity). It writes its JSON files
# to the current directory; they name the bucket, so edit them too if you
# change BUCKET.
#
# The bucket is protected as the CloudFormation and Terraform documents
# protect it: Block Public Access, HTTPS only, and:
`)
	for _, l := range h.Lines() {
		b.WriteString("# " + l + "\n")
	}
	b.WriteString("set -euo pipefail\n\n")
	fmt.Fprintf(b, "BUCKET=%s\nREGION=%s\n", shellQuote(s.Bucket), shellQuote(s.Region))
	if h.AccessLogs != AccessLogsOff {
		fmt.Fprintf(b, "LOG_BUCKET=%s\n", shellQuote(h.AccessLogBucket))
	}
	if role {
		fmt.Fprintf(b, "ROLE_NAME=%s\n", shellQuote(roleName(loc)))
	} else {
		fmt.Fprintf(b, "USER_NAME=%s\n", shellQuote(userName(loc)))
	}
	fmt.Fprintf(b, "POLICY_NAME=%s\n", shellQuote(baseName(loc)+"-permissions"))
	if h.AccessLogs == AccessLogsCreate || h.KMSKey == KMSKeyCreate {
		b.WriteString("ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)\n")
	}
	b.WriteString("\n")

	cliCreateBucket(c, s, "$BUCKET", "the bucket")
	c.comment("Block all public access.")
	c.line(`aws s3api put-public-access-block --bucket "$BUCKET" --region "$REGION" \` + "\n  --public-access-block-configuration 'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true'\n")
	if s.BucketOwnerFullControl {
		c.comment("Object ownership: uploads carry the bucket-owner-full-control ACL,\nso ACLs stay enabled and the bucket owner is preferred.")
	} else {
		c.comment("Object ownership: ACLs disabled, the bucket owner owns every object.")
	}
	fmt.Fprintf(b, "aws s3api put-bucket-ownership-controls --bucket \"$BUCKET\" --region \"$REGION\" \\\n  --ownership-controls 'Rules=[{ObjectOwnership=%s}]'\n\n", objectOwnership(s))
	if h.Versioning {
		c.comment("Versioning: earlier versions of overwritten or deleted recordings are\nkept, so they can be recovered.")
		c.line(`aws s3api put-bucket-versioning --bucket "$BUCKET" --region "$REGION" \` + "\n  --versioning-configuration Status=Enabled\n")
	} else {
		c.comment("Versioning stays off (s3.versioning: false): an overwritten or deleted\nrecording cannot be recovered.")
		b.WriteString("\n")
	}

	var life []string
	if s.ExpiryDays > 0 {
		life = append(life, fmt.Sprintf("delete exported objects after %d days", s.ExpiryDays))
	} else {
		life = append(life, "keep exported objects")
	}
	if h.Versioning {
		life = append(life, fmt.Sprintf("delete earlier versions after %d days", h.NoncurrentVersionExpiryDays))
	}
	abort := fmt.Sprintf("discard multipart uploads left unfinished for %d days", AbortIncompleteUploadDays)
	if s.ManageUploads {
		abort += "\n(those Stowage could not abort itself)."
	} else {
		abort += "\n(Stowage has no s3:AbortMultipartUpload)."
	}
	c.comment("Lifecycle: " + strings.Join(life, "; ") + ";\n" + abort)
	if err := heredocFile(b, "stowage-lifecycle.json", lifecycleJSON(s, h)); err != nil {
		return "", err
	}
	b.WriteString("aws s3api put-bucket-lifecycle-configuration --bucket \"$BUCKET\" --region \"$REGION\" \\\n  --lifecycle-configuration file://stowage-lifecycle.json\n\n")

	if err := cliAccessLogs(c, s, h); err != nil {
		return "", err
	}
	if role {
		if err := cliRole(c, loc, s, p, a, h, pr, ids); err != nil {
			return "", err
		}
	} else {
		if err := cliUser(c, loc, s, a, h); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// cliCreateBucket creates bucket (a shell word) in the location's region.
func cliCreateBucket(c *cliScript, s *config.S3, bucket, what string) {
	if s.Region == "us-east-1" {
		c.comment("Create " + what + " (us-east-1 takes no LocationConstraint).")
		c.line("aws s3api create-bucket --bucket \"" + bucket + "\" --region \"$REGION\"\n")
		return
	}
	c.comment("Create " + what + " in its region.")
	c.line("aws s3api create-bucket --bucket \"" + bucket + "\" --region \"$REGION\" \\\n  --create-bucket-configuration \"LocationConstraint=$REGION\"\n")
}

// cliAccessLogs creates the log bucket (AccessLogsCreate) and turns on
// the export bucket's server access logs, as the templates do.
func cliAccessLogs(c *cliScript, s *config.S3, h Hardening) error {
	b := &c.b
	switch h.AccessLogs {
	case AccessLogsOff:
		c.comment("Server access logs stay off (s3.access_logs: off): nothing records who\nread or wrote a recording.")
		b.WriteString("\n")
		return nil
	case AccessLogsExisting:
		c.comment(whyLogBucket + ":\nyour bucket $LOG_BUCKET, which must let logging.s3.amazonaws.com write to it.")
	case AccessLogsCreate:
		cliCreateBucket(c, s, "$LOG_BUCKET", "the access log bucket, which receives the server access logs\n(who read or wrote which recording),")
		c.comment("The log bucket: no public access, ACLs disabled, SSE-S3 (log delivery\ncannot write to an SSE-KMS bucket)" + map[bool]string{true: ", versioning as the export bucket.", false: "."}[h.Versioning])
		b.WriteString(`aws s3api put-public-access-block --bucket "$LOG_BUCKET" --region "$REGION" \` + "\n  --public-access-block-configuration 'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true'\n")
		b.WriteString(`aws s3api put-bucket-ownership-controls --bucket "$LOG_BUCKET" --region "$REGION" \` + "\n  --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'\n")
		enc, err := compactJSON(encryptionJSON(""))
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "aws s3api put-bucket-encryption --bucket \"$LOG_BUCKET\" --region \"$REGION\" \\\n  --server-side-encryption-configuration %s\n", shellQuote(string(enc)))
		if h.Versioning {
			b.WriteString(`aws s3api put-bucket-versioning --bucket "$LOG_BUCKET" --region "$REGION" \` + "\n  --versioning-configuration Status=Enabled\n")
		}
		b.WriteString("\n")
		c.comment(fmt.Sprintf("Log bucket lifecycle: delete logs after %d days.", h.AccessLogExpiryDays))
		r := obj{{"ID", "stowage-access-logs"}, {"Status", "Enabled"}, {"Filter", obj{{"Prefix", ""}}},
			{"Expiration", obj{{"Days", h.AccessLogExpiryDays}}}}
		if h.Versioning {
			r = append(r, kv{"NoncurrentVersionExpiration", obj{{"NoncurrentDays", h.NoncurrentVersionExpiryDays}}})
		}
		r = append(r, kv{"AbortIncompleteMultipartUpload", obj{{"DaysAfterInitiation", AbortIncompleteUploadDays}}})
		if err := heredocFile(b, "stowage-log-lifecycle.json", obj{{"Rules", []any{r}}}); err != nil {
			return err
		}
		b.WriteString("aws s3api put-bucket-lifecycle-configuration --bucket \"$LOG_BUCKET\" --region \"$REGION\" \\\n  --lifecycle-configuration file://stowage-log-lifecycle.json\n\n")
		c.comment("Log bucket policy: S3's log delivery may write the export bucket's logs\nfrom this account; nothing gets in without HTTPS. The heredoc is unquoted\nso the shell fills in $ACCOUNT_ID.")
		logARN := "arn:" + partition(s) + ":s3:::" + h.AccessLogBucket
		if err := varHeredoc(b, "stowage-log-bucket-policy.json", policyDoc{Version: PolicyVersion, Statement: logDeliveryStatements(
			logARN+"/*", logARN, logARN+"/*", "arn:"+partition(s)+":s3:::"+s.Bucket, accountIDVar,
		)}, "ACCOUNT_ID"); err != nil {
			return err
		}
		b.WriteString("aws s3api put-bucket-policy --bucket \"$LOG_BUCKET\" --region \"$REGION\" \\\n  --policy file://stowage-log-bucket-policy.json\n\n")
		c.comment("Send the export bucket's server access logs to the log bucket.")
	}
	js, err := compactJSON(obj{{"LoggingEnabled", obj{{"TargetBucket", h.AccessLogBucket}, {"TargetPrefix", s.Bucket + "/"}}}})
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "aws s3api put-bucket-logging --bucket \"$BUCKET\" --region \"$REGION\" \\\n  --bucket-logging-status %s\n\n", shellQuote(string(js)))
	return nil
}

// cliEncryption creates the KMS key (KMSKeyCreate) whose policy lets
// principal (the role's or user's ARN variable) use it through S3 only,
// then sets the bucket's default encryption.
func cliEncryption(c *cliScript, s *config.S3, h Hardening, alias, principal, principalVar string) error {
	b := &c.b
	switch h.KMSKey {
	case KMSKeyCreate:
		c.comment(whyKMSKey + "\nIt is created after the " + map[bool]string{true: "role", false: "user"}[principalVar == "ROLE_ARN"] + ", which its key policy names; a new\nprincipal takes a few seconds to be accepted there, hence the retries.")
		b.WriteString("ACCOUNT_ROOT=\"arn:" + partition(s) + ":iam::${ACCOUNT_ID}:root\"\n")
		if err := varHeredoc(b, "stowage-kms-key-policy.json", policyDoc{Version: PolicyVersion, Statement: []statement{
			keyAdminStatement(accountRootVar),
			keyPolicyStatement(principal, "s3."+s.Region+"."+dnsSuffix(partition(s))),
		}}, "ACCOUNT_ROOT", principalVar); err != nil {
			return err
		}
		fmt.Fprintf(b, `for attempt in 1 2 3 4 5 6; do
  if KMS_KEY_ARN=$(aws kms create-key --region "$REGION" \
    --description %s \
    --policy file://stowage-kms-key-policy.json \
    --query KeyMetadata.Arn --output text); then
    break
  fi
  if [ "$attempt" = 6 ]; then exit 1; fi
  sleep 5
done
aws kms enable-key-rotation --region "$REGION" --key-id "$KMS_KEY_ARN"
aws kms create-alias --region "$REGION" --alias-name %s \
  --target-key-id "$KMS_KEY_ARN"

`, shellQuote(kmsKeyDescription), shellQuote(alias))
		c.comment("Default encryption: SSE-KMS with the new key, with an S3 bucket key.")
		if err := varHeredoc(b, "stowage-encryption.json", encryptionJSON(kmsKeyARNVar), "KMS_KEY_ARN"); err != nil {
			return err
		}
		b.WriteString("aws s3api put-bucket-encryption --bucket \"$BUCKET\" --region \"$REGION\" \\\n  --server-side-encryption-configuration file://stowage-encryption.json\n\n")
		return nil
	case KMSKeyExisting:
		c.comment("Default encryption: SSE-KMS with the location's key.\nput-key-policy would replace the key's whole policy, so this script does\nnot touch it: if the key policy does not let IAM policies grant access,\nadd the KMS key policy statement Stowage shows in the KMS console.")
	default:
		c.comment("Default encryption: SSE-S3 (AES256); uploads ask for SSE-S3\n(s3.encryption: sse-s3), so a customer managed key would go unused.")
	}
	enc, err := compactJSON(encryptionJSON(map[bool]string{true: s.KMSKeyARN, false: ""}[h.KMSKey == KMSKeyExisting]))
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "aws s3api put-bucket-encryption --bucket \"$BUCKET\" --region \"$REGION\" \\\n  --server-side-encryption-configuration %s\n\n", shellQuote(string(enc)))
	return nil
}

// permissionsHeredoc writes the permissions policy: unquoted when it names
// the key the script creates.
func permissionsHeredoc(b *strings.Builder, s *config.S3, a arns, h Hardening) error {
	doc := policyDoc{Version: PolicyVersion, Statement: permissionStatements(s, a)}
	if h.KMSKey == KMSKeyCreate {
		return varHeredoc(b, "stowage-permissions-policy.json", doc, "KMS_KEY_ARN")
	}
	return heredocFile(b, "stowage-permissions-policy.json", doc)
}

func cliRole(c *cliScript, loc config.Location, s *config.S3, p config.Platform, a arns, h Hardening, pr, ids []string) error {
	b := &c.b
	c.comment("Bucket policy: refuse every request not made over HTTPS.")
	if err := heredocFile(b, "stowage-bucket-policy.json", policyDoc{Version: PolicyVersion, Statement: []statement{denyInsecureTransport(a)}}); err != nil {
		return err
	}
	b.WriteString("aws s3api put-bucket-policy --bucket \"$BUCKET\" --region \"$REGION\" \\\n  --policy file://stowage-bucket-policy.json\n\n")

	if len(ids) > 1 {
		c.comment("Role with the trust policy: the Stowage platform may assume it with the\nexternal ID. A rotation is pending, so both IDs are accepted until\nStowage confirms the new one.")
	} else {
		c.comment("Role with the trust policy: the Stowage platform may assume it with the\nexternal ID.")
	}
	st := statement{Effect: "Allow", Principal: obj{{"AWS", oneOrMany(pr)}}, Action: "sts:AssumeRole",
		Condition: obj{{"StringEquals", obj{{"sts:ExternalId", oneOrMany(ids)}}}}}
	if err := heredocFile(b, "stowage-trust-policy.json", policyDoc{Version: PolicyVersion, Statement: []statement{st}}); err != nil {
		return err
	}
	b.WriteString("ROLE_ARN=$(aws iam create-role --role-name \"$ROLE_NAME\" \\\n")
	if path := iamPath(s.RoleARN); path != "" {
		fmt.Fprintf(b, "  --path %s \\\n", shellQuote(path))
	}
	if sec := maxSessionSeconds(p); sec > 0 {
		fmt.Fprintf(b, "  --max-session-duration %d \\\n", sec)
	}
	b.WriteString("  --assume-role-policy-document file://stowage-trust-policy.json \\\n  --query Role.Arn --output text)\n\n")

	if err := cliEncryption(c, s, h, "alias/"+baseName(loc), roleARNVar, "ROLE_ARN"); err != nil {
		return err
	}

	if h.KMSKey == KMSKeyCreate {
		c.comment("Permissions policy: the least Stowage needs, with the new key. The\nheredoc is unquoted so the shell fills in $KMS_KEY_ARN.")
	} else {
		c.comment("Permissions policy: the least Stowage needs.")
	}
	if err := permissionsHeredoc(b, s, a, h); err != nil {
		return err
	}
	b.WriteString("POLICY_ARN=$(aws iam create-policy --policy-name \"$POLICY_NAME\" \\\n  --policy-document file://stowage-permissions-policy.json \\\n  --query Policy.Arn --output text)\n\n")

	c.comment("Attach the permissions policy to the role.")
	b.WriteString("aws iam attach-role-policy --role-name \"$ROLE_NAME\" --policy-arn \"$POLICY_ARN\"\n\n")
	b.WriteString("echo \"Paste this into Stowage's Role ARN field: $ROLE_ARN\"\n")
	return nil
}

// userARNVar is the shell variable the keys-mode script fills with the new
// user's ARN; the bucket policy refers to it.
const userARNVar = "${USER_ARN}"

func cliUser(c *cliScript, loc config.Location, s *config.S3, a arns, h Hardening) error {
	b := &c.b
	c.comment("IAM user whose access keys Stowage will use.")
	b.WriteString("USER_ARN=$(aws iam create-user --user-name \"$USER_NAME\" \\\n")
	if path := iamPath(s.UserARN); path != "" {
		fmt.Fprintf(b, "  --path %s \\\n", shellQuote(path))
	}
	b.WriteString("  --query User.Arn --output text)\n\n")

	if err := cliEncryption(c, s, h, "alias/"+baseName(loc), userARNVar, "USER_ARN"); err != nil {
		return err
	}

	if h.KMSKey == KMSKeyCreate {
		c.comment("Permissions policy (inline on the user): the least Stowage needs, with\nthe new key. The heredoc is unquoted so the shell fills in $KMS_KEY_ARN.")
	} else {
		c.comment("Permissions policy (inline on the user): the least Stowage needs.")
	}
	if err := permissionsHeredoc(b, s, a, h); err != nil {
		return err
	}
	b.WriteString("aws iam put-user-policy --user-name \"$USER_NAME\" --policy-name \"$POLICY_NAME\" \\\n  --policy-document file://stowage-permissions-policy.json\n\n")

	c.comment("Bucket policy: the same S3 access for the user, and no request without\nHTTPS. The heredoc is unquoted so the shell fills in $USER_ARN; a new\nuser takes a few seconds to become usable in a bucket policy, hence the\nretries.")
	if err := varHeredoc(b, "stowage-bucket-policy.json", policyDoc{Version: PolicyVersion, Statement: bucketStatements(s, a, userARNVar)}, "USER_ARN"); err != nil {
		return err
	}
	b.WriteString(`for attempt in 1 2 3 4 5 6; do
  if aws s3api put-bucket-policy --bucket "$BUCKET" --region "$REGION" \
    --policy file://stowage-bucket-policy.json; then
    break
  fi
  if [ "$attempt" = 6 ]; then exit 1; fi
  sleep 5
done

`)
	c.comment(`Access key: not created here, so the secret never lands in a file or
in this terminal's scrollback. Create it in the IAM console (Users →
the user → Security credentials → Create access key), or run
  aws iam create-access-key --user-name "$USER_NAME"
yourself, and paste the access key ID and secret into Stowage only.`)
	b.WriteString(`echo "Created IAM user $USER_ARN; now create its access key and paste it into Stowage."` + "\n")
	return nil
}
