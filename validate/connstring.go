package validate

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
)

// exampleConnectionString shows the account-key form with placeholders.
const exampleConnectionString = "DefaultEndpointsProtocol=https;AccountName=acmerecordings;AccountKey=<base64 key>;EndpointSuffix=core.windows.net"

// redactedValue replaces secret values in Redacted.
const redactedValue = "•••• (set)"

// Azurite's well-known development account. The key is public (it is in
// every Azure SDK and the Azurite README), so it is not a secret.
const (
	devAccountName = "devstoreaccount1"
	devAccountKey  = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
	devBlobURL     = "http://127.0.0.1:10000/devstoreaccount1"
)

// Canonical connection-string keys, in the order Redacted and SDKString
// write them.
const (
	keyProtocol   = "DefaultEndpointsProtocol"
	keyAccount    = "AccountName"
	keyAccountKey = "AccountKey"
	keySuffix     = "EndpointSuffix"
	keyBlob       = "BlobEndpoint"
	keyQueue      = "QueueEndpoint"
	keyTable      = "TableEndpoint"
	keyFile       = "FileEndpoint"
	keySAS        = "SharedAccessSignature"
	keyDev        = "UseDevelopmentStorage"
	keyDevProxy   = "DevelopmentStorageProxyUri"
)

var connKeys = []string{keyProtocol, keyAccount, keyAccountKey, keySuffix, keyBlob, keyQueue, keyTable, keyFile, keySAS, keyDev, keyDevProxy}

// ConnectionString is a parsed Azure Storage connection string. AccountKey,
// SharedAccessSignature and Raw hold secrets: print Redacted(), never the
// fields.
type ConnectionString struct {
	// Protocol is DefaultEndpointsProtocol, "http" or "https"; empty when
	// absent (https is then implied).
	Protocol    string
	AccountName string
	// AccountKey is the base64 shared key (secret).
	AccountKey string
	// EndpointSuffix is e.g. "core.windows.net"; empty when absent.
	EndpointSuffix string
	BlobEndpoint   string
	// SharedAccessSignature is the SAS token without a leading "?" (secret).
	SharedAccessSignature      string
	DevelopmentStorage         bool
	DevelopmentStorageProxyURI string
	// Raw holds every pair under its canonical key name, including the
	// queue, table and file endpoints (secret: it holds the key and SAS).
	Raw map[string]string
}

func connErr(format string, args ...any) *Error {
	return newErr("connection string", exampleConnectionString, format, args...)
}

// canonicalKey maps a key to its documented spelling; Azure matches keys
// case-insensitively.
func canonicalKey(k string) (string, bool) {
	for _, c := range connKeys {
		if strings.EqualFold(k, c) {
			return c, true
		}
	}
	return "", false
}

// printableKeyName reports whether an unknown key may be quoted in an
// error. A long or odd "key" is more likely a fragment of a pasted secret
// (a base64 key split at "="), so it is referred to by position instead.
func printableKeyName(k string) bool {
	if len(k) == 0 || len(k) > 32 {
		return false
	}
	_, pos := firstBad(k, isAlnum)
	return pos == 0
}

// ParseConnectionString parses and checks an Azure Storage connection
// string: ";"-separated Key=Value pairs, keys case-insensitive, values
// possibly containing "=". Accepted combinations are
// UseDevelopmentStorage=true (optionally with DevelopmentStorageProxyUri);
// AccountName + AccountKey (with DefaultEndpointsProtocol/EndpointSuffix or
// explicit endpoints); and SharedAccessSignature + BlobEndpoint (AccountName
// optional). Errors name keys and part numbers, never secret values.
func ParseConnectionString(s string) (ConnectionString, error) {
	var c ConnectionString
	s = strings.TrimSpace(s)
	if s == "" {
		return c, connErr("is required; copy it from the storage account's Access keys page in the Azure portal")
	}
	if strings.HasPrefix(s, `"`) || strings.HasPrefix(s, `'`) {
		return c, connErr("must not be wrapped in quotes")
	}
	c.Raw = map[string]string{}
	for i, part := range strings.Split(strings.TrimSuffix(s, ";"), ";") {
		n := i + 1
		part = strings.TrimSpace(part)
		if part == "" {
			return c, connErr("part %d is empty (\";;\"); separate Key=Value pairs with a single \";\"", n)
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			// Do not quote the part: it may be a piece of a secret.
			return c, connErr("part %d is not a Key=Value pair", n)
		}
		key, known := canonicalKey(k)
		if !known {
			if printableKeyName(k) {
				return c, connErr("unknown key %q in part %d; known keys are %s", k, n, strings.Join(connKeys, ", "))
			}
			return c, connErr("part %d has an unknown key; known keys are %s", n, strings.Join(connKeys, ", "))
		}
		if _, dup := c.Raw[key]; dup {
			return c, connErr("%s is given twice (again in part %d)", key, n)
		}
		if v == "" {
			return c, connErr("%s has no value", key)
		}
		if strings.ContainsAny(v, "\r\n\t") {
			return c, connErr("the value of %s contains a line break or tab; paste the connection string on one line", key)
		}
		c.Raw[key] = v
	}
	if err := c.fill(); err != nil {
		return ConnectionString{}, err
	}
	return c, nil
}

