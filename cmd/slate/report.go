package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/sla"
)

const reportUsage = `Usage: slate report --config FILE [--tenant T] [--period 2026-10|2026-Q3|current] [--format table|json|csv]

Computes, from the stored evidence, every contract's uptime, downtime, error
budget spent, coverage and credit for a period, in each tenant's time zone,
with the same engine as slate calc. A month given for a quarterly contract
selects the quarter that holds it. The current period counts only the time
elapsed so far. A period whose coverage is below the contract's threshold is
flagged: its figures rest on too little evidence to issue money on.

Coverage is also shown per location of the contract's checks: the share of
the period's minutes so far in which that location reported every one of the
contract's checks that runs there, so a flagged period shows where the
evidence is thin.

The JSON output carries, per contract, every field of slate calc's output
plus tenant, contract, period_name, coverage_percent, coverage_flagged,
budget_spent_ratio and coverage_by_location (location, name,
coverage_percent, reported_minutes, minutes, below_threshold). CSV has it as
one column, "eu-west=100.0000;us-east=97.5000".

Flags:
`

// reportRow is one contract's line of the report.
type reportRow struct {
	Tenant     string `json:"tenant"`
	Contract   string `json:"contract"`
	PeriodName string `json:"period_name"`
	sla.Report
	CoveragePercent    string             `json:"coverage_percent"`
	CoverageFlagged    bool               `json:"coverage_flagged"`
	BudgetSpentRatio   string             `json:"budget_spent_ratio"`
	CoverageByLocation []locationCoverage `json:"coverage_by_location"`
}

// locationCoverage is one location's coverage of a contract's period.
type locationCoverage struct {
	Location        string `json:"location"`
	Name            string `json:"name"`
	CoveragePercent string `json:"coverage_percent"`
	ReportedMinutes string `json:"reported_minutes"`
	Minutes         string `json:"minutes"`
	BelowThreshold  bool   `json:"below_threshold"`
}

func runReport(args []string, stdout, stderr io.Writer, now func() time.Time) int {
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
	if *tenant != "" && !cfg.HasTenant(*tenant) {
		fmt.Fprintf(stderr, "slate report: --tenant: unknown tenant %q\n", *tenant)
		return exitUsage
	}
	store, err := openStore(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "slate report: %v\n", err)
		return exitFail
	}
	defer store.Close()
	cat, err := monitor.WithStoredMaintenance(context.Background(), &cfg.Catalog, store)
	if err != nil {
		fmt.Fprintf(stderr, "slate report: %v\n", err)
		return exitFail
	}
	rows, err := buildReport(context.Background(), store, cat, *tenant, *periodArg, now())
	var pe *periodError
	if errors.As(err, &pe) {
		fmt.Fprintf(stderr, "slate report: %v\n", err)
		return exitUsage
	}
	if werr := writeReport(stdout, *format, rows); werr != nil {
		fmt.Fprintf(stderr, "slate report: %v\n", werr)
		return exitFail
	}
	if err != nil { // contracts that could not be computed: the others are reported
		for _, e := range credit.FailedContracts(err) {
			fmt.Fprintf(stderr, "slate report: %v\n", e)
		}
		return exitFail
	}
	return exitOK
}

// periodError is a --period that names no period of a contract.
type periodError struct{ err error }

func (e *periodError) Error() string { return "--period: " + e.err.Error() }

// buildReport computes every selected contract's statement for the period
// named by periodArg, as of now. A contract whose statement cannot be
// computed is left out and its error (a *credit.ContractError) joined to
// the others': the rest are still reported. A bad periodArg is a
// *periodError, and no row.
func buildReport(ctx context.Context, h credit.History, cat *catalog.Catalog, tenant, periodArg string, now time.Time) ([]reportRow, error) {
	var rows []reportRow
	var errs []error
	for _, c := range cat.Contracts {
		if tenant != "" && c.Tenant != tenant {
			continue
		}
		period, err := c.PeriodNamed(periodArg, cat.Zone(c.Tenant), now)
		if err != nil {
			return nil, &periodError{err}
		}
		st, err := credit.Compute(ctx, h, credit.ContractOf(cat, c), period, now)
		if err != nil {
			errs = append(errs, &credit.ContractError{Contract: c.ID, Err: err})
			continue
		}
		rows = append(rows, reportRow{
			Tenant: c.Tenant, Contract: c.ID, PeriodName: period.String(),
			Report:             st.Outcome.Report(),
			CoveragePercent:    sla.FormatFixed(st.CoveragePercent(), 4),
			CoverageFlagged:    st.Flagged,
			BudgetSpentRatio:   sla.FormatFixed(st.Budget.SpentRatio(), 4),
			CoverageByLocation: locationRows(cat, st, c.CoverageThreshold),
		})
	}
	return rows, errors.Join(errs...)
}

// locationRows is each location's coverage in st, named as the catalogue
// names it; below the threshold when under the contract's coverage
// threshold.
func locationRows(cat *catalog.Catalog, st credit.Statement, threshold *big.Rat) []locationCoverage {
	out := []locationCoverage{}
	for _, l := range st.Locations {
		name := l.Location
		if d, ok := cat.Location(l.Location); ok && d.Name != "" {
			name = d.Name
		}
		p := l.Percent()
		out = append(out, locationCoverage{Location: l.Location, Name: name, CoveragePercent: sla.FormatFixed(p, 4),
			ReportedMinutes: strconv.Itoa(l.Reported), Minutes: strconv.Itoa(l.Minutes),
			BelowThreshold: threshold != nil && p.Cmp(threshold) < 0})
	}
	return out
}

// byLocation writes each location's coverage as "id=percent", joined by
// sep, with the percentage cut to digits decimals.
func byLocation(ls []locationCoverage, sep string, digits int) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		p := l.CoveragePercent
		if r, err := sla.ParseDecimal(p); err == nil {
			p = sla.FormatFixed(r, digits)
		}
		parts[i] = l.Location + "=" + p
	}
	return strings.Join(parts, sep)
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
			"coverage_percent", "coverage_flagged", "target_met", "credit_percent", "credit_amount", "currency", "coverage_by_location"})
		for _, r := range rows {
			cw.Write([]string{r.Tenant, r.Contract, r.PeriodName, r.UptimePercent, deref(r.DowntimeMinutes), r.BudgetSpentRatio,
				r.CoveragePercent, fmt.Sprint(r.CoverageFlagged), fmt.Sprint(r.TargetMet), r.CreditPercent, r.CreditAmount, r.Currency,
				byLocation(r.CoverageByLocation, ";", 4)})
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tCONTRACT\tPERIOD\tUPTIME %\tDOWN MIN\tBUDGET SPENT\tCOVERAGE %\tBY LOCATION %\tCREDIT %\tAMOUNT\t")
	for _, r := range rows {
		flag := ""
		if r.CoverageFlagged {
			flag = "  coverage below threshold"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s %s\t%s\n", r.Tenant, r.Contract, r.PeriodName, r.UptimePercent,
			deref(r.DowntimeMinutes), percentOf(r.BudgetSpentRatio), r.CoveragePercent, byLocation(r.CoverageByLocation, " ", 2),
			r.CreditPercent, r.CreditAmount, r.Currency, flag)
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
