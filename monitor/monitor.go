package monitor

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/dashboard/adminapi"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/pgstore"
)

// Monitor is a running slate: probing, detection and the incident
// lifecycle, status page rebuilds, the period close, retention, backups,
// alert delivery and the HTTP server, built from a configuration. New
// builds it, Start (or Run) starts it, Stop drains it.
type Monitor struct {
	detector    incident.Detector                   // open incidents and progress per service; guarded by detectMu
	tracked     map[*incident.Incident]*db.Incident // the stored form of each open incident; guarded by detectMu
	detectMu    sync.Mutex
	arrived     *arrivals     // checks with new evidence, for detection on arrival
	agents      *agentHub     // the locations' agents, see agents.go
	detectEvery time.Duration // how often detection looks for minutes that became final
	stopDetect  context.CancelFunc
	detected    chan struct{} // closed when the detection loop returns
	pages       PageListener  // nil unless the store notifies page changes
	followKick  chan struct{} // asks followPages for a rebuild
	stopFollow  context.CancelFunc
	followed    chan struct{}   // closed when followPages returns
	burning     map[string]bool // burn-rate rules and self-alerts firing, by dedup key; guarded by burnMu
	burnMu      sync.Mutex
	sender      *alert.Sender
	lead        *leadership // whether this process runs the singleton jobs
	takeBackup  func(ctx context.Context, cfg backup.Config, level string, now time.Time) (backup.Backup, error)
	mail        *mailer // e-mail through the outbox; nil when e-mail is off
	auth        *tokenAuth
	stopSend    context.CancelFunc
	sent        chan error

	log             *slog.Logger
	beats           progress // scheduler runs at the previous heartbeat
	watched         progress // scheduler runs at the previous watchdog look
	due             dueTimes // when the jobs that run less than every minute last ran
	heartbeatClient *http.Client
	now             func() time.Time
	drain           time.Duration
	cfg             atomic.Pointer[config.Config]                // the running configuration, swapped on reload
	timing          atomic.Pointer[map[string]timing]            // each check's detection timing, from the probes cfg no longer holds
	agentLists      atomic.Pointer[map[string][]collector.Check] // the checks each location's agent runs, likewise
	reg             *prometheus.Registry
	store           Store
	sched           *collector.Scheduler
	web             *dashboard.Server
	sla             *credit.Exporter // guarded by slaMu: its update keeps state
	slaMu           sync.Mutex
	backups         *backup.Metrics
	cron            *cron.Cron
	jobs            map[string]cron.EntryID // the cron entry of each job, by name
	started         atomic.Bool
	draining        atomic.Bool
	stopOnce        sync.Once                       // stop is safe to call twice (a test and its cleanup)
	refreshMu       sync.Mutex                      // serialises status page rebuilds
	postmortems     map[[2]int64]renderedPostmortem // published post-mortems by incident and version; guarded by refreshMu
	impacts         map[impactKey][]string          // tenants' own impact lines; guarded by refreshMu
	// viewOf replaces catalog.IncidentFor, the rule by which the pages
	// show readers incidents, when not nil: only tests set it, to show
	// that the isolation matrix finds a reader seeing what it may not.
	viewOf       func(cat *catalog.Catalog, r catalog.Reader, inc incident.Incident, affected []string) (incident.Incident, []string, bool)
	idKey        []byte                        // the key of public IDs, once read; guarded by refreshMu
	statusMu     sync.Mutex                    // guards services, tenantStates, bars and current
	services     map[string]serviceNow         // latest judged minute per service, for the status page
	tenantStates map[string]serviceNow         // the same per tenant, by "tenant/service": shared checks and the tenant's own
	bars         map[string][]dashboard.DayBar // daily bars per set of checks (barsKey)
	current      map[string]credit.Current     // latest SLA figures by contract ID
	stopErr      error
	served       chan error
}

// Options are the settings that do not come from the configuration file.
type Options struct {
	Log *slog.Logger     // nil discards
	Now func() time.Time // nil means time.Now
	// DrainTimeout bounds Run's drain once its context is done; 0 means
	// 30s.
	DrainTimeout time.Duration
	// DetectEvery is how often detection looks for minutes that became
	// final without new evidence (evidence itself is judged on arrival);
	// 0 means DefaultDetectEvery.
	DetectEvery time.Duration
}

