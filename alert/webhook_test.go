package alert_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
)

// TestWebhookSignature delivers a signed webhook to a receiver that
// verifies it as a subscriber would, then replays the captured request
// tampered and late.
func TestWebhookSignature(t *testing.T) {
	secret := []byte("shared secret")
	const tolerance = 5 * time.Minute
	var mu sync.Mutex
	var gotBody []byte
	var gotSig, gotTS string
	var verr error
	var clk *clock
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sig, ts := r.Header.Get(alert.SignatureHeader), r.Header.Get(alert.TimestampHeader)
		err := alert.VerifySignature(secret, sig, ts, body, clk.Now(), tolerance)
		mu.Lock()
		gotBody, gotSig, gotTS, verr = body, sig, ts, err
		mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	r := newRig(t, map[string]alert.Receiver{"hook": alert.Webhook{URL: srv.URL, Secret: secret}})
	clk = r.clock
	r.enqueue(t, event("incident/k3q7x2m9pa4z"), "hook")
	if n, err := r.sender.DeliverDue(context.Background(), r.clock.Now()); err != nil || n != 1 {
		t.Fatalf("got %d, %v, want one attempt", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if verr != nil {
		t.Fatalf("receiver rejected a genuine delivery: %v", verr)
	}
	if want := strconv.FormatInt(t0().Unix(), 10); gotTS != want {
		t.Errorf("got timestamp %s, want %s (the attempt's time)", gotTS, want)
	}
	now := r.clock.Now()
	tampered := append([]byte(nil), gotBody...)
	tampered[len(tampered)-2] ^= 1
	for _, tc := range []struct {
		name      string
		sig, ts   string
		body      []byte
		secret    []byte
		now       time.Time
		want      error
		wantValid bool
	}{
		{"genuine", gotSig, gotTS, gotBody, secret, now, nil, true},
		{"genuine, a little late", gotSig, gotTS, gotBody, secret, now.Add(tolerance), nil, true},
		{"tampered body", gotSig, gotTS, tampered, secret, now, alert.ErrBadSignature, false},
		{"other secret", gotSig, gotTS, gotBody, []byte("guess"), now, alert.ErrBadSignature, false},
		{"timestamp moved", gotSig, strconv.FormatInt(now.Unix()+1, 10), gotBody, secret, now, alert.ErrBadSignature, false},
		{"replayed later", gotSig, gotTS, gotBody, secret, now.Add(tolerance + time.Second), alert.ErrStale, false},
		{"from the future", gotSig, gotTS, gotBody, secret, now.Add(-tolerance - time.Second), alert.ErrStale, false},
		{"no timestamp", gotSig, "", gotBody, secret, now, alert.ErrStale, false},
		{"no prefix", gotSig[len("sha256="):], gotTS, gotBody, secret, now, alert.ErrBadSignature, false},
		{"not hex", "sha256=zz", gotTS, gotBody, secret, now, alert.ErrBadSignature, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := alert.VerifySignature(tc.secret, tc.sig, tc.ts, tc.body, tc.now, tolerance)
			if tc.wantValid && err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if !tc.wantValid && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestWebhookRejectsLateDelivery: a receiver whose clock is past the
// tolerance rejects the delivery with 401, which the sender gives up.
func TestWebhookRejectsLateDelivery(t *testing.T) {
	secret := []byte("shared secret")
	var clk *clock
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := alert.VerifySignature(secret, r.Header.Get(alert.SignatureHeader), r.Header.Get(alert.TimestampHeader), body, clk.Now().Add(time.Hour), time.Minute)
		if !errors.Is(err, alert.ErrStale) {
			t.Errorf("got %v, want ErrStale", err)
		}
		http.Error(w, "stale", http.StatusUnauthorized)
	}))
	defer srv.Close()
	r := newRig(t, map[string]alert.Receiver{"hook": alert.Webhook{URL: srv.URL, Secret: secret}})
	clk = r.clock
	r.enqueue(t, event("incident/1"), "hook")
	if _, err := r.sender.DeliverDue(context.Background(), r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	as, _ := r.db.AlertsByKey(context.Background(), "incident/1")
	if as[0].State != "failed" {
		t.Errorf("got %s, want failed on 401", as[0].State)
	}
}

func TestWebhookExtraHeadersAndNoSecret(t *testing.T) {
	w := alert.Webhook{URL: "http://127.0.0.1:1/hook", Header: http.Header{"Authorization": {"Bearer t"}}}
	req, err := w.NewRequest(context.Background(), event("incident/1"), t0())
	if err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer t" {
		t.Errorf("got Authorization %q, want the configured header", got)
	}
	if got := req.Header.Get(alert.SignatureHeader); got != "" {
		t.Errorf("got signature %q without a secret, want none", got)
	}
	if got := req.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("got Content-Type %q", got)
	}
}
