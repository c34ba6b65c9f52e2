package sla_test

import (
	"strings"
	"testing"

	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/slacase"
)

// Tiers used by most rule cases: 10% under 99.9, 25% under 99, 100% under 95.
const baseTiers = `
  tiers:
    - {uptime: "[99, 99.9)", credit: "10"}
    - {uptime: "[95, 99)", credit: "25"}
    - {uptime: "[0, 95)", credit: "100"}`

// ruleCase is one rule of the SLA-case format with an answer worked by hand.
type ruleCase struct {
	name   string
	policy string // YAML lines under "policy:", indented two spaces
	period string // the flow mapping of "period"
	fee    string // the flow mapping of "fee"; default 1000.00 USD
	facts  string // YAML under "facts:", indented two spaces
	want   map[string]any
}

func (rc ruleCase) yaml() string {
	fee := rc.fee
	if fee == "" {
		fee = `{amount: "1000.00", currency: USD}`
	}
	var b strings.Builder
	b.WriteString("title: " + `"` + rc.name + `"` + "\npolicy:\n" + rc.policy + "\nperiod: " + rc.period + "\nfee: " + fee + "\n")
	if rc.facts != "" {
		b.WriteString("facts:\n" + rc.facts + "\n")
	}
	return b.String()
}

func evalYAML(t *testing.T, src string) map[string]any {
	t.Helper()
	f, err := slacase.Decode([]byte(src))
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, src)
	}
	out, err := sla.Evaluate(f.Case)
	if err != nil {
		t.Fatalf("evaluate: %v\n%s", err, src)
	}
	return reportFields(t, out.Report())
}

func checkFields(t *testing.T, got, want map[string]any) {
	t.Helper()
	for k, w := range want {
		if k == "period.start" || k == "period.end" {
			p, _ := got["period"].(map[string]any)
			if g := p[strings.TrimPrefix(k, "period.")]; g != w {
				t.Errorf("%s: got %#v, want %#v", k, g, w)
			}
			continue
		}
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s: got %#v, want %#v", k, g, w)
		}
	}
}

// The cases share a target and two periods.
const (
	target = `  target: "99.9"`
	june   = `{month: "2024-06", timezone: UTC}`
	jan    = `{month: "2025-01", timezone: UTC}`
)

func TestRules(t *testing.T) {
	groups := []struct {
		name  string
		cases []ruleCase
	}{
		{"periods", periodCases()},
		{"active time and exclusions", exclusionCases()},
		{"downtime by measure", measureCases()},
		{"downtime in slices", sliceCases()},
		{"credits and caps", creditCases()},
	}
	for _, g := range groups {
		for _, tc := range g.cases {
			t.Run(g.name+"/"+tc.name, func(t *testing.T) {
				checkFields(t, evalYAML(t, tc.yaml()), tc.want)
			})
		}
	}
}

