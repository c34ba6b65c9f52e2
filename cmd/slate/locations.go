package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/store"
)

const locationsUsage = `Usage: slate locations --config FILE [--json]

Each location's health as the store keeps it, whichever replica the agents
reach: this server's own location, and each agent's — the agent holding it
and whether its lease is live (detection waits only for live locations, up
to detection.settle), when its last batch was stored, the time its
evidence is complete through and the lag behind now, its clock offset, and
whether its batches are refused for its clock. GET /api/admin/locations
answers the same.

Flags:
`

func runLocations(args []string, now func() time.Time, stdout, stderr io.Writer) int {
	fs := newFlagSet("locations", stderr, locationsUsage)
	configPath := fs.String("config", "", "configuration file (required)")
	asJSON := fs.Bool("json", false, "print JSON, as the admin API answers")
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "slate locations: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, st, code, ok := openConfigStore("locations", *configPath, stderr)
	if !ok {
		return code
	}
	defer st.Close()
	hs, err := monitor.LocationHealths(context.Background(), st, cfg, now())
	if err != nil {
		fmt.Fprintf(stderr, "slate locations: %v\n", err)
		return exitFail
	}
	if *asJSON {
		return writeJSON(stdout, map[string]any{"locations": hs})
	}
	printLocations(stdout, hs)
	return exitOK
}

// printLocations prints hs as a table.
func printLocations(w io.Writer, hs []store.LocationHealth) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOCATION\tREPORTED BY\tSTATE\tLAST BATCH\tCOMPLETE THROUGH\tLAG\tCLOCK OFFSET\tRESULTS")
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, h := range hs {
		by, state, lag, offset, results := "no agent yet", "-", "-", "-", "-"
		switch h.Source {
		case "collector":
			by, state = "this server", "live"
		case "agent":
			by, offset, results = "agent "+h.Agent, (time.Duration(h.ClockOffsetMS) * time.Millisecond).String(), strconv.FormatInt(h.Results, 10)
			state = "silent since " + stamp(h.LastSeen)
			if h.Live {
				state = "live"
			}
			if h.ClockRefused {
				state = "refused: clock off"
			}
		}
		if !h.CompleteThrough.IsZero() {
			lag = strconv.FormatFloat(h.LagSeconds, 'f', 1, 64) + "s"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.Location, by, state, stamp(h.LastBatch), stamp(h.CompleteThrough), lag, offset, results)
	}
	tw.Flush()
}
