// Package email composes and sends the messages slate's customers asked
// for: incident updates, maintenance notices (scheduled, reminder, started,
// completed), the subscription confirmation (double opt-in) and the monthly
// credit statement with its PDF attached.
//
// Composer builds each kind from plain values (IncidentUpdate, Maintenance,
// Confirmation, statement.Statement) and an Envelope; messages are built
// with github.com/wneessen/go-mail. Every message has a text and an HTML
// part saying the same thing, a List-Unsubscribe header with the one-click
// https URL (and a mailto when given) plus List-Unsubscribe-Post:
// List-Unsubscribe=One-Click (RFC 8058), Auto-Submitted: auto-generated,
// and a Message-ID derived from the envelope's dedup key (MessageID), so
// a retry of the same outbox row carries the same ID and receivers
// recognise it. Incident updates can share a thread (References).
//
// Sender delivers one message per Send over SMTP (STARTTLS, implicit TLS
// or plain; AUTH optional; timeouts), keeping up to Concurrency
// connections open and reusing them, at most PerSecond messages a second.
// A failure is a *SendError that says whether it is temporary (4xx,
// network, TLS, timeouts: the outbox should retry) or permanent (5xx, a
// message that can never go). A Message is sent by one goroutine at a time.
//
// The package holds no state between calls beyond a Sender's connections
// and takes its dates from the caller (Envelope.Date).
//
// Allowed imports: the standard library, go-mail, golang.org/x/time/rate
// and package statement. Tests run against internal/smtptest, a real SMTP
// server on 127.0.0.1.
package email
