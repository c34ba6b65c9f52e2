package collector

import (
	"fmt"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// DefaultCheckSeries is the largest number of checks for which a scheduler
// exports per-check probe_* series unless told otherwise (see
// Scheduler.CheckSeries).
const DefaultCheckSeries = 10_000

// metrics are the scheduler's Prometheus series.
type metrics struct {
	probes *probeCollector

	lateness prometheus.Histogram
	runs     prometheus.Counter
	missed   prometheus.Counter
	written  prometheus.Counter
	dropped  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, s *Scheduler) (*metrics, error) {
	m := &metrics{
		probes: newProbeCollector(s),
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
	for _, c := range []prometheus.Collector{m.probes, m.lateness, m.runs, m.missed, m.written, m.dropped} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}

// lastRun is the outcome of a check's latest run, as its series show it.
// Runs write it and scrapes read it concurrently; each field is atomic, and
// a scrape may pair one run's success with the next run's duration, as it
// could when these were gauges set one after another. Sixteen bytes and a
// few flags per check, where a set of gauge children cost kilobytes.
type lastRun struct {
	flags    atomic.Uint32 // ranFlag, okFlag, certFlag
	status   atomic.Int32  // final HTTP status; 0 when there was none
	duration atomic.Int64  // nanoseconds
	cert     atomic.Int64  // earliest certificate expiry seen, Unix seconds
}

const (
	ranFlag  = 1 << iota // a run was observed: the check has series
	okFlag               // the latest run passed
	certFlag             // a run saw a certificate: the check has an expiry series
)

func (l *lastRun) observe(o Outcome) {
	l.duration.Store(int64(o.Latency))
	l.status.Store(int32(o.StatusCode))
	if !o.CertExpiry.IsZero() {
		// As with the blackbox exporter, the expiry series exists once a
		// run saw a certificate, and keeps the last expiry seen.
		l.cert.Store(o.CertExpiry.Unix())
		l.flags.Or(certFlag)
	}
	if o.OK {
		l.flags.Or(ranFlag | okFlag)
	} else {
		l.flags.And(^uint32(okFlag))
		l.flags.Or(ranFlag)
	}
}

func (l *lastRun) copyFrom(o *lastRun) {
	l.status.Store(o.status.Load())
	l.duration.Store(o.duration.Load())
	l.cert.Store(o.cert.Load())
	l.flags.Store(o.flags.Load())
}

// probeCollector exports the probe series from the scheduler's entries at
// scrape time, instead of keeping a gauge child per check and series: the
// series are made for the scrape and dropped after it.
//
// Per check, while the scheduler has at most CheckSeries checks, it
// exports the blackbox exporter's names, so existing dashboards and alerts
// apply: probe_success, probe_duration_seconds, probe_http_status_code (HTTP
// checks) and probe_ssl_earliest_cert_expiry (once a run saw a
// certificate), labelled check, service, tenant and location. A check has
// them from its first run, so a check that never ran exports nothing rather
// than a misleading probe_success 0.
//
// Per service and tenant, always: slate_probe_checks by result of the
// latest run, slate_probe_duration_seconds_max and
// slate_probe_ssl_earliest_cert_expiry. With many checks these are what a
// scrape can afford: a per-check series costs the scraping process about a
// kilobyte on every scrape, and Prometheus more to keep.
type probeCollector struct {
	s                                      *Scheduler
	success, duration, statusCode, expiry  *prometheus.Desc
	checks, durationMax, serviceCertExpiry *prometheus.Desc
	// labelNames are the per-check series' label names in sorted order,
	// as the exposition wants them; their series point at these.
	labelNames [4]string
}

func newProbeCollector(s *Scheduler) *probeCollector {
	perCheck := []string{"check", "service", "tenant", "location"}
	perService := []string{"service", "tenant", "location"}
	return &probeCollector{
		s:          s,
		labelNames: [4]string{"check", "location", "service", "tenant"},
		success:    prometheus.NewDesc("probe_success", "Whether the last run of the check passed (1) or failed (0).", perCheck, nil),
		duration:   prometheus.NewDesc("probe_duration_seconds", "Duration of the last run of the check, in seconds.", perCheck, nil),
		statusCode: prometheus.NewDesc("probe_http_status_code", "HTTP status of the last run of an HTTP check; 0 when there was none.", perCheck, nil),
		expiry:     prometheus.NewDesc("probe_ssl_earliest_cert_expiry", "Earliest expiry of the certificates the target sent, in Unix seconds.", perCheck, nil),
		checks: prometheus.NewDesc("slate_probe_checks",
			"Checks of the service (and tenant) by the result of their last run: success or failure.", append(perService, "result"), nil),
		durationMax: prometheus.NewDesc("slate_probe_duration_seconds_max",
			"Longest last run among the service's (and tenant's) checks, in seconds.", perService, nil),
		serviceCertExpiry: prometheus.NewDesc("slate_probe_ssl_earliest_cert_expiry",
			"Earliest certificate expiry any check of the service (and tenant) saw, in Unix seconds.", perService, nil),
	}
}

func (c *probeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.success, c.duration, c.statusCode, c.expiry, c.checks, c.durationMax, c.serviceCertExpiry} {
		ch <- d
	}
}

// group is the aggregate of one service and tenant's checks.
type group struct {
	ok, failed  int
	durationMax int64 // nanoseconds
	cert        int64 // Unix seconds; 0 when no check saw a certificate
}

func (c *probeCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	s.mu.Lock()
	es := make([]*entry, 0, len(s.entries))
	for _, e := range s.entries {
		es = append(es, e)
	}
	s.mu.Unlock()
	perCheck := len(es) <= s.CheckSeries
	loc := s.Location
	groups := map[[2]string]*group{}
	for _, e := range es {
		f := e.last.flags.Load()
		if f&ranFlag == 0 {
			continue
		}
		dur, cert := e.last.duration.Load(), e.last.cert.Load()
		key := [2]string{e.service, e.tenant}
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
		}
		if f&okFlag != 0 {
			g.ok++
		} else {
			g.failed++
		}
		g.durationMax = max(g.durationMax, dur)
		if f&certFlag != 0 && (g.cert == 0 || cert < g.cert) {
			g.cert = cert
		}
		if !perCheck {
			continue
		}
		success := 0.0
		if f&okFlag != 0 {
			success = 1
		}
		ch <- c.checkGauge(c.success, e, &loc, success)
		ch <- c.checkGauge(c.duration, e, &loc, float64(dur)/1e9)
		if e.isHTTP() {
			ch <- c.checkGauge(c.statusCode, e, &loc, float64(e.last.status.Load()))
		}
		if f&certFlag != 0 {
			ch <- c.checkGauge(c.expiry, e, &loc, float64(cert))
		}
	}
	for key, g := range groups {
		svc, tenant := key[0], key[1]
		ch <- prometheus.MustNewConstMetric(c.checks, prometheus.GaugeValue, float64(g.ok), svc, tenant, loc, "success")
		ch <- prometheus.MustNewConstMetric(c.checks, prometheus.GaugeValue, float64(g.failed), svc, tenant, loc, "failure")
		ch <- prometheus.MustNewConstMetric(c.durationMax, prometheus.GaugeValue, float64(g.durationMax)/1e9, svc, tenant, loc)
		if g.cert != 0 {
			ch <- prometheus.MustNewConstMetric(c.serviceCertExpiry, prometheus.GaugeValue, float64(g.cert), svc, tenant, loc)
		}
	}
}

// checkGauge is one per-check series of e at location *loc.
func (c *probeCollector) checkGauge(desc *prometheus.Desc, e *entry, loc *string, v float64) prometheus.Metric {
	m := &checkGauge{desc: desc, value: v}
	for i, val := range [4]*string{&e.id, loc, &e.service, &e.tenant} {
		m.pairs[i] = dto.LabelPair{Name: &c.labelNames[i], Value: val}
		m.labels[i] = &m.pairs[i]
	}
	return m
}

// checkGauge is a per-check series made for one scrape. It is what
// prometheus.MustNewConstMetric makes, in one allocation instead of some
// fifteen: a scrape of 10,000 checks makes 30,000 of them. Its labels point
// at the entry's strings rather than at copies; they are only read.
type checkGauge struct {
	desc   *prometheus.Desc
	value  float64
	gauge  dto.Gauge
	labels [4]*dto.LabelPair
	pairs  [4]dto.LabelPair
}

func (m *checkGauge) Desc() *prometheus.Desc { return m.desc }

func (m *checkGauge) Write(out *dto.Metric) error {
	m.gauge.Value = &m.value
	out.Gauge = &m.gauge
	out.Label = m.labels[:]
	return nil
}
