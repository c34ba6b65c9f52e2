package collector

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

// testMux serves the paths the HTTP probe tests use.
func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello, service is healthy v1.2.3")
	})
	mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("X-Token") != "t0k" || string(b) != `{"ping":1}` || r.Host != "api.example" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		io.WriteString(w, "pong")
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(150 * time.Millisecond)
		io.WriteString(w, "late")
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/hints", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "after hints")
	})
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "probe" || p != "s3cret" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "welcome")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 100<<10)+"needle")
	})
	return mux
}

func TestHTTPProbe(t *testing.T) {
	srv := httptest.NewServer(testMux())
	defer srv.Close()

	tests := []struct {
		name       string
		target     string
		settings   HTTPSettings
		timeout    time.Duration
		wantOK     bool
		wantClass  sla.FailureClass
		wantDetail string
		wantStatus int
	}{
		{name: "ok", target: "/ok", wantOK: true, wantStatus: 200},
		{name: "status not accepted", target: "/503", wantClass: sla.ClassStatus, wantDetail: "status 503 not in [200-399]", wantStatus: 503},
		{name: "status in custom ranges", target: "/503", settings: HTTPSettings{Status: []StatusRange{{200, 299}, {503, 503}}}, wantOK: true, wantStatus: 503},
		{name: "status outside custom ranges", target: "/ok", settings: HTTPSettings{Status: []StatusRange{{204, 204}, {300, 399}}}, wantClass: sla.ClassStatus, wantDetail: "status 200 not in [204,300-399]", wantStatus: 200},
		{name: "method headers body host", target: "/echo", settings: HTTPSettings{
			Method: "POST", Body: `{"ping":1}`, Headers: map[string]string{"X-Token": "t0k", "host": "api.example"},
			BodyContains: []string{"pong"},
		}, wantOK: true, wantStatus: 200},
		{name: "wrong method", target: "/echo", settings: HTTPSettings{Body: `{"ping":1}`}, wantClass: sla.ClassStatus, wantDetail: "status 400", wantStatus: 400},
		{name: "body contains", target: "/ok", settings: HTTPSettings{BodyContains: []string{"healthy", "hello"}}, wantOK: true, wantStatus: 200},
		{name: "body lacks", target: "/ok", settings: HTTPSettings{BodyContains: []string{"healthy", "sick"}}, wantClass: sla.ClassBody, wantDetail: `body lacks "sick"`, wantStatus: 200},
		{name: "body must not contain", target: "/ok", settings: HTTPSettings{BodyNotContains: []string{"healthy"}}, wantClass: sla.ClassBody, wantDetail: `body contains "healthy"`, wantStatus: 200},
		{name: "body regexp", target: "/ok", settings: HTTPSettings{BodyRegexp: []string{`v\d+\.\d+\.\d+`}}, wantOK: true, wantStatus: 200},
		{name: "body regexp no match", target: "/ok", settings: HTTPSettings{BodyRegexp: []string{`v2\.`}}, wantClass: sla.ClassBody, wantDetail: `does not match /v2\./`, wantStatus: 200},
		{name: "body not regexp", target: "/ok", settings: HTTPSettings{BodyNotRegexp: []string{`(?i)HEALTHY`}}, wantClass: sla.ClassBody, wantDetail: "body matches", wantStatus: 200},
		{name: "latency over limit", target: "/slow", settings: HTTPSettings{MaxLatency: 50 * time.Millisecond}, wantClass: sla.ClassExpectation, wantDetail: "over limit 50ms", wantStatus: 200},
		{name: "latency within limit", target: "/slow", settings: HTTPSettings{MaxLatency: 5 * time.Second}, wantOK: true, wantStatus: 200},
		{name: "timeout", target: "/slow", timeout: 50 * time.Millisecond, wantClass: sla.ClassTimeout, wantDetail: "timeout after 50ms waiting for response headers"},
		{name: "redirect followed", target: "/redirect", settings: HTTPSettings{BodyContains: []string{"hello"}}, wantOK: true, wantStatus: 200},
		{name: "redirect not followed", target: "/redirect", settings: HTTPSettings{NoRedirects: true}, wantOK: true, wantStatus: 302},
		{name: "redirect not followed, 3xx refused", target: "/redirect", settings: HTTPSettings{NoRedirects: true, Status: []StatusRange{{200, 299}}}, wantClass: sla.ClassStatus, wantDetail: "status 302 not in [200-299]", wantStatus: 302},
		{name: "redirect loop", target: "/loop", settings: HTTPSettings{MaxRedirects: 3}, wantClass: sla.ClassStatus, wantDetail: "more than 3 redirects"},
		{name: "informational response skipped", target: "/hints", settings: HTTPSettings{BodyContains: []string{"after hints"}}, wantOK: true, wantStatus: 200},
		{name: "body beyond bound is not a failure", target: "/big", wantOK: true, wantStatus: 200},
		{name: "required text beyond bound", target: "/big", settings: HTTPSettings{BodyContains: []string{"needle"}}, wantClass: sla.ClassBody, wantDetail: "in first 65536 bytes", wantStatus: 200},
		{name: "larger bound finds it", target: "/big", settings: HTTPSettings{BodyContains: []string{"needle"}, MaxBodyBytes: 1 << 20}, wantOK: true, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			p := mustProbe(t, Check{Kind: KindHTTP, Target: srv.URL + tc.target, Timeout: timeout, HTTP: tc.settings}, Env{})
			o := p.Probe(context.Background())
			checkOutcome(t, o, tc.wantOK, tc.wantClass, tc.wantDetail)
			if o.StatusCode != tc.wantStatus {
				t.Errorf("got status code %d, want %d", o.StatusCode, tc.wantStatus)
			}
			if o.Latency <= 0 || o.Latency > timeout+time.Second {
				t.Errorf("got latency %s, want in (0, %s]", o.Latency, timeout+time.Second)
			}
		})
	}
}

