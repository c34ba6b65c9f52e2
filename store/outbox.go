package store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// The states of an outbox row.
const (
	AlertPending   = "pending"   // waiting for its next attempt at NextAt
	AlertDelivered = "delivered" // a receiver acknowledged it; final
	AlertFailed    = "failed"    // the sender gave up; final
)

// The outcomes of one delivery attempt, as RecordAttempt takes them.
const (
	OutcomeDelivered = "delivered" // the receiver answered 2xx
	OutcomeRetry     = "retry"     // failed; try again at AttemptOutcome.NextAt
	OutcomeGaveUp    = "gave_up"   // failed for good: a 4xx, or too old to retry
)

// Alert is one row of the outbox: a notification owed to one receiver.
type Alert struct {
	ID        int64     // assigned on enqueue; 0 before
	DedupKey  string    // stable per incident or rule, "incident/42"; receivers dedupe on it
	Receiver  string    // receiver name from the configuration
	Kind      string    // "trigger", "resolve", "heartbeat", ...
	Payload   []byte    // the event as receiver-neutral JSON (alert.Event)
	CreatedAt time.Time // when it was enqueued, UTC, millisecond precision; set by Enqueue
	Attempts  int       // attempts recorded so far
	NextAt    time.Time // when the next attempt is due; zero on enqueue means at once
	State     string    // AlertPending, AlertDelivered or AlertFailed; set by Enqueue
	LastError string    // error of the latest failed attempt; "" if none

	// Claim is the token of the ClaimAlerts call that holds the alert, ""
	// when none does; ClaimedUntil is when that claim lapses (zero without
	// one). RecordAttempt ends the claim.
	Claim        string
	ClaimedUntil time.Time
}

// AttemptOutcome is what one delivery attempt came to.
type AttemptOutcome struct {
	Outcome string    // OutcomeDelivered, OutcomeRetry or OutcomeGaveUp
	Status  int       // HTTP status code of the answer; 0 when there was none
	NextAt  time.Time // OutcomeRetry: when the next attempt is due
	Error   string    // why it failed; "" when delivered
}

// Attempt is one recorded delivery attempt of an alert.
type Attempt struct {
	AlertID int64
	At      time.Time // UTC, millisecond precision
	Outcome string    // as in AttemptOutcome
	Status  int       // HTTP status code; 0 when there was no answer
	Error   string
}

// AlertSubject names an alert in errors.
func AlertSubject(id int64) string { return fmt.Sprintf("alert/%d", id) }

// CheckAlert refuses an alert a sender could not deliver.
func CheckAlert(a Alert) error {
	switch {
	case strings.TrimSpace(a.DedupKey) == "":
		return fmt.Errorf("empty dedup key")
	case strings.TrimSpace(a.Receiver) == "":
		return fmt.Errorf("%s: empty receiver", a.DedupKey)
	case strings.TrimSpace(a.Kind) == "":
		return fmt.Errorf("%s: empty kind", a.DedupKey)
	case len(a.Payload) == 0:
		return fmt.Errorf("%s: empty payload", a.DedupKey)
	}
	return nil
}

// AttemptState is the state an alert moves to after outcome, or an error
// for an outcome that is not one of the Outcome constants or a retry
// without a time.
func AttemptState(id int64, outcome AttemptOutcome) (string, error) {
	switch outcome.Outcome {
	case OutcomeDelivered:
		return AlertDelivered, nil
	case OutcomeRetry:
		if outcome.NextAt.IsZero() {
			return "", fmt.Errorf("record attempt of %s: retry without a next time", AlertSubject(id))
		}
		return AlertPending, nil
	case OutcomeGaveUp:
		return AlertFailed, nil
	}
	return "", fmt.Errorf("record attempt of %s: unknown outcome %q", AlertSubject(id), outcome.Outcome)
}

// CheckClaim validates ClaimAlerts' arguments.
func CheckClaim(claimant string, hold time.Duration) error {
	switch {
	case strings.TrimSpace(claimant) == "":
		return fmt.Errorf("claim alerts: empty claimant")
	case hold <= 0:
		return fmt.Errorf("claim alerts: hold %v: must be positive", hold)
	}
	return nil
}

// NewClaimToken makes the token of one ClaimAlerts call: the claimant's
// name, so a stuck claim says who took it, and random bits, so two calls
// of one claimant differ.
func NewClaimToken(claimant string) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("claim alerts: %w", err)
	}
	return claimant + "/" + hex.EncodeToString(b[:]), nil
}
