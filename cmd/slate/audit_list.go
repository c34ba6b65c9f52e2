package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/slatehq/slate/dashboard/adminapi"
	"github.com/slatehq/slate/db"
)

// runAuditList prints audit entries: one subject's, or a page of the log.
func runAuditList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), auditUsage); fs.PrintDefaults() }
	configPath := fs.String("config", "", "configuration file (required)")
	subject := fs.String("subject", "", `one subject's entries, "credit/9"`)
	after := fs.Int64("after", 0, "start after this entry ID")
	limit := fs.Int("limit", 100, "at most this many entries")
	format := fs.String("format", "table", "table or json")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(stderr, "slate audit list: --format: %q is not one of table, json\n", *format)
		return exitUsage
	}
	if *limit <= 0 || *after < 0 {
		fmt.Fprintln(stderr, "slate audit list: --limit must be positive and --after not negative")
		return exitUsage
	}
	if *subject != "" && !strings.Contains(*subject, "/") {
		fmt.Fprintf(stderr, "slate audit list: --subject: %q is not a subject such as credit/9 or token/slt_1a2b3c4d\n", *subject)
		return exitUsage
	}
	_, store, code, ok := openConfigStore("audit list", *configPath, stderr)
	if !ok {
		return code
	}
	defer store.Close()
	ctx := context.Background()
	var es []db.AuditEntry
	var err error
	if *subject != "" {
		es, err = store.AuditOf(ctx, *subject)
		if len(es) > *limit {
			es = es[:*limit]
		}
	} else {
		es, err = store.AuditEntries(ctx, *after, *limit)
	}
	if err != nil {
		fmt.Fprintf(stderr, "slate audit list: %v\n", err)
		return exitFail
	}
	out := make([]adminapi.AuditEntry, len(es))
	for i, e := range es {
		out[i] = adminapi.AuditOf(e)
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(map[string]any{"entries": out})
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAT\tACTOR\tACTION\tSUBJECT\tDETAIL")
	for _, e := range out {
		fmt.Fprintf(tw, "%d\t%v\t%s\t%s\t%s\t%s\n", e.ID, e.At, e.Actor, e.Action, e.Subject, e.Detail)
	}
	tw.Flush()
	return exitOK
}
