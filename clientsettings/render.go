package clientsettings

import (
	"crypto/sha1"
	"fmt"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// Format is one way of printing the settings.
type Format string

const (
	// FormatTable is the list of fields a person types into a client, as in
	// the vendors' "S3 field name / complete with" tables.
	FormatTable Format = "table"
	// FormatRclone is an rclone remote (rclone.conf section).
	FormatRclone Format = "rclone"
	// FormatCyberduck is a Cyberduck/Mountain Duck bookmark (.duck plist).
	FormatCyberduck Format = "cyberduck"
	// FormatS3cmd is an s3cmd configuration file (.s3cfg).
	FormatS3cmd Format = "s3cmd"
	// FormatAWSProfile is an AWS CLI profile (~/.aws/config and
	// ~/.aws/credentials sections).
	FormatAWSProfile Format = "aws-profile"
)

// Formats lists every format in the order help texts show them.
func Formats() []Format {
	return []Format{FormatTable, FormatRclone, FormatCyberduck, FormatS3cmd, FormatAWSProfile}
}

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats() {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", &validate.Error{Field: "--format", Rule: fmt.Sprintf("unknown format %q; choose one of %s", s, strings.Join(names, ", ")),
		Example: "--format rclone"}
}

// Options tune rendering.
type Options struct {
	// Reveal prints secrets; otherwise they read Masked.
	Reveal bool
	// ScreenShare also masks the identifiers (access key ID, external ID,
	// the role ARN's account) as config.Show does.
	ScreenShare bool
	// Name is the rclone remote or AWS profile name; empty derives one from
	// the location name ("globex" for rclone, "stowage-globex" for AWS).
	Name string
}

// Render prints s in format f.
func Render(s Settings, f Format, opts Options) (string, error) {
	s = opts.apply(s)
	switch f {
	case FormatTable:
		return table(s, opts), nil
	case FormatRclone:
		return rclone(s, opts)
	case FormatCyberduck:
		return cyberduck(s, opts)
	case FormatS3cmd:
		return s3cmd(s, opts)
	case FormatAWSProfile:
		cfg, creds, err := AWSProfile(s, opts)
		if err != nil {
			return "", err
		}
		out := "# Add to ~/.aws/config:\n" + cfg
		if creds != "" {
			out += "\n# Add to ~/.aws/credentials:\n" + creds
		}
		out += fmt.Sprintf("\n# Then: aws s3 ls %s --profile %s\n", shellQuote("s3://"+s.RemotePath()), awsProfileName(s, opts))
		return out, nil
	}
	_, err := ParseFormat(string(f))
	return "", err
}

// apply masks what opts says must not be shown, through config.Show:
// secrets unless revealed; identifiers (access key ID, external ID, the
// account of the role ARN) in screen-share mode.
func (o Options) apply(s Settings) Settings {
	if !o.Reveal {
		s.SecretAccessKey = config.Show(config.Secret, s.SecretAccessKey, o.ScreenShare)
		s.AccountKey = config.Show(config.Secret, s.AccountKey, o.ScreenShare)
		s.SAS = config.Show(config.Secret, s.SAS, o.ScreenShare)
	}
	s.AccessKeyID = config.Show(config.Identifier, s.AccessKeyID, o.ScreenShare)
	s.ExternalID = config.Show(config.Identifier, s.ExternalID, o.ScreenShare)
	s.RoleARN = config.Show(config.Identifier, s.RoleARN, o.ScreenShare)
	return s
}

// unsupported is the error for a format that cannot express a location's
// credentials.
func unsupported(f Format, why string, s Settings) error {
	alt := "--format aws-profile or --format rclone"
	if s.Type == config.TypeAzure {
		alt = "--format table or --format rclone"
	}
	return &validate.Error{Field: "--format", Rule: fmt.Sprintf("%s cannot be used for %q: %s", f, s.Location, why),
		Example: alt}
}

// authPhrase names the credentials in a sentence.
func authPhrase(s Settings) string {
	switch s.Auth {
	case config.AuthRole:
		return "an assumed role, with no access keys"
	case config.AuthDefault:
		return "the AWS default credential chain, and Stowage holds no keys for it"
	}
	return authLabel(s)
}

func authLabel(s Settings) string {
	switch s.Auth {
	case config.AuthKeys:
		return "access keys"
	case config.AuthRole:
		return "assumed role"
	case config.AuthDefault:
		return "default AWS credentials"
	}
	return string(s.Auth)
}

