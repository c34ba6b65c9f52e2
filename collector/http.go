package collector

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/slatehq/slate/sla"
)

// runDeadlineKey carries a run's deadline into the transport's dialer. The
// transport dials with a context detached from the request's cancellation,
// so the deadline has to travel as a value.
type runDeadlineKey struct{}

// NewHTTPTransport returns a transport for HTTP probes: no keep-alive, so
// every run opens a fresh connection (the connection is part of what is
// measured); no proxy from the environment; no compression, so the body bound
// counts the bytes the server sent; HTTP/1.1 only. Connections get the run's
// deadline plus a small slack, so a hung server cannot hold a dial or a
// handshake past the run. tlsConf nil means verify against the system roots.
// One transport serves any number of concurrent runs.
func NewHTTPTransport(tlsConf *tls.Config) *http.Transport {
	d := &net.Dialer{KeepAlive: -1}
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dl, ok := ctx.Value(runDeadlineKey{}).(time.Time)
			if ok {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, dl)
				defer cancel()
			}
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			if ok {
				_ = c.SetDeadline(dl.Add(connSlack))
			}
			return c, nil
		},
		TLSClientConfig:        tlsConf,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 256 << 10,
		WriteBufferSize:        4 << 10,
		ReadBufferSize:         4 << 10,
	}
}

// HTTPProbe checks an HTTP(S) endpoint. Build it with NewProbe.
type HTTPProbe struct {
	url        string
	method     string
	header     http.Header
	host       string
	body       string
	status     []StatusRange
	statusText string
	contains   [][]byte
	notContain [][]byte
	re, notRe  []*regexp.Regexp
	maxLatency time.Duration
	maxBody    int64
	timeout    time.Duration
	client     *http.Client
}

// errTooManyRedirects ends a redirect chain longer than the check allows.
type errTooManyRedirects struct{ max int }

func (e errTooManyRedirects) Error() string {
	return fmt.Sprintf("more than %d redirects", e.max)
}

func newHTTPProbe(c Check, env Env) (*HTTPProbe, error) {
	h := c.HTTP
	u, err := url.Parse(c.Target)
	if err != nil {
		return nil, fieldErr("target", "%v", err)
	}
	p := &HTTPProbe{
		url:        c.Target,
		method:     h.Method,
		header:     make(http.Header, len(h.Headers)+1),
		body:       h.Body,
		status:     h.Status,
		maxLatency: h.MaxLatency,
		maxBody:    h.MaxBodyBytes,
		timeout:    c.EffectiveTimeout(),
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
	if len(p.status) == 0 {
		p.status = defaultStatus
	}
	p.statusText = formatStatusRanges(p.status)
	if p.maxBody == 0 {
		p.maxBody = DefaultMaxBodyBytes
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

	tr := env.Transport
	if tr == nil || h.TLSOptions != (TLSOptions{}) {
		conf, err := tlsConfig(h.TLSOptions, u.Hostname(), "http.tls")
		if err != nil {
			return nil, err
		}
		tr = NewHTTPTransport(conf)
	}
	maxRedirects := h.MaxRedirects
	if maxRedirects == 0 {
		maxRedirects = DefaultMaxRedirects
	}
	noRedirects := h.NoRedirects
	p.client = &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if noRedirects {
				return http.ErrUseLastResponse
			}
			if len(via) > maxRedirects {
				return errTooManyRedirects{maxRedirects}
			}
			return nil
		},
	}
	return p, nil
}

// httpTrace records phase times of one run. The transport may call its hooks
// from a dial goroutine after the run has returned, hence the mutex.
type httpTrace struct {
	mu                  sync.Mutex
	start               time.Time // run start, monotonic
	dnsStart, connStart time.Time
	tlsStart, firstByte time.Time
	dns, connect        time.Duration
	handshake           time.Duration
	connected           bool
	tlsStarted, tlsDone bool
	tlsErr              error
	gotFirstByte        bool
}

func (t *httpTrace) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) {
			t.mu.Lock()
			t.dnsStart = time.Now()
			t.mu.Unlock()
		},
		DNSDone: func(httptrace.DNSDoneInfo) {
			t.mu.Lock()
			t.dns = time.Since(t.dnsStart)
			t.mu.Unlock()
		},
		ConnectStart: func(string, string) {
			t.mu.Lock()
			t.connStart = time.Now()
			t.mu.Unlock()
		},
		ConnectDone: func(_, _ string, err error) {
			t.mu.Lock()
			t.connect = time.Since(t.connStart)
			if err == nil {
				t.connected = true
			}
			t.mu.Unlock()
		},
		TLSHandshakeStart: func() {
			t.mu.Lock()
			t.tlsStart, t.tlsStarted, t.tlsDone, t.tlsErr = time.Now(), true, false, nil
			t.mu.Unlock()
		},
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			t.mu.Lock()
			t.handshake = time.Since(t.tlsStart)
			t.tlsDone, t.tlsErr = true, err
			t.mu.Unlock()
		},
		GotFirstResponseByte: func() {
			t.mu.Lock()
			t.firstByte, t.gotFirstByte = time.Now(), true
			t.mu.Unlock()
		},
	}
}

