package slacase

import (
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/ynode"
	"github.com/slatehq/slate/sla"
)

// FuzzDecodeAndEvaluate feeds arbitrary documents through the decoder and the
// engine: every input must give a report or a refusal naming a field, never a
// panic or a hang. Run: go test -fuzz FuzzDecodeAndEvaluate ./slacase/
func FuzzDecodeAndEvaluate(f *testing.F) {
	seeds, _ := filepath.Glob("../sla/testdata/cases/*.json")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"policy: {target: \"99.9\"}\nperiod: {month: \"2024-06\"}\nfee: {amount: \"1\", currency: USD}\n",
		"policy: {target: \"99.9\", measure: slices, slice: 1m, slice_value: ratio}\nperiod: {quarter: \"2024-Q2\", timezone: Europe/Berlin}\nfee: {amount: \"1\", currency: JPY}\nfacts: {samples: [{start: \"2024-04-01T00:00:00Z\", end: \"2024-05-01T00:00:00Z\", total: 3, errors: 1}]}\n",
		"policy: {target: \"99.9\", measure: weighted_time, min_outage: 1m}\nperiod: {start: \"2024-01-01T00:00:00Z\", end: \"2024-01-02T00:00:00Z\"}\nfee: {amount: \"1\", currency: EUR}\nfacts: {downtime: [{start: \"2023-12-31T23:00:00Z\", end: \"2024-01-01T01:00:00Z\", affected: \"1/3\"}]}\n",
		"a: &a [*a, *a]\n",
		"{\"policy\": {\"target\": \"99.9\", \"target\": \"1\"}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		file, err := Decode(data)
		if err != nil {
			if _, ok := err.(*ynode.Error); !ok {
				t.Fatalf("decode error %T is not a *ynode.Error: %v", err, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		out, err := sla.Evaluate(file.Case)
		if err != nil {
			// Decode validated the case, so the engine must accept it.
			t.Fatalf("decoded case refused by the engine: %v", err)
		}
		r := out.Report()
		if r.UptimePercent == "" || r.CreditAmount == "" {
			t.Fatalf("incomplete report %+v", r)
		}
		if out.Uptime.Sign() < 0 || out.Uptime.Cmp(big100) > 0 {
			t.Fatalf("uptime %s outside [0, 100]", out.Uptime.RatString())
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("took %s", d)
		}
	})
}

var big100 = mustDecimal("100")

func mustDecimal(s string) *big.Rat {
	r, err := sla.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return r
}
