package email

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/smtptest"
)

// message composes a small incident update keyed by key.
func message(t testing.TB, c *Composer, key string) *Message {
	t.Helper()
	m, err := c.NewIncidentUpdate(envelope(key), IncidentUpdate{Provider: "Nordlicht Cloud", Title: "Mail delayed", Status: "monitoring",
		Body: "Queues are draining.", At: testDate, Location: time.UTC, URL: "https://status.nordlicht.example/incidents/9", Why: "You subscribed."})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sender(t testing.TB, srv *smtptest.Server, cfg Config) *Sender {
	t.Helper()
	cfg.Host, cfg.Port, cfg.RootCAs = srv.Host, srv.Port, srv.RootCAs()
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSendOverEverySecurityMode delivers one message over plain SMTP,
// STARTTLS with AUTH and implicit TLS with AUTH, and parses what the
// server received.
func TestSendOverEverySecurityMode(t *testing.T) {
	for _, tc := range []struct {
		name string
		srv  smtptest.Options
		cfg  Config
	}{
		{"plain", smtptest.Options{}, Config{Security: SecurityNone}},
		{"plain with auth", smtptest.Options{Username: "relay", Password: "s3cret"}, Config{Security: SecurityNone, Username: "relay", Password: "s3cret"}},
		{"starttls with auth", smtptest.Options{Security: smtptest.StartTLS, Username: "relay", Password: "s3cret"},
			Config{Security: SecurityStartTLS, Username: "relay", Password: "s3cret"}},
		{"implicit tls with auth", smtptest.Options{Security: smtptest.TLS, Username: "relay", Password: "s3cret"},
			Config{Security: SecurityTLS, Username: "relay", Password: "s3cret"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.New(t, tc.srv)
			s := sender(t, srv, tc.cfg)
			m := message(t, NewComposer(), "incident/9/update/4/anna")
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			got := srv.Wait(1, 5*time.Second)
			if len(got) != 1 {
				t.Fatalf("server has %d messages, want 1", len(got))
			}
			if got[0].From != "status@nordlicht.example" || len(got[0].To) != 1 || got[0].To[0] != "anna.mueller@example.com" {
				t.Errorf("envelope: from %q to %q", got[0].From, got[0].To)
			}
			msg, parts := parse(t, got[0].Data)
			if msg.Header.Get("Message-Id") != m.MessageID || msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
				t.Errorf("headers: %v", msg.Header)
			}
			if p := partOf(parts, "text/plain"); p == nil || !strings.Contains(string(p.body), "Queues are draining.") {
				t.Errorf("text part: %v", p)
			}
		})
	}
}

// TestSendFailuresArePermanentOrTemporary: what the server answers decides
// whether an outbox should try again.
func TestSendFailuresArePermanentOrTemporary(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      smtptest.Options
		cfg       Config
		prepare   func(*smtptest.Server)
		temporary bool
		code      int
	}{
		{"mailbox busy at RCPT", smtptest.Options{}, Config{Security: SecurityNone},
			func(s *smtptest.Server) { s.FailRcpt(450, "mailbox busy") }, true, 450},
		{"no such user at RCPT", smtptest.Options{}, Config{Security: SecurityNone},
			func(s *smtptest.Server) { s.FailRcpt(550, "no such user") }, false, 550},
		{"out of storage at DATA", smtptest.Options{}, Config{Security: SecurityNone},
			func(s *smtptest.Server) { s.FailData(452, "insufficient storage") }, true, 452},
		{"rejected at DATA", smtptest.Options{}, Config{Security: SecurityNone},
			func(s *smtptest.Server) { s.FailData(554, "spam") }, false, 554},
		{"wrong password", smtptest.Options{Security: smtptest.StartTLS, Username: "relay", Password: "right"},
			Config{Security: SecurityStartTLS, Username: "relay", Password: "wrong"}, nil, false, 535},
		{"server down", smtptest.Options{}, Config{Security: SecurityNone},
			func(s *smtptest.Server) { s.Close() }, true, 0},
		{"STARTTLS required but not offered", smtptest.Options{}, Config{Security: SecurityStartTLS}, nil, true, 0},
		{"certificate not trusted", smtptest.Options{Security: smtptest.TLS}, Config{Security: SecurityTLS}, nil, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.New(t, tc.opts)
			if tc.prepare != nil {
				tc.prepare(srv)
			}
			s := sender(t, srv, tc.cfg)
			if tc.name == "certificate not trusted" {
				s = senderWithoutCA(t, srv, tc.cfg)
			}
			err := s.Send(context.Background(), message(t, NewComposer(), "k"))
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *SendError", err)
			}
			if se.Temporary != tc.temporary || se.Code != tc.code || IsTemporary(err) != tc.temporary {
				t.Errorf("got temporary %v code %d (%v), want temporary %v code %d", se.Temporary, se.Code, err, tc.temporary, tc.code)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server stored %d messages", n)
			}
		})
	}
}

