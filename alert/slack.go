package alert

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Slack posts to a Slack incoming webhook: a plain "text" for
// notifications and clients without blocks, and Block Kit "blocks" with a
// header, the body, the fields and a link.
type Slack struct {
	URL string // the incoming webhook URL, https://hooks.slack.com/services/...
}

type slackText struct {
	Type  string `json:"type"` // "plain_text" or "mrkdwn"
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type slackBlock struct {
	Type     string      `json:"type"` // "header", "section", "context"
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// slackEscape escapes the three characters Slack's mrkdwn gives a meaning.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackMessageFor is the message for e.
func slackMessageFor(e Event) slackMessage {
	label := strings.ToUpper(e.Kind)
	if e.Kind == KindResolve {
		label = "RESOLVED"
	}
	text := fmt.Sprintf("[%s] %s", label, e.Title)
	m := slackMessage{Text: slackEscape(text)}
	m.Blocks = append(m.Blocks, slackBlock{Type: "header", Text: &slackText{Type: "plain_text", Text: truncate(text, 150)}})
	if e.Body != "" {
		m.Blocks = append(m.Blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate(slackEscape(e.Body), 3000)}})
	}
	var fields []slackText
	add := func(name, value string) {
		if value != "" {
			fields = append(fields, slackText{Type: "mrkdwn", Text: "*" + name + "*\n" + slackEscape(value)})
		}
	}
	add("Severity", e.severity())
	add("Service", cmp.Or(e.ServiceName, e.Service))
	add("Tenant", e.Tenant)
	add("Status", e.Status)
	m.Blocks = append(m.Blocks, slackBlock{Type: "section", Fields: fields})
	ctx := []slackText{{Type: "mrkdwn", Text: slackEscape(e.DedupKey) + " · " + e.Time.UTC().Format(time.RFC3339)}}
	if e.URL != "" {
		ctx = append(ctx, slackText{Type: "mrkdwn", Text: "<" + slackEscape(e.URL) + "|Details>"})
	}
	m.Blocks = append(m.Blocks, slackBlock{Type: "context", Elements: ctx})
	return m
}

// NewRequest implements Receiver.
func (s Slack) NewRequest(ctx context.Context, e Event, _ time.Time) (*http.Request, error) {
	req, _, err := jsonRequest(ctx, s.URL, slackMessageFor(e))
	if err != nil {
		return nil, fmt.Errorf("slack %s: %w", e.DedupKey, err)
	}
	return req, nil
}

// truncate cuts s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
