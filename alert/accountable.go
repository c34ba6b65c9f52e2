package alert

import (
	"slices"
	"time"

	"github.com/slatehq/slate/db"
)

// Accountable is the incident that accounts for a burn-rate alert of a
// contract on services, for tenant, firing at now over its long window: an
// incident of one of the services that affects the tenant (or names no
// tenant) and was open at some moment of the window (now-long, now]. The
// open one is preferred, then the one that ended last. ok is false when
// none does: the burn then pages on its own. One outage pages once: its
// incident, not also the budget it burns.
func Accountable(incs []db.Incident, services []string, tenant string, long time.Duration, now time.Time) (db.Incident, bool) {
	var best db.Incident
	found := false
	for _, inc := range incs {
		if !slices.Contains(services, inc.Service) || len(inc.Tenants) > 0 && !slices.Contains(inc.Tenants, tenant) {
			continue
		}
		if inc.Started.After(now) || !inc.Open() && !inc.Ended.After(now.Add(-long)) {
			continue
		}
		switch {
		case !found, inc.Open() && !best.Open(), inc.Open() == best.Open() && inc.Ended.After(best.Ended):
			best, found = inc, true
		}
	}
	return best, found
}
