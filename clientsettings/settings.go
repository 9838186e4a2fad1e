// Package clientsettings turns a saved location into the values a person
// types into an ordinary storage client (S3 Browser, Cyberduck, an FTP
// client with S3 support) or into ready configuration for rclone, s3cmd, a
// Cyberduck bookmark and an AWS CLI profile, so the recordings an export
// wrote can be fetched with the customer's own tools.
//
// Secrets (secret access key, Azure account key or SAS) are masked unless
// the caller asks to reveal them.
package clientsettings

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// Masked replaces a secret that is set but not revealed; it is the same
// marker `stowage show` uses.
const Masked = config.RedactedSecret

// Settings are the connection values of one location, as a client needs
// them. Secret fields hold the real value; renderers mask them unless told
// to reveal.
type Settings struct {
	Location string
	Type     config.Type

	// S3 and S3-compatible locations.

	// AWS is true for Amazon S3 itself, false for an S3-compatible store
	// reached through a custom endpoint.
	AWS bool
	// Host is the regional endpoint ("s3.us-west-1.amazonaws.com") or the
	// custom endpoint's host, without the port.
	Host string
	Port int
	TLS  bool
	// Endpoint is the endpoint URL ("https://s3.us-west-1.amazonaws.com").
	Endpoint  string
	Region    string
	Bucket    string
	Prefix    string // "" or ending in "/"
	PathStyle bool
	// CABundle is a PEM file the client must trust (self-signed stores).
	CABundle string
	Auth     config.AuthMode
	// AccessKeyID and SecretAccessKey are set in keys mode.
	AccessKeyID     string
	SecretAccessKey string
	// RoleARN and ExternalID are set in role mode; SourceProfile names the
	// platform's AWS profile whose credentials assume the role.
	RoleARN         string
	ExternalID      string
	SourceProfile   string
	SessionDuration int // seconds; 0 means the client's default

	// Azure Blob locations.

	AccountName  string
	BlobEndpoint string // "https://acme.blob.core.windows.net"
	Container    string
	// AzureAuth is "account-key", "sas" or "development-storage".
	AzureAuth string
	// AccountKey or SAS (without "?") is the secret of the connection string.
	AccountKey string
	SAS        string
}

// RemotePath is what clients call the remote path or external bucket:
// "bucket/prefix/" (or "container/prefix/").
func (s Settings) RemotePath() string {
	if s.Type == config.TypeAzure {
		return s.Container + "/" + s.Prefix
	}
	return s.Bucket + "/" + s.Prefix
}

// RegionalHost is the regional S3 endpoint host of an AWS region, such as
// "s3.us-west-1.amazonaws.com" ("s3.cn-north-1.amazonaws.com.cn" in China).
// The regional form is used even for us-east-1: the global
// s3.amazonaws.com redirects requests for buckets elsewhere, which many
// clients do not follow.
func RegionalHost(region string) string {
	if region == "" {
		region = "us-east-1"
	}
	host := "s3." + region + ".amazonaws.com"
	if validate.Partition(region) == "aws-cn" {
		host += ".cn"
	}
	return host
}

// FromLocation collects the settings of loc. platform supplies the AWS
// profile that assumes roles in role mode. A local folder location has no
// client settings and is refused.
func FromLocation(loc config.Location, platform config.Platform) (Settings, error) {
	s := Settings{Location: loc.Name, Type: loc.Type}
	switch loc.Type {
	case config.TypeS3:
		if loc.S3 == nil {
			return s, fmt.Errorf("location %q has type s3 but no s3 settings", loc.Name)
		}
		return fromS3(s, loc.S3, platform)
	case config.TypeAzure:
		if loc.Azure == nil {
			return s, fmt.Errorf("location %q has type azure-blob but no azure settings", loc.Name)
		}
		return fromAzure(s, loc.Azure)
	case config.TypeLocal:
		path := ""
		if loc.Local != nil {
			path = loc.Local.Path
		}
		return s, &validate.Error{Field: "location", Rule: fmt.Sprintf("%q is a local folder (%s); open it with your file manager, it needs no client settings", loc.Name, path),
			Example: "stowage client-settings <an S3 or Azure location>"}
	}
	return s, fmt.Errorf("location %q has unknown type %q", loc.Name, loc.Type)
}

func fromS3(s Settings, c *config.S3, platform config.Platform) (Settings, error) {
	s.Region, s.Bucket, s.Prefix = c.Region, c.Bucket, validate.NormalizePrefix(c.Prefix)
	s.PathStyle, s.CABundle, s.Auth = c.PathStyle, c.CABundle, c.Auth
	if c.Endpoint == "" {
		s.AWS, s.TLS, s.Port = true, true, 443
		s.Host = RegionalHost(c.Region)
		s.Endpoint = "https://" + s.Host
	} else {
		u, err := url.Parse(c.Endpoint)
		if err != nil || u.Host == "" {
			return s, &validate.Error{Field: "endpoint", Rule: fmt.Sprintf("%q is not a URL with a host", c.Endpoint), Example: "https://minio.example.com:9000"}
		}
		s.TLS = u.Scheme != "http"
		s.Host = u.Hostname()
		s.Port = 443
		if !s.TLS {
			s.Port = 80
		}
		if p := u.Port(); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return s, &validate.Error{Field: "endpoint", Rule: fmt.Sprintf("port %q is not a number", p), Example: "https://minio.example.com:9000"}
			}
			s.Port = n
		}
		s.Endpoint = strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/")
	}
	switch c.Auth {
	case config.AuthKeys:
		s.AccessKeyID, s.SecretAccessKey = c.AccessKeyID, c.SecretAccessKey
	case config.AuthRole:
		s.RoleARN, s.ExternalID = c.RoleARN, c.ExternalID
		s.SourceProfile = platform.AWSProfile
		if s.SourceProfile == "" {
			s.SourceProfile = "default"
		}
		s.SessionDuration = int(platform.SessionDuration.Seconds())
	}
	return s, nil
}

func fromAzure(s Settings, a *config.Azure) (Settings, error) {
	s.Container, s.Prefix = a.Container, validate.NormalizePrefix(a.Prefix)
	cs, err := validate.ParseConnectionString(a.ConnectionString)
	if err != nil {
		return s, err
	}
	s.BlobEndpoint = cs.BlobURL()
	s.AzureAuth = cs.AuthKind()
	s.AccountKey, s.SAS = cs.AccountKey, cs.SharedAccessSignature
	s.AccountName = cs.AccountName
	if cs.DevelopmentStorage {
		s.AccountName = "devstoreaccount1"
	}
	if s.AccountName == "" {
		s.AccountName = accountFromURL(s.BlobEndpoint)
	}
	if u, err := url.Parse(s.BlobEndpoint); err == nil {
		s.TLS = u.Scheme == "https"
	}
	return s, nil
}

// accountFromURL finds the account name in a blob endpoint: the first label
// of "acme.blob.core.windows.net", or the first path segment of an
// emulator's "http://127.0.0.1:10000/devstoreaccount1".
func accountFromURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if seg := strings.Trim(u.Path, "/"); seg != "" {
		return strings.SplitN(seg, "/", 2)[0]
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		return ""
	}
	if i := strings.Index(host, ".blob."); i > 0 {
		return host[:i]
	}
	return ""
}
