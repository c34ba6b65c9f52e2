package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// CreditState is where a ledger entry is in its life: computed, then
// approved by a person, then issued (paid out) exactly once; or voided,
// with a reason, before it is issued.
type CreditState string

// The states of a ledger entry.
const (
	CreditComputed CreditState = "computed" // recorded from the evidence, waiting for approval
	CreditApproved CreditState = "approved" // approved by a person, waiting to be issued
	CreditIssued   CreditState = "issued"   // paid out; final
	CreditVoided   CreditState = "voided"   // withdrawn before it was issued; final
)

// The kinds of ledger entry.
const (
	KindCredit     = "credit"     // the first entry of a tenant, contract and period
	KindAdjustment = "adjustment" // a later correction of it
)

// Credit is one ledger entry: the credit of a tenant under a contract for a
// period (Kind "credit", one per period), or a correction of it (Kind
// "adjustment") recorded when the period's evidence changed after it was
// first recorded.
type Credit struct {
	ID       int64 // assigned when recorded; 0 before
	Tenant   string
	Contract string

	Period      string    // period name, "2026-10" or "2026-Q3"
	PeriodStart time.Time // first instant of the period (inclusive)
	PeriodEnd   time.Time // end of the period (exclusive)

	Kind    string // KindCredit or KindAdjustment
	Adjusts int64  // adjustment: ID of the credit entry it corrects; 0 otherwise
	State   CreditState

	UptimeExact   string // uptime as a reduced fraction, "2672123/26748" (percent)
	UptimePercent string // decimal strings, as reported
	BreachMinutes string
	CreditPercent string
	// CreditDays is a days contract's credit in days of service, a
	// decimal ("3"); "" for other contracts and for entries recorded
	// before the ledger kept it.
	CreditDays string
	// CreditMultiplier is a proportional contract's multiplier, a decimal
	// ("2.5"); "" for other contracts and older entries.
	CreditMultiplier string
	CoveragePercent  string
	Flagged          bool // coverage below the contract's threshold: needs a person before money moves

	AmountMinor  int64  // integer minor units (cents); for an adjustment, the signed difference
	Currency     string // ISO 4217 code, "EUR"
	EvidenceHash string // hex SHA-256 of the evidence the figures came from, computed by the caller
	Reason       string // why it was voided; "" otherwise

	CreatedAt time.Time // when it was recorded, UTC, millisecond precision
	UpdatedAt time.Time // its last state change; CreatedAt if none
}

// CreditFilter selects ledger entries. A zero field matches any value.
type CreditFilter struct {
	Tenant, Contract, Period string
	State                    CreditState
	Flagged                  *bool // nil: flagged or not
}

// CreditPage is one page of the entries a filter selects, newest first,
// with what all of them (not just the page) count and add up to.
type CreditPage struct {
	Rows   []Credit
	Count  int             // entries through the filter
	Totals []CurrencyTotal // their amounts per currency, by currency code
}

// CurrencyTotal is the sum of entries' amounts in one currency.
type CurrencyTotal struct {
	Currency    string
	AmountMinor int64
}

// MaxCreditPage is the most entries one CreditsPage call returns.
const MaxCreditPage = 1000

// CheckCreditPage refuses a page size or offset a store would not serve.
func CheckCreditPage(limit, offset int) error {
	if limit < 1 || limit > MaxCreditPage {
		return fmt.Errorf("credits page: limit %d is not between 1 and %d", limit, MaxCreditPage)
	}
	if offset < 0 {
		return fmt.Errorf("credits page: offset %d is negative", offset)
	}
	return nil
}

// Closing is one period to record with RecordCloses.
type Closing struct {
	Credit    Credit
	AutoIssue bool
}

// CreditSubject is the audit subject of ledger entry id.
func CreditSubject(id int64) string { return fmt.Sprintf("credit/%d", id) }

