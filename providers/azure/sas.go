package azure

import (
	"fmt"
	"strings"
	"time"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/policies"
)

// sasTimeLayouts are the ISO 8601 forms Azure accepts for st and se.
var sasTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02"}

func parseSASTime(s string) (time.Time, error) {
	for _, l := range sasTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 UTC time such as 2027-01-31T00:00:00Z", s)
}

// sasExpiry returns the SAS token's expiry (se) when it has one.
func (p *Provider) sasExpiry() (time.Time, bool) {
	if p.sas == nil || p.sas.Get("se") == "" {
		return time.Time{}, false
	}
	t, err := parseSASTime(p.sas.Get("se"))
	return t, err == nil
}

// missingPermissions returns the needed letters absent from sp; what is
// needed comes from policies.AzureSASNeeds, which the generated SAS
// commands use too.
func missingPermissions(sp string, readBack, del bool) []policies.SASPermission {
	var out []policies.SASPermission
	for _, n := range policies.AzureSASNeeds(&config.Azure{ReadBack: readBack, Delete: del}) {
		if !strings.Contains(sp, n.Letter) {
			out = append(out, n)
		}
	}
	return out
}
