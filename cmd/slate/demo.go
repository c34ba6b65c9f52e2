package main

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// slate demo runs the real app (the code path of slate serve) against
// scripted servers on 127.0.0.1, on a store it first fills with months of
// history modelled on real outages: so that a newcomer sees, within
// seconds, what slate shows after a bad quarter.

//go:embed demo.yaml
var demoYAML string // read-only: the built-in configuration

const demoUsage = `Usage: slate demo [--listen ADDR] [--data DIR]

Runs slate on a built-in configuration (cmd/slate/demo.yaml) against
scripted servers on 127.0.0.1, after writing history into its store (90 days,
and back to the start of each contract's last closed period): a messenger
whose sign-in and contact lists failed for most of a week, hosted mail with a
degraded fortnight and two outages (proactive credits and a published
post-mortem), a phone sync outage that ended in restoring users' data from
backups, maintenance past and upcoming, and three tenants' closed credit
periods. The probes then run live: message delivery fails 2 minutes in every
10 and webmail is slow 3 minutes in every 10, so the page changes while you
watch.

With --data DIR the store is kept in DIR and reused by the next run with the
same DIR; without it a temporary directory is used and removed on exit.

Flags:
`

// demoMarker is the file in the data directory that says the store in it
// is a demo's, and when its history was generated. A store without it is
// never used by the demo: it could be someone's real evidence.
const demoMarker = "slate-demo.json"

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("demo", stderr, demoUsage)
	listen := fs.String("listen", defaultListen, "address to serve the status page on")
	data := fs.String("data", "", "directory of the demo's store, kept and reused; default a temporary one, removed on exit")
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, "slate demo: takes no arguments; see slate demo --help")
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := demo(ctx, demoOptions{Listen: *listen, DataDir: *data}, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "slate demo: %v\n", err)
		return exitFail
	}
	return exitOK
}

// demoOptions are what runDemo and tests choose.
type demoOptions struct {
	Listen  string // address of the status page; ":0" ports pick a free one
	DataDir string // "" for a temporary directory removed on exit
	// ScriptNow is the clock the scripted servers read to decide how to
	// answer; nil means time.Now. Tests move it to flip a check at will.
	ScriptNow func() time.Time
	// Started, if set, is called once the demo serves, with what it runs.
	Started func(demoRun)
}

// demoRun is a running demo, for tests.
type demoRun struct {
	App   *app
	Base  string    // http://host:port
	Story demoStory // what the store was filled with (on a reused store: regenerated for its generation time)
}

// demo fills (or reuses) the store, serves until ctx is done, and stops
// everything it started. It prints where to look on stdout; the app logs
// its warnings and errors on stderr.
func demo(ctx context.Context, o demoOptions, stdout, stderr io.Writer) (err error) {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if o.ScriptNow == nil {
		o.ScriptNow = time.Now
	}
	// The address first: a busy port should be reported before any work.
	l, err := net.Listen("tcp", o.Listen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%s is already in use (another slate running?); choose another address with --listen, e.g. --listen 127.0.0.1:8081", o.Listen)
		}
		return fmt.Errorf("listen on %s: %w", o.Listen, err)
	}
	defer l.Close() // a no-op once the server took it

	dir, temporary := o.DataDir, o.DataDir == ""
	if temporary {
		if dir, err = os.MkdirTemp("", "slate-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}

	targets, err := startDemoTargets(o.ScriptNow)
	if err != nil {
		return err
	}
	defer targets.close()
	if dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	cfg, text, err := demoConfig(targets.addrs, dir, l.Addr().String())
	if err != nil {
		return err
	}

	began := time.Now()
	generated, reused, err := demoStore(ctx, cfg, dir, began)
	if err != nil {
		return err
	}
	story := buildDemoStory(cfg, generated)
	// The other commands read the same configuration, ports and all.
	if err := os.WriteFile(filepath.Join(dir, "slate.yaml"), []byte(text), 0o644); err != nil {
		return err
	}

	a, err := newApp(cfg, appOptions{Log: log})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if serr := a.stop(sctx); serr != nil && err == nil {
			err = serr
		}
	}()
	if err := a.start(l); err != nil {
		return err
	}
	// The page is built now rather than at the first minute's tick: the
	// SLA figures, the last minute of every service, the snapshot.
	now := time.Now()
	if err := a.updateSLAMetrics(ctx, now); err != nil {
		log.Warn("sla metrics", "err", err)
	}
	if err := a.detect(ctx, now); err != nil {
		return fmt.Errorf("first status: %w", err)
	}
	base := "http://" + l.Addr().String()
	pingCtx, stopPing := context.WithCancel(ctx)
	var pinging sync.WaitGroup
	pinging.Go(func() { demoHeartbeats(pingCtx, cfg, base) })
	defer func() { stopPing(); pinging.Wait() }()

	if err := printDemo(ctx, stdout, a, cfg, story, base, dir, temporary, reused, time.Since(began)); err != nil {
		return err
	}
	if o.Started != nil {
		o.Started(demoRun{App: a, Base: base, Story: story})
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-a.served:
		return fmt.Errorf("http server: %w", err)
	}
}

