package collector

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/slatehq/slate/sla"
)

// dnsServer is a small authoritative server on 127.0.0.1, UDP and TCP on the
// same port, answering from a fixed zone. Names: ok.test (A, AAAA, MX, TXT,
// NS), www.test (CNAME to ok.test), big.test (TXT too large for UDP: the UDP
// answer is truncated), servfail.test (SERVFAIL), silent.test (no answer);
// any other name is NXDOMAIN.
type dnsServer struct {
	addr string
}

func startDNSServer(t *testing.T) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Skipf("tcp port matching the udp one is taken: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := dnsAnswer(buf[:n], true); resp != nil {
				pc.WriteTo(resp, from)
			}
		}
	}()
	serve(t, ln, func(c net.Conn) {
		var hdr [2]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		q := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		if _, err := io.ReadFull(c, q); err != nil {
			return
		}
		resp := dnsAnswer(q, false)
		if resp == nil {
			io.Copy(io.Discard, c)
			return
		}
		c.Write(binary.BigEndian.AppendUint16(nil, uint16(len(resp))))
		c.Write(resp)
	})
	return &dnsServer{addr: pc.LocalAddr().String()}
}

// dnsAnswer builds the answer to query; nil means stay silent.
func dnsAnswer(query []byte, udp bool) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	name := strings.ToLower(q.Name.String())
	resp := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired},
		Questions: []dnsmessage.Question{q},
	}
	hdr := func(t dnsmessage.Type) dnsmessage.ResourceHeader {
		return dnsmessage.ResourceHeader{Name: q.Name, Type: t, Class: dnsmessage.ClassINET, TTL: 60}
	}
	n := dnsmessage.MustNewName
	add := func(body dnsmessage.ResourceBody) {
		var t dnsmessage.Type
		switch body.(type) {
		case *dnsmessage.AResource:
			t = dnsmessage.TypeA
		case *dnsmessage.AAAAResource:
			t = dnsmessage.TypeAAAA
		case *dnsmessage.MXResource:
			t = dnsmessage.TypeMX
		case *dnsmessage.TXTResource:
			t = dnsmessage.TypeTXT
		case *dnsmessage.NSResource:
			t = dnsmessage.TypeNS
		case *dnsmessage.CNAMEResource:
			t = dnsmessage.TypeCNAME
		}
		resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: hdr(t), Body: body})
	}
	switch name {
	case "ok.test.":
		switch q.Type {
		case dnsmessage.TypeA:
			add(&dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}})
			add(&dnsmessage.AResource{A: [4]byte{192, 0, 2, 2}})
		case dnsmessage.TypeAAAA:
			add(&dnsmessage.AAAAResource{AAAA: [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}})
		case dnsmessage.TypeMX:
			add(&dnsmessage.MXResource{Pref: 10, MX: n("mx1.test.")})
			add(&dnsmessage.MXResource{Pref: 20, MX: n("mx2.test.")})
		case dnsmessage.TypeTXT:
			add(&dnsmessage.TXTResource{TXT: []string{"v=spf1 ", "-all"}})
		case dnsmessage.TypeNS:
			add(&dnsmessage.NSResource{NS: n("ns1.test.")})
		}
	case "www.test.":
		add(&dnsmessage.CNAMEResource{CNAME: n("ok.test.")})
		if q.Type == dnsmessage.TypeA {
			add(&dnsmessage.AResource{A: [4]byte{192, 0, 2, 1}})
		}
	case "big.test.":
		if udp {
			resp.Header.Truncated = true
			break
		}
		for i := range 20 {
			add(&dnsmessage.TXTResource{TXT: []string{strings.Repeat(string(rune('a'+i)), 60)}})
		}
	case "servfail.test.":
		resp.Header.RCode = dnsmessage.RCodeServerFailure
	case "silent.test.":
		return nil
	default:
		resp.Header.RCode = dnsmessage.RCodeNameError
	}
	b, err := resp.Pack()
	if err != nil {
		return nil
	}
	return b
}

