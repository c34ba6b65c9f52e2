package smtptest

import (
	"crypto/tls"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

func send(t *testing.T, s *Server, auth smtp.Auth, startTLS bool) error {
	t.Helper()
	c, err := smtp.Dial(s.Addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if startTLS {
		if err := c.StartTLS(&tls.Config{RootCAs: s.RootCAs(), ServerName: "127.0.0.1"}); err != nil {
			return err
		}
	}
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.Mail("from@example.com"); err != nil {
		return err
	}
	if err := c.Rcpt("to@example.com"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	w.Write([]byte("Subject: hi\r\n\r\nbody\r\n"))
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func TestStoresMessages(t *testing.T) {
	s := New(t, Options{})
	if err := send(t, s, nil, false); err != nil {
		t.Fatal(err)
	}
	msgs := s.Wait(1, 5*time.Second)
	if len(msgs) != 1 || msgs[0].From != "from@example.com" || msgs[0].To[0] != "to@example.com" ||
		!strings.Contains(string(msgs[0].Data), "Subject: hi") {
		t.Fatalf("got %+v", msgs)
	}
	if total, peak := s.Sessions(); total != 1 || peak != 1 {
		t.Errorf("sessions: got %d (peak %d), want 1 (peak 1)", total, peak)
	}
}

func TestAnswersAsTold(t *testing.T) {
	s := New(t, Options{})
	s.FailRcpt(450, "mailbox busy")
	if err := send(t, s, nil, false); err == nil || !strings.HasPrefix(err.Error(), "450") {
		t.Errorf("RCPT: got %v, want 450", err)
	}
	s.FailRcpt(0, "")
	s.FailData(554, "rejected")
	if err := send(t, s, nil, false); err == nil || !strings.HasPrefix(err.Error(), "554") {
		t.Errorf("DATA: got %v, want 554", err)
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("stored %d refused messages", n)
	}
}

func TestStartTLSAndAuth(t *testing.T) {
	s := New(t, Options{Security: StartTLS, Username: "u", Password: "p"})
	if err := send(t, s, nil, false); err == nil || !strings.HasPrefix(err.Error(), "530") {
		t.Errorf("without STARTTLS: got %v, want 530", err)
	}
	if err := send(t, s, smtp.PlainAuth("", "u", "wrong", "127.0.0.1"), true); err == nil || !strings.HasPrefix(err.Error(), "535") {
		t.Errorf("wrong password: got %v, want 535", err)
	}
	if err := send(t, s, smtp.PlainAuth("", "u", "p", "127.0.0.1"), true); err != nil {
		t.Errorf("STARTTLS and AUTH: %v", err)
	}
}
