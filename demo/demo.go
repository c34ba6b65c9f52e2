package demo

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
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/agent"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/monitor"
)

// slate demo runs the real app (the code path of slate serve) against
// scripted servers on 127.0.0.1, on a store it first fills with months of
// history modelled on real outages: so that a newcomer sees, within
// seconds, what slate shows after a bad quarter.

//go:embed demo.yaml
var demoYAML string // read-only: the built-in configuration

// demoMarker is the file in the data directory that says the store in it
// is a demo's, and when its history was generated. A store without it is
// never used by the demo: it could be someone's real evidence.
const demoMarker = "slate-demo.json"

// Options are what slate demo's flags and tests choose.
type Options struct {
	Listen  string // address of the status page; ":0" ports pick a free one
	DataDir string // "" for a temporary directory removed on exit
	// ScriptNow is the clock the scripted servers read to decide how to
	// answer; nil means time.Now. Tests move it to flip a check at will.
	ScriptNow func() time.Time
	// Started, if set, is called once the demo serves, with what it runs.
	Started func(Running)
}

// Running is a running demo, for tests.
type Running struct {
	Monitor *monitor.Monitor
	Base    string    // http://host:port
	Story   demoStory // what the store was filled with (on a reused store: regenerated for its generation time)
}

// Run fills (or reuses) the demo's store, serves until ctx is done, and
// stops everything it started. It prints where to look on stdout; the
// monitor logs its warnings and errors on stderr.
func Run(ctx context.Context, o Options, stdout, stderr io.Writer) (err error) {
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
	} else if err := os.MkdirAll(dir, db.PrivateDirMode); err != nil {
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
	if err := os.WriteFile(filepath.Join(dir, "slate.yaml"), []byte(text), db.PrivateFileMode); err != nil {
		return err
	}

	access, agentTokens, err := demoAccess(ctx, cfg)
	if err != nil {
		return err
	}
	a, err := monitor.Open(cfg, monitor.Options{Log: log})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if serr := a.Stop(sctx); serr != nil && err == nil {
			err = serr
		}
	}()
	if err := a.Start(l); err != nil {
		return err
	}
	// The page is built now rather than at the first minute's tick: the
	// SLA figures, the last minute of every service, the snapshot.
	now := time.Now()
	if err := a.UpdateSLA(ctx, now); err != nil {
		log.Warn("sla metrics", "err", err)
	}
	if err := a.Detect(ctx, now); err != nil {
		return fmt.Errorf("first status: %w", err)
	}
	base := "http://" + l.Addr().String()
	stopAgents, err := startDemoAgents(ctx, agentTokens, base, filepath.Join(dir, "agents"), log)
	if err != nil {
		return err
	}
	defer stopAgents()
	if len(agentTokens) > 0 {
		access = append(access, fmt.Sprintf("Agents:          %s probe the website too (slate agent, in this process; spools in %s)",
			strings.Join(slices.Sorted(maps.Keys(agentTokens)), ", "), filepath.Join(dir, "agents")))
	}
	pingCtx, stopPing := context.WithCancel(ctx)
	var pinging sync.WaitGroup
	pinging.Go(func() { demoHeartbeats(pingCtx, cfg, base) })
	defer func() { stopPing(); pinging.Wait() }()

	if err := printDemo(ctx, stdout, a.Store(), cfg, story, access, base, dir, temporary, reused, time.Since(began)); err != nil {
		return err
	}
	if o.Started != nil {
		o.Started(Running{Monitor: a, Base: base, Story: story})
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-a.Served():
		return fmt.Errorf("http server: %w", err)
	}
}

// demoConfig is the built-in configuration with its placeholders filled
// in: the scripted servers' addresses, the data directory and the listen
// address. It returns the configuration and its text.
func demoConfig(addrs map[string]string, dir, listen string) (*config.Config, string, error) {
	// Single-quoted YAML: the only character to escape is the quote.
	quote := func(s string) string { return strings.ReplaceAll(s, "'", "''") }
	pairs := []string{"${data}", quote(dir), "${listen}", quote(listen)}
	for name, addr := range addrs {
		pairs = append(pairs, "${"+name+"}", addr)
	}
	text := strings.NewReplacer(pairs...).Replace(demoYAML)
	cfg, err := config.Parse("demo.yaml", strings.NewReader(text))
	if err != nil {
		return nil, "", err
	}
	for _, c := range cfg.Probes {
		if strings.Contains(c.Target, "${") {
			return nil, "", fmt.Errorf("demo.yaml: checks %s: target %q names no scripted server", c.ID, c.Target)
		}
	}
	return cfg, text, nil
}

