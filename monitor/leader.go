package monitor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// LeaderLease is the name of the lease whose holder runs the singleton
// jobs.
const LeaderLease = "leader"

// LeaseStore is what leadership needs of a store shared by replicas: a
// lease timed by the database's clock (see store.Lease), and a way to ask
// whether the database answers.
type LeaseStore interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (store.Lease, error)
	RenewLease(ctx context.Context, l store.Lease) (store.Lease, error)
	ReleaseLease(ctx context.Context, l store.Lease) error
	Ping(ctx context.Context) error
}

// leadership decides whether this process runs the singleton jobs
// (detection and incidents, the period close, retention, backups, alerts
// about burn and coverage, the heartbeat, e-mail and alert delivery).
// Without a lease store (SQLite: one process owns the file) it always
// leads. With one, it leads while it holds the leader lease: it renews the
// lease every renew, and stops acting at the lease's Deadline, which by
// its own monotonic clock comes before the database lets another replica
// take the lease; work in flight is cancelled then.
type leadership struct {
	store  LeaseStore // nil: always the leader
	holder string
	ttl    time.Duration
	renew  time.Duration
	log    *slog.Logger
	// onGain runs when this process takes the lease, before it acts as
	// the leader: what another leader changed in the store is read again.
	// When it fails, the lease is given up and tried for again.
	onGain func(ctx context.Context) error
	// afterGain runs once this process acts as the leader: the catching
	// up that start-up does, so that a new leader closes what is owed at
	// once rather than at its next tick.
	afterGain func(ctx context.Context)

	mu      sync.Mutex
	lease   store.Lease // valid while lease.Held(time.Now())
	resumed bool        // onGain finished for lease's epoch: the leader may act
	renewed time.Time   // last acquisition or renewal, monotonic
	ctx     context.Context
	cancel  context.CancelFunc // cancels ctx when leadership ends
	expiry  *time.Timer        // ends leadership at the lease's Deadline
	dbErr   error              // the latest ping's error
	pinged  bool

	stop chan struct{}
	done chan struct{}
}

func newLeadership(ls LeaseStore, ttl, renew time.Duration, log *slog.Logger) *leadership {
	l := &leadership{store: ls, ttl: ttl, renew: renew, log: log, holder: holderName()}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	if ls == nil {
		return l // the leader for good; ctx is never cancelled
	}
	l.cancel() // not the leader until a lease is acquired
	return l
}

// holderName names this process in the lease row: host, process id and a
// random suffix, so that a restarted process is a new holder.
func holderName() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// leading reports whether this process may act as the leader now, and the
// context in which its singleton work runs: cancelled when leadership ends.
func (l *leadership) leading() (context.Context, bool) {
	if l.store == nil {
		return l.ctx, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lease.Epoch == 0 || !l.resumed {
		return nil, false
	}
	if !l.lease.Held(time.Now()) {
		l.loseLocked("lease deadline passed without a renewal")
		return nil, false
	}
	return l.ctx, true
}

// IsLeader reports whether this process runs the singleton jobs now.
func (l *leadership) IsLeader() bool { _, ok := l.leading(); return ok }

func (l *leadership) loseLocked(why string) {
	if l.lease.Epoch == 0 {
		return
	}
	l.log.Warn("leadership lost", "reason", why, "epoch", l.lease.Epoch)
	l.lease = store.Lease{}
	if l.expiry != nil {
		l.expiry.Stop()
	}
	l.cancel()
}

// pollEvery is how often the loop runs: a replica that does not lead
// tries for the lease this often, so that it takes over within a second
// of the lease's end; the leader renews every renew.
func (l *leadership) pollEvery() time.Duration { return min(l.renew, time.Second) }

// held records a lease just acquired or renewed, and arms the timer that
// ends leadership at its Deadline if no renewal comes first. Called with
// mu held.
func (l *leadership) heldLocked(lease store.Lease) {
	l.lease, l.renewed = lease, time.Now()
	if l.expiry != nil {
		l.expiry.Stop()
	}
	l.expiry = time.AfterFunc(time.Until(lease.Deadline), func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.lease.Epoch == lease.Epoch && !l.lease.Held(time.Now()) {
			l.loseLocked("lease deadline passed without a renewal")
		}
	})
}

// start makes the first try for the lease, then runs the loop until
// stopLoop.
func (l *leadership) start() {
	if l.store == nil {
		return
	}
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	if gained := l.tick(); gained != nil {
		<-gained // at start-up, catch up as the leader
	}
	go func() {
		defer close(l.done)
		t := time.NewTicker(l.pollEvery())
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				l.tick()
			}
		}
	}()
}

