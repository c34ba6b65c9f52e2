package dashboard

import (
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/fnv"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// The Atom feed (RFC 4287) of a status page's incidents and maintenance,
// at /feed.atom. Like the JSON API it is encoded once per snapshot and
// served with an ETag, since feed readers poll it on a timer and mostly
// get 304.

// feedMax caps the incidents, and separately the maintenance windows, in
// a feed, as the JSON API caps its lists.
const feedMax = 50

// feedCache holds the encoded feed of the last snapshot served through
// it, so that serving that snapshot again costs a pointer load and a
// write. It has one slot: a route owns one cache per snapshot it serves.
// The public page's cache lives in mountFeed; a route serving another
// snapshot, such as a tenant's /status/{tenant}/feed.atom, keeps its own
// beside that snapshot (a field of tenantState, say), so feeds of
// different snapshots never evict each other and a cache is dropped with
// its snapshot. Its zero value is ready; it must not be copied after use.
type feedCache struct {
	current atomic.Pointer[encodedFeed]
	// rendering serialises renders, so the burst of requests that meets
	// a new snapshot encodes it once instead of once per request.
	rendering sync.Mutex
}

// encodedFeed is the feed of one snapshot at one self URL.
type encodedFeed struct {
	snap    *Snapshot
	selfURL string
	body    []byte
	length  string // Content-Length, formatted once
	etag    string // strong ETag
}

// feedFor returns the feed of snap, encoding it unless it is the one
// held.
func (f *feedCache) feedFor(snap *Snapshot, selfURL string) (*encodedFeed, error) {
	held := func() *encodedFeed {
		if e := f.current.Load(); e != nil && e.snap == snap && e.selfURL == selfURL {
			return e
		}
		return nil
	}
	if e := held(); e != nil {
		return e, nil
	}
	f.rendering.Lock()
	defer f.rendering.Unlock()
	if e := held(); e != nil {
		return e, nil
	}
	body, err := renderFeed(snap, selfURL)
	if err != nil {
		return nil, err
	}
	h := fnv.New64a()
	h.Write(body)
	e := &encodedFeed{
		snap: snap, selfURL: selfURL, body: body,
		length: strconv.Itoa(len(body)),
		etag:   `"` + strconv.FormatUint(h.Sum64(), 36) + `"`,
	}
	f.current.Store(e)
	return e, nil
}

// feedTitle is "<name> status", without repeating a name that already
// says so ("Status", "Example Status").
func feedTitle(name string) string {
	if strings.HasSuffix(strings.ToLower(name), "status") {
		return name
	}
	return name + " status"
}

// mountFeed registers /feed.atom, GET and HEAD, serving the snapshot of
// SetSnapshot with links under its Page.URL.
func (s *Server) mountFeed() {
	var cache feedCache
	h := func(c *gin.Context) {
		snap, self := s.Snapshot(), ""
		if snap != nil {
			self = snap.Page.URL + "/feed.atom"
		}
		s.serveFeed(c, &cache, snap, self)
	}
	s.engine.GET("/feed.atom", h)
	s.engine.HEAD("/feed.atom", h)
}

// serveFeed writes the feed of snap, whose own address is selfURL, through
// cache (see feedCache for who owns which), honouring If-None-Match and
// HEAD. A nil snap answers 503: the page is not built yet.
func (s *Server) serveFeed(c *gin.Context, cache *feedCache, snap *Snapshot, selfURL string) {
	hdr := c.Writer.Header()
	if snap == nil {
		// Not built yet: a reader told "no entries" would think every
		// incident had been withdrawn.
		hdr["Content-Type"] = []string{"text/plain; charset=utf-8"}
		hdr["Retry-After"] = []string{"10"}
		c.Status(http.StatusServiceUnavailable)
		if c.Request.Method != http.MethodHead {
			_, _ = c.Writer.WriteString("status feed not ready\n")
		}
		return
	}
	f, err := cache.feedFor(snap, selfURL)
	if err != nil {
		_ = c.Error(err)
		c.Status(http.StatusInternalServerError)
		return
	}
	hdr["Content-Type"] = []string{"application/atom+xml; charset=utf-8"}
	hdr["Etag"] = []string{f.etag}
	if inm := c.Request.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, f.etag) {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return
	}
	hdr["Content-Length"] = []string{f.length}
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		c.Writer.WriteHeaderNow()
		return
	}
	_, _ = c.Writer.Write(f.body)
}

