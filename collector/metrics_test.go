package collector

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// probedScheduler runs, once each, a passing and a failing HTTP check of
// service web for tenant acme, and a passing HTTPS check of service shop,
// at location eu-1. It returns the HTTPS server's certificate expiry.
func probedScheduler(t *testing.T) (*Scheduler, *prometheus.Registry, time.Time) {
	t.Helper()
	srv := httptest.NewServer(testMux())
	t.Cleanup(srv.Close)
	tlsSrv := httptest.NewTLSServer(testMux())
	t.Cleanup(tlsSrv.Close)
	s, reg := newTestScheduler(t, &memStore{})
	s.Location = "eu-1"
	secure := Check{ID: "secure", Service: "shop", Kind: KindHTTP, Target: tlsSrv.URL + "/ok", Interval: time.Minute,
		HTTP: HTTPSettings{TLSOptions: TLSOptions{InsecureSkipVerify: true}}}
	if err := s.Reload([]Check{httpCheck("up", srv.URL+"/ok", time.Minute), httpCheck("down", srv.URL+"/503", time.Minute), secure}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"up", "down", "secure"} {
		if _, err := s.RunOnce(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	return s, reg, tlsSrv.Certificate().NotAfter
}

func TestProbeSeries(t *testing.T) {
	_, reg, expiry := probedScheduler(t)
	check := func(id, service, tenant string) prometheus.Labels {
		return prometheus.Labels{"check": id, "service": service, "tenant": tenant, "location": "eu-1"}
	}
	web := prometheus.Labels{"service": "web", "tenant": "acme", "location": "eu-1"}
	shop := prometheus.Labels{"service": "shop", "tenant": "", "location": "eu-1"}
	with := func(l prometheus.Labels, k, v string) prometheus.Labels {
		out := prometheus.Labels{k: v}
		for k, v := range l {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name   string
		series string
		labels prometheus.Labels
		want   float64
	}{
		{"a passing check", "probe_success", check("up", "web", "acme"), 1},
		{"a failing check", "probe_success", check("down", "web", "acme"), 0},
		{"its status", "probe_http_status_code", check("down", "web", "acme"), 503},
		{"a certificate's expiry", "probe_ssl_earliest_cert_expiry", check("secure", "shop", ""), float64(expiry.Unix())},
		{"checks of a service passing", "slate_probe_checks", with(web, "result", "success"), 1},
		{"checks of a service failing", "slate_probe_checks", with(web, "result", "failure"), 1},
		{"none failing", "slate_probe_checks", with(shop, "result", "failure"), 0},
		{"the earliest expiry of a service", "slate_probe_ssl_earliest_cert_expiry", shop, float64(expiry.Unix())},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := gaugeValue(t, reg, tc.series, tc.labels); got != tc.want {
				t.Errorf("got %s %v, want %v", tc.series, got, tc.want)
			}
		})
	}
	t.Run("the slowest last run of a service", func(t *testing.T) {
		slowest := max(gaugeValue(t, reg, "probe_duration_seconds", check("up", "web", "acme")),
			gaugeValue(t, reg, "probe_duration_seconds", check("down", "web", "acme")))
		if got := gaugeValue(t, reg, "slate_probe_duration_seconds_max", web); got != slowest || got <= 0 {
			t.Errorf("got slate_probe_duration_seconds_max %v, want the slower check's %v", got, slowest)
		}
	})
	if n := testutil.CollectAndCount(reg, "probe_ssl_earliest_cert_expiry"); n != 1 {
		t.Errorf("got %d expiry series, want 1: only a run that saw a certificate has one", n)
	}
	if n := testutil.CollectAndCount(reg, "probe_http_status_code"); n != 3 {
		t.Errorf("got %d status series, want one per HTTP check", n)
	}
}

// TestProbeSeriesAboveCheckSeries: past CheckSeries checks, the per-check
// series give way to the per-service ones, which stay exact.
func TestProbeSeriesAboveCheckSeries(t *testing.T) {
	for _, tc := range []struct {
		name         string
		checkSeries  int
		wantPerCheck int
	}{
		{"default", DefaultCheckSeries, 3},
		{"at the limit", 3, 3},
		{"above it", 2, 0},
		{"aggregates only", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, reg, _ := probedScheduler(t)
			if s.CheckSeries != DefaultCheckSeries {
				t.Fatalf("New set CheckSeries %d, want %d", s.CheckSeries, DefaultCheckSeries)
			}
			s.CheckSeries = tc.checkSeries
			for _, name := range []string{"probe_success", "probe_duration_seconds", "probe_http_status_code"} {
				if n := testutil.CollectAndCount(reg, name); n != tc.wantPerCheck {
					t.Errorf("got %d %s series, want %d", n, name, tc.wantPerCheck)
				}
			}
			web := prometheus.Labels{"service": "web", "tenant": "acme", "location": "eu-1", "result": "failure"}
			if got := gaugeValue(t, reg, "slate_probe_checks", web); got != 1 {
				t.Errorf("got %v failing checks of web, want 1", got)
			}
			if n := testutil.CollectAndCount(reg, "slate_probe_checks"); n != 4 {
				t.Errorf("got %d slate_probe_checks series, want 4 (2 services × 2 results)", n)
			}
		})
	}
}

