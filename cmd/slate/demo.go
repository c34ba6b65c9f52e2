package main

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/demo"
)

const demoUsage = `Usage: slate demo [--listen ADDR] [--data DIR]

Runs slate on a built-in configuration (demo/demo.yaml) against
scripted servers on 127.0.0.1, after writing history into its store (90 days,
and back to the start of each contract's last closed period): a messenger
whose sign-in and contact lists failed for most of a week, hosted mail with a
degraded fortnight and two outages (proactive credits and a published
post-mortem), a phone sync outage that ended in restoring users' data from
backups, maintenance past and upcoming, and three tenants' closed credit
periods. The probes then run live: message delivery fails 2 minutes in every
10 and webmail is slow 3 minutes in every 10, so the page changes while you
watch.

With --data DIR the store is kept in DIR and reused by the next run with the
same DIR; without it a temporary directory is used and removed on exit.

Flags:
`

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", stderr, demoUsage)
	listen := fs.String("listen", config.DefaultListen, "address to serve the status page on")
	data := fs.String("data", "", "directory of the demo's store, kept and reused; default a temporary one, removed on exit")
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "slate demo: takes no arguments; see slate demo --help")
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := demo.Run(ctx, demo.Options{Listen: *listen, DataDir: *data}, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "slate demo: %v\n", err)
		return exitFail
	}
	return exitOK
}
