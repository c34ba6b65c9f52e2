package alert

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Statuspage posts the subscriber webhook of Atlassian Statuspage
// (spec/statuspage-v2.md, "Webhooks to subscribers"): an envelope with
// meta, page and incident, so that tools written for Statuspage
// subscriptions take slate's notifications unchanged.
type Statuspage struct {
	URL           string // the subscriber's endpoint
	PageID        string // the page's id, as in the /api/v2 payloads
	Unsubscribe   string // meta.unsubscribe: a URL that ends the subscription
	Documentation string // meta.documentation: a URL describing the payload
}

// spTime is the Statuspage timestamp layout: RFC 3339 with milliseconds.
const spTime = "2006-01-02T15:04:05.000Z07:00"

type spMeta struct {
	Unsubscribe   string `json:"unsubscribe"`
	Documentation string `json:"documentation"`
}

type spPage struct {
	ID                string `json:"id"`
	StatusIndicator   string `json:"status_indicator"`
	StatusDescription string `json:"status_description"`
}

type spUpdate struct {
	ID                   string  `json:"id"`
	Status               string  `json:"status"`
	Body                 string  `json:"body"`
	IncidentID           string  `json:"incident_id"`
	CreatedAt            string  `json:"created_at"`
	UpdatedAt            string  `json:"updated_at"`
	DisplayAt            string  `json:"display_at"`
	AffectedComponents   *[]any  `json:"affected_components"`
	DeliverNotifications bool    `json:"deliver_notifications"`
	CustomTweet          *string `json:"custom_tweet"`
	TweetID              *string `json:"tweet_id"`
}

type spIncident struct {
	ID              string     `json:"id"`
	Name            string     `json:"name"`
	Status          string     `json:"status"`
	Impact          string     `json:"impact"`
	CreatedAt       string     `json:"created_at"`
	UpdatedAt       string     `json:"updated_at"`
	StartedAt       string     `json:"started_at"`
	MonitoringAt    *string    `json:"monitoring_at"`
	ResolvedAt      *string    `json:"resolved_at"`
	Shortlink       *string    `json:"shortlink"`
	PageID          string     `json:"page_id"`
	IncidentUpdates []spUpdate `json:"incident_updates"`
	Components      []any      `json:"components"`
}

type spEnvelope struct {
	Meta     spMeta     `json:"meta"`
	Page     spPage     `json:"page"`
	Incident spIncident `json:"incident"`
}

// spImpact maps a severity to an incident impact and the page status it
// implies.
func spImpact(severity string) (impact, description string) {
	switch severity {
	case SeverityCritical:
		return "critical", "Major System Outage"
	case SeverityError:
		return "major", "Partial System Outage"
	case SeverityWarning:
		return "minor", "Partially Degraded Service"
	default:
		return "none", "All Systems Operational"
	}
}

// spEnvelopeFor is the envelope for e. The event carries one moment, so
// the incident's created, started and updated times are all e.Time, and its
// one update is e itself; the incident id is the incident's public ID (the
// dedup key for an event about no incident).
func (s Statuspage) spEnvelopeFor(e Event) spEnvelope {
	at := e.Time.UTC().Format(spTime)
	id := e.Incident
	if id == "" {
		id = e.DedupKey
	}
	impact, desc := spImpact(e.severity())
	status := e.Status
	indicator := impact
	var resolved, monitoring *string
	switch {
	case e.Kind == KindResolve:
		status, indicator, desc = "resolved", "none", "All Systems Operational"
		resolved = &at
	case status == "resolved" || status == "postmortem": // a note on a closed incident
		indicator, desc = "none", "All Systems Operational"
		resolved = &at
	case status == "":
		status = "investigating"
	case status == "monitoring":
		monitoring = &at
	}
	return spEnvelope{
		Meta: spMeta{Unsubscribe: s.Unsubscribe, Documentation: s.Documentation},
		Page: spPage{ID: s.PageID, StatusIndicator: indicator, StatusDescription: desc},
		Incident: spIncident{
			ID: id, Name: e.Title, Status: status, Impact: impact,
			CreatedAt: at, UpdatedAt: at, StartedAt: at,
			MonitoringAt: monitoring, ResolvedAt: resolved,
			Shortlink: nullable(e.URL), PageID: s.PageID,
			IncidentUpdates: []spUpdate{{
				ID: id + "@" + at, Status: status, Body: e.Body, IncidentID: id,
				CreatedAt: at, UpdatedAt: at, DisplayAt: at, DeliverNotifications: true,
			}},
			Components: []any{},
		},
	}
}

// NewRequest implements Receiver.
func (s Statuspage) NewRequest(ctx context.Context, e Event, _ time.Time) (*http.Request, error) {
	req, _, err := jsonRequest(ctx, s.URL, s.spEnvelopeFor(e))
	if err != nil {
		return nil, fmt.Errorf("statuspage %s: %w", e.DedupKey, err)
	}
	return req, nil
}

// nullable is nil for "", so that an absent value encodes as null, as the
// Statuspage shapes want.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
