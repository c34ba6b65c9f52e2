package catalog_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/incident"
)

func TestCheckReaderText(t *testing.T) {
	c := fixture()
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	people := func(service string, also ...string) incident.Incident {
		return incident.Incident{Service: service, Also: also, Status: incident.Identified, Severity: incident.Major, Started: t0,
			Timeline: []incident.Entry{{At: t0, Kind: incident.KindUpdate, Status: incident.Identified, Body: "slow", Author: "ops"}}}
	}
	acmeOnly := incident.Incident{Service: "web", Status: incident.Investigating, Severity: incident.Minor, Started: t0,
		Timeline: []incident.Entry{{At: t0, Kind: incident.KindDetected, Status: incident.Investigating, Body: "down",
			Cause: []incident.Cause{{Check: "web-acme", Tenant: "acme"}}}}}
	for _, tc := range []struct {
		name     string
		text     string
		inc      incident.Incident
		affected []string
		refused  string // the tenant the refusal names; "" when taken
	}{
		{"no name", "Web unavailable", people("web"), []string{"acme", "globex"}, ""},
		{"a tenant's name on an incident every tenant reads", "Acme endpoint down", people("web"), []string{"acme", "globex"}, "acme"},
		{"a tenant's check on an incident the public reads", "web-globex failing", people("web"), []string{"acme", "globex"}, "globex"},
		{"a tenant's own name on its own incident", "Acme endpoint down", acmeOnly, []string{"acme"}, ""},
		{"another tenant's name on acme's incident", "Globex unaffected", acmeOnly, []string{"acme"}, "globex"},
		{"a private service's only tenant, named", "Acme database slow", people("db"), []string{"acme"}, ""},
		{"a tenant of the incident's other service reads it too", "Acme database slow", people("db", "mail"), []string{"acme", "globex"}, "acme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.CheckReaderText("title", tc.text, tc.inc, tc.affected)
			checkRefusal(t, err, "title", tc.refused)
		})
	}
}

func TestCheckMaintenanceReaderText(t *testing.T) {
	c := fixture()
	for _, tc := range []struct {
		name     string
		text     string
		services []string
		refused  string
	}{
		{"no name", "Database upgrade", []string{"db", "web"}, ""},
		{"a tenant's name on a public service", "Acme's edge moves", []string{"web"}, "acme"},
		{"a private service's only tenant, named", "Acme's replica moves", []string{"db"}, ""},
		{"a shared private service's tenants read it all", "Globex mailboxes move", []string{"mail", "db"}, "globex"},
		{"a public service's only tenant: the public reads it", "Initech API upgrade", []string{"api"}, "initech"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkRefusal(t, c.CheckMaintenanceReaderText("description", tc.text, tc.services), "description", tc.refused)
		})
	}
}

// checkRefusal fails t unless err refuses field naming tenant, or is nil
// when tenant is "".
func checkRefusal(t *testing.T, err error, field, tenant string) {
	t.Helper()
	var fe *catalog.FieldError
	switch {
	case tenant == "" && err != nil:
		t.Errorf("refused: %v", err)
	case tenant == "":
	case !errors.As(err, &fe) || fe.Field != field:
		t.Errorf("got %v, want a refusal of %s", err, field)
	case !strings.Contains(fe.Msg, "tenant "+tenant+","):
		t.Errorf("refusal %q does not name tenant %s", fe.Msg, tenant)
	case strings.Contains(fe.Msg, "post-mortem"):
		t.Errorf("refusal %q speaks of a post-mortem", fe.Msg)
	}
}
