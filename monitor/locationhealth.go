package monitor

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/store"
)

// locationHealths is every location's health at now, from the store, so
// that every replica tells the same.
func (a *Monitor) locationHealths(ctx context.Context, now time.Time) ([]store.LocationHealth, error) {
	return LocationHealths(ctx, a.store, a.cfg.Load(), now)
}

// LocationHealths is every location of cfg and every location an agent
// called for, with its health at now as the store s keeps it: what the
// admin API, the console and slate locations tell.
func LocationHealths(ctx context.Context, s store.Locations, cfg *config.Config, now time.Time) ([]store.LocationHealth, error) {
	states, err := s.LocationStates(ctx)
	if err != nil {
		return nil, err
	}
	ids := cfg.Catalog.LocationIDs()
	names := make([]string, len(ids))
	for i, l := range cfg.Catalog.Locations {
		if l.Name != l.ID {
			names[i] = l.Name
		}
	}
	collector := ""
	if cfg.Collector.Probes() {
		collector = cfg.Collector.Location
	}
	return store.Healths(ids, names, collector, states, now), nil
}

// apiLocations answers every location's health: staff only, since
// locations and agents say nothing of a tenant but belong to the
// provider.
func (a *Monitor) apiLocations(r *dashboard.AdminRequest) (int, any, error) {
	hs, err := a.locationHealths(r.Context(), a.now())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"locations": hs}, nil
}

// healthCollector exports each agent location's health at scrape time,
// read from the store: every replica's /metrics shows the same, whichever
// replica the agent reaches.
type healthCollector struct {
	a                                      *Monitor
	through, batch, offset, lag, up, clock *prometheus.Desc
}

func newHealthCollector(a *Monitor) *healthCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"location"}, nil)
	}
	return &healthCollector{a: a,
		through: d("slate_agent_complete_through_timestamp_seconds", "The newest result stored from the location's agent: its evidence is complete through this time."),
		batch:   d("slate_agent_last_batch_timestamp_seconds", "When a batch from the location's agent was last stored."),
		offset:  d("slate_agent_clock_offset_seconds", "The location's agent's last estimate of its clock minus the server's."),
		lag:     d("slate_agent_lag_seconds", "Now minus the time the location's evidence is complete through."),
		up:      d("slate_agent_up", "1 while an agent holds the location's lease, 0 once it lapsed: detection no longer waits for it."),
		clock:   d("slate_agent_clock_refused", "1 while the location's batches are refused for its agent's clock."),
	}
}

func (c *healthCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.through, c.batch, c.offset, c.lag, c.up, c.clock} {
		ch <- d
	}
}

// healthScrapeTimeout bounds the store read of a scrape.
const healthScrapeTimeout = 5 * time.Second

func (c *healthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), healthScrapeTimeout)
	defer cancel()
	now := c.a.now()
	states, err := c.a.store.LocationStates(ctx)
	if err != nil {
		// The other metrics still go out; slate_database_up says why
		// these are missing.
		c.a.log.Warn("metrics: location health", "err", err)
		return
	}
	bit := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for _, s := range states {
		g := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, s.Location)
		}
		g(c.up, bit(s.Live(now)))
		g(c.clock, bit(s.ClockRefused))
		g(c.offset, s.ClockOffset.Seconds())
		if !s.LastBatch.IsZero() {
			g(c.batch, float64(s.LastBatch.UnixMilli())/1e3)
		}
		if !s.CompleteThrough.IsZero() {
			g(c.through, float64(s.CompleteThrough.UnixMilli())/1e3)
			g(c.lag, now.Sub(s.CompleteThrough).Seconds())
		}
	}
}
