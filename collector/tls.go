package collector

import (
	"context"
	"crypto/tls"
	"math"
	"net"
	"time"

	"github.com/slatehq/slate/sla"
)

// TLSProbe connects to host:port, handshakes and fails when the earliest
// certificate the server sends (leaf or chain) expires in fewer than
// MinDaysLeft days. Build it with NewProbe.
type TLSProbe struct {
	addr    string
	conf    *tls.Config
	minDays int
	timeout time.Duration
	now     func() time.Time
}

func newTLSProbe(c Check, env Env) (*TLSProbe, error) {
	host, _, _ := net.SplitHostPort(c.Target)
	conf, err := tlsConfig(c.TLS.TLSOptions, host, "tls")
	if err != nil {
		return nil, err
	}
	p := &TLSProbe{
		addr:    c.Target,
		conf:    conf,
		minDays: c.TLS.MinDaysLeft,
		timeout: c.EffectiveTimeout(),
		now:     env.now,
	}
	if p.minDays == 0 {
		p.minDays = DefaultMinDaysLeft
	}
	return p, nil
}

// Probe handshakes once and checks the certificate expiry.
func (p *TLSProbe) Probe(ctx context.Context) Outcome {
	return timed(ctx, p.timeout, p.run)
}

func (p *TLSProbe) run(ctx context.Context) Outcome {
	conn, err := probeDialer().DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return dialFailure(ctx, err, p.timeout)
	}
	defer conn.Close()
	deadlineConn(ctx, conn)
	tc := tls.Client(conn, p.conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		if ctx.Err() != nil || isTimeout(err) {
			return failure(sla.ClassTimeout, "timeout after %s in tls handshake", p.timeout)
		}
		return failure(sla.ClassTLS, "tls handshake: %v", err)
	}
	expiry := earliestExpiry(tc.ConnectionState().PeerCertificates)
	left := daysLeft(p.now(), expiry)
	out := Outcome{CertExpiry: expiry, CertDaysLeft: left}
	if left < p.minDays {
		f := failure(sla.ClassTLS, "certificate expires in %d days (%s), want at least %d", left, expiry.UTC().Format(time.DateOnly), p.minDays)
		out.Class, out.Detail = f.Class, f.Detail
		return out
	}
	out.OK = true
	return out
}

// daysLeft is the number of whole days from now to t, rounded down, so a
// certificate expiring in 23 hours has 0 days left and an expired one has a
// negative count.
func daysLeft(now, t time.Time) int {
	return int(math.Floor(t.Sub(now).Hours() / 24))
}