// TestProbeSeriesAcrossReload: a changed check keeps showing its last run
// until it runs again while its labels stay; with new labels, the old
// series go and the new ones wait for a run.
func TestProbeSeriesAcrossReload(t *testing.T) {
	s, reg, _ := probedScheduler(t)
	srv := httptest.NewServer(testMux())
	defer srv.Close()
	up := httpCheck("up", srv.URL+"/ok", time.Minute)
	up.Timeout = time.Second // changed, same labels
	down := httpCheck("down", srv.URL+"/503", time.Minute)
	down.Service = "api" // changed labels
	if err := s.Reload([]Check{up, down}); err != nil {
		t.Fatal(err)
	}
	labels := func(id, service string) prometheus.Labels {
		return prometheus.Labels{"check": id, "service": service, "tenant": "acme", "location": "eu-1"}
	}
	if got := gaugeValue(t, reg, "probe_success", labels("up", "web")); got != 1 {
		t.Errorf("got probe_success %v for the changed check, want its last run's 1", got)
	}
	if n := testutil.CollectAndCount(reg, "probe_success"); n != 1 {
		t.Errorf("got %d probe_success series, want 1: the relabelled check's old series gone, its new one not yet", n)
	}
	if _, err := s.RunOnce(context.Background(), "down"); err != nil {
		t.Fatal(err)
	}
	if got := gaugeValue(t, reg, "probe_success", labels("down", "api")); got != 0 {
		t.Errorf("got probe_success %v under the new labels, want 0", got)
	}
}

// BenchmarkGatherProbeSeries gathers the probe series of 10,000 HTTP
// checks that ran, as a scrape of /metrics does: its bytes per operation
// are what each scrape allocates, transiently, for them.
func BenchmarkGatherProbeSeries(b *testing.B) {
	for _, tc := range []struct {
		name        string
		checkSeries int
	}{{"per-check", DefaultCheckSeries}, {"aggregated", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			s, reg := newTestScheduler(b, &memStore{})
			s.CheckSeries = tc.checkSeries
			const n = 10_000
			for i := range n {
				c := Check{ID: fmt.Sprintf("check-%05d", i), Service: fmt.Sprintf("svc-%02d", i%50), Kind: KindHTTP, Interval: time.Minute}
				addEntry(s, c, &countProbe{}, time.Now()).last.observe(Outcome{OK: i%7 != 0, StatusCode: 200, Latency: time.Millisecond})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := reg.Gather(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/check")
		})
	}
}
