package statement

import (
	"fmt"
	"math/big"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// FieldError is one problem of a statement: the field's path in the model
// ("contracts[1].credit.days") and what is wrong with it.
type FieldError struct {
	Field   string
	Problem string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Problem }

// ValidationError lists every problem Validate found, in field order.
type ValidationError struct {
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Bounds on what one statement may hold, so that a malformed input is
// refused instead of rendering a document nobody can read.
const (
	maxText     = 2000 // characters of one text field
	maxItems    = 1000 // contracts, adjustments, incidents or exclusions per list
	maxDecimal  = 30   // characters of one decimal figure
	maxRevision = 999
)

var (
	providerCodeRE = regexp.MustCompile(`^[A-Z0-9]{2,16}$`)
	tenantIDRE     = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	periodNameRE   = regexp.MustCompile(`^([0-9]{4})-(0[1-9]|1[0-2]|Q[1-4])$`)
	decimalRE      = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	currencyRE     = regexp.MustCompile(`^[A-Z]{3}$`)
)

// validator collects problems under a path prefix.
type validator struct {
	problems []FieldError
}

func (v *validator) add(field, format string, a ...any) {
	v.problems = append(v.problems, FieldError{Field: field, Problem: fmt.Sprintf(format, a...)})
}

// text checks a free-text field: valid UTF-8, no control characters (they
// would break a table row or a header line), at most maxText characters.
func (v *validator) text(field, s string, required bool) {
	switch {
	case strings.TrimSpace(s) == "":
		if required {
			v.add(field, "is required")
		} else if s != "" {
			v.add(field, "is only white space")
		}
		return
	case !utf8.ValidString(s):
		v.add(field, "is not valid UTF-8")
		return
	case utf8.RuneCountInString(s) > maxText:
		v.add(field, "is longer than %d characters", maxText)
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			v.add(field, "contains the control character %U", r)
			return
		}
	}
}

// decimal checks a non-negative decimal figure; percent also bounds it by
// 100. An empty string is refused when required.
func (v *validator) decimal(field, s string, required, percent bool) {
	if s == "" {
		if required {
			v.add(field, "is required (a decimal such as \"99.9\")")
		}
		return
	}
	if len(s) > maxDecimal || !decimalRE.MatchString(s) {
		v.add(field, "%q is not a decimal such as \"99.9\"", truncate(s))
		return
	}
	if percent {
		r, _ := new(big.Rat).SetString(s)
		if r.Cmp(big.NewRat(100, 1)) > 0 {
			v.add(field, "%s is more than 100 percent", s)
		}
	}
}

func (v *validator) url(field, s string) {
	if s == "" {
		return
	}
	v.text(field, s, false)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.add(field, "%q is not an http(s) URL", truncate(s))
	}
}

func (v *validator) list(field string, n int) bool {
	if n > maxItems {
		v.add(field, "has %d entries, more than %d", n, maxItems)
		return false
	}
	return true
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Validate checks that s is complete and consistent enough to be sent to a
// customer. The error is a *ValidationError listing every problem, each
// naming its field.
func (s Statement) Validate() error {
	v := &validator{}
	s.validateHeader(v)
	if v.list("contracts", len(s.Contracts)) {
		for i, c := range s.Contracts {
			c.validate(v, fmt.Sprintf("contracts[%d]", i))
		}
	}
	if v.list("adjustments", len(s.Adjustments)) {
		for i, a := range s.Adjustments {
			a.validate(v, fmt.Sprintf("adjustments[%d]", i), s.Tenant.Location)
		}
	}
	s.Method.validate(v)
	s.validateApplication(v)
	if len(v.problems) > 0 {
		return &ValidationError{Problems: v.problems}
	}
	return nil
}

func (s Statement) validateHeader(v *validator) {
	p := s.Provider
	v.text("provider.name", p.Name, true)
	if !providerCodeRE.MatchString(p.Code) {
		v.add("provider.code", "%q is not 2 to 16 characters of A-Z and 0-9", truncate(p.Code))
	}
	if v.list("provider.address", len(p.Address)) {
		for i, l := range p.Address {
			v.text(fmt.Sprintf("provider.address[%d]", i), l, true)
		}
	}
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Name != "" {
			v.add("provider.email", "%q is not an e-mail address", truncate(p.Email))
		}
	}
	v.text("provider.phone", p.Phone, false)
	v.url("provider.website", p.Website)
	v.url("provider.support_url", p.SupportURL)
	if p.LogoURL != "" && !strings.HasPrefix(p.LogoURL, "/") {
		v.url("provider.logo_url", p.LogoURL)
	}
	if p.Logo != nil {
		validateLogo(v, *p.Logo)
	}

	t := s.Tenant
	if !tenantIDRE.MatchString(t.ID) {
		v.add("tenant.id", "%q is not an identifier of a-z 0-9 - _ .", truncate(t.ID))
	}
	v.text("tenant.name", t.Name, true)
	v.text("tenant.billing_ref", t.BillingRef, false)
	if t.Location == nil {
		v.add("tenant.location", "is required (the tenant's IANA time zone)")
	}
	validatePeriod(v, "period", s.Period, t.Location)
	if s.Revision < 0 || s.Revision > maxRevision {
		v.add("revision", "%d is not between 0 and %d", s.Revision, maxRevision)
	}
	if s.Issued.IsZero() {
		v.add("issued", "is required (when the statement was produced)")
	}
}

