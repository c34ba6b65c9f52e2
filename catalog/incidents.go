package catalog

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slatehq/slate/incident"
)

// Reader is who reads an incident: staff (every check and tenant), one
// tenant (Tenant), or the public (neither).
type Reader struct {
	Staff  bool
	Tenant string // the tenant reading; "" for the public (and staff)
}

// PublicReader is the reader of the public status page, its API and feed.
func PublicReader() Reader { return Reader{} }

// TenantReader is tenant's reader: its page, API, feed and viewers.
func TenantReader(tenant string) Reader { return Reader{Tenant: tenant} }

// SeesCheckOf reports whether r may read what a check measuring tenant
// ("" for a shared check) showed.
func (r Reader) SeesCheckOf(tenant string) bool { return r.Staff || SeesCheckOf(r.Tenant, tenant) }

// IncidentFor is inc, an incident affecting the tenants affected, as r may
// read it; the tenants r may learn it affects; and whether r sees it.
//
//   - Staff read it whole, titled (IncidentTitle).
//   - No other reader reads detection's entries, notes for staff or
//     changes of severity: only people's updates (incident.ForReaders).
//     Detection's entries still decide which part of the incident a
//     reader sees, as below.
//   - A reader sees the incident only through its services that reader
//     may read (the public: public services; a tenant: the services of
//     its contracts); the view names those services alone.
//   - An incident whose entries record their causes is r's view of it
//     (incident.View): the part the checks r may read showed.
//   - An incident people opened is seen, from its start, by the tenants
//     it affects and, on the public page, by the public (OnPublicPage);
//     detection's entries in it are filtered as in a view.
//   - An incident whose entries record no cause (stored before causes
//     were) is seen whole by the same readers.
//
// A tenant learns only that an incident affects it; the public learns no
// tenant.
func (c *Catalog) IncidentFor(r Reader, inc incident.Incident, affected []string) (incident.Incident, []string, bool) {
	if r.Staff {
		inc.Title = c.IncidentTitle(inc)
		return inc, affected, true
	}
	services := c.readersServices(r, inc, affected)
	if len(services) == 0 {
		return incident.Incident{}, nil, false // none of its services is the reader's
	}
	v, mine, ok := c.partFor(r, inc, affected)
	if !ok {
		return incident.Incident{}, nil, false
	}
	v.Service, v.Also = services[0], services[1:]
	v.Title = c.IncidentTitle(v)
	v.Timeline = v.ReadersTimeline()
	return v, mine, true
}

// partFor is the part of inc r sees (see IncidentFor), with every entry
// but the notes for staff and the changes of severity.
func (c *Catalog) partFor(r Reader, inc incident.Incident, affected []string) (incident.Incident, []string, bool) {
	inc.Timeline = slices.DeleteFunc(slices.Clone(inc.Timeline), func(e incident.Entry) bool {
		return e.Kind == incident.KindNote || e.Kind == incident.KindSeverity
	})
	var mine []string
	if r.Tenant != "" {
		mine = []string{r.Tenant}
	}
	caused := incident.Caused(inc)
	if byAffected(inc) {
		// The public's services were chosen by whom it affects
		// (readersServices); a tenant sees it if it is affected.
		if r.Tenant != "" && !TenantSeesIncident(r.Tenant, affected) {
			return incident.Incident{}, nil, false
		}
		if !caused {
			return inc, mine, true
		}
	}
	v, ok := incident.View(inc, r.SeesCheckOf)
	if !ok {
		return incident.Incident{}, nil, false
	}
	return v, mine, true
}

// byAffected reports whether who sees inc follows from the tenants it
// affects rather than from its entries' causes: an incident people opened,
// or one stored before entries recorded their causes.
func byAffected(inc incident.Incident) bool {
	return !incident.Caused(inc) || incident.OpenedByPeople(inc)
}

// readersServices are the services of inc that r may read, in inc's
// order: a tenant, those of its contracts; the public, the public
// services — of an incident seen by whom it affects (byAffected), those
// on the public page for the tenants affected (OnPublicPage), each judged
// on its own, so neither the order of the services nor a private one
// among them decides what the public sees.
func (c *Catalog) readersServices(r Reader, inc incident.Incident, affected []string) []string {
	public := byAffected(inc)
	var out []string
	for _, id := range inc.Services() {
		s, known := c.Service(id)
		switch {
		case !known:
		case r.Tenant != "":
			if slices.Contains(c.ServiceTenants(id), r.Tenant) {
				out = append(out, id)
			}
		case public && c.OnPublicPage(id, affected), !public && s.Public:
			out = append(out, id)
		}
	}
	return out
}

