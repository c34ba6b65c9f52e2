package statement

import "time"

// Statement is one tenant's credit statement for one period: what the
// provider owes it under each contract, why, and how it will be paid.
// Every renderer (Markdown, HTML, PDF) draws from this one value; Validate
// says what is missing.
type Statement struct {
	Provider Provider
	Tenant   Tenant
	Period   Period

	// Revision is 1 for the first statement of a tenant and period, and
	// grows by one each time the statement is produced again with
	// different figures (an adjustment recorded after it was sent). It
	// enters the statement number, so two different documents never share
	// a number. 0 means 1.
	Revision int

	// Issued is when the statement was produced: its date.
	Issued time.Time

	// Contracts are the tenant's contracts in the period, in the order to
	// show them. Zero-credit ones are shown only with Options.IncludeZero.
	Contracts []Contract

	// Adjustments are corrections of credits already stated, recorded
	// since: of this period's (a revised statement) or of earlier periods
	// (settled with this one). Each says what it adjusts.
	Adjustments []Adjustment

	Method      Method
	Application Application
	Options     Options
}

// Provider is who owes the credit: the provider's details and branding, as
// the configuration gives them.
type Provider struct {
	Name string // legal or trading name, shown as written ("Müller Hosting GmbH"); required

	// Code prefixes the statement number: 2 to 16 characters of A-Z and
	// 0-9 ("ACME"). Required.
	Code string

	Address    []string // postal address, one line each
	Email      string   // contact address for questions
	Phone      string
	Website    string // https URL
	SupportURL string // where to ask about the statement; https URL

	// LogoURL is the logo an HTML page links to (a path the status site
	// serves, or an https URL); "" for none. The PDF never fetches it.
	LogoURL string

	// Logo is the logo image itself, for the PDF and the standalone HTML
	// (as a data: URL); nil for none.
	Logo *Logo
}

// Logo is an image file's bytes and its type.
type Logo struct {
	Type string // "png" or "jpeg"
	Data []byte
}

// Tenant is the customer the statement is for.
type Tenant struct {
	// ID is the tenant's identifier in the configuration (a-z 0-9 - _ .);
	// it appears only inside the statement number. Required.
	ID string

	Name       string         // display name ("Müller GmbH"); required
	BillingRef string         // the customer's reference in the provider's billing; "" for none
	Location   *time.Location // the tenant's IANA time zone: every date and time is shown in it; required
}

// Period is the measurement period the statement covers: [Start, End).
type Period struct {
	Name  string    // "2026-10" (a month) or "2026-Q4" (a quarter); required
	Start time.Time // first instant, inclusive
	End   time.Time // end, exclusive
}

// Contract is one contract's outcome for the period: its figures and its
// credit, with the incidents and exclusions behind them.
type Contract struct {
	Name     string   // the contract's display name ("Messenger Business SLA"); required
	Services []string // display names of the services it covers

	Target    string // uptime target, a decimal percentage ("99.9"); required
	Uptime    string // measured uptime, a decimal percentage ("99.7984"); required
	TargetMet bool   // uptime met the target (from the exact figure, not the rounded one)

	// DowntimeMinutes is the downtime that counted against the contract
	// (breach minutes), a decimal ("90", "12.5"); "" when the contract's
	// measure has no minutes (request counts).
	DowntimeMinutes string

	// Coverage is the share of the period's minutes judged on enough
	// evidence, a decimal percentage ("99.9812"); "" when not known.
	Coverage string

	// CoverageByLocation is, per monitoring location of the contract's
	// checks, the share of the period's minutes in which it reported
	// every check it runs: where the evidence is thin. Empty when not
	// known.
	CoverageByLocation []LocationCoverage

	Credit Credit
	Amount Money // the credit, in exact minor units; >= 0

	// Pending marks a credit not yet issued: approved or awaiting approval.
	Pending bool

	Incidents  []Incident
	Exclusions []Exclusion

	// InternalNote is for the provider's staff; shown only with
	// Options.IncludeInternal.
	InternalNote string
}

// LocationCoverage is one monitoring location's share of a period's
// evidence.
type LocationCoverage struct {
	Location string // the location's public name ("Frankfurt"); required
	Coverage string // a decimal percentage ("99.5"); required
}

// CreditUnit is how a contract states its credit.
type CreditUnit string

// Credit units, as in the SLA policy.
const (
	UnitPercent      CreditUnit = "percent"      // a percentage of the period's fee, by tier
	UnitDays         CreditUnit = "days"         // days of service, by tier
	UnitProportional CreditUnit = "proportional" // (100 - uptime) x multiplier percent of the fee
)

