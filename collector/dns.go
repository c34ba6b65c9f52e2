package collector

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/slatehq/slate/sla"
)

// dnsType maps the record types a DNS check may ask for.
func dnsType(s string) (dnsmessage.Type, bool) {
	switch strings.ToUpper(s) {
	case "", "A":
		return dnsmessage.TypeA, true
	case "AAAA":
		return dnsmessage.TypeAAAA, true
	case "CNAME":
		return dnsmessage.TypeCNAME, true
	case "MX":
		return dnsmessage.TypeMX, true
	case "TXT":
		return dnsmessage.TypeTXT, true
	case "NS":
		return dnsmessage.TypeNS, true
	}
	return 0, false
}

// maxUDPSize is the largest UDP answer read; larger answers come truncated
// and are asked again over TCP.
const maxUDPSize = 1232

// DNSProbe asks one DNS server for one name and record type and compares the
// answer with the expected values. Build it with NewProbe.
type DNSProbe struct {
	server  string
	name    dnsmessage.Name
	qtype   dnsmessage.Type
	tname   string // record type as configured, for details
	expect  []string
	equals  bool
	tcp     bool
	timeout time.Duration
}

func newDNSProbe(c Check) (*DNSProbe, error) {
	d := c.DNS
	tname := strings.ToUpper(d.Type)
	if tname == "" {
		tname = "A"
	}
	qtype, _ := dnsType(tname)
	fqdn := c.Target
	if !strings.HasSuffix(fqdn, ".") {
		fqdn += "."
	}
	name, err := dnsmessage.NewName(fqdn)
	if err != nil {
		return nil, fieldErr("target", "invalid DNS name: %v", err)
	}
	p := &DNSProbe{
		server:  d.Server,
		name:    name,
		qtype:   qtype,
		tname:   tname,
		equals:  d.Match == MatchEquals,
		tcp:     d.TCP,
		timeout: c.EffectiveTimeout(),
	}
	for _, e := range d.Expect {
		p.expect = append(p.expect, normalizeAnswer(p.qtype, e))
	}
	return p, nil
}

// Probe sends the query once (over TCP again if the UDP answer is truncated)
// and checks the answer.
func (p *DNSProbe) Probe(ctx context.Context) Outcome {
	return timed(ctx, p.timeout, p.run)
}

func (p *DNSProbe) run(ctx context.Context) Outcome {
	id := uint16(rand.Uint32())
	q := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: id, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: p.name, Type: p.qtype, Class: dnsmessage.ClassINET}},
	}
	query, err := q.AppendPack(make([]byte, 2, 514))
	if err != nil {
		return failure(sla.ClassExpectation, "build query: %v", err)
	}
	binary.BigEndian.PutUint16(query, uint16(len(query)-2))

	var resp []byte
	if !p.tcp {
		resp, err = p.exchangeUDP(ctx, query[2:], id)
		if err == nil && len(resp) > 2 && resp[2]&0x02 != 0 { // TC bit
			resp, err = p.exchangeTCP(ctx, query, id)
		}
	} else {
		resp, err = p.exchangeTCP(ctx, query, id)
	}
	if err != nil {
		var parseErr dnsParseError
		switch {
		case ctx.Err() != nil || isTimeout(err):
			return failure(sla.ClassTimeout, "timeout after %s waiting for %s", p.timeout, p.server)
		case errors.As(err, &parseErr):
			return failure(sla.ClassDNS, "bad answer: %v", err)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return failure(sla.ClassDNS, "server %s closed the connection", p.server)
		default:
			return failure(sla.ClassConnect, "query %s: %v", p.server, err)
		}
	}
	answers, rcode, err := p.parse(resp, id)
	if err != nil {
		return failure(sla.ClassDNS, "bad answer: %v", err)
	}
	if rcode != dnsmessage.RCodeSuccess {
		return failure(sla.ClassDNS, "%s %s: %s", p.tname, p.name, rcodeName(rcode))
	}
	return p.compare(answers)
}

// dnsParseError marks an answer that is not a valid DNS message.
type dnsParseError struct{ err error }

func (e dnsParseError) Error() string { return e.err.Error() }
func (e dnsParseError) Unwrap() error { return e.err }

func (p *DNSProbe) exchangeUDP(ctx context.Context, query []byte, id uint16) ([]byte, error) {
	conn, err := probeDialer().DialContext(ctx, "udp", p.server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	deadlineConn(ctx, conn)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := conn.Write(query); err != nil {
		return nil, err
	}
	buf := make([]byte, maxUDPSize)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, err
		}
		// Ignore datagrams that do not answer this query (late answers to
		// an earlier one, spoofing attempts); the deadline bounds the wait.
		if n >= 12 && binary.BigEndian.Uint16(buf) == id && buf[2]&0x80 != 0 {
			return buf[:n], nil
		}
	}
}

