package collector

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

// tlsServer handshakes with cert and closes; it serves until the test ends.
func tlsServer(t *testing.T, cert testCert) string {
	t.Helper()
	ln := tls.NewListener(listen(t), &tls.Config{Certificates: []tls.Certificate{cert.cert}})
	serve(t, ln, func(c net.Conn) {
		if tc, ok := c.(*tls.Conn); ok {
			tc.Handshake()
		}
		io.Copy(io.Discard, c)
	})
	return ln.Addr().String()
}

func TestTLSProbe(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	// Certificates must be valid for the verifying client, which uses the
	// real time; the probe's clock decides the days left.
	realNow := time.Now()
	long := newTestCert(t, realNow.Add(400*24*time.Hour))
	soon := newTestCert(t, realNow.Add(5*24*time.Hour+time.Hour))
	longAddr, soonAddr := tlsServer(t, long), tlsServer(t, soon)

	plain := listen(t)
	serve(t, plain, func(c net.Conn) { io.WriteString(c, "SSH-2.0-OpenSSH\r\n") })

	tests := []struct {
		name       string
		addr       string
		settings   TLSSettings
		wantOK     bool
		wantClass  sla.FailureClass
		wantDetail string
		wantExpiry time.Time
	}{
		{name: "far from expiry", addr: longAddr, settings: TLSSettings{TLSOptions: TLSOptions{CAFile: long.caFile}}, wantOK: true, wantExpiry: long.x509.NotAfter},
		{name: "expires within default 14 days", addr: soonAddr, settings: TLSSettings{TLSOptions: TLSOptions{CAFile: soon.caFile}}, wantClass: sla.ClassTLS, wantDetail: "want at least 14", wantExpiry: soon.x509.NotAfter},
		{name: "expires within configured days", addr: longAddr, settings: TLSSettings{MinDaysLeft: 500, TLSOptions: TLSOptions{CAFile: long.caFile}}, wantClass: sla.ClassTLS, wantDetail: "want at least 500", wantExpiry: long.x509.NotAfter},
		{name: "within threshold when allowed", addr: soonAddr, settings: TLSSettings{MinDaysLeft: 3, TLSOptions: TLSOptions{InsecureSkipVerify: true}}, wantOK: true, wantExpiry: soon.x509.NotAfter},
		{name: "untrusted", addr: longAddr, wantClass: sla.ClassTLS, wantDetail: "tls handshake"},
		{name: "not TLS", addr: plain.Addr().String(), settings: TLSSettings{TLSOptions: TLSOptions{InsecureSkipVerify: true}}, wantClass: sla.ClassTLS, wantDetail: "tls handshake"},
		{name: "refused", addr: closedAddr(t), wantClass: sla.ClassConnect, wantDetail: "refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustProbe(t, Check{Kind: KindTLS, Target: tc.addr, Timeout: 2 * time.Second, TLS: tc.settings}, Env{Now: clock})
			o := p.Probe(context.Background())
			checkOutcome(t, o, tc.wantOK, tc.wantClass, tc.wantDetail)
			if !o.CertExpiry.Equal(tc.wantExpiry) {
				t.Errorf("got expiry %s, want %s", o.CertExpiry, tc.wantExpiry)
			}
			if !tc.wantExpiry.IsZero() {
				if want := daysLeft(now, tc.wantExpiry); o.CertDaysLeft != want {
					t.Errorf("got %d days left, want %d", o.CertDaysLeft, want)
				}
			}
		})
	}
}

func TestDaysLeft(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		t    time.Time
		want int
	}{
		{"exactly 14 days", now.Add(14 * 24 * time.Hour), 14},
		{"one second short of 14", now.Add(14*24*time.Hour - time.Second), 13},
		{"23 hours", now.Add(23 * time.Hour), 0},
		{"expired an hour ago", now.Add(-time.Hour), -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := daysLeft(now, tc.t); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}
