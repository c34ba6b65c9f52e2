package dashboard

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/internal/browsertest"
)

// Browser tests load the status pages in headless Chromium, so they check
// what a reader gets after layout and styles, and that Atlassian's status
// widget, a real Statuspage client, reads slate's API from another origin.
// With -update they also write the screenshots in docs/screenshots.

// browserDays is how many daily bars the page shows.
const browserDays = 90

// browserInput is the API fixture with 90 days of bars for every public
// service, ending on the fixture's today (half over at fixedNow), with
// the bad days the fixture's incidents imply: the website's 60 short
// partial outages, the API's hour-long outage yesterday, the database's
// outage in progress today and one bad day in September.
func browserInput() SnapshotInput {
	in := fixtureInput()
	bad := map[string]map[string]DayBar{
		"api": {
			"2026-10-01": {KnownMinutes: 0}, // no measurements
			"2026-11-19": {KnownMinutes: 1440, MajorMinutes: 60},
		},
		"db": {
			"2026-09-15": {KnownMinutes: 1440, MajorMinutes: 60, PartialMinutes: 100},
			"2026-11-20": {KnownMinutes: 720, MajorMinutes: 20},
		},
		"web": {},
		"cdn": {},
		"dns": {
			"2026-11-18": {KnownMinutes: 0},
			"2026-11-19": {KnownMinutes: 0},
			"2026-11-20": {KnownMinutes: 0},
		},
	}
	for d := time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		bad["web"][d.Format(time.DateOnly)] = DayBar{KnownMinutes: 1440, PartialMinutes: 10}
	}
	last := fixedNow().Truncate(24 * time.Hour)
	in.Bars = map[string][]DayBar{}
	for svc, days := range bad {
		for i := browserDays - 1; i >= 0; i-- {
			date := last.AddDate(0, 0, -i).Format(time.DateOnly)
			d, ok := days[date]
			if !ok {
				d = DayBar{KnownMinutes: 1440}
				if i == 0 {
					d.KnownMinutes = 720 // today, until noon
				}
			}
			d.Date = date
			in.Bars[svc] = append(in.Bars[svc], d)
		}
	}
	return in
}

// startSlate serves the fixture's snapshot over HTTP on 127.0.0.1.
func startSlate(t *testing.T, h func(http.Handler) http.Handler) (*httptest.Server, *Snapshot) {
	t.Helper()
	s := NewServer(prometheus.NewRegistry())
	snap := BuildSnapshot(browserInput(), fixedNow())
	s.SetSnapshot(snap)
	var handler http.Handler = s.Handler()
	if h != nil {
		handler = h(handler)
	}
	ts := httptest.NewServer(handler)
	t.Cleanup(ts.Close)
	return ts, snap
}

// browse starts Chromium and collects the page's uncaught exceptions;
// call the returned func at the end to fail on any.
func browse(t *testing.T) (context.Context, func()) {
	t.Helper()
	ctx := browsertest.New(t)
	var mu sync.Mutex
	var thrown []string
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			mu.Lock()
			defer mu.Unlock()
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			thrown = append(thrown, msg)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ctx, func() {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		for _, m := range thrown {
			t.Errorf("uncaught exception in the page: %s", m)
		}
	}
}

func browserDo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// saveScreenshot writes docs/screenshots/name under -update.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if !*update {
		return
	}
	path := filepath.Join("..", "docs", "screenshots", name)
	if err := browsertest.Screenshot(ctx, path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > 400<<10 {
		t.Errorf("%s is %d KB; keep screenshots under 400 KB", path, fi.Size()>>10)
	}
}

// activeIncident is the snapshot's open incident, which the page lists.
func activeIncident(t *testing.T, snap *Snapshot) Incident {
	t.Helper()
	for _, inc := range snap.Incidents {
		if inc.Status != "resolved" && inc.Status != "postmortem" {
			return inc
		}
	}
	t.Fatal("fixture has no open incident")
	return Incident{}
}

// pageServices is what the page shows of each service.
type pageServices []struct {
	Name   string   `json:"name"`
	Status string   `json:"status"`
	Titles []string `json:"titles"` // each day's summary, which focus and screen readers read
	Hidden []string `json:"hidden"` // the screen-reader text of each bar
}

const readServices = `[...document.querySelectorAll('li.service')].map(li => ({
	name: li.querySelector('.name').textContent,
	status: li.querySelector('.status').textContent,
	titles: [...li.querySelectorAll('ol.bars > li summary')].map(b => b.textContent),
	hidden: [...li.querySelectorAll('ol.bars > li summary .visually-hidden')].map(b => b.textContent),
}))`

