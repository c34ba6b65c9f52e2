package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slatehq/slate/billing"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/dashboard/adminapi"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/statement"
)

const creditsUsage = `Usage: slate credits <command> --config FILE [flags]

The credit ledger: one entry per tenant, contract and period, recorded by the
period close (computed; issued at once for contracts with auto_issue), then
approved and issued by an account manager, or voided with a reason. Evidence
that changes after a close adds an adjustment entry; nothing is rewritten.
Every change is in the audit log (slate audit verify).

Commands:
  list [--tenant T] [--period P] [--state S] [--format table|csv|json]
                 entries; csv is the billing export below, json the admin
                 API's shape of a credit
  export [--tenant T] [--period P] [--state S] [--since TIME]
         [--credit-notes] [--format csv|json]
                 the billing export, one row per entry with the columns
                 id, kind, tenant, billing_ref, contract, contract_name,
                 period_name, period_start, period_end, uptime_percent,
                 downtime_minutes, coverage_percent, coverage_flagged,
                 credit_percent, credit_days,
                 credit_amount, currency, state, approved_at, approved_by,
                 issued_at, issued_by, void_reason, adjusts, evidence_hash;
                 --since keeps entries issued after TIME (RFC 3339), for
                 incremental imports; --credit-notes writes amounts negative
  show ID [--format text|json]
                 everything behind the amount: the period in the tenant's
                 zone, the evidence hash then and now, downtime, maintenance
                 and exclusions applied, coverage per location, each
                 incident's share, the period's entries and the audit trail
                 (json: the admin API's GET /api/admin/credits/ID)
  approve ID     computed -> approved
  issue ID       approved -> issued (exactly once)
  void ID --reason TEXT
                 computed or approved -> voided
  statement --tenant T [--period P] [--format md|html|pdf] [--out FILE]
                 the tenant's credit statement for P (default the latest
                 period with an entry): markdown, a standalone HTML file or
                 a PDF; --out writes it to FILE instead of standard output
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
	since := fs.String("since", "", "export: entries issued after this RFC 3339 time")
	creditNotes := fs.Bool("credit-notes", false, "export: amounts negative, as credit-note lines")
	out := fs.String("out", "", "statement: write to this file")
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

	if len(pos) > 0 && sub != "approve" && sub != "issue" && sub != "void" && sub != "show" {
		fmt.Fprintf(stderr, "slate credits %s: unexpected argument %q\n", sub, pos[0])
		return exitUsage
	}
	switch sub {
	case "list", "export":
		o := billing.ExportOptions{CreditNotes: *creditNotes}
		if sub == "export" && *format == "table" {
			*format = "csv"
		}
		if *format != "table" && *format != "csv" && *format != "json" || sub == "export" && *format == "table" {
			fmt.Fprintf(stderr, "slate credits %s: --format: %q is not one of table, csv, json\n", sub, *format)
			return exitUsage
		}
		if *since != "" {
			t, err := time.Parse(time.RFC3339Nano, *since)
			if err != nil {
				fmt.Fprintf(stderr, "slate credits %s: --since: %q is not an RFC 3339 time like 2026-11-01T00:00:00Z\n", sub, *since)
				return exitUsage
			}
			o.Since = t
		}
		f, _, err := credit.ParseFilter(&cfg.Catalog, credit.Filter{Tenant: *tenant, Period: *period, State: *state})
		if err != nil {
			fmt.Fprintf(stderr, "slate credits %s: --%v\n", sub, err)
			return exitUsage
		}
		cs, err := store.Credits(ctx, f)
		if err != nil {
			return fail(err)
		}
		if err := writeCredits(ctx, stdout, sub == "export", *format, cfg, store, cs, o); err != nil {
			return fail(err)
		}
		return exitOK
	case "show":
		return showCredit(ctx, stdout, stderr, cfg, store, pos, *format, now())
	case "approve", "issue", "void":
		return changeCredit(ctx, stdout, stderr, store, sub, pos, *actor, *reason, fail)
	case "statement":
		if *tenant == "" || !cfg.HasTenant(*tenant) {
			fmt.Fprintf(stderr, "slate credits statement: --tenant: give a tenant of the configuration\n")
			return exitUsage
		}
		return writeStatementFile(ctx, stdout, stderr, cfg, store, *tenant, *period, *format, *out, now())
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

// changeCredit approves, issues or voids the one credit pos names and
// prints its new state.
func changeCredit(ctx context.Context, stdout, stderr io.Writer, store cliStore, sub string, pos []string, actor, reason string,
	fail func(error) int) int {
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
		c, err = store.ApproveCredit(ctx, id, actor)
	case "issue":
		c, err = store.IssueCredit(ctx, id, actor)
	case "void":
		if strings.TrimSpace(reason) == "" {
			fmt.Fprintln(stderr, "slate credits void: give --reason")
			return exitUsage
		}
		c, err = store.VoidCredit(ctx, id, actor, reason)
	}
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "credit %d (%s %s %s): %s\n", c.ID, c.Tenant, c.Contract, c.Period, c.State)
	return exitOK
}

func defaultActor() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "cli"
}

func writeCredits(ctx context.Context, w io.Writer, export bool, format string, cfg *config.Config, store cliStore, cs []db.Credit, o billing.ExportOptions) error {
	if format == "json" && o == (billing.ExportOptions{}) && !export {
		// The admin API's shape of a credit, as before the export.
		out := make([]adminapi.Credit, len(cs))
		for i, c := range cs {
			out[i] = adminapi.CreditOf(c)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if format == "csv" || format == "json" {
		rows, err := billing.Rows(ctx, store, &cfg.Catalog, cs, o)
		if err != nil {
			return err
		}
		if !o.Since.IsZero() {
			billing.SortByIssued(rows)
		}
		if format == "json" {
			return billing.WriteJSON(w, rows)
		}
		return billing.WriteCSV(w, rows)
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

// writeStatementFile renders a tenant's statement for a period in format,
// to out or standard output.
func writeStatementFile(ctx context.Context, stdout, stderr io.Writer, cfg *config.Config, store cliStore, tenant, period, format, out string, now time.Time) int {
	if tenant == "" || !cfg.HasTenant(tenant) {
		fmt.Fprintf(stderr, "slate credits statement: --tenant: give a tenant of the configuration\n")
		return exitUsage
	}
	if format == "table" {
		format = "md"
	}
	if format != "md" && format != "html" && format != "pdf" {
		fmt.Fprintf(stderr, "slate credits statement: --format: %q is not one of md, html, pdf\n", format)
		return exitUsage
	}
	b, err := monitor.Statements(ctx, cfg, store)
	if err != nil {
		fmt.Fprintf(stderr, "slate credits statement: %v\n", err)
		return exitFail
	}
	s, err := b.Statement(ctx, tenant, period, now)
	if err != nil {
		fmt.Fprintf(stderr, "slate credits statement: %v\n", err)
		if errors.Is(err, billing.ErrNoStatement) {
			return exitUsage
		}
		return exitFail
	}
	var buf bytes.Buffer
	switch format {
	case "md":
		err = statement.WriteMarkdown(&buf, s)
	case "html":
		err = statement.NewHTMLRenderer().Write(&buf, s, statement.HTMLOptions{Standalone: true})
	case "pdf":
		err = statement.WritePDF(&buf, s)
	}
	if err != nil {
		// A statement the configuration cannot complete (no provider
		// name or code) names the fields to set.
		fmt.Fprintf(stderr, "slate credits statement: %v\n", err)
		return exitFail
	}
	if out == "" {
		if _, err := stdout.Write(buf.Bytes()); err != nil {
			return exitFail
		}
		return exitOK
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(stderr, "slate credits statement: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "statement %s written to %s\n", s.Number(), out)
	return exitOK
}
