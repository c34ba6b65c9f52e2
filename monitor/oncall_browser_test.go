package monitor

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/browsertest"
	"github.com/slatehq/slate/internal/oidctest"
)

// TestBrowserOncallIncidentToPublicPostmortem: in headless Chromium, an
// on-call engineer of the cross-tenant story (whose detection wrote its
// lines into the incidents of mail) signs in through the OpenID Connect
// provider, saves an update template, opens an incident of mail, posts an
// update from the template, resolves it, saves the post-mortem slate
// prefills and publishes it. The public incident page then shows the
// updates and the post-mortem, and neither it nor the public front page
// carries a line of detection or a tenant's name or check.
func TestBrowserOncallIncidentToPublicPostmortem(t *testing.T) {
	op := oidctest.Start(t, "slate-console", "client-secret")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	f := newCrossFixtureWith(t, func(cfg *config.Config) {
		cfg.Console.OIDC = config.OIDC{Issuer: op.URL, ClientID: "slate-console", ClientSecret: "client-secret",
			RedirectURL: base + "/console/auth/callback", RoleClaim: "groups", Scopes: []string{"email", "profile"},
			Roles: config.ConsoleRoles{Admin: []string{"sre-leads"}, Oncall: []string{"sre"}}}
	})
	if err := f.app.Start(l); err != nil {
		t.Fatal(err)
	}
	f.base = base
	ctx := context.Background()
	op.SignIn(map[string]any{"sub": "u-olga", "email": "olga@example.com", "name": "Olga", "groups": []any{"sre"}})
	b := browsertest.NewTimeout(t, 5*time.Minute)
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		start := time.Now()
		if err := chromedp.Do(b, steps...); err != nil {
			t.Fatalf("%s: %v (after %s)", what, err, time.Since(start))
		}
	}
	read := func(css string) string {
		t.Helper()
		s, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(css)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	step("sign in", chromedp.Navigate(base+"/console/auth/start"), chromedp.WaitVisible(chromedp.CSS(`form.signout`)))
	step("save a template", chromedp.Navigate(base+"/console/templates"), chromedp.WaitVisible(chromedp.CSS(`#t-name`)),
		chromedp.SetValue(chromedp.CSS(`#t-name`), "Cause found"), chromedp.SetValue(chromedp.CSS(`#t-status`), "identified"),
		chromedp.SetValue(chromedp.CSS(`#t-body`), "We found the cause: a full relay queue. Mail is being delivered again."),
		chromedp.Click(chromedp.CSS(`form.stacked button.primary`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	step("open an incident", chromedp.Navigate(base+"/console/incidents/new"), chromedp.WaitVisible(chromedp.CSS(`#n-title`)),
		chromedp.SetValue(chromedp.CSS(`#n-title`), "Mail delivery delayed"),
		chromedp.Click(chromedp.CSS(`input[name="service"][value="mail"]`)),
		chromedp.SetValue(chromedp.CSS(`#n-body`), "Some messages arrive late. We are looking into it."),
		chromedp.Click(chromedp.CSS(`form.stacked button.primary`)), chromedp.WaitVisible(chromedp.CSS(`#u-template`)))
	if got := read("h1"); got != "Mail delivery delayed" {
		t.Fatalf("incident page titled %q", got)
	}
	// Each step waits for what only the page after it shows.
	step("fill the update from the template", chromedp.Click(chromedp.CSS(`form[method="get"] button`)),
		chromedp.WaitReady(chromedp.CSS(`#u-template option[selected]`)))
	step("post it", chromedp.Click(chromedp.CSS(`form[action$="/updates"] button`)), chromedp.WaitVisible(chromedp.CSS(`dd.status-identified`)))
	shoot(t, b, "console-incident.png")
	step("resolve", chromedp.SetValue(chromedp.CSS(`#r-body`), "All delayed mail has been delivered."),
		chromedp.Click(chromedp.CSS(`form[action$="/resolve"] button`)), chromedp.WaitVisible(chromedp.CSS(`dd.status-resolved`)))
	step("save the post-mortem", chromedp.Click(chromedp.CSS(`a[href$="/postmortem"]`)), chromedp.WaitVisible(chromedp.CSS(`#pm-markdown`)),
		chromedp.Click(chromedp.CSS(`button[value="save"]`)), chromedp.WaitVisible(chromedp.CSS(`p.notice`)))
	step("publish it", chromedp.Click(chromedp.CSS(`form[action$="/postmortem/publish"] button`)), chromedp.WaitVisible(chromedp.CSS(`tr.current`)))
	if got := read("p.notice"); !strings.Contains(got, "Version 1 published") {
		t.Fatalf("after publishing: %q", got)
	}
	shoot(t, b, "console-postmortem.png")

	incs, err := f.app.db.Incidents(ctx, db.IncidentFilter{Service: "mail", Limit: 1})
	if err != nil || len(incs) != 1 || incs[0].Title != "Mail delivery delayed" || incs[0].PublishedPostmortem != 1 {
		t.Fatalf("stored %+v, %v", incs, err)
	}
	pid, err := IncidentPublicID(ctx, f.app.db, incs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	step("the public page", chromedp.Navigate(base+"/incidents/"+pid), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	public := read("main")
	for _, want := range []string{"Mail delivery delayed", "We found the cause: a full relay queue", "All delayed mail has been delivered", "Root cause"} {
		if !strings.Contains(public, want) {
			t.Errorf("the public incident page lacks %q:\n%s", want, public)
		}
	}
	step("the front page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	front := read("main")
	for _, page := range []struct{ name, text string }{{"incident page", public}, {"front page", front}} {
		for _, bad := range []string{"failing from", "failing:", "recovery held", " is down", "acme", "Acme", "bravo", "Bravo", "endpoint"} {
			if strings.Contains(page.text, bad) {
				t.Errorf("the public %s carries %q", page.name, bad)
			}
		}
	}
}

// shoot leaves a picture for the README in the directory
// SLATE_SCREENSHOTS names, when it is set.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if dir := os.Getenv("SLATE_SCREENSHOTS"); dir != "" {
		if err := browsertest.Screenshot(ctx, filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}
