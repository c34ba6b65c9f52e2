package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

// An incident keeps its title and its other services; a change of either
// is a change (a new revision, audited), and the service filter finds an
// incident by any of its services.
func testIncidentTitleAndServices(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	inc := outage("mail", 0, "acme")
	inc.Title, inc.Also = "Mail and sign-in fail", []string{"web", "login", "web"}
	id := save(t, d, inc, "ops")
	got, err := d.Incident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Mail and sign-in fail" || !slices.Equal(got.Also, []string{"login", "web"}) {
		t.Fatalf("read back title %q, services %v", got.Title, got.Also)
	}
	for _, tc := range []struct {
		service string
		want    int
	}{{"mail", 1}, {"web", 1}, {"login", 1}, {"dns", 0}} {
		incs, err := d.Incidents(ctx, store.IncidentFilter{Service: tc.service})
		if err != nil || len(incs) != tc.want {
			t.Errorf("filter by %s: %d incidents, %v; want %d", tc.service, len(incs), err, tc.want)
		}
	}
	got.Title, got.Also = "Mail fails", []string{"web"}
	save(t, d, &got, "ops")
	again, err := d.Incident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if again.Title != "Mail fails" || !slices.Equal(again.Also, []string{"web"}) || again.Revision != 2 {
		t.Errorf("after the edit: %q %v revision %d", again.Title, again.Also, again.Revision)
	}
	if acts := actions(t, d, store.IncidentSubject(id)); !slices.Equal(acts, []string{"incident.opened", "incident.updated"}) {
		t.Errorf("audit %v", acts)
	}
	bad := outage("dns", 1)
	bad.Also = []string{"dns"}
	if _, err := d.SaveIncident(ctx, bad, "ops"); err == nil {
		t.Error("saved an incident naming its own service among the others")
	}
	bad = outage("dns", 1)
	bad.Title = string(make([]byte, incident.MaxTitle+1))
	if _, err := d.SaveIncident(ctx, bad, "ops"); err == nil {
		t.Error("saved an over-long title")
	}
	if incs, _ := d.Incidents(ctx, store.IncidentFilter{Service: "dns"}); len(incs) != 0 {
		t.Errorf("refused saves stored %d incidents", len(incs))
	}
}

// Update templates are created, listed by name, edited and deleted, each
// change audited; bad ones and a taken name are refused and change
// nothing.
func testUpdateTemplates(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	b := store.UpdateTemplate{Name: "Investigating", Status: incident.Investigating, Body: "We are looking into it."}
	a := store.UpdateTemplate{Name: "All clear", Status: incident.Resolved, Body: "Fixed."}
	for _, tp := range []*store.UpdateTemplate{&b, &a} {
		if err := d.SaveUpdateTemplate(ctx, tp, "ops"); err != nil {
			t.Fatal(err)
		}
		if tp.ID == 0 || tp.CreatedAt.IsZero() {
			t.Fatalf("saved without an ID or time: %+v", tp)
		}
	}
	list, err := d.UpdateTemplates(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "All clear" || list[1].Body != "We are looking into it." {
		t.Fatalf("list %+v, %v", list, err)
	}
	field := errors.New("a field error")
	for _, tc := range []struct {
		name string
		tp   store.UpdateTemplate
		want error
	}{
		{"a taken name", store.UpdateTemplate{Name: "All clear", Status: incident.Monitoring, Body: "x"}, store.ErrTemplateName},
		{"no name", store.UpdateTemplate{Status: incident.Monitoring, Body: "x"}, field},
		{"no body", store.UpdateTemplate{Name: "n", Status: incident.Monitoring}, field},
		{"a status no update takes", store.UpdateTemplate{Name: "n", Status: incident.Postmortem, Body: "x"}, field},
		{"an unknown template", store.UpdateTemplate{ID: 999, Name: "n", Status: incident.Monitoring, Body: "x"}, store.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := d.SaveUpdateTemplate(ctx, &tc.tp, "ops")
			var fe *store.TemplateField
			if tc.want == field {
				if !errors.As(err, &fe) {
					t.Errorf("got %v, want a field error", err)
				}
			} else if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	if again, _ := d.UpdateTemplates(ctx); !slices.EqualFunc(again, list, func(x, y store.UpdateTemplate) bool { return x == y }) {
		t.Errorf("refused saves changed the templates: %+v", again)
	}
	b.Body = "We are looking into the cause."
	if err := d.SaveUpdateTemplate(ctx, &b, "ops"); err != nil {
		t.Fatal(err)
	}
	if got, err := d.UpdateTemplate(ctx, b.ID); err != nil || got.Body != b.Body || !got.CreatedAt.Equal(list[1].CreatedAt) {
		t.Errorf("edited template reads %+v, %v", got, err)
	}
	if err := d.DeleteUpdateTemplate(ctx, a.ID, "ops"); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteUpdateTemplate(ctx, a.ID, "ops"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted twice: %v", err)
	}
	if _, err := d.UpdateTemplate(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a deleted template reads %v", err)
	}
	if acts := actions(t, d, store.TemplateSubject(b.ID)); !slices.Equal(acts, []string{"template.created", "template.updated"}) {
		t.Errorf("audit of %d: %v", b.ID, acts)
	}
	if acts := actions(t, d, store.TemplateSubject(a.ID)); !slices.Equal(acts, []string{"template.created", "template.deleted"}) {
		t.Errorf("audit of %d: %v", a.ID, acts)
	}
}
