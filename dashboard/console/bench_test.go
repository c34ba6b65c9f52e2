package console_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

// BenchmarkConsoleListPages loads 10 000 ledger entries, 1 000
// incidents, 500 maintenance windows (with an update each), 50 update
// templates and an agent's location into the store and measures every
// console list page, served
// over HTTP on 127.0.0.1 to a signed-in admin, reporting p50 and p99 per
// page (ms) and the CPU time per request (ms). Run:
//
//	go test ./dashboard/console -run '^$' -bench ConsoleListPages -benchtime 200x
func BenchmarkConsoleListPages(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	var batch []store.Closing
	for i := range 10_000 {
		start := time.Date(2018+i/1200, time.Month(1+(i/100)%12), 1, 0, 0, 0, 0, time.UTC)
		batch = append(batch, store.Closing{Credit: store.Credit{Tenant: []string{"acme", "bravo"}[i%2], Contract: fmt.Sprintf("k%02d", i%100),
			Period: start.Format("2006-01"), PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0), UptimeExact: "99", UptimePercent: "99.000",
			BreachMinutes: "446.4", CreditPercent: "10", CoveragePercent: "100.00", Flagged: i%7 == 0, AmountMinor: int64(i), Currency: "EUR",
			EvidenceHash: fmt.Sprintf("%064x", i)}})
	}
	for i := 0; i < len(batch); i += 1000 {
		if _, err := f.db.RecordCloses(ctx, batch[i:i+1000], "slate"); err != nil {
			b.Fatal(err)
		}
	}
	t0 := time.Now().Add(-2000 * time.Hour).Truncate(time.Minute)
	for i := range 1000 {
		at := t0.Add(time.Duration(i) * time.Hour)
		inc := &store.Incident{Tenants: []string{"acme"}, Incident: incident.Incident{Service: "mail", Status: incident.Investigating,
			Severity: incident.Major, Started: at, Timeline: []incident.Entry{{At: at, Kind: incident.KindDetected, Status: incident.Investigating, Body: "mail is down"}}}}
		if _, err := f.db.SaveIncident(ctx, inc, "slate"); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 500 {
		at := t0.Add(time.Duration(i) * 4 * time.Hour)
		m, err := f.db.AddMaintenance(ctx, store.Maintenance{Services: []string{"mail"}, Title: fmt.Sprintf("Window %d", i),
			Description: "Mail may pause.", Start: at, End: at.Add(time.Hour)}, "slate")
		if err != nil {
			b.Fatal(err)
		}
		if at.After(f.now()) {
			if _, err := f.db.PostMaintenanceUpdate(ctx, m.ID, store.MaintenanceScheduled, "On schedule.", "slate"); err != nil {
				b.Fatal(err)
			}
		}
	}
	admin, code, _ := f.signIn(b, "root@example.com", "sre-leads")
	if code != http.StatusOK {
		b.Fatalf("sign-in: %d", code)
	}
	for i := range 50 {
		if err := f.db.SaveUpdateTemplate(ctx, &store.UpdateTemplate{Name: fmt.Sprintf("template %d", i), Status: incident.Identified,
			Body: "The cause is found; a fix is being rolled out."}, "slate"); err != nil {
			b.Fatal(err)
		}
	}
	f.agentAt(b, "us-east", "east-1")
	pages := []string{"/console/credits", "/console/credits?state=computed", "/console/credits?tenant=acme&flagged=yes",
		"/console/credits?period=2025-06", "/console/audit", "/console/tokens", "/console/sessions", "/console/maintenance",
		"/console/incidents", "/console/incidents?status=open", "/console/incidents?service=mail&tenant=acme",
		"/console/templates", "/console/locations"}
	for _, p := range pages {
		b.Run(p, func(b *testing.B) {
			var lat []time.Duration
			cpu0 := cpuTime(b)
			for b.Loop() {
				start := time.Now()
				resp, err := admin.Get(f.srv.URL + p)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", p, resp.StatusCode)
				}
				lat = append(lat, time.Since(start))
			}
			// CPU time per request (server and client, one process) is
			// what the page costs; wall-clock percentiles also carry the
			// waits of a shared machine.
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/1000/float64(len(lat)), "cpu-ms/op")
			slices.Sort(lat)
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
		})
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
