package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Security is how the server protects a session.
type Security int

// Security modes.
const (
	Plain    Security = iota // no TLS
	StartTLS                 // STARTTLS offered and required before MAIL
	TLS                      // implicit TLS from the first byte
)

// Options configure a Server.
type Options struct {
	Security Security

	// Username and Password, when Username is set, make AUTH PLAIN
	// required before MAIL.
	Username, Password string

	// Latency delays the reply to each DATA, to stand in for a slower
	// server. 0 answers at once.
	Latency time.Duration

	// IdleTimeout closes a connection that sent nothing for this long;
	// default 30s.
	IdleTimeout time.Duration
}

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte // as received, CRLF line endings
}

// Server is a running SMTP server.
type Server struct {
	Addr string // "127.0.0.1:port"
	Host string
	Port int

	srv      *smtp.Server
	ln       net.Listener
	opts     Options
	certPool *x509.CertPool

	mu                     sync.Mutex
	cond                   *sync.Cond
	messages               []Message
	rcptReply, dataReply   *smtp.SMTPError
	active, peak, sessions int
}

// New starts a server on 127.0.0.1 and stops it when the test ends.
func New(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{opts: o}
	s.cond = sync.NewCond(&s.mu)
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, tlsOn: o.Security == TLS, conn: c}, nil
	})
	srv := smtp.NewServer(be)
	srv.Domain = "smtptest.localhost"
	srv.ReadTimeout = 30 * time.Second
	if o.IdleTimeout > 0 {
		srv.ReadTimeout = o.IdleTimeout
	}
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 32 << 20
	srv.MaxRecipients = 50
	srv.AllowInsecureAuth = o.Security == Plain
	var ln net.Listener
	var err error
	if o.Security != Plain {
		cert, pool := selfSigned(t)
		s.certPool = pool
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	ln = &countingListener{Listener: ln, s: s}
	if o.Security == TLS {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	s.srv = srv
	s.Addr = ln.Addr().String()
	s.Host = "127.0.0.1"
	s.Port = ln.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	s.ln = ln
	t.Cleanup(func() {
		s.Close()
		<-done
	})
	return s
}

// RootCAs is a pool that trusts the server's certificate; nil for Plain.
func (s *Server) RootCAs() *x509.CertPool { return s.certPool }

// Close stops the server now; later connections are refused. It closes
// the listener itself too: go-smtp's Close misses a listener that Serve
// has not registered yet.
func (s *Server) Close() {
	s.ln.Close()
	s.srv.Close()
}

// FailRcpt makes every following RCPT get code and message (4xx or 5xx);
// code 0 accepts again.
func (s *Server) FailRcpt(code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcptReply = reply(code, message)
}

// FailData makes every following DATA get code and message after the
// message was read; code 0 accepts again.
func (s *Server) FailData(code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataReply = reply(code, message)
}

func reply(code int, message string) *smtp.SMTPError {
	if code == 0 {
		return nil
	}
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: message}
}

// Messages returns a copy of the messages accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait blocks until n messages were accepted or timeout passes, and
// returns the messages.
func (s *Server) Wait(n int, timeout time.Duration) []Message {
	deadline := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer deadline.Stop()
	end := time.Now().Add(timeout)
	s.mu.Lock()
	for len(s.messages) < n && time.Now().Before(end) {
		s.cond.Wait()
	}
	s.mu.Unlock()
	return s.Messages()
}

// Open is the number of connections open now.
func (s *Server) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// Sessions is the number of connections so far, and the most that were
// open at once.
func (s *Server) Sessions() (total, peak int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions, s.peak
}

type session struct {
	s     *Server
	conn  *smtp.Conn
	tlsOn bool
	authd bool
	from  string
	to    []string
}

func (x *session) secure() bool {
	if x.tlsOn {
		return true
	}
	_, ok := x.conn.TLSConnectionState()
	return ok
}

func (x *session) AuthMechanisms() []string {
	if x.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	if x.s.opts.Username == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != x.s.opts.Username || password != x.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		x.authd = true
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.opts.Security == StartTLS && !x.secure() {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Must issue a STARTTLS command first"}
	}
	if x.s.opts.Username != "" && !x.authd {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	r := x.s.rcptReply
	x.s.mu.Unlock()
	if r != nil {
		return r
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if d := x.s.opts.Latency; d > 0 {
		time.Sleep(d)
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.dataReply != nil {
		return x.s.dataReply
	}
	if len(x.to) == 0 {
		return errors.New("no recipients")
	}
	x.s.messages = append(x.s.messages, Message{From: x.from, To: x.to, Data: bytes.Clone(data)})
	x.s.cond.Broadcast()
	return nil
}

func (x *session) Reset() { x.from, x.to = "", nil }

func (x *session) Logout() error { return nil }

// countingListener counts connections as they open and close.
type countingListener struct {
	net.Listener
	s *Server
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.s.mu.Lock()
	l.s.active++
	l.s.sessions++
	l.s.peak = max(l.s.peak, l.s.active)
	l.s.mu.Unlock()
	return &countingConn{Conn: c, s: l.s}, nil
}

type countingConn struct {
	net.Conn
	s    *Server
	once sync.Once
}

func (c *countingConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		c.s.active--
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtptest"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
