package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/db"
)

const exclusionsUsage = `Usage: slate exclusions <command> --config FILE [flags]

Manual exclusions: time a contract excludes from its SLA (customer-caused
downtime, an incident ruled out), entered with a reason. Every addition and
cancellation is in the audit log; nothing is deleted. A change to a period
that was already closed shows at the next close as an adjustment.

Commands:
  add --contract C --start RFC3339 --end RFC3339 --reason TEXT
  list [--contract C]
  cancel ID --reason TEXT

Common flags: --config FILE (required), --actor NAME (default $USER).
`

func runExclusions(args []string, stdout, stderr io.Writer) int {
	sub, code, ok := subcommand(args, exclusionsUsage, stdout)
	if !ok {
		return code
	}
	fs := newFlagSet("exclusions "+sub, stderr, exclusionsUsage)
	configPath := fs.String("config", "", "configuration file (required)")
	actor := fs.String("actor", defaultActor(), "who acts, for the audit log")
	contract := fs.String("contract", "", "contract id")
	start := fs.String("start", "", "start, RFC 3339 (inclusive)")
	end := fs.String("end", "", "end, RFC 3339 (exclusive)")
	reason := fs.String("reason", "", "why")
	pos, code, ok := parseInterspersed(fs, args[1:], stdout)
	if !ok {
		return code
	}
	cfg, store, code, ok := openConfigStore("exclusions "+sub, *configPath, stderr)
	if !ok {
		return code
	}
	defer store.Close()
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "slate exclusions %s: "+format+"\n", append([]any{sub}, a...)...)
		return exitUsage
	}
	if *contract != "" && !cfg.HasContract(*contract) {
		return usage("--contract: unknown contract %q", *contract)
	}
	ctx := context.Background()
	switch sub {
	case "add":
		if err := cfg.CheckExclusion(*contract, *reason); err != nil {
			return usage("%s", flagError(err))
		}
		s, err := time.Parse(time.RFC3339, *start)
		if err != nil {
			return usage("--start: %q is not an RFC 3339 time like 2026-03-10T02:00:00Z", *start)
		}
		e, err := time.Parse(time.RFC3339, *end)
		if err != nil {
			return usage("--end: %q is not an RFC 3339 time like 2026-03-10T04:00:00Z", *end)
		}
		if catalog.CheckWindow(s, e) != nil {
			return usage("--end: %s is not after --start %s", *end, *start)
		}
		x, err := store.AddExclusion(ctx, db.Exclusion{Contract: *contract, Start: s, End: e, Reason: *reason}, *actor)
		if err != nil {
			fmt.Fprintf(stderr, "slate exclusions add: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "exclusion %d: %s [%s, %s) %s\n", x.ID, x.Contract, x.Start.Format(time.RFC3339), x.End.Format(time.RFC3339), x.Reason)
		return exitOK
	case "cancel":
		if len(pos) != 1 {
			return usage("give one exclusion ID")
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil || id <= 0 {
			return usage("%q is not an exclusion ID", pos[0])
		}
		if strings.TrimSpace(*reason) == "" {
			return usage("--reason: say why it is withdrawn")
		}
		x, err := store.CancelExclusion(ctx, id, *actor, *reason)
		if err != nil {
			fmt.Fprintf(stderr, "slate exclusions cancel: %v\n", err)
			if errors.Is(err, db.ErrNotFound) {
				return exitUsage
			}
			return exitFail
		}
		fmt.Fprintf(stdout, "exclusion %d: cancelled\n", x.ID)
		return exitOK
	case "list":
		xs, err := store.ListExclusions(ctx, *contract)
		if err != nil {
			fmt.Fprintf(stderr, "slate exclusions list: %v\n", err)
			return exitFail
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCONTRACT\tSTART\tEND\tBY\tREASON\tSTATUS")
		for _, x := range xs {
			status := "in force"
			if x.Cancelled {
				status = fmt.Sprintf("cancelled by %s: %s", x.CancelledBy, x.CancelReason)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.Contract, x.Start.Format(time.RFC3339), x.End.Format(time.RFC3339), x.Actor, x.Reason, status)
		}
		tw.Flush()
		return exitOK
	}
	return usage("unknown command; see slate exclusions --help")
}