// CheckClose validates the caller's part of a RecordClose entry; every
// store refuses what it refuses, before writing anything.
func CheckClose(c Credit, actor string) error {
	switch {
	case c.Tenant == "":
		return errors.New("empty tenant")
	case c.Contract == "":
		return errors.New("empty contract")
	case c.Period == "":
		return errors.New("empty period")
	case c.PeriodStart.IsZero() || !c.PeriodStart.Before(c.PeriodEnd):
		return fmt.Errorf("period [%v, %v): start must be before end", c.PeriodStart, c.PeriodEnd)
	case c.Currency == "":
		return errors.New("empty currency")
	case c.AmountMinor < 0:
		return fmt.Errorf("amount %d: must not be negative", c.AmountMinor)
	case c.UptimeExact == "":
		return errors.New("empty exact uptime")
	case !isHexSHA256(c.EvidenceHash):
		return fmt.Errorf("evidence hash %q: want 64 lowercase hex digits", c.EvidenceHash)
	case strings.TrimSpace(actor) == "":
		return errors.New("empty actor")
	}
	return nil
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

// CloseRefusal is a close that contradicts what is recorded (another
// currency, other period bounds). A store finds it before writing anything
// for that close, so a batch can skip it alone.
type CloseRefusal struct{ Msg string }

func (e *CloseRefusal) Error() string { return e.Msg }

// CheckRecorded compares a close with the first entry recorded for its
// period: the bounds and the currency must not change.
func CheckRecorded(first, c Credit) error {
	if first.PeriodStart.UnixMilli() != c.PeriodStart.UnixMilli() || first.PeriodEnd.UnixMilli() != c.PeriodEnd.UnixMilli() {
		return &CloseRefusal{fmt.Sprintf("period [%v, %v) differs from the recorded [%v, %v)",
			c.PeriodStart.UTC(), c.PeriodEnd.UTC(), first.PeriodStart, first.PeriodEnd)}
	}
	if first.Currency != c.Currency {
		return &CloseRefusal{fmt.Sprintf("currency %s differs from the recorded %s", c.Currency, first.Currency)}
	}
	return nil
}

// CreditRecordedDetail is the audit detail of a new ledger entry: every
// figure it was recorded with.
func CreditRecordedDetail(c Credit) map[string]any {
	d := map[string]any{
		"tenant": c.Tenant, "contract": c.Contract, "period": c.Period,
		"period_start_ms": c.PeriodStart.UnixMilli(), "period_end_ms": c.PeriodEnd.UnixMilli(),
		"kind": c.Kind, "state": c.State,
		"uptime_exact": c.UptimeExact, "uptime_percent": c.UptimePercent,
		"breach_minutes": c.BreachMinutes, "credit_percent": c.CreditPercent,
		"coverage_percent": c.CoveragePercent, "flagged": c.Flagged,
		"amount_minor": c.AmountMinor, "currency": c.Currency, "evidence_hash": c.EvidenceHash,
	}
	if c.Kind == KindAdjustment {
		d["adjusts"] = c.Adjusts
	}
	// Only when set, so entries recorded without them audit as before.
	if c.CreditDays != "" {
		d["credit_days"] = c.CreditDays
	}
	if c.CreditMultiplier != "" {
		d["credit_multiplier"] = c.CreditMultiplier
	}
	return d
}

// CreditRecordedAction is the audit action of a new entry of kind.
func CreditRecordedAction(kind string) string {
	if kind == KindAdjustment {
		return "credit.adjusted"
	}
	return "credit.recorded"
}

// TransitionDetail is the audit detail of a state change.
func TransitionDetail(from, to CreditState, reason string) map[string]any {
	d := map[string]any{"from": from, "state": to}
	if reason != "" {
		d["reason"] = reason
	}
	return d
}

// StateError is the error of a transition that does not apply.
func StateError(is CreditState, want []CreditState) error {
	ws := make([]string, len(want))
	for i, w := range want {
		ws[i] = string(w)
	}
	return fmt.Errorf("%w: is %s, want %s", ErrCreditState, is, strings.Join(ws, " or "))
}

// CheckActor refuses a blank actor, naming the operation.
func CheckActor(what, actor string) error {
	if strings.TrimSpace(actor) == "" {
		return fmt.Errorf("%s: empty actor", what)
	}
	return nil
}
