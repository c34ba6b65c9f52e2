package catalog

import (
	"slices"
	"strings"

	"github.com/slatehq/slate/incident"
)

// audience is who reads a text shown word for word to every reader of
// something: the public or not, and the tenants.
type audience struct {
	public  bool
	tenants []string
}

// others are the readers in a besides tenant, in words.
func (a audience) others(tenant string) []string {
	var out []string
	if a.public {
		out = append(out, "the public")
	}
	for _, t := range a.tenants {
		if t != tenant {
			out = append(out, "tenant "+t)
		}
	}
	return out
}

// checkNames refuses text in field when it names a tenant whom another
// reader in a would learn of. what says what the readers read ("this
// incident").
func (c *Catalog) checkNames(field, text, what string, a audience) error {
	return c.refuseNames(field, text, what, "every reader reads this text as written, so it names no tenant", a)
}

// refuseNames is checkNames saying why with rule.
func (c *Catalog) refuseNames(field, text, what, rule string, a audience) error {
	for _, n := range c.NamedTenants(text) {
		if others := a.others(n); len(others) > 0 {
			return fieldErr(field, "names tenant %s, whom other readers of %s (%s) would learn of: %s; each tenant sees its own impact on its page",
				n, what, strings.Join(others, ", "), rule)
		}
	}
	return nil
}

// CheckReaderText refuses text in field (an incident's title, a person's
// update on it) when it names a tenant that some other reader of inc, an
// incident affecting the tenants affected, would learn of: the public, or
// another tenant that sees it (IncidentFor). Every reader reads the title
// and the updates as written.
func (c *Catalog) CheckReaderText(field, text string, inc incident.Incident, affected []string) error {
	if len(c.NamedTenants(text)) == 0 {
		return nil
	}
	return c.checkNames(field, text, "this incident", c.incidentAudience(inc, affected))
}

// incidentAudience is who reads inc, an incident affecting the tenants
// affected: the public if it sees it, and the tenants that do, through any
// of its services (IncidentReaders).
func (c *Catalog) incidentAudience(inc incident.Incident, affected []string) audience {
	_, _, public := c.IncidentFor(PublicReader(), inc, affected)
	return audience{public: public, tenants: c.IncidentReaders(inc, affected)}
}

// CheckMaintenanceReaderText refuses text in field (a maintenance window's
// title, description or an update on it) when it names a tenant that some
// other reader of a window on services would learn of: every tenant with
// a contract on one of them reads the window, and the public reads it when
// one of them is public.
func (c *Catalog) CheckMaintenanceReaderText(field, text string, services []string) error {
	var a audience
	for _, id := range services {
		if s, ok := c.Service(id); ok && s.Public {
			a.public = true
		}
		for _, t := range c.ServiceTenants(id) {
			if !slices.Contains(a.tenants, t) {
				a.tenants = append(a.tenants, t)
			}
		}
	}
	slices.Sort(a.tenants)
	return c.checkNames(field, text, "this window", a)
}

// CheckMaintenanceReaderTexts checks a window's title and description
// (CheckMaintenanceReaderText) as it is announced on services.
func (c *Catalog) CheckMaintenanceReaderTexts(services []string, title, description string) error {
	if err := c.CheckMaintenanceReaderText("title", title, services); err != nil {
		return err
	}
	return c.CheckMaintenanceReaderText("description", description, services)
}