var barTitle = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}): (\d{1,3}\.\d\d% uptime, \d+ min major outage, \d+ min partial outage|no data)$`)

func TestBrowserStatusPage(t *testing.T) {
	slate, snap := startSlate(t, nil)
	ctx, checkExceptions := browse(t)
	defer checkExceptions()
	browserDo(t, ctx, chromedp.Navigate(slate.URL+"/"))

	if got := browsertest.Eval[string](t, ctx, `document.querySelector('.banner h2').textContent`); got != snap.Status.Description {
		t.Errorf("banner: got %q, want %q", got, snap.Status.Description)
	}
	// The banner's fill must show through: an unstyled page would leave it
	// transparent.
	if bg := browsertest.Eval[string](t, ctx, `getComputedStyle(document.querySelector('.banner')).backgroundColor`); bg == "rgba(0, 0, 0, 0)" {
		t.Error("banner has no background: stylesheet not applied")
	}

	services := browsertest.Eval[pageServices](t, ctx, readServices)
	var want []string
	for _, c := range snap.Components {
		if !c.Group {
			want = append(want, c.Name)
		}
	}
	if len(services) != len(want) {
		t.Fatalf("page shows %d services, want %d", len(services), len(want))
	}
	for i, svc := range services {
		if svc.Name != want[i] {
			t.Errorf("service %d: got %q, want %q", i, svc.Name, want[i])
		}
		if len(svc.Titles) != browserDays {
			t.Errorf("%s: %d bars, want %d", svc.Name, len(svc.Titles), browserDays)
			continue
		}
		var prev string
		for j, title := range svc.Titles {
			m := barTitle.FindStringSubmatch(title)
			if m == nil {
				t.Errorf("%s bar %d: title %q is not a day's uptime", svc.Name, j, title)
				continue
			}
			if m[1] <= prev {
				t.Errorf("%s bar %d: day %s after %s, want oldest first", svc.Name, j, m[1], prev)
			}
			prev = m[1]
			if svc.Hidden[j] != title {
				t.Errorf("%s bar %d: screen-reader text %q differs from title %q", svc.Name, j, svc.Hidden[j], title)
			}
		}
		if prev != fixedNow().Format(time.DateOnly) {
			t.Errorf("%s: last bar is %s, want today %s", svc.Name, prev, fixedNow().Format(time.DateOnly))
		}
	}
	// Bad days carry their figures: (1440 − 60 − 0.3·100)/1440 and
	// (720 − 20)/720.
	for _, tc := range []struct{ service, title string }{
		{"Database", "2026-09-15: 93.75% uptime, 60 min major outage, 100 min partial outage"},
		{"Database", "2026-11-20: 97.22% uptime, 20 min major outage, 0 min partial outage"},
		{"API", "2026-11-19: 95.83% uptime, 60 min major outage, 0 min partial outage"},
		{"API", "2026-10-01: no data"},
		{"Website", "2026-09-02: 99.79% uptime, 0 min major outage, 10 min partial outage"},
	} {
		found := false
		for _, svc := range services {
			if svc.Name == tc.service {
				found = strings.Contains("\n"+strings.Join(svc.Titles, "\n")+"\n", "\n"+tc.title+"\n")
			}
		}
		if !found {
			t.Errorf("%s lacks the bar %q", tc.service, tc.title)
		}
	}

	// The bars of a service sit in one row, left to right, each visible:
	// 90 of them must fit the width of the page.
	type box struct{ X, Y, W, H float64 }
	boxes := browsertest.Eval[[]box](t, ctx, `[...document.querySelector('ol.bars').children].map(b => {
		const r = b.getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height} })`)
	if len(boxes) != browserDays {
		t.Fatalf("first bar row has %d bars", len(boxes))
	}
	for i, b := range boxes {
		if b.W <= 0 || b.H <= 0 {
			t.Errorf("bar %d is not visible: %+v", i, b)
		}
		if b.Y != boxes[0].Y {
			t.Errorf("bar %d wraps to another row: y %v, first %v", i, b.Y, boxes[0].Y)
		}
		if i > 0 && b.X <= boxes[i-1].X {
			t.Errorf("bar %d not right of bar %d", i, i-1)
		}
	}

	inc := activeIncident(t, snap)
	link := fmt.Sprintf(`a[href="/incidents/%s"]`, inc.ID)
	article := browsertest.Eval[string](t, ctx, fmt.Sprintf(`document.querySelector('%s').closest('article').innerText`, link))
	for _, want := range []string{inc.Name, inc.Updates[0].Body} {
		if !strings.Contains(article, want) {
			t.Errorf("active incident %q lacks %q", article, want)
		}
	}
	saveScreenshot(t, ctx, "status-page.png")
}

func TestBrowserIncidentPage(t *testing.T) {
	slate, snap := startSlate(t, nil)
	ctx, checkExceptions := browse(t)
	defer checkExceptions()
	inc := activeIncident(t, snap)
	browserDo(t, ctx, chromedp.Navigate(slate.URL+"/"))

	// Follow the link as a reader does.
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/incidents/%s"]`, inc.ID))))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK {
		t.Errorf("incident page: status %d", resp.Status)
	}
	if got, want := browsertest.Eval[string](t, ctx, `location.pathname`), "/incidents/"+inc.ID; got != want {
		t.Errorf("after the click: at %s, want %s", got, want)
	}
	if got := browsertest.Eval[string](t, ctx, `document.querySelector('h1').textContent`); got != inc.Name {
		t.Errorf("heading: got %q, want %q", got, inc.Name)
	}
	type entry struct {
		Status string `json:"status"`
		Body   string `json:"body"`
		When   string `json:"when"`
	}
	timeline := browsertest.Eval[[]entry](t, ctx, `[...document.querySelectorAll('ol.timeline > li')].map(li => ({
		status: li.querySelector('h3').textContent,
		body: li.querySelector('p').textContent,
		when: li.querySelector('time').getAttribute('datetime'),
	}))`)
	if len(timeline) != len(inc.Updates) {
		t.Fatalf("timeline has %d entries, want %d: %+v", len(timeline), len(inc.Updates), timeline)
	}
	for i, u := range inc.Updates {
		got := timeline[i]
		if !strings.EqualFold(got.Status, strings.ReplaceAll(u.Status, "_", " ")) || got.Body != u.Body || got.When != u.At.Format(time.RFC3339) {
			t.Errorf("timeline entry %d: got %+v, want %s %q at %s", i, got, u.Status, u.Body, u.At.Format(time.RFC3339))
		}
	}
	saveScreenshot(t, ctx, "incident.png")

	// And back again.
	browserDo(t, ctx, chromedp.Click(chromedp.CSS(`main a[href="/"]`)), chromedp.WaitVisible(chromedp.CSS(".banner")))
	if got := browsertest.Eval[string](t, ctx, `location.pathname`); got != "/" {
		t.Errorf("back link leads to %s", got)
	}
}

