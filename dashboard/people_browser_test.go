package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/internal/browsertest"
	"github.com/slatehq/slate/statement"
)

// Browser tests of the pages as people use them: on a 360 px phone,
// with the keyboard, by touch, in their own time zone, and through
// axe-core, the accessibility engine, which the tests inject into each
// page (internal/browsertest/axe-core, pinned, with its licence; never
// served).

// phoneWidth is the narrowest common phone viewport, in CSS pixels.
const phoneWidth = 360

// peopleServer serves the browser fixture's public page and acme's
// tenant page, with a statement for acme and feed addresses.
func peopleServer(t *testing.T) (*httptest.Server, *Snapshot) {
	t.Helper()
	s := NewServer(prometheus.NewRegistry())
	snap := BuildSnapshot(browserInput(), fixedNow())
	s.SetSnapshot(snap)
	s.Auth = testTokens
	s.Now = fixedNow
	tv := tenantFixture()
	tv.Owed = []string{"You are owed 462.50 EUR for 2026-10, applied to your invoice of 1 December 2026."}
	s.SetTenants([]*TenantView{tv})
	s.Statements = func(context.Context, string, string) (statement.Statement, error) { return browserStatement(t), nil }
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, snap
}

// browserStatement is a statement with long names and every kind of row,
// the widest a statement page gets.
func browserStatement(t *testing.T) statement.Statement {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	eur := func(m int64) statement.Money { return statement.Money{Minor: m, Currency: "EUR"} }
	return statement.Statement{
		Provider: statement.Provider{Name: "Nordlicht Cloud AG", Code: "NORDLICHT", Address: []string{"Hafenstraße 12", "20457 Hamburg"},
			Email: "billing@nordlicht.example", SupportURL: "https://nordlicht.example/support"},
		Tenant: statement.Tenant{ID: "acme", Name: "Acme Corporation", BillingRef: "K-10023", Location: loc},
		Period: statement.Period{Name: "2026-10", Start: time.Date(2026, 10, 1, 0, 0, 0, 0, loc), End: time.Date(2026, 11, 1, 0, 0, 0, 0, loc)},
		Issued: time.Date(2026, 11, 2, 9, 0, 0, 0, loc),
		Contracts: []statement.Contract{{
			Name: "Messenger Premium with Guaranteed Delivery", Target: "99.95", Uptime: "98.3871", DowntimeMinutes: "720",
			Credit: statement.Credit{Unit: statement.UnitDays, Days: "3", Fee: eur(31000)}, Amount: eur(46250),
		}},
		Method:      statement.Method{Locations: []string{"Frankfurt", "Virginia"}, Interval: time.Minute},
		Application: statement.Application{How: statement.ApplyInvoice, Date: time.Date(2026, 12, 1, 0, 0, 0, 0, loc)},
	}
}

// phone makes the tab a 360 px wide touch screen.
func phone(t *testing.T, ctx context.Context) {
	t.Helper()
	cdpCall(t, ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: phoneWidth, Height: 780, DeviceScaleFactor: 2, Mobile: true})
	cdpCall(t, ctx, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: true})
}

// cdpCall sends one DevTools command to the tab of ctx.
func cdpCall[P, R any](t *testing.T, ctx context.Context, cmd cdp.Command[P, R], params P) {
	t.Helper()
	if _, err := chromedp.Call(ctx, cmd, params); err != nil {
		t.Fatalf("%s: %v", cmd.Method, err)
	}
}

