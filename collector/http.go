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
//
// A probe is kept for every check for as long as the check is configured,
// so it holds little: the target and the parts of it a request needs
// (substrings, most often, so no more bytes), and the settings that
// differ from the defaults, if any. A request with the defaults is written
// per run into a pooled buffer.
type HTTPProbe struct {
	target    string // the URL; parsed again only to follow a redirect
	authority string // the URL's host[:port], the Host header
	uri       string // the URL's request URI
	https     bool
	timeout   time.Duration
	opt       *httpOptions // nil: the defaults (see httpOptions)
}

// httpOptions are an HTTP probe's settings beyond the target. A probe
// whose settings are all the defaults — GET with no body, the default
// headers, statuses 200-399, no body conditions, no latency limit, the
// default bounds, redirects followed, no TLS options — has none.
type httpOptions struct {
	request    []byte      // the first request, serialized once
	method     string      // "" means GET
	header     http.Header // without Host; nil means the defaults (User-Agent only)
	host       string      // Host header override; "" means the URL's host
	body       string
	readReq    *http.Request // tells ReadResponse the method; nil for GET
	status     []StatusRange // nil means 200-399
	statusText string
	contains   [][]byte
	notContain [][]byte
	re, notRe  []*regexp.Regexp
	maxLatency time.Duration
	maxBody    int64 // 0 means DefaultMaxBodyBytes
	noFollow   bool
	maxRedir   int         // 0 means DefaultMaxRedirects
	tlsConf    *tls.Config // for the URL's host; cloned for other hosts; nil: built per run
	tlsName    bool        // tlsConf.ServerName was configured: keep it on redirects
}

// defaultUserAgent is the User-Agent of a probe that sets none.
const defaultUserAgent = "slate-probe"

func newHTTPProbe(c Check, _ Env) (*HTTPProbe, error) {
	u, err := url.Parse(c.Target)
	if err != nil {
		return nil, fieldErr("target", "%v", err)
	}
	p := &HTTPProbe{target: c.Target, authority: u.Host, uri: u.RequestURI(), https: u.Scheme == "https", timeout: c.EffectiveTimeout()}
	if p.opt, err = newHTTPOptions(c.HTTP, u); err != nil {
		return nil, err
	}
	if p.opt != nil {
		p.opt.request = p.appendRequest(nil, u, u, p.method(), p.opt.body != "")
	}
	return p, nil
}

// newHTTPOptions builds the options of h for a probe of u; nil when every
// setting is the default.
func newHTTPOptions(h HTTPSettings, u *url.URL) (*httpOptions, error) {
	o := &httpOptions{
		method:     h.Method,
		body:       h.Body,
		status:     h.Status,
		maxLatency: h.MaxLatency,
		maxBody:    h.MaxBodyBytes,
		noFollow:   h.NoRedirects,
		maxRedir:   h.MaxRedirects,
		tlsName:    h.TLSOptions.ServerName != "",
	}
	header := make(http.Header, len(h.Headers)+1)
	for k, v := range h.Headers {
		if http.CanonicalHeaderKey(k) == "Host" {
			o.host = v
			continue
		}
		header.Set(k, v)
	}
	if header.Get("User-Agent") == "" {
		header.Set("User-Agent", defaultUserAgent)
	}
	if u.User != nil && header.Get("Authorization") == "" {
		pass, _ := u.User.Password()
		header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pass)))
	}
	if len(header) > 1 || header.Get("User-Agent") != defaultUserAgent {
		o.header = header
	}
	if o.method == http.MethodGet {
		o.method = "" // the default, said explicitly
	}
	if o.method != "" {
		o.readReq = &http.Request{Method: o.method}
	}
	if len(o.status) > 0 {
		o.statusText = formatStatusRanges(o.status)
	}
	for _, s := range h.BodyContains {
		o.contains = append(o.contains, []byte(s))
	}
	for _, s := range h.BodyNotContains {
		o.notContain = append(o.notContain, []byte(s))
	}
	for i, s := range h.BodyRegexp {
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, fieldErr(fmt.Sprintf("http.body_regexp[%d]", i), "%v", err)
		}
		o.re = append(o.re, re)
	}
	for i, s := range h.BodyNotRegexp {
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, fieldErr(fmt.Sprintf("http.body_not_regexp[%d]", i), "%v", err)
		}
		o.notRe = append(o.notRe, re)
	}
	// With TLS options, build the TLS configuration now, for https targets
	// and http ones alike: a redirect may lead to HTTPS, and a bad CA file
	// should fail when the check is loaded, not at the first redirect.
	// Without them, a run that handshakes builds the default one.
	if h.TLSOptions != (TLSOptions{}) {
		var err error
		if o.tlsConf, err = tlsConfig(h.TLSOptions, u.Hostname(), "http.tls"); err != nil {
			return nil, err
		}
	}
	if o.isDefault() {
		return nil, nil
	}
	return o, nil
}

