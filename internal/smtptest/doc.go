// Package smtptest runs a real SMTP server for tests, built with
// github.com/emersion/go-smtp: it listens on 127.0.0.1:0, speaks plain
// SMTP, STARTTLS or implicit TLS (with a certificate made for the run),
// optionally requires AUTH PLAIN, stores every message it accepts, can be
// told to answer RCPT or DATA with a 4xx or 5xx reply, and counts its
// sessions (the peak number at once, too) so tests can check a sender's
// concurrency. New registers its shutdown with t.Cleanup.
//
// Allowed imports: the standard library, go-smtp and go-sasl.
package smtptest
