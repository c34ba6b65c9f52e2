package collector

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/slatehq/slate/sla"
)

// Probe runs one check once. Probe applies the check's hard timeout itself,
// so callers pass a context that is only cancelled on shutdown. A Probe may be
// run concurrently with itself.
type Probe interface {
	Probe(ctx context.Context) Outcome
}

// Outcome is what one run saw: the pass/fail verdict that becomes an
// sla.Result, plus measurements exported as metrics.
type Outcome struct {
	OK      bool
	Class   sla.FailureClass // ClassNone when OK
	Detail  string           // short explanation of the failure; "" when OK
	Latency time.Duration    // wall time of the run, from start to verdict

	// NoData is set when the run has nothing to say (a push check before its
	// first heartbeat was due). No result is recorded for it: no data is
	// never uptime or downtime.
	NoData bool

	StatusCode   int       // final HTTP status; 0 when there was none
	CertExpiry   time.Time // earliest NotAfter of the peer's certificates; zero without TLS
	CertDaysLeft int       // whole days until CertExpiry (TLS probes); negative once expired
	Phases       Phases    // HTTP phase timings; zero for other kinds
}

// Phases are the durations of the phases of an HTTP run, from
// net/http/httptrace. A phase that did not happen is zero. After redirects
// they describe the last request.
type Phases struct {
	DNS       time.Duration // name resolution
	Connect   time.Duration // TCP connect
	TLS       time.Duration // TLS handshake
	FirstByte time.Duration // from start of the run to the first response byte
	Total     time.Duration // whole run, body included
}

// maxDetail bounds Detail: it is stored with every failed result.
const maxDetail = 200

func failure(class sla.FailureClass, format string, args ...any) Outcome {
	d := fmt.Sprintf(format, args...)
	if len(d) > maxDetail {
		d = d[:maxDetail-3] + "..."
	}
	return Outcome{Class: class, Detail: d}
}

// connSlack is how long past a run's deadline a connection may live: the
// context deadline ends the run; the connection deadline is the backstop that
// frees a goroutine stuck in a read or write on a hung peer.
const connSlack = 500 * time.Millisecond

// Env is what probes share: the clock and the heartbeat receiver. The zero
// value works for every kind but push.
type Env struct {
	Now        func() time.Time // clock for certificate days left; nil means time.Now
	Heartbeats *Heartbeats      // receiver that push probes read; required for push checks
}

func (e Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// NewProbe builds the probe for c, which should be valid (see Check.Validate).
// It reads the CA file named in the TLS options, if any.
func NewProbe(c Check, env Env) (Probe, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("check %s: %w", c.ID, err)
	}
	var p Probe
	var err error
	switch c.Kind {
	case KindHTTP:
		p, err = newHTTPProbe(c, env)
	case KindTCP:
		p, err = newTCPProbe(c, env)
	case KindDNS:
		p, err = newDNSProbe(c)
	case KindTLS:
		p, err = newTLSProbe(c, env)
	case KindPush:
		p, err = newPushProbe(c, env)
	}
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", c.ID, err)
	}
	return p, nil
}

// tlsConfig builds the client configuration for o. host is the target's host,
// the server name unless o says otherwise. field names o in errors.
func tlsConfig(o TLSOptions, host, field string) (*tls.Config, error) {
	conf := &tls.Config{
		ServerName:         host,
		InsecureSkipVerify: o.InsecureSkipVerify,
		MinVersion:         tls.VersionTLS12,
	}
	if o.ServerName != "" {
		conf.ServerName = o.ServerName
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fieldErr(field+".ca_file", "%v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fieldErr(field+".ca_file", "no PEM certificates in %s", o.CAFile)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// earliestExpiry is the earliest NotAfter of certs; zero when there are none.
func earliestExpiry(certs []*x509.Certificate) time.Time {
	var t time.Time
	for _, c := range certs {
		if t.IsZero() || c.NotAfter.Before(t) {
			t = c.NotAfter
		}
	}
	return t
}

// isTimeout reports whether err is a deadline or timeout error.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// probeDialer is the dialer of every probe: a run's connection is used
// once, so it has no keep-alive. It is made per run rather than kept per
// check (a net.Dialer is 144 bytes).
func probeDialer() *net.Dialer { return &net.Dialer{KeepAlive: -1} }

// deadlineConn sets the connection deadline from ctx plus connSlack.
func deadlineConn(ctx context.Context, c net.Conn) {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl.Add(connSlack))
	}
}

// timed runs run under a hard timeout and stamps the outcome with the time
// it took: the common frame of the probes without phase timings.
func timed(ctx context.Context, timeout time.Duration, run func(context.Context) Outcome) Outcome {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out := run(ctx)
	out.Latency = time.Since(start)
	return out
}
