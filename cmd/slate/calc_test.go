package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runSlate runs the command line in-process and returns its exit status and
// streams.
func runSlate(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

const goodCase = `
policy:
  target: "99.99"
  tiers:
    - {uptime: "[99, 99.99)", credit: "10"}
    - {uptime: "[95, 99)", credit: "30"}
    - {uptime: "[0, 95)", credit: "100"}
  cap: "100"
period: {month: "2025-01", timezone: UTC}
fee: {amount: "1000.00", currency: USD}
facts:
  downtime:
    - {start: "2025-01-15T03:00:00Z", end: "2025-01-15T03:05:00Z"}
`

func TestCalcPrintsTheReport(t *testing.T) {
	code, out, errs := runSlate(t, goodCase, "calc", "-")
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	want := map[string]any{
		"period_minutes": "44640", "downtime_minutes": "5", "uptime_percent": "99.9888",
		"uptime_exact": "223175/2232", "target_met": false, "credit_percent": "10",
		"credit_days": nil, "credit_amount": "100.00", "currency": "USD",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %#v, want %#v", k, got[k], w)
		}
	}
	// The fields come in the order of the format.
	order := []string{"period", "period_minutes", "eligible_minutes", "downtime_minutes", "excluded_minutes",
		"uptime_percent", "uptime_exact", "target_met", "credit_percent", "credit_days", "credit_amount", "currency"}
	last := -1
	for _, k := range order {
		i := strings.Index(out, `"`+k+`"`)
		if i <= last {
			t.Fatalf("field %q out of order in\n%s", k, out)
		}
		last = i
	}
}

// TestCalcChecksWorkedExamples runs `slate calc --check` on the repository's
// published cases and, when the shared specification folder sits beside the
// repository, on every case there too.
func TestCalcChecksWorkedExamples(t *testing.T) {
	files, _ := filepath.Glob("../../sla/testdata/cases/*.json")
	shared, _ := filepath.Glob("../../../shared/spec/cases/*.json")
	files = append(files, shared...)
	if len(files) == 0 {
		t.Fatal("no worked examples found")
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			code, _, errs := runSlate(t, "", "calc", "--check", f)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
		})
	}
}

func TestCalcCheckReportsDifferences(t *testing.T) {
	doc := `{"case": ` + goodCaseJSON + `, "expected": {"credit_percent": "30", "uptime_percent": "99.98880", "credit_days": null}}`
	code, _, errs := runSlate(t, doc, "calc", "--check", "-")
	if code != exitFail {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitFail, errs)
	}
	if want := "credit_percent: got \"10\", want \"30\"\n"; errs != want {
		t.Fatalf("stderr %q, want %q", errs, want)
	}
}

// goodCaseJSON is goodCase written as JSON: calc reads both.
const goodCaseJSON = `{"policy": {"target": "99.99", "tiers": [{"uptime": "[99, 99.99)", "credit": "10"}, {"uptime": "[95, 99)", "credit": "30"}, {"uptime": "[0, 95)", "credit": "100"}], "cap": "100"},
 "period": {"month": "2025-01", "timezone": "UTC"}, "fee": {"amount": "1000.00", "currency": "USD"},
 "facts": {"downtime": [{"start": "2025-01-15T03:00:00Z", "end": "2025-01-15T03:05:00Z"}]}}`

func TestCalcHelpShowsAnExample(t *testing.T) {
	for _, args := range [][]string{{"calc", "--help"}, {"help", "calc"}} {
		code, out, _ := runSlate(t, "", args...)
		if code != exitOK || !strings.Contains(out, "policy:") || !strings.Contains(out, "uptime_exact") {
			t.Errorf("%v: exit %d, output lacks the example:\n%s", args, code, out)
		}
	}
	code, out, _ := runSlate(t, "", "--help")
	if code != exitOK || !strings.Contains(out, "calc FILE") {
		t.Errorf("--help: exit %d, output %q", code, out)
	}
}

