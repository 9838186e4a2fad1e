package validate

import (
	"fmt"
	"strings"
)

const (
	exampleAccountID = "123456789012"
)

// partitions are the ARN partitions Stowage works with.
var partitions = []string{"aws", "aws-cn", "aws-us-gov"}

func knownPartition(p string) bool {
	for _, k := range partitions {
		if p == k {
			return true
		}
	}
	return false
}

// arnParts is an ARN split into its six fields.
type arnParts struct {
	partition, service, region, account, resource string
}

// splitARN checks the frame shared by every ARN Stowage takes: the "arn:"
// head, a known partition, the expected service and a 12-digit account.
// exampleFor builds the example from the parts that were right, so the
// user sees their own partition and account in it.
func splitARN(s, field, service string, exampleFor func(partition, account string) string) (arnParts, *Error) {
	ex := func(p arnParts) string {
		if !knownPartition(p.partition) {
			p.partition = "aws"
		}
		if !isAccountID(p.account) {
			p.account = exampleAccountID
		}
		return exampleFor(p.partition, p.account)
	}
	if s == "" {
		return arnParts{}, newErr(field, ex(arnParts{}), "is required")
	}
	if surroundingSpace(s) {
		return arnParts{}, newErr(field, ex(arnParts{}), "must not start or end with spaces")
	}
	if !strings.HasPrefix(s, "arn:") {
		if isAccountID(s) {
			return arnParts{}, newErr(field, ex(arnParts{account: s}), "is a bare account ID; a full ARN is needed")
		}
		return arnParts{}, newErr(field, ex(arnParts{}), "must start with \"arn:\"")
	}
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 {
		return arnParts{}, newErr(field, ex(arnParts{}), "must have six \":\"-separated parts arn:partition:service:region:account:resource (got %d)", len(f))
	}
	p := arnParts{partition: f[1], service: f[2], region: f[3], account: f[4], resource: f[5]}
	if !knownPartition(p.partition) {
		return p, newErr(field, ex(p), "partition must be aws, aws-cn or aws-us-gov (got %q)", p.partition)
	}
	if p.service != service {
		rule := fmt.Sprintf("must be an %s ARN (service %q, got %q)", service, service, p.service)
		if p.service == "sts" && strings.HasPrefix(p.resource, "assumed-role/") {
			// A pasted `aws sts get-caller-identity` result: point at the role.
			rule = "is an STS assumed-role session ARN; use the role's IAM ARN, arn:<partition>:iam::<account>:role/<name>"
		}
		return p, newErr(field, ex(p), "%s", rule)
	}
	if !isAccountID(p.account) {
		return p, newErr(field, ex(p), "account must be exactly 12 digits (got %q)", p.account)
	}
	return p, nil
}

func isAccountID(s string) bool { return len(s) == 12 && allDigits(s) }

// iamRuneOK is IAM's name alphabet [\w+=,.@-].
func iamRuneOK(r rune) bool {
	return isAlnum(r) || strings.ContainsRune("_+=,.@-", r)
}

// checkIAMResource checks "<kind>/[path/]name": each path segment and the
// name use IAM's alphabet, the name is 1–64 characters, the path ≤ 512.
func checkIAMResource(field, kind, resource, example string) *Error {
	rest, ok := strings.CutPrefix(resource, kind+"/")
	if !ok {
		got, _, _ := strings.Cut(resource, "/")
		return newErr(field, example, "resource must start with %q (got %q)", kind+"/", got)
	}
	slash := strings.LastIndexByte(rest, '/')
	path, name := rest[:slash+1], rest[slash+1:]
	if len(path)+1 > 512 {
		return newErr(field, example, "%s path must be at most 512 characters long (got %d)", kind, len(path)+1)
	}
	if path != "" {
		for i, seg := range strings.Split(strings.TrimSuffix(path, "/"), "/") {
			if seg == "" {
				return newErr(field, example, "%s path has an empty segment (\"//\") at segment %d", kind, i+1)
			}
			if r, pos := firstBad(seg, iamRuneOK); pos > 0 {
				return newErr(field, example, "%s path segment %d has %s at position %d; use only letters, digits and + = , . @ _ -", kind, i+1, quoteRune(r), pos)
			}
		}
	}
	n := runeCount(name)
	if n == 0 {
		return newErr(field, example, "%s name is missing after %q", kind, kind+"/"+path)
	}
	if n > 64 {
		return newErr(field, example, "%s name must be 1–64 characters long (got %d)", kind, n)
	}
	if r, pos := firstBad(name, iamRuneOK); pos > 0 {
		return newErr(field, example, "%s name has %s at position %d; use only letters, digits and + = , . @ _ -", kind, quoteRune(r), pos)
	}
	return nil
}

