package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/smtptest"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/store"
)

// BenchmarkIncidentMailFanout measures what one incident update to 10,000
// subscribers does to probing: 300 HTTP checks run every second against a
// server on 127.0.0.1 while the outbox sends 10,000 messages to an SMTP
// server on 127.0.0.1 that takes 2ms per message over each of 8
// connections (its pace: 4,000 messages a second at most). It reports the
// scheduler's on-time ratio (runs started at most 1s late) and its 99th
// percentile lateness before and while sending, in the same run, and the
// messages sent per second.
//
//	go test ./bench -run '^$' -bench IncidentMailFanout -benchtime 1x
func BenchmarkIncidentMailFanout(b *testing.B) {
	const subscribers, checks = 10000, 300
	for range b.N {
		r := mailFanout(b, subscribers, checks)
		b.ReportMetric(r.baseOnTime, "on_time_before")
		b.ReportMetric(r.sendOnTime, "on_time_sending")
		b.ReportMetric(r.baseP99, "lateness_p99_ms_before")
		b.ReportMetric(r.sendP99, "lateness_p99_ms_sending")
		b.ReportMetric(r.perSecond, "mails/s")
		b.ReportMetric(r.seconds, "send_s")
	}
}

type fanoutResult struct {
	baseOnTime, sendOnTime, baseP99, sendP99, perSecond, seconds float64
}

func mailFanout(b *testing.B, subscribers, checks int) fanoutResult {
	ctx := context.Background()
	srv := smtptest.New(b, smtptest.Options{Latency: 2 * time.Millisecond})
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	b.Cleanup(target.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "storage: {path: %q}\nserver: {listen: \"127.0.0.1:0\", public_url: \"http://%s\", metrics_listen: \"off\"}\n", filepath.Join(dir, "slate.db"), l.Addr())
	fmt.Fprintf(&cfg, "email: {from: \"Status <status@example.net>\", host: 127.0.0.1, port: %d, security: none, connections: 8}\n", srv.Port)
	cfg.WriteString("services:\n  - {id: mail, name: Mail}\nchecks:\n")
	for i := range checks {
		fmt.Fprintf(&cfg, "  - {id: c%04d, service: mail, kind: http, interval: 1s, timeout: 1s, target: %q}\n", i, target.URL)
	}
	path := filepath.Join(dir, "slate.yaml")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	c, err := config.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	m, st, err := monitor.OpenSQLite(c, monitor.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Stop(ctx)
	now := time.Now()
	for i := range subscribers {
		if err := st.Subscribe(ctx, store.Subscriber{Address: fmt.Sprintf("s%05d@example.org", i), ConfirmedAt: now}); err != nil {
			b.Fatal(err)
		}
	}
	tok, _, err := st.CreateToken(ctx, db.NewToken{Name: "bench", Role: access.Admin}, "bench")
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Start(l); err != nil {
		b.Fatal(err)
	}
	reg := m.Gatherer()
	time.Sleep(3 * time.Second) // every check has run
	h0 := lateness(reg)
	time.Sleep(10 * time.Second)
	h1 := lateness(reg)
	var r fanoutResult
	r.baseOnTime, r.baseP99 = h1.sub(h0).summary()

	req, _ := http.NewRequest(http.MethodPost, "http://"+l.Addr().String()+"/api/admin/incidents",
		strings.NewReader(`{"service":"mail","severity":"major","status":"investigating","body":"Incoming mail is delayed."}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("open incident: %v %v", err, resp)
	}
	resp.Body.Close()
	b.ResetTimer()
	t0 := time.Now()
	n, err := m.NotifySubscribers(ctx, time.Now())
	if err != nil || n != subscribers {
		b.Fatalf("enqueued %d, %v", n, err)
	}
	got := srv.Wait(subscribers, 5*time.Minute)
	r.seconds = time.Since(t0).Seconds()
	b.StopTimer()
	h2 := lateness(reg)
	if len(got) != subscribers {
		b.Fatalf("%d of %d messages arrived", len(got), subscribers)
	}
	r.sendOnTime, r.sendP99 = h2.sub(h1).summary()
	r.perSecond = round3(float64(subscribers) / r.seconds)
	b.Logf("before: on-time %.3f p99 %.1fms; sending %d mails in %.1fs (%.0f/s): on-time %.3f p99 %.1fms",
		r.baseOnTime, r.baseP99, subscribers, r.seconds, r.perSecond, r.sendOnTime, r.sendP99)
	return r
}