// badCalcInputs are SLA cases slate calc refuses, each with the one line
// it prints.
func badCalcInputs() []struct{ name, in, want string } {
	policy := func(extra string) string {
		return "policy:\n  target: \"99.9\"\n" + extra + "period: {month: \"2024-06\"}\nfee: {amount: \"100.00\", currency: USD}\n"
	}
	tiers := "  tiers:\n    - {uptime: \"[99, 99.9)\", credit: \"10\"}\n"
	return []struct{ name, in, want string }{
		{"end before start",
			policy(tiers) + "facts:\n  downtime:\n    - {start: \"2024-06-01T11:00:00Z\", end: \"2024-06-01T10:00:00Z\"}\n",
			"facts.downtime[0]: end 2024-06-01T10:00:00Z is before start 2024-06-01T11:00:00Z"},
		{"unclosed tier interval",
			policy("  tiers:\n    - {uptime: \"[99.9, 100]\", credit: \"0\"}\n    - {uptime: \"[99, 99.9\", credit: \"10\"}\n"),
			`policy.tiers[1].uptime: "[99, 99.9" is not an interval like "[99, 99.9)"`},
		{"unknown time zone",
			"policy: {target: \"99.9\"}\nperiod: {month: \"2024-06\", timezone: Mars/Olympus}\nfee: {amount: \"1\", currency: USD}\n",
			`period.timezone: unknown time zone "Mars/Olympus"`},
		{"the machine's zone",
			"policy: {target: \"99.9\"}\nperiod: {month: \"2024-06\", timezone: Local}\nfee: {amount: \"1\", currency: USD}\n",
			`period.timezone: "Local" is not an IANA time zone such as "Europe/Berlin"`},
		{"overlapping tiers",
			policy("  tiers:\n    - {uptime: \"[99, 99.9)\", credit: \"10\"}\n    - {uptime: \"[98, 99.5)\", credit: \"25\"}\n"),
			"policy.tiers[1].uptime: [98, 99.5) overlaps tiers[0].uptime [99, 99.9)"},
		{"tiers sharing a closed bound",
			policy("  tiers:\n    - {uptime: \"[99, 99.9)\", credit: \"10\"}\n    - {uptime: \"[95, 99]\", credit: \"25\"}\n"),
			"policy.tiers[1].uptime: [95, 99] overlaps tiers[0].uptime [99, 99.9)"},
		{"share above 1",
			policy("  measure: weighted_time\n") + "facts:\n  downtime: [{start: \"2024-06-01T10:00:00Z\", end: \"2024-06-01T11:00:00Z\", affected: \"1.5\"}]\n",
			"facts.downtime[0].affected: 1.5 is not a share between 0 and 1"},
		{"share above 1 under measure time",
			policy("") + "facts:\n  downtime: [{start: \"2024-06-01T10:00:00Z\", end: \"2024-06-01T11:00:00Z\", affected: \"2\"}]\n",
			"facts.downtime[0].affected: 2 is not a share between 0 and 1"},
		{"share that is not a number",
			policy("  measure: weighted_time\n") + "facts:\n  downtime: [{start: \"2024-06-01T10:00:00Z\", end: \"2024-06-01T11:00:00Z\", affected: \"half\"}]\n",
			`facts.downtime[0].affected: "half" is not a decimal number like "99.95"`},
		{"more failures than requests",
			policy("  measure: requests\n") + "facts:\n  requests: {total: 100, failed: 101}\n",
			"facts.requests.failed: 101 is greater than total 100"},
		{"zero slice",
			policy("  measure: slices\n  slice: 0s\n"),
			`policy.slice: must be a positive duration such as "5m" (got 0s)`},
		{"negative slice",
			policy("  measure: slices\n  slice: -5m\n"),
			`policy.slice: must be a positive duration such as "5m" (got -5m0s)`},
		{"slice that is not a duration",
			policy("  measure: slices\n  slice: five minutes\n"),
			`policy.slice: "five minutes" is not a duration like "30s", "1h30m" or "14d"`},
		{"slice too fine for the period",
			policy("  measure: slices\n  slice: 1ms\n"),
			"policy.slice: 1ms cuts the period into 2592000000 slices; at most 5000000"},
		{"typo in a field name",
			"policy:\n  targt: \"99.9\"\nperiod: {month: \"2024-06\"}\nfee: {amount: \"1\", currency: USD}\n",
			`policy.targt: unknown field "targt" (did you mean "target"?)`},
		{"missing target",
			"policy: {measure: time}\nperiod: {month: \"2024-06\"}\nfee: {amount: \"1\", currency: USD}\n",
			`policy.target: is required (a percentage such as "99.9")`},
		{"float syntax",
			"policy: {target: 1e2}\nperiod: {month: \"2024-06\"}\nfee: {amount: \"1\", currency: USD}\n",
			`policy.target: "1e2" is not a decimal number like "99.95"`},
		{"target above 100",
			"policy: {target: \"100.5\"}\nperiod: {month: \"2024-06\"}\nfee: {amount: \"1\", currency: USD}\n",
			"policy.target: 100.5 is not a percentage between 0 and 100"},
		{"boolean target",
			"policy: {target: true}\nperiod: {month: \"2024-06\"}\nfee: {amount: \"1\", currency: USD}\n",
			`policy.target: must be a string or a number (got a boolean "true")`},
		{"key given twice",
			`{"policy": {"target": "99.9", "target": "99.5"}, "period": {"month": "2024-06"}, "fee": {"amount": "1", "currency": "USD"}}`,
			"policy.target: is given twice"},
		{"syntax error",
			"policy: {target: \"99.9\"\nperiod: x\n",
			"syntax: did not find expected ',' or '}'"},
		{"empty document", "", "the document is empty"},
		{"a list instead of a case", "- 1\n- 2\n", "must be a mapping (got a list)"},
	}
}