// coloursJS reads an element's text colour and the background it sits on
// (the nearest ancestor with a fill).
const coloursJS = `(sel => {
	const el = document.querySelector(sel);
	let bg = el;
	while (bg && getComputedStyle(bg).backgroundColor === 'rgba(0, 0, 0, 0)') bg = bg.parentElement;
	return [getComputedStyle(el).color, bg ? getComputedStyle(bg).backgroundColor : 'rgb(255, 255, 255)'];
})`

var rgbRE = regexp.MustCompile(`^rgba?\((\d+), (\d+), (\d+)`)

// relLuminance is the WCAG relative luminance of a CSS rgb() colour.
func relLuminance(t *testing.T, css string) float64 {
	t.Helper()
	m := rgbRE.FindStringSubmatch(css)
	if m == nil {
		t.Fatalf("colour %q is not rgb()", css)
	}
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		c, err := strconv.ParseFloat(m[i+1], 64)
		if err != nil {
			t.Fatal(err)
		}
		c /= 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}

func contrastRatio(a, b float64) float64 {
	return (max(a, b) + 0.05) / (min(a, b) + 0.05)
}

func TestBrowserColourSchemes(t *testing.T) {
	slate, _ := startSlate(t, nil)
	ctx, checkExceptions := browse(t)
	defer checkExceptions()
	for _, tc := range []struct {
		scheme string
		dark   bool
		shot   string
	}{
		{"light", false, ""},
		{"dark", true, "status-page-dark.png"},
	} {
		t.Run(tc.scheme, func(t *testing.T) {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: tc.scheme}},
			})
			if err != nil {
				t.Fatal(err)
			}
			browserDo(t, ctx, chromedp.Navigate(slate.URL+"/"))
			if got := browsertest.Eval[bool](t, ctx, `matchMedia('(prefers-color-scheme: dark)').matches`); got != tc.dark {
				t.Fatalf("prefers-color-scheme dark matches %v, want %v", got, tc.dark)
			}
			body := browsertest.Eval[[]string](t, ctx, coloursJS+`('body')`)
			fg, bg := relLuminance(t, body[0]), relLuminance(t, body[1])
			if (bg < fg) != tc.dark {
				t.Errorf("body %s on %s: want a %s background", body[0], body[1], tc.scheme)
			}
			// The stylesheet promises 4.5:1 for text in both schemes.
			for _, sel := range []string{"body", ".banner h2", ".name", ".status-major", ".status-operational", ".status-maintenance", ".status-partial", ".legend", "a"} {
				c := browsertest.Eval[[]string](t, ctx, coloursJS+`('`+sel+`')`)
				if r := contrastRatio(relLuminance(t, c[0]), relLuminance(t, c[1])); r < 4.5 {
					t.Errorf("%s: %s on %s has contrast %.2f:1, want at least 4.5:1", sel, c[0], c[1], r)
				}
			}
			if tc.shot != "" {
				saveScreenshot(t, ctx, tc.shot)
			}
		})
	}
}

