package dashboard

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// The Statuspage v2 read API, served from the current Snapshot. Bodies are
// encoded once per snapshot, so a request costs a pointer load, a map
// lookup and a write: these endpoints are polled by widgets and monitors
// at thousands of requests per second.

// statuspageMax caps incidents.json and scheduled-maintenances.json, as
// Statuspage does.
const statuspageMax = 50

// statuspagePaths are the API's paths under its mount point, in the spec's
// order.
func statuspagePaths() []string {
	return []string{
		"/summary.json",
		"/status.json",
		"/components.json",
		"/incidents.json",
		"/incidents/unresolved.json",
		"/scheduled-maintenances.json",
		"/scheduled-maintenances/upcoming.json",
		"/scheduled-maintenances/active.json",
	}
}

// statuspagePages holds the encoded bodies of the current snapshot; its
// zero value serves 503 until SetSnapshot is called.
type statuspagePages struct {
	current atomic.Pointer[encodedPages]
}

type encodedPages struct {
	snap   *Snapshot
	bodies map[string][]byte // by path under the mount point
	length map[string]string // Content-Length values, formatted once
	etag   map[string]string // strong ETags, so pollers can ask If-None-Match
	// gz are the bodies gzip-compressed once, for the clients that accept
	// it (browsers, the widget, most HTTP libraries): a tenth of the bytes.
	gz     map[string][]byte
	gzLen  map[string]string
	gzEtag map[string]string // each representation has its own strong ETag
}

// SetSnapshot makes snap the page served from now on; a snap that shows
// exactly what the current one shows is dropped, so pages already
// rendered stay. Safe to call while serving; snap must not be changed
// afterwards. nil takes the page down (503) until the next snapshot.
func (s *Server) SetSnapshot(snap *Snapshot) {
	if snap == nil {
		s.pages.current.Store(nil)
		return
	}
	enc := encodePages(snap)
	if prev := s.pages.current.Load(); prev != nil && sameContent(prev, enc) {
		// Nothing a reader sees changed (detection rebuilds the snapshot
		// every minute): keep the old one, so its rendered pages stay.
		return
	}
	s.pages.current.Store(enc)
}

// sameContent reports whether two encoded snapshots show the same: every
// API body, the bars, the post-mortems and the tenant's own impact (the
// HTML's only extras).
func sameContent(a, b *encodedPages) bool {
	for path, body := range a.bodies {
		if !bytes.Equal(body, b.bodies[path]) {
			return false
		}
	}
	if !maps.EqualFunc(a.snap.Bars, b.snap.Bars, slices.Equal) || !reflect.DeepEqual(a.snap.Page.Brand, b.snap.Page.Brand) {
		return false
	}
	return slices.EqualFunc(a.snap.Incidents, b.snap.Incidents, func(x, y Incident) bool {
		return x.Postmortem == y.Postmortem && slices.Equal(x.OwnImpact, y.OwnImpact)
	})
}

// Snapshot is the snapshot being served, or nil before SetSnapshot.
func (s *Server) Snapshot() *Snapshot {
	if p := s.pages.current.Load(); p != nil {
		return p.snap
	}
	return nil
}

// mountStatuspage registers the API under g (e.g. /api/v2), GET and HEAD.
func (s *Server) mountStatuspage(g *gin.RouterGroup) {
	for _, path := range statuspagePaths() {
		h := func(c *gin.Context) { s.serveStatuspage(c, path) }
		g.GET(path, h)
		g.HEAD(path, h)
	}
}

func (s *Server) serveStatuspage(c *gin.Context, path string) {
	hdr := c.Writer.Header()
	// Browsers (the embeddable widget) read these from any origin.
	hdr["Access-Control-Allow-Origin"] = []string{"*"}
	hdr["Content-Type"] = []string{"application/json; charset=utf-8"}
	p := s.pages.current.Load()
	if p == nil {
		// Not built yet (the first minute after start): ask clients to
		// come back rather than show an empty, "all operational" page.
		hdr["Retry-After"] = []string{"10"}
		c.Status(http.StatusServiceUnavailable)
		if c.Request.Method != http.MethodHead {
			_, _ = c.Writer.WriteString(`{"error":"status page not ready"}` + "\n")
		}
		return
	}
	s.writeStatuspage(c, p, path)
}

