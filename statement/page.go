package statement

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// page is a statement in the words every renderer prints: the renderers
// only lay it out, so Markdown, HTML and PDF cannot disagree on a figure.
type page struct {
	Number      string
	Revision    int
	Issued      string
	Period      string
	Provider    providerLines
	Tenant      string
	BillingRef  string
	Contracts   []contractLines
	Adjustments []adjustmentLines
	Totals      []totalLines
	NoCredit    bool // no contract or adjustment is shown
	Application string
	Method      string
	Internal    bool // internal notes are shown: a staff copy
}

type providerLines struct {
	Name       string
	Address    []string
	Email      string
	Phone      string
	Website    string
	SupportURL string
	LogoURL    string // for the page variant: a link
	LogoData   string // for standalone documents: a data: URL; "" without a logo
}

// Contact is the provider's contact details on one line.
func (p providerLines) Contact() string {
	var parts []string
	for _, s := range []string{p.Email, p.Phone, p.Website} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " · ")
}

type contractLines struct {
	Name       string
	Services   string
	Uptime     string
	Downtime   string
	Coverage   string
	ByLocation string // "Frankfurt 100%, Virginia 97.5%"; "" when not known
	Credit     string
	Amount     string
	Pending    bool
	Incidents  []incidentLines
	Exclusions []exclusionLines
	Internal   string
}

type incidentLines struct {
	Title    string
	Service  string
	When     string
	Downtime string // "" when not attributed
	URL      string
}

type exclusionLines struct {
	Kind     string
	When     string
	Reason   string
	Internal string
}

type adjustmentLines struct {
	Contract string
	Period   string
	Adjusts  string
	Reason   string
	Uptime   string
	Downtime string
	Credit   string
	Amount   string
	Recorded string
	Pending  bool
	Internal string
}

// fact is one label and value row of a table. Strong marks an amount;
// Pending adds "(pending approval)" after the value.
type fact struct {
	Label, Value string
	Strong       bool
	Pending      bool
}

// Text is the value as plain text, with the pending note.
func (f fact) Text() string {
	if f.Pending {
		return f.Value + " (pending approval)"
	}
	return f.Value
}

// Facts are the statement's header rows.
func (p page) Facts() []fact {
	fs := []fact{{Label: "Statement number", Value: p.Number}}
	if p.Revision > 1 {
		fs = append(fs, fact{Label: "Revision", Value: strconv.Itoa(p.Revision)})
	}
	fs = append(fs, fact{Label: "Date", Value: p.Issued}, fact{Label: "Customer", Value: p.Tenant})
	if p.BillingRef != "" {
		fs = append(fs, fact{Label: "Billing reference", Value: p.BillingRef})
	}
	return append(fs, fact{Label: "Period", Value: p.Period})
}

// Facts are a contract's figure rows.
func (c contractLines) Facts() []fact {
	fs := []fact{{Label: "Uptime", Value: c.Uptime}, {Label: "Downtime", Value: c.Downtime}}
	if c.Coverage != "" {
		fs = append(fs, fact{Label: "Coverage", Value: c.Coverage})
	}
	if c.ByLocation != "" {
		fs = append(fs, fact{Label: "Coverage by location", Value: c.ByLocation})
	}
	return append(fs, fact{Label: "Credit", Value: c.Credit}, fact{Label: "Amount", Value: c.Amount, Strong: true, Pending: c.Pending})
}

// Facts are an adjustment's rows.
func (a adjustmentLines) Facts() []fact {
	return []fact{
		{Label: "Adjusts", Value: "statement " + a.Adjusts},
		{Label: "Reason", Value: a.Reason},
		{Label: "Recorded", Value: a.Recorded},
		{Label: "Corrected uptime", Value: a.Uptime},
		{Label: "Corrected downtime", Value: a.Downtime},
		{Label: "Corrected credit", Value: a.Credit},
		{Label: "Difference", Value: a.Amount, Strong: true, Pending: a.Pending},
	}
}

type totalLines struct {
	Amount  string
	Pending string // "" when nothing is pending
}