// phases snapshots the recorded durations.
func (t *httpTrace) phases(end time.Time) Phases {
	t.mu.Lock()
	defer t.mu.Unlock()
	ph := Phases{DNS: t.dns, Connect: t.connect, TLS: t.handshake, Total: end.Sub(t.start)}
	if t.gotFirstByte {
		ph.FirstByte = t.firstByte.Sub(t.start)
	}
	return ph
}

// bodyBufs holds DefaultMaxBodyBytes buffers, so runs do not allocate one each.
var bodyBufs = sync.Pool{New: func() any {
	b := make([]byte, DefaultMaxBodyBytes)
	return &b
}}

// Probe sends the request on a fresh connection and checks the response.
func (p *HTTPProbe) Probe(ctx context.Context) Outcome {
	tr := &httpTrace{start: time.Now()}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	dl, _ := ctx.Deadline()
	rctx := context.WithValue(httptrace.WithClientTrace(ctx, tr.clientTrace()), runDeadlineKey{}, dl)

	out := p.run(ctx, rctx, tr)
	end := time.Now()
	out.Phases = tr.phases(end)
	out.Latency = out.Phases.Total
	if out.OK && p.maxLatency > 0 && out.Latency > p.maxLatency {
		f := failure(sla.ClassExpectation, "latency %s over limit %s", out.Latency.Round(time.Millisecond), p.maxLatency)
		out.OK, out.Class, out.Detail = false, f.Class, f.Detail
	}
	return out
}

func (p *HTTPProbe) run(ctx, rctx context.Context, tr *httpTrace) Outcome {
	var body io.Reader
	if p.body != "" {
		body = strings.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(rctx, p.method, p.url, body)
	if err != nil {
		return failure(sla.ClassExpectation, "build request: %v", err)
	}
	req.Header = p.header
	if p.host != "" {
		req.Host = p.host
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return p.classify(ctx, err, tr)
	}
	defer resp.Body.Close()

	out := Outcome{StatusCode: resp.StatusCode}
	if resp.TLS != nil {
		out.CertExpiry = earliestExpiry(resp.TLS.PeerCertificates)
	}
	if !statusAccepted(p.status, resp.StatusCode) {
		f := failure(sla.ClassStatus, "status %d not in [%s]", resp.StatusCode, p.statusText)
		out.Class, out.Detail = f.Class, f.Detail
		return out
	}

	var buf []byte
	var pooled *[]byte
	if p.maxBody == DefaultMaxBodyBytes {
		pooled = bodyBufs.Get().(*[]byte)
		buf = *pooled
		defer bodyBufs.Put(pooled)
	} else {
		buf = make([]byte, p.maxBody)
	}
	n, truncated, err := readBounded(resp.Body, buf)
	if err != nil {
		if ctx.Err() != nil || isTimeout(err) {
			f := failure(sla.ClassTimeout, "timeout after %s reading body (%d bytes read)", p.timeout, n)
			out.Class, out.Detail = f.Class, f.Detail
			return out
		}
		f := failure(sla.ClassBody, "read body: %v", err)
		out.Class, out.Detail = f.Class, f.Detail
		return out
	}
	if f, bad := p.checkBody(buf[:n], truncated); bad {
		out.Class, out.Detail = f.Class, f.Detail
		return out
	}
	out.OK = true
	return out
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

// classify turns an error from Client.Do into a failed outcome.
func (p *HTTPProbe) classify(ctx context.Context, err error, tr *httpTrace) Outcome {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // drop the `Get "url":` prefix; the check names the URL
	}
	tr.mu.Lock()
	connected, tlsStarted, tlsDone, tlsErr := tr.connected, tr.tlsStarted, tr.tlsDone, tr.tlsErr
	tr.mu.Unlock()

	var tmr errTooManyRedirects
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &tmr):
		return failure(sla.ClassStatus, "redirect loop: %v", tmr)
	case ctx.Err() != nil || isTimeout(err):
		phase := "response headers"
		switch {
		case !connected:
			phase = "connect"
		case tlsStarted && !tlsDone:
			phase = "tls handshake"
		}
		return failure(sla.ClassTimeout, "timeout after %s waiting for %s", p.timeout, phase)
	case errors.As(err, &dnsErr):
		return failure(sla.ClassDNS, "resolve %s: %s", dnsErr.Name, dnsErr.Err)
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalid):
		return failure(sla.ClassTLS, "certificate: %v", err)
	case tlsStarted && (!tlsDone || tlsErr != nil):
		return failure(sla.ClassTLS, "tls handshake: %v", err)
	case !connected:
		return failure(sla.ClassConnect, "connect: %v", err)
	default:
		return failure(sla.ClassStatus, "no valid response: %v", err)
	}
}
