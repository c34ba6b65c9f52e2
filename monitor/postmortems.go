package monitor

import (
	"context"
	"fmt"
	"html/template"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
)

// A published post-mortem is one text that every reader of its incident
// reads: the public's page, each tenant's, the feeds. So slate's template
// gives it the view all of them may read and the impact as a total, a
// text naming a tenant is refused at publication
// (catalog.CheckPostmortemNames) and withheld from the readers it would
// tell of another tenant (a text published before that check), and each
// tenant's own impact is shown on its own page beside it.

// PostmortemTemplate is the markdown slate pre-fills a post-mortem of inc
// with: the view of it every reader may read (catalog.PublishedView) and
// the total of its impact as of now.
func PostmortemTemplate(ctx context.Context, h credit.ImpactHistory, cat *catalog.Catalog, inc db.Incident, now time.Time) (string, error) {
	total, err := incident.TotalImpact(credit.Impact(ctx, h, cat, inc.Incident, inc.Tenants, now))
	if err != nil {
		return "", err
	}
	return incident.Template(cat.PublishedView(inc.Incident, inc.Tenants), total), nil
}

// readersPostmortem is stored's published post-mortem as r may read it,
// rendered, and when it was published; "" when there is none, or when its
// text names a tenant other than r's own.
func (a *Monitor) readersPostmortem(ctx context.Context, cat *catalog.Catalog, r catalog.Reader, stored db.Incident) (template.HTML, time.Time, error) {
	if stored.PublishedPostmortem == 0 {
		return "", time.Time{}, nil
	}
	pm, err := a.publishedPostmortem(ctx, cat, stored.ID, stored.PublishedPostmortem)
	if err != nil {
		return "", time.Time{}, err
	}
	for _, t := range pm.named {
		if !r.Staff && t != r.Tenant {
			a.log.Warn("post-mortem withheld: its text names a tenant", "incident", stored.ID, "version", stored.PublishedPostmortem,
				"names", t, "reader", readerName(r))
			return "", time.Time{}, nil
		}
	}
	return pm.html, pm.published, nil
}

func readerName(r catalog.Reader) string {
	if r.Tenant == "" {
		return "the public"
	}
	return "tenant " + r.Tenant
}

// ownImpact is, for tenant r, its impact lines of an incident whose
// post-mortem is published: its breach minutes and credit exposure per
// contract on the service, over its view of the incident. Computed once
// per incident revision and tenant. Called under refreshMu, which guards
// the cache.
func (a *Monitor) ownImpact(ctx context.Context, cat *catalog.Catalog, r catalog.Reader, stored db.Incident, view incident.Incident, now time.Time) []string {
	if r.Tenant == "" || stored.PublishedPostmortem == 0 {
		return nil
	}
	key := impactKey{stored.ID, stored.Revision, r.Tenant}
	if lines, ok := a.impacts[key]; ok {
		return lines
	}
	var lines []string
	for _, im := range credit.Impact(ctx, a.store, cat, view, []string{r.Tenant}, now) {
		lines = append(lines, fmt.Sprintf("%s: %s breach minutes, %s %s credit exposure", im.Contract, im.BreachMinutes, im.Exposure, im.Currency))
	}
	if a.impacts == nil {
		a.impacts = map[impactKey][]string{}
	}
	a.impacts[key] = lines
	return lines
}

// impactKey names a tenant's impact lines of one revision of an incident.
type impactKey struct {
	incident, revision int64
	tenant             string
}

// forgetImpacts drops the impact lines of incidents the pages no longer
// show, and of their earlier revisions. Called under refreshMu.
func (a *Monitor) forgetImpacts(shown []db.Incident) {
	current := make(map[[2]int64]bool, len(shown))
	for _, inc := range shown {
		current[[2]int64{inc.ID, inc.Revision}] = true
	}
	for k := range a.impacts {
		if !current[[2]int64{k.incident, k.revision}] {
			delete(a.impacts, k)
		}
	}
}
