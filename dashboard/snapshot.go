package dashboard

import (
	"cmp"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slatehq/slate/sla"
)

// Snapshot is what a status page shows at one moment. It holds plain values
// only, so it can be built once (by BuildSnapshot) and read by any number
// of requests without locks. Times are UTC; a zero time means "none".
type Snapshot struct {
	Page         Page
	Status       PageStatus
	Components   []Component   // group rows, each followed by its children, in position order
	Incidents    []Incident    // newest first, every status
	Maintenances []Maintenance // newest scheduled_for first, every status
	// Bars is each service's daily outage minutes, oldest day first, by
	// service ID; nil when not supplied. Only the HTML page shows them.
	Bars map[string][]DayBar
}

// DayBar is one day of a service's uptime bar. The page weights the
// minutes as the spec says: major outage fully, partial outage 0.3.
type DayBar struct {
	Date           string // YYYY-MM-DD
	MajorMinutes   int
	PartialMinutes int
	KnownMinutes   int // minutes with any measurement; 0 shows "no data"
}

// Page names the status page.
type Page struct {
	ID       string
	Name     string
	URL      string // base URL of the page, without a trailing slash; shortlinks start with it
	TimeZone string // IANA name; "" means Etc/UTC
	// UpdatedAt is the latest change shown: BuildSnapshot sets it to the
	// newest updated_at of any component, incident or maintenance.
	UpdatedAt time.Time
	// Brand is who runs the page, shown in every page's header; only the
	// HTML pages show it.
	Brand Brand
}

// Brand is the provider's branding of the HTML pages: its page name, its
// logo and its links (the configuration's provider section).
type Brand struct {
	Name    string      // "Nordlicht Status"; "" shows the page's Name
	LogoURL string      // the logo's path ("/logo"); "" for none
	Links   []BrandLink // in the header, in order
	// Subscribe links the footer to the e-mail subscription page, which
	// is served only when e-mail is configured.
	Subscribe bool
}

// BrandLink is one link of the pages' header.
type BrandLink struct {
	Title, URL string
}

// PageStatus is the page's roll-up. Indicator is none, minor, major or
// critical.
type PageStatus struct {
	Indicator   string
	Description string
}

// Component statuses, the Statuspage enum.
const (
	Operational         = "operational"
	DegradedPerformance = "degraded_performance"
	PartialOutage       = "partial_outage"
	MajorOutage         = "major_outage"
	UnderMaintenance    = "under_maintenance"
)

// Component is a service, or a group of services (Group true, Children set).
type Component struct {
	ID          string
	Name        string
	Status      string // one of the component statuses above
	Description string // "" is shown as null
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Position orders top-level rows (groups and ungrouped services) from
	// 1, and a group's children from 1 within the group.
	Position int
	GroupID  string   // the group a service belongs to; "" for none
	Group    bool     // a group row
	Children []string // a group's member component IDs, in position order
	// NoData marks a service whose latest minute is unknown: too few of
	// its locations reported to judge it. The Statuspage API has no such
	// status and says operational; the HTML page says "No data".
	NoData bool
}

// Incident is an incident as the page shows it. Monitoring and Resolved are
// zero until reached.
type Incident struct {
	ID         string
	Name       string
	Status     string // investigating, identified, monitoring, resolved, postmortem; for maintenance scheduled, in_progress, verifying, completed
	Impact     string // none, minor, major, critical; maintenance for maintenance
	CreatedAt  time.Time
	UpdatedAt  time.Time
	StartedAt  time.Time
	Monitoring time.Time
	Resolved   time.Time
	Shortlink  string
	Updates    []IncidentUpdate // newest first
	Components []string         // affected component IDs
	// Postmortem is the published post-mortem as sanitised HTML; "" for
	// none. Only the HTML incident page shows it.
	Postmortem template.HTML
	// OwnImpact is the reading tenant's own impact (IncidentRecord's).
	OwnImpact []string
}

// IncidentUpdate is one status-bearing entry of an incident's timeline.
type IncidentUpdate struct {
	ID     string // "<incident id>-<n>", n counting entries from 1 oldest first, so IDs survive new entries
	Status string
	Body   string
	At     time.Time
}

// Maintenance is a scheduled maintenance: an incident with a window.
type Maintenance struct {
	Incident
	ScheduledFor   time.Time
	ScheduledUntil time.Time
}

// SnapshotInput is everything a status page is built from, as plain
// values: cmd reads config and the store and hands them over.
type SnapshotInput struct {
	Page         Page // UpdatedAt is ignored
	Services     []ServiceState
	Incidents    []IncidentRecord
	Maintenances []MaintenanceWindow
	// Bars is optional: service ID to days, oldest first. Services not
	// shown are dropped.
	Bars map[string][]DayBar
}