// isDefault reports whether o holds only the defaults.
func (o *httpOptions) isDefault() bool {
	return o.method == "" && o.header == nil && o.host == "" && o.body == "" && o.readReq == nil &&
		o.status == nil && o.contains == nil && o.notContain == nil && o.re == nil && o.notRe == nil &&
		o.maxLatency == 0 && o.maxBody == 0 && !o.noFollow && o.maxRedir == 0 && o.tlsConf == nil
}

// options are p's options; the zero options, which read as the defaults,
// for a probe without any.
func (p *HTTPProbe) options() *httpOptions {
	if p.opt != nil {
		return p.opt
	}
	return &httpOptions{}
}

func (p *HTTPProbe) method() string {
	if p.opt != nil && p.opt.method != "" {
		return p.opt.method
	}
	return http.MethodGet
}

func (p *HTTPProbe) maxRedirects() int {
	if p.opt != nil && p.opt.maxRedir > 0 {
		return p.opt.maxRedir
	}
	return DefaultMaxRedirects
}

func (p *HTTPProbe) maxBody() int64 {
	if p.opt != nil && p.opt.maxBody > 0 {
		return p.opt.maxBody
	}
	return DefaultMaxBodyBytes
}

// statusAccepted reports whether code is an accepted final status, and the
// accepted statuses as text for a failure's detail.
func (p *HTTPProbe) statusAccepted(code int) (bool, string) {
	if p.opt != nil && p.opt.status != nil {
		return statusAccepted(p.opt.status, code), p.opt.statusText
	}
	return code >= defaultStatusMin && code <= defaultStatusMax, defaultStatusText
}

// appendDefaultRequest serializes the first request of a probe without
// options: what appendRequest makes of it, without parsing the target.
func (p *HTTPProbe) appendDefaultRequest(b []byte) []byte {
	b = append(b, "GET "...)
	b = append(b, p.uri...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, p.authority...)
	b = append(b, "\r\nUser-Agent: "+defaultUserAgent+"\r\nConnection: close\r\n\r\n"...)
	return b
}

