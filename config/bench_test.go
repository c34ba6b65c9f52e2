package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/internal/testkit"
)

// BenchmarkParse reads a configuration of SLATE_BENCH_CHECKS HTTP checks
// (default 10,000) over 100 services, as slate serve does at start and on
// SIGHUP, and reports what reading it allocates per check: memory the
// process needs for a moment, beyond what the checks then hold.
//
//	SLATE_BENCH_CHECKS=100000 go test -run '^$' -bench Parse -benchmem -benchtime 3x ./config
func BenchmarkParse(b *testing.B) {
	checks := testkit.BenchChecks(b, 1)
	var doc strings.Builder
	doc.WriteString("services:\n")
	for s := range 100 {
		fmt.Fprintf(&doc, "  - {id: svc-%04d}\n", s)
	}
	doc.WriteString("checks:\n")
	for c := range checks {
		fmt.Fprintf(&doc, "  - {id: chk-%06d, service: svc-%04d, kind: http, target: \"http://127.0.0.1:8080/c/%d\", interval: 1m, timeout: 5s}\n", c, c%100, c)
	}
	text := doc.String()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := config.Parse("bench.yaml", strings.NewReader(text)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(checks), "µs/check")
}
