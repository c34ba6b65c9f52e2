package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/monitor"
)

const serveUsage = `Usage: slate serve --config FILE [--listen ADDR]

Runs the probes of the configuration, stores their results and serves
the status pages, the admin API, /healthz, /readyz and /push/{token}
(heartbeats of push checks) on server.listen, and /metrics on
server.metrics_listen (default 127.0.0.1:9464; the main port serves
/metrics only to tokens of the metrics role).

With storage.url (PostgreSQL) any number of replicas may serve one
database: each serves and probes, one leader (a lease in the database)
runs detection, the close, retention, backups and alert delivery.

Signals: SIGHUP reloads the configuration (unchanged checks keep their
schedule and history; a configuration with errors is refused and the running
one kept; settings that apply only at a restart, such as storage.path, are
named in the log); SIGTERM or SIGINT drains: probes in flight finish and every result
is written before slate exits.

Flags:
`

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (required)")
	listen := fs.String("listen", "", "address to serve HTTP on; overrides server.listen")
	drain := fs.Duration("drain-timeout", 30*time.Second, "longest wait for probes in flight at shutdown")
	fs.Usage = func() { fmt.Fprint(fs.Output(), serveUsage); fs.PrintDefaults() }
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if *configPath == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "slate serve: give --config FILE")
		return exitUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg, err := config.Load(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if *listen != "" {
		cfg.Server.Listen = *listen
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	return serve(cfg, *configPath, *drain, log, sigs)
}

// serve runs slate until a terminating signal arrives on sigs.
func serve(cfg *config.Config, configPath string, drain time.Duration, log *slog.Logger, sigs <-chan os.Signal) int {
	if err := monitor.CheckDatabase(context.Background(), cfg); err != nil {
		log.Error("refusing to start", "err", err)
		return exitFail
	}
	m, err := monitor.Open(cfg, monitor.Options{Log: log, DrainTimeout: drain})
	if err != nil {
		log.Error("start", "err", err)
		return exitFail
	}
	l, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		log.Error("listen", "addr", cfg.Server.Listen, "err", err)
		m.Stop(context.Background())
		return exitFail
	}
	if addr := cfg.Server.MetricsListen; addr != config.MetricsListenOff {
		ml, err := net.Listen("tcp", addr)
		if err != nil {
			log.Error("listen for metrics (server.metrics_listen; off turns it off)", "addr", addr, "err", err)
			l.Close()
			m.Stop(context.Background())
			return exitFail
		}
		m.ServeMetrics(ml)
		log.Info("serving metrics", "addr", ml.Addr().String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, l) }()
	log.Info("serving", "addr", l.Addr().String(), "checks", len(cfg.Checks), "db", cfg.Storage.Where())
	// The file as it was at start, for telling which settings a reload
	// changed (the --listen flag overrides only the running copy).
	file, err := config.Load(configPath)
	if err != nil {
		file = cfg
	}
	for {
		select {
		case err := <-done: // the server stopped on its own
			log.Error("stopped", "err", err)
			return exitFail
		case s := <-sigs:
			if s == syscall.SIGHUP {
				if next := reload(m, configPath, file, log); next != nil {
					file = next
				}
				continue
			}
			log.Info("draining", "signal", s.String())
			cancel()
			if err := <-done; err != nil {
				log.Error("stop", "err", err)
				return exitFail
			}
			log.Info("stopped")
			return exitOK
		}
	}
}

// reload applies the configuration file again and returns it; one with
// errors is refused, the running one kept, and nil returned. Settings that
// changed since file but apply only at a restart are named in the log.
func reload(m *monitor.Monitor, configPath string, file *config.Config, log *slog.Logger) *config.Config {
	next, err := config.Load(configPath)
	if err != nil {
		log.Error("reload refused; keeping the running configuration", "err", err)
		return nil
	}
	if err := m.Reload(next); err != nil {
		log.Error("reload", "err", err)
		return nil
	}
	log.Info("reloaded", "checks", len(next.Checks))
	if changed := config.RestartNeeded(file, next); len(changed) > 0 {
		log.Warn("changed settings apply only after a restart; slate runs with the old ones until then", "settings", strings.Join(changed, ", "))
	}
	return next
}
