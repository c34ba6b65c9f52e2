package storemetrics

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Ingest are the metrics of the results write path.
type Ingest struct {
	BatchSize     prometheus.Histogram // results per transaction
	CommitSeconds prometheus.Histogram // begin to durable commit, seconds
	Written       prometheus.Counter   // results stored; retried duplicates are not counted
	WriteErrors   prometheus.Counter   // transactions that failed; every caller in them got the error
}

// New makes the metrics and registers them with reg; nil registers them
// nowhere (they are still counted).
func New(reg prometheus.Registerer) (*Ingest, error) {
	m := &Ingest{
		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "slate_store_batch_size",
			Help:    "Results per write transaction (group commit of concurrent WriteResults calls).",
			Buckets: prometheus.ExponentialBuckets(1, 4, 8), // 1 .. 16384
		}),
		CommitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "slate_store_commit_seconds",
			Help:    "Time from the start of a write transaction to its durable commit.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5ms .. 4s
		}),
		Written: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slate_store_results_written_total",
			Help: "Results stored; a retried write of a stored result is not counted again.",
		}),
		WriteErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slate_store_write_errors_total",
			Help: "Write transactions that failed.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.BatchSize, m.CommitSeconds, m.Written, m.WriteErrors} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	return m, nil
}