func validateLogo(v *validator, l Logo) {
	switch {
	case l.Type != "png" && l.Type != "jpeg":
		v.add("provider.logo.type", "%q is not png or jpeg", truncate(l.Type))
	case l.Type == "png" && !strings.HasPrefix(string(l.Data), "\x89PNG\r\n\x1a\n"):
		v.add("provider.logo.data", "is not a PNG image")
	case l.Type == "jpeg" && !strings.HasPrefix(string(l.Data), "\xff\xd8\xff"):
		v.add("provider.logo.data", "is not a JPEG image")
	}
}

// validatePeriod checks that the period's bounds are those its name has in
// the tenant's zone: a month or quarter that starts at local midnight.
func validatePeriod(v *validator, field string, p Period, loc *time.Location) {
	m := periodNameRE.FindStringSubmatch(p.Name)
	if m == nil {
		v.add(field+".name", "%q is not a month like 2026-10 or a quarter like 2026-Q4", truncate(p.Name))
		return
	}
	if p.Start.IsZero() || !p.Start.Before(p.End) {
		v.add(field, "start %s must be before end %s", p.Start.Format(time.RFC3339), p.End.Format(time.RFC3339))
		return
	}
	if loc == nil {
		return
	}
	start, end := periodBounds(p.Name, loc)
	if !p.Start.Equal(start) {
		v.add(field+".start", "%s is not the start of %s in %s (%s)", p.Start.UTC().Format(time.RFC3339), p.Name, loc, start.UTC().Format(time.RFC3339))
	}
	if !p.End.Equal(end) {
		v.add(field+".end", "%s is not the end of %s in %s (%s)", p.End.UTC().Format(time.RFC3339), p.Name, loc, end.UTC().Format(time.RFC3339))
	}
}

// periodBounds is [start, end) of a period name ("2026-10", "2026-Q4") in
// loc. The name must match periodNameRE.
func periodBounds(name string, loc *time.Location) (time.Time, time.Time) {
	var year int
	fmt.Sscanf(name[:4], "%d", &year)
	if name[5] == 'Q' {
		q := int(name[6] - '0')
		start := time.Date(year, time.Month(3*q-2), 1, 0, 0, 0, 0, loc)
		return start, start.AddDate(0, 3, 0)
	}
	var month int
	fmt.Sscanf(name[5:], "%d", &month)
	start := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 1, 0)
}

func (c Contract) validate(v *validator, f string) {
	v.text(f+".name", c.Name, true)
	if v.list(f+".services", len(c.Services)) {
		for i, s := range c.Services {
			v.text(fmt.Sprintf("%s.services[%d]", f, i), s, true)
		}
	}
	v.decimal(f+".target", c.Target, true, true)
	v.decimal(f+".uptime", c.Uptime, true, true)
	v.decimal(f+".downtime_minutes", c.DowntimeMinutes, false, false)
	v.decimal(f+".coverage", c.Coverage, false, true)
	if v.list(f+".coverage_by_location", len(c.CoverageByLocation)) {
		for i, l := range c.CoverageByLocation {
			lf := fmt.Sprintf("%s.coverage_by_location[%d]", f, i)
			v.text(lf+".location", l.Location, true)
			v.decimal(lf+".coverage", l.Coverage, true, true)
		}
	}
	c.Credit.validate(v, f+".credit")
	validateAmount(v, f+".amount", c.Amount, c.Credit.Fee.Currency, false)
	if v.list(f+".incidents", len(c.Incidents)) {
		for i, in := range c.Incidents {
			in.validate(v, fmt.Sprintf("%s.incidents[%d]", f, i))
		}
	}
	if v.list(f+".exclusions", len(c.Exclusions)) {
		for i, x := range c.Exclusions {
			x.validate(v, fmt.Sprintf("%s.exclusions[%d]", f, i))
		}
	}
	v.text(f+".internal_note", c.InternalNote, false)
}

