package collector

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Kind names a probe kind. The values are the ones the configuration uses.
type Kind string

// Probe kinds.
const (
	KindHTTP Kind = "http" // HTTP or HTTPS request; Target is the URL
	KindTCP  Kind = "tcp"  // TCP connect, optional TLS, send and expect; Target is host:port
	KindDNS  Kind = "dns"  // DNS query; Target is the name to query
	KindTLS  Kind = "tls"  // TLS certificate expiry; Target is host:port
	KindPush Kind = "push" // heartbeats sent by the service; Target is unused
)

// Defaults applied when a setting is zero.
const (
	DefaultTimeout      = 10 * time.Second // hard timeout of a run, capped at the interval
	MinInterval         = 100 * time.Millisecond
	DefaultMaxBodyBytes = 64 << 10 // bytes of an HTTP body read before reading stops
	DefaultMaxRedirects = 10       // redirects an HTTP probe follows
	DefaultTCPMaxRead   = 4 << 10  // bytes a TCP probe reads while looking for Expect
	DefaultMinDaysLeft  = 14       // days a certificate must still be valid
)

// Check is one probe definition against one target. It is a plain value: the
// configuration loader fills it, Validate checks it, NewProbe turns it into a
// Probe. Two checks with equal values are the same check, which is how
// Scheduler.Reload decides that a check did not change.
type Check struct {
	ID       string        // unique name; stored with every result
	Service  string        // service the check belongs to
	Tenant   string        // tenant whose endpoint this measures; "" for shared endpoints
	Kind     Kind          // which probe runs
	Target   string        // URL, host:port or DNS name, depending on Kind
	Interval time.Duration // time between runs; at least MinInterval
	Timeout  time.Duration // hard limit of one run; 0 means DefaultTimeout capped at Interval
	// Locations the check runs from; empty means every location.
	Locations []string

	// Kind-specific settings; only the one matching Kind is read.
	HTTP HTTPSettings
	TCP  TCPSettings
	DNS  DNSSettings
	TLS  TLSSettings
	Push PushSettings
}

// TLSOptions configure the TLS client of an HTTP, TCP or TLS probe.
// The zero value verifies the server against the system roots.
type TLSOptions struct {
	InsecureSkipVerify bool   // accept any certificate; expiry is still reported
	CAFile             string // PEM file of roots to trust instead of the system roots; "" for the system roots
	ServerName         string // name to verify and send as SNI; "" means the target's host
}

// HTTPSettings configure an HTTP probe. The zero value sends a GET and accepts
// statuses 200-399 after following up to DefaultMaxRedirects redirects.
type HTTPSettings struct {
	Method  string            // request method; "" means GET
	Headers map[string]string // request headers; "Host" sets the request's host
	Body    string            // request body; "" sends none

	// Accepted status codes; nil means 200-399. ParseStatusRanges reads the
	// "200-299,301" form.
	Status []StatusRange

	// Body conditions, applied to the first MaxBodyBytes of the body. A
	// required text or pattern not found in a body cut at the bound fails
	// with a detail saying so; forbidden ones are looked for in what was read.
	BodyContains    []string // texts that must all appear
	BodyNotContains []string // texts that must not appear
	BodyRegexp      []string // RE2 patterns that must all match
	BodyNotRegexp   []string // RE2 patterns that must not match

	MaxLatency   time.Duration // a slower run fails (class expectation); 0 means no limit
	MaxBodyBytes int64         // bytes read before reading stops; 0 means DefaultMaxBodyBytes
	NoRedirects  bool          // do not follow redirects: a 3xx is the final response
	MaxRedirects int           // redirects followed before failing (class status); 0 means DefaultMaxRedirects

	TLSOptions TLSOptions
}