// table lists the fields and values, padded to one column.
func table(s Settings, opts Options) string {
	var rows [][2]string
	add := func(k, v string) { rows = append(rows, [2]string{k, v}) }
	yesNo := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	var title string
	var notes []string
	if s.Type == config.TypeAzure {
		title = fmt.Sprintf("Client settings for %s (Azure Blob, %s)", s.Location, strings.ReplaceAll(s.AzureAuth, "-", " "))
		add("Account name", s.AccountName)
		add("Blob endpoint", s.BlobEndpoint)
		add("Container", s.Container)
		add("Prefix (folder)", orNone(s.Prefix))
		switch s.AzureAuth {
		case "sas":
			add("Auth", "shared access signature (SAS)")
			add("SAS token", s.SAS)
		case "development-storage":
			add("Auth", "development storage (Azurite's published account key)")
		default:
			add("Auth", "account key")
			add("Account key", s.AccountKey)
		}
		add("Use secure transfer (SSL/TLS)", yesNo(s.TLS))
		add("URL", s.BlobEndpoint+"/"+s.RemotePath())
		if !opts.Reveal && (s.AccountKey != "" || s.SAS != "") {
			notes = append(notes, "The secret is masked; rerun with --reveal to show it (refused with --screen-share).")
		}
	} else {
		kind := "Amazon S3"
		account := "Amazon S3 Storage"
		if !s.AWS {
			kind, account = "S3-compatible", "S3-compatible storage (Amazon S3 protocol, custom host)"
		}
		title = fmt.Sprintf("Client settings for %s (%s, %s)", s.Location, kind, authLabel(s))
		add("Account type", account)
		proto := "S3 over HTTPS (S3/HTTPS)"
		if !s.TLS {
			proto = "S3 over plain HTTP"
		}
		add("Protocol", proto)
		add("Host", s.Host)
		add("Port", fmt.Sprint(s.Port))
		add("Region", orNone(s.Region))
		switch s.Auth {
		case config.AuthKeys:
			add("Access key ID", s.AccessKeyID)
			add("Secret access key", s.SecretAccessKey)
			if !opts.Reveal && s.SecretAccessKey != "" {
				notes = append(notes, "The secret is masked; rerun with --reveal to show it (refused with --screen-share).")
			}
		case config.AuthRole:
			add("Credentials", "assume a role (no access keys)")
			add("Role ARN", s.RoleARN)
			add("External ID", s.ExternalID)
			add("Source profile", s.SourceProfile)
			notes = append(notes, "Only the platform's AWS identity may assume this role, and most GUI clients cannot send an external ID: use --format aws-profile or --format rclone on the platform host.")
		default:
			add("Credentials", "the AWS default credential chain (environment, profile, instance role)")
		}
		add("Use secure transfer (SSL/TLS)", yesNo(s.TLS))
		add("Remote path (external bucket)", s.RemotePath())
		if !s.AWS {
			add("Path-style addressing", yesNo(s.PathStyle))
		}
		if s.CABundle != "" {
			add("Trusted CA certificate", s.CABundle)
		}
		add("URL", s.Endpoint+"/"+s.RemotePath())
	}
	width := 0
	for _, r := range rows {
		if n := utf8.RuneCountInString(r[0]); n > width {
			width = n
		}
	}
	var b strings.Builder
	b.WriteString(title + "\n\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "  %s%s  %s\n", r[0], strings.Repeat(" ", width-utf8.RuneCountInString(r[0])), r[1])
	}
	for _, n := range notes {
		b.WriteString("\n" + n + "\n")
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe
// characters, so a copied example command works with spaces in a prefix.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@+=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// rcloneName keeps what rclone accepts in a remote name.
func rcloneName(s Settings, opts Options) string {
	name := opts.Name
	if name == "" {
		name = s.Location
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.', r == '+', r == '@':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "stowage"
	}
	return strings.TrimLeft(b.String(), "-")
}

// rclone writes an rclone.conf section: type s3 for S3 locations (with
// role_arn and role_external_id in role mode, which rclone v1.66+ sends to
// STS), type azureblob for Azure.
func rclone(s Settings, opts Options) (string, error) {
	name := rcloneName(s, opts)
	var b strings.Builder
	kv := func(k, v string) { fmt.Fprintf(&b, "%s = %s\n", k, v) }
	fmt.Fprintf(&b, "# rclone remote for Stowage location %q; add to rclone.conf (rclone config file shows where)\n", s.Location)
	fmt.Fprintf(&b, "# then: rclone ls %s\n", shellQuote(name+":"+s.RemotePath()))
	if s.CABundle != "" {
		fmt.Fprintf(&b, "# the store uses a private CA: add --ca-cert %s to every rclone command\n", s.CABundle)
	}
	fmt.Fprintf(&b, "[%s]\n", name)
	if s.Type == config.TypeAzure {
		kv("type", "azureblob")
		switch s.AzureAuth {
		case "sas":
			kv("sas_url", s.BlobEndpoint+"/"+s.Container+"?"+sasValue(s.SAS))
		default:
			kv("account", s.AccountName)
			if s.AzureAuth == "development-storage" {
				kv("key", devKey(s, opts))
			} else {
				kv("key", s.AccountKey)
			}
			kv("endpoint", s.BlobEndpoint)
		}
		return b.String(), nil
	}
	kv("type", "s3")
	if s.AWS {
		kv("provider", "AWS")
	} else {
		kv("provider", "Other")
	}
	switch s.Auth {
	case config.AuthKeys:
		kv("access_key_id", s.AccessKeyID)
		kv("secret_access_key", s.SecretAccessKey)
	case config.AuthRole:
		// The platform's own credentials (its AWS profile) assume the role.
		kv("env_auth", "true")
		if s.SourceProfile != "" && s.SourceProfile != "default" {
			kv("profile", s.SourceProfile)
		}
		kv("role_arn", s.RoleARN)
		kv("role_external_id", s.ExternalID)
		if s.SessionDuration > 0 {
			kv("role_session_duration", fmt.Sprintf("%ds", s.SessionDuration))
		}
	default:
		kv("env_auth", "true")
	}
	region := s.Region
	if region == "" {
		region = "us-east-1"
	}
	kv("region", region)
	if s.AWS {
		if region != "us-east-1" {
			kv("location_constraint", region)
		}
	} else {
		kv("endpoint", s.Endpoint)
		kv("force_path_style", fmt.Sprint(s.PathStyle))
	}
	// The location's policy grants no s3:CreateBucket; without this rclone
	// tries to create the bucket before an upload.
	kv("no_check_bucket", "true")
	return b.String(), nil
}

// sasValue is the SAS without a leading "?", or the mask.
func sasValue(sas string) string { return strings.TrimPrefix(sas, "?") }

// devKey is the published development-storage key; it is not a secret, but
// is still masked unless revealed so output does not teach people to paste
// keys.
func devKey(s Settings, opts Options) string {
	if !opts.Reveal {
		return Masked
	}
	return devAccountKey
}

// devAccountKey is Azurite's published development account key.
const devAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

// s3cmd writes a .s3cfg for keys mode.
func s3cmd(s Settings, opts Options) (string, error) {
	if s.Type == config.TypeAzure {
		return "", unsupported(FormatS3cmd, "s3cmd speaks only the S3 protocol and this is an Azure Blob location", s)
	}
	if s.Auth != config.AuthKeys {
		return "", unsupported(FormatS3cmd, "s3cmd needs access keys; this location uses "+authPhrase(s), s)
	}
	hostBase := s.Host
	if (s.TLS && s.Port != 443) || (!s.TLS && s.Port != 80) {
		hostBase = fmt.Sprintf("%s:%d", s.Host, s.Port)
	}
	hostBucket := "%(bucket)s." + hostBase
	if s.PathStyle || !s.AWS && isIPHost(s.Host) {
		// A host_bucket without %(bucket)s makes s3cmd use path-style URLs.
		hostBucket = hostBase
	}
	region := s.Region
	if region == "" {
		region = "us-east-1"
	}
	var b strings.Builder
	kv := func(k, v string) { fmt.Fprintf(&b, "%s = %s\n", k, v) }
	fmt.Fprintf(&b, "# s3cmd settings for Stowage location %q; save as ~/.s3cfg (or use s3cmd -c FILE)\n", s.Location)
	fmt.Fprintf(&b, "# then: s3cmd ls %s\n", shellQuote("s3://"+s.RemotePath()))
	b.WriteString("[default]\n")
	kv("access_key", s.AccessKeyID)
	kv("secret_key", s.SecretAccessKey)
	kv("host_base", hostBase)
	kv("host_bucket", hostBucket)
	kv("bucket_location", region)
	if s.TLS {
		kv("use_https", "True")
		kv("check_ssl_certificate", "True")
	} else {
		kv("use_https", "False")
	}
	if s.CABundle != "" {
		kv("ca_certs_file", s.CABundle)
	}
	kv("signature_v2", "False")
	return b.String(), nil
}

func isIPHost(h string) bool {
	return strings.Count(h, ".") == 3 && strings.Trim(h, "0123456789.") == "" || strings.Contains(h, ":") || h == "localhost"
}

// cyberduck writes a bookmark. It never holds the secret: Cyberduck asks
// for it on first connect and keeps it in the system keychain.
func cyberduck(s Settings, opts Options) (string, error) {
	if s.Type == config.TypeAzure {
		return "", unsupported(FormatCyberduck, "this is an Azure Blob location; add it in Cyberduck as \"Microsoft Azure Storage\" with the values of --format table", s)
	}
	if s.Auth != config.AuthKeys {
		return "", unsupported(FormatCyberduck, "a bookmark holds an access key ID; this location uses "+authPhrase(s), s)
	}
	path := "/" + s.RemotePath()
	entries := [][2]string{
		{"Protocol", "s3"},
		{"Provider", "iterate GmbH"},
		{"UUID", bookmarkUUID(s.Location)},
		{"Nickname", s.Location},
		{"Hostname", s.Host},
		{"Port", fmt.Sprint(s.Port)},
		{"Username", s.AccessKeyID},
		{"Path", path},
	}
	if s.Region != "" {
		entries = append(entries, [2]string{"Region", s.Region})
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	fmt.Fprintf(&b, "<!-- Cyberduck bookmark for Stowage location %s; save as %s.duck and open it.\n", xmlComment(s.Location), xmlComment(rcloneName(s, Options{})))
	b.WriteString("     Cyberduck asks for the secret access key on first connect. -->\n")
	if !s.TLS {
		b.WriteString("<!-- This store speaks plain HTTP: install Cyberduck's \"S3 (HTTP)\" connection profile and change Protocol to match. -->\n")
	}
	b.WriteString("<plist version=\"1.0\">\n<dict>\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "\t<key>%s</key>\n\t<string>%s</string>\n", e[0], html.EscapeString(e[1]))
	}
	b.WriteString("</dict>\n</plist>\n")
	return b.String(), nil
}

// xmlComment keeps "--" out of an XML comment.
func xmlComment(s string) string { return strings.ReplaceAll(s, "--", "- -") }

// bookmarkUUID derives a stable UUID (name-based, SHA-1) from the location
// name, so the same location always gives the same bookmark and Cyberduck
// replaces rather than duplicates it.
func bookmarkUUID(name string) string {
	h := sha1.Sum([]byte("stowage-location:" + name))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func awsProfileName(s Settings, opts Options) string {
	if opts.Name != "" {
		return rcloneName(s, opts)
	}
	return "stowage-" + rcloneName(s, Options{})
}

// AWSProfile returns the sections to add to ~/.aws/config and
// ~/.aws/credentials (empty when no keys are needed), masked as opts says.
func AWSProfile(s Settings, opts Options) (configText, credentialsText string, err error) {
	s = opts.apply(s)
	if s.Type == config.TypeAzure {
		return "", "", unsupported(FormatAWSProfile, "the AWS CLI cannot read Azure Blob storage", s)
	}
	name := awsProfileName(s, opts)
	var c strings.Builder
	kv := func(b *strings.Builder, k, v string) { fmt.Fprintf(b, "%s = %s\n", k, v) }
	fmt.Fprintf(&c, "[profile %s]\n", name)
	region := s.Region
	if region == "" {
		region = "us-east-1"
	}
	kv(&c, "region", region)
	switch s.Auth {
	case config.AuthRole:
		kv(&c, "role_arn", s.RoleARN)
		kv(&c, "external_id", s.ExternalID)
		kv(&c, "source_profile", s.SourceProfile)
		if s.SessionDuration > 0 {
			kv(&c, "duration_seconds", fmt.Sprint(s.SessionDuration))
		}
	}
	if !s.AWS {
		kv(&c, "endpoint_url", s.Endpoint)
	}
	if s.CABundle != "" {
		kv(&c, "ca_bundle", s.CABundle)
	}
	if !s.AWS && s.PathStyle {
		c.WriteString("s3 =\n    addressing_style = path\n")
	}
	if s.Auth != config.AuthKeys {
		return c.String(), "", nil
	}
	var k strings.Builder
	fmt.Fprintf(&k, "[%s]\n", name)
	kv(&k, "aws_access_key_id", s.AccessKeyID)
	kv(&k, "aws_secret_access_key", s.SecretAccessKey)
	return c.String(), k.String(), nil
}
