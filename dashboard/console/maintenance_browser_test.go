package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/internal/browsertest"
	"github.com/slatehq/slate/store"
)

// scheduleInBrowser fills the scheduling form for mail from start for d
// (Berlin time) and sends it, up to the confirmation.
func scheduleInBrowser(t *testing.T, ctx context.Context, base string, start time.Time, d time.Duration) {
	t.Helper()
	v := windowValues(start, d)
	do(t, ctx, chromedp.Navigate(base+"/console/maintenance/new"), chromedp.WaitVisible(chromedp.CSS(`#m-title`)),
		chromedp.Click(chromedp.CSS(`input[name="services"][value="mail"]`)),
		chromedp.SendKeys(chromedp.CSS(`#m-title`), v.Get("title")),
		chromedp.SendKeys(chromedp.CSS(`#m-description`), v.Get("description")),
		chromedp.SetValue(chromedp.CSS(`#m-start`), v.Get("start")),
		chromedp.SetValue(chromedp.CSS(`#m-end`), v.Get("end")),
		chromedp.SetValue(chromedp.CSS(`#m-zone`), v.Get("zone")),
		chromedp.Click(chromedp.CSS(`#check-window`)), chromedp.WaitVisible(chromedp.CSS(`table.effects`)))
}

// TestBrowserOncallMaintenance: in headless Chromium, an on-call engineer
// schedules a window 48 hours ahead; the confirmation's table shows
// acme-gold's 72 h notice not met (the window counts) and bravo-silver's
// 24 h notice met (excluded) before anything is stored; they confirm,
// post an in-progress update during the window (the public page shows
// it) and a completed one, and the window's public page shows the
// description and both updates, without the poster's name.
func TestBrowserOncallMaintenance(t *testing.T) {
	f := newFixture(t)
	f.op.SignIn(map[string]any{"sub": "u-otto", "email": "otto@example.com", "name": "Otto", "groups": []any{"sre"}})
	ctx := browsertest.New(t)
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/auth/start"), chromedp.WaitVisible(chromedp.CSS(`form.signout`)))
	start := f.now().Add(48 * time.Hour).Truncate(time.Hour).Add(time.Hour)
	scheduleInBrowser(t, ctx, f.srv.URL, start, time.Hour)
	if got := text(t, ctx, `tr[data-contract="acme-gold"]`); !strings.Contains(got, "not met") || !strings.Contains(got, "counts as SLA time") {
		t.Errorf("acme-gold's row: %q", got)
	}
	if got := text(t, ctx, `tr[data-contract="bravo-silver"]`); strings.Contains(got, "not met") || !strings.Contains(got, "excluded") {
		t.Errorf("bravo-silver's row: %q", got)
	}
	screenshot(t, ctx, "console-maintenance-confirm.png")
	if ms, _ := f.db.ListMaintenance(context.Background()); len(ms) != 0 {
		t.Fatalf("stored before confirming: %+v", ms)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`#confirm-window`)), chromedp.WaitVisible(chromedp.CSS(`#updates-h`)))
	if got := text(t, ctx, "p.notice"); !strings.Contains(got, "scheduled") {
		t.Errorf("after confirming: %q", got)
	}

	// Five minutes into the window (a new sign-in: the first session
	// has expired by then).
	f.advance(start.Add(5 * time.Minute).Sub(f.now()))
	post := func(status, body string) {
		t.Helper()
		do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/auth/start"), chromedp.WaitVisible(chromedp.CSS(`form.signout`)),
			chromedp.Navigate(f.srv.URL+"/console/maintenance"), chromedp.WaitVisible(chromedp.CSS(`table`)),
			chromedp.Click(chromedp.CSS(`td a[href^="/console/maintenance/"]`)), chromedp.WaitVisible(chromedp.CSS(`#u-body`)),
			chromedp.SetValue(chromedp.CSS(`#u-status`), status), chromedp.SendKeys(chromedp.CSS(`#u-body`), body),
			chromedp.Click(chromedp.CSS(`#post-update`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
		if got := text(t, ctx, "ol.updates"); !strings.Contains(got, body) || !strings.Contains(got, "otto@example.com") {
			t.Errorf("updates after posting %s: %q", status, got)
		}
	}
	post("in_progress", "Disks are being copied.")
	screenshot(t, ctx, "console-maintenance.png")
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if got := text(t, ctx, "main"); !strings.Contains(got, "Disks are being copied.") || !strings.Contains(got, "In progress") {
		t.Errorf("public page during the window: %q", got)
	}
	f.advance(25 * time.Minute)
	post("completed", "Done early; mail flows.")
	pid := access.MaintenancePublicID([]byte("public-id-key"), "stored-1")
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/incidents/"+pid), chromedp.WaitVisible(chromedp.CSS(`main`)))
	got := text(t, ctx, "main")
	for _, want := range []string{"Completed", "Done early; mail flows.", "Disks are being copied.", "Mail moves to new disks; sending may pause."} {
		if !strings.Contains(got, want) {
			t.Errorf("the window's public page lacks %q: %q", want, got)
		}
	}
	if strings.Contains(got, "otto") || strings.Contains(got, "Otto") {
		t.Errorf("the window's public page names who posted: %q", got)
	}
}

// TestBrowserMaintenanceAtPhoneWidth: at 360 px the maintenance pages
// (list, form, notice table, a window with its updates) do not scroll
// sideways: wide tables scroll inside their own box.
func TestBrowserMaintenanceAtPhoneWidth(t *testing.T) {
	f := newFixture(t)
	start := f.now().Add(48 * time.Hour).Truncate(time.Hour).Add(time.Hour)
	m, err := f.db.AddMaintenance(context.Background(), store.Maintenance{Services: []string{"mail"}, Title: "Mail disk swap",
		Description: "Sending may pause.", Start: start, End: start.Add(time.Hour)}, "oidc:otto@example.com")
	if err != nil {
		t.Fatal(err)
	}
	f.op.SignIn(map[string]any{"sub": "u-otto", "email": "otto@example.com", "groups": []any{"sre"}})
	ctx := browsertest.New(t)
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 360, Height: 780, DeviceScaleFactor: 2, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/auth/start"), chromedp.WaitVisible(chromedp.CSS(`form.signout`)))
	fits := func(name string) {
		t.Helper()
		w := browsertest.Eval[[]int](t, ctx, `[window.innerWidth, document.documentElement.scrollWidth]`)
		if w[0] != 360 || w[1] > w[0] {
			t.Errorf("%s at %d px: the page is %d px wide and scrolls sideways", name, w[0], w[1])
		}
	}
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/maintenance"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	fits("list")
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/maintenance/new"), chromedp.WaitVisible(chromedp.CSS(`#m-title`)))
	fits("form")
	scheduleInBrowser(t, ctx, f.srv.URL, start, time.Hour)
	fits("notice table")
	screenshot(t, ctx, "console-maintenance-phone.png")
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/maintenance/"+itoa(m.ID)), chromedp.WaitVisible(chromedp.CSS(`#u-body`)))
	fits("window")
}
