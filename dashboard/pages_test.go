package dashboard

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// pagesInput is the API fixture with bars: api has a day in each colour
// class and a day without data; db has the 60 major / 100 partial day.
func pagesInput() SnapshotInput {
	in := fixtureInput()
	in.Bars = map[string][]DayBar{
		"api": {
			{Date: "2026-11-15", KnownMinutes: 0},
			{Date: "2026-11-16", KnownMinutes: 1440},
			{Date: "2026-11-17", KnownMinutes: 1440, PartialMinutes: 20},
			{Date: "2026-11-18", KnownMinutes: 1440, MajorMinutes: 30},
			{Date: "2026-11-19", KnownMinutes: 1440, MajorMinutes: 60},
		},
		"db":     {{Date: "2026-11-20", KnownMinutes: 1440, MajorMinutes: 60, PartialMinutes: 100}},
		"secret": {{Date: "2026-11-20", KnownMinutes: 1440}}, // not public: dropped
	}
	return in
}

func pagesServer(t *testing.T, in SnapshotInput) *Server {
	t.Helper()
	s := NewServer(prometheus.NewRegistry())
	s.SetSnapshot(BuildSnapshot(in, fixedNow()))
	return s
}

func getPage(s *Server, path, acceptEncoding string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	w := httptest.NewRecorder()
	s.engine.ServeHTTP(w, req)
	return w
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("body differs from %s (run go test -update and review the diff):\n%s", path, got)
	}
}

func TestPagesGolden(t *testing.T) {
	s := pagesServer(t, pagesInput())
	for _, tc := range []struct{ path, golden string }{
		{"/", "page_index.golden"},
		{"/incidents/1001", "page_incident.golden"},
		{"/incidents/m1", "page_maintenance.golden"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			w := getPage(s, tc.path, "")
			if w.Code != http.StatusOK {
				t.Fatalf("status: got %d, want 200", w.Code)
			}
			if got := w.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("content type: got %q", got)
			}
			checkGolden(t, tc.golden, w.Body.Bytes())
		})
	}
}

func TestPagesContent(t *testing.T) {
	s := pagesServer(t, pagesInput())
	body := getPage(s, "/", "").Body.String()
	for _, want := range []string{
		`<html lang="en">`, "<header", "<main", "<footer",
		"Partial System Outage",
		`href="/incidents/1001"`, "Space freed; watching.", // active incident, latest update
		"Database upgrade", "CDN cache rebuild", // upcoming and active maintenance
		`href="/incidents/1000"`, // history
		`href="/feed.atom"`,
		`aria-label="API: daily uptime, oldest first"`,
		"Major outage", "Under maintenance", // status in words
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/ lacks %q", want)
		}
	}
	if strings.Contains(body, "DNS provider switch") {
		t.Error("/ lists a completed maintenance as upcoming or active")
	}
	if strings.Contains(body, `href="/incidents/5"`) {
		t.Errorf("/ lists more than %d resolved incidents", historyMax)
	}
	inc := getPage(s, "/incidents/1001", "").Body.String()
	// Newest first, the entry without a status left out.
	iMon, iIdent, iInv := strings.Index(inc, "Space freed"), strings.Index(inc, "Disk full"), strings.Index(inc, "Database down at all")
	if iMon < 0 || !(iMon < iIdent && iIdent < iInv) {
		t.Errorf("timeline not newest first: %d %d %d", iMon, iIdent, iInv)
	}
	if strings.Contains(inc, "<dt>Resolved</dt>") {
		t.Error("an open incident shows a resolved time")
	}
	if !strings.Contains(getPage(s, "/incidents/1000", "").Body.String(), "<dt>Resolved</dt>") {
		t.Error("a resolved incident lacks its resolved time")
	}
	if strings.Contains(inc, "failing locations") {
		t.Error("timeline shows an entry without a status")
	}
}

