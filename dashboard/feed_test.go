package dashboard

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/mmcdole/gofeed"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/slatehq/slate/sla"
)

// parseFeed parses an Atom body the way feed readers do.
func parseFeed(t *testing.T, body []byte) *gofeed.Feed {
	t.Helper()
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse feed: %v\n%s", err, body)
	}
	if f.FeedType != "atom" {
		t.Fatalf("feed type: got %q, want atom", f.FeedType)
	}
	return f
}

func itemsByID(f *gofeed.Feed) map[string]*gofeed.Item {
	out := make(map[string]*gofeed.Item, len(f.Items))
	for _, it := range f.Items {
		out[it.GUID] = it
	}
	return out
}

func TestFeedGolden(t *testing.T) {
	w := serve(fixtureServer(t), http.MethodGet, "/feed.atom")
	if w.Code != http.StatusOK {
		t.Fatalf("status: got %d, want 200", w.Code)
	}
	checkGolden(t, "feed.golden", w.Body.Bytes())
}

func TestFeedParsed(t *testing.T) {
	snap := BuildSnapshot(fixtureInput(), fixedNow())
	body, err := renderFeed(snap, "https://status.example.com/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	f := parseFeed(t, body)
	if f.Title != "Example status" {
		t.Errorf("title: got %q, want %q", f.Title, "Example status")
	}
	if f.Link != "https://status.example.com/" || f.FeedLink != "https://status.example.com/feed.atom" {
		t.Errorf("links: got alternate %q self %q", f.Link, f.FeedLink)
	}
	if f.UpdatedParsed == nil || !f.UpdatedParsed.Equal(snap.Page.UpdatedAt) {
		t.Errorf("updated: got %v, want %v", f.UpdatedParsed, snap.Page.UpdatedAt)
	}
	if f.Author == nil || f.Author.Name != "Example status" {
		t.Errorf("author: got %+v, want Example status", f.Author)
	}
	// The fixture has 62 public incidents (capped at 50) and 3 shown
	// maintenance windows.
	if got, want := len(f.Items), feedMax+3; got != want {
		t.Errorf("entries: got %d, want %d", got, want)
	}
	items := itemsByID(f)

	cases := []struct {
		name, id, title string
		contains        []string // in this order: newest update first
	}{
		{"open incident", "1001", "[Monitoring] Database outage",
			[]string{"Affected: Database", "<strong>Monitoring</strong>", "Space freed; watching.", "Disk full on the primary.", "Database down at all locations."}},
		{"resolved incident, titled, of two services on the page and one not", "1000", "[Resolved] API and database errors",
			[]string{"Affected: API, Database", "Recovered.", "API down at 3 of 4 locations."}},
		{"upcoming maintenance", "m1", "[Scheduled] Database upgrade",
			[]string{"Affected: API, Database", `Scheduled: <time datetime="2026-11-21T02:00:00Z">2026-11-21 02:00 UTC</time> – <time datetime="2026-11-21T04:00:00Z">2026-11-21 04:00 UTC</time>`, "Still on schedule.", "The database moves to version 16"}},
		{"active maintenance", "m2", "[In progress] CDN cache rebuild",
			[]string{"Affected: CDN", "Scheduled: ", "Rebuild at 40%; cached pages load normally.", "Maintenance scheduled: CDN cache rebuild."}},
		{"completed maintenance", "m3", "[Completed] DNS provider switch",
			[]string{"Affected: dns", "Switched early; no errors seen.", "Maintenance in progress.", "Maintenance scheduled"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			link := "https://status.example.com/incidents/" + tc.id
			it := items[link]
			if it == nil {
				t.Fatalf("no entry with id %s", link)
			}
			if it.Title != tc.title {
				t.Errorf("title: got %q, want %q", it.Title, tc.title)
			}
			if it.Link != link {
				t.Errorf("link: got %q, want %q", it.Link, link)
			}
			last := -1
			for _, want := range tc.contains {
				i := strings.Index(it.Content, want)
				if i < 0 {
					t.Errorf("content lacks %q:\n%s", want, it.Content)
					continue
				}
				if i < last {
					t.Errorf("content has %q out of order:\n%s", want, it.Content)
				}
				last = i
			}
			if strings.Contains(it.Content, "failing locations") {
				t.Error("content shows a timeline entry without a status")
			}
		})
	}

	// Every incident within the cap and every window is there, with the
	// snapshot's times, and nothing else.
	want := map[string]Incident{}
	for _, inc := range snap.Incidents[:feedMax] {
		want[inc.Shortlink] = inc
	}
	for _, m := range snap.Maintenances {
		want[m.Shortlink] = m.Incident
	}
	for id, inc := range want {
		it := items[id]
		if it == nil {
			t.Errorf("no entry for %s", id)
			continue
		}
		if it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(inc.UpdatedAt) {
			t.Errorf("%s updated: got %v, want %v", id, it.UpdatedParsed, inc.UpdatedAt)
		}
		if it.PublishedParsed == nil || !it.PublishedParsed.Equal(inc.CreatedAt) {
			t.Errorf("%s published: got %v, want %v", id, it.PublishedParsed, inc.CreatedAt)
		}
		for _, u := range inc.Updates {
			if !strings.Contains(it.Content, u.Body) {
				t.Errorf("%s content lacks update body %q", id, u.Body)
			}
		}
	}
	if len(items) != len(want) {
		t.Errorf("entries by id: got %d, want %d", len(items), len(want))
	}
	for i := 1; i < len(f.Items); i++ {
		if f.Items[i].UpdatedParsed.After(*f.Items[i-1].UpdatedParsed) {
			t.Errorf("entry %d (%s) is newer than entry %d (%s): not newest first", i, f.Items[i].GUID, i-1, f.Items[i-1].GUID)
		}
	}
}

// An entry keeps its ID while its incident changes, so readers update
// it instead of showing the incident twice.
func TestFeedEntryIDsStable(t *testing.T) {
	in := fixtureInput()
	before := parseFeed(t, mustRenderFeed(t, BuildSnapshot(in, fixedNow())))
	in.Incidents[1].Status = "resolved"
	in.Incidents[1].Ended = at("2026-11-20T12:30:00Z")
	in.Incidents[1].Timeline = append(in.Incidents[1].Timeline, TimelineEntry{At: at("2026-11-20T12:30:00Z"), Status: "resolved", Body: "Fixed for good."})
	after := parseFeed(t, mustRenderFeed(t, BuildSnapshot(in, at("2026-11-21T03:00:00Z"))))
	id := "https://status.example.com/incidents/1001"
	a, b := itemsByID(before)[id], itemsByID(after)[id]
	if a == nil || b == nil {
		t.Fatalf("entry %s missing before (%v) or after (%v)", id, a != nil, b != nil)
	}
	if a.Title == b.Title || b.Title != "[Resolved] Database outage" {
		t.Errorf("title: got %q then %q, want a change to [Resolved] Database outage", a.Title, b.Title)
	}
	if !b.UpdatedParsed.After(*a.UpdatedParsed) {
		t.Errorf("updated: got %v then %v, want later", a.UpdatedParsed, b.UpdatedParsed)
	}
	m := itemsByID(after)["https://status.example.com/incidents/m1"]
	if m == nil || m.Title != "[In progress] Database upgrade" {
		t.Errorf("m1 after its start: got %+v, want [In progress] Database upgrade", m)
	}
	if len(before.Items) != len(after.Items) {
		t.Errorf("entries: got %d then %d, want the same", len(before.Items), len(after.Items))
	}
}

func mustRenderFeed(t *testing.T, snap *Snapshot) []byte {
	t.Helper()
	b, err := renderFeed(snap, snap.Page.URL+"/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFeedEscapes(t *testing.T) {
	in := fixtureInput()
	in.Page.Name = `<b>Ex</b> & co`
	in.Services[0].Name = `<i>API</i>`
	in.Incidents[0].Timeline[0].Body = `<script>alert("body")</script><img src=x onerror=alert(1)> & more`
	in.Maintenances[0].Title = `"><script>alert("m")</script>`
	body := mustRenderFeed(t, BuildSnapshot(in, fixedNow()))
	if bytes.Contains(body, []byte("<script")) || bytes.Contains(body, []byte("<img")) || bytes.Contains(body, []byte("<i>")) {
		t.Fatalf("raw markup from input in the XML:\n%s", body)
	}
	f := parseFeed(t, body)
	if f.Title != `<b>Ex</b> & co status` {
		t.Errorf("feed title (text): got %q", f.Title)
	}
	items := itemsByID(f)
	inc := items["https://status.example.com/incidents/1000"]
	if inc == nil {
		t.Fatal("incident 1000 missing")
	}
	// The content is HTML: the body must arrive as escaped text in it,
	// never as markup.
	if strings.Contains(inc.Content, "<script") || strings.Contains(inc.Content, "<img") || strings.Contains(inc.Content, "<i>") {
		t.Errorf("content carries markup from input:\n%s", inc.Content)
	}
	for _, want := range []string{`&lt;script&gt;alert(&#34;body&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; more`, "&lt;i&gt;API&lt;/i&gt;"} {
		if !strings.Contains(inc.Content, want) {
			t.Errorf("content lacks escaped %q:\n%s", want, inc.Content)
		}
	}
	if m := items["https://status.example.com/incidents/m1"]; m == nil || m.Title != `[Scheduled] "><script>alert("m")</script>` {
		t.Errorf("maintenance title (text): got %+v", m)
	}
}

func TestFeedCaps(t *testing.T) {
	in := SnapshotInput{
		Page:     Page{Name: "Caps", URL: "https://caps.example.com"},
		Services: []ServiceState{{ID: "web", Name: "Website", State: sla.StateUp, Since: at("2026-01-01T00:00:00Z")}},
	}
	start := at("2026-06-01T00:00:00Z")
	for n := 1; n <= 120; n++ {
		s := start.Add(time.Duration(n) * time.Hour)
		in.Incidents = append(in.Incidents, IncidentRecord{ID: fmt.Sprint(n), Service: "web", Status: "resolved", Started: s, Ended: s.Add(time.Minute),
			Timeline: []TimelineEntry{{At: s, Status: "investigating", Body: "slow"}, {At: s.Add(time.Minute), Status: "resolved", Body: "fine"}}})
	}
	for n := 1; n <= 70; n++ {
		s := start.Add(time.Duration(n) * 24 * time.Hour)
		in.Maintenances = append(in.Maintenances, MaintenanceWindow{ID: fmt.Sprint("m", n), Services: []string{"web"}, Title: "work", Start: s, End: s.Add(time.Hour)})
	}
	f := parseFeed(t, mustRenderFeed(t, BuildSnapshot(in, fixedNow())))
	items := itemsByID(f)
	if len(f.Items) != 2*feedMax {
		t.Errorf("entries: got %d, want %d", len(f.Items), 2*feedMax)
	}
	// The newest 50 of each: incidents 71..120 by start, windows m21..m70
	// by scheduled start.
	for _, tc := range []struct {
		name     string
		from, to int
		prefix   string
		present  bool
	}{
		{"newest incidents", 71, 120, "", true},
		{"older incidents", 1, 70, "", false},
		{"latest windows", 21, 70, "m", true},
		{"earlier windows", 1, 20, "m", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for n := tc.from; n <= tc.to; n++ {
				id := fmt.Sprintf("https://caps.example.com/incidents/%s%d", tc.prefix, n)
				if got := items[id] != nil; got != tc.present {
					t.Errorf("%s: present %v, want %v", id, got, tc.present)
				}
			}
		})
	}
}

// Atom's required elements, checked against the namespace with
// encoding/xml rather than a lenient reader.
func TestFeedAtomRequiredElements(t *testing.T) {
	body := mustRenderFeed(t, BuildSnapshot(fixtureInput(), fixedNow()))
	type entry struct {
		ID      string `xml:"http://www.w3.org/2005/Atom id"`
		Title   string `xml:"http://www.w3.org/2005/Atom title"`
		Updated string `xml:"http://www.w3.org/2005/Atom updated"`
	}
	var doc struct {
		XMLName xml.Name
		ID      string  `xml:"http://www.w3.org/2005/Atom id"`
		Title   string  `xml:"http://www.w3.org/2005/Atom title"`
		Updated string  `xml:"http://www.w3.org/2005/Atom updated"`
		Author  string  `xml:"http://www.w3.org/2005/Atom author>name"`
		Entries []entry `xml:"http://www.w3.org/2005/Atom entry"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.XMLName.Space != atomNS || doc.XMLName.Local != "feed" {
		t.Errorf("root: got {%s}%s, want {%s}feed", doc.XMLName.Space, doc.XMLName.Local, atomNS)
	}
	checkTime := func(what, s string) {
		tt, err := time.Parse(time.RFC3339, s)
		if err != nil || !strings.HasSuffix(s, "Z") || tt.IsZero() {
			t.Errorf("%s updated %q: want an RFC 3339 UTC time", what, s)
		}
	}
	if doc.ID != "https://status.example.com/feed.atom" || doc.Title == "" || doc.Author == "" {
		t.Errorf("feed id %q, title %q, author %q: want all set", doc.ID, doc.Title, doc.Author)
	}
	checkTime("feed", doc.Updated)
	if len(doc.Entries) == 0 {
		t.Fatal("no entries")
	}
	seen := map[string]bool{}
	for i, e := range doc.Entries {
		if e.ID == "" || e.Title == "" {
			t.Errorf("entry %d: id %q, title %q: want both", i, e.ID, e.Title)
		}
		if seen[e.ID] {
			t.Errorf("entry id %s used twice", e.ID)
		}
		seen[e.ID] = true
		checkTime("entry "+e.ID, e.Updated)
	}
}

func TestRenderFeedRefusesRelativeURLs(t *testing.T) {
	snap := BuildSnapshot(fixtureInput(), fixedNow())
	noURL := BuildSnapshot(SnapshotInput{Page: Page{Name: "x"}}, fixedNow())
	relURL := BuildSnapshot(SnapshotInput{Page: Page{Name: "x", URL: "/status"}}, fixedNow())
	for _, tc := range []struct {
		name string
		snap *Snapshot
		self string
		want string // in the error
	}{
		{"no page url", noURL, "https://a.example/feed.atom", "page.url is empty"},
		{"relative page url", relURL, "https://a.example/feed.atom", `page.url "/status" is not an absolute`},
		{"no self url", snap, "", "self url is empty"},
		{"relative self url", snap, "/feed.atom", `self url "/feed.atom" is not an absolute`},
		{"nil snapshot", nil, "https://a.example/feed.atom", "snapshot is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := renderFeed(tc.snap, tc.self)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error: got %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestFeedServed(t *testing.T) {
	s := fixtureServer(t)
	get := serve(s, http.MethodGet, "/feed.atom")
	head := serve(s, http.MethodHead, "/feed.atom")
	for _, w := range []struct {
		method string
		r      *httptest.ResponseRecorder
	}{{"GET", get}, {"HEAD", head}} {
		if w.r.Code != http.StatusOK {
			t.Errorf("%s status: got %d, want 200", w.method, w.r.Code)
		}
		if got := w.r.Header().Get("Content-Type"); got != "application/atom+xml; charset=utf-8" {
			t.Errorf("%s content type: got %q", w.method, got)
		}
		if got, want := w.r.Header().Get("Content-Length"), fmt.Sprint(get.Body.Len()); got != want {
			t.Errorf("%s content length: got %s, want %s", w.method, got, want)
		}
		if w.r.Header().Get("ETag") == "" {
			t.Errorf("%s: no ETag", w.method)
		}
	}
	if head.Body.Len() != 0 {
		t.Errorf("HEAD body: got %d bytes, want none", head.Body.Len())
	}
	if want := mustRenderFeed(t, s.Snapshot()); !bytes.Equal(get.Body.Bytes(), want) {
		t.Error("served body differs from renderFeed's")
	}

	etag := get.Header().Get("ETag")
	for _, tc := range []struct {
		name, method, inm string
		code              int
	}{
		{"same", http.MethodGet, etag, http.StatusNotModified},
		{"weak in a list", http.MethodGet, `"x", W/` + etag, http.StatusNotModified},
		{"HEAD same", http.MethodHead, etag, http.StatusNotModified},
		{"other", http.MethodGet, `"x"`, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/feed.atom", nil)
			req.Header.Set("If-None-Match", tc.inm)
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, req)
			if w.Code != tc.code {
				t.Errorf("status: got %d, want %d", w.Code, tc.code)
			}
			if tc.code == http.StatusNotModified && w.Body.Len() != 0 {
				t.Errorf("304 body: got %d bytes, want none", w.Body.Len())
			}
		})
	}

	in := fixtureInput()
	in.Incidents[0].Timeline = append(in.Incidents[0].Timeline, TimelineEntry{At: at("2026-11-19T10:00:00Z"), Status: "postmortem", Body: "Written up."})
	s.SetSnapshot(BuildSnapshot(in, fixedNow()))
	next := serve(s, http.MethodGet, "/feed.atom")
	if next.Header().Get("ETag") == etag || !strings.Contains(next.Body.String(), "Written up.") {
		t.Error("feed not re-encoded for a new snapshot")
	}
}

func TestFeedBeforeSnapshot(t *testing.T) {
	s := NewServer(prometheus.NewRegistry())
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		w := serve(s, method, "/feed.atom")
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: got %d, want 503", method, w.Code)
		}
		if w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", method)
		}
		if method == http.MethodHead && w.Body.Len() != 0 {
			t.Errorf("HEAD body: got %d bytes, want none", w.Body.Len())
		}
	}
	s.SetSnapshot(BuildSnapshot(fixtureInput(), fixedNow()))
	s.SetSnapshot(nil)
	if w := serve(s, http.MethodGet, "/feed.atom"); w.Code != http.StatusServiceUnavailable {
		t.Errorf("after SetSnapshot(nil): got %d, want 503", w.Code)
	}
}

// Two snapshots served through serveFeed at once, each route with its own
// cache (as a tenant's feed beside the public one), answer alternately
// with their own feed, and each is encoded once.
func TestFeedTwoSnapshots(t *testing.T) {
	s := fixtureServer(t)
	other := fixtureInput()
	other.Page = Page{ID: "acme", Name: "Acme", URL: "https://status.example.com/status/acme"}
	other.Incidents = other.Incidents[1:2]
	otherSnap := BuildSnapshot(other, fixedNow())
	var otherCache feedCache
	s.engine.GET("/status/acme/feed.atom", func(c *gin.Context) {
		s.serveFeed(c, &otherCache, otherSnap, otherSnap.Page.URL+"/feed.atom")
	})
	want := map[string][]byte{
		"/feed.atom":             mustRenderFeed(t, s.Snapshot()),
		"/status/acme/feed.atom": mustRenderFeed(t, otherSnap),
	}
	if bytes.Equal(want["/feed.atom"], want["/status/acme/feed.atom"]) {
		t.Fatal("the two snapshots encode the same")
	}
	serve(s, http.MethodGet, "/status/acme/feed.atom")
	encoded := otherCache.current.Load()
	for i := range 6 {
		path := []string{"/feed.atom", "/status/acme/feed.atom"}[i%2]
		if got := serve(s, http.MethodGet, path).Body.Bytes(); !bytes.Equal(got, want[path]) {
			t.Errorf("request %d for %s: got another feed", i, path)
		}
	}
	if otherCache.current.Load() != encoded {
		t.Error("a snapshot already encoded was encoded again")
	}
	f := parseFeed(t, want["/status/acme/feed.atom"])
	if f.Title != "Acme status" || len(f.Items) != 1+len(otherSnap.Maintenances) {
		t.Errorf("tenant feed: got title %q and %d entries", f.Title, len(f.Items))
	}
}

// The burst of requests that meets a new snapshot encodes it once.
func TestFeedCacheEncodesOnce(t *testing.T) {
	var cache feedCache
	snap := BuildSnapshot(fixtureInput(), fixedNow())
	got := make([]*encodedFeed, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			e, err := cache.feedFor(snap, "https://status.example.com/feed.atom")
			if err != nil {
				t.Error(err)
			}
			got[i] = e
		})
	}
	wg.Wait()
	for i, e := range got {
		if e != got[0] {
			t.Errorf("request %d got a feed encoded separately", i)
		}
	}
	// Another self URL is another document.
	e, err := cache.feedFor(snap, "https://other.example.com/feed.atom")
	if err != nil {
		t.Fatal(err)
	}
	if e == got[0] || !bytes.Contains(e.body, []byte(`href="https://other.example.com/feed.atom"`)) {
		t.Error("feed not re-encoded for another self URL")
	}
}

// Any names and bodies encode to well-formed Atom with one entry per
// incident.
func FuzzRenderFeed(f *testing.F) {
	f.Add("Mail", "<script>x</script>", "a & b")
	f.Add("\x00\xff", "\uFFFE", "]]>")
	f.Fuzz(func(t *testing.T, name, body, title string) {
		in := SnapshotInput{
			Page:     Page{Name: name, URL: "https://fuzz.example.com"},
			Services: []ServiceState{{ID: "s", Name: name, State: sla.StateUp, Since: at("2026-11-01T00:00:00Z")}},
			Incidents: []IncidentRecord{{ID: "1", Service: "s", Status: "investigating", Started: at("2026-11-02T00:00:00Z"),
				Timeline: []TimelineEntry{{At: at("2026-11-02T00:00:00Z"), Status: "investigating", Body: body}}}},
			Maintenances: []MaintenanceWindow{{ID: "m1", Services: []string{"s"}, Title: title, Start: at("2026-11-03T00:00:00Z"), End: at("2026-11-03T01:00:00Z")}},
		}
		out, err := renderFeed(BuildSnapshot(in, fixedNow()), "https://fuzz.example.com/feed.atom")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Entries []struct {
				ID string `xml:"http://www.w3.org/2005/Atom id"`
			} `xml:"http://www.w3.org/2005/Atom entry"`
		}
		if err := xml.Unmarshal(out, &doc); err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, out)
		}
		if len(doc.Entries) != 2 {
			t.Errorf("entries: got %d, want 2", len(doc.Entries))
		}
	})
}

func BenchmarkRenderFeed(b *testing.B) {
	snap := BuildSnapshot(fixtureInput(), fixedNow())
	for b.Loop() {
		if _, err := renderFeed(snap, "https://status.example.com/feed.atom"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFeedServed(b *testing.B) {
	s := NewServer(prometheus.NewRegistry())
	s.SetSnapshot(BuildSnapshot(fixtureInput(), fixedNow()))
	h := s.Handler()
	req := httptest.NewRequest(http.MethodGet, "/feed.atom", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
