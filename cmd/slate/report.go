package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

const reportUsage = `Usage: slate report --config FILE [--tenant T] [--period 2026-10|2026-Q3|current] [--format table|json|csv]

Computes, from the stored evidence, every contract's uptime, downtime, error
budget spent, coverage and credit for a period, in each tenant's time zone,
with the same engine as slate calc. A month given for a quarterly contract
selects the quarter that holds it. The current period counts only the time
elapsed so far. A period whose coverage is below the contract's threshold is
flagged: its figures rest on too little evidence to issue money on.

The JSON output carries, per contract, every field of slate calc's output
plus tenant, contract, period_name, coverage_percent, coverage_flagged and
budget_spent_ratio.

Flags:
`

// reportRow is one contract's line of the report.
type reportRow struct {
	Tenant     string `json:"tenant"`
	Contract   string `json:"contract"`
	PeriodName string `json:"period_name"`
	sla.Report
	CoveragePercent  string `json:"coverage_percent"`
	CoverageFlagged  bool   `json:"coverage_flagged"`
	BudgetSpentRatio string `json:"budget_spent_ratio"`
}

func runReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (required)")
	tenant := fs.String("tenant", "", "only this tenant's contracts")
	periodArg := fs.String("period", "current", "2026-10, 2026-Q3 or current")
	format := fs.String("format", "table", "table, json or csv")
	fs.Usage = func() { fmt.Fprint(fs.Output(), reportUsage); fs.PrintDefaults() }
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "slate report: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *format != "table" && *format != "json" && *format != "csv" {
		fmt.Fprintf(stderr, "slate report: --format: %q is not one of table, json, csv\n", *format)
		return exitUsage
	}
	if *configPath == "" {
		fmt.Fprintln(stderr, "slate report: give --config FILE")
		return exitUsage
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	// Flags are checked against the configuration before the store opens.
	if *tenant != "" && !hasTenant(cfg, *tenant) {
		fmt.Fprintf(stderr, "slate report: --tenant: unknown tenant %q\n", *tenant)
		return exitUsage
	}
	store, err := db.Open(cfg.Storage.Path, db.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "slate report: %v\n", err)
		return exitFail
	}
	defer store.Close()
	if cfg, err = withStoredMaintenance(context.Background(), cfg, store); err != nil {
		fmt.Fprintf(stderr, "slate report: %v\n", err)
		return exitFail
	}
	rows, err := buildReport(context.Background(), store, cfg, *tenant, *periodArg, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "slate report: %v\n", err)
		return exitUsage
	}
	if err := writeReport(stdout, *format, rows); err != nil {
		fmt.Fprintf(stderr, "slate report: %v\n", err)
		return exitFail
	}
	return exitOK
}

func hasTenant(cfg *config.Config, id string) bool {
	for _, t := range cfg.Tenants {
		if t.ID == id {
			return true
		}
	}
	return false
}

// buildReport computes every selected contract's statement for the period
// named by periodArg, as of now.
func buildReport(ctx context.Context, h credit.History, cfg *config.Config, tenant, periodArg string, now time.Time) ([]reportRow, error) {
	var rows []reportRow
	for _, c := range cfg.Contracts {
		if tenant != "" && c.Tenant != tenant {
			continue
		}
		t := tenantOf(cfg, c.Tenant)
		period, err := contractPeriod(c.Period, periodArg, t.Location, now)
		if err != nil {
			return nil, err
		}
		st, err := credit.Compute(ctx, h, creditContract(cfg, c), period, now)
		if err != nil {
			return nil, err
		}
		rows = append(rows, reportRow{
			Tenant: c.Tenant, Contract: c.ID, PeriodName: period.String(),
			Report:           st.Outcome.Report(),
			CoveragePercent:  sla.FormatFixed(st.CoveragePercent(), 4),
			CoverageFlagged:  st.Flagged,
			BudgetSpentRatio: sla.FormatFixed(st.Budget.SpentRatio(), 4),
		})
	}
	return rows, nil
}

func tenantOf(cfg *config.Config, id string) catalog.Tenant {
	for _, t := range cfg.Tenants {
		if t.ID == id {
			return t
		}
	}
	return catalog.Tenant{ID: id, Location: time.UTC}
}

// schedules are the configuration's contracts as the period close and the
// SLA gauges take them.
func schedules(cfg *config.Config) []credit.Schedule {
	out := make([]credit.Schedule, len(cfg.Contracts))
	for i, c := range cfg.Contracts {
		out[i] = credit.Schedule{
			Contract:  creditContract(cfg, c),
			Quarterly: c.Period == "quarter",
			Location:  tenantOf(cfg, c.Tenant).Location,
			AutoIssue: c.AutoIssue,
			Grace:     c.CloseGrace,
		}
	}
	return out
}