// stopLoop ends the renewal loop and releases a held lease, so that
// another replica takes over at once rather than after the TTL.
func (l *leadership) stopLoop(ctx context.Context) {
	if l.store == nil || l.stop == nil {
		return
	}
	close(l.stop)
	<-l.done
	l.stop = nil
	l.mu.Lock()
	lease := l.lease
	l.loseLocked("shutting down")
	l.mu.Unlock()
	if lease.Epoch != 0 {
		if err := l.store.ReleaseLease(ctx, lease); err != nil {
			l.log.Warn("release lease", "err", err)
		}
	}
}

// tick pings the database, then renews the held lease or tries to take
// it. Each request is bounded by the renewal interval, so a database that
// hangs cannot keep the loop past the lease's deadline. When it takes the
// lease it returns a channel closed once onGain has run: only then does
// this process act as the leader.
func (l *leadership) tick() <-chan struct{} {
	ctx, cancel := context.WithTimeout(context.Background(), l.renew)
	defer cancel()
	perr := l.store.Ping(ctx)
	l.mu.Lock()
	l.dbErr, l.pinged = perr, true
	held := l.lease
	if held.Epoch != 0 && !held.Held(time.Now()) {
		l.loseLocked("lease deadline passed without a renewal")
		held = store.Lease{}
	}
	l.mu.Unlock()
	if held.Epoch != 0 {
		l.mu.Lock()
		due := time.Since(l.renewed) >= l.renew-l.pollEvery()/2
		l.mu.Unlock()
		if !due {
			return nil
		}
		next, err := l.store.RenewLease(ctx, held)
		l.mu.Lock()
		defer l.mu.Unlock()
		switch {
		case err == nil && l.lease.Epoch == held.Epoch:
			l.heldLocked(next)
		case errors.Is(err, store.ErrLeaseLost):
			l.loseLocked(err.Error())
		case err != nil:
			// Still ours until its deadline: leading() stops at it.
			l.log.Warn("renew lease", "err", err, "left", time.Until(held.Deadline).Round(time.Millisecond))
		}
		return nil
	}
	got, err := l.store.AcquireLease(ctx, LeaderLease, l.holder, l.ttl)
	if err != nil {
		if !errors.Is(err, store.ErrLeaseHeld) {
			l.log.Warn("acquire lease", "err", err)
		}
		return nil
	}
	l.mu.Lock()
	l.heldLocked(got)
	l.resumed = false
	l.ctx, l.cancel = context.WithCancel(context.Background())
	gctx := l.ctx
	l.mu.Unlock()
	gained := make(chan struct{})
	// Not in this loop: a slow catch-up must not delay the renewal.
	go func() {
		defer close(gained)
		if l.onGain != nil {
			if err := l.onGain(gctx); err != nil {
				l.mu.Lock()
				if l.lease.Epoch == got.Epoch {
					l.loseLocked(fmt.Sprintf("catching up as the leader: %v", err))
				}
				l.mu.Unlock()
				ctx, cancel := context.WithTimeout(context.Background(), l.renew)
				defer cancel()
				l.store.ReleaseLease(ctx, got) //nolint:errcheck // it lapses at its TTL otherwise
				return
			}
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.lease.Epoch == got.Epoch {
			l.resumed = true
			l.log.Info("leading", "holder", l.holder, "epoch", got.Epoch)
			if l.afterGain != nil {
				go l.afterGain(gctx)
			}
		}
	}()
	return gained
}

// health is the latest ping's error: nil while the database answers (and
// always without a lease store, whose health WriteHealth tells).
func (l *leadership) health() error {
	if l.store == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case !l.pinged:
		return errors.New("database not reached yet")
	case l.dbErr != nil:
		return fmt.Errorf("database unreachable: %w", l.dbErr)
	}
	return nil
}