// Open opens the store the configuration names (the PostgreSQL database
// of storage.url, or the SQLite file of storage.path), with a new
// registry carrying the Go and process collectors, and builds the monitor
// on it: the wiring of slate serve, slate demo and slate bench status.
func Open(cfg *config.Config, opts Options) (*Monitor, error) {
	if !cfg.Storage.Postgres() {
		m, _, err := OpenSQLite(cfg, opts)
		return m, err
	}
	opts = opts.withDefaults()
	reg := newRegistry()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store, err := pgstore.Open(ctx, cfg.Storage.URL, pgstore.Options{
		Registerer:       reg,
		Now:              opts.Now,
		RawRetention:     cfg.Storage.RawRetention,
		HistoryRetention: cfg.Storage.HistoryRetention,
	})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", cfg.Storage.Where(), err)
	}
	m, err := New(cfg, store, reg, opts)
	if err != nil {
		store.Close()
		return nil, err
	}
	return m, nil
}

// newRegistry is a registry carrying the Go and process collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// OpenSQLite is Open that also returns the store as *db.DB, for tests and
// tools that reach past the store contract.
func OpenSQLite(cfg *config.Config, opts Options) (*Monitor, *db.DB, error) {
	opts = opts.withDefaults()
	reg := newRegistry()
	store, err := db.Open(cfg.Storage.Path, db.Options{
		Registerer:       reg,
		Now:              opts.Now,
		RawRetention:     cfg.Storage.RawRetention,
		HistoryRetention: cfg.Storage.HistoryRetention,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("open store: %w", err)
	}
	m, err := New(cfg, store, reg, opts)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return m, store, nil
}

func (o Options) withDefaults() Options {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 30 * time.Second
	}
	if o.DetectEvery <= 0 {
		o.DetectEvery = DefaultDetectEvery
	}
	return o
}

// New builds a monitor for cfg on store, registering its metrics on reg
// and serving them. The monitor owns the store from here: Stop closes it.
// On error the store is left open for the caller to close.
func New(cfg *config.Config, backend Store, reg *prometheus.Registry, opts Options) (*Monitor, error) {
	opts = opts.withDefaults()
	arrived := newArrivals()
	store := arrivalStore{Store: backend, arrived: arrived}
	sched, err := collector.New(store, reg)
	if err != nil {
		return nil, err
	}
	sched.Location = cfg.Collector.Location
	sched.Workers = cfg.Collector.Workers
	sched.CheckSeries = cfg.Collector.CheckSeries
	sched.Now = opts.Now
	sched.Logger = opts.Log
	sched.Heartbeats.Store = pushBeats{backend}
	if err := sched.Reload(cfg.Probes); err != nil {
		return nil, fmt.Errorf("load checks: %w", err)
	}
	exporter, err := credit.NewExporter(reg)
	if err != nil {
		return nil, err
	}
	backups, err := backup.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	a := &Monitor{log: opts.Log, now: opts.Now, drain: opts.DrainTimeout, reg: reg, store: store, sched: sched, sla: exporter,
		backups: backups, served: make(chan error, 1), heartbeatClient: &http.Client{Timeout: 10 * time.Second},
		arrived: arrived, detectEvery: opts.DetectEvery}
	a.setConfig(cfg)
	if err := a.chooseEngine(cfg, backend); err != nil {
		return nil, err
	}
	a.detector.Hold = cfg.Detection.RecoveryHold
	a.tracked, a.burning = map[*incident.Incident]*db.Incident{}, map[string]bool{}
	if err := a.resumeDetection(context.Background()); err != nil {
		return nil, err
	}
	a.services, a.tenantStates = map[string]serviceNow{}, map[string]serviceNow{}
	if a.sender, err = alert.NewSender(store, Receivers(cfg), reg); err != nil {
		return nil, err
	}
	a.sender.Now = opts.Now
	a.sender.Store = leaderOutbox{Store: store, lead: a.lead}
	a.sender.Claimant = a.lead.holder
	if a.mail, err = newMailer(a, cfg); err != nil {
		return nil, err
	}
	if a.mail != nil {
		a.sender.Deliverers = map[string]alert.Deliverer{MailReceiver: a.mail.deliverer()}
		// Every SMTP connection may be busy at once.
		a.sender.PerReceiver = max(a.sender.PerReceiver, cfg.Email.Connections)
		a.sender.Concurrency = max(a.sender.Concurrency, a.sender.PerReceiver+alert.DefaultPerReceiver)
	}
	if err := a.buildWeb(cfg); err != nil {
		return nil, err
	}
	a.cron = a.schedule(cfg)
	return a, nil
}