func TestBrowserWithoutJavaScript(t *testing.T) {
	slate, snap := startSlate(t, nil)
	ctx := browsertest.New(t)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	// Scripts of the page are off: this one would retitle it.
	browserDo(t, ctx, chromedp.Navigate(`data:text/html,<title>off</title><script>document.title="on"</script>`))
	if title, err := chromedp.Run(ctx, chromedp.Title()); err != nil || title != "off" {
		t.Fatalf("page scripts still run: title %q, %v", title, err)
	}

	browserDo(t, ctx, chromedp.Navigate(slate.URL+"/"))
	banner, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".banner h2")))
	if err != nil {
		t.Fatal(err)
	}
	if banner != snap.Status.Description {
		t.Errorf("banner: got %q, want %q", banner, snap.Status.Description)
	}
	bars, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("ol.bars > li")))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(bars), browserDays*len(snap.Bars); got != want {
		t.Errorf("%d bars, want %d", got, want)
	}
	inc := activeIncident(t, snap)
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/incidents/%s"]`, inc.ID))))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK {
		t.Errorf("incident page: status %d", resp.Status)
	}
	entries, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("ol.timeline > li")))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(inc.Updates) {
		t.Errorf("timeline has %d entries, want %d", len(entries), len(inc.Updates))
	}
}