// periodCases are calendar months and quarters in the contract's zone.
func periodCases() []ruleCase {
	return []ruleCase{
		{
			name:   "March in Los Angeles has 44,580 minutes",
			policy: target + "\n  tiers: [{uptime: \"[99, 99.9)\", credit: \"25\"}]",
			period: `{month: "2024-03", timezone: America/Los_Angeles}`,
			facts:  `  downtime: [{start: "2024-03-10T12:00:00Z", end: "2024-03-10T12:44:37Z"}]`,
			want: map[string]any{
				"period.start": "2024-03-01T08:00:00Z", "period.end": "2024-04-01T07:00:00Z",
				"period_minutes": "44580", "eligible_minutes": "44580", "downtime_minutes": "44.616667",
				"excluded_minutes": "0", "uptime_percent": "99.8999", "uptime_exact": "2672123/26748",
				"target_met": false, "credit_percent": "25", "credit_days": nil, "credit_amount": "250.00",
			},
		},
		{
			name:   "October in Berlin has 44,700 minutes",
			policy: target + baseTiers,
			period: `{month: "2024-10", timezone: Europe/Berlin}`,
			want: map[string]any{
				"period.start": "2024-09-30T22:00:00Z", "period.end": "2024-10-31T23:00:00Z",
				"period_minutes": "44700", "uptime_percent": "100.0000", "uptime_exact": "100",
				"target_met": true, "credit_percent": "0", "credit_amount": "0.00",
			},
		},
		{
			name:   "April in Sydney gains the hour that October loses",
			policy: target + baseTiers,
			period: `{month: "2024-04", timezone: Australia/Sydney}`,
			want: map[string]any{
				"period.start": "2024-03-31T13:00:00Z", "period.end": "2024-04-30T14:00:00Z",
				"period_minutes": "43260",
			},
		},
		{
			name:   "October in Sydney loses an hour",
			policy: target + baseTiers,
			period: `{month: "2024-10", timezone: Australia/Sydney}`,
			want: map[string]any{
				"period.start": "2024-09-30T14:00:00Z", "period.end": "2024-10-31T13:00:00Z",
				"period_minutes": "44580",
			},
		},
		{
			name:   "first quarter in New York loses the spring hour",
			policy: target + baseTiers,
			period: `{quarter: "2024-Q1", timezone: America/New_York}`,
			want: map[string]any{
				"period.start": "2024-01-01T05:00:00Z", "period.end": "2024-04-01T04:00:00Z",
				"period_minutes": "130980",
			},
		},
		{
			name:   "a month in Kolkata starts at 18:30 UTC",
			policy: target + baseTiers,
			period: `{month: "2024-03", timezone: Asia/Kolkata}`,
			want: map[string]any{
				"period.start": "2024-02-29T18:30:00Z", "period.end": "2024-03-31T18:30:00Z",
				"period_minutes": "44640",
			},
		},
		{
			name:   "days of service are the zone's calendar days",
			policy: target + "\n  credit_unit: days\n  tiers: [{uptime: \"[0, 99.9)\", credit: \"3\"}]",
			period: `{month: "2024-03", timezone: America/Los_Angeles}`,
			facts:  `  downtime: [{start: "2024-03-10T12:00:00Z", end: "2024-03-10T13:00:00Z"}]`,
			want: map[string]any{
				"uptime_percent": "99.8654", "uptime_exact": "74200/743", "credit_days": "3",
				"credit_percent": "9.6774", "credit_amount": "96.77",
			},
		},
		{
			name:   "an explicit period over a DST change counts its calendar days",
			policy: target + "\n  credit_unit: days\n  tiers: [{uptime: \"[0, 99.9)\", credit: \"1\"}]",
			period: `{start: "2024-03-10T00:00:00-08:00", end: "2024-03-12T00:00:00-07:00", timezone: America/Los_Angeles}`,
			facts:  `  downtime: [{start: "2024-03-10T12:00:00Z", end: "2024-03-10T13:00:00Z"}]`,
			want: map[string]any{
				"period_minutes": "2820", "credit_days": "1", "credit_percent": "50", "credit_amount": "500.00",
			},
		},
		// Thresholds are compared exactly.
		{
			name:   "uptime exactly on the target meets it and misses a half-open tier",
			policy: target + baseTiers,
			period: june,
			facts:  `  downtime: [{start: "2024-06-05T10:00:00Z", end: "2024-06-05T10:43:12Z"}]`,
			want: map[string]any{
				"downtime_minutes": "43.2", "uptime_percent": "99.9000", "uptime_exact": "999/10",
				"target_met": true, "credit_percent": "0", "credit_amount": "0.00",
			},
		},
		{
			name:   "uptime exactly on an inclusive upper bound is in the tier",
			policy: target + "\n  tiers: [{uptime: \"(99, 99.9]\", credit: \"10\"}]",
			period: june,
			facts:  `  downtime: [{start: "2024-06-05T10:00:00Z", end: "2024-06-05T10:43:12Z"}]`,
			want:   map[string]any{"target_met": true, "credit_percent": "10", "credit_amount": "100.00"},
		},
		{
			name:   "one millisecond below the target misses it though it rounds to it",
			policy: target + baseTiers,
			period: june,
			facts:  `  downtime: [{start: "2024-06-05T10:00:00Z", end: "2024-06-05T10:43:12.001Z"}]`,
			want: map[string]any{
				"downtime_minutes": "43.200017", "uptime_percent": "99.9000",
				"uptime_exact": "2589407999/25920000", "target_met": false, "credit_percent": "10",
			},
		},
		{
			name:   "an uptime in no tier earns nothing",
			policy: target + "\n  tiers: [{uptime: \"[99, 99.9)\", credit: \"10\"}]",
			period: june,
			facts:  `  downtime: [{start: "2024-06-01T00:00:00Z", end: "2024-06-04T00:00:00Z"}]`,
			want:   map[string]any{"uptime_percent": "90.0000", "credit_percent": "0", "credit_amount": "0.00"},
		},
	}
}

