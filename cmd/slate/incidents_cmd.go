package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/dashboard/adminapi"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/monitor"
)

const incidentsUsage = `Usage: slate incidents <command> --config FILE [flags]

Incidents open and resolve by themselves from the evidence; people tell the
story. Every change is audited, and notifications go out through the outbox.

Commands:
  list [--open] [--service S]
  show ID                         timeline, tenants, impact (breach minutes and credit exposure)
  update ID --status S --body TEXT
                                  S: investigating, identified, monitoring, resolved, postmortem
  severity ID minor|major|critical
  postmortem ID --template        print a post-mortem pre-filled with the timeline and impact
  postmortem ID --edit FILE       save FILE (markdown) as a new draft version
  postmortem ID --publish VERSION publish a version
  postmortem ID --render          print the published post-mortem (else the latest draft) as sanitised HTML

Common flags: --config FILE (required), --actor NAME (default $USER).
`

func runIncidents(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	sub, code, ok := subcommand(args, incidentsUsage, stdout)
	if !ok {
		return code
	}
	fs := newFlagSet("incidents "+sub, stderr, incidentsUsage)
	configPath := fs.String("config", "", "configuration file (required)")
	actor := fs.String("actor", defaultActor(), "who acts, for the audit log")
	open := fs.Bool("open", false, "only open incidents")
	service := fs.String("service", "", "only this service")
	status := fs.String("status", "", "new status")
	body := fs.String("body", "", "what readers should know")
	tmpl := fs.Bool("template", false, "print a pre-filled post-mortem")
	edit := fs.String("edit", "", "markdown file to save as a new draft")
	publish := fs.Int("publish", 0, "version to publish")
	render := fs.Bool("render", false, "print the post-mortem as sanitised HTML")
	pos, code, ok := parseInterspersed(fs, args[1:], stdout)
	if !ok {
		return code
	}
	cfg, store, code, ok := openConfigStore("incidents "+sub, *configPath, stderr)
	if !ok {
		return code
	}
	defer store.Close()
	ctx := context.Background()
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "slate incidents %s: "+format+"\n", append([]any{sub}, a...)...)
		return exitUsage
	}
	if sub == "list" {
		f := db.IncidentFilter{Service: *service}
		if *open {
			f.Open = open
		}
		incs, err := store.Incidents(ctx, f)
		if err != nil {
			return fail("%v", err)
		}
		writeIncidents(stdout, incs)
		return exitOK
	}
	if len(pos) < 1 {
		return fail("give an incident ID")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return fail("%q is not an incident ID", pos[0])
	}
	inc, err := store.Incident(ctx, id)
	if err != nil {
		return fail("%v", err)
	}
	at := now()
	save := func(notify bool) int {
		key, err := store.Secret(ctx, monitor.PublicIDKeyName)
		if err != nil {
			return fail("%v", err)
		}
		alerts := monitor.Describer(cfg, key).PeopleAlerts(monitor.Router(cfg), &inc, at)
		if !notify {
			alerts = nil
		}
		if _, err := store.SaveIncidentWithAlerts(ctx, &inc, *actor, alerts); err != nil {
			fmt.Fprintf(stderr, "slate incidents %s: %v\n", sub, err)
			return exitFail
		}
		fmt.Fprintf(stdout, "incident %d: %s, %s\n", inc.ID, inc.Status, inc.Severity)
		return exitOK
	}
	switch sub {
	case "show":
		pid, err := monitor.IncidentPublicID(ctx, store, inc.ID)
		if err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(stdout, "page: %s/incidents/%s\n", cfg.PublicBase(), pid)
		writeIncident(stdout, inc, credit.Impact(ctx, store, &cfg.Catalog, inc.Incident, inc.Tenants, at))
		return exitOK
	case "update":
		if err := cfg.CheckReaderText("body", *body, inc.Incident, inc.Tenants); err != nil {
			return fail("%s", flagError(err))
		}
		if err := inc.Update(at, incident.Status(*status), *body, *actor); err != nil {
			return fail("%v", err)
		}
		return save(true)
	case "severity":
		if len(pos) != 2 {
			return fail("give the ID and a severity: minor, major or critical")
		}
		if err := inc.SetSeverity(at, incident.Severity(pos[1]), *actor); err != nil {
			return fail("%v", err)
		}
		return save(true)
	case "postmortem":
		if *tmpl {
			md, err := monitor.PostmortemTemplate(ctx, store, &cfg.Catalog, inc, at)
			if err != nil {
				return fail("%v", err)
			}
			fmt.Fprint(stdout, md)
			return exitOK
		}
		if *publish > 0 {
			if err := adminapi.CheckPublishable(ctx, store, &cfg.Catalog, inc, *publish); err != nil {
				return fail("version %d: %v", *publish, err)
			}
		}
		if err := postmortem(ctx, stdout, store, id, *edit, *publish, *render, *actor); err != nil {
			return fail("%v", err)
		}
		return exitOK
	}
	return fail("unknown command; see slate incidents --help")
}

