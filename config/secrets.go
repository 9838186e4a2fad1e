package config

import (
	"slices"
	"strings"

	"github.com/stowage-dev/stowage/validate"
)

// RedactedSecret replaces a secret value in Redacted output. It tells the
// reader that a value is set without revealing any of it.
const RedactedSecret = "•••• (set)"

// Redacted returns a deep copy of l that is safe to show on screen, in logs
// and in support tickets:
//
//   - S3 secret_access_key is replaced by RedactedSecret.
//   - Azure connection_string keeps AccountName and the endpoints but its
//     AccountKey and SharedAccessSignature are replaced by RedactedSecret; a
//     string that does not parse is replaced whole.
//   - The access key ID stays visible: AWS does not treat it as secret, and
//     the customer needs it to find the key to rotate.
//   - The external ID stays visible: AWS does not treat it as secret either,
//     and the customer must paste it into the role's trust policy. It is
//     sensitive in a screen share, so the wizard should not show it
//     unprompted, but Redacted keeps it.
func (l Location) Redacted() Location {
	out := l
	if l.S3 != nil {
		s := *l.S3
		if s.SecretAccessKey != "" {
			s.SecretAccessKey = RedactedSecret
		}
		out.S3 = &s
	}
	if l.Azure != nil {
		a := *l.Azure
		a.ConnectionString = redactConnectionString(a.ConnectionString)
		out.Azure = &a
	}
	if l.Local != nil {
		c := *l.Local
		out.Local = &c
	}
	if l.LastTest != nil {
		t := *l.LastTest
		out.LastTest = &t
	}
	return out
}

func redactConnectionString(s string) string {
	if s == "" {
		return ""
	}
	if cs, err := validate.ParseConnectionString(s); err == nil {
		return cs.Redacted()
	}
	redacted, _ := scanConnectionString(s)
	return redacted
}

// Connection-string keys whose values are safe to show; compared without
// case, as Azure does.
var publicConnKeys = []string{
	"DefaultEndpointsProtocol", "AccountName", "EndpointSuffix", "BlobEndpoint", "QueueEndpoint",
	"TableEndpoint", "FileEndpoint", "UseDevelopmentStorage", "DevelopmentStorageProxyUri",
}

// scanConnectionString redacts a connection string that validate cannot
// parse (for example one already redacted): public pairs are kept, the
// values of AccountKey and SharedAccessSignature are replaced, and any
// other part is replaced whole, since it may be a fragment of a key split
// at "=". hasSecret reports whether anything was replaced that was not
// already RedactedSecret.
func scanConnectionString(s string) (redacted string, hasSecret bool) {
	parts := strings.Split(s, ";")
	for i, part := range parts {
		k, v, ok := strings.Cut(part, "=")
		key := strings.TrimSpace(k)
		switch {
		case strings.TrimSpace(part) == "":
		case ok && slices.ContainsFunc(publicConnKeys, func(p string) bool { return strings.EqualFold(p, key) }):
		case ok && (strings.EqualFold(key, "AccountKey") || strings.EqualFold(key, "SharedAccessSignature")):
			if strings.TrimSpace(v) != RedactedSecret {
				hasSecret = true
			}
			parts[i] = k + "=" + RedactedSecret
		default:
			if strings.TrimSpace(part) != RedactedSecret {
				hasSecret = true
			}
			parts[i] = RedactedSecret
		}
	}
	return strings.Join(parts, ";"), hasSecret
}

// MarshalRedacted renders loc.Redacted() as YAML, for `stowage show
// --redact` and bug reports.
func MarshalRedacted(loc Location) ([]byte, error) {
	r := loc.Redacted()
	return encodeYAML(&r)
}

// HasSecrets reports whether the location holds a secret: an S3 secret
// access key, or an Azure connection string with an AccountKey or a
// SharedAccessSignature. In a connection string that does not parse, any
// part that is not a known public key counts as secret, since it may be a
// piece of a key. RedactedSecret placeholders are not secrets, so the result
// of Redacted has none.
func (l Location) HasSecrets() bool {
	if l.S3 != nil && l.S3.SecretAccessKey != "" && l.S3.SecretAccessKey != RedactedSecret {
		return true
	}
	if l.Azure != nil && l.Azure.ConnectionString != "" {
		cs, err := validate.ParseConnectionString(l.Azure.ConnectionString)
		if err != nil {
			_, has := scanConnectionString(l.Azure.ConnectionString)
			return has
		}
		return cs.AccountKey != "" || cs.SharedAccessSignature != ""
	}
	return false
}

// HasSecrets reports whether any location holds a secret.
func (f *File) HasSecrets() bool {
	for _, l := range f.Locations {
		if l.HasSecrets() {
			return true
		}
	}
	return false
}