// creditContract is a configured contract in the credit package's terms:
// the checks of its services that measure its tenant or everyone.
func creditContract(cfg *config.Config, c catalog.Contract) credit.Contract {
	out := credit.Contract{ID: c.ID, Tenant: c.Tenant, Policy: c.Policy, Fee: c.Fee, CoverageThreshold: c.CoverageThreshold,
		Maintenance: maintenanceFor(cfg, c)}
	for _, ch := range cfg.Checks {
		if ch.Tenant != "" && ch.Tenant != c.Tenant {
			continue
		}
		for _, s := range c.Services {
			if ch.Service == s {
				out.Checks = append(out.Checks, credit.Check{ID: ch.ID, Locations: ch.Locations, Confirmation: ch.Confirmation})
				break
			}
		}
	}
	return out
}

// maintenanceFor is the maintenance of a contract's services that was
// announced at least the contract's notice before it began: the windows the
// engine may exclude (when the policy says maintenance is excluded).
func maintenanceFor(cfg *config.Config, c catalog.Contract) []sla.Interval {
	var out []sla.Interval
	for _, m := range cfg.Maintenance {
		if m.Announced.After(m.Start.Add(-c.MaintenanceNotice)) {
			continue // announced too late to count
		}
		for _, s := range m.Services {
			if slices.Contains(c.Services, s) {
				out = append(out, sla.Interval{Start: m.Start, End: m.End})
				break
			}
		}
	}
	return out
}

// contractPeriod is the month or quarter (kind) in loc named by arg:
// "2026-10", "2026-Q3" or "current" (the one holding now).
func contractPeriod(kind, arg string, loc *time.Location, now time.Time) (sla.Period, error) {
	var at time.Time
	switch {
	case arg == "current":
		at = now.In(loc)
	case strings.Contains(arg, "-Q"):
		var y, q int
		if _, err := fmt.Sscanf(arg, "%4d-Q%1d", &y, &q); err != nil || len(arg) != 7 || q < 1 || q > 4 {
			return sla.Period{}, fmt.Errorf("--period: %q is not a month like 2026-10, a quarter like 2026-Q3, or current", arg)
		}
		if kind == "month" {
			return sla.Period{}, fmt.Errorf("--period: %s is a quarter, but contracts billed monthly need a month", arg)
		}
		return sla.Quarter(y, q, loc), nil
	default:
		t, err := time.ParseInLocation("2006-01", arg, loc)
		if err != nil || len(arg) != 7 {
			return sla.Period{}, fmt.Errorf("--period: %q is not a month like 2026-10, a quarter like 2026-Q3, or current", arg)
		}
		at = t
	}
	if kind == "quarter" {
		return sla.Quarter(at.Year(), (int(at.Month())-1)/3+1, loc), nil
	}
	return sla.Month(at.Year(), at.Month(), loc), nil
}

func writeReport(w io.Writer, format string, rows []reportRow) error {
	switch format {
	case "json":
		if rows == nil {
			rows = []reportRow{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"tenant", "contract", "period", "uptime_percent", "downtime_minutes", "budget_spent_ratio",
			"coverage_percent", "coverage_flagged", "target_met", "credit_percent", "credit_amount", "currency"})
		for _, r := range rows {
			cw.Write([]string{r.Tenant, r.Contract, r.PeriodName, r.UptimePercent, deref(r.DowntimeMinutes), r.BudgetSpentRatio,
				r.CoveragePercent, fmt.Sprint(r.CoverageFlagged), fmt.Sprint(r.TargetMet), r.CreditPercent, r.CreditAmount, r.Currency})
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tCONTRACT\tPERIOD\tUPTIME %\tDOWN MIN\tBUDGET SPENT\tCOVERAGE %\tCREDIT %\tAMOUNT\t")
	for _, r := range rows {
		flag := ""
		if r.CoverageFlagged {
			flag = "  coverage below threshold"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s %s\t%s\n", r.Tenant, r.Contract, r.PeriodName, r.UptimePercent,
			deref(r.DowntimeMinutes), percentOf(r.BudgetSpentRatio), r.CoveragePercent, r.CreditPercent, r.CreditAmount, r.Currency, flag)
	}
	return tw.Flush()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// percentOf shows a ratio as a percentage with one decimal.
func percentOf(ratio string) string {
	r, err := sla.ParseDecimal(ratio)
	if err != nil {
		return ratio
	}
	return sla.FormatFixed(new(big.Rat).Mul(r, big.NewRat(100, 1)), 1) + "%"
}
