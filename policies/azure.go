package policies

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/validate"
)

// DefaultSASExpiryDays is the SAS lifetime suggested when the location sets
// none.
const DefaultSASExpiryDays = 365

// MaxUserDelegationDays is Azure's limit on a user delegation SAS.
const MaxUserDelegationDays = 7

// SASPermission is one letter of a SAS token's permissions (sp).
type SASPermission struct {
	Letter string
	// Grants says what the letter allows, e.g. "read blobs".
	Grants string
	// For says why the location needs it; empty for a letter it does not.
	For string
}

// sasOrder is the order Azure defines for the letters of sp.
const sasOrder = "racwdxyltfmeopi"

// sasGrants says what each SAS permission letter allows (container and
// account SAS on the Blob service).
var sasGrants = map[rune]string{
	'r': "read blobs",
	'a': "add blocks to append blobs",
	'c': "create new blobs",
	'w': "write and overwrite blobs",
	'd': "delete blobs",
	'x': "delete blob versions",
	'y': "permanently delete blobs",
	'l': "list blobs",
	't': "read and write blob tags",
	'f': "find blobs by tag",
	'm': "move blobs",
	'e': "execute",
	'o': "set owners",
	'p': "set permissions",
	'i': "set immutability policies",
}

// AzureSASNeeds returns the SAS permission letters an Azure location
// needs, in the order Azure defines (racwdl...), each with why: create,
// write and list always, read for read back, delete for delete. It is the
// one list the generated SAS commands and the connection test's
// permission check use.
func AzureSASNeeds(az *config.Azure) []SASPermission {
	need := map[rune]string{
		'c': "creating new blobs",
		'w': "writing blocks and committing uploads",
		'l': "listing blobs (connection test, resume)",
	}
	if az.ReadBack {
		need['r'] = "reading blobs back (read back is on)"
	}
	if az.Delete {
		need['d'] = "deleting blobs (delete is on)"
	}
	var out []SASPermission
	for _, l := range sasOrder {
		if why, ok := need[l]; ok {
			out = append(out, SASPermission{Letter: string(l), Grants: sasGrants[l], For: why})
		}
	}
	return out
}

// AzureSASExtra returns the letters of sp the location does not need, in
// Azure's order, each with what it grants (unknown letters say so): a SAS
// that grants them is more than least privilege.
func AzureSASExtra(az *config.Azure, sp string) []SASPermission {
	need := map[string]bool{}
	for _, n := range AzureSASNeeds(az) {
		need[n.Letter] = true
	}
	var out []SASPermission
	seen := map[rune]bool{}
	add := func(l rune) {
		if seen[l] || need[string(l)] || !strings.ContainsRune(sp, l) {
			return
		}
		seen[l] = true
		g, ok := sasGrants[l]
		if !ok {
			g = "a permission Stowage does not know"
		}
		out = append(out, SASPermission{Letter: string(l), Grants: g})
	}
	for _, l := range sasOrder {
		add(l)
	}
	for _, l := range sp {
		add(l)
	}
	return out
}

// sasPermissions returns the container SAS permissions Stowage needs, in
// the order Azure defines (racwdl...), as sp.
func sasPermissions(az *config.Azure) string {
	var b strings.Builder
	for _, n := range AzureSASNeeds(az) {
		b.WriteString(n.Letter)
	}
	return b.String()
}

// azureEndpoint returns the storage account name and blob endpoint the
// connection string implies, with placeholders when it is empty or does not
// parse. It returns nothing secret: no AccountKey, no SAS.
func azureEndpoint(cs string) (account, blob string, known bool) {
	const placeholder = "<storage-account>"
	if strings.TrimSpace(cs) == "" {
		return placeholder, "https://" + placeholder + ".blob.core.windows.net", false
	}
	c, err := validate.ParseConnectionString(cs)
	if err != nil {
		return placeholder, "https://" + placeholder + ".blob.core.windows.net", false
	}
	blob = c.BlobURL()
	account = c.AccountName
	if account == "" {
		if u, err := url.Parse(blob); err == nil {
			if name, _, ok := strings.Cut(u.Hostname(), ".blob."); ok {
				account = name
			}
		}
	}
	if c.DevelopmentStorage {
		account = "devstoreaccount1"
	}
	if account == "" {
		return placeholder, blob, false
	}
	return account, blob, true
}

// azureCloud names the sovereign Azure cloud of a blob endpoint, for
// az cloud set, or "" for the public cloud.
func azureCloud(blob string) string {
	u, err := url.Parse(blob)
	if err != nil {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case strings.HasSuffix(host, ".chinacloudapi.cn"):
		return "AzureChinaCloud"
	case strings.HasSuffix(host, ".usgovcloudapi.net"):
		return "AzureUSGovernment"
	}
	return ""
}

func dateExpr(days int) string {
	return fmt.Sprintf("$(date -u -d '+%d days' +%%Y-%%m-%%dT%%H:%%MZ)", days)
}