// TestBarDetails checks a day's figures: exact, in the summary's text
// (read on focus) and in the disclosure that opens below the bars, and
// never in a title attribute, which touch and keyboard cannot reach.
func TestBarDetails(t *testing.T) {
	b := newBar(DayBar{Date: "2026-11-20", KnownMinutes: 1440, MajorMinutes: 60, PartialMinutes: 100})
	// (1440 − 60 − 0.3·100) / 1440 = 1350/1440 = 93.75%.
	if b.Percent != "93.75%" || b.Class != "major" {
		t.Errorf("got %q %q, want 93.75%% major", b.Percent, b.Class)
	}
	want := "2026-11-20: 93.75% uptime, 60 min major outage, 100 min partial outage"
	if b.Title != want {
		t.Errorf("title: got %q, want %q", b.Title, want)
	}
	body := getPage(pagesServer(t, pagesInput()), "/", "").Body.String()
	if !strings.Contains(body, `<summary><span class="visually-hidden">`+want+`</span></summary>`) {
		t.Error("/ lacks the db bar's day as a disclosure")
	}
	if !strings.Contains(body, "<strong>20 Nov 2026</strong><br>93.75% uptime · 60 min major outage · 100 min partial outage · 1440 min measured") {
		t.Error("/ lacks the db bar's disclosed figures")
	}
	if strings.Contains(body, ` title="2026-`) {
		t.Error("/ still carries title tooltips")
	}
	if strings.Contains(body, "secret") {
		t.Error("bars of a private service are shown")
	}
}

func TestBarClasses(t *testing.T) {
	for _, tc := range []struct {
		d              DayBar
		percent, class string
	}{
		{DayBar{KnownMinutes: 0}, "no data", "nodata"},
		{DayBar{KnownMinutes: 1440}, "100.00%", "up"},
		// 0.3·20 = 6 min of 1440: 99.583%, below 99.95.
		{DayBar{KnownMinutes: 1440, PartialMinutes: 20}, "99.58%", "minor"},
		// Exactly 99.95%: 1 min of 2000.
		{DayBar{KnownMinutes: 2000, MajorMinutes: 1}, "99.95%", "up"},
		// Exactly 99%: 10 min of 1000, and just below.
		{DayBar{KnownMinutes: 1000, MajorMinutes: 10}, "99.00%", "minor"},
		{DayBar{KnownMinutes: 1000, MajorMinutes: 10, PartialMinutes: 1}, "98.97%", "partial"},
		// Exactly 95% from partial minutes only: 0.3·100 = 30 of 600.
		{DayBar{KnownMinutes: 600, PartialMinutes: 100}, "95.00%", "partial"},
		{DayBar{KnownMinutes: 1440, MajorMinutes: 1440}, "0.00%", "major"},
		// More partial minutes than known ones: clamp at 0.
		{DayBar{KnownMinutes: 10, MajorMinutes: 10, PartialMinutes: 10}, "0.00%", "major"},
	} {
		b := newBar(tc.d)
		if b.Percent != tc.percent || b.Class != tc.class {
			t.Errorf("%+v: got %q %q, want %q %q", tc.d, b.Percent, b.Class, tc.percent, tc.class)
		}
	}
}

// Every template must render from the zero model: a field a template
// assumes set would otherwise fail only on some snapshot in production.
func TestTemplatesRenderZeroValue(t *testing.T) {
	tmpl := newTemplates()
	n := 0
	for _, tt := range tmpl.Templates() {
		if tt.Name() == "" {
			continue
		}
		var model any = view{}
		if tt.Name() == "incidentSummary" {
			model = incidentView{}
		}
		if err := tmpl.ExecuteTemplate(io.Discard, tt.Name(), model); err != nil {
			t.Errorf("%s: %v", tt.Name(), err)
		}
		n++
	}
	if n < 4 {
		t.Errorf("only %d templates found", n)
	}
	if err := tmpl.ExecuteTemplate(io.Discard, "incident", view{Incident: &incidentView{}}); err != nil {
		t.Errorf("incident with zero incident: %v", err)
	}
	if _, err := renderPages(tmpl, &Snapshot{}, pageOptions{index: "index"}); err != nil {
		t.Errorf("empty snapshot: %v", err)
	}
}

