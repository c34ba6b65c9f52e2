package collector

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/slatehq/slate/sla"
)

// maxHeaderBytes bounds the status line and headers of a response.
const maxHeaderBytes = 64 << 10

// HTTPProbe checks an HTTP(S) endpoint. Build it with NewProbe.
//
// It speaks HTTP/1.1 itself over a fresh connection per run, in the calling
// goroutine, rather than through net/http's Transport: a run is one request
// on one connection, and doing without the Transport's pool, its per-
// connection goroutines and its request plumbing roughly halves the user CPU
// a run costs. Responses are parsed by net/http (http.ReadResponse), so
// framing (chunked, Content-Length, HEAD) is the standard library's. There
// is no proxy support and no HTTP/2.
type HTTPProbe struct {
	url        *url.URL
	method     string
	header     http.Header // without Host
	host       string      // Host header override; "" means the URL's host
	body       string
	request    []byte        // the first request, serialized once
	readReq    *http.Request // tells ReadResponse the method
	status     []StatusRange
	statusText string
	contains   [][]byte
	notContain [][]byte
	re, notRe  []*regexp.Regexp
	maxLatency time.Duration
	maxBody    int64
	timeout    time.Duration
	follow     bool
	maxRedir   int
	tlsConf    *tls.Config // for the URL's host; cloned for other hosts
	tlsName    bool        // tlsConf.ServerName was configured: keep it on redirects
	dialer     net.Dialer
}

func newHTTPProbe(c Check, _ Env) (*HTTPProbe, error) {
	h := c.HTTP
	u, err := url.Parse(c.Target)
	if err != nil {
		return nil, fieldErr("target", "%v", err)
	}
	p := &HTTPProbe{
		url:        u,
		method:     h.Method,
		header:     make(http.Header, len(h.Headers)+1),
		body:       h.Body,
		status:     h.Status,
		maxLatency: h.MaxLatency,
		maxBody:    h.MaxBodyBytes,
		timeout:    c.EffectiveTimeout(),
		follow:     !h.NoRedirects,
		maxRedir:   h.MaxRedirects,
		tlsName:    h.TLSOptions.ServerName != "",
		dialer:     net.Dialer{KeepAlive: -1},
	}
	if p.method == "" {
		p.method = http.MethodGet
	}
	for k, v := range h.Headers {
		if http.CanonicalHeaderKey(k) == "Host" {
			p.host = v
			continue
		}
		p.header.Set(k, v)
	}
	if p.header.Get("User-Agent") == "" {
		p.header.Set("User-Agent", "slate-probe")
	}
	if u.User != nil && p.header.Get("Authorization") == "" {
		pass, _ := u.User.Password()
		p.header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pass)))
	}
	if len(p.status) == 0 {
		p.status = defaultStatus()
	}
	p.statusText = formatStatusRanges(p.status)
	if p.maxBody == 0 {
		p.maxBody = DefaultMaxBodyBytes
	}
	if p.maxRedir == 0 {
		p.maxRedir = DefaultMaxRedirects
	}
	for _, s := range h.BodyContains {
		p.contains = append(p.contains, []byte(s))
	}
	for _, s := range h.BodyNotContains {
		p.notContain = append(p.notContain, []byte(s))
	}
	for i, s := range h.BodyRegexp {
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, fieldErr(fmt.Sprintf("http.body_regexp[%d]", i), "%v", err)
		}
		p.re = append(p.re, re)
	}
	for i, s := range h.BodyNotRegexp {
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, fieldErr(fmt.Sprintf("http.body_not_regexp[%d]", i), "%v", err)
		}
		p.notRe = append(p.notRe, re)
	}
	// Build the TLS configuration for https targets, and for http ones with
	// TLS options: a redirect may lead to HTTPS, and a bad CA file should
	// fail when the check is loaded, not at the first redirect.
	if u.Scheme == "https" || h.TLSOptions != (TLSOptions{}) {
		if p.tlsConf, err = tlsConfig(h.TLSOptions, u.Hostname(), "http.tls"); err != nil {
			return nil, err
		}
	}
	p.readReq = &http.Request{Method: p.method}
	p.request = p.appendRequest(nil, u, p.method, p.body != "")
	return p, nil
}