// buildWeb builds the HTTP server: pages, push heartbeats, tokens and
// links, and the admin API.
func (a *Monitor) buildWeb(cfg *config.Config) error {
	a.web = dashboard.NewServer(a.reg)
	a.web.Push = a.sched.Heartbeats
	a.web.Ready = a.Ready
	a.web.ReadyDetail = a.lead.describe
	a.auth = newTokenAuth(a.store, a.now)
	a.web.Auth = a.auth
	// The key is read again every dashboard.LinkKeyCacheTTL, so that
	// slate link rotate revokes the links of a running slate too.
	a.web.LinkKey = func(ctx context.Context) ([]byte, error) { return a.store.Secret(ctx, LinkKeyName) }
	a.web.LinkMaxTTL = cfg.Server.LinkMaxTTL
	if err := a.web.TrustProxies(cfg.Server.TrustedProxies); err != nil {
		return fmt.Errorf("server.trusted_proxies: %w", err)
	}
	a.web.RateLimit = rate.Limit(cfg.Server.RateLimit)
	a.web.SecureCookies = strings.HasPrefix(cfg.Server.PublicURL, "https://")
	a.web.Now = a.now
	a.web.Log = a.log
	a.web.Statements = a.statement
	a.web.FeedTokens = feedTokens{a.store}
	a.web.Logo, a.web.LogoType = cfg.Provider.LogoData, cfg.Provider.LogoType
	if cfg.Email.Enabled() {
		a.web.Subscriptions = &dashboard.Subscriptions{BaseURL: cfg.PublicBase(), Keys: a.subscriptionKeys,
			Components: a.subscribeComponents, RequestConfirmation: a.requestConfirmation, Store: a.store,
			PerAddressHour: cfg.Email.PerAddressHour, PerClientHour: cfg.Email.PerClientHour}
	}
	api := &adminapi.API{Store: a.store, Now: a.now,
		Catalog:    func() *catalog.Catalog { return &a.cfg.Load().Catalog },
		Notify:     a.peopleAlerts,
		Refresh:    a.refreshAfterWrite,
		Statements: a.statement,
		PublicIDKey: func(ctx context.Context) ([]byte, error) {
			return a.store.Secret(ctx, PublicIDKeyName)
		},
		Impact: func(ctx context.Context, inc incident.Incident, tenants []string) ([]incident.TenantImpact, error) {
			cat, err := a.catalog(ctx)
			if err != nil {
				return nil, err
			}
			return credit.Impact(ctx, a.store, cat, inc, tenants, a.now()), nil
		},
	}
	api.Register(a.web)
	if cfg.Console.Enabled() {
		a.web.HandleConsole(a.newConsole(cfg).Handler())
	}
	var err error
	if a.agents, err = newAgentHub(a.reg, newHealthCollector(a)); err != nil {
		return err
	}
	a.mountAgents()
	return nil
}

// refreshAfterWrite rebuilds the status pages after an admin API write; a
// failure is logged, the write already stood.
func (a *Monitor) refreshAfterWrite(ctx context.Context) {
	if err := a.RefreshStatus(ctx, a.now()); err != nil {
		a.log.Error("status page", "err", err)
	}
}