func roleExample(partition, account string) string {
	return "arn:" + partition + ":iam::" + account + ":role/StowageExport"
}

func userExample(partition, account string) string {
	return "arn:" + partition + ":iam::" + account + ":user/stowage-export"
}

// RoleARN checks an IAM role ARN: arn:<partition>:iam::<12 digits>:role/[path/]name.
func RoleARN(s string) error {
	return iamARN(s, "role ARN", "role", roleExample)
}

// UserARN checks an IAM user ARN: arn:<partition>:iam::<12 digits>:user/[path/]name.
func UserARN(s string) error {
	return iamARN(s, "user ARN", "user", userExample)
}

func iamARN(s, field, kind string, exampleFor func(string, string) string) error {
	p, err := splitARN(s, field, "iam", exampleFor)
	if err != nil {
		return err
	}
	example := exampleFor(p.partition, p.account)
	if p.region != "" {
		return newErr(field, example, "region must be empty in IAM ARNs (got %q)", p.region)
	}
	if err := checkIAMResource(field, kind, p.resource, example); err != nil {
		if other := otherIAMKind(kind, p.resource); other != "" {
			err.Rule = fmt.Sprintf("is an IAM %s ARN; a %s ARN is needed", other, kind)
		}
		return err
	}
	return nil
}

// otherIAMKind names the IAM resource type the user pasted by mistake.
func otherIAMKind(want, resource string) string {
	for _, k := range []string{"role", "user", "group", "policy", "instance-profile"} {
		if k != want && strings.HasPrefix(resource, k+"/") {
			return k
		}
	}
	if want != "root" && resource == "root" {
		return "account root"
	}
	return ""
}

// PrincipalARN checks what a trust policy may trust: an account root
// (arn:<partition>:iam::<12 digits>:root), a role ARN, a user ARN, or a bare
// 12-digit account ID, which IAM reads as that account's root.
func PrincipalARN(s string) error {
	const field = "principal ARN"
	if isAccountID(s) {
		return nil
	}
	p, err := splitARN(s, field, "iam", func(partition, account string) string {
		return "arn:" + partition + ":iam::" + account + ":root"
	})
	if err != nil {
		if strings.HasPrefix(err.Rule, "must start with") {
			err.Rule = "must be an IAM ARN (account root, role or user) starting with \"arn:\", or a 12-digit account ID"
		}
		return err
	}
	example := "arn:" + p.partition + ":iam::" + p.account + ":root"
	if p.region != "" {
		return newErr(field, example, "region must be empty in IAM ARNs (got %q)", p.region)
	}
	kind, _, _ := strings.Cut(p.resource, "/")
	switch {
	case p.resource == "root":
		return nil
	case kind == "role" || kind == "user":
		// Return a nil error, not a nil *Error, to keep err == nil true.
		if err := checkIAMResource(field, kind, p.resource, example); err != nil {
			return err
		}
		return nil
	}
	return newErr(field, example, "must name the account root (\":root\"), a role (\":role/...\") or a user (\":user/...\"), got %q", kind)
}

// AccountID checks an AWS account ID: exactly 12 digits, leading zeros kept.
func AccountID(s string) error {
	const field = "account ID"
	switch {
	case s == "":
		return newErr(field, exampleAccountID, "is required")
	case surroundingSpace(s):
		return newErr(field, exampleAccountID, "must not start or end with spaces")
	}
	if id := AccountIDFromARN(s); id != "" && strings.HasPrefix(s, "arn:") {
		return newErr(field, id, "is an ARN; the account ID is its fifth part")
	}
	if r, pos := firstBad(s, isDigit); pos > 0 {
		if r == '-' {
			return newErr(field, suggest(strings.ReplaceAll(s, "-", ""), exampleAccountID, AccountID), "must be 12 digits without hyphens")
		}
		return newErr(field, exampleAccountID, "has %s at position %d; an account ID is 12 digits", quoteRune(r), pos)
	}
	if len(s) != 12 {
		return newErr(field, exampleAccountID, "must be exactly 12 digits (got %d); keep any leading zeros", len(s))
	}
	return nil
}