// TCPSettings configure a TCP probe. The zero value only connects.
type TCPSettings struct {
	TLS        bool   // handshake TLS after connecting
	Send       string // written after connecting (and the handshake); "" writes nothing
	Expect     string // text that must arrive within MaxRead bytes; "" reads nothing
	MaxRead    int    // bytes read while looking for Expect; 0 means DefaultTCPMaxRead
	TLSOptions TLSOptions
}

// MatchMode says how a DNS answer is compared with the expected values.
type MatchMode string

// Match modes.
const (
	MatchContains MatchMode = "contains" // every expected value is in the answer (default)
	MatchEquals   MatchMode = "equals"   // the answer is exactly the expected set
)

// DNSSettings configure a DNS probe. Target is the name queried.
type DNSSettings struct {
	Server string    // server to ask, host:port
	Type   string    // record type: A, AAAA, CNAME, MX, TXT or NS; "" means A
	Expect []string  // expected values; empty means at least one record of Type
	Match  MatchMode // how Expect is compared; "" means MatchContains
	TCP    bool      // query over TCP; otherwise UDP, retried over TCP when truncated
}

// TLSSettings configure a certificate expiry probe.
type TLSSettings struct {
	// MinDaysLeft fails the run when the earliest certificate of the chain
	// the server sends expires in fewer days; 0 means DefaultMinDaysLeft.
	MinDaysLeft int
	TLSOptions  TLSOptions
}

// PushSettings configure a push check: the monitored service calls
// /push/{Token} at least once per Interval.
type PushSettings struct {
	Token string        // secret path segment; at least 16 characters
	Grace time.Duration // tolerated delay past Interval; 0 means Interval/4
}

// EffectiveTimeout is the hard limit of one run.
func (c Check) EffectiveTimeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return min(DefaultTimeout, c.Interval)
}

// RunsAt reports whether the check runs from location.
func (c Check) RunsAt(location string) bool {
	return len(c.Locations) == 0 || slices.Contains(c.Locations, location)
}

// FieldError is a validation error naming the field at fault, in the
// configuration's spelling ("http.status").
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Validate reports every problem of c, joined, each a *FieldError. It does
// no I/O: a CA file is read when the probe is built.
func (c Check) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fieldErr(field, format, args...))
	}
	if c.ID == "" {
		add("id", "must not be empty")
	}
	if c.Interval < MinInterval {
		add("interval", "must be >= %s (got %s)", MinInterval, c.Interval)
	}
	if c.Timeout < 0 {
		add("timeout", "must not be negative (got %s)", c.Timeout)
	} else if c.Timeout > c.Interval && c.Interval > 0 {
		add("timeout", "must be <= interval %s (got %s)", c.Interval, c.Timeout)
	}
	for i, l := range c.Locations {
		if l == "" {
			add(fmt.Sprintf("locations[%d]", i), "must not be empty")
		}
	}
	switch c.Kind {
	case KindHTTP:
		errs = append(errs, c.validateHTTP()...)
	case KindTCP:
		errs = append(errs, validateHostPort("target", c.Target)...)
		if c.TCP.MaxRead < 0 {
			add("tcp.max_read", "must not be negative (got %d)", c.TCP.MaxRead)
		}
		if c.TCP.Expect != "" && len(c.TCP.Expect) > max(c.TCP.MaxRead, DefaultTCPMaxRead) {
			add("tcp.expect", "longer than max_read")
		}
		errs = append(errs, validateTLSOptions("tcp.tls", c.TCP.TLSOptions)...)
	case KindDNS:
		if c.Target == "" {
			add("target", "must be the name to query")
		}
		errs = append(errs, validateHostPort("dns.server", c.DNS.Server)...)
		if _, ok := dnsType(c.DNS.Type); !ok {
			add("dns.type", "unknown record type %q (want A, AAAA, CNAME, MX, TXT or NS)", c.DNS.Type)
		}
		switch c.DNS.Match {
		case "", MatchContains, MatchEquals:
		default:
			add("dns.match", "unknown mode %q (want contains or equals)", c.DNS.Match)
		}
		if c.DNS.Match == MatchEquals && len(c.DNS.Expect) == 0 {
			add("dns.expect", "must not be empty with match equals")
		}
	case KindTLS:
		errs = append(errs, validateHostPort("target", c.Target)...)
		if c.TLS.MinDaysLeft < 0 {
			add("tls.min_days_left", "must not be negative (got %d)", c.TLS.MinDaysLeft)
		}
		errs = append(errs, validateTLSOptions("tls", c.TLS.TLSOptions)...)
	case KindPush:
		if len(c.Push.Token) < 16 {
			add("push.token", "must be at least 16 characters (got %d)", len(c.Push.Token))
		} else if strings.ContainsAny(c.Push.Token, "/?#% ") {
			add("push.token", "must not contain '/', '?', '#', '%%' or spaces")
		}
		if c.Push.Grace < 0 {
			add("push.grace", "must not be negative (got %s)", c.Push.Grace)
		}
	case "":
		add("kind", "must not be empty")
	default:
		add("kind", "unknown kind %q (want http, tcp, dns, tls or push)", c.Kind)
	}
	return errors.Join(errs...)
}