// demoConfig is the built-in configuration with its placeholders filled
// in: the scripted servers' addresses, the data directory and the listen
// address. It returns the configuration and its text.
func demoConfig(addrs map[string]string, dir, listen string) (*Config, string, error) {
	// Single-quoted YAML: the only character to escape is the quote.
	quote := func(s string) string { return strings.ReplaceAll(s, "'", "''") }
	pairs := []string{"${data}", quote(dir), "${listen}", quote(listen)}
	for name, addr := range addrs {
		pairs = append(pairs, "${"+name+"}", addr)
	}
	text := strings.NewReplacer(pairs...).Replace(demoYAML)
	cfg, err := ParseConfig("demo.yaml", strings.NewReader(text))
	if err != nil {
		return nil, "", err
	}
	for _, c := range cfg.Checks {
		if strings.Contains(c.Target, "${") {
			return nil, "", fmt.Errorf("demo.yaml: checks %s: target %q names no scripted server", c.ID, c.Target)
		}
	}
	return cfg, text, nil
}

// demoStore makes sure dir holds a demo store: it reuses one the demo
// made before, and otherwise fills a new one with the story of now. It
// returns the time the store's history was generated for.
func demoStore(ctx context.Context, cfg *Config, dir string, now time.Time) (generated time.Time, reused bool, err error) {
	marker := filepath.Join(dir, demoMarker)
	var m struct {
		Generated time.Time `json:"generated"`
	}
	_, dbErr := os.Stat(cfg.Storage.Path)
	b, markErr := os.ReadFile(marker)
	switch {
	case dbErr == nil && markErr == nil:
		if err := json.Unmarshal(b, &m); err != nil || m.Generated.IsZero() {
			return time.Time{}, false, fmt.Errorf("%s is not a demo marker; remove %s to start afresh", marker, dir)
		}
		if err := checkDatabase(ctx, cfg); err != nil {
			return time.Time{}, false, err
		}
		return m.Generated, true, nil
	case dbErr == nil:
		return time.Time{}, false, fmt.Errorf("%s holds a store the demo did not make (or one it did not finish); give an empty directory to --data", dir)
	case !errors.Is(dbErr, os.ErrNotExist):
		return time.Time{}, false, dbErr
	}
	now = now.UTC().Truncate(time.Minute)
	if err := seedDemo(ctx, cfg, buildDemoStory(cfg, now)); err != nil {
		// The store is the demo's own, half written: the next run starts
		// afresh instead of refusing it.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(cfg.Storage.Path + suffix)
		}
		return time.Time{}, false, fmt.Errorf("generate the demo's history: %w", err)
	}
	m.Generated = now
	b, _ = json.Marshal(m) // a time always marshals
	if err := os.WriteFile(marker, append(b, '\n'), 0o644); err != nil {
		return time.Time{}, false, err
	}
	return now, false, nil
}

// printDemo tells the newcomer where to look.
func printDemo(ctx context.Context, w io.Writer, a *app, cfg *Config, story demoStory, base, dir string, temporary, reused bool, took time.Duration) error {
	first, pm, err := demoLinks(ctx, a.store)
	if err != nil {
		return err
	}
	days := int(story.Now.Sub(story.Start) / (24 * time.Hour))
	if reused {
		fmt.Fprintf(w, "slate demo: reusing the store in %s (history generated %s)\n", dir, story.Now.Format(time.RFC3339))
	} else {
		fmt.Fprintf(w, "slate demo: %d days of per-minute history for %d checks, %d incidents, %d tenants' credits; ready in %s\n",
			days, len(cfg.Checks), len(story.Incidents), len(cfg.Tenants), took.Round(100*time.Millisecond))
	}
	fmt.Fprintf(w, "  Status page:     %s/\n", base)
	if first != 0 {
		fmt.Fprintf(w, "  An incident:     %s/incidents/%d   (the messenger's week without sign-in)\n", base, first)
	}
	if pm != 0 {
		fmt.Fprintf(w, "  Post-mortem:     %s/incidents/%d   (the mail outage, with proactive credits)\n", base, pm)
	}
	fmt.Fprintf(w, "  Statuspage API:  %s/api/v2/summary.json\n", base)
	fmt.Fprintf(w, "  Metrics:         %s/metrics\n", base)
	where := dir
	if temporary {
		where += " (removed on exit; keep it with --data DIR)"
	}
	fmt.Fprintf(w, "  Data:            %s\n", where)
	fmt.Fprintf(w, "  Ledger:          slate credits list --config %s   (also report, incidents)\n", filepath.Join(dir, "slate.yaml"))
	extra, err := demoAccess(ctx, a.store, cfg)
	if err != nil {
		return err
	}
	for _, line := range extra {
		fmt.Fprintf(w, "  %s\n", line)
	}
	fmt.Fprintln(w, "Ctrl-C to stop.")
	return nil
}

