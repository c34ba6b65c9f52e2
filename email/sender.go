package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/textproto"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
	"golang.org/x/time/rate"
)

// Security is how the sender protects its SMTP connection.
type Security string

// Security modes.
const (
	SecurityStartTLS Security = "starttls" // plain connect, then STARTTLS, required (port 587)
	SecurityTLS      Security = "tls"      // TLS from the first byte (port 465)
	SecurityNone     Security = "none"     // no TLS: only for a relay on the same host or network
)

// Config is how to reach the SMTP server and how hard to push it.
type Config struct {
	Host     string
	Port     int      // default 587 (starttls), 465 (tls) or 25 (none)
	Security Security // default starttls

	// Username and Password authenticate (SMTP AUTH, the strongest
	// mechanism both sides offer) when Username is set.
	Username, Password string

	// HELO is the name given in EHLO; default the machine's host name.
	HELO string

	// Timeout bounds connecting and each SMTP command; default 30s.
	Timeout time.Duration

	// RootCAs verifies the server's certificate; nil uses the system's.
	// ServerName overrides the name checked; default Host.
	RootCAs    *x509.CertPool
	ServerName string

	// Concurrency is how many messages are sent at once, each over its
	// own connection; default 4. Connections are kept and reused.
	Concurrency int

	// PerSecond caps messages sent per second (bursts of Concurrency);
	// 0 for no cap.
	PerSecond int

	// MaxPerConnection closes a connection after this many messages, for
	// servers that limit them; 0 for no limit.
	MaxPerConnection int
}

// Sender delivers messages over SMTP, one message per Send, with at most
// Concurrency connections and at most PerSecond messages a second. It is
// safe for concurrent use; Close releases its idle connections.
type Sender struct {
	cfg     Config
	client  *gomail.Client
	limiter *rate.Limiter // nil: no cap
	slots   chan struct{}

	mu   sync.Mutex
	idle []*conn
}

type conn struct {
	c    *smtp.Client
	sent int
}

// NewSender checks cfg and prepares the sender; it connects on first use.
func NewSender(cfg Config) (*Sender, error) {
	if cfg.Host == "" {
		return nil, errors.New("smtp.host: is required")
	}
	if cfg.Security == "" {
		cfg.Security = SecurityStartTLS
	}
	defaultPort := map[Security]int{SecurityStartTLS: 587, SecurityTLS: 465, SecurityNone: 25}
	if _, ok := defaultPort[cfg.Security]; !ok {
		return nil, fmt.Errorf("smtp.security: %q is not one of starttls, tls, none", cfg.Security)
	}
	if cfg.Port == 0 {
		cfg.Port = defaultPort[cfg.Security]
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 4
	}
	switch {
	case cfg.Port < 1 || cfg.Port > 65535:
		return nil, fmt.Errorf("smtp.port: %d is not a port", cfg.Port)
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("smtp.timeout: %s is negative", cfg.Timeout)
	case cfg.Concurrency < 0 || cfg.PerSecond < 0 || cfg.MaxPerConnection < 0:
		return nil, errors.New("smtp: concurrency, per_second and max_per_connection must not be negative")
	case cfg.Password != "" && cfg.Username == "":
		return nil, errors.New("smtp.username: is required with a password")
	}
	opts := []gomail.Option{gomail.WithPort(cfg.Port), gomail.WithTimeout(cfg.Timeout)}
	tlsConf := &tls.Config{RootCAs: cfg.RootCAs, ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.ServerName != "" {
		tlsConf.ServerName = cfg.ServerName
	}
	switch cfg.Security {
	case SecurityStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithTLSConfig(tlsConf))
	case SecurityTLS:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSConfig(tlsConf))
	case SecurityNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if cfg.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if cfg.Security == SecurityNone {
			auth = gomail.SMTPAuthPlainNoEnc // the operator chose a relay without TLS
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	if cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(cfg.HELO))
	}
	client, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	s := &Sender{cfg: cfg, client: client, slots: make(chan struct{}, cfg.Concurrency)}
	if cfg.PerSecond > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(cfg.PerSecond), cfg.Concurrency)
	}
	return s, nil
}

