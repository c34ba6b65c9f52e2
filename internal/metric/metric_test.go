package metric

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestCounterValueWith sums only the series whose labels include those
// asked for; CounterValue sums them all.
func TestCounterValueWith(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "refused_total", Help: "h"}, []string{"location", "reason"})
	reg.MustRegister(c)
	c.WithLabelValues("east", "busy").Add(2)
	c.WithLabelValues("west", "busy").Add(3)
	c.WithLabelValues("east", "clock").Add(7)
	c.WithLabelValues("east", "store").Add(11)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"no labels: every series", nil, 23},
		{"one label", map[string]string{"reason": "busy"}, 5},
		{"two labels", map[string]string{"reason": "busy", "location": "east"}, 2},
		{"a value no series has", map[string]string{"reason": "invalid"}, 0},
		{"a label the counter lacks", map[string]string{"kind": "busy"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CounterValueWith(reg, "refused_total", tt.labels); got != tt.want {
				t.Errorf("CounterValueWith(%v) = %v, want %v", tt.labels, got, tt.want)
			}
		})
	}
	if got := CounterValue(reg, "refused_total"); got != 23 {
		t.Errorf("CounterValue = %v, want 23", got)
	}
	if got := CounterValueWith(reg, "other_total", nil); got != 0 {
		t.Errorf("a counter not registered: %v, want 0", got)
	}
}
