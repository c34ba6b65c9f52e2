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

const maintenanceUsage = `Usage: slate maintenance <command> --config FILE [flags]

Announces maintenance at run time; the configuration's maintenance section
holds the rest. The announcement time is when slate records it: a window is
excluded from a contract's SLA only when the contract excludes maintenance and
the window was announced at least maintenance_notice before it starts. An
active window silences incident detection for its services. A window lasts
at most maintenance_max (default 7 days) unless --override-max says
otherwise, which the audit log records.

Cancelling a window that has not begun withdraws it; cancelling one in
progress ends it now (what passed stays, on the status page and in the
SLA); a window that has ended cannot be cancelled.

Commands:
  add --services S1,S2 --title TEXT [--description TEXT] --start RFC3339 --end RFC3339 [--override-max]
  list
  cancel ID
`

func runMaintenance(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	sub, code, ok := subcommand(args, maintenanceUsage, stdout)
	if !ok {
		return code
	}
	fs := newFlagSet("maintenance "+sub, stderr, maintenanceUsage)
	configPath := fs.String("config", "", "configuration file (required)")
	actor := fs.String("actor", defaultActor(), "who acts, for the audit log")
	services := fs.String("services", "", "comma-separated service ids")
	title := fs.String("title", "", "what the work is")
	description := fs.String("description", "", "what will happen and what customers notice, shown on the status pages and in e-mail")
	start := fs.String("start", "", "start, RFC 3339")
	end := fs.String("end", "", "end, RFC 3339")
	overrideMax := fs.Bool("override-max", false, "announce a window longer than maintenance_max (audited)")
	pos, code, ok := parseInterspersed(fs, args[1:], stdout)
	if !ok {
		return code
	}
	cfg, store, code, ok := openConfigStore("maintenance "+sub, *configPath, stderr)
	if !ok {
		return code
	}
	defer store.Close()
	ctx := context.Background()
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "slate maintenance %s: "+format+"\n", append([]any{sub}, a...)...)
		return exitUsage
	}
	switch sub {
	case "add":
		m := db.Maintenance{Title: *title, Description: strings.TrimSpace(*description)}
		for _, s := range strings.Split(*services, ",") {
			if s = strings.TrimSpace(s); s != "" {
				m.Services = append(m.Services, s)
			}
		}
		if err := cfg.CheckMaintenance(m.Services, m.Title); err != nil {
			return fail("%s", flagError(err))
		}
		if err := catalog.CheckMaintenanceText("description", m.Description); err != nil {
			return fail("%s", flagError(err))
		}
		if err := cfg.CheckMaintenanceReaderTexts(m.Services, m.Title, m.Description); err != nil {
			return fail("%s", flagError(err))
		}
		var err error
		if m.Start, err = time.Parse(time.RFC3339, *start); err != nil {
			return fail("--start: %q is not an RFC 3339 time", *start)
		}
		if m.End, err = time.Parse(time.RFC3339, *end); err != nil {
			return fail("--end: %q is not an RFC 3339 time", *end)
		}
		if err := catalog.CheckWindow(m.Start, m.End); err != nil {
			return fail("%s", flagError(err))
		}
		if err := cfg.CheckMaintenanceLength(m.Start, m.End, *overrideMax); err != nil {
			return fail("%s (--override-max)", flagError(err))
		}
		m.OverrideMax = *overrideMax
		m, err = store.AddMaintenance(ctx, m, *actor)
		if err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(stdout, "maintenance %d: %s [%s, %s) announced %s\n", m.ID, strings.Join(m.Services, ","),
			m.Start.Format(time.RFC3339), m.End.Format(time.RFC3339), m.Announced.Format(time.RFC3339))
	case "cancel":
		if len(pos) != 1 {
			return fail("give one maintenance ID")
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return fail("%q is not a maintenance ID", pos[0])
		}
		m, err := store.CancelMaintenance(ctx, id, *actor)
		if err != nil {
			return fail("%v", err)
		}
		if m.Cancelled {
			fmt.Fprintf(stdout, "maintenance %d: cancelled\n", id)
		} else {
			fmt.Fprintf(stdout, "maintenance %d: in progress, ended now (%s)\n", id, m.End.Format(time.RFC3339))
		}
	case "list":
		ms, err := store.ListMaintenance(ctx)
		if err != nil {
			return fail("%v", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSERVICES\tSTART\tEND\tANNOUNCED\tTITLE\tSTATUS")
		for _, w := range cfg.Maintenance {
			fmt.Fprintf(tw, "config:%s\t%s\t%s\t%s\t%s\t%s\t%s\n", w.ID, strings.Join(w.Services, ","), w.Start.Format(time.RFC3339),
				w.End.Format(time.RFC3339), w.Announced.Format(time.RFC3339), w.Title, "planned")
		}
		at := now()
		for _, m := range ms {
			status := "planned"
			switch {
			case m.Cancelled:
				status = "cancelled by " + m.CancelledBy
			case !at.Before(m.End):
				status = "ended"
			case !at.Before(m.Start):
				status = "in progress"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, strings.Join(m.Services, ","), m.Start.Format(time.RFC3339),
				m.End.Format(time.RFC3339), m.Announced.Format(time.RFC3339), m.Title, status)
		}
		tw.Flush()
	default:
		return fail("unknown command; see slate maintenance --help")
	}
	return exitOK
}

// flagError names the flag of a refused field: services[1] is --services.
func flagError(err error) string {
	var fe *catalog.FieldError
	if !errors.As(err, &fe) {
		return err.Error()
	}
	name, _, _ := strings.Cut(fe.Field, "[")
	return "--" + name + ": " + fe.Msg
}