func (p *DNSProbe) exchangeTCP(ctx context.Context, query []byte, id uint16) ([]byte, error) {
	conn, err := probeDialer().DialContext(ctx, "tcp", p.server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	deadlineConn(ctx, conn)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := conn.Write(query); err != nil {
		return nil, err
	}
	var hdr [2]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(hdr[:]))
	if n < 12 {
		return nil, dnsParseError{fmt.Errorf("tcp answer of %d bytes", n)}
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(conn, buf); err != nil {
		return nil, err
	}
	if binary.BigEndian.Uint16(buf) != id {
		return nil, dnsParseError{errors.New("answer id does not match the query")}
	}
	return buf, nil
}

// parse returns the normalized answers of the queried type.
func (p *DNSProbe) parse(msg []byte, id uint16) ([]string, dnsmessage.RCode, error) {
	var ps dnsmessage.Parser
	h, err := ps.Start(msg)
	if err != nil {
		return nil, 0, err
	}
	if h.ID != id || !h.Response {
		return nil, 0, errors.New("not an answer to the query")
	}
	if h.RCode != dnsmessage.RCodeSuccess {
		return nil, h.RCode, nil
	}
	if err := ps.SkipAllQuestions(); err != nil {
		return nil, 0, err
	}
	var out []string
	for {
		rh, err := ps.AnswerHeader()
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			return out, h.RCode, nil
		}
		if err != nil {
			return nil, 0, err
		}
		if rh.Type != p.qtype || rh.Class != dnsmessage.ClassINET {
			if err := ps.SkipAnswer(); err != nil {
				return nil, 0, err
			}
			continue
		}
		var v string
		switch rh.Type {
		case dnsmessage.TypeA:
			r, err := ps.AResource()
			if err != nil {
				return nil, 0, err
			}
			v = netip.AddrFrom4(r.A).String()
		case dnsmessage.TypeAAAA:
			r, err := ps.AAAAResource()
			if err != nil {
				return nil, 0, err
			}
			v = netip.AddrFrom16(r.AAAA).String()
		case dnsmessage.TypeCNAME:
			r, err := ps.CNAMEResource()
			if err != nil {
				return nil, 0, err
			}
			v = r.CNAME.String()
		case dnsmessage.TypeNS:
			r, err := ps.NSResource()
			if err != nil {
				return nil, 0, err
			}
			v = r.NS.String()
		case dnsmessage.TypeMX:
			r, err := ps.MXResource()
			if err != nil {
				return nil, 0, err
			}
			v = strconv.Itoa(int(r.Pref)) + " " + r.MX.String()
		case dnsmessage.TypeTXT:
			r, err := ps.TXTResource()
			if err != nil {
				return nil, 0, err
			}
			v = strings.Join(r.TXT, "")
		default:
			// Not a type a check can ask for; the answer still has to be
			// consumed, or the parser would return this header forever.
			if err := ps.SkipAnswer(); err != nil {
				return nil, 0, err
			}
			continue
		}
		out = append(out, normalizeAnswer(p.qtype, v))
	}
}

// compare checks the answers against the expected values.
func (p *DNSProbe) compare(answers []string) Outcome {
	if len(answers) == 0 {
		return failure(sla.ClassExpectation, "no %s records for %s", p.tname, p.name)
	}
	for _, want := range p.expect {
		if !slices.ContainsFunc(answers, func(got string) bool { return answerMatches(p.qtype, want, got) }) {
			return failure(sla.ClassExpectation, "%s %s: %q not in answer [%s]", p.tname, p.name, want, strings.Join(answers, " "))
		}
	}
	if p.equals {
		for _, got := range answers {
			if !slices.ContainsFunc(p.expect, func(want string) bool { return answerMatches(p.qtype, want, got) }) {
				return failure(sla.ClassExpectation, "%s %s: unexpected %q in answer", p.tname, p.name, got)
			}
		}
	}
	return Outcome{OK: true}
}

// normalizeAnswer puts a value in the form answers are compared in:
// canonical IP text, lowercase names without the final dot.
func normalizeAnswer(t dnsmessage.Type, v string) string {
	v = strings.TrimSpace(v)
	switch t {
	case dnsmessage.TypeA, dnsmessage.TypeAAAA:
		if a, err := netip.ParseAddr(v); err == nil {
			return a.String()
		}
		return v
	case dnsmessage.TypeTXT:
		return v
	default:
		return strings.TrimSuffix(strings.ToLower(v), ".")
	}
}

// answerMatches compares an expected value with an answer. An expected MX
// value without a preference matches any preference.
func answerMatches(t dnsmessage.Type, want, got string) bool {
	if want == got {
		return true
	}
	if t == dnsmessage.TypeMX && !strings.Contains(want, " ") {
		_, host, _ := strings.Cut(got, " ")
		return host == want
	}
	return false
}

func rcodeName(r dnsmessage.RCode) string {
	switch r {
	case dnsmessage.RCodeFormatError:
		return "FORMERR"
	case dnsmessage.RCodeServerFailure:
		return "SERVFAIL"
	case dnsmessage.RCodeNameError:
		return "NXDOMAIN"
	case dnsmessage.RCodeNotImplemented:
		return "NOTIMP"
	case dnsmessage.RCodeRefused:
		return "REFUSED"
	}
	return "rcode " + strconv.Itoa(int(r))
}