// TestHTTPProbeResolvesName uses localhost, which the hosts file resolves
// without a DNS query.
func TestHTTPProbeResolvesName(t *testing.T) {
	srv := httptest.NewServer(testMux())
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p := mustProbe(t, Check{Kind: KindHTTP, Target: "http://localhost:" + port + "/ok", Timeout: 5 * time.Second}, Env{})
	o := p.Probe(context.Background())
	checkOutcome(t, o, true, sla.ClassNone, "")
	if o.Phases.DNS <= 0 {
		t.Errorf("got dns phase %s, want > 0 for a name", o.Phases.DNS)
	}
}

func TestHTTPProbeBasicAuth(t *testing.T) {
	srv := httptest.NewServer(testMux())
	defer srv.Close()
	tests := []struct {
		name       string
		userinfo   string
		wantStatus int
	}{
		{"credentials in URL", "probe:s3cret@", 200},
		{"wrong password", "probe:guess@", 401},
		{"none", "", 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := strings.Replace(srv.URL, "http://", "http://"+tc.userinfo, 1) + "/auth"
			o := mustProbe(t, Check{Kind: KindHTTP, Target: target, Timeout: 5 * time.Second, HTTP: HTTPSettings{Status: []StatusRange{{200, 200}}}}, Env{}).Probe(context.Background())
			if o.StatusCode != tc.wantStatus {
				t.Errorf("got status %d, want %d", o.StatusCode, tc.wantStatus)
			}
		})
	}
}

// TestHTTPProbeRedirectDropsCredentials follows a redirect to another host
// and checks the credentials stay behind.
func TestHTTPProbeRedirectDropsCredentials(t *testing.T) {
	var gotAuth atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization") + "|" + r.Header.Get("X-Keep"))
	}))
	defer other.Close()
	// Same address, other host name: localhost instead of 127.0.0.1.
	_, port, _ := net.SplitHostPort(other.Listener.Addr().String())
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://localhost:"+port+"/", http.StatusFound)
	}))
	defer first.Close()
	o := mustProbe(t, Check{Kind: KindHTTP, Target: first.URL, Timeout: 5 * time.Second, HTTP: HTTPSettings{
		Headers: map[string]string{"Authorization": "Bearer secret", "X-Keep": "yes"},
	}}, Env{}).Probe(context.Background())
	checkOutcome(t, o, true, sla.ClassNone, "")
	if got := gotAuth.Load(); got != "|yes" {
		t.Errorf("got Authorization|X-Keep %q at the other host, want %q", got, "|yes")
	}
}

func TestHTTPProbeConnectRefused(t *testing.T) {
	p := mustProbe(t, Check{Kind: KindHTTP, Target: "http://" + closedAddr(t) + "/", Timeout: 2 * time.Second}, Env{})
	o := p.Probe(context.Background())
	checkOutcome(t, o, false, sla.ClassConnect, "connection refused")
}