// appendRequest serializes a request for u with the probe's headers; orig
// is the probe's target, parsed.
func (p *HTTPProbe) appendRequest(b []byte, orig, u *url.URL, method string, withBody bool) []byte {
	o := p.options()
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, u.RequestURI()...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	if o.host != "" && u == orig {
		b = append(b, o.host...)
	} else {
		b = append(b, u.Host...)
	}
	b = append(b, "\r\n"...)
	header := o.header
	if header == nil {
		header = http.Header{"User-Agent": {defaultUserAgent}}
	}
	keys := make([]string, 0, len(header))
	for k := range header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		// As net/http does: credentials do not follow a redirect to
		// another host.
		if u.Host != orig.Host && (k == "Authorization" || k == "Cookie" || k == "Proxy-Authorization") {
			continue
		}
		for _, v := range header[k] {
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	if withBody {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(o.body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Connection: close\r\n\r\n"...)
	if withBody {
		b = append(b, o.body...)
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
	req []byte // a request written for the run
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
	if o := p.opt; out.OK && o != nil && o.maxLatency > 0 && out.Latency > o.maxLatency {
		f := failure(sla.ClassExpectation, "latency %s over limit %s", out.Latency.Round(time.Millisecond), o.maxLatency)
		out.OK, out.Class, out.Detail = false, f.Class, f.Detail
	}
	return out
}

func (p *HTTPProbe) run(ctx context.Context, run *httpRun) Outcome {
	// u is nil for the target itself, which is parsed again only when a
	// redirect is followed.
	var u *url.URL
	var req []byte // nil: the first request (see hop)
	method, withBody := p.method(), p.opt != nil && p.opt.body != ""
	for hop := 0; ; hop++ {
		out, next, done := p.hop(ctx, run, u, method, req)
		if done {
			return out
		}
		if hop >= p.maxRedirects() {
			return failure(sla.ClassStatus, "redirect loop: more than %d redirects", p.maxRedirects())
		}
		// As browsers and net/http do: 301, 302 and 303 turn a request
		// with a body into a GET; 307 and 308 repeat it.
		if code := out.StatusCode; code == 303 || (code <= 302 && method != http.MethodGet && method != http.MethodHead) {
			method, withBody = http.MethodGet, false
		}
		orig, err := url.Parse(p.target) // parsed when the probe was built
		if err != nil {
			return failure(sla.ClassStatus, "target: %v", err)
		}
		u = next
		req = p.appendRequest(nil, orig, u, method, withBody)
	}
}

// hop sends req on a fresh connection to u, or the first request to the
// target when u is nil. When the response is a redirect to follow, it
// returns the response's status in out, the next URL and done false.
func (p *HTTPProbe) hop(ctx context.Context, run *httpRun, u *url.URL, method string, req []byte) (out Outcome, next *url.URL, done bool) {
	conn, tlsConn, stop, fail, ok := p.connect(ctx, run, u)
	if !ok {
		return fail, nil, true
	}
	defer closeReset(conn, tlsConn)
	defer stop()

	rd := readers.Get().(*reader)
	defer readers.Put(rd)
	if req == nil {
		if p.opt != nil {
			req = p.opt.request
		} else {
			rd.req = p.appendDefaultRequest(rd.req[:0])
			req = rd.req
		}
	}
	run.stage = "response headers"
	if _, err := conn.Write(req); err != nil {
		return p.ioFailure(ctx, run, "send request", err), nil, true
	}
	rd.lim = io.LimitedReader{R: conn, N: maxHeaderBytes}
	rd.br.Reset(&rd.lim)
	if _, err := rd.br.Peek(1); err != nil {
		return p.ioFailure(ctx, run, "read response", err), nil, true
	}
	run.phases.FirstByte = time.Since(run.start)
	var readReq *http.Request // nil reads as GET
	switch {
	case method == http.MethodGet:
	case p.opt != nil && method == p.opt.method:
		readReq = p.opt.readReq
	default:
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
	if (p.opt == nil || !p.opt.noFollow) && isRedirect(resp.StatusCode) {
		if loc := resp.Header.Get("Location"); loc != "" {
			base := u
			if base == nil {
				base, err = url.Parse(p.target) // parsed when the probe was built
			}
			if next, err2 := base.Parse(loc); err == nil && err2 == nil && (next.Scheme == "http" || next.Scheme == "https") {
				return out, next, false
			}
		}
	}
	if ok, accepted := p.statusAccepted(resp.StatusCode); !ok {
		f := failure(sla.ClassStatus, "status %d not in [%s]", resp.StatusCode, accepted)
		out.Class, out.Detail = f.Class, f.Detail
		return out, nil, true
	}

	run.stage = "body"
	if !p.opt.hasBodyConditions() {
		// Read the body as a browser would, to its end or the bound, but
		// keep none of it: a 64 KiB buffer per run in flight is most of
		// what a busy prober holds.
		n, _, err := discardBounded(resp.Body, p.maxBody())
		if err != nil {
			f := p.bodyFailure(ctx, run, n, err)
			out.Class, out.Detail = f.Class, f.Detail
			return out, nil, true
		}
		out.OK = true
		return out, nil, true
	}
	var buf []byte
	if maxBody := p.maxBody(); maxBody == DefaultMaxBodyBytes {
		pooled := bodyBufs.Get().(*[]byte)
		defer bodyBufs.Put(pooled)
		buf = *pooled
	} else {
		buf = make([]byte, maxBody)
	}
	n, truncated, err := readBounded(resp.Body, buf)
	if err != nil {
		f := p.bodyFailure(ctx, run, n, err)
		out.Class, out.Detail = f.Class, f.Detail
		return out, nil, true
	}
	if f, bad := p.opt.checkBody(buf[:n], truncated); bad {
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

// connect resolves the host of u (or of the target when u is nil),
// connects and handshakes TLS for https. It returns the connection (the TLS
// one for https, which is also tlsConn) and a function that stops watching
// ctx, or the failed outcome and false.
func (p *HTTPProbe) connect(ctx context.Context, run *httpRun, u *url.URL) (conn net.Conn, tlsConn *tls.Conn, stop func() bool, fail Outcome, ok bool) {
	target := url.URL{Host: p.authority} // for its Hostname and Port
	if u != nil {
		target.Host = u.Host
	}
	host, port, https := target.Hostname(), target.Port(), p.https
	if u != nil {
		https = u.Scheme == "https"
	}
	if port == "" {
		port = "80"
		if https {
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
	d := probeDialer()
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
	if !https {
		return conn, nil, stop, Outcome{}, true
	}

	run.stage = "tls handshake"
	var conf *tls.Config
	tlsName := false
	if p.opt != nil {
		conf, tlsName = p.opt.tlsConf, p.opt.tlsName
	}
	switch {
	case conf == nil:
		conf, _ = tlsConfig(TLSOptions{}, host, "http.tls")
	case !tlsName && conf.ServerName != host:
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

// bodyFailure classifies an error reading the body after n bytes.
func (p *HTTPProbe) bodyFailure(ctx context.Context, run *httpRun, n int, err error) Outcome {
	if run.over(ctx) || isTimeout(err) {
		return failure(sla.ClassTimeout, "timeout after %s reading body (%d bytes read)", p.timeout, n)
	}
	return failure(sla.ClassBody, "read body: %v", err)
}

// hasBodyConditions reports whether a body must be kept to be checked.
func (o *httpOptions) hasBodyConditions() bool {
	return o != nil && (o.contains != nil || o.notContain != nil || o.re != nil || o.notRe != nil)
}

// checkBody applies the body conditions to b, the first bytes of the body;
// truncated says that more followed. Nil options have none.
func (p *httpOptions) checkBody(b []byte, truncated bool) (Outcome, bool) {
	if p == nil {
		return Outcome{}, false
	}
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

// discardBounded reads r to its end or for limit bytes, whichever comes
// first, keeping nothing, as readBounded would read it into a buffer of
// that size.
func discardBounded(r io.Reader, limit int64) (n int, truncated bool, err error) {
	m, err := io.CopyN(io.Discard, r, limit) // io.Discard reads through a pooled buffer
	switch {
	case err == io.EOF:
		return int(m), false, nil
	case err != nil:
		return int(m), false, err
	}
	_, truncated, err = readBounded(r, nil)
	return int(m), truncated, err
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
