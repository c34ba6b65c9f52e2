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
	byContract := make(map[string]credit.Current, len(cur))
	for _, c := range cur {
		byContract[c.Statement.Contract.ID] = c
	}
	a.statusMu.Lock()
	a.current = byContract
	a.statusMu.Unlock()
	// Every replica keeps its figures for its pages and gauges; the
	// alerts they raise are the leader's.
	ctx, done, leading := a.asLeader(ctx)
	if !leading {
		return err
	}
	defer done()
	err = errors.Join(err, a.contractAlerts(ctx, cat, "SLA figures", "contract/", err, now))
	errs := []error{err, a.burnAlerts(ctx, now, cur)}
	for _, c := range cur {
		if err := a.coverageAlert(ctx, c, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// coverageAlert raises an alert for a contract whose current period can no
// longer reach its coverage threshold, and resolves it when that clears
// (a new period). It stays silent during the contract's warm-up: the first
// period in which its checks report (one of them had no evidence in the
// period before), whose coverage counts the time before they existed.
func (a *Monitor) coverageAlert(ctx context.Context, c credit.Current, now time.Time) error {
	st := c.Statement
	var low error
	if st.Flagged && st.CoverageUnreachable() {
		warm, err := a.warmingUp(ctx, c)
		if err != nil {
			return err
		}
		if !warm {
			low = fmt.Errorf("coverage %s%% of the period so far: below the contract's threshold, which it can no longer reach this period",
				sla.FormatFixed(st.CoveragePercent(), 2))
		}
	}
	if err := a.selfAlert(ctx, "coverage/"+st.Contract.ID, "evidence coverage low for "+st.Contract.ID, low, now); err != nil && low == nil {
		return err
	}
	return nil
}

// warmingUp reports whether c's period is its contract's first: some check
// of it has no evidence in the period before. Each contract's answer is
// kept for the period.
func (a *Monitor) warmingUp(ctx context.Context, c credit.Current) (bool, error) {
	p := c.Statement.Period
	key := c.Schedule.Contract.ID + "@" + p.Start.UTC().Format(time.RFC3339)
	a.due.mu.Lock()
	warm, ok := a.due.warm[key]
	a.due.mu.Unlock()
	if ok {
		return warm, nil
	}
	prev := c.Schedule.PeriodAt(p.Start.Add(-time.Nanosecond))
	reported, err := credit.ReportedBefore(ctx, a.store, c.Schedule.Contract.Checks, prev.Start, p.Start)
	if err != nil {
		return false, err
	}
	a.due.mu.Lock()
	if a.due.warm == nil {
		a.due.warm = map[string]bool{}
	}
	a.due.warm[key] = !reported
	a.due.mu.Unlock()
	return !reported, nil
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

// closeOwed is the period close as start-up and every minute run it: it
// records every period a contract owes and the ledger does not hold yet
// (credit.Schedule.Owed, from the ledger's latest period per contract), so
// that no restart, however timed, leaves a period unclosed. When nothing
// is owed it only reads the ledger's latest periods.
func (a *Monitor) closeOwed(ctx context.Context, now time.Time) error {
	cat, err := a.catalog(ctx)
	if err != nil {
		return err
	}
	through, err := a.store.ClosedThrough(ctx)
	if err != nil {
		return err
	}
	due := credit.DuePeriods(credit.Schedules(cat), through, false, now)
	if len(due) == 0 {
		return nil
	}
	n, err := credit.Close(ctx, a.store, Ledger{Store: a.store, Actor: closeActor}, due)
	if n > 0 {
		a.log.Info("period close", "periods", n)
	}
	return err
}

// closeActor names the period close in the audit log.
const closeActor = "slate/close"

// CloseDue is the period close that also records the last closed period
// again, with the maintenance announced at run time: a period already
// recorded with the same evidence is left alone, late evidence becomes an
// adjustment. It runs every quarter of an hour by the clock.
func (a *Monitor) CloseDue(ctx context.Context, now time.Time) error {
	cat, err := a.catalog(ctx)
	if err != nil {
		return err
	}
	n, err := CloseDue(ctx, a.store, cat, closeActor, now)
	if n > 0 {
		a.log.Debug("period close", "periods", n)
	}
	return errors.Join(err, a.contractAlerts(ctx, cat, "period close", "close/", err, now))
}

// CloseDue is the period close: for every contract of cat it records, in
// the store's ledger and as actor, every period it owes (those after the
// latest the ledger holds that ended at least the close grace ago, in the
// tenant's zone) and its last closed period again. It is what slate
// credits close runs; recording is idempotent, so running it again changes
// nothing unless the evidence did.
func CloseDue(ctx context.Context, store LedgerStore, cat *catalog.Catalog, actor string, now time.Time) (int, error) {
	through, err := store.ClosedThrough(ctx)
	if err != nil {
		return 0, err
	}
	return credit.Close(ctx, store, Ledger{Store: store, Actor: actor}, credit.DuePeriods(credit.Schedules(cat), through, true, now))
}

// dueTimes remembers when the jobs that run less often than their tick
// last ran; safe for concurrent use. A restart forgets it, which makes
// them run sooner, never later.
type dueTimes struct {
	mu      sync.Mutex
	pruned  time.Time            // retention
	beat    time.Time            // heartbeat
	backups map[string]time.Time // failed backup attempts, by level
	warm    map[string]bool      // contracts in their first period, by contract@period
}

// take reports whether a job last run at *last is due at now, given its
// period, and if so records now.
func (d *dueTimes) take(last *time.Time, now time.Time, every time.Duration) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !last.IsZero() && now.Sub(*last) < every {
		return false
	}
	*last = now
	return true
}

// pruneRetention is how often retention runs.
const pruneRetention = time.Hour

// pruneDue applies retention once an hour, and in the first minute after
// a start.
func (a *Monitor) pruneDue(ctx context.Context, now time.Time) error {
	if !a.due.take(&a.due.pruned, now, pruneRetention) {
		return nil
	}
	return a.prune(ctx, now)
}

// heartbeatDue beats once the heartbeat's interval has passed since the
// last beat (less half the job's tick, which checks), and in the first tick
// after a start.
func (a *Monitor) heartbeatDue(ctx context.Context, now time.Time, tick time.Duration) error {
	if !a.due.take(&a.due.beat, now, a.cfg.Load().Heartbeat.Interval-tick/2) {
		return nil
	}
	return a.heartbeat(ctx, now)
}

// backupRetry is how long after a failed backup the next attempt of its
// level waits: a snapshot is not retried every minute against a full disk.
const backupRetry = 10 * time.Minute

// backupsDue takes a backup of every configured level that has no good one
// in its current period (backup.Due: this hour, this UTC day, this ISO
// week), as the backup directory lists them: a restart skips none.
func (a *Monitor) backupsDue(ctx context.Context, now time.Time) error {
	cfg := a.cfg.Load()
	bs, err := backup.List(cfg.Backup.Dir)
	if err != nil {
		return a.selfAlert(ctx, "backup/list", "backups cannot be listed", err, now)
	}
	var errs []error
	for _, level := range cfg.Backup.Levels {
		if !backup.Due(bs, level, now) || !a.backupRetryDue(level, now) {
			continue
		}
		if err := a.backup(ctx, level, now); err != nil {
			a.due.mu.Lock()
			if a.due.backups == nil {
				a.due.backups = map[string]time.Time{}
			}
			a.due.backups[level] = now
			a.due.mu.Unlock()
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// backupRetryDue reports whether level may be tried at now: it did not
// fail within backupRetry.
func (a *Monitor) backupRetryDue(level string, now time.Time) bool {
	a.due.mu.Lock()
	defer a.due.mu.Unlock()
	failed, ok := a.due.backups[level]
	return !ok || now.Sub(failed) >= backupRetry
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

// prune applies the retention of raw results and minute history, and
// deletes the console sessions no one can use any more (expired, idle
// past the configured idle time, revoked). Both read what is due from the
// store, so an hour missed by a restart or a failover is made up.
func (a *Monitor) prune(ctx context.Context, now time.Time) error {
	p, err := a.store.Prune(ctx, now)
	if err == nil && (p.Results > 0 || p.Days > 0) {
		a.log.Info("pruned", "results", p.Results, "history_days", p.Days)
	}
	n, serr := a.store.PruneSessions(ctx, now, a.cfg.Load().Console.Session.Idle)
	if serr == nil && n > 0 {
		a.log.Info("pruned", "console_sessions", n)
	}
	return errors.Join(err, serr)
}

// backup takes and verifies a backup at level, and alerts while the level
// has none verified.
func (a *Monitor) backup(ctx context.Context, level string, now time.Time) error {
	_, err := a.takeBackup(ctx, BackupConfig(a.cfg.Load(), a.backups, now), level, now)
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
