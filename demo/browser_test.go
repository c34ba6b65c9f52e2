package demo

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/internal/browsertest"
	"github.com/slatehq/slate/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite the demo screenshots in docs/screenshots")

// TestMain builds gin engines in release mode, as slate does.
func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// TestDemoInBrowser opens the demo's pages in headless Chromium as a
// newcomer would: the public page with its banner and 90-day bars, the
// post-mortem, and the tenant page through the printed signed link, with
// no complaint from the browser on any of them. With
// -update it writes the README's screenshots.
func TestDemoInBrowser(t *testing.T) {
	ctx := browsertest.New(t)
	clock := &testkit.Clock{}
	clock.Set(time.Date(2026, 1, 1, 12, 1, 0, 0, time.UTC)) // every scripted server answers
	r, out, _ := startDemo(t, t.TempDir(), clock)
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return v
	}
	shot := func(name string) {
		t.Helper()
		if !*update {
			return
		}
		path := filepath.Join("..", "docs", "screenshots", name)
		if err := browsertest.Screenshot(ctx, path); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err == nil && fi.Size() > 600<<10 {
			t.Errorf("%s is %d KB; keep screenshots small", path, fi.Size()>>10)
		}
	}
	// The pages run under their Content-Security-Policy: the browser
	// must have nothing to complain about on any of them.
	problems := browsertest.Problems(t, ctx)
	open := func(url string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
			t.Fatalf("open %s: %v", url, err)
		}
		for _, p := range problems() {
			t.Errorf("%s: %s", url, p)
		}
	}

	open(r.Base + "/")
	if banner := eval(`document.querySelector('.banner h2').textContent`); banner == "" {
		t.Error("no status banner")
	}
	bars := eval(`String(document.querySelectorAll('ol.bars').length) + "/" + String(document.querySelectorAll('ol.bars > li').length)`)
	var lists, days int
	if _, err := fmt.Sscanf(bars, "%d/%d", &lists, &days); err != nil || lists == 0 || days != 90*lists {
		t.Errorf("bars: %s lists/days, want 90 days per service", bars)
	}
	if bad := eval(`String(document.querySelectorAll('li.bar-major').length)`); bad == "0" {
		t.Error("no day shows a major outage, though the story has several")
	}
	if past := eval(`document.querySelector('#history-h').parentElement.innerText`); !strings.Contains(past, "outage") {
		t.Errorf("past incidents: %q", past)
	}
	shot("demo-status-page.png")

	pm := ""
	for line := range strings.SplitSeq(out.String(), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Post-mortem:"); ok {
			pm = strings.Fields(v)[0]
		}
	}
	open(pm)
	if text := eval(`document.querySelector('.postmortem')?.innerText ?? ''`); !strings.Contains(text, "Post-mortem") {
		t.Errorf("the post-mortem incident page shows no post-mortem")
	}
	shot("demo-postmortem.png")

	link := ""
	for line := range strings.SplitSeq(out.String(), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Signed link:"); ok {
			link = strings.Fields(v)[0]
		}
	}
	open(link)
	tenant := r.Monitor.Config().Tenants[0]
	if h1 := eval(`document.querySelector('h1').textContent`); h1 != tenant.Name {
		t.Errorf("signed link opened %q, want %s's page", h1, tenant.Name)
	}
	// The error budget is behind the explanations' disclosure: innerText
	// reads it once open.
	eval(`document.querySelectorAll('details.explain').forEach(d => d.open = true), ''`)
	if text := eval(`document.body.innerText`); !strings.Contains(text, "Credit statement") || !strings.Contains(text, "Error budget left") {
		t.Error("tenant page lacks its SLA figures or credit statement")
	}
	if q := eval(`location.search`); q != "" {
		t.Errorf("the link's signature stayed in the address bar: %s", q)
	}
	shot("demo-tenant-page.png")
}
