package dashboard

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// The HTML status page. Pages are rendered once per snapshot and kept with
// a gzip copy, so a request for / costs a pointer load and a write, like
// the JSON API in statuspage.go.

// historyMax caps the resolved incidents listed on /.
const historyMax = 10

// htmlPages is the rendered HTML of one snapshot.
type htmlPages struct {
	snap      *Snapshot
	index     renderedPage
	incidents map[string]renderedPage // by incident or maintenance ID
	notFound  renderedPage
}

type renderedPage struct {
	plain, gz []byte
}

// htmlState is the server's template set and the pages of the snapshot
// last rendered.
type htmlState struct {
	tmpl    *template.Template
	current atomic.Pointer[htmlPages]
	// rendering serialises renders, so the burst of requests that meets a
	// new snapshot renders it once instead of once per request.
	rendering sync.Mutex
	// zones holds the templates of tenant pages by time zone name: a
	// tenant's page shows its times in the tenant's zone.
	zones sync.Map // string -> *template.Template
}

// templatesIn returns the templates that show times in zone (an IANA
// name); an unknown zone shows UTC, as the configuration refuses one.
func (h *htmlState) templatesIn(zone string) *template.Template {
	if t, ok := h.zones.Load(zone); ok {
		return t.(*template.Template)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	t, _ := h.zones.LoadOrStore(zone, newTemplatesIn(loc))
	return t.(*template.Template)
}

// mountPages registers / and /incidents/:id, GET and HEAD, and /static.
func (s *Server) mountPages() {
	s.html.tmpl = newTemplates()
	s.engine.SetHTMLTemplate(s.html.tmpl)
	s.engine.StaticFS("/static", http.FS(staticFS()))
	// Browsers ask for /favicon.ico by themselves (for the feed, shown as
	// text, too); a 404 there is an error in their console.
	s.engine.GET("/favicon.ico", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=86400")
		c.FileFromFS("favicon.svg", http.FS(staticFS()))
	})
	index := func(c *gin.Context) { s.servePage(c, "") }
	incident := func(c *gin.Context) { s.servePage(c, c.Param("id")) }
	s.engine.GET("/", index)
	s.engine.HEAD("/", index)
	s.engine.GET("/incidents/:id", incident)
	s.engine.HEAD("/incidents/:id", incident)
}

// renderedFor returns the pages of snap, rendering them if they are not
// the last rendered. SetSnapshot stays with the JSON API, so the first
// request after a new snapshot renders it (a large page takes tens of
// milliseconds). Requests that arrive meanwhile are answered from the
// previous snapshot's pages, at most one render old, rather than queued
// behind the render: a status page is read hardest exactly when it
// changes. Only with no pages at all do they wait.
func (s *Server) renderedFor(snap *Snapshot) (*htmlPages, error) {
	if p := s.html.current.Load(); p != nil && p.snap == snap {
		return p, nil
	}
	if !s.html.rendering.TryLock() {
		if p := s.html.current.Load(); p != nil {
			return p, nil
		}
		s.html.rendering.Lock()
	}
	defer s.html.rendering.Unlock()
	if p := s.html.current.Load(); p != nil && p.snap == snap {
		return p, nil
	}
	p, err := renderPages(s.html.tmpl, snap, pageOptions{index: "index"})
	if err != nil {
		return nil, err
	}
	s.html.current.Store(p)
	return p, nil
}

func (s *Server) servePage(c *gin.Context, id string) {
	hdr := c.Writer.Header()
	hdr["Content-Type"] = []string{"text/html; charset=utf-8"}
	hdr["Vary"] = []string{"Accept-Encoding"}
	snap := s.Snapshot()
	if snap == nil {
		// Not built yet: say so rather than show an empty page that
		// reads as "all operational".
		hdr["Retry-After"] = []string{"10"}
		c.Status(http.StatusServiceUnavailable)
		if c.Request.Method != http.MethodHead {
			_, _ = c.Writer.WriteString("<!doctype html><html lang=\"en\"><title>Status page not ready</title><p>The status page is starting; try again in a few seconds.</p></html>\n")
		}
		return
	}
	p, err := s.renderedFor(snap)
	if err != nil {
		_ = c.Error(err)
		c.Status(http.StatusInternalServerError)
		return
	}
	s.writePage(c, p, id)
}