func (c Credit) validate(v *validator, f string) {
	switch c.Unit {
	case UnitPercent, UnitProportional:
		v.decimal(f+".percent", c.Percent, true, true)
		if c.Days != "" {
			v.add(f+".days", "applies only to a days credit")
		}
	case UnitDays:
		v.decimal(f+".days", c.Days, true, false)
		v.decimal(f+".percent", c.Percent, false, true)
	default:
		v.add(f+".unit", "%q is not one of percent, days, proportional", truncate(string(c.Unit)))
	}
	if c.Multiplier != "" {
		if c.Unit != UnitProportional {
			v.add(f+".multiplier", "applies only to a proportional credit")
		} else {
			v.decimal(f+".multiplier", c.Multiplier, false, false)
		}
	}
	if !currencyRE.MatchString(c.Fee.Currency) {
		v.add(f+".fee.currency", "%q is not an ISO 4217 code such as EUR", truncate(c.Fee.Currency))
	}
	if c.Fee.Minor < 0 {
		v.add(f+".fee.minor", "%d is negative", c.Fee.Minor)
	}
}

// validateAmount checks an amount's currency against the fee's and, unless
// signed, that it is not negative.
func validateAmount(v *validator, f string, m Money, feeCurrency string, signed bool) {
	if m.Currency != feeCurrency {
		v.add(f+".currency", "%q differs from the fee's currency %q", truncate(m.Currency), truncate(feeCurrency))
	}
	if !signed && m.Minor < 0 {
		v.add(f+".minor", "%d is negative", m.Minor)
	}
}

func (in Incident) validate(v *validator, f string) {
	v.text(f+".title", in.Title, true)
	v.text(f+".service", in.Service, false)
	if in.Start.IsZero() {
		v.add(f+".start", "is required")
	} else if !in.End.IsZero() && !in.End.After(in.Start) {
		v.add(f+".end", "%s is not after start %s", in.End.Format(time.RFC3339), in.Start.Format(time.RFC3339))
	}
	v.decimal(f+".downtime_minutes", in.DowntimeMinutes, false, false)
	v.url(f+".url", in.URL)
}

func (x Exclusion) validate(v *validator, f string) {
	if x.Kind != ExclusionMaintenance && x.Kind != ExclusionAgreed {
		v.add(f+".kind", "%q is not one of maintenance, agreed", truncate(string(x.Kind)))
	}
	if x.Start.IsZero() || !x.End.After(x.Start) {
		v.add(f, "start %s must be before end %s", x.Start.Format(time.RFC3339), x.End.Format(time.RFC3339))
	}
	v.text(f+".reason", x.Reason, true)
	v.text(f+".internal_note", x.InternalNote, false)
}

func (a Adjustment) validate(v *validator, f string, loc *time.Location) {
	v.text(f+".contract", a.Contract, true)
	validatePeriod(v, f+".period", a.Period, loc)
	v.text(f+".adjusts", a.Adjusts, true)
	v.text(f+".reason", a.Reason, true)
	v.decimal(f+".uptime", a.Uptime, true, true)
	v.decimal(f+".downtime_minutes", a.DowntimeMinutes, false, false)
	a.Credit.validate(v, f+".credit")
	validateAmount(v, f+".amount", a.Amount, a.Credit.Fee.Currency, true)
	if a.Recorded.IsZero() {
		v.add(f+".recorded", "is required")
	}
	v.text(f+".internal_note", a.InternalNote, false)
}

func (m Method) validate(v *validator) {
	if len(m.Locations) == 0 {
		v.add("method.locations", "is required (the monitoring locations, by public name)")
	} else if v.list("method.locations", len(m.Locations)) {
		for i, l := range m.Locations {
			v.text(fmt.Sprintf("method.locations[%d]", i), l, true)
		}
	}
	if m.Interval <= 0 {
		v.add("method.interval", "%s is not a positive duration", m.Interval)
	}
	if m.Confirmation < 0 {
		v.add("method.confirmation", "%d is negative", m.Confirmation)
	}
	if m.Quorum < 0 || m.Quorum > len(m.Locations) {
		v.add("method.quorum", "%d is not between 0 and the %d locations", m.Quorum, len(m.Locations))
	}
}

func (s Statement) validateApplication(v *validator) {
	a := s.Application
	switch a.How {
	case ApplyInvoice, ApplyCreditNote, ApplyRefund:
	case "":
		if s.owesAnything() {
			v.add("application.how", "is required when a credit is owed (invoice, credit-note or refund)")
		}
	default:
		v.add("application.how", "%q is not one of invoice, credit-note, refund", truncate(string(a.How)))
	}
	if a.Date.IsZero() && s.owesAnything() {
		v.add("application.date", "is required when a credit is owed")
	}
	v.text("application.reference", a.Reference, false)
}

// owesAnything reports whether any contract or adjustment has a non-zero
// amount.
func (s Statement) owesAnything() bool {
	for _, c := range s.Contracts {
		if c.Amount.Minor != 0 {
			return true
		}
	}
	for _, a := range s.Adjustments {
		if a.Amount.Minor != 0 {
			return true
		}
	}
	return false
}