// IncidentTitle is inc's title: the one people gave it, or, for one
// detection opened, one made from its service's name
// (incident.DefaultTitle).
func (c *Catalog) IncidentTitle(inc incident.Incident) string {
	if strings.TrimSpace(inc.Title) != "" {
		return inc.Title
	}
	name := inc.Service
	if s, ok := c.Service(inc.Service); ok && s.Name != "" {
		name = s.Name
	}
	if name == "" {
		name = incident.SeveralServices // a view naming none (PublishedView)
	}
	return incident.DefaultTitle(name, inc)
}

// PublishedView is inc as every reader who sees it may read it: what a
// post-mortem, which all of them read, may say of it. It is the public's
// view when the public sees the incident, the tenant's when one tenant
// alone does, and otherwise (several tenants, each through its own
// checks) what the shared checks showed, which every one of them reads,
// with people's entries, naming only the services every one of them
// reads (none, Service "", when they share none).
func (c *Catalog) PublishedView(inc incident.Incident, affected []string) incident.Incident {
	if v, _, ok := c.IncidentFor(PublicReader(), inc, affected); ok {
		return v
	}
	if readers := c.IncidentReaders(inc, affected); len(readers) == 1 {
		v, _, _ := c.IncidentFor(TenantReader(readers[0]), inc, affected)
		return v
	}
	v, ok := incident.View(inc, func(tenant string) bool { return tenant == "" })
	if !ok {
		v = inc
		v.Timeline = slices.DeleteFunc(slices.Clone(inc.Timeline), func(e incident.Entry) bool { return e.Author == "" })
		v.Failing = nil
	}
	v.Service, v.Also = "", nil
	if common := c.commonServices(inc, affected); len(common) > 0 {
		v.Service, v.Also = common[0], common[1:]
	}
	return v
}

// commonServices are the services of inc that every tenant reading it
// may read, in inc's order: those a post-mortem read by all of them may
// name (all of them when staff alone read it).
func (c *Catalog) commonServices(inc incident.Incident, affected []string) []string {
	readers := c.IncidentReaders(inc, affected)
	if len(readers) == 0 {
		return inc.Services()
	}
	return slices.DeleteFunc(inc.Services(), func(id string) bool {
		for _, t := range readers {
			if !slices.Contains(c.ServiceTenants(id), t) {
				return true
			}
		}
		return false
	})
}

// IncidentReaders are the tenants that see inc (IncidentFor), through any
// of its services, sorted.
func (c *Catalog) IncidentReaders(inc incident.Incident, affected []string) []string {
	var out []string
	for _, id := range inc.Services() {
		for _, t := range c.ServiceTenants(id) {
			if slices.Contains(out, t) {
				continue
			}
			if _, _, ok := c.IncidentFor(TenantReader(t), inc, affected); ok {
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out
}

// NamedTenants are the tenants text names, by ID or display name, as a
// word of its own, in any case: "acme" in "mail-acme-endpoint" names acme.
// In configuration order.
func (c *Catalog) NamedTenants(text string) []string {
	var out []string
	for _, t := range c.Tenants {
		for _, name := range []string{t.ID, t.Name} {
			if name != "" && namesWord(text, name) {
				out = append(out, t.ID)
				break
			}
		}
	}
	return out
}

// namesWord reports whether text holds word, in any case, with no letter
// or digit right before or after it.
func namesWord(text, word string) bool {
	lt, lw := strings.ToLower(text), strings.ToLower(word)
	for i := 0; ; {
		j := strings.Index(lt[i:], lw)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(lw)
		before, _ := utf8.DecodeLastRuneInString(lt[:start])
		after, _ := utf8.DecodeRuneInString(lt[end:])
		if !wordRune(before) && !wordRune(after) {
			return true
		}
		i = start + 1
	}
}

func wordRune(r rune) bool { return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)) }

// CheckPostmortemNames refuses to publish, for an incident affecting the
// tenants affected, a post-mortem whose markdown names a tenant that some
// other reader of the incident (the public, or another tenant) would learn
// of: every reader of the incident reads the same text. Each tenant reads
// its own impact on its page; the text carries totals at most.
func (c *Catalog) CheckPostmortemNames(markdown string, inc incident.Incident, affected []string) error {
	return c.refuseNames("markdown", markdown, "this incident", "a published post-mortem names no tenant nor its checks", c.incidentAudience(inc, affected))
}
