package alert

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a signed webhook.
const (
	SignatureHeader = "X-Slate-Signature" // "sha256=" hex HMAC-SHA256 of "<timestamp>.<body>"
	TimestampHeader = "X-Slate-Timestamp" // Unix seconds of the attempt, decimal
)

// Errors of VerifySignature.
var (
	ErrBadSignature = errors.New("bad signature")
	ErrStale        = errors.New("timestamp outside tolerance")
)

// Webhook posts the Event itself, as JSON, to URL. With a Secret it signs
// every attempt: SignatureHeader carries the HMAC-SHA256, keyed by Secret,
// of the TimestampHeader value, a '.', and the body. The timestamp is part
// of the signed text so that a captured request cannot be replayed later
// than the receiver's tolerance (see VerifySignature).
type Webhook struct {
	URL    string
	Secret []byte      // HMAC key; nil or empty sends no signature headers
	Header http.Header // extra headers, such as an Authorization token; may be nil
}

// NewRequest implements Receiver.
func (w Webhook) NewRequest(ctx context.Context, e Event, now time.Time) (*http.Request, error) {
	e.Time = e.Time.UTC()
	req, body, err := jsonRequest(ctx, w.URL, e)
	if err != nil {
		return nil, fmt.Errorf("webhook %s: %w", e.DedupKey, err)
	}
	for k, vs := range w.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if len(w.Secret) > 0 {
		ts := strconv.FormatInt(now.Unix(), 10)
		req.Header.Set(TimestampHeader, ts)
		req.Header.Set(SignatureHeader, Sign(w.Secret, ts, body))
	}
	return req, nil
}

// Sign returns the SignatureHeader value for body sent at timestamp (Unix
// seconds, as sent in TimestampHeader).
func Sign(secret []byte, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a signed webhook as its receiver gets it: header
// and timestamp are the SignatureHeader and TimestampHeader values, body
// the raw request body. It returns ErrStale, wrapped, when the timestamp is
// more than tolerance away from now in either direction (a replay, or a
// sender with a wrong clock), and ErrBadSignature when the HMAC does not
// match: a tampered body, timestamp or a different secret. The comparison
// takes constant time.
func VerifySignature(secret []byte, header, timestamp string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("verify signature: timestamp %q: %w", timestamp, ErrStale)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("verify signature: timestamp %s off by %v: %w", timestamp, d, ErrStale)
	}
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return fmt.Errorf("verify signature: no sha256= prefix: %w", ErrBadSignature)
	}
	gotMAC, err := hex.DecodeString(got)
	if err != nil {
		return fmt.Errorf("verify signature: %w", ErrBadSignature)
	}
	want := Sign(secret, timestamp, body)
	wantMAC, _ := hex.DecodeString(strings.TrimPrefix(want, "sha256="))
	if !hmac.Equal(gotMAC, wantMAC) {
		return fmt.Errorf("verify signature: %w", ErrBadSignature)
	}
	return nil
}
