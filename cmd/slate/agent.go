package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/slatehq/slate/agent"
)

const agentUsage = `Usage: slate agent --server URL[,URL...] --token TOKEN --spool DIR [flags]

Probe the checks of one location and ship their results to slate serve.
The token (slate token create --role agent --location L) names the
location; the agent fetches that location's checks, keeps the last list in
the spool, probes them, writes every result to the spool (SQLite,
synchronous) before shipping it, and deletes it only once the server has
stored it. Servers are tried in turn. HTTPS except to a loopback address.

The token is read from --token, or from the file --token-file names, or
from $SLATE_AGENT_TOKEN.

Flags:
`

func runAgent(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("agent", stderr, agentUsage)
	servers := fs.String("server", "", "base URLs of the slate servers, comma-separated (required)")
	token := fs.String("token", "", "the agent token")
	tokenFile := fs.String("token-file", "", "a file holding the agent token")
	spool := fs.String("spool", "", "the spool directory (required; created if missing)")
	spoolMax := fs.String("spool-max", "1GiB", "the spool's bound; when full the oldest results are dropped")
	caFile := fs.String("ca-file", "", "PEM roots to trust for the servers instead of the system's")
	listen := fs.String("listen", "127.0.0.1:9464", "address of /metrics and /healthz; empty for none")
	skew := fs.Duration("test-clock-skew", 0, "add this to the clock (for tests of clock checks only)")
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "slate agent: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() != 0 {
		return usage("unexpected argument %q", fs.Arg(0))
	}
	list, err := agent.CheckServers(*servers)
	if *servers == "" {
		return usage("--server: give the base URL of a slate server")
	}
	if err != nil {
		return usage("%v", err)
	}
	tok := *token
	if tok == "" && *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return usage("--token-file: %v", err)
		}
		tok = strings.TrimSpace(string(b))
	}
	if tok == "" {
		tok = os.Getenv("SLATE_AGENT_TOKEN")
	}
	if tok == "" {
		return usage("--token: give the agent token (or --token-file, or $SLATE_AGENT_TOKEN)")
	}
	if *spool == "" {
		return usage("--spool: give the spool directory")
	}
	max, err := agent.ParseSize(*spoolMax)
	if err != nil {
		return usage("--spool-max: %v", err)
	}
	client, err := agent.NewClient(*caFile)
	if err != nil {
		return usage("%v", err)
	}
	if err := os.MkdirAll(*spool, 0o700); err != nil {
		fmt.Fprintf(stderr, "slate agent: --spool: %v\n", err)
		return exitFail
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a, err := agent.New(*spool, max, reg)
	if err != nil {
		fmt.Fprintf(stderr, "slate agent: %v\n", err)
		return exitFail
	}
	a.Servers, a.Token, a.Client = list, tok, client
	a.Log = slog.New(slog.NewTextHandler(stderr, nil))
	if *skew != 0 {
		a.Now = func() time.Time { return time.Now().Add(*skew) }
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if *listen != "" {
		l, err := net.Listen("tcp", *listen)
		if err != nil {
			fmt.Fprintf(stderr, "slate agent: --listen: %v\n", err)
			return exitFail
		}
		srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(l)
		defer srv.Close()
		fmt.Fprintf(stdout, "slate agent: metrics and health on http://%s\n", l.Addr())
	}
	fmt.Fprintf(stdout, "slate agent: shipping to %s, spool %s\n", strings.Join(list, ", "), *spool)
	if err := a.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "slate agent: %v\n", err)
		return exitFail
	}
	return exitOK
}