// ServiceState is a public service and the state of its current minute.
// Services that are not public must be left out: their incidents and
// maintenance windows are then left out too.
type ServiceState struct {
	ID, Name    string
	Group       string // status-page group name; "" for none
	Description string
	State       sla.State
	// Partial marks a degraded state in which some tenants or locations
	// are down (rather than slow everywhere): shown as partial_outage
	// instead of degraded_performance.
	Partial   bool
	Since     time.Time // when State began; shown as updated_at
	CreatedAt time.Time // when the service was first monitored; zero means Since
}

// IncidentRecord is a stored incident. Status and Severity carry the
// values of package incident (investigating... postmortem; minor, major,
// critical); Severity "" is impact none.
type IncidentRecord struct {
	// ID is the ID readers see, in the page's URLs and the API: a public
	// ID (access.IncidentPublicID), never the store's sequence.
	ID string
	// Title says what happened in words; "" shows the first service's
	// name and "outage".
	Title string
	// Service and Also are the services it affects, as the reader may
	// read them (catalog.IncidentFor).
	Service   string
	Also      []string
	Status    string
	Severity  string
	Started   time.Time
	Ended     time.Time // zero while open
	CreatedAt time.Time // zero means Started
	UpdatedAt time.Time // zero means the newest timeline entry
	Timeline  []TimelineEntry
	// Postmortem is the published post-mortem, already rendered and
	// sanitised (package incident's Render); "" for none.
	Postmortem template.HTML
	// OwnImpact is, on a tenant's page, what the incident meant for that
	// tenant's contracts (one line each, formatted); nil elsewhere. Only
	// the HTML incident page shows it.
	OwnImpact []string
}

// TimelineEntry is one line of an incident's timeline, oldest first.
// Entries without a Status are not shown.
type TimelineEntry struct {
	At     time.Time
	Status string
	Body   string
}

// MaintenanceWindow is an announced maintenance over [Start, End).
type MaintenanceWindow struct {
	// ID is shown as the maintenance's id and in its shortlink, which
	// shares /incidents/ with incidents: give IDs that cannot equal an
	// incident's (access.MaintenancePublicID).
	ID        string
	Services  []string
	Title     string
	Start     time.Time
	End       time.Time
	Announced time.Time // zero means Start
	Cancelled bool      // cancelled windows are not shown
	// Description is the scheduled update's text; "" says the title.
	Description string
	// Updates are people's updates, oldest first. The window's status
	// follows its clock; an update of a status replaces the words the
	// clock would write for it.
	Updates []TimelineEntry
}

// rank orders component statuses for roll-ups; maintenance sits between
// operational and degraded so that any real trouble outranks it.
func rank(status string) int {
	switch status {
	case UnderMaintenance:
		return 1
	case DegradedPerformance:
		return 2
	case PartialOutage:
		return 3
	case MajorOutage:
		return 4
	}
	return 0
}

// componentStatus maps a minute state. Unknown (no location reported)
// shows as operational: the Statuspage enum has no "unknown", and showing
// an outage nobody measured would alarm readers for nothing.
func componentStatus(st sla.State, partial bool) string {
	switch st {
	case sla.StateDegraded:
		if partial {
			return PartialOutage
		}
		return DegradedPerformance
	case sla.StateDown:
		return MajorOutage
	case sla.StateMaintenance:
		return UnderMaintenance
	}
	return Operational
}

