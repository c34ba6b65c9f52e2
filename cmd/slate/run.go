package main

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/robfig/cron/v3"
	"golang.org/x/time/rate"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// The wiring checks that each concrete type fits the interface its user
// declares.
var (
	_ collector.Store = (*db.DB)(nil)
	_ credit.History  = (*db.DB)(nil)
)

// app is a running slate: store, scheduler and HTTP server, built from a
// configuration. It owns no logic; it connects the packages that do.
type app struct {
	detector incident.Detector                   // open incidents per service; guarded by detectMu
	tracked  map[*incident.Incident]*db.Incident // the stored form of each open incident; guarded by detectMu
	detectMu sync.Mutex
	burning  map[string]bool // burn-rate rules firing, by dedup key; guarded by burnMu
	burnMu   sync.Mutex
	sender   *alert.Sender
	auth     *tokenAuth
	stopSend context.CancelFunc
	sent     chan error

	log             *slog.Logger
	lastRuns        float64 // scheduler runs at the previous heartbeat
	watchRuns       float64 // scheduler runs at the previous watchdog look
	heartbeatClient *http.Client
	now             func() time.Time
	cfg             atomic.Pointer[Config] // the running configuration, swapped on reload
	reg             *prometheus.Registry
	store           *db.DB
	sched           *collector.Scheduler
	web             *dashboard.Server
	sla             *credit.Exporter
	cron            *cron.Cron
	started         atomic.Bool
	draining        atomic.Bool
	stopOnce        sync.Once                     // stop is safe to call twice (a test and its cleanup)
	refreshMu       sync.Mutex                    // serialises status page rebuilds
	postmortems     map[[2]int64]template.HTML    // rendered published post-mortems by incident and version; guarded by refreshMu
	statusMu        sync.Mutex                    // guards services
	services        map[string]serviceNow         // latest judged minute per service, for the status page
	tenantStates    map[string]serviceNow         // the same per tenant, by "tenant/service": shared checks and the tenant's own; guarded by statusMu
	bars            map[string][]dashboard.DayBar // daily bars per set of checks (barsKey); guarded by statusMu
	current         map[string]credit.Current     // latest SLA figures by contract ID; guarded by statusMu
	stopErr         error
	served          chan error
}

// appOptions are the settings that do not come from the configuration file.
type appOptions struct {
	Log *slog.Logger
	Now func() time.Time // nil means time.Now
}