func TestPagesGzip(t *testing.T) {
	s := pagesServer(t, pagesInput())
	for _, path := range []string{"/", "/incidents/1001", "/incidents/nope"} {
		plain := getPage(s, path, "")
		if plain.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s: encoded without Accept-Encoding", path)
		}
		w := getPage(s, path, "br, gzip;q=0.8")
		if got := w.Header().Get("Content-Encoding"); got != "gzip" {
			t.Fatalf("%s: Content-Encoding %q, want gzip", path, got)
		}
		if w.Code != plain.Code {
			t.Errorf("%s: status %d gzip, %d plain", path, w.Code, plain.Code)
		}
		if !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: no Vary: Accept-Encoding", path)
		}
		zr, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain.Body.Bytes()) {
			t.Errorf("%s: gzip body differs from plain body", path)
		}
	}
	if w := getPage(s, "/", "gzip;q=0"); w.Header().Get("Content-Encoding") != "" {
		t.Error("gzip served though refused with q=0")
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "deflate, gzip": true, "gzip;q=0": false,
		"gzip; q=0.0": false, "gzip;q=0.5": true, "*": true, "identity": false, "x-gzip": false,
	} {
		if got := acceptsGzip(h); got != want {
			t.Errorf("%q: got %v, want %v", h, got, want)
		}
	}
}

func TestPagesNotFoundAndNotReady(t *testing.T) {
	s := pagesServer(t, pagesInput())
	w := getPage(s, "/incidents/424242", "")
	if w.Code != http.StatusNotFound {
		t.Errorf("unknown incident: got %d, want 404", w.Code)
	}
	if !strings.Contains(w.Body.String(), "Incident not found") {
		t.Error("404 page lacks its heading")
	}
	// A private service's incident is not in the snapshot.
	if w := getPage(s, "/incidents/999", ""); w.Code != http.StatusNotFound {
		t.Errorf("private incident: got %d, want 404", w.Code)
	}
	empty := NewServer(prometheus.NewRegistry())
	if w := getPage(empty, "/", ""); w.Code != http.StatusServiceUnavailable {
		t.Errorf("before a snapshot: got %d, want 503", w.Code)
	}
}

func TestPagesFollowSnapshot(t *testing.T) {
	s := pagesServer(t, pagesInput())
	if !strings.Contains(getPage(s, "/", "").Body.String(), "Partial System Outage") {
		t.Fatal("first snapshot not shown")
	}
	s.SetSnapshot(BuildSnapshot(SnapshotInput{Page: Page{Name: "Second"}}, fixedNow()))
	body := getPage(s, "/", "").Body.String()
	if !strings.Contains(body, "Second") || strings.Contains(body, "Partial System Outage") {
		t.Error("page not re-rendered for the new snapshot")
	}
}