// fill copies Raw into the typed fields and checks each value and the
// combination of keys.
func (c *ConnectionString) fill() *Error {
	r := c.Raw
	if v, ok := r[keyDev]; ok {
		if !strings.EqualFold(v, "true") {
			return connErr("UseDevelopmentStorage must be true when present (got %q)", v)
		}
		for _, k := range connKeys {
			if _, ok := r[k]; ok && k != keyDev && k != keyDevProxy {
				return connErr("UseDevelopmentStorage=true must stand alone (with at most DevelopmentStorageProxyUri), but %s is also set", k)
			}
		}
		c.DevelopmentStorage = true
		if p, ok := r[keyDevProxy]; ok {
			if err := checkURL(keyDevProxy, p, true); err != nil {
				return err
			}
			c.DevelopmentStorageProxyURI = p
		}
		return nil
	}
	if _, ok := r[keyDevProxy]; ok {
		return connErr("DevelopmentStorageProxyUri needs UseDevelopmentStorage=true")
	}
	if p, ok := r[keyProtocol]; ok {
		p = strings.ToLower(p)
		if p != "https" && p != "http" {
			return connErr("DefaultEndpointsProtocol must be https or http (got %q)", r[keyProtocol])
		}
		c.Protocol = p
	}
	if a, ok := r[keyAccount]; ok {
		if err := checkAccountName(a); err != nil {
			return err
		}
		c.AccountName = a
	}
	if sfx, ok := r[keySuffix]; ok {
		if strings.Contains(sfx, "://") || !validHostname(sfx) {
			return connErr("EndpointSuffix must be a DNS suffix such as core.windows.net, without https:// (got %q)", sfx)
		}
		c.EndpointSuffix = sfx
	}
	for _, k := range []string{keyBlob, keyQueue, keyTable, keyFile} {
		if v, ok := r[k]; ok {
			if err := checkURL(k, v, false); err != nil {
				return err
			}
		}
	}
	c.BlobEndpoint = r[keyBlob]

	key, hasKey := r[keyAccountKey]
	sas, hasSAS := r[keySAS]
	switch {
	case hasKey && hasSAS:
		return connErr("has both AccountKey and SharedAccessSignature; keep one of them")
	case hasKey:
		if c.AccountName == "" {
			return connErr("AccountName is missing; an AccountKey needs the name of its storage account")
		}
		if err := checkAccountKey(key); err != nil {
			return err
		}
		c.AccountKey = key
	case hasSAS:
		if c.BlobEndpoint == "" {
			return connErr("BlobEndpoint is missing; a SharedAccessSignature needs BlobEndpoint=https://<account>.blob.core.windows.net")
		}
		if err := checkSAS(sas); err != nil {
			return err
		}
		c.SharedAccessSignature = strings.TrimPrefix(sas, "?")
		c.Raw[keySAS] = c.SharedAccessSignature
	case c.AccountName != "":
		return connErr("AccountKey is missing; copy the whole connection string from the storage account's Access keys page")
	default:
		return connErr("needs AccountName and AccountKey, a BlobEndpoint and SharedAccessSignature, or UseDevelopmentStorage=true")
	}
	return nil
}

// checkAccountName applies Azure's storage account rule: 3–24 lowercase
// letters and digits.
func checkAccountName(a string) *Error {
	if n := runeCount(a); n < 3 || n > 24 {
		return connErr("AccountName must be 3–24 characters long (got %d)", n)
	}
	if r, pos := firstBad(a, isLowerOrDigit); pos > 0 {
		return connErr("AccountName has %s at position %d; storage account names are lowercase letters and digits", quoteRune(r), pos)
	}
	return nil
}

// checkAccountKey requires standard padded base64, as the portal shows it.
// The key is never echoed, not even in part.
func checkAccountKey(k string) *Error {
	if strings.HasPrefix(k, "<") {
		return connErr("AccountKey is still the placeholder; paste the key from the storage account's Access keys page")
	}
	b, err := base64.StdEncoding.DecodeString(k)
	if err != nil || len(b) == 0 {
		return connErr("AccountKey is not valid base64 (%d characters); copy it again from the Access keys page", len(k))
	}
	return nil
}

// checkSAS requires the token to look like a SAS query: key=value pairs
// joined by "&", including a signature "sig". Only parameter names are
// ever named in an error.
func checkSAS(sas string) *Error {
	q, err := url.ParseQuery(strings.TrimPrefix(sas, "?"))
	if err != nil {
		return connErr("SharedAccessSignature is not a valid SAS token (a query string such as sv=...&sig=...)")
	}
	if q.Get("sig") == "" {
		return connErr("SharedAccessSignature has no sig parameter; copy the whole SAS token")
	}
	if q.Get("sv") == "" {
		return connErr("SharedAccessSignature has no sv (version) parameter; copy the whole SAS token")
	}
	return nil
}

