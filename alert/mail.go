package alert

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/email"
)

// KindEmail is an e-mail owed to one recipient: a subscriber's incident
// update or maintenance notice, a subscription's confirmation request, a
// billing contact's statement. The event's Data says which (the code that
// enqueues it and the Mail deliverer's Compose agree on its shape).
const KindEmail = "email"

// Deliverer delivers an alert itself rather than by an HTTP request: the
// Sender calls Deliver, within its Timeout, and records the outcome by its
// error (with an SMTP reply code, when there is one, as the status). nil is
// delivered; an error for which Temporary (or email.IsTemporary) holds is
// retried with the Sender's backoff; ErrNoRecipient and every other error
// give up, with the error recorded.
type Deliverer interface {
	Deliver(ctx context.Context, a db.Alert, e Event, now time.Time) error
}

// ErrNoRecipient is a message that has nobody to go to any more: its
// subscriber unsubscribed, or chose other components, after it was
// enqueued. The alert is closed without sending.
var ErrNoRecipient = errors.New("no recipient: unsubscribed or no longer wants it")

// temporaryError marks a failure worth trying again.
type temporaryError struct{ err error }

func (t temporaryError) Error() string { return t.err.Error() }
func (t temporaryError) Unwrap() error { return t.err }

// Temporary marks err as a failure that may pass (a store read that
// failed): the Sender retries the alert.
func Temporary(err error) error { return temporaryError{err} }

func isTemporary(err error) bool {
	var t temporaryError
	return errors.As(err, &t) || email.IsTemporary(err)
}

// Mail delivers KindEmail alerts: Compose builds the message at the time
// of the attempt (looking up the recipient, so that an unsubscribe stops
// what is already queued), Send sends it. The SMTP server's answer
// decides: 4xx and network trouble are retried, 5xx given up.
type Mail struct {
	// Compose builds a's message; ErrNoRecipient when it has nobody to
	// go to, an error marked Temporary when trying again may help.
	Compose func(ctx context.Context, a db.Alert, e Event, now time.Time) (*email.Message, error)
	// Send delivers one message; *email.Sender's Send.
	Send func(ctx context.Context, m *email.Message) error
}

// Deliver composes and sends a's message.
func (m Mail) Deliver(ctx context.Context, a db.Alert, e Event, now time.Time) error {
	msg, err := m.Compose(ctx, a, e, now)
	if err != nil {
		return err
	}
	if err := m.Send(ctx, msg); err != nil {
		// SMTP replies often quote the recipient; the outbox records the
		// error, and an address is kept in the subscribers table alone.
		return scrubbed{err: err, text: strings.ReplaceAll(err.Error(), msg.To, "<recipient>")}
	}
	return nil
}

// scrubbed is err with its text cleaned of the recipient's address.
type scrubbed struct {
	err  error
	text string
}

func (s scrubbed) Error() string { return s.text }
func (s scrubbed) Unwrap() error { return s.err }

// deliver makes one attempt through a Deliverer and classifies its error.
func (s *Sender) deliver(ctx context.Context, d Deliverer, a db.Alert, e Event, at time.Time) db.AttemptOutcome {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := d.Deliver(actx, a, e, at)
	var se *email.SendError
	code := 0
	if errors.As(err, &se) {
		code = se.Code
	}
	switch {
	case err == nil:
		return db.AttemptOutcome{Outcome: db.OutcomeDelivered}
	case isTemporary(err):
		return s.retry(a, at, code, 0, truncate(err.Error(), 300))
	}
	return db.AttemptOutcome{Outcome: db.OutcomeGaveUp, Status: code, Error: truncate(err.Error(), 300)}
}