// appendRequest serializes a request for u with the probe's headers.
func (p *HTTPProbe) appendRequest(b []byte, u *url.URL, method string, withBody bool) []byte {
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, u.RequestURI()...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	if p.host != "" && u == p.url {
		b = append(b, p.host...)
	} else {
		b = append(b, u.Host...)
	}
	b = append(b, "\r\n"...)
	keys := make([]string, 0, len(p.header))
	for k := range p.header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		// As net/http does: credentials do not follow a redirect to
		// another host.
		if u.Host != p.url.Host && (k == "Authorization" || k == "Cookie" || k == "Proxy-Authorization") {
			continue
		}
		for _, v := range p.header[k] {
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	if withBody {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(p.body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Connection: close\r\n\r\n"...)
	if withBody {
		b = append(b, p.body...)
	}
	return b
}

// reader is the pooled read side of a connection: a bufio.Reader over a
// limit, so headers cannot grow without bound.
//
// The two pools below are the package's only package-level variables besides
// sentinel errors. They are caches, not state: a buffer carries nothing from
// one run to the next, and sharing them across probes keeps memory at one
// buffer per run in flight rather than one per check.
type reader struct {
	lim io.LimitedReader
	br  *bufio.Reader
}

var readers = sync.Pool{New: func() any {
	r := &reader{}
	r.br = bufio.NewReaderSize(&r.lim, 4<<10)
	return r
}}

// bodyBufs holds DefaultMaxBodyBytes buffers, so runs do not allocate one each.
var bodyBufs = sync.Pool{New: func() any {
	b := make([]byte, DefaultMaxBodyBytes)
	return &b
}}

// httpRun is the state of one run.
type httpRun struct {
	start    time.Time
	deadline time.Time // start + timeout
	phases   Phases
	stage    string // what the run is waiting for, for timeout details
}

// over reports whether the run must stop: its deadline passed, or the
// caller's context ended.
func (r *httpRun) over(ctx context.Context) bool {
	return ctx.Err() != nil || !time.Now().Before(r.deadline)
}

// Probe sends the request on a fresh connection and checks the response.
//
// The timeout is enforced by the dialer's and the connection's deadlines
// rather than by a context with a timeout: that is exact, needs no timer
// goroutine in the TLS handshake, and costs less per run. ctx still cancels
// the run, through the connection's deadline.
func (p *HTTPProbe) Probe(ctx context.Context) Outcome {
	run := httpRun{start: time.Now()}
	run.deadline = run.start.Add(p.timeout)
	out := p.run(ctx, &run)
	out.Phases = run.phases
	out.Phases.Total = time.Since(run.start)
	out.Latency = out.Phases.Total
	if out.OK && p.maxLatency > 0 && out.Latency > p.maxLatency {
		f := failure(sla.ClassExpectation, "latency %s over limit %s", out.Latency.Round(time.Millisecond), p.maxLatency)
		out.OK, out.Class, out.Detail = false, f.Class, f.Detail
	}
	return out
}

func (p *HTTPProbe) run(ctx context.Context, run *httpRun) Outcome {
	u, method, req, withBody := p.url, p.method, p.request, p.body != ""
	for hop := 0; ; hop++ {
		out, next, done := p.hop(ctx, run, u, method, req)
		if done {
			return out
		}
		if hop >= p.maxRedir {
			return failure(sla.ClassStatus, "redirect loop: more than %d redirects", p.maxRedir)
		}
		// As browsers and net/http do: 301, 302 and 303 turn a request
		// with a body into a GET; 307 and 308 repeat it.
		if code := out.StatusCode; code == 303 || (code <= 302 && method != http.MethodGet && method != http.MethodHead) {
			method, withBody = http.MethodGet, false
		}
		u = next
		req = p.appendRequest(nil, u, method, withBody)
	}
}

// hop sends one request on a fresh connection. When the response is a
// redirect to follow, it returns the response's status in out, the next URL
// and done false.
func (p *HTTPProbe) hop(ctx context.Context, run *httpRun, u *url.URL, method string, req []byte) (out Outcome, next *url.URL, done bool) {
	conn, tlsConn, stop, fail, ok := p.connect(ctx, run, u)
	if !ok {
		return fail, nil, true
	}
	defer closeReset(conn, tlsConn)
	defer stop()

	run.stage = "response headers"
	if _, err := conn.Write(req); err != nil {
		return p.ioFailure(ctx, run, "send request", err), nil, true
	}
	rd := readers.Get().(*reader)
	defer readers.Put(rd)
	rd.lim = io.LimitedReader{R: conn, N: maxHeaderBytes}
	rd.br.Reset(&rd.lim)
	if _, err := rd.br.Peek(1); err != nil {
		return p.ioFailure(ctx, run, "read response", err), nil, true
	}
	run.phases.FirstByte = time.Since(run.start)
	readReq := p.readReq
	if method != p.method {
		readReq = &http.Request{Method: method}
	}
	resp, err := http.ReadResponse(rd.br, readReq)
	// Skip informational responses (103 Early Hints and the like); the
	// header bound covers them all.
	for err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
		resp, err = http.ReadResponse(rd.br, readReq)
	}
	if err != nil {
		if rd.lim.N <= 0 {
			return failure(sla.ClassStatus, "no valid response: headers over %d bytes", maxHeaderBytes), nil, true
		}
		return p.ioFailure(ctx, run, "read response", err), nil, true
	}
	rd.lim.N = math.MaxInt64 // the body has its own bound
	defer resp.Body.Close()

	out.StatusCode = resp.StatusCode
	if tlsConn != nil {
		out.CertExpiry = earliestExpiry(tlsConn.ConnectionState().PeerCertificates)
	}
	if p.follow && isRedirect(resp.StatusCode) {
		if loc := resp.Header.Get("Location"); loc != "" {
			if next, err := u.Parse(loc); err == nil && (next.Scheme == "http" || next.Scheme == "https") {
				return out, next, false
			}
		}
	}
	if !statusAccepted(p.status, resp.StatusCode) {
		f := failure(sla.ClassStatus, "status %d not in [%s]", resp.StatusCode, p.statusText)
		out.Class, out.Detail = f.Class, f.Detail
		return out, nil, true
	}

	run.stage = "body"
	var buf []byte
	if p.maxBody == DefaultMaxBodyBytes {
		pooled := bodyBufs.Get().(*[]byte)
		defer bodyBufs.Put(pooled)
		buf = *pooled
	} else {
		buf = make([]byte, p.maxBody)
	}
	n, truncated, err := readBounded(resp.Body, buf)
	if err != nil {
		if run.over(ctx) || isTimeout(err) {
			f := failure(sla.ClassTimeout, "timeout after %s reading body (%d bytes read)", p.timeout, n)
			out.Class, out.Detail = f.Class, f.Detail
			return out, nil, true
		}
		f := failure(sla.ClassBody, "read body: %v", err)
		out.Class, out.Detail = f.Class, f.Detail
		return out, nil, true
	}
	if f, bad := p.checkBody(buf[:n], truncated); bad {
		out.Class, out.Detail = f.Class, f.Detail
		return out, nil, true
	}
	out.OK = true
	return out, nil, true
}

// closeReset closes a probe's connection with a reset rather than a FIN, as
// load balancers' health checks do: the exchange is over, and a prober that
// opens thousands of connections a second must not leave each in TIME_WAIT,
// which would exhaust its ephemeral ports towards a busy target. A TLS
// connection is closed underneath, without a close_notify: nothing is left
// to protect.
func closeReset(conn net.Conn, tlsConn *tls.Conn) {
	if tlsConn != nil {
		conn = tlsConn.NetConn()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func isRedirect(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// connect resolves u's host, connects and handshakes TLS for https. It
// returns the connection (the TLS one for https, which is also tlsConn) and
// a function that stops watching ctx, or the failed outcome and false.
func (p *HTTPProbe) connect(ctx context.Context, run *httpRun, u *url.URL) (conn net.Conn, tlsConn *tls.Conn, stop func() bool, fail Outcome, ok bool) {
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		run.stage = "dns"
		t := time.Now()
		lctx, cancel := context.WithDeadline(ctx, run.deadline)
		addrs, err = net.DefaultResolver.LookupNetIP(lctx, "ip", host)
		run.phases.DNS = time.Since(t)
		if err != nil {
			f := p.dnsFailure(lctx, host, err) // before cancel, which would read as a timeout
			cancel()
			return nil, nil, nil, f, false
		}
		cancel()
	}

	run.stage = "connect"
	t := time.Now()
	d := p.dialer
	d.Deadline = run.deadline
	var err error
	for _, a := range addrs {
		conn, err = d.DialContext(ctx, "tcp", net.JoinHostPort(a.Unmap().String(), port))
		if err == nil || run.over(ctx) {
			break
		}
	}
	run.phases.Connect = time.Since(t)
	if err != nil {
		return nil, nil, nil, dialFailure(ctx, err, p.timeout), false
	}
	_ = conn.SetDeadline(run.deadline)
	// Unblock reads, writes and the handshake as soon as ctx ends.
	stop = func() bool { return false }
	if ctx.Done() != nil {
		c := conn
		stop = context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	}
	if u.Scheme != "https" {
		return conn, nil, stop, Outcome{}, true
	}

	run.stage = "tls handshake"
	conf := p.tlsConf
	switch {
	case conf == nil:
		conf, _ = tlsConfig(TLSOptions{}, host, "http.tls")
	case !p.tlsName && conf.ServerName != host:
		conf = conf.Clone()
		conf.ServerName = host
	}
	t = time.Now()
	tc := tls.Client(conn, conf)
	err = tc.Handshake() // bounded by the connection's deadline
	run.phases.TLS = time.Since(t)
	if err != nil {
		stop()
		closeReset(conn, nil)
		if run.over(ctx) || isTimeout(err) {
			return nil, nil, nil, failure(sla.ClassTimeout, "timeout after %s waiting for tls handshake", p.timeout), false
		}
		var certErr *tls.CertificateVerificationError
		var unknownAuth x509.UnknownAuthorityError
		var hostErr x509.HostnameError
		var invalid x509.CertificateInvalidError
		if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &invalid) {
			return nil, nil, nil, failure(sla.ClassTLS, "certificate: %v", err), false
		}
		return nil, nil, nil, failure(sla.ClassTLS, "tls handshake: %v", err), false
	}
	return tc, tc, stop, Outcome{}, true
}

func (p *HTTPProbe) dnsFailure(ctx context.Context, host string, err error) Outcome {
	if ctx.Err() != nil {
		return failure(sla.ClassTimeout, "timeout after %s resolving %s", p.timeout, host)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return failure(sla.ClassDNS, "resolve %s: %s", host, dnsErr.Err)
	}
	return failure(sla.ClassDNS, "resolve %s: %v", host, err)
}

// ioFailure classifies a failed write or read before the response headers.
func (p *HTTPProbe) ioFailure(ctx context.Context, run *httpRun, op string, err error) Outcome {
	if run.over(ctx) || isTimeout(err) {
		return failure(sla.ClassTimeout, "timeout after %s waiting for %s", p.timeout, run.stage)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return failure(sla.ClassStatus, "no valid response: connection closed")
	}
	return failure(sla.ClassStatus, "no valid response: %s: %v", op, err)
}

// checkBody applies the body conditions to b, the first bytes of the body;
// truncated says that more followed.
func (p *HTTPProbe) checkBody(b []byte, truncated bool) (Outcome, bool) {
	cut := ""
	if truncated {
		cut = fmt.Sprintf(" in first %d bytes", len(b))
	}
	for _, s := range p.contains {
		if !bytes.Contains(b, s) {
			return failure(sla.ClassBody, "body lacks %q%s", s, cut), true
		}
	}
	for _, s := range p.notContain {
		if bytes.Contains(b, s) {
			return failure(sla.ClassBody, "body contains %q", s), true
		}
	}
	for _, re := range p.re {
		if !re.Match(b) {
			return failure(sla.ClassBody, "body does not match /%s/%s", re, cut), true
		}
	}
	for _, re := range p.notRe {
		if re.Match(b) {
			return failure(sla.ClassBody, "body matches /%s/", re), true
		}
	}
	return Outcome{}, false
}

// readBounded reads r into buf until EOF or buf is full. truncated reports
// that r had more bytes than buf holds; reading stops there.
func readBounded(r io.Reader, buf []byte) (n int, truncated bool, err error) {
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			return n, false, nil
		}
		if err != nil {
			return n, false, err
		}
	}
	var one [1]byte
	for {
		m, err := r.Read(one[:])
		if m > 0 {
			return n, true, nil
		}
		if err == io.EOF {
			return n, false, nil
		}
		if err != nil {
			return n, false, err
		}
	}
}