// writeStatuspage writes the body of path from p, honouring If-None-Match
// and HEAD.
func (s *Server) writeStatuspage(c *gin.Context, p *encodedPages, path string) {
	hdr := c.Writer.Header()
	hdr["Access-Control-Allow-Origin"] = []string{"*"}
	hdr["Content-Type"] = []string{"application/json; charset=utf-8"}
	hdr["Vary"] = []string{"Accept-Encoding"}
	body, etag, length := p.bodies[path], p.etag[path], p.length[path]
	if acceptsGzip(c.Request.Header.Get("Accept-Encoding")) {
		body, etag, length = p.gz[path], p.gzEtag[path], p.gzLen[path]
		hdr["Content-Encoding"] = []string{"gzip"}
	}
	hdr["Etag"] = []string{etag}
	if inm := c.Request.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		delete(hdr, "Content-Encoding")
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return
	}
	hdr["Content-Length"] = []string{length}
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		c.Writer.WriteHeaderNow()
		return
	}
	_, _ = c.Writer.Write(body)
}

func encodePages(snap *Snapshot) *encodedPages {
	w := newWire(snap)
	unresolved := filterIncidents(snap.Incidents, "investigating", "identified", "monitoring")
	upcoming := filterMaintenances(snap.Maintenances, "scheduled")
	active := filterMaintenances(snap.Maintenances, "in_progress", "verifying")
	current := filterMaintenances(snap.Maintenances, "scheduled", "in_progress", "verifying")
	page, status := w.page(), wireStatus(snap.Status)
	docs := map[string]any{
		"/summary.json": struct {
			Page                  wirePage          `json:"page"`
			Status                wireStatus        `json:"status"`
			Components            []wireComponent   `json:"components"`
			Incidents             []wireIncident    `json:"incidents"`
			ScheduledMaintenances []wireMaintenance `json:"scheduled_maintenances"`
		}{page, status, w.components(), w.incidents(unresolved), w.maintenances(current)},
		"/status.json": struct {
			Page   wirePage   `json:"page"`
			Status wireStatus `json:"status"`
		}{page, status},
		"/components.json": struct {
			Page       wirePage        `json:"page"`
			Components []wireComponent `json:"components"`
		}{page, w.components()},
		"/incidents.json":                       incidentsDoc{page, w.incidents(first(snap.Incidents, statuspageMax))},
		"/incidents/unresolved.json":            incidentsDoc{page, w.incidents(unresolved)},
		"/scheduled-maintenances.json":          maintenancesDoc{page, w.maintenances(first(snap.Maintenances, statuspageMax))},
		"/scheduled-maintenances/upcoming.json": maintenancesDoc{page, w.maintenances(upcoming)},
		"/scheduled-maintenances/active.json":   maintenancesDoc{page, w.maintenances(active)},
	}
	p := &encodedPages{
		snap:   snap,
		bodies: make(map[string][]byte, len(docs)),
		length: make(map[string]string, len(docs)),
		etag:   make(map[string]string, len(docs)),
		gz:     make(map[string][]byte, len(docs)),
		gzLen:  make(map[string]string, len(docs)),
		gzEtag: make(map[string]string, len(docs)),
	}
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression) // level is valid
	for path, doc := range docs {
		b, err := json.Marshal(doc)
		if err != nil {
			// The documents hold only strings, bools, ints and slices
			// of them: encoding cannot fail unless this file is wrong.
			panic(fmt.Sprintf("encode statuspage %s: %v", path, err))
		}
		b = append(b, '\n')
		p.bodies[path] = b
		p.length[path] = strconv.Itoa(len(b))
		h := fnv.New64a()
		h.Write(b)
		p.etag[path] = `"` + strconv.FormatUint(h.Sum64(), 36) + `"`
		var gz bytes.Buffer
		zw.Reset(&gz)
		_, _ = zw.Write(b)
		if err := zw.Close(); err != nil {
			panic(fmt.Sprintf("compress statuspage %s: %v", path, err)) // writes to memory do not fail
		}
		p.gz[path] = gz.Bytes()
		p.gzLen[path] = strconv.Itoa(gz.Len())
		p.gzEtag[path] = `"` + strconv.FormatUint(h.Sum64(), 36) + `-gz"`
	}
	return p
}

