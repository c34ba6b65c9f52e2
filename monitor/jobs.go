package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/internal/metric"
	"github.com/slatehq/slate/sla"
)

// UpdateSLA refreshes every contract's SLA gauges and, from the same
// figures, evaluates the burn-rate rules and raises an alert for a contract
// whose current period's coverage fell below its threshold (resolving both
// when they clear).
func (a *Monitor) UpdateSLA(ctx context.Context, now time.Time) error {
	a.slaMu.Lock() // the job and a caller (the demo's first page) may run it at once
	defer a.slaMu.Unlock()
	cat, err := a.catalog(ctx)
	if err != nil {
		return err
	}
	cur, err := a.sla.Update(ctx, a.store, credit.Schedules(cat), now)
	err = errors.Join(err, a.contractAlerts(ctx, cat, "SLA figures", "contract/", err, now))
	byContract := make(map[string]credit.Current, len(cur))
	for _, c := range cur {
		byContract[c.Statement.Contract.ID] = c
	}
	a.statusMu.Lock()
	a.current = byContract
	a.statusMu.Unlock()
	errs := []error{err, a.burnAlerts(ctx, now, cur)}
	for _, c := range cur {
		st := c.Statement
		var low error
		if st.Flagged {
			low = fmt.Errorf("coverage %s%% of the period so far, below the contract's threshold", sla.FormatFixed(st.CoveragePercent(), 2))
		}
		if aerr := a.selfAlert(ctx, "coverage/"+st.Contract.ID, "evidence coverage low for "+st.Contract.ID, low, now); aerr != nil && low == nil {
			errs = append(errs, aerr)
		}
	}
	return errors.Join(errs...)
}

// progress remembers a counter's value at the previous look, so a job can
// tell whether it moved since; safe for concurrent use.
type progress struct {
	mu   sync.Mutex
	last float64
}

// moved records v and reports whether it is above the previous value.
func (p *progress) moved(v float64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	up := v > p.last
	p.last = max(p.last, v)
	return up
}

// watchdog raises alerts on slate's own faults: store commits failing, and
// the scheduler stalled (no probe ran since the last look, while there are
// checks). Each resolves by itself when the fault clears.
func (a *Monitor) watchdog(ctx context.Context, now time.Time) error {
	var errs []error
	if err := a.selfAlert(ctx, "slate/store", "store writes failing", a.store.WriteHealth(), now); err != nil && a.store.WriteHealth() == nil {
		errs = append(errs, err)
	}
	moved := a.watched.moved(metric.CounterValue(a.reg, "slate_scheduler_runs_total"))
	var stalled error
	if len(a.cfg.Load().LocalChecks()) > 0 && !moved {
		stalled = errors.New("no probe ran in the last minute")
	}
	if err := a.selfAlert(ctx, "slate/scheduler", "scheduler stalled", stalled, now); err != nil && stalled == nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// CloseDue is the period close job: it records every contract's last
// closed period in the ledger, with the maintenance announced at run time.
func (a *Monitor) CloseDue(ctx context.Context, now time.Time) error {
	cat, err := a.catalog(ctx)
	if err != nil {
		return err
	}
	n, err := CloseDue(ctx, a.store, cat, "slate/close", now)
	if n > 0 {
		a.log.Debug("period close", "contracts", n)
	}
	return errors.Join(err, a.contractAlerts(ctx, cat, "period close", "close/", err, now))
}

// CloseDue is the period close: for every contract of cat it records, in
// the store's ledger and as actor, the last period that ended at least its
// close grace ago in the tenant's zone. It is the job slate serve runs
// every 15 minutes and what slate credits close runs at once; recording is
// idempotent, so running it again changes nothing unless the evidence did.
func CloseDue(ctx context.Context, store LedgerStore, cat *catalog.Catalog, actor string, now time.Time) (int, error) {
	return credit.CloseDue(ctx, store, Ledger{Store: store, Actor: actor}, credit.Schedules(cat), now)
}

// heartbeat tells the outside monitor slate is alive — only while it is:
// ready, and probing (the scheduler's run count moved since the last beat,
// when there are checks). A stalled slate stops beating, and the monitor
// that expects the beat pages someone.
func (a *Monitor) heartbeat(ctx context.Context, now time.Time) error {
	if err := a.Ready(ctx); err != nil {
		return fmt.Errorf("heartbeat withheld: %w", err)
	}
	cfg := a.cfg.Load()
	if moved := a.beats.moved(metric.CounterValue(a.reg, "slate_scheduler_runs_total")); len(cfg.LocalChecks()) > 0 && !moved {
		return errors.New("heartbeat withheld: no probe ran since the last beat")
	}
	body := fmt.Sprintf(`{"status":"ok","at":%q,"checks":%d}`, now.UTC().Format(time.RFC3339), len(cfg.Checks))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.Heartbeat.URL, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.heartbeatClient.Do(req)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("heartbeat: %s answered %s", cfg.Heartbeat.URL, resp.Status)
	}
	return nil
}

// prune applies the retention of raw results and minute history.
func (a *Monitor) prune(ctx context.Context, now time.Time) error {
	p, err := a.store.Prune(ctx, now)
	if err == nil && (p.Results > 0 || p.Days > 0) {
		a.log.Info("pruned", "results", p.Results, "history_days", p.Days)
	}
	return err
}

// backup takes and verifies a backup at level, and alerts while the level
// has none verified.
func (a *Monitor) backup(ctx context.Context, level string, now time.Time) error {
	_, err := backup.Take(ctx, a.store, BackupConfig(a.cfg.Load(), a.backups, now), level, now)
	return a.selfAlert(ctx, "backup/"+level, "no verified "+level+" backup", err, now)
}

// BackupConfig is the configuration's backup settings as package backup
// takes them; verification recomputes the credits of the periods that hold
// now.
func BackupConfig(cfg *config.Config, m *backup.Metrics, now time.Time) backup.Config {
	return backup.Config{Dir: cfg.Backup.Dir, SecondDir: cfg.Backup.SecondDir, Keep: cfg.Backup.Keep,
		Resolve: Resolver(&cfg.Catalog, now), Metrics: m}
}

// Resolver finds a contract of cat and its period holding now, for the
// recomputation of credits from a restored backup.
func Resolver(cat *catalog.Catalog, now time.Time) backup.Resolver {
	scheds := credit.Schedules(cat)
	return func(contract string) (credit.Contract, sla.Period, bool) {
		for _, s := range scheds {
			if s.Contract.ID == contract {
				return s.Contract, s.PeriodAt(now), true
			}
		}
		return credit.Contract{}, sla.Period{}, false
	}
}