func (c Check) validateHTTP() []error {
	var errs []error
	h := c.HTTP
	u, err := url.Parse(c.Target)
	switch {
	case err != nil:
		errs = append(errs, fieldErr("target", "invalid URL: %v", err))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, fieldErr("target", "scheme must be http or https (got %q)", u.Scheme))
	case u.Host == "":
		errs = append(errs, fieldErr("target", "URL has no host"))
	}
	if h.Method != "" && !validToken(h.Method) {
		errs = append(errs, fieldErr("http.method", "invalid method %q", h.Method))
	}
	for k, v := range h.Headers {
		if !validToken(k) {
			errs = append(errs, fieldErr("http.headers", "invalid header name %q", k))
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			errs = append(errs, fieldErr("http.headers", "value of %s contains a line break or NUL", k))
		}
	}
	for i, r := range h.Status {
		if r.Min < 100 || r.Max > 599 || r.Min > r.Max {
			errs = append(errs, fieldErr(fmt.Sprintf("http.status[%d]", i), "invalid range %d-%d (want 100 <= min <= max <= 599)", r.Min, r.Max))
		}
	}
	for i, p := range h.BodyRegexp {
		if _, err := regexp.Compile(p); err != nil {
			errs = append(errs, fieldErr(fmt.Sprintf("http.body_regexp[%d]", i), "%v", err))
		}
	}
	for i, p := range h.BodyNotRegexp {
		if _, err := regexp.Compile(p); err != nil {
			errs = append(errs, fieldErr(fmt.Sprintf("http.body_not_regexp[%d]", i), "%v", err))
		}
	}
	if h.MaxLatency < 0 {
		errs = append(errs, fieldErr("http.max_latency", "must not be negative (got %s)", h.MaxLatency))
	}
	if h.MaxBodyBytes < 0 {
		errs = append(errs, fieldErr("http.max_body_bytes", "must not be negative (got %d)", h.MaxBodyBytes))
	}
	if h.MaxRedirects < 0 {
		errs = append(errs, fieldErr("http.max_redirects", "must not be negative (got %d)", h.MaxRedirects))
	}
	errs = append(errs, validateTLSOptions("http.tls", h.TLSOptions)...)
	return errs
}

func validateHostPort(field, s string) []error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return []error{fieldErr(field, "must be host:port (got %q)", s)}
	}
	if host == "" || port == "" {
		return []error{fieldErr(field, "must be host:port (got %q)", s)}
	}
	return nil
}

func validateTLSOptions(prefix string, o TLSOptions) []error {
	if o.InsecureSkipVerify && o.CAFile != "" {
		return []error{fieldErr(prefix+".ca_file", "pointless with insecure_skip_verify")}
	}
	return nil
}

// validToken reports whether s is a non-empty RFC 9110 token, the syntax of
// methods and header names.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