func TestDNSProbe(t *testing.T) {
	srv := startDNSServer(t)
	tests := []struct {
		name       string
		target     string
		settings   DNSSettings
		wantOK     bool
		wantClass  sla.FailureClass
		wantDetail string
	}{
		{name: "A any answer", target: "ok.test", wantOK: true},
		{name: "A contains", target: "ok.test", settings: DNSSettings{Expect: []string{"192.0.2.2"}}, wantOK: true},
		{name: "A contains missing", target: "ok.test", settings: DNSSettings{Expect: []string{"192.0.2.9"}}, wantClass: sla.ClassExpectation, wantDetail: `"192.0.2.9" not in answer [192.0.2.1 192.0.2.2]`},
		{name: "A equals", target: "ok.test", settings: DNSSettings{Expect: []string{"192.0.2.2", "192.0.2.1"}, Match: MatchEquals}, wantOK: true},
		{name: "A equals extra record", target: "ok.test", settings: DNSSettings{Expect: []string{"192.0.2.1"}, Match: MatchEquals}, wantClass: sla.ClassExpectation, wantDetail: `unexpected "192.0.2.2"`},
		{name: "AAAA canonical form", target: "ok.test", settings: DNSSettings{Type: "aaaa", Expect: []string{"2001:DB8:0::1"}}, wantOK: true},
		{name: "CNAME", target: "www.test", settings: DNSSettings{Type: "CNAME", Expect: []string{"OK.test."}}, wantOK: true},
		{name: "A through CNAME", target: "www.test", settings: DNSSettings{Expect: []string{"192.0.2.1"}, Match: MatchEquals}, wantOK: true},
		{name: "MX host only", target: "ok.test", settings: DNSSettings{Type: "MX", Expect: []string{"mx2.test"}}, wantOK: true},
		{name: "MX with preference", target: "ok.test", settings: DNSSettings{Type: "MX", Expect: []string{"10 mx1.test"}}, wantOK: true},
		{name: "MX wrong preference", target: "ok.test", settings: DNSSettings{Type: "MX", Expect: []string{"20 mx1.test"}}, wantClass: sla.ClassExpectation, wantDetail: "not in answer"},
		{name: "TXT joined strings", target: "ok.test", settings: DNSSettings{Type: "TXT", Expect: []string{"v=spf1 -all"}}, wantOK: true},
		{name: "NS", target: "ok.test", settings: DNSSettings{Type: "NS", Expect: []string{"ns1.test"}}, wantOK: true},
		{name: "no records of type", target: "www.test", settings: DNSSettings{Type: "MX"}, wantClass: sla.ClassExpectation, wantDetail: "no MX records"},
		{name: "NXDOMAIN", target: "nope.test", wantClass: sla.ClassDNS, wantDetail: "NXDOMAIN"},
		{name: "SERVFAIL", target: "servfail.test", wantClass: sla.ClassDNS, wantDetail: "SERVFAIL"},
		{name: "silent server", target: "silent.test", wantClass: sla.ClassTimeout, wantDetail: "timeout"},
		{name: "truncated UDP retried over TCP", target: "big.test", settings: DNSSettings{Type: "TXT", Expect: []string{strings.Repeat("t", 60)}}, wantOK: true},
		{name: "TCP", target: "ok.test", settings: DNSSettings{TCP: true, Expect: []string{"192.0.2.1"}}, wantOK: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.settings.Server = srv.addr
			p := mustProbe(t, Check{Kind: KindDNS, Target: tc.target, Timeout: 300 * time.Millisecond, DNS: tc.settings}, Env{})
			o := p.Probe(context.Background())
			checkOutcome(t, o, tc.wantOK, tc.wantClass, tc.wantDetail)
			if o.Latency > 300*time.Millisecond+connSlack {
				t.Errorf("got latency %s, want at most %s", o.Latency, 300*time.Millisecond+connSlack)
			}
		})
	}
}

func TestDNSProbeServerDown(t *testing.T) {
	// A UDP port that was just closed: the kernel answers with ICMP port
	// unreachable, which reads as connection refused.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	p := mustProbe(t, Check{Kind: KindDNS, Target: "ok.test", Timeout: time.Second, DNS: DNSSettings{Server: addr}}, Env{})
	o := p.Probe(context.Background())
	checkOutcome(t, o, false, sla.ClassConnect, "refused")
}

// FuzzDNSParse feeds arbitrary answers to the probe's answer parser and
// comparison: they must return, not panic, and a parsed answer must compare
// consistently.
func FuzzDNSParse(f *testing.F) {
	for _, name := range []string{"ok.test.", "www.test.", "servfail.test.", "nope.test."} {
		for _, typ := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeMX, dnsmessage.TypeTXT, dnsmessage.TypeCNAME} {
			q := dnsmessage.Message{
				Header:    dnsmessage.Header{ID: 7},
				Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName(name), Type: typ, Class: dnsmessage.ClassINET}},
			}
			b, err := q.Pack()
			if err != nil {
				f.Fatal(err)
			}
			if a := dnsAnswer(b, false); a != nil {
				f.Add(a, uint16(typ))
			}
		}
	}
	f.Add([]byte{0, 7, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0}, uint16(dnsmessage.TypeA))
	f.Fuzz(func(t *testing.T, msg []byte, typ uint16) {
		p := &DNSProbe{name: dnsmessage.MustNewName("ok.test."), qtype: dnsmessage.Type(typ), tname: "X", expect: []string{"192.0.2.1"}}
		answers, rcode, err := p.parse(msg, 7)
		if err != nil || rcode != dnsmessage.RCodeSuccess {
			return
		}
		o := p.compare(answers)
		if o.OK != (len(answers) > 0 && slices.Contains(answers, "192.0.2.1")) && p.qtype != dnsmessage.TypeMX {
			t.Fatalf("got ok=%v for answers %q, want ok exactly when 192.0.2.1 is among them", o.OK, answers)
		}
	})
}