// asViewer sends acme's viewer token with every request of the tab.
func asViewer(t *testing.T, ctx context.Context) {
	t.Helper()
	cdpCall(t, ctx, network.Enable, network.EnableParams{})
	cdpCall(t, ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Bearer viewer-tok"}})
}

// peoplePages are the pages every narrow-layout and axe check covers.
func peoplePages(snap *Snapshot, t *testing.T) []struct{ name, path string } {
	inc := activeIncident(t, snap)
	return []struct{ name, path string }{
		{"public status page", "/"},
		{"incident page", "/incidents/" + inc.ID},
		{"tenant page", "/status/acme"},
		{"tenant statement page", "/status/acme/statement"},
	}
}

// TestBrowserPagesFitAPhone opens each page at 360 px and checks that the
// document is no wider than the viewport (nothing to scroll sideways),
// that the browser reports no console error or exception, and that
// axe-core finds nothing serious or critical there.
func TestBrowserPagesFitAPhone(t *testing.T) {
	slate, snap := peopleServer(t)
	for _, p := range peoplePages(snap, t) {
		t.Run(p.name, func(t *testing.T) {
			// A browser each, with time to spare: axe-core on a page of
			// 450 bars took 11 s on a busy two-core machine.
			ctx := browsertest.NewTimeout(t, 2*time.Minute)
			problems := browsertest.Problems(t, ctx)
			asViewer(t, ctx)
			phone(t, ctx)
			resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(slate.URL+p.path))
			if err != nil || resp.Status != http.StatusOK {
				t.Fatalf("GET %s: %v, %v", p.path, resp, err)
			}
			type widths struct {
				Viewport int `json:"viewport"`
				Scroll   int `json:"scroll"`
				Body     int `json:"body"`
			}
			w := browsertest.Eval[widths](t, ctx, `({viewport: window.innerWidth, scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth})`)
			if w.Viewport != phoneWidth {
				t.Fatalf("viewport is %d px, want %d", w.Viewport, phoneWidth)
			}
			if w.Scroll > w.Viewport || w.Body > w.Viewport {
				wide := browsertest.Eval[[]string](t, ctx, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).slice(0, 5).map(e => e.tagName + '.' + e.className)`)
				t.Errorf("%s at %d px: document %d px wide, body %d px: scrolls sideways; too wide: %v", p.path, w.Viewport, w.Scroll, w.Body, wide)
			}
			start := time.Now()
			browsertest.CheckAxe(t, ctx, p.name+" at 360 px")
			t.Logf("axe-core took %v", time.Since(start).Round(time.Millisecond))
			saveScreenshot(t, ctx, "phone-"+strings.ReplaceAll(p.name, " ", "-")+".png")
			for _, pr := range problems() {
				t.Errorf("%s: browser reports %s", p.path, pr)
			}
		})
	}
}

// dayOfJS describes a day's summary element and the figures its
// disclosure shows; dayFocusJS the focused element so.
const dayOfJS = `(s => {
	const d = s && s.closest('ol.bars details');
	if (!d || s.tagName !== 'SUMMARY') return {day: false};
	const panel = d.querySelector('.day');
	const r = panel.getBoundingClientRect();
	return {day: true, name: s.textContent, open: d.open, text: panel.innerText, visible: panel.checkVisibility() && r.width > 0 && r.height > 0,
		left: r.left, right: r.right, viewport: window.innerWidth};
})`

const dayFocusJS = dayOfJS + `(document.activeElement)`

type dayFocus struct {
	Day      bool    `json:"day"`
	Name     string  `json:"name"`
	Open     bool    `json:"open"`
	Text     string  `json:"text"`
	Visible  bool    `json:"visible"`
	Left     float64 `json:"left"`
	Right    float64 `json:"right"`
	Viewport float64 `json:"viewport"`
}

var dayFigures = regexp.MustCompile(`^\d{1,2} [A-Z][a-z]{2} \d{4}\n(\d{1,3}\.\d\d% uptime · \d+ min major outage · \d+ min partial outage · \d+ min measured|No data: no location reported this day\.)$`)

// TestBrowserDayDetailsByKeyboardAndTouch reaches a day of the bars with
// Tab alone, opens it with Enter and reads its figures, moves to the next
// day, and on a touch screen taps a day open: each time the figures are
// on screen, inside the viewport, and agree with the day's name.
func TestBrowserDayDetailsByKeyboardAndTouch(t *testing.T) {
	slate, _ := peopleServer(t)
	ctx, checkExceptions := browse(t)
	defer checkExceptions()
	phone(t, ctx)
	browserDo(t, ctx, chromedp.Navigate(slate.URL+"/"))
	var f dayFocus
	tabs := 0
	for ; tabs < 40 && !f.Day; tabs++ {
		browserDo(t, ctx, chromedp.KeyEvent(kb.Tab))
		f = browsertest.Eval[dayFocus](t, ctx, dayFocusJS)
	}
	if !f.Day {
		t.Fatalf("no day of the bars reached after %d presses of Tab", tabs)
	}
	t.Logf("first day reached after %d presses of Tab: %q", tabs, f.Name)
	if f.Open || f.Visible {
		t.Errorf("day open before it was asked: %+v", f)
	}
	browserDo(t, ctx, chromedp.KeyEvent(kb.Enter))
	f = browsertest.Eval[dayFocus](t, ctx, dayFocusJS)
	checkDay := func(how string, f dayFocus) {
		t.Helper()
		if !f.Open || !f.Visible {
			t.Fatalf("%s: day %q did not open: %+v", how, f.Name, f)
		}
		if !dayFigures.MatchString(f.Text) {
			t.Errorf("%s: figures %q are not a day's", how, f.Text)
		}
		date, _, _ := strings.Cut(f.Name, ":")
		d, err := time.Parse(time.DateOnly, date)
		if err != nil || !strings.HasPrefix(f.Text, d.Format("2 Jan 2006")+"\n") {
			t.Errorf("%s: summary %q and figures %q name different days", how, f.Name, f.Text)
		}
		if f.Left < 0 || f.Right > f.Viewport {
			t.Errorf("%s: figures at %v..%v px, outside the %v px viewport", how, f.Left, f.Right, f.Viewport)
		}
	}
	checkDay("Enter", f)
	first := f.Name
	browserDo(t, ctx, chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(" "))
	f = browsertest.Eval[dayFocus](t, ctx, dayFocusJS)
	checkDay("Tab, Space", f)
	if f.Name == first {
		t.Errorf("Tab stayed on day %q", first)
	}
	// Days of one service share a name: opening one closes the other.
	if n := browsertest.Eval[int](t, ctx, `document.querySelectorAll('ol.bars:first-of-type details[open]').length`); n != 1 {
		t.Errorf("%d days of the first service open, want 1", n)
	}

	// Touch: tap the 60th day of the second service.
	type point struct{ X, Y float64 }
	at := browsertest.Eval[point](t, ctx, `(() => { const s = document.querySelectorAll('ol.bars')[1].querySelectorAll('summary')[59];
		s.scrollIntoView({block: 'center'}); const r = s.getBoundingClientRect(); return {X: r.x + r.width / 2, Y: r.y + r.height / 2}; })()`)
	tp := []*input.TouchPoint{{X: at.X, Y: at.Y}}
	cdpCall(t, ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchStart, TouchPoints: tp})
	cdpCall(t, ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchEnd, TouchPoints: []*input.TouchPoint{}})
	var tapped dayFocus
	for range 20 {
		tapped = browsertest.Eval[dayFocus](t, ctx, dayOfJS+`(document.querySelectorAll('ol.bars')[1].querySelectorAll('summary')[59])`)
		if tapped.Open {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	checkDay("tap", tapped)
	saveScreenshot(t, ctx, "phone-day-details.png")
}

// TestBrowserTimesInTheReadersZone shows the public page to a reader in
// New York: its times are rewritten in that zone, and the footer says
// so. The tenant page is in the tenant's zone whatever the reader's.
func TestBrowserTimesInTheReadersZone(t *testing.T) {
	slate, snap := peopleServer(t)
	ctx, checkExceptions := browse(t)
	defer checkExceptions()
	cdpCall(t, ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"})
	asViewer(t, ctx)
	browserDo(t, ctx, chromedp.Navigate(slate.URL+"/"))
	inc := activeIncident(t, snap)
	at := inc.Updates[0].At
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	want := at.In(ny).Format("2006-01-02 15:04")
	got := browsertest.Eval[string](t, ctx, fmt.Sprintf(`document.querySelector('a[href="/incidents/%s"]').closest('article').querySelector('time').textContent`, inc.ID))
	if !strings.HasPrefix(got, want+" ") {
		t.Errorf("latest update at %s shows %q, want %s in New York's zone", at.Format(time.RFC3339), got, want)
	}
	if note := browsertest.Eval[string](t, ctx, `document.getElementById('tz-note').textContent`); note != "Times are in your time zone (America/New_York)." {
		t.Errorf("footer says %q", note)
	}
	browserDo(t, ctx, chromedp.Navigate(slate.URL+"/status/acme"))
	berlin, _ := time.LoadLocation("Europe/Berlin")
	got = browsertest.Eval[string](t, ctx, `document.querySelector('.incident time').textContent`)
	if want := at.In(berlin).Format("2006-01-02 15:04 MST"); got != want {
		t.Errorf("tenant page shows %q, want %q in the tenant's zone", got, want)
	}
	if body := browsertest.Eval[string](t, ctx, `document.body.innerText`); !strings.Contains(body, "Times are in Europe/Berlin.") ||
		!strings.Contains(body, "You are owed 462.50 EUR for 2026-10, applied to your invoice of 1 December 2026.") {
		t.Errorf("tenant page lacks its zone or what it owes:\n%s", body)
	}
}