// BuildSnapshot builds the page at now. It does no I/O and keeps no
// reference to in.
func BuildSnapshot(in SnapshotInput, now time.Time) *Snapshot {
	now = now.UTC()
	snap := &Snapshot{Page: in.Page}
	snap.Page.URL = strings.TrimRight(in.Page.URL, "/")
	snap.Page.Brand.Links = slices.Clone(in.Page.Brand.Links)
	if snap.Page.TimeZone == "" {
		snap.Page.TimeZone = "Etc/UTC"
	}
	snap.Components = buildComponents(in.Services)
	names := make(map[string]string, len(snap.Components))
	known := make(map[string]bool, len(snap.Components))
	for _, c := range snap.Components {
		if !c.Group {
			known[c.ID] = true
			names[c.ID] = c.Name
		}
	}
	for _, r := range in.Incidents {
		var comps []string
		for _, id := range append([]string{r.Service}, r.Also...) {
			if known[id] && !slices.Contains(comps, id) {
				comps = append(comps, id)
			}
		}
		if len(comps) > 0 {
			snap.Incidents = append(snap.Incidents, buildIncident(r, names[comps[0]], comps, snap.Page.URL))
		}
	}
	// Newest first: by start, then by ID so equal starts order the same
	// on every build.
	slices.SortStableFunc(snap.Incidents, func(a, b Incident) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	for _, w := range in.Maintenances {
		if m, ok := buildMaintenance(w, known, snap.Page.URL, now); ok {
			snap.Maintenances = append(snap.Maintenances, m)
		}
	}
	slices.SortStableFunc(snap.Maintenances, func(a, b Maintenance) int {
		if c := b.ScheduledFor.Compare(a.ScheduledFor); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	for id, days := range in.Bars {
		if known[id] {
			if snap.Bars == nil {
				snap.Bars = make(map[string][]DayBar)
			}
			snap.Bars[id] = slices.Clone(days)
		}
	}
	snap.Status = rollUp(snap.Components)
	snap.Page.UpdatedAt = time.Time{}
	latest := func(t time.Time) {
		if t.After(snap.Page.UpdatedAt) {
			snap.Page.UpdatedAt = t
		}
	}
	for _, c := range snap.Components {
		latest(c.UpdatedAt)
	}
	for _, i := range snap.Incidents {
		latest(i.UpdatedAt)
	}
	for _, m := range snap.Maintenances {
		latest(m.UpdatedAt)
	}
	if snap.Page.UpdatedAt.IsZero() {
		snap.Page.UpdatedAt = now
	}
	return snap
}

// buildComponents lays services out in input (config) order: a group row
// appears where its first member does, followed by all its members.
func buildComponents(services []ServiceState) []Component {
	type top struct {
		svc   *Component
		group *Component
		kids  []Component
	}
	var tops []*top
	groups := map[string]*top{}
	usedIDs := map[string]bool{}
	for _, s := range services {
		usedIDs[s.ID] = true
	}
	for _, s := range services {
		c := Component{
			ID:          s.ID,
			Name:        cmp.Or(s.Name, s.ID),
			Status:      componentStatus(s.State, s.Partial),
			NoData:      s.State == sla.StateUnknown,
			Description: s.Description,
			CreatedAt:   cmp.Or(s.CreatedAt, s.Since).UTC(),
			UpdatedAt:   cmp.Or(s.Since, s.CreatedAt).UTC(),
		}
		if s.Group == "" {
			c.Position = len(tops) + 1
			tops = append(tops, &top{svc: &c})
			continue
		}
		t := groups[s.Group]
		if t == nil {
			t = &top{group: &Component{ID: groupID(s.Group, usedIDs), Name: s.Group, Group: true, Position: len(tops) + 1}}
			groups[s.Group] = t
			tops = append(tops, t)
		}
		c.GroupID = t.group.ID
		c.Position = len(t.kids) + 1
		t.kids = append(t.kids, c)
	}
	var out []Component
	for _, t := range tops {
		if t.svc != nil {
			out = append(out, *t.svc)
			continue
		}
		g := t.group
		g.Status = Operational
		for i, k := range t.kids {
			g.Children = append(g.Children, k.ID)
			// A group shows its worst member, and spans its members' times.
			if rank(k.Status) > rank(g.Status) {
				g.Status = k.Status
			}
			if i == 0 || k.CreatedAt.Before(g.CreatedAt) {
				g.CreatedAt = k.CreatedAt
			}
			if k.UpdatedAt.After(g.UpdatedAt) {
				g.UpdatedAt = k.UpdatedAt
			}
		}
		out = append(out, *g)
		out = append(out, t.kids...)
	}
	return out
}

// groupID derives a stable component ID from a group's name, one that no
// service ID or other group already uses.
func groupID(name string, used map[string]bool) string {
	var b strings.Builder
	b.WriteString("group-")
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	id := strings.TrimRight(b.String(), "-")
	for n := 2; used[id]; n++ {
		id = strings.TrimRight(b.String(), "-") + "-" + strconv.Itoa(n)
	}
	used[id] = true
	return id
}

// rollUp is the page status from the service rows (groups repeat them).
// Every service down is critical; any outage, full or partial, major; any
// degradation minor; maintenance alone keeps indicator none, the spec's
// indicator enum having no maintenance value, and says so in words.
func rollUp(components []Component) PageStatus {
	n, down, worst := 0, 0, Operational
	for _, c := range components {
		if c.Group {
			continue
		}
		n++
		if c.Status == MajorOutage {
			down++
		}
		if rank(c.Status) > rank(worst) {
			worst = c.Status
		}
	}
	switch {
	case n > 0 && down == n:
		return PageStatus{"critical", "Major System Outage"}
	case worst == MajorOutage || worst == PartialOutage:
		return PageStatus{"major", "Partial System Outage"}
	case worst == DegradedPerformance:
		return PageStatus{"minor", "Partially Degraded Service"}
	case worst == UnderMaintenance:
		return PageStatus{"none", "Service Under Maintenance"}
	}
	return PageStatus{"none", "All Systems Operational"}
}

func buildIncident(r IncidentRecord, serviceName string, comps []string, pageURL string) Incident {
	id := r.ID
	inc := Incident{
		ID:         id,
		Name:       cmp.Or(r.Title, serviceName+" outage"),
		Status:     r.Status,
		Impact:     cmp.Or(r.Severity, "none"),
		StartedAt:  r.Started.UTC(),
		CreatedAt:  cmp.Or(r.CreatedAt, r.Started).UTC(),
		Shortlink:  pageURL + "/incidents/" + id,
		Components: comps,
		Postmortem: r.Postmortem,
		OwnImpact:  slices.Clone(r.OwnImpact),
	}
	var newest time.Time
	for n, e := range r.Timeline {
		if e.At.After(newest) {
			newest = e.At
		}
		if e.Status == "" {
			continue
		}
		at := e.At.UTC()
		inc.Updates = append(inc.Updates, IncidentUpdate{ID: id + "-" + strconv.Itoa(n+1), Status: e.Status, Body: e.Body, At: at})
		if e.Status == "monitoring" && inc.Monitoring.IsZero() {
			inc.Monitoring = at
		}
		if (e.Status == "resolved" || e.Status == "postmortem") && inc.Resolved.IsZero() {
			inc.Resolved = at
		}
	}
	slices.Reverse(inc.Updates)
	inc.UpdatedAt = cmp.Or(r.UpdatedAt, newest, inc.CreatedAt).UTC()
	switch r.Status {
	case "resolved", "postmortem":
		// The recovery that held is when it ended, even if a person
		// wrote "resolved" later.
		if !r.Ended.IsZero() {
			inc.Resolved = r.Ended.UTC()
		}
	default:
		// Reopened after a resolved update: not resolved now.
		inc.Resolved = time.Time{}
	}
	return inc
}

// maintenanceUpdates are the updates of w shown at now, oldest first and
// numbered so, and the status it is in. The status follows the clock:
// scheduled before the start, in progress from it, completed from the end
// (a person's completed update moved the end to when it was posted). The
// clock writes a line at each transition reached, unless a person wrote
// one for that status; people's updates are shown once posted.
func maintenanceUpdates(w MaintenanceWindow, now time.Time) (string, []IncidentUpdate) {
	start, end := w.Start.UTC(), w.End.UTC()
	announced := cmp.Or(w.Announced, w.Start).UTC()
	scheduled := "Maintenance scheduled: " + w.Title + "."
	if d := strings.TrimSpace(w.Description); d != "" {
		scheduled = d
	}
	lines := []TimelineEntry{{At: announced, Status: "scheduled", Body: scheduled}}
	said := map[string]bool{}
	for _, u := range w.Updates {
		if !u.At.After(now) {
			lines = append(lines, TimelineEntry{At: u.At.UTC(), Status: u.Status, Body: u.Body})
			said[u.Status] = true
		}
	}
	status := "scheduled"
	if !now.Before(start) {
		status = "in_progress"
		if !said[status] {
			lines = append(lines, TimelineEntry{At: start, Status: status, Body: "Maintenance in progress."})
		}
	}
	if !now.Before(end) {
		status = "completed"
		if !said[status] {
			lines = append(lines, TimelineEntry{At: end, Status: status, Body: "Maintenance completed."})
		}
	}
	slices.SortStableFunc(lines, func(a, b TimelineEntry) int { return a.At.Compare(b.At) })
	out := make([]IncidentUpdate, len(lines))
	for i, l := range lines {
		out[len(lines)-1-i] = IncidentUpdate{ID: w.ID + "-" + strconv.Itoa(i+1), Status: l.Status, Body: l.Body, At: l.At}
	}
	return status, out
}

// buildMaintenance shows a window with its status at now. verifying is
// never produced: slate has no signal that work is done but being checked.
func buildMaintenance(w MaintenanceWindow, known map[string]bool, pageURL string, now time.Time) (Maintenance, bool) {
	if w.Cancelled {
		return Maintenance{}, false
	}
	var comps []string
	for _, s := range w.Services {
		if known[s] && !slices.Contains(comps, s) {
			comps = append(comps, s)
		}
	}
	if len(comps) == 0 {
		return Maintenance{}, false
	}
	start, end := w.Start.UTC(), w.End.UTC()
	announced := cmp.Or(w.Announced, w.Start).UTC()
	m := Maintenance{
		Incident: Incident{
			ID:         w.ID,
			Name:       w.Title,
			Impact:     "maintenance",
			CreatedAt:  announced,
			StartedAt:  start,
			Shortlink:  pageURL + "/incidents/" + w.ID,
			Components: comps,
		},
		ScheduledFor:   start,
		ScheduledUntil: end,
	}
	m.Status, m.Updates = maintenanceUpdates(w, now)
	if m.Status == "completed" {
		m.Resolved = end
	}
	m.UpdatedAt = m.Updates[0].At // newest first
	return m, true
}
