package collector

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

// lineServer answers each line it reads: "PING" gets "PONG", "QUIT" closes,
// anything else gets "ERR". It greets with a banner first.
func lineServer(c net.Conn) {
	io.WriteString(c, "220 ready\r\n")
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch strings.TrimSpace(line) {
		case "PING":
			io.WriteString(c, "+PONG\r\n")
		case "QUIT":
			return
		default:
			io.WriteString(c, "-ERR\r\n")
		}
	}
}

func TestTCPProbe(t *testing.T) {
	plain := listen(t)
	serve(t, plain, lineServer)

	cert := newTestCert(t, time.Now().Add(30*24*time.Hour))
	tlsLn := tls.NewListener(listen(t), &tls.Config{Certificates: []tls.Certificate{cert.cert}})
	serve(t, tlsLn, lineServer)

	silent := listen(t)
	serve(t, silent, func(c net.Conn) { io.Copy(io.Discard, c) })

	noisy := listen(t)
	serve(t, noisy, func(c net.Conn) {
		for {
			if _, err := io.WriteString(c, "blah blah blah\n"); err != nil {
				return
			}
		}
	})

	tests := []struct {
		name       string
		addr       string
		settings   TCPSettings
		wantOK     bool
		wantClass  sla.FailureClass
		wantDetail string
	}{
		{name: "connect only", addr: plain.Addr().String(), wantOK: true},
		{name: "banner", addr: plain.Addr().String(), settings: TCPSettings{Expect: "220 ready"}, wantOK: true},
		{name: "send and expect", addr: plain.Addr().String(), settings: TCPSettings{Send: "PING\r\n", Expect: "+PONG"}, wantOK: true},
		{name: "expect not found before close", addr: plain.Addr().String(), settings: TCPSettings{Send: "QUIT\r\n", Expect: "+PONG"}, wantClass: sla.ClassExpectation, wantDetail: "not found before close"},
		{name: "expect beyond read bound", addr: noisy.Addr().String(), settings: TCPSettings{Expect: "OK", MaxRead: 1000}, wantClass: sla.ClassExpectation, wantDetail: "not in first 1000 bytes"},
		{name: "silent server", addr: silent.Addr().String(), settings: TCPSettings{Expect: "hello"}, wantClass: sla.ClassTimeout, wantDetail: "waiting for"},
		{name: "refused", addr: closedAddr(t), wantClass: sla.ClassConnect, wantDetail: "refused"},
		{name: "tls with CA", addr: tlsLn.Addr().String(), settings: TCPSettings{TLS: true, Send: "PING\r\n", Expect: "+PONG", TLSOptions: TLSOptions{CAFile: cert.caFile}}, wantOK: true},
		{name: "tls untrusted", addr: tlsLn.Addr().String(), settings: TCPSettings{TLS: true}, wantClass: sla.ClassTLS, wantDetail: "tls handshake"},
		{name: "tls against plain server", addr: plain.Addr().String(), settings: TCPSettings{TLS: true, TLSOptions: TLSOptions{InsecureSkipVerify: true}}, wantClass: sla.ClassTLS, wantDetail: "tls handshake"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const timeout = 300 * time.Millisecond
			p := mustProbe(t, Check{Kind: KindTCP, Target: tc.addr, Timeout: timeout, TCP: tc.settings}, Env{})
			o := p.Probe(context.Background())
			checkOutcome(t, o, tc.wantOK, tc.wantClass, tc.wantDetail)
			if o.Latency > timeout+connSlack {
				t.Errorf("got latency %s, want at most %s", o.Latency, timeout+connSlack)
			}
			if tc.settings.TLS && tc.wantOK && !o.CertExpiry.Equal(cert.x509.NotAfter) {
				t.Errorf("got cert expiry %s, want %s", o.CertExpiry, cert.x509.NotAfter)
			}
		})
	}
}