// etagMatch reports whether an If-None-Match header names etag: "*", the
// tag itself, or a list holding it (weak or strong, as RFC 9110 compares
// for If-None-Match).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

type incidentsDoc struct {
	Page      wirePage       `json:"page"`
	Incidents []wireIncident `json:"incidents"`
}

type maintenancesDoc struct {
	Page                  wirePage          `json:"page"`
	ScheduledMaintenances []wireMaintenance `json:"scheduled_maintenances"`
}

func first[T any](s []T, n int) []T { return s[:min(len(s), n)] }

func filterIncidents(in []Incident, statuses ...string) []Incident {
	var out []Incident
	for _, i := range in {
		if slices.Contains(statuses, i.Status) {
			out = append(out, i)
		}
	}
	return out
}

func filterMaintenances(in []Maintenance, statuses ...string) []Maintenance {
	var out []Maintenance
	for _, m := range in {
		if slices.Contains(statuses, m.Status) {
			out = append(out, m)
		}
	}
	return out
}

// timestamp is an instant as Statuspage writes it (RFC 3339, milliseconds,
// UTC "Z"); the zero time is null.
type timestamp time.Time

func (t timestamp) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + tt.UTC().Format("2006-01-02T15:04:05.000Z07:00") + `"`), nil
}

// nullString is a string that is null when empty.
type nullString string

func (s nullString) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(s))
}

type wirePage struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	TimeZone  string    `json:"time_zone"`
	UpdatedAt timestamp `json:"updated_at"`
}

type wireStatus struct {
	Indicator   string `json:"indicator"`
	Description string `json:"description"`
}

type wireComponent struct {
	ID                 string     `json:"id"`
	Name               string     `json:"name"`
	Status             string     `json:"status"`
	CreatedAt          timestamp  `json:"created_at"`
	UpdatedAt          timestamp  `json:"updated_at"`
	Position           int        `json:"position"`
	Description        nullString `json:"description"`
	Showcase           bool       `json:"showcase"`
	StartDate          *string    `json:"start_date"`
	GroupID            nullString `json:"group_id"`
	PageID             string     `json:"page_id"`
	Group              bool       `json:"group"`
	OnlyShowIfDegraded bool       `json:"only_show_if_degraded"`
	// Components lists a group's children; left out of service rows, as
	// Statuspage does.
	Components []string `json:"components,omitempty"`
}

type wireIncident struct {
	ID              string               `json:"id"`
	Name            string               `json:"name"`
	Status          string               `json:"status"`
	Impact          string               `json:"impact"`
	CreatedAt       timestamp            `json:"created_at"`
	UpdatedAt       timestamp            `json:"updated_at"`
	StartedAt       timestamp            `json:"started_at"`
	MonitoringAt    timestamp            `json:"monitoring_at"`
	ResolvedAt      timestamp            `json:"resolved_at"`
	Shortlink       string               `json:"shortlink"`
	PageID          string               `json:"page_id"`
	IncidentUpdates []wireIncidentUpdate `json:"incident_updates"`
	Components      []wireComponent      `json:"components"`
}

