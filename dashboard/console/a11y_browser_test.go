package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/internal/browsertest"
	"github.com/slatehq/slate/store"
)

// TestBrowserConsolePagesAxe: axe-core finds nothing serious or critical
// on any console page — sign-in, queue, confirmation, credit, audit,
// tokens, sessions, locations, a refusal, the on-call pages, and
// maintenance: the list, the scheduling form, a refused form, the notice
// table and a window's page — with the reader's system in light and in
// dark mode.
func TestBrowserConsolePagesAxe(t *testing.T) {
	f := newFixture(t)
	a := f.record(t, "acme", "acme-gold", "2026-09", "EUR", 12345)
	f.record(t, "bravo", "bravo-silver", "2026-09", "USD", 1717)
	f.agentAt(t, "us-east", "east-1")
	start := f.now().Add(48 * time.Hour).Truncate(time.Hour).Add(time.Hour)
	m, err := f.db.AddMaintenance(context.Background(), store.Maintenance{Services: []string{"mail"}, Title: "Mail disk swap",
		Description: "Sending may pause.", Start: start, End: start.Add(time.Hour)}, "oidc:otto@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			// axe-core over eight pages takes seconds on a busy machine.
			ctx := browsertest.NewTimeout(t, 3*time.Minute)
			browsertest.ColorScheme(t, ctx, scheme)
			check := func(name string, steps ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				do(t, ctx, steps...)
				if got := browsertest.Eval[bool](t, ctx, `matchMedia('(prefers-color-scheme: `+scheme+`)').matches`); !got {
					t.Fatalf("%s: the page does not see prefers-color-scheme %s", name, scheme)
				}
				browsertest.CheckAxe(t, ctx, name+" ("+scheme+")")
			}
			check("sign-in page", chromedp.Navigate(f.srv.URL+"/console/credits"), chromedp.WaitVisible(chromedp.CSS(`a[href="/console/auth/start"]`)))
			f.op.SignIn(map[string]any{"sub": "u-root", "email": "root@example.com", "groups": []any{"sre-leads"}})
			do(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/console/auth/start"]`)), chromedp.WaitVisible(chromedp.CSS(`form.signout`)))
			check("queue", chromedp.Navigate(f.srv.URL+"/console/credits?period=2026-09"), chromedp.WaitVisible(chromedp.CSS(`table`)))
			check("confirmation", chromedp.Click(chromedp.CSS(`#approve-shown`)), chromedp.WaitVisible(chromedp.CSS(`button.primary`)))
			check("credit page", chromedp.Navigate(f.srv.URL+"/console/credits/"+itoa(a.ID)), chromedp.WaitVisible(chromedp.CSS(`svg.timeline-chart`)))
			check("audit log", chromedp.Navigate(f.srv.URL+"/console/audit"), chromedp.WaitVisible(chromedp.CSS(`table`)))
			check("tokens", chromedp.Navigate(f.srv.URL+"/console/tokens"), chromedp.WaitVisible(chromedp.CSS(`form`)))
			check("sessions", chromedp.Navigate(f.srv.URL+"/console/sessions"), chromedp.WaitVisible(chromedp.CSS(`table`)))
			check("locations", chromedp.Navigate(f.srv.URL+"/console/locations"), chromedp.WaitVisible(chromedp.CSS(`table`)))
			check("refusal", chromedp.Navigate(f.srv.URL+"/console/credits?state=owed"), chromedp.WaitVisible(chromedp.CSS(`p.error`)))
			check("maintenance list", chromedp.Navigate(f.srv.URL+"/console/maintenance"), chromedp.WaitVisible(chromedp.CSS(`table`)))
			check("scheduling form", chromedp.Navigate(f.srv.URL+"/console/maintenance/new"), chromedp.WaitVisible(chromedp.CSS(`#m-title`)))
			check("refused scheduling form", chromedp.SetValue(chromedp.CSS(`#m-title`), "x"), chromedp.SetValue(chromedp.CSS(`#m-start`), "2026-12-01T10:00"),
				chromedp.SetValue(chromedp.CSS(`#m-end`), "2026-12-01T11:00"), chromedp.Click(chromedp.CSS(`#check-window`)), chromedp.WaitVisible(chromedp.CSS(`p.error`)))
			scheduleInBrowser(t, ctx, f.srv.URL, start, time.Hour)
			check("notice table", chromedp.WaitVisible(chromedp.CSS(`table.effects`)))
			check("window page", chromedp.Navigate(f.srv.URL+"/console/maintenance/"+itoa(m.ID)), chromedp.WaitVisible(chromedp.CSS(`#u-body`)))
		})
	}
}

