// Package metric reads values back from a Prometheus registry: what the
// watchdog, the heartbeat and the benchmarks need to know of slate's own
// counters.
package metric

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// CounterValue sums the series of counter name in g; 0 when it has none.
func CounterValue(g prometheus.Gatherer, name string) float64 {
	mfs, _ := g.Gather()
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			sum += counterOf(m)
		}
	}
	return sum
}

func counterOf(m *dto.Metric) float64 {
	if c := m.GetCounter(); c != nil {
		return c.GetValue()
	}
	return 0
}