// AccountIDFromARN returns the 12-digit account of an ARN, the ID itself
// when given a bare account ID, or "" when there is none (S3 bucket ARNs,
// for example, have no account field).
func AccountIDFromARN(arn string) string {
	if isAccountID(arn) {
		return arn
	}
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || !isAccountID(f[4]) {
		return ""
	}
	return f[4]
}

// KMSKeyARN checks a KMS key ARN, arn:<partition>:kms:<region>:<12
// digits>:key/<key id>, where the key ID is a UUID or a multi-Region
// "mrk-" ID, or an alias ARN ending in alias/<name>. Bare key IDs and
// alias names are refused: a cross-account writer needs the full ARN.
func KMSKeyARN(s string) error {
	const field = "KMS key ARN"
	exampleFor := func(partition, account string) string {
		region := "us-east-1"
		switch partition {
		case "aws-cn":
			region = "cn-north-1"
		case "aws-us-gov":
			region = "us-gov-west-1"
		}
		return kmsExample(partition, region, account)
	}
	if isUUID(s) || isMRK(s) || strings.HasPrefix(s, "alias/") {
		return newErr(field, exampleFor("aws", exampleAccountID), "must be the full key ARN, not a bare key ID or alias name; a key in another account can only be named by ARN")
	}
	p, err := splitARN(s, field, "kms", exampleFor)
	if err != nil {
		return err
	}
	example := exampleFor(p.partition, p.account)
	if p.region == "" {
		return newErr(field, example, "region is missing; KMS key ARNs name the key's region")
	}
	if RegionName(p.region) == "" {
		return newErr(field, example, "region %q is not a known AWS region", p.region)
	}
	if Partition(p.region) != p.partition {
		return newErr(field, example, "region %s belongs to partition %s, not %s", p.region, Partition(p.region), p.partition)
	}
	example = kmsExample(p.partition, p.region, p.account)
	switch {
	case strings.HasPrefix(p.resource, "key/"):
		id := p.resource[len("key/"):]
		if !isUUID(id) && !isMRK(id) {
			return newErr(field, example, "key ID must be a lowercase UUID (1234abcd-12ab-34cd-56ef-1234567890ab) or a multi-Region ID (mrk- and 32 hex digits)")
		}
		return nil
	case strings.HasPrefix(p.resource, "alias/"):
		name := p.resource[len("alias/"):]
		if name == "" || len(name) > 256 {
			return newErr(field, example, "alias name must be 1–256 characters long (got %d)", len(name))
		}
		if r, pos := firstBad(name, func(r rune) bool { return isAlnum(r) || r == '/' || r == '_' || r == '-' }); pos > 0 {
			return newErr(field, example, "alias name has %s at position %d; use only letters, digits, \"/\", \"_\" and \"-\"", quoteRune(r), pos)
		}
		return nil
	}
	got, _, _ := strings.Cut(p.resource, "/")
	return newErr(field, example, "resource must be key/<key id> or alias/<name> (got %q)", got)
}

func kmsExample(partition, region, account string) string {
	return "arn:" + partition + ":kms:" + region + ":" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(rune(s[i])) && (s[i] < 'a' || s[i] > 'f') {
			return false
		}
	}
	return true
}

// isUUID matches the lowercase 8-4-4-4-12 form KMS prints.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for _, i := range []int{8, 13, 18, 23} {
		if s[i] != '-' {
			return false
		}
	}
	return isHex(strings.ReplaceAll(s, "-", "")) && strings.Count(s, "-") == 4
}

// isMRK matches a multi-Region key ID: "mrk-" and 32 lowercase hex digits.
func isMRK(s string) bool {
	rest, ok := strings.CutPrefix(s, "mrk-")
	return ok && len(rest) == 32 && isHex(rest)
}