// schedule builds the cron that triggers the jobs. Cron only triggers:
// each job is a method taking the time, which tests call directly, and
// derives what is due from the store (the ledger, the backups on disk, the
// detection progress), so that a restart, however timed, skips nothing:
// the jobs that catch up are also run at start-up (startUp), and those
// with a period longer than a minute look every minute whether they are
// due. A job whose previous run is still going skips its tick
// (SkipIfStillRunning), so no job ever runs twice at once. Detection is
// not here: it runs on arrival (detectLoop).
func (a *Monitor) schedule(cfg *config.Config) *cron.Cron {
	logger := cronLogger{a.log}
	c := cron.New(cron.WithLocation(time.UTC), cron.WithLogger(logger), cron.WithChain(cron.SkipIfStillRunning(logger)))
	a.jobs = map[string]cron.EntryID{}
	add := func(spec, name string, job func(context.Context, time.Time) error) {
		id, err := c.AddFunc(spec, func() { a.runJob(name, job) })
		if err != nil {
			panic(fmt.Sprintf("cron spec %q of %s: %v", spec, name, err)) // the specs are constants
		}
		a.jobs[name] = id
	}
	// Every replica serves pages: it keeps its own figures and pages.
	add("@every 1m", "sla metrics", a.UpdateSLA)
	add("@every 1m", "status page", a.RefreshStatus)
	add("@every 1m", "watchdog", a.watchdog)
	add("@every 10m", "status bars", a.refreshBars)
	add("@every 1m", "token usage", a.auth.flushUsage)
	if cfg.Storage.Postgres() {
		// Other replicas change incidents and maintenance, and only the
		// leader detects: the pages follow at once when told
		// (followPages), and the service states within a renewal interval.
		add(fmt.Sprintf("@every %s", cfg.Storage.LeaseRenew), "status follow", func(context.Context, time.Time) error {
			a.kickFollow()
			return nil
		})
	}
	// The singleton jobs: the leader's alone.
	lead := func(spec, name string, job func(context.Context, time.Time) error) { add(spec, name, a.leaderJob(job)) }
	lead("@every 1m", "location silence", a.LocationSilence)
	lead("@every 1m", "repeat notifications", a.repeatAlerts)
	lead("@every 1m", "retention", a.pruneDue)
	// Every minute, the periods the ledger does not hold yet; every
	// quarter of an hour by the clock, the last closed period again, so
	// that late evidence becomes an adjustment.
	lead("@every 1m", "period close", a.closeOwed)
	lead("*/15 * * * *", "period re-close", a.CloseDue)
	lead("@every 1m", "credit.issued events", a.notifyIssued)
	if cfg.Email.Enabled() {
		lead("@every 1m", "e-mail", a.notifyMail)
	}
	if cfg.Backup.Enabled() {
		lead("@every 1m", "backups", a.backupsDue)
	}
	if hb := cfg.Heartbeat; hb.URL != "" {
		tick := min(hb.Interval, time.Minute)
		beat := a.leaderJob(func(ctx context.Context, now time.Time) error { return a.heartbeatDue(ctx, now, tick) })
		a.jobs["heartbeat"] = c.Schedule(cron.Every(tick), cron.FuncJob(func() { a.runJob("heartbeat", beat) }))
	}
	return c
}

// cronLogger sends cron's own messages (a skipped tick) to the log.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" {
		l.log.Warn("job still running; tick skipped")
	}
}

func (l cronLogger) Error(err error, msg string, kv ...any) { l.log.Error("cron: "+msg, "err", err) }

// runJob runs one periodic job and logs its failure; a failing job is
// retried at its next tick.
func (a *Monitor) runJob(name string, job func(context.Context, time.Time) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := job(ctx, a.now()); err != nil {
		a.log.Error("job", "job", name, "err", err)
	}
}

// Ready reports whether slate does its job now: started, not draining,
// and the store accepting writes.
func (a *Monitor) Ready(context.Context) error {
	switch {
	case a.draining.Load():
		return errors.New("shutting down")
	case !a.started.Load():
		return errors.New("starting")
	}
	if err := a.lead.health(); err != nil {
		return err
	}
	return a.store.WriteHealth()
}

