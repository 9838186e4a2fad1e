package serve

import (
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// tenantName is a lowercase slug: it names a folder and is the SSH user
// name of key logins, so nothing that a path or a shell would read twice.
var tenantName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidTenant checks a tenant name.
func ValidTenant(name string) error {
	if !tenantName.MatchString(name) {
		return &validate.Error{Field: "TENANT", Rule: fmt.Sprintf("must be 1 to 63 of a-z, 0-9, - and _, starting with a letter or digit (got %q)", name), Example: "acme"}
	}
	if name == onboardUser {
		return &validate.Error{Field: "TENANT", Rule: fmt.Sprintf("%q is the user name for typing a code", onboardUser), Example: "acme"}
	}
	return nil
}

// Layout of the --tenants folder:
//
//	DIR/<tenant>/config.yaml      the tenant's locations file (0600)
//	DIR/<tenant>/authorized_keys  public keys that log in as <tenant>
//	DIR/invites/<hash>.json       open onboarding codes (only their hash)
//	DIR/invites/used/<hash>.json  codes that were used
//	DIR/audit.jsonl               the audit log (default)

// LocationsPath is the locations file of tenant under root.
func LocationsPath(root, tenant string) string {
	return filepath.Join(root, tenant, "config.yaml")
}

func authorizedKeysPath(root, tenant string) string {
	return filepath.Join(root, tenant, "authorized_keys")
}

// loadTenant reads the tenant's locations file (an empty one when missing)
// with the server's platform settings in place of whatever it holds, so a
// session tests and saves with the vendor's principals and the file stays
// usable on its own by `stowage --config FILE export`.
func loadTenant(root, tenant string, platform config.Platform) (*config.File, error) {
	f, err := config.Load(LocationsPath(root, tenant))
	if err != nil {
		return nil, err
	}
	f.Platform = platform
	return f, nil
}
