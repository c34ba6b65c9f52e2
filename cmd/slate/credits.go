package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/dashboard/adminapi"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/sla"
)

const creditsUsage = `Usage: slate credits <command> --config FILE [flags]

The credit ledger: one entry per tenant, contract and period, recorded by the
period close (computed; issued at once for contracts with auto_issue), then
approved and issued by an account manager, or voided with a reason. Evidence
that changes after a close adds an adjustment entry; nothing is rewritten.
Every change is in the audit log (slate audit verify).

Commands:
  list [--tenant T] [--period P] [--state S] [--format table|csv|json]
                 entries; csv is the billing export: tenant, contract, period,
                 uptime, breach minutes, credit percent, amount, currency,
                 state, evidence hash
  approve ID     computed -> approved
  issue ID       approved -> issued (exactly once)
  void ID --reason TEXT
                 computed or approved -> voided
  statement --tenant T
                 the tenant's credit statement, in markdown
  close          close the last ended period of every contract now (the job
                 slate serve runs every 15 minutes)

Common flags: --config FILE (required), --actor NAME (recorded in the audit
log; default $USER).
`

func runCredits(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	sub, code, ok := subcommand(args, creditsUsage, stdout)
	if !ok {
		return code
	}
	rest := args[1:]
	fs := newFlagSet("credits "+sub, stderr, creditsUsage)
	configPath := fs.String("config", "", "configuration file (required)")
	actor := fs.String("actor", defaultActor(), "who acts, for the audit log")
	tenant := fs.String("tenant", "", "tenant")
	period := fs.String("period", "", "period name, 2026-10 or 2026-Q3")
	state := fs.String("state", "", "computed, approved, issued or voided")
	format := fs.String("format", "table", "table, csv or json")
	reason := fs.String("reason", "", "why the credit is voided")
	pos, code, ok := parseInterspersed(fs, rest, stdout)
	if !ok {
		return code
	}
	cfg, store, code, ok := openConfigStore("credits "+sub, *configPath, stderr)
	if !ok {
		return code
	}
	defer store.Close()
	ctx := context.Background()
	fail := func(err error) int {
		fmt.Fprintf(stderr, "slate credits %s: %v\n", sub, err)
		if errors.Is(err, db.ErrCreditState) || errors.Is(err, db.ErrNotFound) {
			return exitUsage
		}
		return exitFail
	}

	if len(pos) > 0 && sub != "approve" && sub != "issue" && sub != "void" {
		fmt.Fprintf(stderr, "slate credits %s: unexpected argument %q\n", sub, pos[0])
		return exitUsage
	}
	switch sub {
	case "list":
		if *format != "table" && *format != "csv" && *format != "json" {
			fmt.Fprintf(stderr, "slate credits list: --format: %q is not one of table, csv, json\n", *format)
			return exitUsage
		}
		cs, err := store.Credits(ctx, db.CreditFilter{Tenant: *tenant, Period: *period, State: db.CreditState(*state)})
		if err != nil {
			return fail(err)
		}
		if err := writeCredits(stdout, *format, cs); err != nil {
			return fail(err)
		}
		return exitOK
	case "approve", "issue", "void":
		if len(pos) != 1 {
			fmt.Fprintf(stderr, "slate credits %s: give one credit ID\n", sub)
			return exitUsage
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil || id <= 0 {
			fmt.Fprintf(stderr, "slate credits %s: %q is not a credit ID\n", sub, pos[0])
			return exitUsage
		}
		var c db.Credit
		switch sub {
		case "approve":
			c, err = store.ApproveCredit(ctx, id, *actor)
		case "issue":
			c, err = store.IssueCredit(ctx, id, *actor)
		case "void":
			if strings.TrimSpace(*reason) == "" {
				fmt.Fprintln(stderr, "slate credits void: give --reason")
				return exitUsage
			}
			c, err = store.VoidCredit(ctx, id, *actor, *reason)
		}
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "credit %d (%s %s %s): %s\n", c.ID, c.Tenant, c.Contract, c.Period, c.State)
		return exitOK
	case "statement":
		if *tenant == "" || !cfg.HasTenant(*tenant) {
			fmt.Fprintf(stderr, "slate credits statement: --tenant: give a tenant of the configuration\n")
			return exitUsage
		}
		cs, err := store.Credits(ctx, db.CreditFilter{Tenant: *tenant})
		if err != nil {
			return fail(err)
		}
		t, _ := cfg.Tenant(*tenant)
		writeStatement(stdout, t, cs, now())
		return exitOK
	case "close":
		cat, err := monitor.WithStoredMaintenance(ctx, &cfg.Catalog, store)
		if err != nil {
			return fail(err)
		}
		n, err := monitor.CloseDue(ctx, store, cat, *actor, now())
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "closed %d periods\n", n)
		return exitOK
	}
	fmt.Fprintf(stderr, "slate credits: unknown command %q\n\n%s", sub, creditsUsage)
	return exitUsage
}

