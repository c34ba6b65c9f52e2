package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/slacase"
)

const calcUsage = `Usage: slate calc [--check] FILE

Reads an SLA case — one policy, one measurement period, the fee and the facts
observed — and prints what is owed as JSON. FILE is YAML or JSON; "-" reads
standard input. Every figure is exact; rounding (half-up) happens only in the
output: uptime_percent and credit_percent to 4 decimals, minutes to 6 where they
do not terminate, credit_amount to the currency's minor unit.

Example (Amazon EC2's region-level SLA: 5 minutes down in a 31-day month):

  title: "5 minutes in January"
  policy:
    target: "99.99"              # percent; met when uptime >= target
    measure: time                # time | weighted_time | slices | requests
    credit_unit: percent         # percent | days | proportional
    tiers:                       # the first interval holding the uptime wins
      - {uptime: "[99, 99.99)", credit: "10"}
      - {uptime: "[95, 99)",    credit: "30"}
      - {uptime: "[0, 95)",     credit: "100"}
    cap: "100"
  period: {month: "2025-01", timezone: UTC}   # or quarter: "2025-Q1", or start/end
  fee: {amount: "1000.00", currency: USD}
  facts:
    downtime:
      - {start: "2025-01-15T03:00:00Z", end: "2025-01-15T03:05:00Z"}

prints

  {"period": {"start": "2025-01-01T00:00:00Z", "end": "2025-02-01T00:00:00Z"},
   "period_minutes": "44640", "eligible_minutes": "44640",
   "downtime_minutes": "5", "excluded_minutes": "0",
   "uptime_percent": "99.9888", "uptime_exact": "223175/2232",
   "target_met": false, "credit_percent": "10", "credit_days": null,
   "credit_amount": "100.00", "currency": "USD"}

Other policy fields: slice (e.g. "5m"), bad_slice (any | full | error_rate),
error_rate_above, slice_value (whole | ratio), min_outage, maintenance
(excluded | counted), excluded_time (available | removed), multiplier.
Other facts: samples [{start, end, total, errors}], maintenance [{start, end}],
exclusions [{start, end, reason}], active [{start, end}], requests {total, failed};
a downtime interval may carry affected: "0.25" or "1/4" (weighted_time).
Intervals are half-open [start, end); times are RFC 3339.

A worked example {"case": ..., "expected": ...} is accepted too; with --check,
slate compares its answer with "expected" and exits 1 when they differ.

Bad input is refused with exit status 2 and one line naming the field and the
problem, for example:
  facts.downtime[3]: end 2024-06-01T10:00:00Z is before start 2024-06-01T11:00:00Z

Flags:
`

// maxCaseBytes bounds what calc reads, so a wrong file cannot exhaust memory.
const maxCaseBytes = 64 << 20

func runCalc(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("calc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "compare the answer with the document's \"expected\" and exit 1 when they differ")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), calcUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "slate calc: give exactly one FILE (or - for standard input)")
		return exitUsage
	}
	data, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "slate calc: %v\n", err)
		return exitUsage
	}
	f, err := slacase.Decode(data)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	out, err := sla.Evaluate(f.Case)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	report := out.Report()
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(report); err != nil {
		fmt.Fprintf(stderr, "slate calc: write output: %v\n", err)
		return exitFail
	}
	if *check {
		if f.Expected == nil {
			fmt.Fprintln(stderr, "slate calc: --check needs a document with \"expected\"")
			return exitUsage
		}
		diffs, err := f.Check(report)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitUsage
		}
		for _, d := range diffs {
			fmt.Fprintln(stderr, d)
		}
		if len(diffs) > 0 {
			return exitFail
		}
	}
	return exitOK
}

// readInput reads a named file, or standard input for "-", up to
// maxCaseBytes.
func readInput(name string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("read case: %w", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxCaseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read case: %w", err)
	}
	if len(data) > maxCaseBytes {
		return nil, fmt.Errorf("read case: %s is larger than %d MiB", name, maxCaseBytes>>20)
	}
	return data, nil
}
