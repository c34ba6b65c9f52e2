package statement

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidateAcceptsSample(t *testing.T) {
	if err := sample(t).Validate(); err != nil {
		t.Fatalf("sample: %v", err)
	}
}

// TestValidateRefusesIncomplete changes one field of a valid statement and
// expects the problem named by its field.
func TestValidateRefusesIncomplete(t *testing.T) {
	utc := time.UTC
	for _, tc := range []struct {
		name   string
		change func(*Statement)
		want   string
	}{
		{"no provider name", func(s *Statement) { s.Provider.Name = " " }, "provider.name: is required"},
		{"lower-case code", func(s *Statement) { s.Provider.Code = "nord" }, `provider.code: "nord" is not 2 to 16 characters`},
		{"bad contact address", func(s *Statement) { s.Provider.Email = "billing at nordlicht" }, "provider.email:"},
		{"support URL not http", func(s *Statement) { s.Provider.SupportURL = "javascript:alert(1)" }, "provider.support_url:"},
		{"logo not a PNG", func(s *Statement) { s.Provider.Logo = &Logo{Type: "png", Data: []byte("GIF89a")} }, "provider.logo.data: is not a PNG image"},
		{"tenant id with capitals", func(s *Statement) { s.Tenant.ID = "Mueller" }, "tenant.id:"},
		{"no tenant name", func(s *Statement) { s.Tenant.Name = "" }, "tenant.name: is required"},
		{"newline in a name", func(s *Statement) { s.Tenant.Name = "Müller\nGmbH" }, "tenant.name: contains the control character U+000A"},
		{"no time zone", func(s *Statement) { s.Tenant.Location = nil }, "tenant.location: is required"},
		{"period name", func(s *Statement) { s.Period.Name = "October" }, "period.name:"},
		{"period start in UTC, not the tenant's zone", func(s *Statement) {
			s.Period.Start = time.Date(2026, 10, 1, 0, 0, 0, 0, utc)
		}, "period.start: 2026-10-01T00:00:00Z is not the start of 2026-10 in Europe/Berlin (2026-09-30T22:00:00Z)"},
		{"period end", func(s *Statement) { s.Period.End = s.Period.End.Add(time.Hour) }, "period.end:"},
		{"no issue date", func(s *Statement) { s.Issued = time.Time{} }, "issued: is required"},
		{"no contract name", func(s *Statement) { s.Contracts[1].Name = "" }, "contracts[1].name: is required"},
		{"uptime over 100", func(s *Statement) { s.Contracts[0].Uptime = "100.5" }, "contracts[0].uptime: 100.5 is more than 100 percent"},
		{"uptime as a float literal", func(s *Statement) { s.Contracts[0].Uptime = "9.97984e1" }, `contracts[0].uptime: "9.97984e1" is not a decimal`},
		{"negative downtime", func(s *Statement) { s.Contracts[0].DowntimeMinutes = "-3" }, "contracts[0].downtime_minutes:"},
		{"location coverage without a location", func(s *Statement) { s.Contracts[0].CoverageByLocation[1].Location = "" },
			"contracts[0].coverage_by_location[1].location: is required"},
		{"location coverage over 100", func(s *Statement) { s.Contracts[0].CoverageByLocation[2].Coverage = "101" },
			"contracts[0].coverage_by_location[2].coverage: 101 is more than 100 percent"},
		{"days credit without days", func(s *Statement) { s.Contracts[1].Credit.Days = "" }, "contracts[1].credit.days: is required"},
		{"days on a percent credit", func(s *Statement) { s.Contracts[0].Credit.Days = "2" }, "contracts[0].credit.days: applies only to a days credit"},
		{"multiplier on a percent credit", func(s *Statement) { s.Contracts[0].Credit.Multiplier = "2" }, "contracts[0].credit.multiplier: applies only to a proportional credit"},
		{"unknown unit", func(s *Statement) { s.Contracts[0].Credit.Unit = "hours" }, `contracts[0].credit.unit: "hours" is not one of percent, days, proportional`},
		{"fee currency", func(s *Statement) { s.Contracts[0].Credit.Fee.Currency = "eur" }, "contracts[0].credit.fee.currency:"},
		{"amount in another currency", func(s *Statement) { s.Contracts[0].Amount.Currency = "USD" }, `contracts[0].amount.currency: "USD" differs from the fee's currency "EUR"`},
		{"negative credit", func(s *Statement) { s.Contracts[0].Amount.Minor = -1 }, "contracts[0].amount.minor: -1 is negative"},
		{"incident without title", func(s *Statement) { s.Contracts[0].Incidents[0].Title = "" }, "contracts[0].incidents[0].title: is required"},
		{"incident ends before it starts", func(s *Statement) {
			in := &s.Contracts[0].Incidents[0]
			in.End = in.Start.Add(-time.Minute)
		}, "contracts[0].incidents[0].end:"},
		{"exclusion without a public reason", func(s *Statement) { s.Contracts[0].Exclusions[0].Reason = "" }, "contracts[0].exclusions[0].reason: is required"},
		{"exclusion kind", func(s *Statement) { s.Contracts[0].Exclusions[0].Kind = "" }, "contracts[0].exclusions[0].kind:"},
		{"adjustment says not what it adjusts", func(s *Statement) { s.Adjustments[0].Adjusts = "" }, "adjustments[0].adjusts: is required"},
		{"adjustment period", func(s *Statement) { s.Adjustments[0].Period.Name = "2026-13" }, "adjustments[0].period.name:"},
		{"no locations", func(s *Statement) { s.Method.Locations = nil }, "method.locations: is required"},
		{"quorum above the locations", func(s *Statement) { s.Method.Quorum = 4 }, "method.quorum: 4 is not between 0 and the 3 locations"},
		{"no interval", func(s *Statement) { s.Method.Interval = 0 }, "method.interval:"},
		{"owed but not said how", func(s *Statement) { s.Application.How = "" }, "application.how: is required when a credit is owed"},
		{"owed but not said when", func(s *Statement) { s.Application.Date = time.Time{} }, "application.date: is required when a credit is owed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sample(t)
			tc.change(&s)
			err := s.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestValidateListsEveryProblem checks that an empty statement names each
// missing field at once, not only the first.
func TestValidateListsEveryProblem(t *testing.T) {
	err := Statement{}.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *ValidationError", err)
	}
	var fields []string
	for _, p := range ve.Problems {
		fields = append(fields, p.Field)
	}
	got := strings.Join(fields, " ")
	want := "provider.name provider.code tenant.id tenant.name tenant.location period.name issued method.locations method.interval"
	if got != want {
		t.Errorf("fields: got %q, want %q", got, want)
	}
}

// TestValidateNeedsNoApplicationWhenNothingIsOwed: a statement of met
// targets has nothing to apply.
func TestValidateNeedsNoApplicationWhenNothingIsOwed(t *testing.T) {
	s := sample(t)
	s.Contracts = s.Contracts[3:]
	s.Adjustments = nil
	s.Application = Application{}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
}