// exclusionCases are active time and excluded time.
func exclusionCases() []ruleCase {
	return []ruleCase{
		{
			name:   "nothing observed is full uptime",
			policy: target + baseTiers,
			period: june,
			want: map[string]any{
				"downtime_minutes": "0", "excluded_minutes": "0", "eligible_minutes": "43200",
				"uptime_percent": "100.0000", "uptime_exact": "100", "target_met": true, "credit_percent": "0",
			},
		},
		{
			name:   "an outage across the period end counts only inside the period",
			policy: target + baseTiers,
			period: jan,
			facts:  `  downtime: [{start: "2025-01-31T23:50:00Z", end: "2025-02-01T00:10:00Z"}]`,
			want:   map[string]any{"downtime_minutes": "10", "uptime_exact": "111575/1116", "uptime_percent": "99.9776"},
		},
		{
			name:   "an outage across the period start counts only inside the period",
			policy: target + baseTiers,
			period: jan,
			facts:  `  downtime: [{start: "2024-12-31T23:00:00Z", end: "2025-01-01T00:10:00Z"}]`,
			want:   map[string]any{"downtime_minutes": "10"},
		},
		{
			name:   "overlapping outages count once",
			policy: target + baseTiers,
			period: jan,
			facts: `  downtime:
    - {start: "2025-01-15T10:00:00Z", end: "2025-01-15T10:30:00Z"}
    - {start: "2025-01-15T10:15:00Z", end: "2025-01-15T10:45:00Z"}`,
			want: map[string]any{"downtime_minutes": "45"},
		},
		{
			name:   "touching outages form one run for min_outage",
			policy: target + "\n  min_outage: 10m" + baseTiers,
			period: jan,
			facts: `  downtime:
    - {start: "2025-01-15T10:00:00Z", end: "2025-01-15T10:05:00Z"}
    - {start: "2025-01-15T10:05:00Z", end: "2025-01-15T10:10:00Z"}
    - {start: "2025-01-16T10:00:00Z", end: "2025-01-16T10:05:00Z"}
    - {start: "2025-01-16T10:06:00Z", end: "2025-01-16T10:11:00Z"}`,
			want: map[string]any{"downtime_minutes": "10"},
		},
		{
			name:   "an exclusion splits a run before min_outage applies",
			policy: target + "\n  min_outage: 10m" + baseTiers,
			period: jan,
			facts: `  downtime: [{start: "2025-01-15T10:00:00Z", end: "2025-01-15T10:20:00Z"}]
  exclusions: [{start: "2025-01-15T10:05:00Z", end: "2025-01-15T10:10:00Z", reason: customer change}]`,
			want: map[string]any{"downtime_minutes": "10", "excluded_minutes": "5", "eligible_minutes": "44640"},
		},
		{
			name:   "maintenance is excluded by default",
			policy: target + baseTiers,
			period: jan,
			facts: `  downtime: [{start: "2025-01-15T02:00:00Z", end: "2025-01-15T03:00:00Z"}]
  maintenance: [{start: "2025-01-15T02:00:00Z", end: "2025-01-15T04:00:00Z"}]`,
			want: map[string]any{"downtime_minutes": "0", "excluded_minutes": "120", "uptime_exact": "100"},
		},
		{
			name:   "maintenance counted is ordinary time",
			policy: target + "\n  maintenance: counted" + baseTiers,
			period: jan,
			facts: `  downtime: [{start: "2025-01-15T02:00:00Z", end: "2025-01-15T03:00:00Z"}]
  maintenance: [{start: "2025-01-15T02:00:00Z", end: "2025-01-15T04:00:00Z"}]`,
			want: map[string]any{"downtime_minutes": "60", "excluded_minutes": "0"},
		},
		{
			name:   "excluded time stays available in the denominator by default",
			policy: target + baseTiers,
			period: june,
			facts: `  downtime: [{start: "2024-06-20T10:00:00Z", end: "2024-06-20T11:00:00Z"}]
  exclusions: [{start: "2024-06-10T00:00:00Z", end: "2024-06-11T00:00:00Z"}]`,
			want: map[string]any{"eligible_minutes": "43200", "excluded_minutes": "1440", "uptime_exact": "3595/36"},
		},
		{
			name:   "excluded time removed leaves the denominator",
			policy: target + "\n  excluded_time: removed" + baseTiers,
			period: june,
			facts: `  downtime: [{start: "2024-06-20T10:00:00Z", end: "2024-06-20T11:00:00Z"}]
  exclusions: [{start: "2024-06-10T00:00:00Z", end: "2024-06-11T00:00:00Z"}]`,
			want: map[string]any{"eligible_minutes": "41760", "uptime_exact": "17375/174", "uptime_percent": "99.8563"},
		},
		{
			name:   "only active time counts",
			policy: target + baseTiers,
			period: june,
			facts: `  active: [{start: "2024-06-16T00:00:00Z", end: "2024-07-01T00:00:00Z"}]
  downtime:
    - {start: "2024-06-10T00:00:00Z", end: "2024-06-10T01:00:00Z"}
    - {start: "2024-06-20T00:00:00Z", end: "2024-06-20T00:30:00Z"}`,
			want: map[string]any{"eligible_minutes": "21600", "downtime_minutes": "30", "uptime_exact": "3595/36"},
		},
		{
			name:   "no active time in the period is full uptime",
			policy: target + baseTiers,
			period: june,
			facts:  `  active: [{start: "2024-07-01T00:00:00Z", end: "2024-07-02T00:00:00Z"}]`,
			want:   map[string]any{"eligible_minutes": "0", "downtime_minutes": "0", "uptime_exact": "100"},
		},
	}
}