// demoAccess makes the credentials a newcomer needs to look past the
// public page: a viewer token and a signed day-long link for the first
// tenant's private page, and an admin token for the admin API. Each run
// makes fresh ones; tokens are shown once, like slate token create does.
func demoAccess(ctx context.Context, store *db.DB, cfg *Config) ([]string, error) {
	if len(cfg.Tenants) == 0 {
		return nil, nil
	}
	t := cfg.Tenants[0]
	viewer, _, err := store.CreateToken(ctx, db.NewToken{Name: "demo viewer of " + t.ID, Role: db.RoleViewer, Tenant: t.ID}, "slate/demo")
	if err != nil {
		return nil, err
	}
	admin, _, err := store.CreateToken(ctx, db.NewToken{Name: "demo admin", Role: db.RoleAdmin}, "slate/demo")
	if err != nil {
		return nil, err
	}
	link, _, err := tenantLink(ctx, store, cfg, t.ID, time.Now().Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	base := publicBase(cfg)
	return []string{
		fmt.Sprintf("Tenant page:     %s/status/%s   (%s; sign in with the viewer token)", base, t.ID, cmp.Or(t.Name, t.ID)),
		fmt.Sprintf("Viewer token:    %s", viewer),
		fmt.Sprintf("Signed link:     %s   (opens the tenant page for 24h)", link),
		fmt.Sprintf("Admin API:       curl -H 'Authorization: Bearer %s' %s/api/admin/credits", admin, base),
	}, nil
}

// demoLinks finds the incidents the demo points at: the messenger's
// sign-in outage and the incident with the published post-mortem.
func demoLinks(ctx context.Context, store *db.DB) (first, postmortem int64, err error) {
	incs, err := store.Incidents(ctx, db.IncidentFilter{})
	if err != nil {
		return 0, 0, err
	}
	for _, inc := range incs {
		if inc.Service == "messenger-login" && (first == 0 || inc.ID < first) {
			first = inc.ID
		}
		if inc.PublishedPostmortem > 0 && postmortem == 0 {
			postmortem = inc.ID
		}
	}
	return first, postmortem, nil
}

// The scripted servers.

// demoBehaviour is how a scripted server answers one request.
type demoBehaviour int

const (
	demoOK   demoBehaviour = iota
	demoFail               // HTTP 503, or a TCP connection closed without a greeting
	demoSlow               // the answer comes after demoSlowness, past the checks' max_latency
)

// demoSlowness is how long a slow answer takes: more than the 1s
// max_latency of the demo's HTTP checks.
const demoSlowness = 1500 * time.Millisecond

// demoScript decides how server name answers its n-th request (from 0) at
// now. It follows the wall clock's minutes, so every 10 minutes the live
// page goes through one outage and one slowdown: message delivery fails
// in minutes :x8 and :x9 (a confirmed outage), webmail is slow on every
// third request in minutes :x3 to :x5 (a degraded service). Everything
// else answers at once.
func demoScript(name string, now time.Time, n uint64) demoBehaviour {
	m := now.UTC().Minute() % 10
	switch {
	case name == "delivery" && m >= 8:
		return demoFail
	case name == "webmail" && m >= 3 && m <= 5 && n%3 == 2:
		return demoSlow
	}
	return demoOK
}

// demoTargets are the scripted servers, by the name the configuration's
// targets use.
type demoTargets struct {
	addrs     map[string]string // name -> 127.0.0.1:port
	servers   []*http.Server
	listeners []net.Listener // of the TCP servers
	conns     sync.WaitGroup // the TCP servers' goroutines
	mu        sync.Mutex
	open      map[net.Conn]bool // the TCP servers' connections, closed by close; guarded by mu
	closed    bool              // guarded by mu
}

// startDemoTargets starts the scripted servers: HTTP ones answer any path
// with "ok", TCP ones greet as IMAP and SMTP servers do; now is the clock
// their script reads.
func startDemoTargets(now func() time.Time) (*demoTargets, error) {
	httpNames := []string{"login", "contacts", "delivery", "webmail", "sync", "restore", "www", "api"}
	greetings := map[string]string{"imap": "* OK IMAP4rev1 demo server ready\r\n", "smtp": "220 mail.demo.invalid ESMTP ready\r\n"}
	t := &demoTargets{addrs: map[string]string{}, open: map[net.Conn]bool{}}
	listen := func(name string) (net.Listener, error) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.close()
			return nil, fmt.Errorf("scripted server %s: %w", name, err)
		}
		t.addrs[name] = l.Addr().String()
		return l, nil
	}
	for _, name := range httpNames {
		l, err := listen(name)
		if err != nil {
			return nil, err
		}
		var n atomic.Uint64
		srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch demoScript(name, now(), n.Add(1)-1) {
			case demoFail:
				http.Error(w, "unavailable", http.StatusServiceUnavailable)
				return
			case demoSlow:
				select {
				case <-time.After(demoSlowness):
				case <-r.Context().Done():
					return
				}
			}
			fmt.Fprintln(w, "ok")
		})}
		t.servers = append(t.servers, srv)
		go srv.Serve(l)
	}
	for _, name := range slices.Sorted(maps.Keys(greetings)) {
		l, err := listen(name)
		if err != nil {
			return nil, err
		}
		t.listeners = append(t.listeners, l)
		greeting := greetings[name]
		var n atomic.Uint64
		t.conns.Go(func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return // closed
				}
				if !t.track(c, true) {
					c.Close()
					return
				}
				t.conns.Go(func() {
					defer func() { t.track(c, false); c.Close() }()
					if demoScript(name, now(), n.Add(1)-1) != demoOK {
						return
					}
					c.SetDeadline(time.Now().Add(5 * time.Second))
					io.WriteString(c, greeting)
					io.Copy(io.Discard, c) // until the probe hangs up, close or the deadline
				})
			}
		})
	}
	return t, nil
}