type wireIncidentUpdate struct {
	ID                   string    `json:"id"`
	Status               string    `json:"status"`
	Body                 string    `json:"body"`
	IncidentID           string    `json:"incident_id"`
	CreatedAt            timestamp `json:"created_at"`
	UpdatedAt            timestamp `json:"updated_at"`
	DisplayAt            timestamp `json:"display_at"`
	AffectedComponents   *[]string `json:"affected_components"` // slate records no per-update component changes: always null
	DeliverNotifications bool      `json:"deliver_notifications"`
	CustomTweet          *string   `json:"custom_tweet"`
	TweetID              *string   `json:"tweet_id"`
}

type wireMaintenance struct {
	wireIncident
	ScheduledFor   timestamp `json:"scheduled_for"`
	ScheduledUntil timestamp `json:"scheduled_until"`
}

// wire converts a snapshot to the API's shapes.
type wire struct {
	snap  *Snapshot
	comps map[string]wireComponent
}

func newWire(snap *Snapshot) *wire {
	w := &wire{snap: snap, comps: make(map[string]wireComponent, len(snap.Components))}
	for _, c := range snap.Components {
		w.comps[c.ID] = wireComponent{
			ID: c.ID, Name: c.Name, Status: c.Status,
			CreatedAt: timestamp(c.CreatedAt), UpdatedAt: timestamp(c.UpdatedAt),
			Position: c.Position, Description: nullString(c.Description),
			Showcase: !c.Group, GroupID: nullString(c.GroupID), PageID: snap.Page.ID,
			Group: c.Group, Components: c.Children,
		}
		if c.Group && c.Children == nil {
			// A group always lists its members, even none.
			wc := w.comps[c.ID]
			wc.Components = []string{}
			w.comps[c.ID] = wc
		}
	}
	return w
}

func (w *wire) page() wirePage {
	p := w.snap.Page
	return wirePage{ID: p.ID, Name: p.Name, URL: p.URL, TimeZone: p.TimeZone, UpdatedAt: timestamp(p.UpdatedAt)}
}

func (w *wire) components() []wireComponent {
	out := make([]wireComponent, 0, len(w.snap.Components))
	for _, c := range w.snap.Components {
		out = append(out, w.comps[c.ID])
	}
	return out
}

func (w *wire) incident(i Incident) wireIncident {
	out := wireIncident{
		ID: i.ID, Name: i.Name, Status: i.Status, Impact: i.Impact,
		CreatedAt: timestamp(i.CreatedAt), UpdatedAt: timestamp(i.UpdatedAt), StartedAt: timestamp(i.StartedAt),
		MonitoringAt: timestamp(i.Monitoring), ResolvedAt: timestamp(i.Resolved),
		Shortlink: i.Shortlink, PageID: w.snap.Page.ID,
		IncidentUpdates: make([]wireIncidentUpdate, 0, len(i.Updates)),
		Components:      make([]wireComponent, 0, len(i.Components)),
	}
	for _, u := range i.Updates {
		out.IncidentUpdates = append(out.IncidentUpdates, wireIncidentUpdate{
			ID: u.ID, Status: u.Status, Body: u.Body, IncidentID: i.ID,
			CreatedAt: timestamp(u.At), UpdatedAt: timestamp(u.At), DisplayAt: timestamp(u.At),
		})
	}
	for _, id := range i.Components {
		if c, ok := w.comps[id]; ok {
			out.Components = append(out.Components, c)
		}
	}
	return out
}

func (w *wire) incidents(in []Incident) []wireIncident {
	out := make([]wireIncident, 0, len(in))
	for _, i := range in {
		out = append(out, w.incident(i))
	}
	return out
}

func (w *wire) maintenances(in []Maintenance) []wireMaintenance {
	out := make([]wireMaintenance, 0, len(in))
	for _, m := range in {
		out = append(out, wireMaintenance{w.incident(m.Incident), timestamp(m.ScheduledFor), timestamp(m.ScheduledUntil)})
	}
	return out
}
