package db

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the writer's Prometheus metrics.
type metrics struct {
	batchSize     prometheus.Histogram // results per transaction
	commitSeconds prometheus.Histogram // begin to durable commit, seconds
	written       prometheus.Counter   // results stored; retried duplicates are not counted
	writeErrors   prometheus.Counter   // transactions that failed; every caller in them got the error
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "slate_store_batch_size",
			Help:    "Results per write transaction (group commit of concurrent WriteResults calls).",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8), // 1 .. 16384
		}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "slate_store_commit_seconds",
			Help:    "Time from the start of a write transaction to its durable commit.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5ms .. 4s
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
