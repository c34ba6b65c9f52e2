package alert_test

import (
	"slices"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
)

func testRouter() alert.Router {
	return alert.Router{Routes: []alert.Route{
		{Severities: []string{"critical"}, Receivers: []string{"pager"}, Repeat: time.Hour, SendResolved: true},
		{Services: []string{"mail"}, Receivers: []string{"slack-mail", "pager"}, Repeat: 30 * time.Minute},
		{Tenants: []string{"acme"}, Receivers: []string{"acme-hook"}, SendResolved: true},
		{Receivers: []string{"audit"}, SendResolved: true},
	}}
}

func TestRoute(t *testing.T) {
	r := testRouter()
	for _, tc := range []struct {
		name string
		e    alert.Event
		want []string
	}{
		{"critical mail of acme", event("incident/1"), []string{"pager", "slack-mail", "acme-hook", "audit"}},
		{"warning elsewhere", alert.Event{Kind: "trigger", Severity: "warning", Service: "web", Tenant: "other"}, []string{"audit"}},
		{"empty severity counts as error", alert.Event{Kind: "trigger", Service: "web"}, []string{"audit"}},
		{"resolve skips routes without resolutions", func() alert.Event {
			e := event("incident/1")
			e.Kind = alert.KindResolve
			return e
		}(), []string{"pager", "acme-hook", "audit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Route(tc.e); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if got := (alert.Router{}).Route(event("incident/1")); len(got) != 0 {
		t.Errorf("no routes: got %v, want none", got)
	}
}

func TestPlan(t *testing.T) {
	r := testRouter()
	now := t0()
	trigger := event("incident/1")
	resolve := trigger
	resolve.Kind = alert.KindResolve
	for _, tc := range []struct {
		name     string
		e        alert.Event
		lastSent map[string]time.Time
		want     []string
	}{
		{"first time: everyone", trigger, nil, []string{"pager", "slack-mail", "acme-hook", "audit"}},
		{"just sent: nobody", trigger, map[string]time.Time{
			"pager": now, "slack-mail": now, "acme-hook": now, "audit": now,
		}, nil},
		{"30 minutes later: the shortest repeat of each receiver", trigger, map[string]time.Time{
			"pager": now.Add(-30 * time.Minute), "slack-mail": now.Add(-30 * time.Minute),
			"acme-hook": now.Add(-30 * time.Minute), "audit": now.Add(-30 * time.Minute),
		}, []string{"pager", "slack-mail"}},
		{"29 minutes later: nobody", trigger, map[string]time.Time{
			"pager": now.Add(-29 * time.Minute), "slack-mail": now.Add(-29 * time.Minute),
			"acme-hook": now.Add(-29 * time.Minute), "audit": now.Add(-29 * time.Minute),
		}, nil},
		{"a day later: only repeating routes", trigger, map[string]time.Time{
			"pager": now.Add(-24 * time.Hour), "slack-mail": now.Add(-24 * time.Hour),
			"acme-hook": now.Add(-24 * time.Hour), "audit": now.Add(-24 * time.Hour),
		}, []string{"pager", "slack-mail"}},
		{"one receiver new", trigger, map[string]time.Time{
			"pager": now, "slack-mail": now, "audit": now,
		}, []string{"acme-hook"}},
		{"resolve goes out whatever was sent", resolve, map[string]time.Time{"pager": now}, []string{"pager", "acme-hook", "audit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Plan(tc.e, now, tc.lastSent); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