func senderWithoutCA(t *testing.T, srv *smtptest.Server, cfg Config) *Sender {
	cfg.Host, cfg.Port, cfg.Timeout = srv.Host, srv.Port, 5*time.Second
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRetryCarriesTheSameMessageID: a temporary failure, then the retry an
// outbox makes — of the same message, or composed again after a restart —
// arrives once, with the Message-ID derived from the dedup key.
func TestRetryCarriesTheSameMessageID(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{})
	s := sender(t, srv, Config{Security: SecurityNone})
	c := NewComposer()
	m := message(t, c, "incident/9/update/4/anna")
	srv.FailData(451, "try later")
	if err := s.Send(context.Background(), m); !IsTemporary(err) {
		t.Fatalf("first attempt: got %v, want a temporary failure", err)
	}
	srv.FailData(0, "")
	if err := s.Send(context.Background(), message(t, c, "incident/9/update/4/anna")); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("server has %d messages, want 1", len(got))
	}
	msg, _ := parse(t, got[0].Data)
	if id := msg.Header.Get("Message-Id"); id != m.MessageID || id != MessageID("incident/9/update/4/anna", "status.nordlicht.example") {
		t.Errorf("Message-ID: got %s, want %s", id, m.MessageID)
	}
}

// TestStaleConnectionIsReplaced: the server drops an idle kept connection;
// the next Send notices before sending and uses a new one.
func TestStaleConnectionIsReplaced(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{IdleTimeout: 200 * time.Millisecond})
	s := sender(t, srv, Config{Security: SecurityNone, Concurrency: 1})
	c := NewComposer()
	if err := s.Send(context.Background(), message(t, c, "a")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) { // wait for the server to drop it
		if total, peak := srv.Sessions(); total == 1 && peak == 1 && srv.Open() == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Send(context.Background(), message(t, c, "b")); err != nil {
		t.Fatalf("send after the server closed the kept connection: %v", err)
	}
	if total, _ := srv.Sessions(); total != 2 || len(srv.Wait(2, 5*time.Second)) != 2 {
		t.Errorf("sessions %d, messages %d; want 2 and 2", total, len(srv.Messages()))
	}
}

// TestConcurrencyIsBounded: many goroutines sending at once never hold
// more connections than Concurrency, and connections are reused.
func TestConcurrencyIsBounded(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{Latency: time.Millisecond})
	s := sender(t, srv, Config{Security: SecurityNone, Concurrency: 3})
	c := NewComposer()
	const n = 300
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := 0; w < 30; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 30 {
				errs <- s.Send(context.Background(), message(t, c, fmt.Sprint("k", i)))
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	total, peak := srv.Sessions()
	if got := len(srv.Wait(n, 10*time.Second)); got != n {
		t.Errorf("delivered %d, want %d", got, n)
	}
	if peak > 3 || total > 3 {
		t.Errorf("connections: %d in all, %d at once; want at most 3 and 3", total, peak)
	}
}

// TestRateCapHolds: with PerSecond set, n messages cannot finish sooner
// than (n - burst) / rate, however fast the server is.
func TestRateCapHolds(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{})
	s := sender(t, srv, Config{Security: SecurityNone, Concurrency: 2, PerSecond: 200})
	c := NewComposer()
	msgs := make([]*Message, 60)
	for i := range msgs {
		msgs[i] = message(t, c, fmt.Sprint("k", i))
	}
	start := time.Now()
	for _, m := range msgs {
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if min := time.Duration(len(msgs)-2) * time.Second / 200; time.Since(start) < min {
		t.Errorf("sent %d messages in %v, faster than the cap allows (%v)", len(msgs), time.Since(start), min)
	}
}

// TestSendHonoursContext: a cancelled context is a temporary failure and
// sends nothing.
func TestSendHonoursContext(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{})
	s := sender(t, srv, Config{Security: SecurityNone, PerSecond: 1, Concurrency: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, message(t, NewComposer(), "k")); !IsTemporary(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want a temporary failure wrapping context.Canceled", err)
	}
}

func TestNewSenderRefuses(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "smtp.host: is required"},
		{Config{Host: "h", Security: "ssl"}, `smtp.security: "ssl" is not one of starttls, tls, none`},
		{Config{Host: "h", Port: 70000}, "smtp.port: 70000 is not a port"},
		{Config{Host: "h", Password: "p"}, "smtp.username: is required with a password"},
		{Config{Host: "h", Concurrency: -1}, "must not be negative"},
	} {
		if _, err := NewSender(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.cfg, err, tc.want)
		}
	}
}