// postmortem saves the markdown file edit as a new draft, publishes
// version publish, or prints the post-mortem as sanitised HTML (render):
// whichever is asked.
func postmortem(ctx context.Context, w io.Writer, store cliStore, id int64, edit string, publish int, render bool, actor string) error {
	switch {
	case edit != "":
		md, err := os.ReadFile(edit)
		if err != nil {
			return err
		}
		v, err := store.SavePostmortem(ctx, id, string(md), actor)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "incident %d: post-mortem draft version %d saved\n", id, v)
	case publish > 0:
		if err := store.PublishPostmortem(ctx, id, publish, actor); err != nil {
			return err
		}
		fmt.Fprintf(w, "incident %d: post-mortem version %d published\n", id, publish)
	case render:
		pm, err := store.Postmortem(ctx, id)
		if err != nil {
			return err
		}
		v := pm.Published
		if v == nil {
			v = pm.Draft
		}
		if v == nil {
			return fmt.Errorf("incident %d has no post-mortem yet", id)
		}
		html, err := incident.Render(v.Markdown)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, string(html))
	default:
		return errors.New("give --template, --edit FILE, --publish VERSION or --render")
	}
	return nil
}

// writeIncidents prints the incidents as a table.
func writeIncidents(w io.Writer, incs []db.Incident) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSERVICE\tSTATUS\tSEVERITY\tSTARTED\tENDED\tTENANTS")
	for _, inc := range incs {
		ended := "open"
		if !inc.Ended.IsZero() {
			ended = inc.Ended.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", inc.ID, inc.Service, inc.Status, inc.Severity,
			inc.Started.UTC().Format(time.RFC3339), ended, strings.Join(inc.Tenants, ","))
	}
	tw.Flush()
}

// writeIncident prints one incident: its timeline, tenants and impact.
func writeIncident(w io.Writer, inc db.Incident, impact []incident.TenantImpact) {
	fmt.Fprintf(w, "incident %d: %s, %s, %s\nstarted %s", inc.ID, inc.Service, inc.Status, inc.Severity, inc.Started.UTC().Format(time.RFC3339))
	if !inc.Ended.IsZero() {
		fmt.Fprintf(w, ", ended %s", inc.Ended.UTC().Format(time.RFC3339))
	}
	if inc.Title != "" {
		fmt.Fprintf(w, "\ntitle: %s", inc.Title)
	}
	if len(inc.Also) > 0 {
		fmt.Fprintf(w, "\nservices: %s", strings.Join(inc.Services(), ", "))
	}
	fmt.Fprintf(w, "\ntenants: %s\n\ntimeline:\n", strings.Join(inc.Tenants, ", "))
	for _, e := range inc.Timeline {
		who := e.Author
		if who == "" {
			who = "slate"
		}
		fmt.Fprintf(w, "  %s  %-10s %-13s %s (%s)\n", e.At.UTC().Format(time.RFC3339), e.Kind, e.Status, e.Body, who)
	}
	fmt.Fprintln(w, "\nimpact:")
	for _, im := range impact {
		fmt.Fprintf(w, "  %s: %s breach minutes, %s %s credit exposure\n", im.Tenant, im.BreachMinutes, im.Exposure, im.Currency)
	}
}