// TestBrowserOncallPagesAxe: axe-core finds nothing serious or critical
// on the on-call pages — the incident list, an incident with internal and
// public entries, the open form, a refused filter, the post-mortem editor
// with a preview and a diff, the templates and one template — in light
// and in dark mode, for an on-call engineer (every form shown).
func TestBrowserOncallPagesAxe(t *testing.T) {
	f := newFixture(t)
	inc := f.detected(t)
	bg := context.Background()
	if err := inc.Update(time.Now().UTC(), incident.Identified, "We found the cause.", "olga"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SaveIncident(bg, &inc, "test"); err != nil {
		t.Fatal(err)
	}
	for _, md := range []string{"# What happened\n\nA disk filled.\n", "# What happened\n\nA log disk filled.\n"} {
		if _, err := f.db.SavePostmortem(bg, inc.ID, md, "olga"); err != nil {
			t.Fatal(err)
		}
	}
	tmpl := store.UpdateTemplate{Name: "Watching", Status: incident.Monitoring, Body: "A fix is in place; we are watching."}
	if err := f.db.SaveUpdateTemplate(bg, &tmpl, "test"); err != nil {
		t.Fatal(err)
	}
	page := f.srv.URL + "/console/incidents/" + itoa(inc.ID)
	t.Run("phone", func(t *testing.T) { oncallPagesFitAPhone(t, f, page, tmpl.ID) })
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			ctx := browsertest.NewTimeout(t, 3*time.Minute)
			browsertest.ColorScheme(t, ctx, scheme)
			check := func(name string, steps ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				do(t, ctx, steps...)
				browsertest.CheckAxe(t, ctx, name+" ("+scheme+")")
			}
			f.op.SignIn(map[string]any{"sub": "u-olga", "email": "olga@example.com", "groups": []any{"sre"}})
			do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/auth/start"), chromedp.WaitVisible(chromedp.CSS(`form.signout`)))
			check("incident list", chromedp.Navigate(f.srv.URL+"/console/incidents"), chromedp.WaitVisible(chromedp.CSS(`table`)))
			check("refused filter", chromedp.Navigate(f.srv.URL+"/console/incidents?status=bogus"), chromedp.WaitVisible(chromedp.CSS(`p.error`)))
			check("incident", chromedp.Navigate(page+"?template="+itoa(tmpl.ID)), chromedp.WaitVisible(chromedp.CSS(`ol.entries`)))
			check("open form", chromedp.Navigate(f.srv.URL+"/console/incidents/new"), chromedp.WaitVisible(chromedp.CSS(`#n-title`)))
			check("post-mortem diff", chromedp.Navigate(page+"/postmortem?from=1&to=2"), chromedp.WaitVisible(chromedp.CSS(`pre.diff`)))
			check("post-mortem preview", chromedp.Click(chromedp.CSS(`button[value="preview"]`)), chromedp.WaitVisible(chromedp.CSS(`.preview`)))
			check("templates", chromedp.Navigate(f.srv.URL+"/console/templates"), chromedp.WaitVisible(chromedp.CSS(`#t-name`)))
			check("template", chromedp.Navigate(f.srv.URL+"/console/templates/"+itoa(tmpl.ID)), chromedp.WaitVisible(chromedp.CSS(`#t-body`)))
		})
	}
}