// state is what /metrics shows: leading or not, the lease's epoch and
// the seconds since this process last acquired or renewed it (0 when not
// leading).
func (l *leadership) state() (leader bool, epoch int64, age float64) {
	if l.store == nil {
		return true, 0, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lease.Epoch == 0 || !l.resumed || !l.lease.Held(time.Now()) {
		return false, 0, 0
	}
	return true, l.lease.Epoch, time.Since(l.renewed).Seconds()
}

// register exports leadership and database health on reg.
func (l *leadership) register(reg prometheus.Registerer) error {
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	cs := []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slate_leader",
			Help: "1 while this process runs the singleton jobs (it holds the leader lease, or the store is SQLite)."},
			func() float64 { v, _, _ := l.state(); return b(v) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slate_leader_epoch",
			Help: "Epoch of the leader lease this process holds; 0 when it does not lead or the store is SQLite."},
			func() float64 { _, e, _ := l.state(); return float64(e) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slate_leader_lease_age_seconds",
			Help: "Seconds since this process last acquired or renewed the leader lease; 0 when it does not lead."},
			func() float64 { _, _, a := l.state(); return a }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slate_database_up",
			Help: "1 when the store's database answered the latest ping (always 1 on SQLite)."},
			func() float64 { return b(l.health() == nil) }),
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// asLeader derives the context of singleton work from ctx: cancelled also
// when leadership ends. ok is false, and nothing is to be done, when this
// process does not lead.
func (a *Monitor) asLeader(ctx context.Context) (context.Context, context.CancelFunc, bool) {
	lctx, ok := a.lead.leading()
	if !ok {
		return nil, nil, false
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(lctx, cancel)
	return ctx, func() { stop(); cancel() }, true
}

// leaderJob is job run by the leader only: on other replicas it does
// nothing.
func (a *Monitor) leaderJob(job func(context.Context, time.Time) error) func(context.Context, time.Time) error {
	return func(ctx context.Context, now time.Time) error {
		ctx, done, ok := a.asLeader(ctx)
		if !ok {
			return nil
		}
		defer done()
		return job(ctx, now)
	}
}

// IsLeader reports whether this process runs the singleton jobs now:
// always on SQLite, while it holds the leader lease on PostgreSQL.
func (a *Monitor) IsLeader() bool { return a.lead.IsLeader() }

// regainDetection forgets the detector's state and reads it again from
// the store: run when this process becomes the leader, since another
// leader may have judged minutes and changed incidents meanwhile. What
// fires of the burn-rate, self and location alerts is forgotten too: it
// is read again from the outbox, where another leader may have raised or
// resolved them.
func (a *Monitor) regainDetection(ctx context.Context) error {
	a.burnMu.Lock()
	clear(a.burning)
	a.burnMu.Unlock()
	a.detectMu.Lock()
	defer a.detectMu.Unlock()
	a.detector = incident.Detector{Hold: a.cfg.Load().Detection.RecoveryHold}
	a.tracked = map[*incident.Incident]*db.Incident{}
	return a.resumeDetection(ctx)
}

// leaderOutbox is the outbox as the alert sender reads it: empty on a
// replica that does not lead, so that one replica delivers. Leadership is
// not what keeps an alert from being sent twice: two leaders that overlap
// (one paused past its lease) claim alerts in the store, and neither takes
// what the other holds.
type leaderOutbox struct {
	alert.Store
	lead *leadership
}

// ClaimAlerts claims due alerts while this process leads, none otherwise.
func (o leaderOutbox) ClaimAlerts(ctx context.Context, now time.Time, limit int, claimant string, hold time.Duration) ([]db.Alert, error) {
	if !o.lead.IsLeader() {
		return nil, nil
	}
	return o.Store.ClaimAlerts(ctx, now, limit, claimant, hold)
}

// describe is what /readyz says of leadership and the database.
func (l *leadership) describe() string {
	if l.store == nil {
		return "leader: yes (one process owns the SQLite store)\n"
	}
	db := "database: up\n"
	if err := l.health(); err != nil {
		db = "database: down\n"
	}
	leader, epoch, age := l.state()
	if !leader {
		return "leader: no\n" + db
	}
	return fmt.Sprintf("leader: yes (epoch %d, lease renewed %.1fs ago, ttl %s)\n%s", epoch, age, l.ttl, db)
}

// followStatus keeps the status pages of a replica that does not lead:
// detection, which notes how each service stands for the pages, is the
// leader's, so this judges each service's present minute from the
// stored evidence (reading only), notes it, and rebuilds the pages with
// what others changed (incidents, maintenance). The leader only rebuilds.
func (a *Monitor) followStatus(ctx context.Context, now time.Time) error {
	if a.lead.IsLeader() {
		return a.RefreshStatus(ctx, now)
	}
	cfg, byID := a.cfg.Load(), *a.timing.Load()
	cat, err := a.catalog(ctx)
	if err != nil {
		return err
	}
	current := now.UTC().Truncate(time.Minute)
	var errs []error
	for _, svc := range cat.Services {
		checks := cat.ServiceChecks(svc.ID)
		if len(checks) == 0 {
			continue
		}
		t := serviceTiming(cfg.ServiceChecks(svc.ID), byID)
		present := make([]incident.CheckMinute, len(checks))
		var err error
		for j, ch := range checks {
			var w credit.Window
			w, err = credit.JudgeWindow(ctx, a.store, credit.Check{ID: ch.ID, Locations: ch.Locations, Confirmation: ch.Confirmation},
				current, 1, detectLookback, t.recent)
			if err != nil {
				break
			}
			present[j] = incident.CheckMinute{CheckID: ch.ID, Tenant: ch.Tenant, State: w.Now, Failing: w.NowFailing}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("follow %s: %w", svc.ID, err))
			continue
		}
		o := observe(cat, svc.ID, current, present)
		a.noteStates(cat, svc.ID, current, present, o.State == sla.StateMaintenance)
	}
	return errors.Join(append(errs, a.RefreshStatus(ctx, now))...)
}
