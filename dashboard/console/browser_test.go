package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/slatehq/slate/internal/browsertest"
	"github.com/slatehq/slate/store"
)

// screenshot leaves a picture for the README in the directory
// SLATE_SCREENSHOTS names, when it is set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SLATE_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := browsertest.Screenshot(ctx, filepath.Join(dir, name)); err != nil {
		t.Error(err)
	}
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBrowserAccountManagerMonthEnd: in headless Chromium, an account
// manager signs in through the provider, filters the month's computed
// credits, approves them all in bulk after the confirmation with the
// total, issues them the same way, and the ledger shows each issued once
// by them; then an on-call engineer's browser is not offered the actions
// and is refused when it posts one anyway.
func TestBrowserAccountManagerMonthEnd(t *testing.T) {
	f := newFixture(t)
	a := f.record(t, "acme", "acme-gold", "2026-09", "EUR", 12345)
	b := f.record(t, "bravo", "bravo-silver", "2026-09", "USD", 1717)
	f.op.SignIn(map[string]any{"sub": "u-ada", "email": "ada@example.com", "name": "Ada", "groups": []any{"billing"}})
	ctx := browsertest.New(t)
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/credits"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/auth/start"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/auth/start"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.signout`)))
	if got := text(t, ctx, "main"); !strings.Contains(got, "Signed in as oidc:ada@example.com") {
		t.Fatalf("after sign-in: %q", got)
	}
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/credits?period=2026-09&state=computed"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	screenshot(t, ctx, "console-queue.png")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#approve-shown`)), chromedp.WaitVisible(chromedp.CSS(`button.primary`)))
	if got := text(t, ctx, "main"); !strings.Contains(got, "approve 2 credits totalling EUR 123.45, USD 17.17") {
		t.Fatalf("confirmation: %q", got)
	}
	screenshot(t, ctx, "console-confirm.png")
	do(t, ctx, chromedp.Click(chromedp.CSS(`button.primary`)), chromedp.WaitVisible(chromedp.CSS(`p.done`)))
	if got := text(t, ctx, "p.done"); !strings.Contains(got, "2 credits approved") {
		t.Fatalf("approve: %q", got)
	}
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/credits?period=2026-09&state=approved"), chromedp.WaitVisible(chromedp.CSS(`table`)),
		chromedp.Click(chromedp.CSS(`#issue-shown`)), chromedp.WaitVisible(chromedp.CSS(`button.primary`)),
		chromedp.Click(chromedp.CSS(`button.primary`)), chromedp.WaitVisible(chromedp.CSS(`p.done`)))
	if got := text(t, ctx, "p.done"); !strings.Contains(got, "2 credits issued") {
		t.Fatalf("issue: %q", got)
	}
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/credits?period=2026-09&state=issued"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	if got := text(t, ctx, "main"); !strings.Contains(got, "2 entries") {
		t.Errorf("issued queue: %q", got)
	}
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/credits/"+itoa(a.ID)), chromedp.WaitVisible(chromedp.CSS(`svg.timeline-chart`)))
	screenshot(t, ctx, "console-credit.png")
	for _, id := range []int64{a.ID, b.ID} {
		c, _ := f.db.Credit(context.Background(), id)
		trail, _ := f.db.AuditOf(context.Background(), store.CreditSubject(id))
		issued := 0
		for _, e := range trail {
			if e.Action == "credit.issued" && e.Actor == "oidc:ada@example.com" {
				issued++
			}
		}
		if c.State != store.CreditIssued || issued != 1 {
			t.Errorf("credit %d: %s, issued %d times by ada", id, c.State, issued)
		}
	}

	c := f.record(t, "acme", "acme-gold", "2026-10", "EUR", 500)
	f.op.SignIn(map[string]any{"sub": "u-otto", "email": "otto@example.com", "groups": []any{"sre"}})
	octx := browsertest.New(t)
	do(t, octx, chromedp.Navigate(f.srv.URL+"/console/auth/start"), chromedp.WaitVisible(chromedp.CSS(`form.signout`)),
		chromedp.Navigate(f.srv.URL+"/console/credits/"+itoa(c.ID)), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	if got := text(t, octx, "main"); strings.Contains(got, "Approve") {
		t.Errorf("on-call's credit page offers Approve: %q", got)
	}
	// The form is not offered; one built in the page and sent anyway is
	// refused.
	js := `const f = document.createElement("form"); f.method = "post"; f.action = "/console/credits/` + itoa(c.ID) + `/approve";
document.body.appendChild(f); f.submit();`
	do(t, octx, chromedp.Evaluate[chromedp.Void](js), chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	if got := text(t, octx, "p.error"); !strings.Contains(got, "may not do this") {
		t.Errorf("on-call's approve from its browser: %q, want a refusal", got)
	}
	if got, _ := f.db.Credit(context.Background(), c.ID); got.State != store.CreditComputed {
		t.Errorf("credit %d is %s after on-call's attempt", c.ID, got.State)
	}
}

// TestBrowserAdminLocations: in headless Chromium an admin follows the
// console's navigation to the locations page and reads there which agent
// holds us-east and that it is live; the page is reached from the home
// page's list too.
func TestBrowserAdminLocations(t *testing.T) {
	f := newFixture(t)
	f.agentAt(t, "us-east", "east-1")
	f.op.SignIn(map[string]any{"sub": "u-root", "email": "root@example.com", "groups": []any{"sre-leads"}})
	ctx := browsertest.New(t)
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/auth/start"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/auth/start"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.signout`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/console/locations"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table`)))
	if h := text(t, ctx, "h1"); h != "Locations" {
		t.Fatalf("the navigation led to %q, want Locations", h)
	}
	row := text(t, ctx, "tbody tr:nth-child(2)")
	for _, want := range []string{"us-east", "agent east-1", "live, lease until", "12ms"} {
		if !strings.Contains(row, want) {
			t.Errorf("us-east's row %q lacks %q", row, want)
		}
	}
	if own := text(t, ctx, "tbody tr:nth-child(1)"); !strings.Contains(own, "local") || !strings.Contains(own, "this server") {
		t.Errorf("the first row %q is not this server's own location", own)
	}
	screenshot(t, ctx, "console-locations.png")
}
