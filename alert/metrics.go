package alert

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Sender's Prometheus metrics.
type metrics struct {
	sent     *prometheus.CounterVec // alerts delivered, by receiver
	failed   *prometheus.CounterVec // alerts given up, by receiver
	attempts *prometheus.CounterVec // attempts, by receiver and outcome
	pending  prometheus.Gauge       // outbox rows still pending, after the latest pass
}

// newMetrics creates the metrics and registers them with reg; nil registers
// them nowhere.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slate_alerts_sent_total",
			Help: "Alerts delivered: the receiver answered 2xx.",
		}, []string{"receiver"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slate_alerts_failed_total",
			Help: "Alerts given up: a 4xx answer, or older than the maximum age.",
		}, []string{"receiver"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slate_alert_attempts_total",
			Help: "Delivery attempts, by outcome: delivered, retry, gave_up.",
		}, []string{"receiver", "outcome"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slate_alert_outbox_pending",
			Help: "Alerts in the outbox waiting for delivery, due or not.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.sent, m.failed, m.attempts, m.pending} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register alert metrics: %w", err)
		}
	}
	return m, nil
}