// AzureSAS returns the instructions for giving Stowage access to an Azure
// container: the SAS permissions explained, the az commands that make a
// user delegation SAS (preferred) or an account-key SAS, the connection
// string to paste, and the RBAC alternative. The expiry is a date command
// rather than a fixed date, so the text stays right when copied later.
func AzureSAS(loc config.Location) (string, error) {
	const doc = "Azure SAS instructions"
	if loc.Type != config.TypeAzure || loc.Azure == nil {
		return "", fmt.Errorf("%w: the %s are for Azure Blob locations, and location %q is of type %q", ErrNotApplicable, doc, loc.Name, string(loc.Type))
	}
	az := loc.Azure
	if az.Container == "" {
		return "", missing(doc, "the container name", "azure.container", "set it to the container's name, e.g. container: call-recordings")
	}
	days := az.SASExpiryDays
	if days == 0 {
		days = DefaultSASExpiryDays
	}
	if days < 0 {
		return "", fmt.Errorf("%s: azure.sas_expiry_days must be a positive number of days such as 365, not %d", doc, az.SASExpiryDays)
	}
	udDays := min(days, MaxUserDelegationDays)
	account, blob, known := azureEndpoint(az.ConnectionString)
	perms := sasPermissions(az)

	var b strings.Builder
	fmt.Fprintf(&b, "Azure Blob access for Stowage location %q\n", loc.Name)
	fmt.Fprintf(&b, "Storage account: %s    Container: %s\n", account, az.Container)
	if !known {
		b.WriteString("(The storage account name is not known from the connection string yet: replace <storage-account> below.)\n")
	}
	b.WriteString("\nWhat Stowage needs on this container, and nothing on the rest of the account:\n")
	if az.ReadBack {
		b.WriteString("  r  read    read blobs back, to verify and download exports (read back is on)\n")
	}
	b.WriteString("  c  create  create a new blob for each exported recording\n")
	b.WriteString("  w  write   write blob content block by block, so large uploads resume where they stopped\n")
	if az.Delete {
		b.WriteString("  d  delete  delete blobs, for download --delete-after (delete is on)\n")
	}
	b.WriteString("  l  list    list blobs, to resume an export and for the connection test\n")
	fmt.Fprintf(&b, "SAS permissions: %s, scoped to the container, HTTPS only.\n", perms)
	if az.Prefix != "" {
		fmt.Fprintf(&b, "A container SAS cannot be narrowed to the prefix %q: if other data lives in\nthis container, give Stowage a container of its own.\n", az.Prefix)
	}

	if cloud := azureCloud(blob); cloud != "" {
		fmt.Fprintf(&b, "\nThis account is in %s: run az cloud set --name %s before az login.\n", cloud, cloud)
	}

	fmt.Fprintf(&b, `
Option 1 (preferred): user delegation SAS
  Signed with your Microsoft Entra ID sign-in instead of the account key, so
  no account key is involved and revoking your user delegation keys revokes
  it. Azure caps it at %d days, so make a new one before it runs out (or use
  option 2 for a standing connection). Your sign-in needs the Storage Blob
  Delegator role on the storage account (to get a user delegation key) and a
  data role on the container covering %s, such as the RBAC assignment below.

  az login
  SAS=$(az storage container generate-sas \
    --account-name %s \
    --name %s \
    --permissions %s \
    --expiry "%s" \
    --https-only \
    --auth-mode login \
    --as-user \
    --output tsv)
`, MaxUserDelegationDays, perms, shellArg(account), shellArg(az.Container), perms, dateExpr(udDays))

	fmt.Fprintf(&b, `
Option 2: account-key SAS, valid %d days
  az reads the account key with your sign-in (which needs the right to list
  the account's keys) to sign the SAS; the key itself is never printed. Such a SAS can only be revoked early by rotating the key
  that signed it.

  SAS=$(az storage container generate-sas \
    --account-name %s \
    --name %s \
    --permissions %s \
    --expiry "%s" \
    --https-only \
    --auth-mode key \
    --output tsv)

  The date commands above are GNU date (Linux, Cloud Shell). On macOS use
  $(date -u -v+%dd +%%Y-%%m-%%dT%%H:%%MZ) instead.
`, days, shellArg(account), shellArg(az.Container), perms, dateExpr(days), days)

	fmt.Fprintf(&b, `
Connection string for Stowage (either option)
  echo "BlobEndpoint=%s/;SharedAccessSignature=$SAS"
  Paste the printed line into Stowage's Connection string field. It holds the
  SAS, which is a secret: keep it out of tickets, chat and shell history files.
`, blob)

	scope := "/subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/Microsoft.Storage/storageAccounts/" +
		account + "/blobServices/default/containers/" + az.Container
	fmt.Fprintf(&b, `
Alternative: RBAC instead of a SAS
  Grant a Microsoft Entra ID identity (a user, group, service principal or
  managed identity) data access to this container only:

  az role assignment create \
    --role "Storage Blob Data Contributor" \
    --assignee <object ID or sign-in name> \
    --scope %s

  The storage account's full ID, subscription and resource group included, is
  printed by: az storage account show --name %s --query id --output tsv
  Storage Blob Data Contributor also allows read and delete (no built-in role
  is narrower); scoping it to the container keeps the rest of the account out
  of reach. Stowage itself connects with the connection string above: this
  assignment is what lets the identity that signs option 1 grant the SAS, and
  lets your own tools reach the container without any key.
`, shellArg(scope), shellArg(account))
	return b.String(), nil
}