// writePage writes p's front page (id "") or the page of incident id,
// compressed when the client accepts gzip.
func (s *Server) writePage(c *gin.Context, p *htmlPages, id string) {
	hdr := c.Writer.Header()
	hdr["Content-Type"] = []string{"text/html; charset=utf-8"}
	hdr["Vary"] = []string{"Accept-Encoding"}
	page, status := p.index, http.StatusOK
	if id != "" {
		var ok bool
		if page, ok = p.incidents[id]; !ok {
			page, status = p.notFound, http.StatusNotFound
		}
	}
	body := page.plain
	if acceptsGzip(c.Request.Header.Get("Accept-Encoding")) {
		hdr["Content-Encoding"] = []string{"gzip"}
		body = page.gz
	}
	hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	c.Status(status)
	if c.Request.Method == http.MethodHead {
		c.Writer.WriteHeaderNow()
		return
	}
	_, _ = c.Writer.Write(body)
}

// acceptsGzip reports whether an Accept-Encoding value allows gzip: listed
// (or *) without q=0.
func acceptsGzip(h string) bool {
	for part := range strings.SplitSeq(h, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		return q > 0
	}
	return false
}

// pageOptions say which page a snapshot is rendered as: the public page,
// or a tenant's under its own path.
type pageOptions struct {
	index  string      // template of the front page
	prefix string      // path the page's links start with; "" for the public page
	tenant *TenantView // the tenant's figures; nil for the public page
	// feedForms shows the forms that make and revoke feed addresses.
	feedForms bool
}

