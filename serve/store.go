package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/stowage-dev/stowage/config"
	"github.com/stowage-dev/stowage/internal/humanize"
	"github.com/stowage-dev/stowage/providers"
)

// errLocalServed is why a session cannot use a local folder: the folder
// would be on the vendor's server, not the customer's.
var errLocalServed = errors.New("local folders are not offered over SSH: the folder would be on the vendor's server, not yours; pick Amazon S3 or Azure Blob Storage instead")

// tenantStore is one session's access to its tenant's locations file. It
// saves only there, with the server's platform settings, and writes the
// audit events of what changed.
type tenantStore struct {
	s      *Server
	path   string
	ev     Event
	mu     sync.Mutex
	before map[string]string // location name → fingerprint, as last saved
}

func newTenantStore(s *Server, tenant string, ev Event, f *config.File) *tenantStore {
	return &tenantStore{s: s, path: LocationsPath(s.cfg.Tenants, tenant), ev: ev, before: fingerprints(f)}
}

// fingerprints identify each location's settings, leaving out the times
// and the last test, so a re-test alone is not a change.
func fingerprints(f *config.File) map[string]string {
	out := map[string]string{}
	if f == nil {
		return out
	}
	for _, l := range f.Locations {
		l.UpdatedAt, l.LastTest = l.CreatedAt, nil
		b, _ := json.Marshal(l)
		out[l.Name] = string(b)
	}
	return out
}

// save is the wizard's Save: the path it is given is only the label shown
// on screen; the tenant's file is the one written.
func (t *tenantStore) save(_ string, f *config.File) error {
	for _, l := range f.Locations {
		if l.Type == config.TypeLocal {
			return fmt.Errorf("location %q: %w", l.Name, errLocalServed)
		}
	}
	f.Platform = t.s.cfg.Platform
	if err := config.Save(t.path, f); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	after := fingerprints(f)
	types := map[string]string{}
	for _, l := range f.Locations {
		types[l.Name] = string(l.Type)
	}
	for _, l := range f.Locations {
		e := t.ev
		e.Location, e.Type = l.Name, types[l.Name]
		old, had := t.before[l.Name]
		switch {
		case !had:
			e.Event = evLocationAdded
		case old != after[l.Name]:
			e.Event = evLocationChanged
		default:
			continue
		}
		t.s.record(e)
	}
	for name := range t.before {
		if _, ok := after[name]; !ok {
			e := t.ev
			e.Event, e.Location = evLocationDeleted, name
			t.s.record(e)
		}
	}
	t.before = after
	return nil
}

// open is the wizard's Open: local folders are refused, and every test's
// result goes to the audit log.
func (t *tenantStore) open(ctx context.Context, loc config.Location) (providers.Provider, error) {
	if loc.Type == config.TypeLocal {
		return nil, errLocalServed
	}
	p, err := t.s.cfg.Open(ctx, loc)
	if err != nil {
		return nil, err
	}
	a := auditedProvider{Provider: p, t: t, loc: loc}
	if d, ok := p.(providers.RegionDetector); ok {
		return auditedDetector{auditedProvider: a, RegionDetector: d}, nil
	}
	return a, nil
}

type auditedProvider struct {
	providers.Provider
	t   *tenantStore
	loc config.Location
}

func (a auditedProvider) Test(ctx context.Context, emit func(providers.Check)) (providers.Report, error) {
	r, err := a.Provider.Test(ctx, emit)
	e := a.t.ev
	e.Event, e.Location, e.Type = evTest, a.loc.Name, string(a.loc.Type)
	if err != nil {
		e.Reason = "not run to the end: " + err.Error()
	} else {
		ok := r.OK()
		e.OK = &ok
		e.Summary = summarize(r)
	}
	a.t.s.record(e)
	return r, err
}

type auditedDetector struct {
	auditedProvider
	providers.RegionDetector
}

// summarize counts the checks and names the failed ones by title.
func summarize(r providers.Report) string {
	count := map[providers.Status]int{}
	var failed []string
	for _, c := range r.Checks {
		count[c.Status]++
		if c.Status == providers.StatusFail && !c.Advisory {
			failed = append(failed, c.Title)
		}
	}
	s := fmt.Sprintf("%d passed, %s, %d failed, %d skipped",
		count[providers.StatusPass], humanize.Count(count[providers.StatusWarn], "warning"), len(failed), count[providers.StatusSkipped])
	if len(failed) > 0 {
		s += " — failed: " + fmt.Sprint(failed)
	}
	return s
}
