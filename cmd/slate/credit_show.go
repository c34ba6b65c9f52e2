package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/dashboard/adminapi"
)

// showCredit prints everything behind a ledger entry's amount
// (credit.Explain), as text or as the admin API's JSON.
func showCredit(ctx context.Context, stdout, stderr io.Writer, cfg *config.Config, store cliStore, pos []string, format string, now time.Time) int {
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "slate credits show: give one credit ID")
		return exitUsage
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		fmt.Fprintf(stderr, "slate credits show: %q is not a credit ID\n", pos[0])
		return exitUsage
	}
	if format == "table" {
		format = "text"
	}
	if format != "text" && format != "json" {
		fmt.Fprintf(stderr, "slate credits show: --format: %q is not one of text, json\n", format)
		return exitUsage
	}
	c, err := store.Credit(ctx, id)
	if err != nil {
		fmt.Fprintf(stderr, "slate credits show: %v\n", err)
		return exitUsage
	}
	ex, err := credit.Explain(ctx, store, &cfg.Catalog, c, now)
	if err != nil {
		fmt.Fprintf(stderr, "slate credits show: %v\n", err)
		return exitFail
	}
	d := adminapi.DetailOf(ex)
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return exitFail
		}
		return exitOK
	}
	writeDetail(stdout, d)
	return exitOK
}

func writeDetail(w io.Writer, d adminapi.CreditDetail) {
	c := d.Credit
	fmt.Fprintf(w, "credit %d: %s %s %s (%s), %s\n", c.ID, c.Tenant, c.Contract, c.PeriodName, c.Kind, c.State)
	fmt.Fprintf(w, "  amount        %s %s (the period's ledger: %s; the evidence now gives %s)\n", c.CreditAmount, c.Currency, d.LedgerAmount, d.AmountNow)
	fmt.Fprintf(w, "  period        %s to %s (%s)\n", d.PeriodLocal.Start, d.PeriodLocal.End, d.TimeZone)
	fmt.Fprintf(w, "  uptime        %s%%, %s breach minutes, credit %s%%, coverage %s%%", c.UptimePercent, c.DowntimeMinutes, c.CreditPercent, c.CoveragePercent)
	if c.CoverageFlagged {
		fmt.Fprint(w, " (flagged)")
	}
	fmt.Fprintln(w)
	unchanged := "unchanged since recorded"
	if !d.EvidenceUnchanged {
		unchanged = "CHANGED since recorded: now " + d.EvidenceHashNow
	}
	fmt.Fprintf(w, "  evidence      %s, %s\n", c.EvidenceHash, unchanged)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	section := func(title string, n int) {
		fmt.Fprintf(tw, "\n%s (%d)\n", title, n)
	}
	section("downtime", len(d.Downtime))
	for _, s := range d.Downtime {
		fmt.Fprintf(tw, "  %s\t%s\t%s min\n", s.Start, s.End, s.Minutes)
	}
	section("maintenance and exclusions applied", len(d.Maintenance)+len(d.Exclusions))
	for _, s := range d.Maintenance {
		fmt.Fprintf(tw, "  maintenance\t%s\t%s\t%s min\n", s.Start, s.End, s.Minutes)
	}
	for _, s := range d.Exclusions {
		fmt.Fprintf(tw, "  exclusion\t%s\t%s\t%s min\t%s\n", s.Start, s.End, s.Minutes, s.Reason)
	}
	section("coverage per location", len(d.Coverage))
	for _, l := range d.Coverage {
		fmt.Fprintf(tw, "  %s\t%s%%\n", l.Location, l.Percent)
	}
	section("incidents and their share", len(d.Incidents))
	for _, i := range d.Incidents {
		fmt.Fprintf(tw, "  incident %d\t%s\t%s\t%s breach min\t%s %s\n", i.ID, i.Service, i.Status, i.BreachMinutes, i.Share, c.Currency)
	}
	fmt.Fprintf(tw, "  no incident\t\t\t\t%s %s\n", d.Unattributed, c.Currency)
	section("ledger entries of the period", len(d.Entries))
	for _, e := range d.Entries {
		fmt.Fprintf(tw, "  %d\t%s\t%s %s\t%s\n", e.ID, e.Kind, e.CreditAmount, e.Currency, e.State)
	}
	section("audit trail", len(d.Audit))
	for _, e := range d.Audit {
		fmt.Fprintf(tw, "  %v\t%s\t%s\t%s\n", e.At, e.Actor, e.Action, e.Subject)
	}
	tw.Flush()
}