// measureCases are downtime weighted by the share affected, or counted whole.
func measureCases() []ruleCase {
	return []ruleCase{
		{
			name:   "weighted shares covering one instant add up to at most 1",
			policy: target + "\n  measure: weighted_time" + baseTiers,
			period: june,
			facts: `  downtime:
    - {start: "2024-06-20T10:00:00Z", end: "2024-06-20T11:00:00Z", affected: "0.75"}
    - {start: "2024-06-20T10:00:00Z", end: "2024-06-20T11:00:00Z", affected: "0.5"}`,
			want: map[string]any{"downtime_minutes": "60"},
		},
		{
			name:   "weighted shares of partly overlapping outages",
			policy: target + "\n  measure: weighted_time" + baseTiers,
			period: june,
			facts: `  downtime:
    - {start: "2024-06-20T10:00:00Z", end: "2024-06-20T11:00:00Z", affected: "0.5"}
    - {start: "2024-06-20T10:30:00Z", end: "2024-06-20T11:30:00Z", affected: "0.25"}`,
			want: map[string]any{"downtime_minutes": "45"},
		},
		{
			name:   "a share may be a fraction",
			policy: target + "\n  measure: weighted_time" + baseTiers,
			period: june,
			facts:  `  downtime: [{start: "2024-06-20T10:00:00Z", end: "2024-06-20T11:00:00Z", affected: "1/3"}]`,
			want:   map[string]any{"downtime_minutes": "20"},
		},
		{
			name:   "a share of 0 is no downtime",
			policy: target + "\n  measure: weighted_time" + baseTiers,
			period: june,
			facts:  `  downtime: [{start: "2024-06-20T10:00:00Z", end: "2024-06-20T11:00:00Z", affected: "0"}]`,
			want:   map[string]any{"downtime_minutes": "0", "uptime_exact": "100"},
		},
		{
			name:   "weighted runs shorter than min_outage are dropped",
			policy: target + "\n  measure: weighted_time\n  min_outage: 10m" + baseTiers,
			period: june,
			facts: `  downtime:
    - {start: "2024-06-20T10:00:00Z", end: "2024-06-20T10:09:00Z", affected: "0.5"}
    - {start: "2024-06-21T10:00:00Z", end: "2024-06-21T10:10:00Z", affected: "0.5"}`,
			want: map[string]any{"downtime_minutes": "5"},
		},
		{
			name:   "measure time counts a partial outage whole",
			policy: target + baseTiers,
			period: june,
			facts:  `  downtime: [{start: "2024-06-20T10:00:00Z", end: "2024-06-20T11:00:00Z", affected: "0.25"}]`,
			want:   map[string]any{"downtime_minutes": "60"},
		},
	}
}