// demoStore makes sure dir holds a demo store: it reuses one the demo
// made before, and otherwise fills a new one with the story of now. It
// returns the time the store's history was generated for.
func demoStore(ctx context.Context, cfg *config.Config, dir string, now time.Time) (generated time.Time, reused bool, err error) {
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
		if err := monitor.CheckDatabase(ctx, cfg); err != nil {
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
func printDemo(ctx context.Context, w io.Writer, store monitor.Store, cfg *config.Config, story demoStory, access []string,
	base, dir string, temporary, reused bool, took time.Duration) error {
	first, pm, err := demoLinks(ctx, store)
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
	if first != "" {
		fmt.Fprintf(w, "  An incident:     %s/incidents/%s   (the messenger's week without sign-in)\n", base, first)
	}
	if pm != "" {
		fmt.Fprintf(w, "  Post-mortem:     %s/incidents/%s   (the mail outage, with proactive credits)\n", base, pm)
	}
	fmt.Fprintf(w, "  Statuspage API:  %s/api/v2/summary.json\n", base)
	where := dir
	if temporary {
		where += " (removed on exit; keep it with --data DIR)"
	}
	fmt.Fprintf(w, "  Data:            %s\n", where)
	fmt.Fprintf(w, "  Ledger:          slate credits list --config %s   (also report, incidents)\n", filepath.Join(dir, "slate.yaml"))
	for _, line := range access {
		fmt.Fprintf(w, "  %s\n", line)
	}
	fmt.Fprintln(w, "Ctrl-C to stop.")
	return nil
}

// demoAccess makes the credentials a newcomer needs to look past the
// public page: a viewer token and a signed day-long link for the first
// tenant's private page, an admin token for the admin API and a metrics
// token for /metrics. Each run makes fresh ones, in the store before the
// monitor opens it; tokens are shown once, like slate token create does.
//
// It also makes an agent token for each declared location but the
// collector's: the demo runs an agent for each.
func demoAccess(ctx context.Context, cfg *config.Config) (lines []string, agents map[string]string, err error) {
	store, err := db.Open(cfg.Storage.Path, db.Options{})
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if cerr := store.Close(); err == nil {
			err = cerr
		}
	}()
	agents = map[string]string{}
	for _, loc := range cfg.Catalog.LocationIDs() {
		if loc == cfg.Collector.Location {
			continue
		}
		if agents[loc], _, err = store.CreateToken(ctx, db.NewToken{Name: "demo agent at " + loc, Role: db.RoleAgent, Location: loc}, "slate/demo"); err != nil {
			return nil, nil, err
		}
	}
	if len(cfg.Tenants) == 0 {
		return nil, agents, nil
	}
	t := cfg.Tenants[0]
	viewer, _, err := store.CreateToken(ctx, db.NewToken{Name: "demo viewer of " + t.ID, Role: db.RoleViewer, Tenant: t.ID}, "slate/demo")
	if err != nil {
		return nil, nil, err
	}
	admin, _, err := store.CreateToken(ctx, db.NewToken{Name: "demo admin", Role: db.RoleAdmin}, "slate/demo")
	if err != nil {
		return nil, nil, err
	}
	metrics, _, err := store.CreateToken(ctx, db.NewToken{Name: "demo metrics", Role: db.RoleMetrics}, "slate/demo")
	if err != nil {
		return nil, nil, err
	}
	link, _, err := monitor.TenantLink(ctx, store, cfg, t.ID, time.Now().Add(24*time.Hour))
	if err != nil {
		return nil, nil, err
	}
	base := cfg.PublicBase()
	return []string{
		fmt.Sprintf("Tenant page:     %s/status/%s   (%s; sign in with the viewer token)", base, t.ID, cmp.Or(t.Name, t.ID)),
		fmt.Sprintf("Viewer token:    %s", viewer),
		fmt.Sprintf("Signed link:     %s   (opens the tenant page for 24h)", link),
		fmt.Sprintf("Admin API:       curl -H 'Authorization: Bearer %s' %s/api/admin/credits", admin, base),
		fmt.Sprintf("Metrics:         curl -H 'Authorization: Bearer %s' %s/metrics", metrics, base),
	}, agents, nil
}

// startDemoAgents runs an agent for each location of tokens against the
// demo's server at base, each spooling in dir/LOCATION, until ctx ends or
// the returned function is called, which waits for them to stop.
func startDemoAgents(ctx context.Context, tokens map[string]string, base, dir string, log *slog.Logger) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	var running sync.WaitGroup
	stop = func() { cancel(); running.Wait() }
	for _, loc := range slices.Sorted(maps.Keys(tokens)) {
		spool := filepath.Join(dir, loc)
		if err := os.MkdirAll(spool, db.PrivateDirMode); err != nil {
			stop()
			return nil, fmt.Errorf("agent at %s: %w", loc, err)
		}
		a, err := agent.New(spool, 64<<20, prometheus.NewRegistry())
		if err != nil {
			stop()
			return nil, fmt.Errorf("agent at %s: %w", loc, err)
		}
		a.Servers, a.Token, a.Log = []string{base}, tokens[loc], log.With("agent", loc)
		running.Go(func() {
			if err := a.Run(ctx); err != nil && ctx.Err() == nil {
				log.Error("agent stopped", "location", loc, "err", err)
			}
		})
	}
	return stop, nil
}

// demoLinks finds the incidents the demo points at, by the public IDs
// their pages have: the messenger's sign-in outage and the incident with
// the published post-mortem ("" for none).
func demoLinks(ctx context.Context, store monitor.Store) (first, postmortem string, err error) {
	incs, err := store.Incidents(ctx, db.IncidentFilter{})
	if err != nil {
		return "", "", err
	}
	var firstID, pmID int64
	for _, inc := range incs {
		if inc.Service == "messenger-login" && (firstID == 0 || inc.ID < firstID) {
			firstID = inc.ID
		}
		if inc.PublishedPostmortem > 0 && pmID == 0 {
			pmID = inc.ID
		}
	}
	for _, x := range []struct {
		id  int64
		dst *string
	}{{firstID, &first}, {pmID, &postmortem}} {
		if x.id != 0 {
			if *x.dst, err = monitor.IncidentPublicID(ctx, store, x.id); err != nil {
				return "", "", err
			}
		}
	}
	return first, postmortem, nil
}