// atomNS is the Atom 1.0 namespace.
const atomNS = "http://www.w3.org/2005/Atom"

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published,omitempty"`
	Link      atomLink    `xml:"link"`
	Content   atomContent `xml:"content"`
	updated   time.Time   // for ordering
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// atomTime is an instant as Atom writes it: RFC 3339 in UTC.
func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// renderFeed encodes snap as an Atom 1.0 document whose rel=self link is
// selfURL. Entry IDs are the incidents' and windows' page URLs, so an
// entry keeps its ID across snapshots and readers update it in place.
// It needs absolute URLs, as Atom IDs are: Page.URL and selfURL.
func renderFeed(snap *Snapshot, selfURL string) ([]byte, error) {
	if snap == nil {
		return nil, errors.New("feed: snapshot is nil")
	}
	base := snap.Page.URL
	if err := checkAbsolute("page.url", base); err != nil {
		return nil, err
	}
	if err := checkAbsolute("self url", selfURL); err != nil {
		return nil, err
	}
	name := cmp.Or(snap.Page.Name, "Status")
	doc := atomFeed{
		ID:      base + "/feed.atom",
		Title:   feedTitle(name),
		Updated: atomTime(snap.Page.UpdatedAt),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: selfURL},
			{Rel: "alternate", Type: "text/html", Href: base + "/"},
		},
		Author: atomPerson{Name: name},
	}
	names := make(map[string]string, len(snap.Components))
	for _, c := range snap.Components {
		names[c.ID] = c.Name
	}
	for _, inc := range first(snap.Incidents, feedMax) {
		doc.Entries = append(doc.Entries, feedEntry(base, inc, nil, names))
	}
	for i := range first(snap.Maintenances, feedMax) {
		m := &snap.Maintenances[i]
		doc.Entries = append(doc.Entries, feedEntry(base, m.Incident, m, names))
	}
	// Newest change first; the ID breaks ties so equal times order the
	// same in every encoding, keeping the ETag stable.
	slices.SortStableFunc(doc.Entries, func(a, b atomEntry) int {
		if c := b.updated.Compare(a.updated); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode feed: %w", err)
	}
	return append(append([]byte(xml.Header), out...), '\n'), nil
}

// checkAbsolute requires an absolute http(s) URL.
func checkAbsolute(field, s string) error {
	if s == "" {
		return fmt.Errorf("feed: %s is empty; Atom needs absolute URLs", field)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("feed: %s %q is not an absolute http(s) URL", field, s)
	}
	return nil
}

// feedEntry is one incident, or one maintenance window when m is set.
func feedEntry(base string, inc Incident, m *Maintenance, names map[string]string) atomEntry {
	page := base + "/incidents/" + inc.ID
	e := atomEntry{
		ID:      page,
		Title:   "[" + statusWords(inc.Status) + "] " + inc.Name,
		Updated: atomTime(inc.UpdatedAt),
		Link:    atomLink{Rel: "alternate", Type: "text/html", Href: cmp.Or(inc.Shortlink, page)},
		updated: inc.UpdatedAt,
	}
	if !inc.CreatedAt.IsZero() {
		e.Published = atomTime(inc.CreatedAt)
	}
	// The content is HTML, escaped once here for the reader's HTML and
	// once more by the XML encoder.
	var b strings.Builder
	if len(inc.Components) > 0 {
		affected := make([]string, 0, len(inc.Components))
		for _, id := range inc.Components {
			affected = append(affected, cmp.Or(names[id], id))
		}
		b.WriteString("<p>Affected: " + html.EscapeString(strings.Join(affected, ", ")) + "</p>")
	}
	if m != nil {
		b.WriteString("<p>Scheduled: " + feedTime(m.ScheduledFor) + " – " + feedTime(m.ScheduledUntil) + "</p>")
	}
	for _, u := range inc.Updates { // newest first, as the snapshot holds them
		b.WriteString("<p><strong>" + html.EscapeString(statusWords(u.Status)) + "</strong> – " +
			feedTime(u.At) + "<br>" + html.EscapeString(u.Body) + "</p>")
	}
	e.Content = atomContent{Type: "html", Body: b.String()}
	return e
}

// feedTime is an instant as HTML for the content: readable text with the
// RFC 3339 form in its datetime attribute.
func feedTime(t time.Time) string {
	if t.IsZero() {
		return "unknown time"
	}
	t = t.UTC()
	return `<time datetime="` + t.Format(time.RFC3339) + `">` + t.Format("2006-01-02 15:04 UTC") + "</time>"
}

// statusWords turns a status such as in_progress into "In progress", as
// the HTML page shows it.
func statusWords(s string) string {
	if s == "" {
		return "Unknown"
	}
	return words(s)
}
