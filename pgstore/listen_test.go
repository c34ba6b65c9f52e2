package pgstore_test

import (
	"context"
	"fmt"
	"net"
	neturl "net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/store"
	"github.com/slatehq/slate/store/storetest"
)

// listeners counts the sessions listening for page changes on the
// database at url (their last statement was the LISTEN).
func listeners(t *testing.T, url string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND query = 'LISTEN slate_pages' AND pid != pg_backend_pid()`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// listening is a ListenPages running on its own goroutine, its calls
// counted.
type listening struct {
	heard  chan struct{}
	failed chan error
	stop   func() // cancels it and waits for it to return
}

func listen(t *testing.T, s *pgstore.Store, o pgstore.ListenOptions) *listening {
	ctx, cancel := context.WithCancel(context.Background())
	l := &listening{heard: make(chan struct{}, 64), failed: make(chan error, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.ListenPages(ctx, o, func() { l.heard <- struct{}{} }, func(err error) { l.failed <- err })
	}()
	var once sync.Once
	l.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(l.stop)
	return l
}

// hear waits up to 10 s for a change to be said; what names it.
func (l *listening) hear(t *testing.T, what string) {
	t.Helper()
	select {
	case <-l.heard:
	case err := <-l.failed:
		t.Fatalf("%s: listening failed: %v", what, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing heard within 10 s", what)
	}
}

// fail waits up to 10 s for a failure to be told.
func (l *listening) fail(t *testing.T, what string) error {
	t.Helper()
	select {
	case err := <-l.failed:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no failure told within 10 s", what)
		return nil
	}
}

// recordCredit records a credit for period through s: a change the pages
// show.
func recordCredit(t *testing.T, s *pgstore.Store, period string) {
	t.Helper()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	_, _, err := s.RecordClose(context.Background(), store.Credit{Tenant: "acme", Contract: "acme-c", Period: period,
		PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0), UptimeExact: "1", UptimePercent: "100.0000",
		BreachMinutes: "0", CreditPercent: "0", CoveragePercent: "100.0000", Currency: "EUR",
		EvidenceHash: fmt.Sprintf("%064x", len(period))}, false, "close")
	if err != nil {
		t.Fatal(err)
	}
}

func openAt(t *testing.T, url string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), url, pgstore.Options{Now: storetest.FixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestListenPagesHearsOtherReplicas: a replica says a change as soon as it
// listens (what committed before is not notified to it), then hears a credit
// another replica records as soon as it commits, and not the evidence
// another writes (ingest stays without triggers); when its connection is
// cut it says so, reconnects, reports a change for what it may have
// missed, and hears the next change; stopped, it leaves no session behind.
func TestListenPagesHearsOtherReplicas(t *testing.T) {
	url := pgtest.NewDatabase(t)
	writer, listener := openAt(t, url), openAt(t, url)
	l := listen(t, listener, pgstore.ListenOptions{Retry: 50 * time.Millisecond})
	l.hear(t, "listening: a change is said at once, for what came before")
	if n := listeners(t, url); n != 1 {
		t.Fatalf("%d sessions listening, want 1", n)
	}

	storetest.Write(t, writer, storetest.Result("web", "local", storetest.At(0, 0), false))
	recordCredit(t, writer, "2026-03")
	l.hear(t, "a credit recorded by another replica")
	// The credit's one notification came after the result was written: had
	// the evidence notified, a second would be queued by now.
	select {
	case <-l.heard:
		t.Error("heard two notifications for one credit after a result was written: ingest notifies")
	case <-time.After(200 * time.Millisecond):
	}

	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND query = 'LISTEN slate_pages'`); err != nil {
		t.Fatal(err)
	}
	t.Logf("listening failed, as it should: %v", l.fail(t, "the connection cut"))
	l.hear(t, "listening again, for what it may have missed")
	recordCredit(t, writer, "2026-04")
	l.hear(t, "a credit recorded after the reconnection")

	l.stop()
	testkit.Eventually(t, "no session listening once stopped", 10*time.Second, func() bool { return listeners(t, url) == 0 })
}

// blackhole is a TCP proxy on 127.0.0.1 to the database at url that can
// silence the connections it carries — they stay open but nothing passes,
// as when a firewall drops a flow — and refuse new ones.
type blackhole struct {
	ln      net.Listener
	url     string // the database through the proxy
	network string
	target  string
	mu      sync.Mutex
	conns   []*atomic.Bool // each connection's silence
	refuse  atomic.Bool
}

func newBlackhole(t *testing.T, url string) *blackhole {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{network: "tcp", target: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))}
	if len(cfg.Host) > 0 && cfg.Host[0] == '/' {
		b.network, b.target = "unix", fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	if b.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.ln.Close() })
	u := &neturl.URL{Scheme: "postgres", Host: b.ln.Addr().String(), Path: "/" + cfg.Database,
		RawQuery: neturl.Values{"sslmode": {"disable"}}.Encode()}
	u.User = neturl.UserPassword(cfg.User, cfg.Password)
	b.url = u.String()
	go b.serve()
	return b
}

func (b *blackhole) serve() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		if b.refuse.Load() {
			c.Close()
			continue
		}
		up, err := net.Dial(b.network, b.target)
		if err != nil {
			c.Close()
			continue
		}
		silent := &atomic.Bool{}
		b.mu.Lock()
		b.conns = append(b.conns, silent)
		b.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				if err != nil {
					dst.Close()
					return
				}
				if !silent.Load() {
					dst.Write(buf[:n])
				}
			}
		}
		go pipe(up, c)
		go pipe(c, up)
	}
}

// silence makes every connection carried so far pass nothing.
func (b *blackhole) silence() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.conns {
		s.Store(true)
	}
}

// TestListenPagesFindsADeadConnection: a listening connection quiet for
// longer than Check is pinged and kept while it answers; one that goes
// silent without closing (the flow dropped) is found dead by the ping,
// told and replaced; a database that cannot
// be reached is told once, however many attempts fail, and once it is back
// the pages are said to have changed.
func TestListenPagesFindsADeadConnection(t *testing.T) {
	url := pgtest.NewDatabase(t)
	writer := openAt(t, url)
	bh := newBlackhole(t, url)
	listener := openAt(t, bh.url)
	l := listen(t, listener, pgstore.ListenOptions{Retry: 20 * time.Millisecond, MaxRetry: 40 * time.Millisecond, Check: 300 * time.Millisecond})
	l.hear(t, "listening through the proxy")
	// Quiet but alive for more than three Checks: pinged, kept.
	select {
	case err := <-l.failed:
		t.Fatalf("a quiet, healthy connection was given up: %v", err)
	case <-l.heard:
		t.Fatal("a quiet, healthy connection was replaced (a change said for nothing)")
	case <-time.After(time.Second):
	}

	bh.silence()
	t.Logf("the silent connection, told: %v", l.fail(t, "a silent connection"))
	l.hear(t, "listening again on a new connection")
	recordCredit(t, writer, "2026-03")
	l.hear(t, "a credit recorded after the silent connection was replaced")

	bh.refuse.Store(true)
	bh.silence()
	l.fail(t, "the database unreachable")
	// Attempts every 40 ms for a second: about 25, all failing.
	select {
	case err := <-l.failed:
		t.Errorf("a second failure told during one outage: %v", err)
	case <-l.heard:
		t.Error("a change said while the database cannot be reached")
	case <-time.After(time.Second):
	}
	bh.refuse.Store(false)
	l.hear(t, "listening again once the database is reachable")
}