// track adds c to the open connections (add) or removes it; it refuses
// to add once the servers are closing.
func (t *demoTargets) track(c net.Conn, add bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !add {
		delete(t.open, c)
		return true
	}
	if t.closed {
		return false
	}
	t.open[c] = true
	return true
}

// close stops every scripted server and waits for their goroutines.
func (t *demoTargets) close() {
	for _, s := range t.servers {
		s.Close()
	}
	t.mu.Lock()
	t.closed = true
	for _, l := range t.listeners {
		l.Close()
	}
	for c := range t.open {
		c.Close()
	}
	t.mu.Unlock()
	t.conns.Wait()
}

// demoHeartbeats plays the notification dispatcher: it calls each push
// check's /push/{token} a few times a minute until ctx is done.
func demoHeartbeats(ctx context.Context, cfg *Config, base string) {
	client := &http.Client{Timeout: 5 * time.Second}
	tick := time.NewTicker(20 * time.Second)
	defer tick.Stop()
	for {
		for _, c := range cfg.Checks {
			if c.Kind != collector.KindPush {
				continue
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/push/"+c.Push.Token, nil)
			if err != nil {
				return
			}
			if resp, err := client.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// The story: what happened before the demo starts. It is a pure function
// of the configuration and the generation time, so a reused store's story
// is rebuilt exactly, and tests derive what they expect from it.

// demoSpan is a stretch of minutes [Start, End) in which a check was down
// or degraded. Every other minute of the history is up.
type demoSpan struct {
	Check      string
	State      sla.State // sla.StateDown or sla.StateDegraded
	Start, End time.Time
}

// demoIncident is an incident of the story as slate would have recorded
// it: the detector's entries and people's updates, statuses filled in.
type demoIncident struct {
	Service    string
	Severity   incident.Severity
	Tenants    []string
	Started    time.Time // the first failing minute
	Ended      time.Time // the first minute of the recovery
	Timeline   []incident.Entry
	Postmortem *demoPostmortem // nil for none
}

// Status is where the incident ends up.
func (i demoIncident) Status() incident.Status { return i.Timeline[len(i.Timeline)-1].Status }

// demoPostmortem is a post-mortem written, saved and published at At. Its
// markdown is incident.Template's, with these sections filled in.
type demoPostmortem struct {
	At                                          time.Time
	Author                                      string
	Summary, RootCause, Resolution, ActionItems string
}

// demoMaintenance is a window announced at Announced by Actor.
type demoMaintenance struct {
	Services              []string
	Title                 string
	Start, End, Announced time.Time
	Actor                 string
}

// demoStory is everything the demo writes into a new store.
type demoStory struct {
	Now         time.Time // the history ends here (exclusive), on a minute
	Start       time.Time // the history begins here, a UTC midnight
	Spans       []demoSpan
	Incidents   []demoIncident // by start
	Maintenance []demoMaintenance
	// Approver names, by contract ID, the account manager who approves
	// that contract's closed periods; the others' stay computed, or are
	// issued at close when the contract says auto_issue.
	Approver map[string]string
}

// demoPhase is one stretch of an outage in one state.
type demoPhase struct {
	State      sla.State
	Start, End time.Time
}

// outage records a service's failing phases (contiguous, in time order) as
// spans of its checks and as the incident slate opens on them, with the
// detector's entries and people's notes.
func (s *demoStory) outage(cfg *Config, service string, sev incident.Severity, phases []demoPhase, notes ...incident.Entry) *demoIncident {
	var checks []string
	for _, c := range cfg.Checks {
		if c.Service == service {
			checks = append(checks, c.ID)
		}
	}
	var failing []string
	for _, c := range checks {
		failing = append(failing, c+"@"+cfg.Collector.Location)
	}
	inc := demoIncident{Service: service, Severity: sev, Started: phases[0].Start, Ended: phases[len(phases)-1].End}
	inc.Tenants = affectedTenants(cfg, service, []incident.CheckMinute{{State: sla.StateDown}})
	for i, p := range phases {
		for _, c := range checks {
			s.Spans = append(s.Spans, demoSpan{Check: c, State: p.State, Start: p.Start, End: p.End})
		}
		// The detector's words, as it writes them.
		e := incident.Entry{At: p.Start, Kind: incident.KindDegraded, Body: service + " is down again"}
		switch {
		case i == 0:
			what := " is down"
			if p.State == sla.StateDegraded {
				what = " is degraded"
			}
			e = incident.Entry{At: p.Start, Kind: incident.KindDetected, Body: service + what + ": failing from " + strings.Join(failing, ", ")}
		case p.State == sla.StateDegraded:
			e.Body = service + " is degraded: partly working"
		}
		inc.Timeline = append(inc.Timeline, e)
	}
	inc.Timeline = append(inc.Timeline, incident.Entry{At: inc.Ended, Kind: incident.KindRecovered,
		Body: service + " recovered; recovery held " + incident.DefaultHold.String()})
	inc.Timeline = append(inc.Timeline, notes...)
	slices.SortStableFunc(inc.Timeline, func(a, b incident.Entry) int { return a.At.Compare(b.At) })
	status := incident.Investigating
	for i := range inc.Timeline {
		e := &inc.Timeline[i]
		switch e.Kind {
		case incident.KindUpdate:
			status = e.Status
		case incident.KindRecovered:
			status = incident.Resolved
		}
		e.Status = status
	}
	s.Incidents = append(s.Incidents, inc)
	return &s.Incidents[len(s.Incidents)-1]
}

// note is a person's update for outage.
func note(at time.Time, status incident.Status, author, body string) incident.Entry {
	return incident.Entry{At: at, Kind: incident.KindUpdate, Status: status, Author: author, Body: body}
}

// buildDemoStory writes the story for a store generated at now: three
// outages modelled on real ones (a messenger's week without sign-in;
// hosted mail's bad fortnight with two outages; a phone sync outage that
// lost people's contacts, restored from backups), maintenance, and who
// approves which credits.
func buildDemoStory(cfg *Config, now time.Time) demoStory {
	now = now.UTC().Truncate(time.Minute)
	d0 := now.Truncate(24 * time.Hour) // today, UTC midnight
	day := func(ago, h, m int) time.Time {
		return d0.AddDate(0, 0, -ago).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	date := func(t time.Time) string { return t.Format("2 January") }
	s := demoStory{Now: now, Start: d0.AddDate(0, 0, -(barDays - 1)), Approver: map[string]string{}}
	// The history reaches back to the start of every contract's last
	// closed period, so that each closes on full evidence.
	for _, sc := range schedules(cfg) {
		if st := sc.LastClosed(now).Start.UTC().Truncate(24 * time.Hour); st.Before(s.Start) {
			s.Start = st
		}
	}
	const (
		oncall   = "Dana Okafor (on-call)"
		mail     = "Tomás Reyes (mail team)"
		mailLead = "Ines Bauer (head of mail)"
		syncer   = "Lena Marsh (sync team)"
		manager  = "Sam Whitfield (account manager)"
	)
	var (
		I, D, M, R = incident.Investigating, incident.Identified, incident.Monitoring, incident.Resolved
		down, slow = sla.StateDown, sla.StateDegraded
	)

	// Messenger, 52 to 47 days ago: a schema migration leaves the account
	// database rebuilding its indexes; sign-in and the contact lists that
	// read through it fail for most of a week, and a fix makes it worse
	// for an afternoon.
	s.outage(cfg, "messenger-login", incident.Critical, []demoPhase{
		{down, day(52, 8, 40), day(50, 11, 15)},
		{slow, day(50, 11, 15), day(48, 9, 30)},
		{down, day(48, 9, 30), day(48, 15, 50)},
		{slow, day(48, 15, 50), day(47, 16, 20)},
	},
		note(day(52, 9, 5), I, oncall, `Sign-in to Messenger fails for most people with "service unavailable". Messages already on your devices are safe. We are investigating.`),
		note(day(52, 12, 30), D, oncall, "The account database is rebuilding its indexes after this morning's schema migration, and sign-in requests time out behind the rebuild. We are slowing the rebuild so that sign-in gets through."),
		note(day(51, 10, 0), D, oncall, "Sign-in still fails for most people. Rolling the migration back would lose the accounts created since, so we are finishing the rebuild on added hardware. Next update by 18:00 UTC."),
		note(day(50, 12, 0), M, oncall, "About two thirds of sign-ins succeed again. Contact lists still load slowly or empty; see that incident."),
		note(day(48, 9, 55), D, oncall, "A fix deployed at 09:25 UTC made the account database refuse new connections. It is rolled back, and sign-in is recovering to where it was this morning."),
		note(day(47, 10, 0), M, oncall, "The rebuild has finished and sign-in succeeds for almost everyone. We are watching error rates before we call this resolved."),
		note(day(47, 17, 30), R, oncall, "Sign-in has worked normally since 16:20 UTC on "+date(day(47, 0, 0))+". We are sorry: for five days many of you could not reach your messages. Credits for the month follow from these minutes."),
	)
	s.outage(cfg, "messenger-contacts", incident.Critical, []demoPhase{
		{down, day(52, 8, 52), day(49, 6, 10)},
		{slow, day(49, 6, 10), day(47, 14, 5)},
	},
		note(day(52, 9, 20), I, oncall, "Contact lists do not load after sign-in, or load empty. Your contacts are not lost: the list store cannot be reached while the account database rebuilds."),
		note(day(51, 10, 5), D, oncall, "The contact-list store reads every list through the account database, which is rebuilding its indexes (see the sign-in incident). Lists come back as the rebuild advances."),
		note(day(49, 7, 0), M, oncall, "Lists load again for most people, slowly at peak times."),
		note(day(47, 15, 0), R, oncall, "Contact lists load normally again."),
	)

	// Hosted mail: a fortnight of slow webmail while mailboxes move off a
	// slow storage cluster, an SMTP outage in it, and the cluster that took
	// the load failing for nine and a half hours. The fortnight ends
	// before the first period of the mail contracts that is not closed
	// yet, so its credits are closed, and issued, when the demo starts.
	end := d0.AddDate(0, 0, -20)
	for _, sc := range schedules(cfg) {
		if !slices.ContainsFunc(contractServices(cfg, sc.Contract.ID), func(s string) bool { return strings.HasPrefix(s, "mail-") }) {
			continue
		}
		if open := sc.LastClosed(now).End.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1); open.Before(end) {
			end = open
		}
	}
	f0 := end.AddDate(0, 0, -14)
	fd := func(n, h, m int) time.Time {
		return f0.AddDate(0, 0, n).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	s.outage(cfg, "mail-webmail", incident.Major, []demoPhase{
		{slow, fd(0, 8, 15), fd(9, 6, 10)},
		{down, fd(9, 6, 10), fd(9, 15, 40)},
		{slow, fd(9, 15, 40), fd(13, 17, 45)},
	},
		note(fd(0, 9, 0), I, mail, "Webmail is slow and some pages fail to load. IMAP and SMTP are not affected. We are investigating."),
		note(fd(0, 13, 30), D, mail, "One of the two mailbox storage clusters answers slowly since a disk firmware update. Webmail requests that reach it time out; we are moving its mailboxes to the other cluster."),
		note(fd(3, 10, 0), D, mail, "Moving the mailboxes takes longer than planned: a third are done. Webmail stays slow for some requests until the move is finished."),
		note(fd(9, 6, 40), D, mail, "Webmail is down together with IMAP: the storage cluster that took over failed. Updates continue on the IMAP incident."),
		note(fd(9, 16, 0), D, mail, "Webmail is back to the slow but working state it was in before this morning's outage."),
		note(fd(12, 11, 0), M, mail, "Every mailbox is on the healthy cluster. We are watching webmail's response times."),
		note(fd(13, 18, 30), R, mail, "Webmail has answered normally since 17:45 UTC. Credits for this fortnight's outages are issued automatically when the month closes."),
	)
	s.outage(cfg, "mail-smtp", incident.Critical, []demoPhase{{down, fd(4, 14, 5), fd(4, 17, 50)}},
		note(fd(4, 14, 20), I, mail, "Sending mail fails: SMTP submission refuses connections. Incoming mail is not affected."),
		note(fd(4, 15, 0), D, mail, "A certificate renewal left the submission servers without their TLS key, and they restart in a loop. We are restoring the key."),
		note(fd(4, 17, 30), M, mail, "SMTP accepts connections again. Messages that could not be sent may need sending again from your outbox."),
		note(fd(4, 18, 15), R, mail, "Outgoing mail has worked since 17:50 UTC."),
	)
	pmAt := fd(13, 10, 0)
	imap := s.outage(cfg, "mail-imap", incident.Critical, []demoPhase{{down, fd(9, 6, 10), fd(9, 15, 40)}},
		note(fd(9, 6, 25), I, mail, "IMAP refuses connections and webmail cannot load mailboxes. Mail sent to you is queued, not lost."),
		note(fd(9, 7, 50), D, mail, "The storage cluster that took the mailboxes moved off the slow one lost its quorum after a network partition, and it does not restart on its own."),
		note(fd(9, 11, 20), D, mail, "We are restarting the cluster from its last consistent state. Mailboxes will be back within hours, not days; queued mail is delivered afterwards."),
		note(fd(9, 15, 10), M, mail, "IMAP accepts connections again; queued mail is being delivered."),
		note(fd(9, 16, 30), R, mail, "IMAP has worked since 15:40 UTC and every queued message is delivered. A full post-mortem follows, and credits for this outage are issued without anyone having to ask."),
		note(pmAt, incident.Postmortem, mailLead, "The post-mortem is published below."),
	)
	imap.Postmortem = &demoPostmortem{At: pmAt, Author: mailLead,
		Summary: fmt.Sprintf("On %s IMAP and webmail were unavailable for 9 hours 30 minutes, from 06:10 to 15:40 UTC, in a fortnight in which webmail was already slow. "+
			"Mail sent to our customers was queued and delivered once service returned: no message was lost.", date(fd(9, 0, 0))),
		RootCause: fmt.Sprintf("Mailboxes live on two storage clusters. A disk firmware update on %s made one of them slow, and we began moving its mailboxes to the other. "+
			"The move doubled the load on the second cluster. At 06:10 UTC a network partition between its nodes left no majority, and the cluster stopped serving rather than risk diverging copies. "+
			"It did not rejoin on its own, because the migration held locks on both sides.", date(f0)),
		Resolution: "We stopped the migration, released its locks and restarted the cluster from its last consistent state, taken at 06:09 UTC. " +
			"IMAP and webmail returned at 15:40 UTC, and the queue of incoming mail was delivered by 16:30 UTC.",
		ActionItems: "- Move mailboxes in small batches, with a load limit on the receiving cluster.\n" +
			"- Run the network partition drill on every storage cluster each quarter; this one had never been tested.\n" +
			"- Credits: every customer with a mail contract receives the credit in the impact table with the month's close, without asking for it.",
	}

	// Phone sync, 13 to 8 days ago: a storage migration leaves a
	// replication job pointing at the old volume; three days later the
	// sync database fails over to a stale copy, phones sync against it,
	// and some address books are overwritten. They are restored from the
	// nightly backups over two days.
	s.Maintenance = append(s.Maintenance, demoMaintenance{Services: []string{"sync-api", "sync-restore"}, Title: "Sync database storage migration",
		Start: day(13, 2, 0), End: day(13, 4, 0), Announced: day(20, 9, 0), Actor: syncer})
	s.outage(cfg, "sync-api", incident.Critical, []demoPhase{{down, day(10, 5, 20), day(10, 11, 45)}},
		note(day(10, 5, 40), I, syncer, "Phones cannot sync contacts and calendars. Changes made on a phone stay on it and sync later."),
		note(day(10, 7, 15), D, syncer, "After a storage fault the sync database failed over to a replica that was not up to date: the replication job moved in the storage migration of "+date(day(13, 0, 0))+" still copied from the old volume. We stopped sync to keep stale data off phones."),
		note(day(10, 11, 30), M, syncer, "Sync is back on a repaired database. Some address books were overwritten with older copies before sync stopped; see the backup restore incident."),
		note(day(10, 12, 15), R, syncer, "Sync has worked since 11:45 UTC."),
	)
	s.outage(cfg, "sync-restore", incident.Major, []demoPhase{
		{down, day(10, 11, 45), day(10, 12, 30)},
		{slow, day(10, 12, 30), day(8, 18, 0)},
	},
		note(day(10, 12, 0), I, syncer, "Some people find contacts missing or out of date after this morning's sync outage. Please do not delete and re-add contacts by hand: it makes restoring them harder."),
		note(day(10, 14, 0), D, syncer, "For about 4% of accounts a phone synced against the stale database and replaced its address book with an older copy. The nightly backups taken at 02:00 UTC are intact, and we are restoring the affected accounts from them, one by one. Restores requested in the app are queued behind ours and slow meanwhile."),
		note(day(9, 9, 0), M, syncer, "Address books are restored for 70% of the affected accounts. Restored contacts appear on a phone at its next sync."),
		note(day(8, 18, 30), R, syncer, "Every affected account is restored from the 02:00 UTC backup. Contacts added or changed between 02:00 and 05:20 UTC on "+date(day(10, 0, 0))+" were not in that backup; those accounts have a note in the app listing what was restored. Restores in the app are fast again."),
	)

	// Maintenance announced for the day after tomorrow.
	s.Maintenance = append(s.Maintenance, demoMaintenance{Services: []string{"mail-imap", "mail-webmail"}, Title: "Mailbox storage upgrade",
		Start: day(-2, 1, 0), End: day(-2, 3, 0), Announced: day(3, 10, 0), Actor: mailLead})

	slices.SortStableFunc(s.Incidents, func(a, b demoIncident) int { return a.Started.Compare(b.Started) })
	for _, c := range cfg.Contracts {
		if c.ID == "brightwater-messenger" {
			s.Approver[c.ID] = manager
		}
	}
	return s
}

// contractServices are the services of contract id.
func contractServices(cfg *Config, id string) []string {
	for _, c := range cfg.Contracts {
		if c.ID == id {
			return c.Services
		}
	}
	return nil
}

// history is check c's minute history in the story, from Start to the end
// of Now's UTC day: up minutes, the spans' down and degraded ones, and no
// data after Now. A degraded minute is one failed run among passing ones,
// so it needs at least three runs a minute.
func (s demoStory) history(c CheckConfig, location string) (sla.RunHistory, error) {
	known := int(s.Now.Sub(s.Start) / time.Minute)
	total := int(s.Now.Truncate(24*time.Hour).AddDate(0, 0, 1).Sub(s.Start) / time.Minute)
	states := make([]sla.State, known)
	for i := range states {
		states[i] = sla.StateUp
	}
	for _, sp := range s.Spans {
		if sp.Check != c.ID {
			continue
		}
		lo := max(0, int(sp.Start.Sub(s.Start)/time.Minute))
		hi := min(known, int(sp.End.Sub(s.Start)/time.Minute))
		for m := lo; m < hi; m++ {
			states[m] = sp.State
		}
	}
	r := uint8(min(255, max(1, int(time.Minute/c.Interval))))
	minute := func(st sla.State) (sla.LocationMinute, error) {
		switch st {
		case sla.StateDown:
			return sla.LocationMinute{Fail: r, Lead: r, Trail: r, MaxRun: r}, nil
		case sla.StateDegraded:
			if r < 3 {
				return sla.LocationMinute{}, fmt.Errorf("check %s runs %d times a minute: too few for a degraded minute", c.ID, r)
			}
			return sla.LocationMinute{OK: r - 1, Fail: 1, MaxRun: 1}, nil // the failure between two passing runs
		}
		return sla.LocationMinute{OK: r}, nil
	}
	var runs []sla.MinuteRun
	for m := 0; m < known; {
		k := m
		for k < known && states[k] == states[m] {
			k++
		}
		lm, err := minute(states[m])
		if err != nil {
			return sla.RunHistory{}, err
		}
		runs = append(runs, sla.MinuteRun{Count: k - m, Minute: lm})
		m = k
	}
	if total > known {
		runs = append(runs, sla.MinuteRun{Count: total - known})
	}
	return sla.RunHistory{Start: s.Start, Minutes: total, Locations: []string{location}, Runs: [][]sla.MinuteRun{runs}}, nil
}

// seedClock is the store's clock while the story is written: each event
// is stamped with the time it happened in the story.
type seedClock struct{ ns atomic.Int64 }

func (c *seedClock) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *seedClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// seedEvent is one write of the story, at its time.
type seedEvent struct {
	at   time.Time
	what string
	do   func(context.Context) error
}

// seedDemo writes story into a new store at cfg.Storage.Path: the minute
// history of every check, then, in time order and stamped with their
// times, the incidents' saves, the maintenance announcements, the
// post-mortem, each closed period's close and the approvals.
func seedDemo(ctx context.Context, cfg *Config, story demoStory) (err error) {
	var clock seedClock
	clock.Set(story.Start)
	store, err := db.Open(cfg.Storage.Path, db.Options{Now: clock.Now})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := store.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	for _, c := range cfg.Checks {
		h, err := story.history(c, cfg.Collector.Location)
		if err != nil {
			return err
		}
		if err := store.ImportHistory(ctx, c.ID, h); err != nil {
			return err
		}
	}
	var events []seedEvent
	add := func(at time.Time, what string, do func(context.Context) error) {
		events = append(events, seedEvent{at, what, do})
	}
	for _, m := range story.Maintenance {
		add(m.Announced, "announce "+m.Title, func(ctx context.Context) error {
			_, err := store.AddMaintenance(ctx, db.Maintenance{Services: m.Services, Title: m.Title, Start: m.Start, End: m.End}, m.Actor)
			return err
		})
	}
	for i := range story.Incidents {
		si := &story.Incidents[i]
		rec := &db.Incident{Incident: incident.Incident{Service: si.Service, Severity: si.Severity, Started: si.Started}, Tenants: si.Tenants}
		if pm := si.Postmortem; pm != nil {
			// Before the timeline's entry of the same time that announces it.
			add(pm.At, "post-mortem of "+si.Service, func(ctx context.Context) error {
				md := demoPostmortemMarkdown(rec.Incident, impactOf(ctx, cfg, store, rec.Incident, rec.Tenants, pm.At), *pm)
				v, err := store.SavePostmortem(ctx, rec.ID, md, pm.Author)
				if err != nil {
					return err
				}
				return store.PublishPostmortem(ctx, rec.ID, v, pm.Author)
			})
		}
		var last time.Time
		for k, e := range si.Timeline {
			at := e.At
			if e.Kind == incident.KindRecovered {
				at = at.Add(incident.DefaultHold) // the detector sees the recovery once it held
			}
			at = later(at, last)
			last = at
			actor := cmp.Or(e.Author, "slate/detector")
			add(at, "incident of "+si.Service, func(ctx context.Context) error {
				rec.Timeline = slices.Clone(si.Timeline[:k+1])
				rec.Status = e.Status
				if e.Status == incident.Resolved || e.Status == incident.Postmortem {
					rec.Ended = si.Ended
				}
				_, err := store.SaveIncident(ctx, rec, actor)
				return err
			})
		}
	}
	for i, sc := range schedules(cfg) {
		for p := sc.PeriodAt(story.Start); ; p = sc.PeriodAt(p.End) {
			if p.Start.Before(story.Start) {
				continue // the history does not cover it
			}
			closeAt := p.End.Add(sc.Grace)
			if closeAt.After(story.Now) {
				break
			}
			add(closeAt, "close "+sc.Contract.ID+" "+p.String(), func(ctx context.Context) error {
				withMaint, err := withStoredMaintenance(ctx, cfg, store)
				if err != nil {
					return err
				}
				_, err = credit.CloseDue(ctx, store, ledger{store: store, actor: "slate/close"}, []credit.Schedule{schedules(withMaint)[i]}, closeAt)
				return err
			})
			approver := story.Approver[sc.Contract.ID]
			if approver == "" {
				continue
			}
			approveAt := closeAt.Add(50 * time.Hour)
			if approveAt.After(story.Now) {
				approveAt = story.Now
			}
			add(approveAt, "approve "+sc.Contract.ID+" "+p.String(), func(ctx context.Context) error {
				cs, err := store.Credits(ctx, db.CreditFilter{Contract: sc.Contract.ID, Period: p.String(), State: db.CreditComputed})
				if err != nil {
					return err
				}
				for _, c := range cs {
					if _, err := store.ApproveCredit(ctx, c.ID, approver); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	slices.SortStableFunc(events, func(a, b seedEvent) int { return a.at.Compare(b.at) })
	for _, ev := range events {
		clock.Set(ev.at)
		if err := ev.do(ctx); err != nil {
			return fmt.Errorf("%s at %s: %w", ev.what, ev.at.Format(time.RFC3339), err)
		}
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// demoPostmortemMarkdown is incident.Template for inc with impact, its
// empty sections filled in from pm.
func demoPostmortemMarkdown(inc incident.Incident, impact []incident.TenantImpact, pm demoPostmortem) string {
	md := incident.Template(inc, impact)
	for _, s := range []struct{ heading, text string }{
		{"## Summary\n", pm.Summary}, {"## Root cause\n", pm.RootCause},
		{"## Resolution\n", pm.Resolution}, {"## Action items\n", pm.ActionItems},
	} {
		md = strings.Replace(md, s.heading, s.heading+"\n"+s.text+"\n", 1)
	}
	return md
}