// checkURL checks an endpoint value: http or https, a host, no user info
// or query. Blob endpoints may carry a path (Azurite puts the account
// name there).
func checkURL(key, v string, hostOnly bool) *Error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return connErr("%s must be an http:// or https:// URL such as https://acmerecordings.blob.core.windows.net", key)
	}
	if u.User != nil {
		return connErr("%s must not contain a user name or password", key)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return connErr("%s must not have a query; put a SAS token in SharedAccessSignature", key)
	}
	if !validHostPort(u.Host) {
		return connErr("%s has an invalid host %q", key, u.Host)
	}
	if hostOnly && u.Path != "" && u.Path != "/" {
		return connErr("%s must be a host URL without a path (got path %q)", key, u.Path)
	}
	return nil
}

// Account is the storage account the connection string reaches: its
// AccountName, else the account in its blob endpoint (the host's first
// label, acct.blob.core.windows.net, or the first path segment of an
// Azurite-style http://127.0.0.1:10000/acct), devstoreaccount1 for the
// development storage; "" when none of these says.
func (c ConnectionString) Account() string {
	switch {
	case c.DevelopmentStorage:
		return devAccountName
	case c.AccountName != "":
		return c.AccountName
	}
	if u, err := url.Parse(c.BlobEndpoint); err == nil && c.BlobEndpoint != "" {
		if host, _, ok := strings.Cut(u.Hostname(), ".blob."); ok && host != "" {
			return host
		}
		if seg, _, _ := strings.Cut(strings.Trim(u.Path, "/"), "/"); seg != "" {
			return seg
		}
	}
	return ""
}

// BlobURL returns the blob service endpoint the connection string implies,
// without a trailing "/": BlobEndpoint when given, the Azurite endpoint for
// development storage, or protocol://account.blob.suffix.
func (c ConnectionString) BlobURL() string {
	switch {
	case c.DevelopmentStorage:
		if c.DevelopmentStorageProxyURI != "" {
			if u, err := url.Parse(c.DevelopmentStorageProxyURI); err == nil && u.Hostname() != "" {
				host := u.Hostname()
				if strings.Contains(host, ":") {
					host = "[" + host + "]"
				}
				return u.Scheme + "://" + host + ":10000/" + devAccountName
			}
		}
		return devBlobURL
	case c.BlobEndpoint != "":
		return strings.TrimRight(c.BlobEndpoint, "/")
	case c.AccountName != "":
		proto, suffix := c.Protocol, c.EndpointSuffix
		if proto == "" {
			proto = "https"
		}
		if suffix == "" {
			suffix = "core.windows.net"
		}
		return proto + "://" + c.AccountName + ".blob." + suffix
	}
	return ""
}

// AuthKind returns "development-storage", "account-key" or "sas", or ""
// for a value that did not come from ParseConnectionString.
func (c ConnectionString) AuthKind() string {
	switch {
	case c.DevelopmentStorage:
		return "development-storage"
	case c.AccountKey != "":
		return "account-key"
	case c.SharedAccessSignature != "":
		return "sas"
	}
	return ""
}

// pairs lists the connection string's keys and values in canonical order,
// from the typed fields first and Raw for the rest.
func (c ConnectionString) pairs() [][2]string {
	typed := map[string]string{
		keyProtocol:   c.Protocol,
		keyAccount:    c.AccountName,
		keyAccountKey: c.AccountKey,
		keySuffix:     c.EndpointSuffix,
		keyBlob:       c.BlobEndpoint,
		keySAS:        c.SharedAccessSignature,
		keyDevProxy:   c.DevelopmentStorageProxyURI,
	}
	if c.DevelopmentStorage {
		typed[keyDev] = "true"
	}
	var out [][2]string
	for _, k := range connKeys {
		v, ok := typed[k]
		if !ok || (v == "" && k != keyDev) {
			v = ""
			if k == keyQueue || k == keyTable || k == keyFile {
				v = c.Raw[k]
			}
		}
		if v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

func join(pairs [][2]string) string {
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p[0] + "=" + p[1]
	}
	return strings.Join(parts, ";")
}

// Redacted returns the connection string with the AccountKey and
// SharedAccessSignature values replaced by "•••• (set)", for display and
// logs.
func (c ConnectionString) Redacted() string {
	pairs := c.pairs()
	for i := range pairs {
		if pairs[i][0] == keyAccountKey || pairs[i][0] == keySAS {
			pairs[i][1] = redactedValue
		}
	}
	return join(pairs)
}

// SDKString returns the connection string in the form the Azure SDK for Go
// parses (azblob.NewClientFromConnectionString): canonical key names,
// because the SDK matches keys case-sensitively, and for development
// storage the explicit Azurite account, key and endpoint, because the SDK
// does not understand UseDevelopmentStorage. It holds the secrets.
func (c ConnectionString) SDKString() string {
	if c.DevelopmentStorage {
		return fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s",
			devAccountName, devAccountKey, c.BlobURL())
	}
	return join(c.pairs())
}
