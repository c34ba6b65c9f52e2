package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/slatehq/slate/config"
)

const checkUsage = `Usage: slate check CONFIG

Validates a configuration file without running anything: syntax, unknown or
misspelt keys, types, references between locations, tenants, services,
checks and contracts (every location a check names must be declared), quorums
within the check's locations, probe settings and SLA policies. Every problem is printed on its own
line as FILE:LINE:COLUMN: field.path: problem, and the exit status is 2.
A valid file prints a one-line summary and exits 0.
`

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), checkUsage) }
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "slate check: give exactly one CONFIG file")
		return exitUsage
	}
	cfg, err := config.Load(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s: ok: %d tenants, %d services, %d checks, %d contracts\n",
		fs.Arg(0), len(cfg.Tenants), len(cfg.Services), len(cfg.Checks), len(cfg.Contracts))
	return exitOK
}