func TestPagesSwapWhileServing(t *testing.T) {
	s := pagesServer(t, pagesInput())
	snaps := []*Snapshot{
		BuildSnapshot(pagesInput(), fixedNow()),
		BuildSnapshot(SnapshotInput{Page: Page{Name: "Other"}}, fixedNow()),
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				if g == 0 {
					s.SetSnapshot(snaps[i%2])
					continue
				}
				if w := getPage(s, "/", "gzip"); w.Code != http.StatusOK {
					t.Errorf("status %d", w.Code)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkRenderPages(b *testing.B) {
	tmpl, snap := newTemplates(), BuildSnapshot(pagesInput(), fixedNow())
	for b.Loop() {
		if _, err := renderPages(tmpl, snap, pageOptions{index: "index"}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPagesEscape(t *testing.T) {
	in := pagesInput()
	in.Page.Name = `<script>alert("page")</script>`
	in.Services[0].Name = `<script>alert("svc")</script>`
	in.Services[0].Group = `<script>alert("group")</script>`
	in.Incidents[0].Timeline[0].Body = `<script>alert("body")</script><img src=x onerror=alert(1)>`
	in.Maintenances[0].Title = `"><script>alert("m")</script>`
	s := pagesServer(t, in)
	for _, path := range []string{"/", "/incidents/1000", "/incidents/m1", "/incidents/nope"} {
		body := getPage(s, path, "").Body.String()
		// The page's own script element is the static file's; any other
		// <script or <img came from the input.
		body = strings.Replace(body, `<script src="/static/local-time.js" defer></script>`, "", 1)
		if strings.Contains(body, "<script") || strings.Contains(body, "<img") {
			t.Errorf("%s: raw markup from input in output", path)
		}
		if !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("%s: escaped input not shown", path)
		}
	}
}

func TestPagesHEAD(t *testing.T) {
	s := pagesServer(t, pagesInput())
	for path, code := range map[string]int{"/": 200, "/incidents/1001": 200, "/incidents/nope": 404} {
		req := httptest.NewRequest(http.MethodHead, path, nil)
		w := httptest.NewRecorder()
		s.engine.ServeHTTP(w, req)
		if w.Code != code || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "" {
			t.Errorf("HEAD %s: status %d, body %d bytes, Content-Length %q", path, w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
		}
	}
}

func TestStaticCSS(t *testing.T) {
	w := getPage(pagesServer(t, pagesInput()), "/static/style.css", "")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "prefers-color-scheme") {
		t.Errorf("style.css: status %d", w.Code)
	}
}

func BenchmarkPageIndex(b *testing.B) {
	s := NewServer(prometheus.NewRegistry())
	s.SetSnapshot(BuildSnapshot(pagesInput(), fixedNow()))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	for b.Loop() {
		s.engine.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// TestPagesServedWhileRendering checks that requests arriving while a new
// snapshot renders get the previous pages at once instead of queueing
// behind the render, and that the next request after it gets the new page.
func TestPagesServedWhileRendering(t *testing.T) {
	s := pagesServer(t, pagesInput())
	if !strings.Contains(getPage(s, "/", "").Body.String(), "Partial System Outage") {
		t.Fatal("first snapshot not shown")
	}
	s.SetSnapshot(BuildSnapshot(SnapshotInput{Page: Page{Name: "Second"}}, fixedNow()))
	s.html.rendering.Lock() // a render of the new snapshot in progress
	done := make(chan string, 1)
	go func() { done <- getPage(s, "/", "").Body.String() }()
	select {
	case body := <-done:
		if !strings.Contains(body, "Partial System Outage") {
			t.Error("during the render: not the previous page")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a request waited for the render instead of getting the previous page")
	}
	s.html.rendering.Unlock()
	if body := getPage(s, "/", "").Body.String(); !strings.Contains(body, "Second") {
		t.Error("after the render: new snapshot not shown")
	}
}

// TestFirstPageWaitsForRender checks that with no pages rendered yet a
// request waits for the render rather than failing.
func TestFirstPageWaitsForRender(t *testing.T) {
	s := pagesServer(t, pagesInput())
	s.html.rendering.Lock()
	done := make(chan int, 1)
	go func() { done <- getPage(s, "/", "").Code }()
	select {
	case code := <-done:
		t.Fatalf("answered %d while the first render was held", code)
	case <-time.After(100 * time.Millisecond):
	}
	s.html.rendering.Unlock()
	if code := <-done; code != http.StatusOK {
		t.Errorf("first page: %d", code)
	}
}

// TestUnchangedSnapshotKeepsRenderedPages checks that a snapshot rebuilt
// with the same content (as detection does every minute) does not make
// the next request render the page again, and that a real change does.
func TestUnchangedSnapshotKeepsRenderedPages(t *testing.T) {
	s := pagesServer(t, pagesInput())
	getPage(s, "/", "")
	rendered := s.html.current.Load()
	s.SetSnapshot(BuildSnapshot(pagesInput(), fixedNow()))
	getPage(s, "/", "")
	if s.html.current.Load() != rendered {
		t.Error("an identical snapshot was rendered again")
	}
	in := pagesInput()
	in.Bars["api"][1].MajorMinutes = 5 // only the HTML shows bars
	s.SetSnapshot(BuildSnapshot(in, fixedNow()))
	getPage(s, "/", "")
	if s.html.current.Load() == rendered {
		t.Error("a change of the bars was not rendered")
	}
}
