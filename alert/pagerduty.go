package alert

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// DefaultPagerDutyURL is the Events API v2 endpoint.
const DefaultPagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

// PagerDuty sends events to the PagerDuty Events API v2. The event's dedup
// key is PagerDuty's dedup_key, so a repeated trigger updates the open
// PagerDuty incident instead of opening another, and a resolve closes it.
type PagerDuty struct {
	RoutingKey string // the integration key of the PagerDuty service
	URL        string // "" means DefaultPagerDutyURL; tests point it elsewhere
	Source     string // the payload's source; "" means "slate"
}

type pdLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

type pdPayload struct {
	Summary       string            `json:"summary"`
	Source        string            `json:"source"`
	Severity      string            `json:"severity"`
	Timestamp     string            `json:"timestamp"`
	Component     string            `json:"component,omitempty"`
	Group         string            `json:"group,omitempty"`
	CustomDetails map[string]string `json:"custom_details,omitempty"`
}

type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"` // "trigger" or "resolve"
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload,omitempty"` // required for trigger only
	Client      string     `json:"client,omitempty"`
	ClientURL   string     `json:"client_url,omitempty"`
	Links       []pdLink   `json:"links,omitempty"`
}

// pdEventFor is the Events API v2 body for e. A resolve carries no
// payload, which PagerDuty ignores for resolves. An update is a trigger
// with the same dedup key, which PagerDuty adds to the open alert without
// paging again — unless the incident is closed already: then it is a
// resolve (which changes nothing), since a trigger would open the alert
// again. Every other kind is a trigger. client_url and a link lead to the
// incident's page.
func (p PagerDuty) pdEventFor(e Event) pdEvent {
	ev := pdEvent{RoutingKey: p.RoutingKey, EventAction: "trigger", DedupKey: e.DedupKey, Client: "slate", ClientURL: e.URL}
	if e.URL != "" {
		ev.Links = []pdLink{{Href: e.URL, Text: "Incident page"}}
	}
	if e.Kind == KindResolve || e.Kind == KindUpdate && (e.Status == "resolved" || e.Status == "postmortem") {
		ev.EventAction = "resolve"
		return ev
	}
	source := p.Source
	if source == "" {
		source = "slate"
	}
	details := map[string]string{"kind": e.Kind}
	for k, v := range map[string]string{"body": e.Body, "status": e.Status, "tenant": e.Tenant, "service": e.Service, "service_name": e.ServiceName} {
		if v != "" {
			details[k] = v
		}
	}
	ev.Payload = &pdPayload{
		Summary:       truncate(e.Title, 1024), // PagerDuty's limit
		Source:        source,
		Severity:      e.severity(),
		Timestamp:     e.Time.UTC().Format(time.RFC3339Nano),
		Component:     e.Service,
		Group:         e.Tenant,
		CustomDetails: details,
	}
	return ev
}

// NewRequest implements Receiver.
func (p PagerDuty) NewRequest(ctx context.Context, e Event, _ time.Time) (*http.Request, error) {
	url := p.URL
	if url == "" {
		url = DefaultPagerDutyURL
	}
	req, _, err := jsonRequest(ctx, url, p.pdEventFor(e))
	if err != nil {
		return nil, fmt.Errorf("pagerduty %s: %w", e.DedupKey, err)
	}
	return req, nil
}