// SendError is a failed delivery: Temporary when trying again later may
// succeed (4xx replies, network errors, timeouts), permanent otherwise (5xx
// replies, a message the server cannot take). Code is the SMTP reply code,
// 0 when the server gave none.
type SendError struct {
	Temporary bool
	Code      int
	Err       error
}

func (e *SendError) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	return fmt.Sprintf("send mail (%s failure): %v", kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is a delivery failure worth retrying.
func IsTemporary(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Temporary
}

// Send delivers m: it waits for the rate cap and a free connection (or
// ctx), sends over a kept connection or a new one, and returns nil or a
// *SendError. A kept connection that the server closed meanwhile is
// replaced once, before anything was sent on it.
func (s *Sender) Send(ctx context.Context, m *Message) error {
	if s.limiter != nil {
		if err := s.limiter.Wait(ctx); err != nil {
			return &SendError{Temporary: true, Err: err}
		}
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return &SendError{Temporary: true, Err: ctx.Err()}
	}
	defer func() { <-s.slots }()

	c, fresh := s.take(), false
	for attempt := 0; ; attempt++ {
		if c == nil {
			sc, err := s.client.DialToSMTPClientWithContext(ctx)
			if err != nil {
				return classify(err)
			}
			c, fresh = &conn{c: sc}, true
		}
		err := s.client.SendWithSMTPClient(c.c, m.msg)
		if err == nil || m.msg.IsDelivered() {
			c.sent++
			s.keep(c)
			return nil
		}
		s.drop(c)
		c = nil
		var se *gomail.SendError
		if !fresh && attempt == 0 && errors.As(err, &se) && se.Reason == gomail.ErrConnCheck {
			continue // the kept connection went stale: nothing was sent on it
		}
		return classify(err)
	}
}

// take returns a kept connection, or nil.
func (s *Sender) take() *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.idle); n > 0 {
		c := s.idle[n-1]
		s.idle = s.idle[:n-1]
		return c
	}
	return nil
}

// keep returns a connection for reuse, or closes it when it reached
// MaxPerConnection.
func (s *Sender) keep(c *conn) {
	if s.cfg.MaxPerConnection > 0 && c.sent >= s.cfg.MaxPerConnection {
		s.client.CloseWithSMTPClient(c.c)
		return
	}
	s.mu.Lock()
	s.idle = append(s.idle, c)
	s.mu.Unlock()
}

func (s *Sender) drop(c *conn) {
	if err := s.client.CloseWithSMTPClient(c.c); err != nil {
		c.c.Close() // QUIT failed: close the socket
	}
}

// Close ends the kept connections with QUIT.
func (s *Sender) Close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	var errs []error
	for _, c := range idle {
		if err := s.client.CloseWithSMTPClient(c.c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// classify turns a dial or send error into a *SendError. A reply code
// decides when there is one: 4xx temporary, 5xx permanent (RFC 5321).
// Without one, a message go-mail could not address or encode is permanent
// (it will never go); everything else — refused or dropped connections,
// timeouts, TLS trouble, cancellation — is temporary, because the message
// is not at fault and the outbox's age limit bounds the retries.
func classify(err error) error {
	code := 0
	var se *gomail.SendError
	var tp *textproto.Error
	if errors.As(err, &se) {
		code = se.ErrorCode()
	}
	if code == 0 && errors.As(err, &tp) {
		code = tp.Code
	}
	if code >= 400 && code < 600 {
		return &SendError{Temporary: code < 500, Code: code, Err: err}
	}
	if se != nil {
		switch se.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			return &SendError{Temporary: false, Err: err}
		}
	}
	return &SendError{Temporary: true, Err: err}
}
