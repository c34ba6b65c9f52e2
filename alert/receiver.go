package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Receiver turns an event into the HTTP request that delivers it to one
// destination. The Sender sends the request, with its own client and
// timeout, and decides from the answer whether the alert was delivered.
// Implementations hold configuration only and are safe for concurrent use.
type Receiver interface {
	// NewRequest builds the request for e. now is the time of the attempt,
	// for signatures and timestamps; ctx bounds the attempt.
	NewRequest(ctx context.Context, e Event, now time.Time) (*http.Request, error)
}

// jsonRequest builds a POST of v as JSON to url and returns it with its
// body.
func jsonRequest(ctx context.Context, url string, v any) (*http.Request, []byte, error) {
	body, err := marshal(v)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("new request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "slate-alert")
	return req, body, nil
}

// marshal encodes v as JSON without HTML escaping: receivers show the text
// as it is, and "<" in a title is not a script.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