// sliceCases are downtime judged in slices of time or by requests.
func sliceCases() []ruleCase {
	return []ruleCase{
		{
			name:   "slices: any downtime marks the slices it touches",
			policy: target + "\n  measure: slices\n  slice: 5m\n  bad_slice: any" + baseTiers,
			period: june,
			facts:  `  downtime: [{start: "2024-06-20T10:02:00Z", end: "2024-06-20T10:08:00Z"}]`,
			want:   map[string]any{"downtime_minutes": "10"},
		},
		{
			name:   "slices: full needs the whole slice down",
			policy: target + "\n  measure: slices\n  slice: 5m\n  bad_slice: full" + baseTiers,
			period: june,
			facts: `  downtime:
    - {start: "2024-06-20T10:02:00Z", end: "2024-06-20T10:08:00Z"}
    - {start: "2024-06-21T10:00:00Z", end: "2024-06-21T10:10:00Z"}`,
			want: map[string]any{"downtime_minutes": "10"},
		},
		{
			name:   "slices: full judges the part of a slice that is not excluded",
			policy: target + "\n  measure: slices\n  slice: 5m\n  bad_slice: full" + baseTiers,
			period: june,
			facts: `  downtime: [{start: "2024-06-20T10:02:00Z", end: "2024-06-20T10:05:00Z"}]
  exclusions: [{start: "2024-06-20T10:00:00Z", end: "2024-06-20T10:02:00Z"}]`,
			want: map[string]any{"downtime_minutes": "5", "excluded_minutes": "2"},
		},
		{
			name:   "slices: a slice wholly inside an exclusion counts nothing",
			policy: target + "\n  measure: slices\n  slice: 5m" + baseTiers,
			period: june,
			facts: `  downtime: [{start: "2024-06-20T10:04:00Z", end: "2024-06-20T10:06:00Z"}]
  exclusions: [{start: "2024-06-20T10:00:00Z", end: "2024-06-20T10:05:00Z"}]`,
			want: map[string]any{"downtime_minutes": "5"},
		},
		{
			name:   "slices: the last slice is shorter",
			policy: target + "\n  measure: slices\n  slice: 5m" + baseTiers,
			period: `{start: "2025-01-01T00:00:00Z", end: "2025-01-01T00:07:00Z"}`,
			facts:  `  downtime: [{start: "2025-01-01T00:06:00Z", end: "2025-01-01T00:07:00Z"}]`,
			want: map[string]any{
				"period_minutes": "7", "downtime_minutes": "2", "uptime_exact": "500/7", "uptime_percent": "71.4286",
			},
		},
		{
			name:   "slices: an error rate exactly at the threshold is good",
			policy: target + "\n  measure: slices\n  slice: 1m\n  bad_slice: error_rate\n  error_rate_above: \"5\"" + baseTiers,
			period: june,
			facts: `  samples:
    - {start: "2024-06-20T10:00:00Z", end: "2024-06-20T10:01:00Z", total: 100, errors: 5}
    - {start: "2024-06-20T10:01:00Z", end: "2024-06-20T10:02:00Z", total: 1000, errors: 51}
    - {start: "2024-06-20T10:02:00Z", end: "2024-06-20T10:03:00Z", total: 0, errors: 0}`,
			want: map[string]any{"downtime_minutes": "1"},
		},
		{
			name:   "slices: runs of bad slices shorter than min_outage are dropped",
			policy: target + "\n  measure: slices\n  slice: 1m\n  bad_slice: error_rate\n  error_rate_above: \"5\"\n  min_outage: 3m" + baseTiers,
			period: june,
			facts: `  samples:
    - {start: "2024-06-20T10:00:00Z", end: "2024-06-20T10:02:00Z", total: 100, errors: 100}
    - {start: "2024-06-20T11:00:00Z", end: "2024-06-20T11:03:00Z", total: 100, errors: 100}`,
			want: map[string]any{"downtime_minutes": "3"},
		},
		{
			name:   "slices: ratio counts partial errors",
			policy: target + "\n  measure: slices\n  slice: 5m\n  slice_value: ratio" + baseTiers,
			period: june,
			facts:  `  samples: [{start: "2024-06-20T10:00:00Z", end: "2024-06-20T10:05:00Z", total: 100, errors: 50}]`,
			want:   map[string]any{"downtime_minutes": "2.5"},
		},
		{
			name:   "slices: overlapping sample runs add up",
			policy: target + "\n  measure: slices\n  slice: 5m\n  slice_value: ratio" + baseTiers,
			period: june,
			facts: `  samples:
    - {start: "2024-06-20T10:00:00Z", end: "2024-06-20T10:05:00Z", total: 100, errors: 10}
    - {start: "2024-06-20T10:00:00Z", end: "2024-06-20T10:05:00Z", total: 100, errors: 40}`,
			want: map[string]any{"downtime_minutes": "1.25"},
		},
		{
			name:   "requests: no requests is full uptime",
			policy: target + "\n  measure: requests" + baseTiers,
			period: june,
			facts:  `  requests: {total: 0, failed: 0}`,
			want:   map[string]any{"uptime_exact": "100", "downtime_minutes": nil, "credit_percent": "0"},
		},
	}
}