func defaultActor() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "cli"
}

func writeCredits(w io.Writer, format string, cs []db.Credit) error {
	switch format {
	case "json":
		out := make([]adminapi.Credit, len(cs))
		for i, c := range cs {
			out[i] = adminapi.CreditOf(c)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"id", "tenant", "contract", "period", "kind", "uptime_percent", "breach_minutes", "credit_percent",
			"amount", "currency", "state", "evidence_hash"})
		for _, c := range cs {
			cw.Write([]string{strconv.FormatInt(c.ID, 10), c.Tenant, c.Contract, c.Period, c.Kind, c.UptimePercent, c.BreachMinutes,
				c.CreditPercent, sla.FormatMinor(c.AmountMinor, c.Currency), c.Currency, string(c.State), c.EvidenceHash})
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTENANT\tCONTRACT\tPERIOD\tKIND\tUPTIME %\tBREACH MIN\tCREDIT %\tAMOUNT\tSTATE\t")
	for _, c := range cs {
		note := ""
		if c.Flagged {
			note = "  coverage below threshold"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s %s\t%s%s\n", c.ID, c.Tenant, c.Contract, c.Period, c.Kind, c.UptimePercent,
			c.BreachMinutes, c.CreditPercent, sla.FormatMinor(c.AmountMinor, c.Currency), c.Currency, c.State, note)
	}
	return tw.Flush()
}

// writeStatement renders a tenant's credit statement in markdown: every
// entry, and what was issued and what is pending, per currency.
func writeStatement(w io.Writer, t catalog.Tenant, cs []db.Credit, now time.Time) {
	fmt.Fprintf(w, "# Credit statement: %s\n\n", t.Name)
	fmt.Fprintf(w, "Tenant `%s`, time zone %s, as of %s.\n\n", t.ID, t.TimeZone, now.In(t.Location).Format("2006-01-02 15:04 MST"))
	if len(cs) == 0 {
		fmt.Fprintln(w, "No credits have been recorded.")
		return
	}
	fmt.Fprintln(w, "| Period | catalog.Contract | Entry | Uptime % | Breach minutes | Credit % | Amount | State |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---|")
	issued, pending := map[string]int64{}, map[string]int64{}
	for _, c := range cs {
		state := string(c.State)
		if c.State == db.CreditVoided && c.Reason != "" {
			state += " (" + c.Reason + ")"
		}
		if c.Flagged {
			state += ", coverage " + c.CoveragePercent + "% below threshold"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s %s | %s |\n", c.Period, c.Contract, c.Kind, c.UptimePercent,
			c.BreachMinutes, c.CreditPercent, sla.FormatMinor(c.AmountMinor, c.Currency), c.Currency, mdEscape(state))
		switch c.State {
		case db.CreditIssued:
			issued[c.Currency] += c.AmountMinor
		case db.CreditComputed, db.CreditApproved:
			pending[c.Currency] += c.AmountMinor
		}
	}
	fmt.Fprintln(w)
	for _, tot := range []struct {
		name string
		m    map[string]int64
	}{{"Issued", issued}, {"Pending approval or issue", pending}} {
		var curs []string
		for c := range tot.m {
			curs = append(curs, c)
		}
		sort.Strings(curs)
		parts := make([]string, 0, len(curs))
		for _, c := range curs {
			parts = append(parts, sla.FormatMinor(tot.m[c], c)+" "+c)
		}
		if len(parts) == 0 {
			parts = []string{"none"}
		}
		fmt.Fprintf(w, "**%s:** %s\n\n", tot.name, strings.Join(parts, ", "))
	}
}

// mdEscape keeps a table cell a cell.
func mdEscape(s string) string { return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s) }
