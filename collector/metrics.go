package collector

import (
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the scheduler's Prometheus series. The probe_* gauges follow
// the blackbox exporter's names, so existing dashboards and alerts apply.
type metrics struct {
	success    *prometheus.GaugeVec
	duration   *prometheus.GaugeVec
	statusCode *prometheus.GaugeVec
	certExpiry *prometheus.GaugeVec

	lateness prometheus.Histogram
	runs     prometheus.Counter
	missed   prometheus.Counter
	written  prometheus.Counter
	dropped  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	// Labels of every per-check series; location is the scheduler's.
	probeLabels := []string{"check", "service", "tenant", "location"}
	m := &metrics{
		success: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "probe_success", Help: "Whether the last run of the check passed (1) or failed (0).",
		}, probeLabels),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "probe_duration_seconds", Help: "Duration of the last run of the check, in seconds.",
		}, probeLabels),
		statusCode: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "probe_http_status_code", Help: "HTTP status of the last run of an HTTP check; 0 when there was none.",
		}, probeLabels),
		certExpiry: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "probe_ssl_earliest_cert_expiry", Help: "Earliest expiry of the certificates the target sent, in Unix seconds.",
		}, probeLabels),
		lateness: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "slate_scheduler_lateness_seconds",
			Help:    "Delay between a run's scheduled time and its actual start, in seconds.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		runs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slate_scheduler_runs_total", Help: "Probe runs started.",
		}),
		missed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slate_scheduler_missed_runs_total", Help: "Scheduled runs skipped because the scheduler was late or the previous run still ran.",
		}),
		written: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slate_results_written_total", Help: "Results the store acknowledged.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slate_results_dropped_total", Help: "Results lost: queue full or the store kept failing.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{
		m.success, m.duration, m.statusCode, m.certExpiry,
		m.lateness, m.runs, m.missed, m.written, m.dropped,
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

// checkGauges are one check's probe_* series, looked up once rather than
// once per run. They are created by the first run, so a check that never ran
// exports nothing rather than a misleading probe_success 0.
type checkGauges struct {
	m      *metrics
	kind   Kind
	labels []string

	once       sync.Once
	success    prometheus.Gauge
	duration   prometheus.Gauge
	statusCode prometheus.Gauge // nil unless the check is HTTP

	// The expiry series exists only once a run saw a certificate, as with
	// the blackbox exporter.
	certOnce   sync.Once
	certExpiry prometheus.Gauge
}

func (m *metrics) gaugesFor(c Check, location string) *checkGauges {
	return &checkGauges{m: m, kind: c.Kind, labels: []string{c.ID, c.Service, c.Tenant, location}}
}

// forget deletes the series of g, so a removed check stops being exported.
func (m *metrics) forget(g *checkGauges) {
	m.success.DeleteLabelValues(g.labels...)
	m.duration.DeleteLabelValues(g.labels...)
	m.statusCode.DeleteLabelValues(g.labels...)
	m.certExpiry.DeleteLabelValues(g.labels...)
}

func (g *checkGauges) observe(o Outcome) {
	g.once.Do(func() {
		g.success = g.m.success.WithLabelValues(g.labels...)
		g.duration = g.m.duration.WithLabelValues(g.labels...)
		if g.kind == KindHTTP {
			g.statusCode = g.m.statusCode.WithLabelValues(g.labels...)
		}
	})
	if o.OK {
		g.success.Set(1)
	} else {
		g.success.Set(0)
	}
	g.duration.Set(o.Latency.Seconds())
	if g.statusCode != nil {
		g.statusCode.Set(float64(o.StatusCode))
	}
	if !o.CertExpiry.IsZero() {
		g.certOnce.Do(func() { g.certExpiry = g.m.certExpiry.WithLabelValues(g.labels...) })
		g.certExpiry.Set(float64(o.CertExpiry.Unix()))
	}
}