func TestHTTPProbeTLS(t *testing.T) {
	cert := newTestCert(t, time.Now().Add(90*24*time.Hour))
	srv := httptest.NewUnstartedServer(testMux())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.cert}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are the point
	srv.StartTLS()
	defer srv.Close()
	other := newTestCert(t, time.Now().Add(90*24*time.Hour))

	tests := []struct {
		name       string
		opts       TLSOptions
		wantOK     bool
		wantClass  sla.FailureClass
		wantDetail string
	}{
		{name: "untrusted by default", wantClass: sla.ClassTLS, wantDetail: "certificate"},
		{name: "insecure skip verify", opts: TLSOptions{InsecureSkipVerify: true}, wantOK: true},
		{name: "custom CA", opts: TLSOptions{CAFile: cert.caFile}, wantOK: true},
		{name: "wrong custom CA", opts: TLSOptions{CAFile: other.caFile}, wantClass: sla.ClassTLS, wantDetail: "certificate"},
		{name: "server name mismatch", opts: TLSOptions{CAFile: cert.caFile, ServerName: "other.example"}, wantClass: sla.ClassTLS, wantDetail: "other.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustProbe(t, Check{Kind: KindHTTP, Target: srv.URL + "/ok", Timeout: 5 * time.Second,
				HTTP: HTTPSettings{TLSOptions: tc.opts}}, Env{})
			o := p.Probe(context.Background())
			checkOutcome(t, o, tc.wantOK, tc.wantClass, tc.wantDetail)
			if !tc.wantOK {
				return
			}
			if !o.CertExpiry.Equal(cert.x509.NotAfter) {
				t.Errorf("got cert expiry %s, want %s", o.CertExpiry, cert.x509.NotAfter)
			}
			ph := o.Phases
			if ph.Connect <= 0 || ph.TLS <= 0 || ph.FirstByte <= 0 || ph.Total < ph.FirstByte {
				t.Errorf("got phases %+v, want connect, tls, first byte > 0 and total >= first byte", ph)
			}
		})
	}
}

func TestHTTPProbeBadCAFile(t *testing.T) {
	c := Check{ID: "x", Kind: KindHTTP, Target: "https://127.0.0.1/", Interval: time.Second,
		HTTP: HTTPSettings{TLSOptions: TLSOptions{CAFile: t.TempDir() + "/missing.pem"}}}
	_, err := NewProbe(c, Env{})
	if err == nil || !strings.Contains(err.Error(), "http.tls.ca_file") {
		t.Errorf("got error %v, want one naming http.tls.ca_file", err)
	}
}

// TestHTTPProbeFreshConnection checks that every run opens its own
// connection.
func TestHTTPProbeFreshConnection(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(testMux())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	p := mustProbe(t, Check{Kind: KindHTTP, Target: srv.URL + "/ok", Timeout: 5 * time.Second}, Env{})
	const runs = 5
	for i := range runs {
		if o := p.Probe(context.Background()); !o.OK {
			t.Fatalf("run %d: got %s %s, want ok", i, o.Class, o.Detail)
		}
	}
	if got := conns.Load(); got != runs {
		t.Errorf("got %d connections for %d runs, want %d", got, runs, runs)
	}
}

// BenchmarkHTTPProbe measures one run against a local server, fresh
// connection included. The server's work counts too: it runs in-process.
func BenchmarkHTTPProbe(b *testing.B) {
	srv := httptest.NewServer(testMux())
	defer srv.Close()
	p := mustProbe(b, Check{Kind: KindHTTP, Target: srv.URL + "/ok", Timeout: 5 * time.Second,
		HTTP: HTTPSettings{BodyContains: []string{"healthy"}}}, Env{})
	b.ReportAllocs()
	for b.Loop() {
		if o := p.Probe(context.Background()); !o.OK {
			b.Fatalf("got %s %s, want ok", o.Class, o.Detail)
		}
	}
}

// TestDefaultRequest checks that a probe without options writes, without
// parsing its target, the request a probe with options writes.
func TestDefaultRequest(t *testing.T) {
	for _, target := range []string{
		"http://127.0.0.1:8080/c/1",
		"http://example.org",
		"https://[::1]:8443/a%20b/?x=1&y=%2F",
		"http://example.org/path?",
		"http://xn--bcher-kva.example/%C3%BC",
	} {
		t.Run(target, func(t *testing.T) {
			p, err := NewProbe(Check{ID: "c", Kind: KindHTTP, Target: target, Interval: time.Minute}, Env{})
			if err != nil {
				t.Fatal(err)
			}
			hp := p.(*HTTPProbe)
			if hp.opt != nil {
				t.Fatalf("got options %+v for the defaults, want none", hp.opt)
			}
			u, err := url.Parse(target)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := string(hp.appendDefaultRequest(nil)), string(hp.appendRequest(nil, u, u, "GET", false)); got != want {
				t.Errorf("got request\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// TestHTTPOptionsKeepEverySetting changes each HTTP setting from its zero
// value, one at a time, and wants options kept for it: a probe without
// options runs with the defaults, so a setting it dropped would be ignored.
func TestHTTPOptionsKeepEverySetting(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1/")
	if o, err := newHTTPOptions(HTTPSettings{}, u); o != nil || err != nil {
		t.Fatalf("zero settings: got %+v, %v; want no options", o, err)
	}
	for _, path := range leaves(reflect.TypeOf(HTTPSettings{}), nil) {
		var h HTTPSettings
		mutate(t, reflect.ValueOf(&h).Elem().FieldByIndex(path))
		if o, err := newHTTPOptions(h, u); o == nil && err == nil {
			t.Errorf("%s set: got no options, want them kept", reflect.TypeOf(h).FieldByIndex(path).Name)
		}
	}
}
