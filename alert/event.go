package alert

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slatehq/slate/db"
)

// The kinds of event.
const (
	KindTrigger   = "trigger"   // something is wrong; repeated while unresolved if the route says so
	KindUpdate    = "update"    // more about something already triggered: a person's update, a severity change; never pages anew
	KindResolve   = "resolve"   // it is over; sent only to routes that want resolutions
	KindHeartbeat = "heartbeat" // slate is alive; for dead-man's switches
	// KindCreditIssued is a service credit issued to a tenant, for the
	// billing system that creates the credit note; dedup key
	// "credit/ID/issued", one per ledger entry.
	KindCreditIssued = "credit.issued"
)

// The severities of an event, those of PagerDuty's Events API v2.
const (
	SeverityCritical = "critical"
	SeverityError    = "error"
	SeverityWarning  = "warning"
	SeverityInfo     = "info"
)

// Event is one notification, independent of who receives it. It is stored
// in the outbox as its JSON encoding and decoded again by the sender, so its
// fields are the contract between the code that raises alerts and the
// receivers.
type Event struct {
	DedupKey    string    `json:"dedup_key"`              // stable per incident or rule, "incident/42"; receivers dedupe on it
	Kind        string    `json:"kind"`                   // KindTrigger, KindUpdate, KindResolve, KindHeartbeat
	Title       string    `json:"title"`                  // one line in words, "Mail: major outage, investigating"
	Severity    string    `json:"severity"`               // SeverityCritical ... SeverityInfo; "" means error
	Service     string    `json:"service,omitempty"`      // the ID of the service it is about; "" for slate itself
	ServiceName string    `json:"service_name,omitempty"` // that service's display name
	Incident    string    `json:"incident,omitempty"`     // the incident's public ID; "" when it is about no incident
	Tenant      string    `json:"tenant,omitempty"`       // the tenant it concerns; "" for all
	Status      string    `json:"status,omitempty"`       // incident status: investigating, identified, monitoring, resolved, postmortem
	Body        string    `json:"body,omitempty"`         // plain text, a few lines
	URL         string    `json:"url,omitempty"`          // the incident or dashboard page
	Time        time.Time `json:"time"`                   // when it happened, UTC
	// Data is the event's own record, for events that are not about an
	// incident: a KindCreditIssued event carries the ledger entry as the
	// billing export writes it (billing.Row).
	Data json.RawMessage `json:"data,omitempty"`
}

// Validate reports the first missing or unknown field.
func (e Event) Validate() error {
	switch {
	case strings.TrimSpace(e.DedupKey) == "":
		return fmt.Errorf("event: empty dedup key")
	case e.Kind == "":
		return fmt.Errorf("event %s: empty kind", e.DedupKey)
	case strings.TrimSpace(e.Title) == "":
		return fmt.Errorf("event %s: empty title", e.DedupKey)
	case e.Time.IsZero():
		return fmt.Errorf("event %s: zero time", e.DedupKey)
	}
	switch e.Severity {
	case "", SeverityCritical, SeverityError, SeverityWarning, SeverityInfo:
	default:
		return fmt.Errorf("event %s: unknown severity %q", e.DedupKey, e.Severity)
	}
	return nil
}

// severity is e.Severity with its default.
func (e Event) severity() string {
	if e.Severity == "" {
		return SeverityError
	}
	return e.Severity
}

// Alerts returns the outbox rows that deliver e to each of receivers, for
// db.Enqueue or db.UpdateWithAlerts.
func Alerts(e Event, receivers []string) ([]db.Alert, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	e.Time = e.Time.UTC()
	payload, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.DedupKey, err)
	}
	out := make([]db.Alert, 0, len(receivers))
	for _, r := range receivers {
		out = append(out, db.Alert{DedupKey: e.DedupKey, Receiver: r, Kind: e.Kind, Payload: payload})
	}
	return out, nil
}

// decodeEvent reads an outbox payload.
func decodeEvent(payload []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(payload, &e); err != nil {
		return Event{}, fmt.Errorf("decode event: %w", err)
	}
	return e, nil
}