// Start catches up with what happened while slate was not running, then
// begins probing, detection on arrival, the jobs, alert delivery and
// serving HTTP on l. Catching up judges every minute since the last judged
// one, closes every period that is due and computes the SLA figures, so
// that pages and alerts are right from the first request.
func (a *Monitor) Start(l net.Listener) error {
	ctx, now := context.Background(), a.now()
	a.lead.start() // the first try for the lease is made before catching up
	a.startUp(ctx, now)
	if err := a.sched.Start(); err != nil {
		return err
	}
	detectCtx, stopDetect := context.WithCancel(context.Background())
	a.stopDetect, a.detected = stopDetect, make(chan struct{})
	go func() { defer close(a.detected); a.detectLoop(detectCtx, a.detectEvery) }()
	if a.pages != nil {
		followCtx, stopFollow := context.WithCancel(context.Background())
		a.stopFollow, a.followed = stopFollow, make(chan struct{})
		go func() { defer close(a.followed); a.followPages(followCtx, a.pages) }()
	}
	a.cron.Start()
	sendCtx, cancel := context.WithCancel(context.Background())
	a.stopSend, a.sent = cancel, make(chan error, 1)
	go func() { a.sent <- a.sender.Run(sendCtx) }()
	go func() { a.served <- a.web.Serve(l) }()
	a.started.Store(true)
	return nil
}

// startUp is what Start does before anything runs: detection catches up,
// the periods due are closed, the SLA figures and the status pages are
// built. A failure is logged; the jobs retry it.
func (a *Monitor) startUp(ctx context.Context, now time.Time) {
	// On PostgreSQL the leader's part runs when leadership is gained
	// (afterGain), at start or later.
	a.catchUp(ctx, now, a.lead.store == nil)
}

// catchUp runs the catching-up jobs: as the leader, detection and the
// close first; then the figures and bars every replica keeps.
func (a *Monitor) catchUp(ctx context.Context, now time.Time, leader bool) {
	type step struct {
		name string
		job  func(context.Context, time.Time) error
	}
	steps := []step{{"sla metrics", a.UpdateSLA}, {"status bars", a.refreshBars}}
	if leader {
		steps = append([]step{{"incident detection", a.leaderJob(a.Detect)}, {"period close", a.leaderJob(a.closeOwed)}}, steps...)
	}
	for _, s := range steps {
		if err := s.job(ctx, now); err != nil {
			a.log.Error("catching up", "job", s.name, "err", err)
		}
	}
}

// ServeMetrics serves /metrics on l, without a credential, until Stop:
// the metrics listener (server.metrics_listen), which only the Prometheus
// servers should reach. Call it once, before or after Start.
func (a *Monitor) ServeMetrics(l net.Listener) {
	go func() {
		if err := a.web.ServeMetrics(l); err != nil {
			a.log.Error("metrics listener", "addr", l.Addr().String(), "err", err)
		}
	}()
}

// Served delivers the HTTP server's error if it stops on its own.
func (a *Monitor) Served() <-chan error { return a.served }

