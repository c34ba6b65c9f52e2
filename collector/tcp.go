package collector

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"

	"github.com/slatehq/slate/sla"
)

// TCPProbe connects to host:port, optionally handshakes TLS, sends a line and
// looks for an expected text in what comes back. Build it with NewProbe.
type TCPProbe struct {
	addr    string
	tlsConf *tls.Config // nil without TLS
	send    []byte
	expect  []byte
	maxRead int
	timeout time.Duration
}

func newTCPProbe(c Check, _ Env) (*TCPProbe, error) {
	t := c.TCP
	p := &TCPProbe{
		addr:    c.Target,
		send:    []byte(t.Send),
		expect:  []byte(t.Expect),
		maxRead: t.MaxRead,
		timeout: c.EffectiveTimeout(),
	}
	if p.maxRead == 0 {
		p.maxRead = DefaultTCPMaxRead
	}
	if t.TLS {
		host, _, _ := net.SplitHostPort(c.Target)
		conf, err := tlsConfig(t.TLSOptions, host, "tcp.tls")
		if err != nil {
			return nil, err
		}
		p.tlsConf = conf
	}
	return p, nil
}

// Probe runs the check once on a fresh connection.
func (p *TCPProbe) Probe(ctx context.Context) Outcome {
	return timed(ctx, p.timeout, p.run)
}

func (p *TCPProbe) run(ctx context.Context) Outcome {
	conn, err := probeDialer().DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return dialFailure(ctx, err, p.timeout)
	}
	defer closeReset(conn, nil)
	deadlineConn(ctx, conn)

	var out Outcome
	if p.tlsConf != nil {
		tc := tls.Client(conn, p.tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			if ctx.Err() != nil || isTimeout(err) {
				return failure(sla.ClassTimeout, "timeout after %s in tls handshake", p.timeout)
			}
			return failure(sla.ClassTLS, "tls handshake: %v", err)
		}
		out.CertExpiry = earliestExpiry(tc.ConnectionState().PeerCertificates)
		conn = tc
	}
	// Close the connection when the context ends, so a read blocked on a
	// silent peer returns at the deadline rather than at the backstop.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	if len(p.send) > 0 {
		if _, err := conn.Write(p.send); err != nil {
			if ctx.Err() != nil || isTimeout(err) {
				return failure(sla.ClassTimeout, "timeout after %s sending", p.timeout)
			}
			return failure(sla.ClassExpectation, "send: %v", err)
		}
	}
	if len(p.expect) > 0 {
		got, err := readUntil(conn, p.expect, p.maxRead)
		switch {
		case err == nil:
		case ctx.Err() != nil || isTimeout(err):
			return failure(sla.ClassTimeout, "timeout after %s waiting for %q (%d bytes read)", p.timeout, p.expect, got)
		case errors.Is(err, errReadBound):
			return failure(sla.ClassExpectation, "%q not in first %d bytes", p.expect, got)
		case errors.Is(err, io.EOF):
			return failure(sla.ClassExpectation, "%q not found before close (%d bytes read)", p.expect, got)
		default:
			return failure(sla.ClassExpectation, "read: %v", err)
		}
	}
	out.OK = true
	return out
}

var errReadBound = errors.New("read bound reached")

// readUntil reads from r until want appears in what was read, max bytes
// were read (errReadBound), or the read fails. It returns the bytes read.
func readUntil(r io.Reader, want []byte, max int) (int, error) {
	buf := make([]byte, 0, min(max, 4<<10))
	chunk := make([]byte, min(max, 4<<10))
	for len(buf) < max {
		n, err := r.Read(chunk[:min(len(chunk), max-len(buf))])
		buf = append(buf, chunk[:n]...)
		if bytes.Contains(buf, want) {
			return len(buf), nil
		}
		if err != nil {
			return len(buf), err
		}
	}
	return len(buf), errReadBound
}

// dialFailure classifies a failed dial.
func dialFailure(ctx context.Context, err error, timeout time.Duration) Outcome {
	var dnsErr *net.DNSError
	switch {
	case ctx.Err() != nil || isTimeout(err):
		return failure(sla.ClassTimeout, "timeout after %s connecting", timeout)
	case errors.As(err, &dnsErr):
		return failure(sla.ClassDNS, "resolve %s: %s", dnsErr.Name, dnsErr.Err)
	default:
		return failure(sla.ClassConnect, "connect: %v", err)
	}
}