func renderPages(t *template.Template, snap *Snapshot, opts pageOptions) (*htmlPages, error) {
	p := &htmlPages{snap: snap, incidents: make(map[string]renderedPage)}
	base := newView(snap, opts.prefix)
	base.Tenant = opts.tenant
	base.FeedForms = opts.feedForms
	if opts.tenant != nil {
		base.Zone = opts.tenant.TimeZone
	}
	// One compressor for every page: each costs about a megabyte. The
	// default level: best compression took three times as long on a page
	// of 100 services for 6% fewer bytes.
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression) // level is valid
	page := func(name string, v view) (renderedPage, error) { return render(t, zw, name, v) }
	var err error
	if p.index, err = page(opts.index, base); err != nil {
		return nil, err
	}
	nf := base
	nf.Title = "Incident not found"
	if p.notFound, err = page("notfound", nf); err != nil {
		return nil, err
	}
	one := func(inc Incident, window *Maintenance) error {
		v := base
		iv := newIncidentView(inc, window, base.names, base.Prefix)
		v.Incident = &iv
		v.Title = inc.Name
		r, err := page("incident", v)
		if err != nil {
			return err
		}
		p.incidents[inc.ID] = r
		return nil
	}
	for _, inc := range snap.Incidents {
		if err := one(inc, nil); err != nil {
			return nil, err
		}
	}
	for i := range snap.Maintenances {
		m := &snap.Maintenances[i]
		if err := one(m.Incident, m); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func render(t *template.Template, zw *gzip.Writer, name string, v view) (renderedPage, error) {
	var plain bytes.Buffer
	if err := t.ExecuteTemplate(&plain, name, v); err != nil {
		return renderedPage{}, fmt.Errorf("status page %s: %w", name, err)
	}
	var gz bytes.Buffer
	zw.Reset(&gz)
	_, _ = zw.Write(plain.Bytes())
	if err := zw.Close(); err != nil {
		return renderedPage{}, err
	}
	return renderedPage{plain: plain.Bytes(), gz: gz.Bytes()}, nil
}

// view is the model of every template; its zero value must render.
type view struct {
	Title       string
	Page        Page
	Status      PageStatus
	Groups      []groupView
	Active      []incidentView // open incidents, newest first
	Maintenance []incidentView // in progress, then upcoming
	History     []incidentView // recent resolved incidents
	Incident    *incidentView  // the incident page's incident
	Prefix      string         // path every link of the page starts with: "" or /status/{tenant}
	Tenant      *TenantView    // a tenant page's figures; nil on the public page
	Login       *loginView     // the sign-in form of a refused tenant page
	Subscribe   *subscribeView // a subscription page (subscribe.go)
	// Zone is the IANA name of the zone the page's times are in; "" on the
	// public page, which shows UTC and lets a script show the reader's.
	Zone string
	// FeedForms shows the tenant page's forms that make and revoke feed
	// addresses (Server.FeedTokens is set); FeedURL is a feed address
	// just made, shown once; Notice says what a form did.
	FeedForms       bool
	FeedURL, Notice string
	names           map[string]string
}

type groupView struct {
	Name     string // "" for an ungrouped service
	Services []serviceView
}

type serviceView struct {
	ID, Name, Description string
	Status                statusView
	Bars                  []barView
	// Uptime is the service's uptime over the bars' days, Axis the dates
	// under the bars (oldest, middle, newest); both empty without bars.
	Uptime uptimeFigure
	Axis   []string
}

// statusView carries a status as words as well as a CSS class, so it is
// never conveyed by colour alone.
type statusView struct {
	Class, Text string
}

type barView struct {
	Date, Percent, Class, Title string
	Label                       string // "19 Nov 2026", the day as the page names it
	Major, Partial, Known       int    // the day's minutes
}

type incidentView struct {
	ID, Name, URL  string
	Status, Impact string
	Maintenance    bool
	Started        time.Time
	Resolved       time.Time
	ScheduledFor   time.Time
	ScheduledUntil time.Time
	Affected       []string
	Updates        []IncidentUpdate // newest first
	Postmortem     template.HTML    // sanitised by the caller of BuildSnapshot
	OwnImpact      []string         // the reading tenant's own impact, on its page
}

// Latest is the newest update, or the zero update.
func (i incidentView) Latest() IncidentUpdate {
	if len(i.Updates) == 0 {
		return IncidentUpdate{}
	}
	return i.Updates[0]
}

func newView(snap *Snapshot, prefix string) view {
	v := view{Title: snap.Page.Name, Page: snap.Page, Status: snap.Status, Prefix: prefix, names: map[string]string{}}
	for _, c := range snap.Components {
		v.names[c.ID] = c.Name
		if c.Group {
			v.Groups = append(v.Groups, groupView{Name: c.Name})
			continue
		}
		sv := serviceView{ID: c.ID, Name: c.Name, Description: c.Description, Status: componentStatusView(c.Status)}
		if c.NoData {
			// Not measured is not operational: too few locations reported
			// the latest minute to say either way.
			sv.Status = statusView{"nodata", "No data"}
		}
		days := snap.Bars[c.ID]
		for _, d := range days {
			sv.Bars = append(sv.Bars, newBar(d))
		}
		if len(days) > 0 {
			sv.Uptime = windowUptime(days)
			sv.Axis = []string{axisDate(days[0].Date), axisDate(days[len(days)/2].Date), axisDate(days[len(days)-1].Date)}
		}
		if c.GroupID == "" || len(v.Groups) == 0 {
			v.Groups = append(v.Groups, groupView{Services: []serviceView{sv}})
			continue
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Services = append(g.Services, sv)
	}
	for _, inc := range snap.Incidents {
		switch inc.Status {
		case "resolved", "postmortem":
			if len(v.History) < historyMax {
				v.History = append(v.History, newIncidentView(inc, nil, v.names, prefix))
			}
		default:
			v.Active = append(v.Active, newIncidentView(inc, nil, v.names, prefix))
		}
	}
	// Snapshot order is newest first; in progress windows come before
	// upcoming ones, and upcoming ones soonest first.
	var upcoming []incidentView
	for i := range snap.Maintenances {
		m := &snap.Maintenances[i]
		switch m.Status {
		case "in_progress", "verifying":
			v.Maintenance = append(v.Maintenance, newIncidentView(m.Incident, m, v.names, prefix))
		case "scheduled":
			upcoming = append([]incidentView{newIncidentView(m.Incident, m, v.names, prefix)}, upcoming...)
		}
	}
	v.Maintenance = append(v.Maintenance, upcoming...)
	return v
}

func newIncidentView(inc Incident, m *Maintenance, names map[string]string, prefix string) incidentView {
	iv := incidentView{
		ID: inc.ID, Name: inc.Name, URL: prefix + "/incidents/" + inc.ID,
		Status: inc.Status, Impact: inc.Impact,
		Started: inc.StartedAt, Resolved: inc.Resolved,
		Updates: inc.Updates, Postmortem: inc.Postmortem, OwnImpact: inc.OwnImpact,
	}
	if m != nil {
		iv.Maintenance = true
		iv.ScheduledFor, iv.ScheduledUntil = m.ScheduledFor, m.ScheduledUntil
	}
	for _, id := range inc.Components {
		if n := names[id]; n != "" {
			iv.Affected = append(iv.Affected, n)
		} else {
			iv.Affected = append(iv.Affected, id)
		}
	}
	return iv
}

func componentStatusView(status string) statusView {
	switch status {
	case DegradedPerformance:
		return statusView{"degraded", "Degraded performance"}
	case PartialOutage:
		return statusView{"partial", "Partial outage"}
	case MajorOutage:
		return statusView{"major", "Major outage"}
	case UnderMaintenance:
		return statusView{"maintenance", "Under maintenance"}
	}
	return statusView{"operational", "Operational"}
}

// newBar computes a day's uptime exactly: in tenths of a minute the
// weighted downtime is 10·major + 3·partial, so no float rounding can
// move a day across a colour threshold.
func newBar(d DayBar) barView {
	b := barView{Date: d.Date, Label: longDate(d.Date), Major: d.MajorMinutes, Partial: d.PartialMinutes, Known: d.KnownMinutes}
	if d.KnownMinutes <= 0 {
		b.Percent, b.Class = "no data", "nodata"
		b.Title = d.Date + ": no data"
		return b
	}
	den := 10 * int64(d.KnownMinutes)
	num := max(den-10*int64(d.MajorMinutes)-3*int64(d.PartialMinutes), 0)
	// Hundredths of a percent, rounded half up.
	h := (2*num*10000 + den) / (2 * den)
	b.Percent = fmt.Sprintf("%d.%02d%%", h/100, h%100)
	switch {
	case num*10000 >= 9995*den:
		b.Class = "up"
	case num*100 >= 99*den:
		b.Class = "minor"
	case num*100 >= 95*den:
		b.Class = "partial"
	default:
		b.Class = "major"
	}
	b.Title = fmt.Sprintf("%s: %s uptime, %d min major outage, %d min partial outage",
		d.Date, b.Percent, d.MajorMinutes, d.PartialMinutes)
	return b
}

// uptimeFigure is a service's uptime over a run of days.
type uptimeFigure struct {
	Known   bool   // any minute of the days was measured
	Percent string // "99.93", hundredths of a percent rounded down
	Days    int    // how many days
}

// windowUptime is the uptime over days, weighted as the bars are (major
// outage minutes fully, partial 0.3), from the integer minute counts: in
// tenths of a minute the downtime is 10·major + 3·partial. It is rounded
// down to hundredths, so a window with any downtime never reads 100.00.
func windowUptime(days []DayBar) uptimeFigure {
	var known, down int64
	for _, d := range days {
		if d.KnownMinutes <= 0 {
			continue
		}
		known += int64(d.KnownMinutes)
		down += 10*int64(d.MajorMinutes) + 3*int64(d.PartialMinutes)
	}
	u := uptimeFigure{Days: len(days)}
	if known == 0 {
		return u
	}
	den := 10 * known
	num := max(den-down, 0)
	h := num * 10000 / den
	u.Known = true
	u.Percent = fmt.Sprintf("%d.%02d", h/100, h%100)
	return u
}

// axisDate is a bar's date as the axis under the bars shows it: "23 Aug".
func axisDate(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.Format("2 Jan")
}

// longDate is a bar's date in words: "23 Aug 2026".
func longDate(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.Format("2 Jan 2006")
}

// templateFuncs are the templates' functions; times are shown in loc.
func templateFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		// when formats a time for readers in loc, with the zone's
		// abbreviation; zero is "".
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02 15:04 MST")
		},
		// iso is a machine-readable time for <time datetime>.
		"iso": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		},
		// words turns an enum value such as in_progress into "In progress".
		"words": words,
		"join":  strings.Join,
	}
}

// words turns an enum value such as in_progress into "In progress".
func words(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