// widgetPage embeds Atlassian's status widget, in both of its appearances,
// pointed at slate. The published bundle is strict mode yet assigns the
// undeclared global parcelRequire after registering the element, which
// throws a ReferenceError on every page that loads it; declaring the
// global first lets it load cleanly, so any other exception still fails
// the test.
const widgetPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Embedded status</title>
<style>body { font: 16px/1.5 sans-serif; margin: 2rem; } section { margin: 1rem 0; }</style>
</head><body>
<h1>A page on another site, embedding the status widget</h1>
<section><h2>appearance="basic"</h2><statuspage-widget id="basic" src="%[1]s"></statuspage-widget></section>
<section><h2>appearance="badge"</h2><statuspage-widget id="badge" src="%[1]s" appearance="badge" title="slate status"></statuspage-widget></section>
<script>var parcelRequire;</script>
<script src="/status-widget.js"></script>
</body></html>`

// widgetRequest is one request the widget made to slate.
type widgetRequest struct{ method, path, origin string }

func TestBrowserStatusWidget(t *testing.T) {
	widgetJS, err := os.ReadFile(filepath.Join("testdata", "status-widget", "status-widget.js"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var requests []widgetRequest
	slate, snap := startSlate(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			requests = append(requests, widgetRequest{r.Method, r.URL.Path, r.Header.Get("Origin")})
			mu.Unlock()
			h.ServeHTTP(w, r)
		})
	})
	// The embedding page comes from a second server: another origin, so
	// the widget's fetch is cross-origin and needs slate's CORS header.
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, widgetPage, slate.URL)
		case "/status-widget.js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			_, _ = w.Write(widgetJS)
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	if site.URL == slate.URL {
		t.Fatal("the embedding page and slate share an origin")
	}

	ctx, checkExceptions := browse(t)
	defer checkExceptions()
	browserDo(t, ctx, chromedp.Navigate(site.URL+"/"))
	// The widget renders into an open shadow root once the summary
	// arrives; wait for both widgets.
	type shown struct {
		Text      string `json:"text"`
		Indicator string `json:"indicator"`
		Href      string `json:"href"`
	}
	read := func(id string) chromedp.Action[shown] {
		return chromedp.Poll[shown](fmt.Sprintf(`(() => {
			const root = document.getElementById(%q).shadowRoot;
			const ind = root && root.querySelector('.status-indicator');
			if (!ind) return null;
			return {
				text: root.querySelector('.status-container').textContent.replace(/\s+/g, ' ').trim(),
				indicator: ind.className,
				href: root.querySelector('a').href,
			};
		})()`, id), chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))
	}
	for _, id := range []string{"basic", "badge"} {
		got, err := chromedp.Run(ctx, read(id))
		if err != nil {
			t.Fatalf("%s widget never rendered: %v", id, err)
		}
		if !strings.Contains(got.Text, snap.Status.Description) {
			t.Errorf("%s widget shows %q, want %q", id, got.Text, snap.Status.Description)
		}
		if !strings.Contains(" "+got.Indicator+" ", " "+snap.Status.Indicator+" ") {
			t.Errorf("%s widget indicator classes %q lack %q", id, got.Indicator, snap.Status.Indicator)
		}
		if strings.TrimSuffix(got.Href, "/") != slate.URL {
			t.Errorf("%s widget links to %q, want %q", id, got.Href, slate.URL)
		}
	}
	saveScreenshot(t, ctx, "status-widget.png")

	mu.Lock()
	defer mu.Unlock()
	if len(requests) == 0 {
		t.Fatal("the widget made no request to slate")
	}
	for _, r := range requests {
		// Both widgets share one cached fetch of the summary.
		if r.method != http.MethodGet || r.path != "/api/v2/summary.json" || r.origin != site.URL {
			t.Errorf("widget request %s %s from origin %q, want GET /api/v2/summary.json from %s", r.method, r.path, r.origin, site.URL)
		}
	}
	t.Logf("widget requests: %+v", requests)
}

// TestBrowserTenantPage signs in to a tenant page through its form as a
// reader does: another tenant's token is refused without showing anything
// of the page, the tenant's own token opens it, and signing out closes it.
func TestBrowserTenantPage(t *testing.T) {
	ts := httptest.NewServer(tenantServer(t).Handler())
	t.Cleanup(ts.Close)
	ctx, checkExceptions := browse(t)
	defer checkExceptions()
	signIn := func(token string) {
		t.Helper()
		browserDo(t, ctx,
			chromedp.Navigate(ts.URL+"/status/acme"),
			chromedp.WaitVisible(chromedp.CSS("input#token")),
			chromedp.SendKeys(chromedp.CSS("input#token"), token),
		)
		// RunResponse waits for the navigation the form starts.
		if _, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS("input#token"))); err != nil {
			t.Fatal(err)
		}
	}
	signIn("globex-tok")
	if got := browsertest.Eval[string](t, ctx, `document.querySelector('[role=alert]')?.textContent ?? ''`); !strings.Contains(got, "not valid for this page") {
		t.Errorf("another tenant's token: alert %q, want a refusal", got)
	}
	if body := browsertest.Eval[string](t, ctx, `document.body.innerText`); strings.Contains(body, "Acme Corporation") || strings.Contains(body, "acme-gold") {
		t.Errorf("the refusal shows acme's page:\n%s", body)
	}
	signIn("viewer-tok")
	if got := browsertest.Eval[string](t, ctx, `document.querySelector('h1').textContent`); got != "Acme Corporation" {
		t.Fatalf("acme's token: heading %q, want the tenant page", got)
	}
	// The explanations open on request.
	browserDo(t, ctx, chromedp.Click(chromedp.CSS(`details.explain summary`)))
	for _, want := range []string{"Contract acme-gold", "This month: 99.871%, below the 99.9% target.", "Error budget left", "burn rate", "Credit statement", "EUR 123.46"} {
		if body := browsertest.Eval[string](t, ctx, `document.body.innerText`); !strings.Contains(body, want) {
			t.Errorf("tenant page lacks %q", want)
		}
	}
	if n := browsertest.Eval[int](t, ctx, `document.cookie.length`); n != 0 {
		t.Errorf("page scripts can read %d bytes of cookies; the session cookie must be HttpOnly", n)
	}
	saveScreenshot(t, ctx, "tenant-page.png")
	browserDo(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/status/acme/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("input#token")))
}
