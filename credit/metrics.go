package credit

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/sla"
)

// Exporter publishes each contract's current SLA figures as Prometheus
// gauges, labelled tenant and contract: ratios from 0 to 1, not percent.
// The figures are floats here because Prometheus has no other kind; money
// is never computed from them.
type Exporter struct {
	uptime    *prometheus.GaugeVec
	coverage  *prometheus.GaugeVec
	remaining *prometheus.GaugeVec
	burn      *prometheus.GaugeVec
	known     map[[2]string]bool // label sets set by the last Update
}

// NewExporter registers the gauges with reg.
func NewExporter(reg prometheus.Registerer) (*Exporter, error) {
	e := &Exporter{
		uptime: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slate_sla_uptime_ratio",
			Help: "Uptime of the contract's current period so far, 0 to 1.",
		}, []string{"tenant", "contract"}),
		coverage: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slate_sla_coverage_ratio",
			Help: "Share of the current period so far for which every check of the contract has evidence, 0 to 1.",
		}, []string{"tenant", "contract"}),
		remaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slate_sla_error_budget_remaining_ratio",
			Help: "Share of the current period's error budget not yet spent; negative when overspent.",
		}, []string{"tenant", "contract"}),
		burn: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slate_sla_burn_rate",
			Help: "Error budget burn rate over the window ending now: 1 spends the budget exactly over a period.",
		}, []string{"tenant", "contract", "window"}),
		known: map[[2]string]bool{},
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{e.uptime, e.coverage, e.remaining, e.burn} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register sla metrics: %w", err)
			}
		}
	}
	return e, nil
}

// Current is a contract's figures as of now: the current period's
// statement so far, and the burn rate over each window.
type Current struct {
	Schedule  Schedule
	Statement Statement
	Rates     map[time.Duration]*big.Rat
}

// Update recomputes every schedule's current figures as of now; gauges of
// contracts no longer scheduled, or whose figures failed (each failure a
// *ContractError, joined), are removed: a stale gauge would pass for a
// current one. It returns what it computed,
// for callers that act on it (coverage and burn-rate alerts).
func (e *Exporter) Update(ctx context.Context, h History, schedules []Schedule, now time.Time) ([]Current, error) {
	var errs []error
	var cur []Current
	seen := map[[2]string]bool{}
	for _, s := range schedules {
		c := s.Contract
		st, err := Compute(ctx, h, c, s.PeriodAt(now), now)
		if err != nil {
			errs = append(errs, failed(c.ID, err))
			continue
		}
		rates, err := BurnRates(ctx, h, c, now, sla.BurnWindows())
		if err != nil {
			errs = append(errs, failed(c.ID, err))
			continue
		}
		cur = append(cur, Current{Schedule: s, Statement: st, Rates: rates})
		key := [2]string{c.Tenant, c.ID}
		seen[key] = true
		u, _ := st.Outcome.Uptime.Float64()
		e.uptime.WithLabelValues(key[0], key[1]).Set(u / 100)
		cv, _ := st.CoveragePercent().Float64()
		e.coverage.WithLabelValues(key[0], key[1]).Set(cv / 100)
		r, _ := st.Budget.RemainingRatio().Float64()
		e.remaining.WithLabelValues(key[0], key[1]).Set(r)
		for _, w := range sla.BurnWindows() {
			label := sla.WindowName(w)
			if rate, ok := rates[w]; ok {
				f, _ := rate.Float64()
				e.burn.WithLabelValues(key[0], key[1], label).Set(f)
			} else {
				e.burn.DeleteLabelValues(key[0], key[1], label)
			}
		}
	}
	for key := range e.known {
		if !seen[key] {
			e.uptime.DeleteLabelValues(key[0], key[1])
			e.coverage.DeleteLabelValues(key[0], key[1])
			e.remaining.DeleteLabelValues(key[0], key[1])
			e.burn.DeletePartialMatch(prometheus.Labels{"tenant": key[0], "contract": key[1]})
		}
	}
	e.known = seen
	return cur, errors.Join(errs...)
}