// newPage words a valid statement.
func newPage(s Statement) page {
	loc := s.Tenant.Location
	p := page{
		Number:      s.Number(),
		Revision:    max(s.Revision, 1),
		Issued:      formatDate(s.Issued, loc),
		Period:      PeriodText(s.Period, loc),
		Tenant:      s.Tenant.Name,
		BillingRef:  s.Tenant.BillingRef,
		Application: s.ApplicationText(),
		Method:      s.MethodText(),
		Internal:    s.Options.IncludeInternal,
	}
	pr := s.Provider
	p.Provider = providerLines{Name: pr.Name, Address: pr.Address, Email: pr.Email, Phone: pr.Phone,
		Website: pr.Website, SupportURL: pr.SupportURL, LogoURL: pr.LogoURL}
	if pr.Logo != nil {
		p.Provider.LogoData = "data:image/" + pr.Logo.Type + ";base64," + base64.StdEncoding.EncodeToString(pr.Logo.Data)
	}
	internal := func(note string) string {
		if s.Options.IncludeInternal {
			return note
		}
		return ""
	}
	for _, c := range s.visibleContracts() {
		cl := contractLines{
			Name:     c.Name,
			Services: strings.Join(c.Services, ", "),
			Uptime:   UptimeText(c.Uptime, c.Target, c.TargetMet),
			Downtime: DowntimeText(c.DowntimeMinutes),
			Credit:   CreditText(c.Credit, c.Uptime, s.Period, loc),
			Amount:   FormatMoney(c.Amount),
			Pending:  c.Pending,
			Internal: internal(c.InternalNote),
		}
		if c.Coverage != "" {
			cl.Coverage = c.Coverage + "%"
		}
		var by []string
		for _, l := range c.CoverageByLocation {
			by = append(by, l.Location+" "+l.Coverage+"%")
		}
		cl.ByLocation = strings.Join(by, ", ")
		for _, in := range c.Incidents {
			il := incidentLines{Title: in.Title, Service: in.Service, When: formatSpan(in.Start, in.End, loc), URL: in.URL}
			if in.DowntimeMinutes != "" {
				il.Downtime = DowntimeText(in.DowntimeMinutes)
			}
			cl.Incidents = append(cl.Incidents, il)
		}
		for _, x := range c.Exclusions {
			kind := "Agreed exclusion"
			if x.Kind == ExclusionMaintenance {
				kind = "Announced maintenance"
			}
			cl.Exclusions = append(cl.Exclusions, exclusionLines{Kind: kind, When: formatSpan(x.Start, x.End, loc),
				Reason: x.Reason, Internal: internal(x.InternalNote)})
		}
		p.Contracts = append(p.Contracts, cl)
	}
	for _, a := range s.visibleAdjustments() {
		p.Adjustments = append(p.Adjustments, adjustmentLines{
			Contract: a.Contract,
			Period:   PeriodText(a.Period, loc),
			Adjusts:  a.Adjusts,
			Reason:   a.Reason,
			Uptime:   a.Uptime + "%",
			Downtime: DowntimeText(a.DowntimeMinutes),
			Credit:   CreditText(a.Credit, a.Uptime, a.Period, loc),
			Amount:   signed(a.Amount),
			Recorded: formatDate(a.Recorded, loc),
			Pending:  a.Pending,
			Internal: internal(a.InternalNote),
		})
	}
	p.NoCredit = len(p.Contracts) == 0 && len(p.Adjustments) == 0
	for _, t := range s.Totals() {
		tl := totalLines{Amount: formatMinor(t.Minor, t.Currency)}
		if t.Pending.Sign() != 0 {
			tl.Pending = formatMinor(t.Pending, t.Currency)
		}
		p.Totals = append(p.Totals, tl)
	}
	return p
}

// signed writes an adjustment's amount with its sign: "+10.00 EUR",
// "-10.00 EUR".
func signed(m Money) string {
	if m.Minor > 0 {
		return "+" + FormatMoney(m)
	}
	return FormatMoney(m)
}