// creditCases are tiers, units, caps and rounding.
func creditCases() []ruleCase {
	return []ruleCase{
		{
			name:   "proportional credit is capped",
			policy: target + "\n  credit_unit: proportional\n  multiplier: \"2\"\n  cap: \"15\"",
			period: june,
			facts:  `  downtime: [{start: "2024-06-01T00:00:00Z", end: "2024-06-04T00:00:00Z"}]`,
			want:   map[string]any{"uptime_exact": "90", "credit_percent": "15", "credit_amount": "150.00"},
		},
		{
			name:   "proportional credit without a cap",
			policy: target + "\n  credit_unit: proportional\n  multiplier: \"2\"",
			period: june,
			facts:  `  downtime: [{start: "2024-06-01T00:00:00Z", end: "2024-06-04T00:00:00Z"}]`,
			want:   map[string]any{"credit_percent": "20", "credit_amount": "200.00"},
		},
		{
			name:   "percent credit is capped",
			policy: target + baseTiers + "\n  cap: \"50\"",
			period: june,
			facts:  `  downtime: [{start: "2024-06-01T00:00:00Z", end: "2024-06-04T00:00:00Z"}]`,
			want:   map[string]any{"credit_percent": "50", "credit_amount": "500.00"},
		},
		{
			name:   "days credit is capped in days",
			policy: target + "\n  credit_unit: days\n  tiers: [{uptime: \"[0, 95)\", credit: \"15\"}]\n  cap: \"10\"",
			period: june,
			facts:  `  downtime: [{start: "2024-06-01T00:00:00Z", end: "2024-06-04T00:00:00Z"}]`,
			want:   map[string]any{"credit_days": "10", "credit_percent": "33.3333", "credit_amount": "333.33"},
		},
		{
			name:   "yen have no minor unit and round half-up",
			policy: target + baseTiers,
			period: june,
			fee:    `{amount: "12345", currency: JPY}`,
			facts:  `  downtime: [{start: "2024-06-01T00:00:00Z", end: "2024-06-01T01:00:00Z"}]`,
			want:   map[string]any{"credit_percent": "10", "credit_amount": "1235", "currency": "JPY"},
		},
		{
			name:   "dinars have three decimals",
			policy: target + "\n  credit_unit: days\n  tiers: [{uptime: \"[0, 99.9)\", credit: \"3\"}]",
			period: jan,
			fee:    `{amount: "1000.000", currency: KWD}`,
			facts:  `  downtime: [{start: "2025-01-21T09:00:00Z", end: "2025-01-21T11:00:00Z"}]`,
			want:   map[string]any{"credit_percent": "9.6774", "credit_amount": "96.774"},
		},
		{
			name:   "half a cent rounds up",
			policy: target + baseTiers,
			period: june,
			fee:    `{amount: "0.05", currency: USD}`,
			facts:  `  downtime: [{start: "2024-06-01T00:00:00Z", end: "2024-06-01T01:00:00Z"}]`,
			want:   map[string]any{"credit_amount": "0.01"},
		},
	}
}