// Credit is a credit as its contract states it.
type Credit struct {
	Unit CreditUnit // required

	// Percent is the credit as a percentage of Fee, a decimal ("10",
	// "0.2016"). Required for percent and proportional; for days, the
	// share of the fee the days are worth (shown only beside them).
	Percent string

	// Days is the credit in days of service, a decimal ("3", "1.5");
	// required for days, "" otherwise.
	Days string

	// Multiplier is the proportional credit's multiplier, a decimal ("1",
	// "2.5"); "" means 1. Proportional only.
	Multiplier string

	// Capped says the contract's cap limited the credit.
	Capped bool

	// Fee is the period's fee the credit is a share of. Required.
	Fee Money
}

// Money is an exact amount: an integer count of the currency's minor units
// (cents for EUR, yen for JPY, fils for KWD).
type Money struct {
	Minor    int64
	Currency string // ISO 4217 code, "EUR"
}

// Incident is an incident behind a contract's downtime, as customers saw
// it on the status page.
type Incident struct {
	Title   string    // the public title; required
	Service string    // display name of the affected service
	Start   time.Time // required
	End     time.Time // zero: still open at the end of the period

	// DowntimeMinutes is the downtime it contributed to the contract, a
	// decimal; "" when not attributed.
	DowntimeMinutes string

	URL string // its public page; "" for none
}

// ExclusionKind is why time was excluded from a contract's SLA.
type ExclusionKind string

// Exclusion kinds.
const (
	ExclusionMaintenance ExclusionKind = "maintenance" // announced maintenance the contract excludes
	ExclusionAgreed      ExclusionKind = "agreed"      // excluded by agreement (customer-caused, force majeure)
)

// Exclusion is time excluded from a contract's SLA in the period.
type Exclusion struct {
	Kind  ExclusionKind // required
	Start time.Time     // [Start, End); required
	End   time.Time

	// Reason is the public reason, for the customer ("Announced database
	// upgrade"); required.
	Reason string

	// InternalNote is for the provider's staff; shown only with
	// Options.IncludeInternal.
	InternalNote string
}

// Adjustment is a correction of a credit stated earlier: new figures for a
// contract and period, and the signed difference they make.
type Adjustment struct {
	Contract string // the contract's display name; required
	Period   Period // the period whose credit it corrects; required

	// Adjusts is the number of the statement that stated the credit being
	// corrected ("ACME-MUELLER-2026-09"); required.
	Adjusts string

	Reason string // public reason ("late evidence from one monitoring location"); required

	Uptime          string // corrected uptime, a decimal percentage; required
	DowntimeMinutes string // corrected downtime minutes; "" as for Contract
	Credit          Credit // corrected credit

	// Amount is the difference from what was stated: positive when more
	// is owed, negative when less.
	Amount Money

	Recorded time.Time // when the correction was recorded; required
	Pending  bool      // not yet issued

	InternalNote string // shown only with Options.IncludeInternal
}

// Method is how the figures were measured, for the method paragraph.
type Method struct {
	// Locations are the public names of the monitoring locations
	// ("Frankfurt", "Virginia"); at least one.
	Locations []string

	// Interval is how often each location probes; > 0.
	Interval time.Duration

	// Confirmation is how many failed probes in a row a location needs
	// before it counts the service as down; 0 means 1.
	Confirmation int

	// Quorum is how many locations must see the service down in the same
	// minute for the minute to be downtime; 0 means a majority.
	Quorum int
}

// ApplyHow is how a credit reaches the customer.
type ApplyHow string

// Ways of applying a credit.
const (
	ApplyInvoice    ApplyHow = "invoice"     // deducted on an invoice
	ApplyCreditNote ApplyHow = "credit-note" // a separate credit note
	ApplyRefund     ApplyHow = "refund"      // paid back
)

// Application is how and when the statement's credits are applied.
type Application struct {
	How  ApplyHow  // required when anything is owed
	Date time.Time // the invoice, credit note or refund date; required when anything is owed

	// Reference is the invoice or credit note number, when known.
	Reference string
}

// Options choose what a statement shows beyond what the customer files.
type Options struct {
	// IncludeZero shows contracts and adjustments whose amount is zero.
	IncludeZero bool

	// IncludeInternal shows internal notes, marked as such: for the
	// provider's own copy, never for the customer.
	IncludeInternal bool
}
