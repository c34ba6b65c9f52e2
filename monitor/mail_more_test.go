package monitor

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/smtptest"
	"github.com/slatehq/slate/store"
	"github.com/slatehq/slate/subscription"
)

// attemptsOf are the recorded attempts of the only outbox row with key
// prefix, and its final state.
func (f *mailFixture) onlyAlert(t *testing.T) (db.Alert, []db.Attempt) {
	t.Helper()
	a, err := f.app.db.Alert(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	at, err := f.app.db.Attempts(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a, at
}

// TestMailRetriesTemporaryFailure: a confirmation message that the SMTP
// server refuses with 451 (try later) is tried again with backoff and
// delivered once the server accepts; one refused with 550 is given up at
// once, with the reply recorded and without the address in it.
func TestMailRetriesTemporaryFailure(t *testing.T) {
	t.Run("451 then accepted", func(t *testing.T) {
		f := newMailFixture(t, smtptest.Options{})
		f.smtp.FailRcpt(451, "greylisted, try again later")
		if code, _ := f.post(t, "/subscribe", formType, "address=ana%40example.org", ""); code != http.StatusOK {
			t.Fatalf("subscribe: %d", code)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, at := f.onlyAlert(t)
			if len(at) >= 2 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if n := len(f.smtp.Messages()); n != 0 {
			t.Fatalf("%d messages accepted while refusing", n)
		}
		f.smtp.FailRcpt(0, "")
		f.drain(t)
		a, at := f.onlyAlert(t)
		if a.State != store.AlertDelivered || len(at) < 3 || at[0].Outcome != store.OutcomeRetry || at[0].Status != 451 {
			t.Fatalf("state %s after attempts %+v; want retries with 451, then delivered", a.State, at)
		}
		if n := len(f.smtp.Wait(1, 5*time.Second)); n != 1 {
			t.Errorf("%d messages delivered, want 1", n)
		}
	})
	t.Run("550 gives up", func(t *testing.T) {
		f := newMailFixture(t, smtptest.Options{})
		f.smtp.FailRcpt(550, "no such user here: ana@example.org")
		if code, _ := f.post(t, "/subscribe", formType, "address=ana%40example.org", ""); code != http.StatusOK {
			t.Fatalf("subscribe: %d", code)
		}
		f.drain(t)
		a, at := f.onlyAlert(t)
		if a.State != store.AlertFailed || len(at) != 1 || at[0].Status != 550 {
			t.Fatalf("state %s after attempts %+v; want one attempt, given up with 550", a.State, at)
		}
		if strings.Contains(a.LastError, "ana@example.org") {
			t.Errorf("the outbox records the address: %s", a.LastError)
		}
	})
}

// TestSubscribeNoEnumeration: every answer a stranger can get is the same
// for an address that is subscribed and one that is not: the subscribe
// form's, the unsubscribe link's (with a token of each) and a bad link's.
func TestSubscribeNoEnumeration(t *testing.T) {
	f := newMailFixture(t, smtptest.Options{})
	f.subscribe(t, "ana@example.org", "mail")
	strip := regexp.MustCompile(`token=[A-Za-z0-9_%-]+`)
	answer := func(target, body string) string {
		code, page := f.post(t, target, formType, body, "")
		return http.StatusText(code) + " " + strip.ReplaceAllString(page, "token=T")
	}
	keys, err := f.app.subscriptionKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	unsub := func(addr string) string {
		tok, err := subscription.Sign(keys[0], subscription.Token{Purpose: subscription.Unsubscribe, Address: addr, Scope: "public"})
		if err != nil {
			t.Fatal(err)
		}
		return "/subscribe/unsubscribe?token=" + url.QueryEscape(tok)
	}
	for _, tc := range []struct{ name, a, b string }{
		{"subscribe", answer("/subscribe", "address=ana%40example.org&component=mail"), answer("/subscribe", "address=bob%40example.org&component=mail")},
		{"unsubscribe page", getBody(t, f, unsub("ana@example.org")), getBody(t, f, unsub("bob@example.org"))},
		{"unsubscribe", answer(unsub("ana@example.org"), "List-Unsubscribe=One-Click"), answer(unsub("bob@example.org"), "List-Unsubscribe=One-Click")},
		{"bad links", answer("/subscribe/confirm", "token=forged"), answer(unsub("x@example.org")+"x", "")},
	} {
		if tc.a != tc.b {
			t.Errorf("%s: answers differ:\n%s\n---\n%s", tc.name, tc.a, tc.b)
		}
	}
}

func getBody(t *testing.T, f *mailFixture, target string) string {
	code, body := f.get(t, target)
	return http.StatusText(code) + " " + regexp.MustCompile(`token=[A-Za-z0-9_%-]+`).ReplaceAllString(body, "token=T")
}

// TestSubscribeRateLimits: one address gets at most per_address_hour (3)
// confirmation messages an hour, while its requests are answered as
// before; one client gets at most per_client_hour (6) requests an hour,
// then 429 with Retry-After.
func TestSubscribeRateLimits(t *testing.T) {
	f := newMailFixture(t, smtptest.Options{})
	var first string
	for i := range 4 {
		code, page := f.post(t, "/subscribe", formType, "address=ana%40example.org", "")
		if code != http.StatusOK || (i > 0 && page != first) {
			t.Fatalf("request %d for one address: %d, answer differs: %v", i+1, code, page != first)
		}
		first = page
	}
	f.drain(t)
	if n := len(f.smtp.Messages()); n != 3 {
		t.Errorf("%d confirmations sent to one address, want 3", n)
	}
	for i := range 2 {
		code, _ := f.post(t, "/subscribe", formType, "address=other"+string(rune('a'+i))+"%40example.org", "")
		if code != http.StatusOK {
			t.Fatalf("request %d: %d, want 200", 5+i, code)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, f.base+"/subscribe", strings.NewReader("address=z%40example.org"))
	req.Header.Set("Content-Type", formType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("7th request from one client: %d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// TestStatementMail: once a credit of acme is issued, each of acme's
// billing contacts receives the statement once, with the statement as a
// PDF attachment that parses and states the amount.
func TestStatementMail(t *testing.T) {
	f := newMailFixture(t, smtptest.Options{})
	ctx := context.Background()
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	c, _, err := f.app.db.RecordClose(ctx, db.Credit{Tenant: "acme", Contract: "acme-gold", Period: "2026-10",
		PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0), UptimeExact: "99", UptimePercent: "99.000", BreachMinutes: "446.4",
		CreditPercent: "10", CoveragePercent: "100.00", AmountMinor: 10000, Currency: "EUR", EvidenceHash: strings.Repeat("a", 64)}, false, "test")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.app.MailStatements(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("before issue: %d enqueued, %v", n, err)
	}
	if _, err := f.app.db.ApproveCredit(ctx, c.ID, "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.db.IssueCredit(ctx, c.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second run finds the statement sent
		if _, err := f.app.MailStatements(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	f.drain(t)
	msgs := f.smtp.Messages()
	var to []string
	for _, m := range msgs {
		to = append(to, m.To...)
		p := parseMessage(t, m.Data)
		if !strings.Contains(p.text, "EUR") || !strings.Contains(p.text, "100.00") {
			t.Errorf("statement message does not state the credit:\n%s", p.text)
		}
		if len(p.attachments) != 1 {
			t.Fatalf("%d attachments, want the PDF", len(p.attachments))
		}
		for name, pdf := range p.attachments {
			if !strings.HasSuffix(name, ".pdf") || !strings.HasPrefix(string(pdf), "%PDF-") {
				t.Fatalf("attachment %s is not a PDF", name)
			}
			if text := pdfText(t, pdf); !strings.Contains(text, "100.00") || !strings.Contains(text, strings.TrimSuffix(name, ".pdf")) {
				t.Errorf("the PDF does not state the amount and its number %s: %s", name, text)
			}
		}
	}
	if strings.Join(to, ",") != "ap@acme.example,cfo@acme.example" && strings.Join(to, ",") != "cfo@acme.example,ap@acme.example" {
		t.Errorf("statement went to %v, want each billing contact once", to)
	}
}

// pdfText extracts a PDF's text with pdftotext, skipping (or failing
// under CI) when poppler-utils is missing.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is missing (Debian package poppler-utils); .ci/run installs it")
		}
		t.Skip("pdftotext is not installed (Debian package poppler-utils)")
	}
	path := filepath.Join(t.TempDir(), "s.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return regexp.MustCompile(`\s+`).ReplaceAllString(string(out), " ")
}
