package backup

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the backup gauges and counter, labelled by level. Alert on
// the age of the last success, not on failures alone: a job that stopped
// running fails nothing.
type Metrics struct {
	lastSuccess  *prometheus.GaugeVec   // Unix seconds of the last Take that finished
	lastVerified *prometheus.GaugeVec   // Unix seconds of the last backup verified good
	failures     *prometheus.CounterVec // Takes that returned an error
}

// NewMetrics creates the metrics and registers them with reg; nil
// registers them nowhere (they are still kept).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slate_backup_last_success_timestamp_seconds",
			Help: "Time of the last backup that was taken, verified, copied and rotated without error, Unix seconds.",
		}, []string{"level"}),
		lastVerified: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slate_backup_last_verified_timestamp_seconds",
			Help: "Time of the last backup that was restored, checked and marked good, Unix seconds.",
		}, []string{"level"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slate_backup_failures_total",
			Help: "Backups that failed at any step: snapshot, checksum, verification, second copy or rotation.",
		}, []string{"level"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.lastSuccess, m.lastVerified, m.failures} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register backup metrics: %w", err)
		}
	}
	return m, nil
}

// The methods accept a nil *Metrics, so Take need not check.

func (m *Metrics) verified(level string, at time.Time) {
	if m != nil {
		m.lastVerified.WithLabelValues(level).Set(float64(at.Unix()))
	}
}

func (m *Metrics) succeeded(level string, at time.Time) {
	if m != nil {
		m.lastSuccess.WithLabelValues(level).Set(float64(at.Unix()))
	}
}

func (m *Metrics) failed(level string) {
	if m != nil {
		m.failures.WithLabelValues(level).Inc()
	}
}
