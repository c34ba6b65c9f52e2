package agent_test

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

// targetChildEnv is the address a target child of the network namespace
// test listens on.
const targetChildEnv = "SLATE_TARGET_LISTEN"

// TestTargetChild is the probe target of TestQuorumAcrossNamespaces, run
// inside its namespace: 200 to every request. Run directly, it skips.
func TestTargetChild(t *testing.T) {
	addr := os.Getenv(targetChildEnv)
	if addr == "" {
		t.Skip("the target process of the network namespace test; runs only as its child")
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("ready\n")
	http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
}

// netns is a set of network namespaces joined by a bridge in a namespace
// of its own, named uniquely for one test run, removed when the test
// ends, whatever its outcome.
type netns struct {
	t      *testing.T
	prefix string
	hosts  map[string]string // name → address on the bridge
}

// needNetns skips the test when it cannot make network namespaces (not
// root, or no ip command), and fails it instead under CI=true.
func needNetns(t *testing.T) {
	t.Helper()
	why := ""
	if os.Geteuid() != 0 {
		why = "needs root to make network namespaces"
	} else if _, err := exec.LookPath("ip"); err != nil {
		why = "needs the ip command (Debian package iproute2)"
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(why + "; CI must run it (.ci/run runs as root and installs iproute2)")
	}
	t.Skip(why)
}

func (n *netns) ip(args ...string) {
	n.t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		n.t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// newNetns makes a namespace per host, each with an interface eth0 on
// a bridge at 10.77.0.N/24, N counting from 2 in the order given.
func newNetns(t *testing.T, hosts ...string) *netns {
	t.Helper()
	var b [3]byte
	crand.Read(b[:])
	n := &netns{t: t, prefix: "slate-" + hex.EncodeToString(b[:]), hosts: map[string]string{}}
	br := n.name("br")
	n.ip("netns", "add", br)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", br).Run() })
	n.ip("-n", br, "link", "add", "br0", "type", "bridge")
	n.ip("-n", br, "link", "set", "br0", "up")
	for i, h := range hosts {
		ns := n.name(h)
		n.ip("netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
		port := fmt.Sprintf("v%d", i)
		n.ip("-n", br, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
		n.ip("-n", br, "link", "set", port, "master", "br0", "up")
		addr := fmt.Sprintf("10.77.0.%d", i+2)
		n.ip("-n", ns, "addr", "add", addr+"/24", "dev", "eth0")
		n.ip("-n", ns, "link", "set", "eth0", "up")
		n.ip("-n", ns, "link", "set", "lo", "up")
		n.hosts[h] = addr
	}
	return n
}

func (n *netns) name(host string) string { return n.prefix + "-" + host }

// via runs a command in host's namespace.
func (n *netns) via(host string) []string { return []string{"ip", "netns", "exec", n.name(host)} }

// block drops, in host's namespace, every packet to addr.
func (n *netns) block(host, addr string) {
	n.t.Helper()
	n.ip("-n", n.name(host), "route", "add", "blackhole", addr+"/32")
}

// startTargetVia runs the target child through via, listening on addr.
func startTargetVia(t *testing.T, via []string, addr string) {
	t.Helper()
	cmd := command(via, os.Args[0], "-test.run=^TestTargetChild$")
	cmd.Env = append(os.Environ(), targetChildEnv+"="+addr)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	buf := make([]byte, 64)
	if k, _ := out.Read(buf); !strings.Contains(string(buf[:k]), "ready") {
		t.Fatalf("target in its namespace: %q", buf[:k])
	}
}

const netnsConfig = `storage: {path: %q}
collector: {location: server}
locations: [server, agent-1, agent-2]
services: [{id: web}]
checks:
  - {id: web, service: web, kind: http, target: "http://TARGET/", interval: 2s, timeout: 1s}
`

// TestQuorumAcrossNamespaces runs the core promise on separate network
// hosts: the server (probing as location server), two agents and the
// target each in a network namespace of their own, joined by a bridge.
// The target is first blocked from agent-1 alone, by a blackhole route in
// its namespace: the minutes are degraded, no incident opens. Then it is
// blocked from agent-2 too: the minutes are down and the incident opens.
func TestQuorumAcrossNamespaces(t *testing.T) {
	if testing.Short() {
		t.Skip("runs over three minutes of real time; skipped with -short")
	}
	needNetns(t)
	t.Parallel()
	n := newNetns(t, "server", "agent-1", "agent-2", "target")
	target := n.hosts["target"] + ":8080"
	startTargetVia(t, n.via("target"), target)

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "slate.yaml")
	src := fmt.Sprintf(strings.ReplaceAll(netnsConfig, "TARGET", target), filepath.Join(dir, "slate.db"))
	if err := os.WriteFile(cfgPath, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(filepath.Join(dir, "slate.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	tokens := map[string]string{}
	for _, loc := range []string{"agent-1", "agent-2"} {
		if tokens[loc], _, err = store.CreateToken(ctx, db.NewToken{Name: loc, Role: access.Agent, Location: loc}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	srv := startServerVia(t, n.via("server"), cfgPath, n.hosts["server"]+":8080")
	t.Cleanup(func() { srv.Process.Signal(syscall.SIGKILL); srv.Wait() })
	for _, loc := range []string{"agent-1", "agent-2"} {
		startAgentVia(t, n.via(loc), "http://"+n.hosts["server"]+":8080", tokens[loc], t.TempDir())
	}
	reporting := func() bool {
		rs, err := store.Results(ctx, "web", time.Now().Add(-time.Minute), time.Now().Add(time.Minute))
		if err != nil {
			return false
		}
		seen := map[string]bool{}
		for _, r := range rs {
			seen[r.Location] = true
		}
		return seen["server"] && seen["agent-1"] && seen["agent-2"]
	}
	waitFor(t, 60*time.Second, "every location reporting across the bridge", reporting)

	n.block("agent-1", n.hosts["target"])
	degraded := time.Now().Truncate(time.Minute).Add(time.Minute)
	waitFor(t, 150*time.Second, "the first whole minute of the block final", func() bool {
		return time.Now().After(degraded.Add(time.Minute + 20*time.Second))
	})
	if got := judge(t, store, cfgPath, degraded); got.state != sla.StateDegraded {
		t.Errorf("minute %s with the target blocked from agent-1: %s (failing at %v), want degraded", degraded.Format("15:04"), got.state, got.failing)
	}
	if incs := openIncidents(t, store); len(incs) != 0 {
		t.Errorf("incidents open with the target blocked from one agent of three: %v; want none", incs)
	}

	n.block("agent-2", n.hosts["target"])
	down := time.Now().Truncate(time.Minute).Add(time.Minute)
	waitFor(t, 150*time.Second, "an incident with the target blocked from two agents", func() bool { return len(openIncidents(t, store)) > 0 })
	waitFor(t, 150*time.Second, "the first whole minute of both blocks final", func() bool {
		return time.Now().After(down.Add(time.Minute + 20*time.Second))
	})
	if got := judge(t, store, cfgPath, down); got.state != sla.StateDown {
		t.Errorf("minute %s with the target blocked from two agents: %s (failing at %v), want down", down.Format("15:04"), got.state, got.failing)
	}
}

type judged struct {
	state   sla.State
	failing any
}

// judge is the state of check web's minute at start, judged with every
// location's evidence.
func judge(t *testing.T, store *db.DB, cfgPath string, start time.Time) judged {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ch := cfg.Catalog.ServiceChecks("web")[0]
	w, err := credit.JudgeWindow(context.Background(), store, credit.Check{ID: ch.ID, Locations: ch.Locations, Confirmation: ch.Confirmation}, start, 1, 30*time.Minute, 2)
	if err != nil {
		t.Fatal(err)
	}
	return judged{w.States[0], w.Failing[0]}
}

func openIncidents(t *testing.T, store *db.DB) []string {
	t.Helper()
	incs, err := store.OpenIncidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, inc := range incs {
		out = append(out, inc.Service)
	}
	return out
}