// oncallPagesFitAPhone opens the on-call pages at 360 px: none scrolls
// sideways (wide tables and diffs scroll in their own box).
func oncallPagesFitAPhone(t *testing.T, f *fixture, page string, tmpl int64) {
	ctx := browsertest.NewTimeout(t, 3*time.Minute)
	if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride,
		emulation.SetDeviceMetricsOverrideParams{Width: 360, Height: 780, DeviceScaleFactor: 2, Mobile: true}); err != nil {
		t.Fatal(err)
	}
	f.op.SignIn(map[string]any{"sub": "u-olga", "email": "olga@example.com", "groups": []any{"sre"}})
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/auth/start"), chromedp.WaitVisible(chromedp.CSS(`form.signout`)))
	for _, p := range []string{f.srv.URL + "/console/incidents", page, f.srv.URL + "/console/incidents/new", page + "/postmortem?from=1&to=2",
		f.srv.URL + "/console/templates", f.srv.URL + "/console/templates/" + itoa(tmpl)} {
		do(t, ctx, chromedp.Navigate(p), chromedp.WaitVisible(chromedp.CSS(`main`)))
		type widths struct {
			Viewport int `json:"viewport"`
			Scroll   int `json:"scroll"`
		}
		w := browsertest.Eval[widths](t, ctx, `({viewport: window.innerWidth, scroll: document.documentElement.scrollWidth})`)
		if w.Viewport != 360 || w.Scroll > w.Viewport {
			wide := browsertest.Eval[[]string](t, ctx, `[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).slice(0, 5).map(e => e.tagName + '.' + e.className)`)
			t.Errorf("%s at %d px: %d px wide, scrolls sideways; too wide: %v", p, w.Viewport, w.Scroll, wide)
		}
	}
}

// focusJS describes the focused element: what it is and whether the
// focus shows (an outline drawn around it).
const focusJS = `(e => ({id: e.id, tag: e.tagName, text: (e.textContent || '').trim(), cls: e.className,
	outline: getComputedStyle(e).outlineStyle !== 'none' && parseFloat(getComputedStyle(e).outlineWidth) > 0}))(document.activeElement)`

type focused struct {
	ID      string `json:"id"`
	Tag     string `json:"tag"`
	Text    string `json:"text"`
	Class   string `json:"cls"`
	Outline bool   `json:"outline"`
}

// tabTo presses Tab until want is focused, at most limit times, requiring
// every focused control on the way to show its focus.
func tabTo(t *testing.T, ctx context.Context, limit int, what string, want func(focused) bool) focused {
	t.Helper()
	for range limit {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		fo := browsertest.Eval[focused](t, ctx, focusJS)
		if !fo.Outline && fo.Tag != "BODY" {
			t.Errorf("%s %q has the focus but shows no outline", fo.Tag, fo.Text)
		}
		if want(fo) {
			return fo
		}
	}
	t.Fatalf("%s not reached in %d presses of Tab", what, limit)
	return focused{}
}

// TestBrowserBulkApproveByKeyboard: an account manager approves the
// month's computed credits with the keyboard alone — Tab to "Approve all
// shown…", Enter, Tab to the confirmation, Enter — and each focused
// control shows its focus on the way.
func TestBrowserBulkApproveByKeyboard(t *testing.T) {
	f := newFixture(t)
	a := f.record(t, "acme", "acme-gold", "2026-09", "EUR", 12345)
	b := f.record(t, "bravo", "bravo-silver", "2026-09", "USD", 1717)
	f.op.SignIn(map[string]any{"sub": "u-ada", "email": "ada@example.com", "groups": []any{"billing"}})
	ctx := browsertest.New(t)
	do(t, ctx, chromedp.Navigate(f.srv.URL+"/console/auth/start"), chromedp.WaitVisible(chromedp.CSS(`form.signout`)),
		chromedp.Navigate(f.srv.URL+"/console/credits?period=2026-09&state=computed"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	tabTo(t, ctx, 60, "Approve all shown", func(fo focused) bool { return fo.ID == "approve-shown" })
	do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`button.primary`)))
	if got := text(t, ctx, "main"); !strings.Contains(got, "approve 2 credits totalling EUR 123.45, USD 17.17") {
		t.Fatalf("confirmation: %q", got)
	}
	tabTo(t, ctx, 40, "the confirming button", func(fo focused) bool { return strings.Contains(fo.Class, "primary") })
	do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`p.done`)))
	if got := text(t, ctx, "p.done"); !strings.Contains(got, "2 credits approved") {
		t.Fatalf("after Enter: %q", got)
	}
	for _, id := range []int64{a.ID, b.ID} {
		if c, err := f.db.Credit(context.Background(), id); err != nil || c.State != store.CreditApproved {
			t.Errorf("credit %d: %s %v, want approved", id, c.State, err)
		}
	}
}
