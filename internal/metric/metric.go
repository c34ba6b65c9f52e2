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
	return CounterValueWith(g, name, nil)
}

// CounterValueWith sums the series of counter name in g whose labels
// include labels; 0 when it has none.
func CounterValueWith(g prometheus.Gatherer, name string, labels map[string]string) float64 {
	mfs, _ := g.Gather()
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			if hasLabels(m, labels) {
				sum += counterOf(m)
			}
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

// GaugeValue is the value of the series of gauge name in g whose labels
// include labels, and whether there is one.
func GaugeValue(g prometheus.Gatherer, name string, labels map[string]string) (float64, bool) {
	mfs, _ := g.Gather()
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			if hasLabels(m, labels) && m.GetGauge() != nil {
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, lp := range m.GetLabel() {
		if v, ok := want[lp.GetName()]; ok {
			if v != lp.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(want)
}
