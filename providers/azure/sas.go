package azure

import (
	"fmt"
	"strings"
	"time"
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

// neededPermission is one SAS permission letter Stowage needs and why.
type neededPermission struct {
	Letter string
	For    string
}

// neededPermissions lists the SAS letters the location's settings need.
func neededPermissions(readBack, del bool) []neededPermission {
	need := []neededPermission{
		{"c", "creating new blobs"},
		{"w", "writing blocks and committing uploads"},
		{"l", "listing blobs (connection test, resume)"},
	}
	if readBack {
		need = append(need, neededPermission{"r", "reading blobs back (read back is on)"})
	}
	if del {
		need = append(need, neededPermission{"d", "deleting blobs (delete is on)"})
	}
	return need
}

// missingPermissions returns the needed letters absent from sp.
func missingPermissions(sp string, readBack, del bool) []neededPermission {
	var out []neededPermission
	for _, n := range neededPermissions(readBack, del) {
		if !strings.Contains(sp, n.Letter) {
			out = append(out, n)
		}
	}
	return out
}