func newApp(cfg *Config, opts appOptions) (*app, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	store, err := db.Open(cfg.Storage.Path, db.Options{
		Registerer:       reg,
		Now:              opts.Now,
		RawRetention:     cfg.Storage.RawRetention,
		HistoryRetention: cfg.Storage.HistoryRetention,
	})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	sched, err := collector.New(store, reg)
	if err != nil {
		store.Close()
		return nil, err
	}
	sched.Location = cfg.Collector.Location
	sched.Workers = cfg.Collector.Workers
	sched.Now = opts.Now
	sched.Logger = opts.Log
	if err := sched.Reload(probeChecks(cfg)); err != nil {
		store.Close()
		return nil, fmt.Errorf("load checks: %w", err)
	}
	exporter, err := credit.NewExporter(reg)
	if err != nil {
		store.Close()
		return nil, err
	}
	backupMetrics, err := backup.NewMetrics(reg)
	if err != nil {
		store.Close()
		return nil, err
	}
	a := &app{log: opts.Log, now: opts.Now, reg: reg, store: store, sched: sched, sla: exporter, served: make(chan error, 1),
		heartbeatClient: &http.Client{Timeout: 10 * time.Second}}
	a.cfg.Store(cfg)
	a.tracked, a.burning = map[*incident.Incident]*db.Incident{}, map[string]bool{}
	if err := a.resumeIncidents(context.Background()); err != nil {
		store.Close()
		return nil, err
	}
	a.services, a.tenantStates = map[string]serviceNow{}, map[string]serviceNow{}
	if a.sender, err = alert.NewSender(store, receivers(cfg), reg); err != nil {
		store.Close()
		return nil, err
	}
	a.sender.Now = opts.Now
	a.web = dashboard.NewServer(reg)
	a.web.Push = sched.Heartbeats
	a.web.Ready = a.ready
	a.auth = newTokenAuth(store, opts.Now)
	a.web.Auth = a.auth
	a.web.LinkKey = func(ctx context.Context) ([]byte, error) { return store.Secret(ctx, linkKeyName) }
	a.web.LinkMaxTTL = cfg.Server.LinkMaxTTL
	if err := a.web.TrustProxies(cfg.Server.TrustedProxies); err != nil {
		store.Close()
		return nil, fmt.Errorf("server.trusted_proxies: %w", err)
	}
	a.web.RateLimit = rate.Limit(cfg.Server.RateLimit)
	a.web.SecureCookies = strings.HasPrefix(cfg.Server.PublicURL, "https://")
	a.web.Now = opts.Now
	a.web.Log = opts.Log
	a.registerAdmin()
	// Cron only triggers; each job is a method that tests call directly.
	a.cron = cron.New(cron.WithLocation(time.UTC))
	a.cron.AddFunc("@every 1m", func() { a.runJob("sla metrics", a.updateSLAMetrics) })
	a.cron.AddFunc("@every 1m", func() { a.runJob("incident detection", a.detect) })
	a.cron.AddFunc("@every 1m", func() { a.runJob("watchdog", a.watchdog) })
	a.cron.AddFunc("@every 10m", func() { a.runJob("status bars", a.refreshBars) })
	a.cron.AddFunc("@every 1m", func() { a.runJob("repeat notifications", a.repeatAlerts) })
	a.cron.AddFunc("@every 1m", func() { a.runJob("token usage", a.auth.flushUsage) })
	a.cron.AddFunc("@hourly", func() { a.runJob("retention", a.prune) })
	// Each run closes the last period that ended at least its grace ago,
	// in each tenant's zone; a period already recorded with the same
	// evidence is left alone, late evidence becomes an adjustment.
	a.cron.AddFunc("@every 15m", func() { a.runJob("period close", a.closeDue) })
	if cfg.Backup.Enabled() {
		for _, level := range cfg.Backup.Levels {
			level := level
			a.cron.AddFunc("@"+level, func() {
				a.runJob(level+" backup", func(ctx context.Context, now time.Time) error {
					_, err := backup.Take(ctx, a.store, backupConfig(a.cfg.Load(), backupMetrics), level, now)
					return a.selfAlert(ctx, "backup/"+level, "no verified "+level+" backup", err, now)
				})
			})
		}
	}
	if hb := cfg.Heartbeat; hb.URL != "" {
		a.cron.Schedule(cron.Every(hb.Interval), cron.FuncJob(func() { a.runJob("heartbeat", a.heartbeat) }))
	}
	return a, nil
}

// runJob runs one periodic job and logs its failure; a failing job is
// retried at its next tick.
func (a *app) runJob(name string, job func(context.Context, time.Time) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := job(ctx, a.now()); err != nil {
		a.log.Error("job", "job", name, "err", err)
	}
}

