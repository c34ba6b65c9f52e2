package billing

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// Row is one ledger entry as a billing system imports it. The JSON names
// are the CSV's columns, in Columns' order; slate report uses the same
// names for the same figures (uptime_percent, downtime_minutes,
// credit_percent, credit_amount, currency).
type Row struct {
	ID             int64  `json:"id"`
	Kind           string `json:"kind"` // credit or adjustment
	Tenant         string `json:"tenant"`
	BillingRef     string `json:"billing_ref"`
	Contract       string `json:"contract"`
	ContractName   string `json:"contract_name"`
	Period         string `json:"period_name"`
	PeriodStart    string `json:"period_start"` // RFC 3339, UTC, inclusive
	PeriodEnd      string `json:"period_end"`   // RFC 3339, UTC, exclusive
	UptimePercent  string `json:"uptime_percent"`
	DowntimeMinute string `json:"downtime_minutes"`
	Coverage       string `json:"coverage_percent"`
	Flagged        bool   `json:"coverage_flagged"`
	CreditPercent  string `json:"credit_percent"`
	CreditDays     string `json:"credit_days"` // "" unless the contract credits days
	CreditAmount   string `json:"credit_amount"`
	Currency       string `json:"currency"`
	State          string `json:"state"`
	ApprovedAt     string `json:"approved_at"` // RFC 3339, UTC; "" until approved
	ApprovedBy     string `json:"approved_by"`
	IssuedAt       string `json:"issued_at"`
	IssuedBy       string `json:"issued_by"`
	VoidReason     string `json:"void_reason"`
	Adjusts        string `json:"adjusts"` // an adjustment: the id of the credit it corrects
	EvidenceHash   string `json:"evidence_hash"`
}

// Columns are the export's columns, in order. They are stable: a new
// column is added at the end, none is renamed or removed.
var Columns = []string{"id", "kind", "tenant", "billing_ref", "contract", "contract_name", "period_name", "period_start",
	"period_end", "uptime_percent", "downtime_minutes", "coverage_percent", "coverage_flagged", "credit_percent", "credit_days", "credit_amount", "currency",
	"state", "approved_at", "approved_by", "issued_at", "issued_by", "void_reason", "adjusts", "evidence_hash"}

func (r Row) values() []string {
	return []string{strconv.FormatInt(r.ID, 10), r.Kind, r.Tenant, r.BillingRef, r.Contract, r.ContractName, r.Period,
		r.PeriodStart, r.PeriodEnd, r.UptimePercent, r.DowntimeMinute, r.Coverage, strconv.FormatBool(r.Flagged), r.CreditPercent, r.CreditDays, r.CreditAmount,
		r.Currency, r.State, r.ApprovedAt, r.ApprovedBy, r.IssuedAt, r.IssuedBy, r.VoidReason, r.Adjusts, r.EvidenceHash}
}

// ExportOptions choose the rows and the sign of amounts.
type ExportOptions struct {
	// Since keeps the entries issued after it (strictly), for incremental
	// imports: pass the latest issued_at already imported. Zero keeps
	// every entry.
	Since time.Time
	// CreditNotes writes amounts negative, as credit-note lines (an
	// adjustment that lowers a credit becomes positive).
	CreditNotes bool
}

// Auditor reads an entry's audit trail, for who approved and issued it.
type Auditor interface {
	AuditOf(ctx context.Context, subject string) ([]store.AuditEntry, error)
}

// Rows makes the export's rows of cs, in the order given.
func Rows(ctx context.Context, a Auditor, cat *catalog.Catalog, cs []store.Credit, o ExportOptions) ([]Row, error) {
	out := make([]Row, 0, len(cs))
	for _, c := range cs {
		r := Row{ID: c.ID, Kind: c.Kind, Tenant: c.Tenant, Contract: c.Contract, Period: c.Period,
			PeriodStart: stamp(c.PeriodStart), PeriodEnd: stamp(c.PeriodEnd), UptimePercent: c.UptimePercent,
			DowntimeMinute: c.BreachMinutes, Coverage: c.CoveragePercent, Flagged: c.Flagged, CreditPercent: c.CreditPercent, CreditDays: c.CreditDays,
			Currency: c.Currency, State: string(c.State), EvidenceHash: c.EvidenceHash}
		if t, ok := cat.Tenant(c.Tenant); ok {
			r.BillingRef = t.BillingRef
		}
		if k, ok := cat.Contract(c.Contract); ok {
			r.ContractName = k.Name
		}
		amount := c.AmountMinor
		if o.CreditNotes {
			amount = -amount
		}
		r.CreditAmount = sla.FormatMinor(amount, c.Currency)
		if c.Kind == store.KindAdjustment {
			r.Adjusts = strconv.FormatInt(c.Adjusts, 10)
		}
		if c.State == store.CreditVoided {
			r.VoidReason = c.Reason
		}
		if c.State != store.CreditComputed {
			entries, err := a.AuditOf(ctx, store.CreditSubject(c.ID))
			if err != nil {
				return nil, fmt.Errorf("audit of credit %d: %w", c.ID, err)
			}
			for _, e := range entries {
				switch e.Action {
				case "credit.approved":
					r.ApprovedAt, r.ApprovedBy = stamp(e.At), e.Actor
				case "credit.issued":
					r.IssuedAt, r.IssuedBy = stamp(e.At), e.Actor
					if r.ApprovedAt == "" { // issued at close: approved by the same act
						r.ApprovedAt, r.ApprovedBy = r.IssuedAt, r.IssuedBy
					}
				}
			}
		}
		if !o.Since.IsZero() {
			at, err := time.Parse(time.RFC3339Nano, r.IssuedAt)
			if err != nil || !at.After(o.Since) {
				continue
			}
		}
		out = append(out, r)
	}
	return out, nil
}

var number = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// WriteCSV writes rows with a header of Columns.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for _, r := range rows {
		v := r.values()
		for i, s := range v {
			v[i] = csvSafe(s)
		}
		if err := cw.Write(v); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula: a cell
// that starts with = + - @ gets a leading apostrophe, unless it is a
// number (negative amounts stay numbers).
func csvSafe(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if number.MatchString(s) {
		return s
	}
	return "'" + s
}

// WriteJSON writes rows as a JSON array of objects keyed by Columns.
func WriteJSON(w io.Writer, rows []Row) error {
	if rows == nil {
		rows = []Row{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// SortByIssued orders rows by issued_at, then id, for incremental imports.
func SortByIssued(rows []Row) {
	slices.SortStableFunc(rows, func(a, b Row) int {
		if c := strings.Compare(a.IssuedAt, b.IssuedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
}
