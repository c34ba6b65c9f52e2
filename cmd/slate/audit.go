package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

const auditUsage = `Usage: slate audit verify --config FILE
       slate audit list --config FILE [--subject S] [--after ID] [--limit N] [--format table|json]

list prints the audit log, oldest first: who did what, to what, when.
--subject keeps one subject's entries ("credit/9": who approved credit 9?),
--after starts after entry ID, --limit bounds the count (default 100).

verify

Walks the append-only audit log and checks its hash chain: every entry
carries the hash of the one before it. An edited, deleted or reordered entry
breaks the chain; the first broken entry is named and the exit status is 1.
`

func runAudit(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "list" {
		return runAuditList(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, auditUsage)
		return exitUsage
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), auditUsage); fs.PrintDefaults() }
	configPath := fs.String("config", "", "configuration file (required)")
	if code, ok := parseFlags(fs, args[1:], stdout); !ok {
		return code
	}
	_, store, code, ok := openConfigStore("audit verify", *configPath, stderr)
	if !ok {
		return code
	}
	defer store.Close()
	n, err := store.VerifyAudit(context.Background())
	if err != nil {
		fmt.Fprintf(stderr, "slate audit verify: %v (after %d good entries)\n", err, n)
		return exitFail
	}
	fmt.Fprintf(stdout, "audit log ok: %d entries, chain intact\n", n)
	return exitOK
}