// updateSLAMetrics refreshes every contract's SLA gauges and, from the same
// figures, evaluates the burn-rate rules and raises an alert for a contract
// whose current period's coverage fell below its threshold (resolving both
// when they clear).
func (a *app) updateSLAMetrics(ctx context.Context, now time.Time) error {
	cfg, err := a.config(ctx)
	if err != nil {
		return err
	}
	cur, err := a.sla.Update(ctx, a.store, schedules(cfg), now)
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

// watchdog raises alerts on slate's own faults: store commits failing, and
// the scheduler stalled (no probe ran since the last look, while there are
// checks). Each resolves by itself when the fault clears.
func (a *app) watchdog(ctx context.Context, now time.Time) error {
	var errs []error
	if err := a.selfAlert(ctx, "slate/store", "store writes failing", a.store.WriteHealth(), now); err != nil && a.store.WriteHealth() == nil {
		errs = append(errs, err)
	}
	runs := counterValue(a.reg, "slate_scheduler_runs_total")
	var stalled error
	if len(a.cfg.Load().Checks) > 0 && runs <= a.watchRuns {
		stalled = errors.New("no probe ran in the last minute")
	}
	a.watchRuns = runs
	if err := a.selfAlert(ctx, "slate/scheduler", "scheduler stalled", stalled, now); err != nil && stalled == nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// config is the running configuration with the maintenance announced at
// run time.
func (a *app) config(ctx context.Context) (*Config, error) {
	return withStoredMaintenance(ctx, a.cfg.Load(), a.store)
}

// closeDue records every contract's last closed period in the ledger.
func (a *app) closeDue(ctx context.Context, now time.Time) error {
	cfg, err := a.config(ctx)
	if err != nil {
		return err
	}
	n, err := credit.CloseDue(ctx, a.store, ledger{store: a.store, actor: "slate/close"}, schedules(cfg), now)
	if n > 0 {
		a.log.Debug("period close", "contracts", n)
	}
	return err
}

// heartbeat tells the outside monitor slate is alive — only while it is:
// ready, and probing (the scheduler's run count moved since the last beat,
// when there are checks). A stalled slate stops beating, and the monitor
// that expects the beat pages someone.
func (a *app) heartbeat(ctx context.Context, now time.Time) error {
	if err := a.ready(ctx); err != nil {
		return fmt.Errorf("heartbeat withheld: %w", err)
	}
	cfg := a.cfg.Load()
	runs := counterValue(a.reg, "slate_scheduler_runs_total")
	if len(cfg.Checks) > 0 && runs <= a.lastRuns {
		return errors.New("heartbeat withheld: no probe ran since the last beat")
	}
	a.lastRuns = runs
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
func (a *app) prune(ctx context.Context, now time.Time) error {
	p, err := a.store.Prune(ctx, now)
	if err == nil && (p.Results > 0 || p.Days > 0) {
		a.log.Info("pruned", "results", p.Results, "history_days", p.Days)
	}
	return err
}

// probeChecks are the configuration's checks as the collector takes them.
func probeChecks(cfg *Config) []collector.Check {
	out := make([]collector.Check, len(cfg.Checks))
	for i, c := range cfg.Checks {
		out[i] = c.Check
	}
	return out
}

func (a *app) ready(context.Context) error {
	switch {
	case a.draining.Load():
		return errors.New("shutting down")
	case !a.started.Load():
		return errors.New("starting")
	}
	return a.store.WriteHealth()
}

// start begins probing and serving HTTP on l.
func (a *app) start(l net.Listener) error {
	if err := a.sched.Start(); err != nil {
		return err
	}
	if err := a.refreshBars(context.Background(), a.now()); err != nil {
		a.log.Error("status page", "err", err)
	}
	a.cron.Start()
	sendCtx, cancel := context.WithCancel(context.Background())
	a.stopSend, a.sent = cancel, make(chan error, 1)
	go func() { a.sent <- a.sender.Run(sendCtx) }()
	go func() { a.served <- a.web.Serve(l) }()
	a.started.Store(true)
	return nil
}

// reload applies a new configuration's checks; unchanged checks keep their
// schedule. Settings that need a restart (storage, listen address) are
// reported and left as they are.
func (a *app) reload(cfg *Config) error {
	if err := a.sched.Reload(probeChecks(cfg)); err != nil {
		return err
	}
	a.cfg.Store(cfg)
	return nil
}

// stop drains: readiness turns red, the HTTP server stops taking requests,
// probes in flight finish and every result is written before the store
// closes.
func (a *app) stop(ctx context.Context) error {
	a.stopOnce.Do(func() { a.stopErr = a.shutdown(ctx) })
	return a.stopErr
}

// shutdown is stop's work, done once.
func (a *app) shutdown(ctx context.Context) error {
	a.draining.Store(true)
	var errs []error
	<-a.cron.Stop().Done() // jobs in flight finish before the store closes
	if err := a.auth.flushUsage(ctx, a.now()); err != nil {
		errs = append(errs, fmt.Errorf("token usage: %w", err))
	}
	if a.stopSend != nil {
		a.stopSend() // undelivered alerts stay in the outbox for the next start
		<-a.sent
	}
	if err := a.web.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("stop http: %w", err))
	}
	if err := a.sched.Stop(ctx); err != nil {
		errs = append(errs, fmt.Errorf("stop probes: %w", err))
	}
	if err := a.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	return errors.Join(errs...)
}