// Run starts the monitor on l and runs it until ctx is done or the HTTP
// server fails, then drains within Options.DrainTimeout.
func (a *Monitor) Run(ctx context.Context, l net.Listener) error {
	if err := a.Start(l); err != nil {
		return errors.Join(err, a.Stop(context.Background()))
	}
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-a.served:
		runErr = fmt.Errorf("http server: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), a.drain)
	defer cancel()
	return errors.Join(runErr, a.Stop(sctx))
}

// Reload applies a new configuration: its checks (unchanged ones keep their
// schedule), catalogue, routes and recovery hold. Settings that need a
// restart (config.RestartNeeded: the store, the listen address, the
// receivers...) are left as they are.
func (a *Monitor) Reload(cfg *config.Config) error {
	if err := a.sched.Reload(cfg.Probes); err != nil {
		return err
	}
	a.setConfig(cfg)
	a.detectMu.Lock()
	a.detector.Hold = cfg.Detection.RecoveryHold
	a.detectMu.Unlock()
	return nil
}

// setConfig keeps cfg as the monitor runs on it: each check's detection
// timing and each agent's check list, then cfg without the probe definitions, which the scheduler has
// taken what it needs of. At 600 bytes a check they would be the largest
// thing a running slate holds per check.
func (a *Monitor) setConfig(cfg *config.Config) {
	byID, lists := timings(cfg), agentChecks(cfg)
	a.timing.Store(&byID)
	a.agentLists.Store(&lists)
	c := *cfg
	c.Probes = nil
	a.cfg.Store(&c)
}

// Stop drains: readiness turns red, the HTTP server stops taking requests,
// probes in flight finish and every result is written before the store
// closes. It is safe to call twice.
func (a *Monitor) Stop(ctx context.Context) error {
	a.stopOnce.Do(func() { a.stopErr = a.shutdown(ctx) })
	return a.stopErr
}

// shutdown is Stop's work, done once.
func (a *Monitor) shutdown(ctx context.Context) error {
	a.draining.Store(true)
	var errs []error
	if a.stopDetect != nil {
		a.stopDetect()
		<-a.detected
	}
	if a.stopFollow != nil {
		a.stopFollow()
		<-a.followed
	}
	<-a.cron.Stop().Done() // jobs in flight finish before the store closes
	if a.stopSend != nil {
		a.stopSend() // undelivered alerts stay in the outbox for the next start
		<-a.sent
		a.stopSend = nil
	}
	a.lead.stopLoop(ctx) // released: another replica leads at once
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
	if a.mail != nil {
		a.mail.sender.Close() // QUIT on idle connections; failures do not matter
	}
	if err := a.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	return errors.Join(errs...)
}

// catalog is the running configuration's catalogue with the maintenance
// announced at run time.
func (a *Monitor) catalog(ctx context.Context) (*catalog.Catalog, error) {
	return WithStoredMaintenance(ctx, &a.cfg.Load().Catalog, a.store)
}

// Store is the store the monitor runs on, for the harnesses that run it
// (slate demo, slate bench) and tests.
func (a *Monitor) Store() Store { return a.store }

// Gatherer is the registry the monitor's metrics are on.
func (a *Monitor) Gatherer() prometheus.Gatherer { return a.reg }

// Config is the running configuration, without its probe definitions
// (Probes), which only the scheduler keeps.
func (a *Monitor) Config() *config.Config { return a.cfg.Load() }

// Scheduler is the monitor's probe scheduler.
func (a *Monitor) Scheduler() *collector.Scheduler { return a.sched }

// chooseEngine sets what differs between the engines: backups (a file
// snapshot, or pg_dump) and leadership (always the leader on SQLite, a
// lease on PostgreSQL, where replicas share the store).
func (a *Monitor) chooseEngine(cfg *config.Config, backend Store) error {
	var ls LeaseStore
	switch b := backend.(type) {
	case *pgstore.Store:
		ls, a.pages, a.followKick = b, b, make(chan struct{}, 1)
	case backup.Store:
	default:
		return fmt.Errorf("store %T takes no backups", backend)
	}
	a.takeBackup = func(ctx context.Context, bc backup.Config, level string, now time.Time) (backup.Backup, error) {
		return TakeBackup(ctx, backend, bc, level, now)
	}
	ttl, renew := cfg.Storage.LeaseTTL, cfg.Storage.LeaseRenew
	if renew <= 0 {
		renew = ttl / 3
	}
	a.lead = newLeadership(ls, ttl, renew, a.log)
	a.lead.onGain = a.regainDetection
	a.lead.afterGain = func(ctx context.Context) { a.catchUp(ctx, a.now(), true) }
	return a.lead.register(a.reg)
}

// TakeBackup takes a backup of s at level with the engine's own means: a
// file snapshot of SQLite (backup.Take), pg_dump of PostgreSQL
// (backup.TakePostgres). Either is restored and checked before it is
// called good.
func TakeBackup(ctx context.Context, s Store, bc backup.Config, level string, now time.Time) (backup.Backup, error) {
	switch b := s.(type) {
	case *pgstore.Store:
		return backup.TakePostgres(ctx, b, bc, level, now, backup.PostgresOptions{})
	case backup.Store:
		return backup.Take(ctx, b, bc, level, now)
	}
	return backup.Backup{}, fmt.Errorf("store %T takes no backups", s)
}

// peopleAlerts are the notifications of a person's change to inc, for
// the admin API and the console to enqueue with the change.
func (a *Monitor) peopleAlerts(ctx context.Context, inc *db.Incident, now time.Time) (func(int64) ([]db.Alert, error), error) {
	describe, err := a.describer(ctx)
	if err != nil {
		return nil, err
	}
	return describe.PeopleAlerts(Router(a.cfg.Load()), inc, now), nil
}
