package pgstore

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the ingest path's Prometheus metrics, named as the SQLite
// store's so dashboards and alerts work with either.
type metrics struct {
	batchSize     prometheus.Histogram
	commitSeconds prometheus.Histogram
	written       prometheus.Counter
	writeErrors   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "slate_store_batch_size",
			Help:    "Results per write transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8),
		}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "slate_store_commit_seconds",
			Help:    "Time from the start of a write transaction to its durable commit.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		written: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slate_store_results_written_total",
			Help: "Results stored; a retried write of a stored result is not counted again.",
		}),
		writeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slate_store_write_errors_total",
			Help: "Write transactions that failed.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.batchSize, m.commitSeconds, m.written, m.writeErrors} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}