// badCalcPeriodsAndFacts are more of badCalcInputs: periods, fees, facts
// and policies that do not fit together.
func badCalcPeriodsAndFacts() []struct{ name, in, want string } {
	policy := func(extra string) string {
		return "policy:\n  target: \"99.9\"\n" + extra + "period: {month: \"2024-06\"}\nfee: {amount: \"100.00\", currency: USD}\n"
	}
	tiers := "  tiers:\n    - {uptime: \"[99, 99.9)\", credit: \"10\"}\n"
	return []struct{ name, in, want string }{
		{"thirteenth month",
			"policy: {target: \"99.9\"}\nperiod: {month: \"2024-13\"}\nfee: {amount: \"1\", currency: USD}\n",
			`period.month: "2024-13" is not a month like "2024-03"`},
		{"fifth quarter",
			"policy: {target: \"99.9\"}\nperiod: {quarter: \"2024-Q5\"}\nfee: {amount: \"1\", currency: USD}\n",
			`period.quarter: "2024-Q5" is not a quarter like "2020-Q3"`},
		{"month and quarter",
			"policy: {target: \"99.9\"}\nperiod: {month: \"2024-01\", quarter: \"2024-Q1\"}\nfee: {amount: \"1\", currency: USD}\n",
			`period: give exactly one of month ("2024-03"), quarter ("2020-Q3"), or start and end`},
		{"start without end",
			"policy: {target: \"99.9\"}\nperiod: {start: \"2024-01-01T00:00:00Z\"}\nfee: {amount: \"1\", currency: USD}\n",
			`period: give exactly one of month ("2024-03"), quarter ("2020-Q3"), or start and end`},
		{"period ending before it starts",
			"policy: {target: \"99.9\"}\nperiod: {start: \"2024-02-01T00:00:00Z\", end: \"2024-01-01T00:00:00Z\"}\nfee: {amount: \"1\", currency: USD}\n",
			"period.end: 2024-01-01T00:00:00Z is not after start 2024-02-01T00:00:00Z"},
		{"time without a zone",
			policy("") + "facts:\n  downtime: [{start: \"2024-06-01 10:00\", end: \"2024-06-01T11:00:00Z\"}]\n",
			`facts.downtime[0].start: "2024-06-01 10:00" is not an RFC 3339 time like "2024-06-01T10:00:00Z"`},
		{"year beyond the engine's range",
			policy("") + "facts:\n  downtime: [{start: \"2024-06-01T10:00:00Z\", end: \"2300-06-01T11:00:00Z\"}]\n",
			"facts.downtime[0].end: 2300-06-01T11:00:00Z is outside the years 1678 to 2262"},
		{"lower-case currency",
			"policy: {target: \"99.9\"}\nperiod: {month: \"2024-06\"}\nfee: {amount: \"1\", currency: usd}\n",
			`fee.currency: "usd" is not an ISO 4217 code such as "USD"`},
		{"negative fee",
			"policy: {target: \"99.9\"}\nperiod: {month: \"2024-06\"}\nfee: {amount: \"-1\", currency: USD}\n",
			"fee.amount: -1 is negative"},
		{"missing fee",
			"policy: {target: \"99.9\"}\nperiod: {month: \"2024-06\"}\n",
			"fee: is required"},
		{"more errors than samples",
			policy("  measure: slices\n  slice: 5m\n  slice_value: ratio\n") + "facts:\n  samples: [{start: \"2024-06-01T10:00:00Z\", end: \"2024-06-01T10:05:00Z\", total: 10, errors: 11}]\n",
			"facts.samples[0].errors: 11 is greater than total 10"},
		{"fractional count",
			policy("  measure: slices\n  slice: 5m\n  slice_value: ratio\n") + "facts:\n  samples: [{start: \"2024-06-01T10:00:00Z\", end: \"2024-06-01T10:05:00Z\", total: 10.5, errors: 1}]\n",
			`facts.samples[0].total: "10.5" is not a whole number`},
		{"samples under measure time",
			policy("") + "facts:\n  samples: [{start: \"2024-06-01T10:00:00Z\", end: \"2024-06-01T10:05:00Z\", total: 10, errors: 1}]\n",
			"facts.samples: are not used by measure time; give facts.downtime"},
		{"downtime under an error-rate measure",
			policy("  measure: slices\n  slice: 1m\n  bad_slice: error_rate\n  error_rate_above: \"5\"\n") + "facts:\n  downtime: [{start: \"2024-06-01T10:00:00Z\", end: \"2024-06-01T10:05:00Z\"}]\n",
			"facts.downtime: is not used by measure slices with bad_slice error_rate; give facts.samples"},
		{"requests missing",
			policy("  measure: requests\n"),
			"facts.requests: are required by measure requests"},
		{"unknown measure",
			policy("  measure: uptime\n"),
			`policy.measure: "uptime" is not one of time, weighted_time, slices, requests`},
		{"error rate without a threshold",
			policy("  measure: slices\n  slice: 1m\n  bad_slice: error_rate\n"),
			"policy.error_rate_above: is required when bad_slice is error_rate"},
		{"bad_slice with ratio",
			policy("  measure: slices\n  slice: 1m\n  slice_value: ratio\n  bad_slice: any\n"),
			"policy.bad_slice: does not apply when slice_value is ratio (every slice counts errors/total)"},
		{"multiplier on a tiered policy",
			policy("  multiplier: \"2\"\n"),
			"policy.multiplier: applies only to credit_unit proportional"},
		{"tiers on a proportional policy",
			policy("  credit_unit: proportional\n" + tiers),
			"policy.tiers: do not apply to credit_unit proportional (the credit is (100 - uptime) * multiplier)"},
		{"min_outage on requests",
			policy("  measure: requests\n  min_outage: 1m\n") + "facts:\n  requests: {total: 1, failed: 0}\n",
			"policy.min_outage: has no runs of downtime to apply to with this measure"},
		{"slice on measure time",
			policy("  slice: 5m\n"),
			"policy.slice: applies only to measure slices"},
		{"empty tier interval",
			policy("  tiers:\n    - {uptime: \"[99, 99)\", credit: \"10\"}\n"),
			`policy.tiers[0].uptime: "[99, 99)" holds no value`},
		{"reversed tier interval",
			policy("  tiers:\n    - {uptime: \"[99.9, 99]\", credit: \"10\"}\n"),
			`policy.tiers[0].uptime: "[99.9, 99]" has its lower bound above its upper bound`},
		{"negative credit",
			policy("  tiers:\n    - {uptime: \"[99, 99.9)\", credit: \"-10\"}\n"),
			"policy.tiers[0].credit: -10 is negative"},
		{"case fields beside a wrapped case",
			`{"case": {}, "policy": {}}`,
			`policy: belongs inside "case" in a document that has one`},
		{"error inside a wrapped case",
			`{"id": "X", "case": {"policy": {"target": "99.9"}, "period": {"month": "2024-06"}, "fee": {"amount": "1", "currency": "EURO"}}}`,
			`case.fee.currency: "EURO" is not an ISO 4217 code such as "USD"`},
	}
}

func TestCalcRefusesBadInput(t *testing.T) {
	for _, tc := range append(badCalcInputs(), badCalcPeriodsAndFacts()...) {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runSlate(t, tc.in, "calc", "-")
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if errs != tc.want+"\n" {
				t.Errorf("stderr %q, want %q", errs, tc.want+"\n")
			}
		})
	}
}

func TestCalcRefusesUnreadableFiles(t *testing.T) {
	code, _, errs := runSlate(t, "", "calc", filepath.Join(t.TempDir(), "missing.yaml"))
	if code != exitUsage || !strings.Contains(errs, "missing.yaml") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("#"), maxCaseBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runSlate(t, "", "calc", big)
	if code != exitUsage || !strings.Contains(errs, "larger than") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	code, _, _ = runSlate(t, "", "calc")
	if code != exitUsage {
		t.Errorf("calc without FILE: exit %d, want %d", code, exitUsage)
	}
}
