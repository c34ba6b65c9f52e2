package monitor

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/smtptest"
)

// mailConfig is a slate with two public services and a private one of
// acme's, sending e-mail to an SMTP server on 127.0.0.1 (%d: its port),
// serving at public URL %s.
const mailConfig = `
storage: {path: %q}
server: {listen: "127.0.0.1:0", public_url: %q}
provider: {name: Nordlicht Cloud, code: NLC, email: billing@nordlicht.example}
email: {from: "Nordlicht Status <status@nordlicht.example>", host: 127.0.0.1, port: %d, security: none, per_address_hour: 3, per_client_hour: 6}
tenants:
  - {id: acme, name: Acme Corporation, billing_contacts: [ap@acme.example, "Finance <cfo@acme.example>"]}
services:
  - {id: mail, name: Mail}
  - {id: chat, name: Chat}
  - {id: acme-ledger, name: Acmeledger Vault, public: false}
checks:
  - {id: mail-push, service: mail, kind: push, interval: 24h, push: {token: mailpushtoken00001}}
  - {id: chat-push, service: chat, kind: push, interval: 24h, push: {token: chatpushtoken00001}}
  - {id: ledger-push, service: acme-ledger, tenant: acme, kind: push, interval: 24h, push: {token: ledgerpushtoken001}}
contracts:
  - {id: acme-gold, tenant: acme, services: [mail, acme-ledger], fee: {amount: "1000.00", currency: EUR},
     policy: {target: "99.9", tiers: [{uptime: "[0, 99.9)", credit: "10"}]}}
`

// mailFixture is a running slate with e-mail and the SMTP server it sends
// to.
type mailFixture struct {
	app   *testMonitor
	cfg   *config.Config
	smtp  *smtptest.Server
	base  string
	admin string
}

func newMailFixture(t *testing.T, o smtptest.Options) *mailFixture {
	t.Helper()
	srv := smtptest.New(t, o)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, mailConfig, filepath.Join(dir, "slate.db"), base, srv.Port), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	f := &mailFixture{app: testApp(t, cfg, Options{}), cfg: cfg, smtp: srv, base: base}
	f.app.sender.BaseDelay = 50 * time.Millisecond
	f.app.sender.MaxDelay = 200 * time.Millisecond
	f.app.sender.Interval = 50 * time.Millisecond
	tok, _, err := f.app.db.CreateToken(context.Background(), dbToken(access.Admin, ""), "test")
	if err != nil {
		t.Fatal(err)
	}
	f.admin = tok
	if err := f.app.Start(l); err != nil {
		t.Fatal(err)
	}
	return f
}

// post sends a form (or, with bearer, JSON) and returns the status and
// body.
func (f *mailFixture) post(t *testing.T, target, contentType, body, bearer string) (int, string) {
	t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = f.base + target
	}
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (f *mailFixture) get(t *testing.T, target string) (int, string) {
	t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = f.base + target
	}
	resp, err := http.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// restartSender starts the outbox's sender again after a test stopped
// it, so that the monitor's Stop stops it.
func (f *mailFixture) restartSender() {
	ctx, cancel := context.WithCancel(context.Background())
	f.app.stopSend, f.app.sent = cancel, make(chan error, 1)
	go func() { f.app.sent <- f.app.sender.Run(ctx) }()
}

func dbToken(role, tenant string) db.NewToken {
	return db.NewToken{Name: role + " " + tenant, Role: role, Tenant: tenant}
}

const formType = "application/x-www-form-urlencoded"

// openIncident opens an incident on service through the admin API and
// returns its public ID.
func (f *mailFixture) openIncident(t *testing.T, service, body string) string {
	t.Helper()
	code, out := f.post(t, "/api/admin/incidents", "application/json",
		fmt.Sprintf(`{"service":%q,"severity":"major","status":"investigating","body":%q}`, service, body), f.admin)
	if code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("open incident on %s: %d %s", service, code, out)
	}
	var inc struct {
		PublicID string `json:"public_id"`
	}
	if err := json.Unmarshal([]byte(out), &inc); err != nil || inc.PublicID == "" {
		t.Fatalf("open incident: %v %s", err, out)
	}
	return inc.PublicID
}

// notify runs the e-mail job and waits until the outbox has nothing
// pending, returning how many messages it enqueued.
func (f *mailFixture) notify(t *testing.T) int {
	t.Helper()
	n, err := f.app.NotifySubscribers(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	return n
}

// drain waits until no e-mail is pending in the outbox.
func (f *mailFixture) drain(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := f.app.db.PendingAlerts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d alerts still pending", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// parsed is a received message: its headers and decoded parts.
type parsed struct {
	header      mail.Header
	text, html  string
	attachments map[string][]byte
}

func parseMessage(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("message does not parse: %v", err)
	}
	p := parsed{header: m.Header, attachments: map[string][]byte{}}
	walkPart(t, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), "", m.Body, &p)
	if p.text == "" || p.html == "" {
		t.Fatalf("message lacks a text or an HTML part:\n%s", data)
	}
	return p
}

func walkPart(t *testing.T, ctype, cte, disposition string, body io.Reader, p *parsed) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatalf("content type %q: %v", ctype, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			part, err := r.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			walkPart(t, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part.Header.Get("Content-Disposition"), part, p)
		}
	}
	switch strings.ToLower(cte) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if _, dp, err := mime.ParseMediaType(disposition); err == nil && dp["filename"] != "" {
		p.attachments[dp["filename"]] = data
		return
	}
	switch mt {
	case "text/plain":
		p.text = string(data)
	case "text/html":
		p.html = string(data)
	}
}

var confirmLink = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/subscribe/confirm\?token=[A-Za-z0-9_%-]+`)

// subscribe subscribes addr to components through the form and the
// confirmation e-mail, and returns the messages received so far.
func (f *mailFixture) subscribe(t *testing.T, addr string, components ...string) {
	t.Helper()
	form := url.Values{"address": {addr}, "component": components}
	before := len(f.smtp.Messages())
	if code, body := f.post(t, "/subscribe", formType, form.Encode(), ""); code != http.StatusOK || !strings.Contains(body, "Check your inbox") {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	msgs := f.smtp.Wait(before+1, 10*time.Second)
	if len(msgs) != before+1 {
		t.Fatalf("no confirmation message arrived (%d messages)", len(msgs))
	}
	m := parseMessage(t, msgs[before].Data)
	if got := msgs[before].To; len(got) != 1 || got[0] != addr {
		t.Fatalf("confirmation went to %v, want %s", got, addr)
	}
	link := confirmLink.FindString(m.text)
	if link == "" || !strings.Contains(m.html, link) {
		t.Fatalf("confirmation has no confirm link in both parts:\n%s", m.text)
	}
	code, page := f.get(t, link)
	if code != http.StatusOK || !strings.Contains(page, `action="/subscribe/confirm"`) {
		t.Fatalf("GET confirm link: %d %s", code, page)
	}
	tok := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(page)
	if tok == nil {
		t.Fatalf("confirm page has no token: %s", page)
	}
	if code, page := f.post(t, "/subscribe/confirm", formType, url.Values{"token": {tok[1]}}.Encode(), ""); code != http.StatusOK || !strings.Contains(page, "You are subscribed") {
		t.Fatalf("POST confirm: %d %s", code, page)
	}
}

// TestSubscriptionEndToEnd: a visitor subscribes to Mail through the
// public page's form, confirms from the link in the e-mail received,
// receives the update of an incident of Mail and none of an incident of
// Chat, unsubscribes with the one-click POST its message's
// List-Unsubscribe names, and receives nothing more — not even an update
// queued before the unsubscribe.
func TestSubscriptionEndToEnd(t *testing.T) {
	f := newMailFixture(t, smtptest.Options{})
	code, form := f.get(t, "/subscribe")
	if code != http.StatusOK || !strings.Contains(form, `value="mail"`) || !strings.Contains(form, `value="chat"`) || strings.Contains(form, "Acmeledger") {
		t.Fatalf("GET /subscribe: %d, want a form with the public components only:\n%s", code, form)
	}
	f.subscribe(t, "ana@example.org", "mail")
	if n := len(f.smtp.Messages()); n != 1 {
		t.Fatalf("after confirming: %d messages, want the confirmation alone", n)
	}

	f.openIncident(t, "chat", "Chat messages are delayed.")
	mailID := f.openIncident(t, "mail", "Incoming mail is delayed by up to 20 minutes.")
	if n := f.notify(t); n != 1 {
		t.Errorf("enqueued %d messages, want 1 (the Mail update to the one subscriber)", n)
	}
	msgs := f.smtp.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want the confirmation and one update", len(msgs))
	}
	upd := parseMessage(t, msgs[1].Data)
	if !strings.Contains(upd.text, "Incoming mail is delayed") || strings.Contains(upd.text, "Chat") {
		t.Errorf("update does not say what happened to Mail alone:\n%s", upd.text)
	}
	if !strings.Contains(upd.text, f.base+"/incidents/"+mailID) {
		t.Errorf("update does not link the incident %s:\n%s", mailID, upd.text)
	}
	if !strings.Contains(upd.text, "/subscribe/manage?token=") {
		t.Errorf("update has no link to manage the subscription:\n%s", upd.text)
	}
	if got := upd.header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post: %q", got)
	}
	unsub := regexp.MustCompile(`<(http://[^>]+/subscribe/unsubscribe\?token=[^>]+)>`).FindStringSubmatch(upd.header.Get("List-Unsubscribe"))
	if unsub == nil {
		t.Fatalf("List-Unsubscribe: %q", upd.header.Get("List-Unsubscribe"))
	}
	// A second run sends nothing again.
	if n := f.notify(t); n != 0 {
		t.Errorf("second run enqueued %d messages", n)
	}

	// An update is queued, then the subscriber unsubscribes before the
	// sender gets to it: it must not be sent.
	f.app.stopSend()
	<-f.app.sent
	if code, out := f.post(t, "/api/admin/incidents/"+mailID+"/updates", "application/json",
		`{"status":"identified","body":"A queue of the relay is full."}`, f.admin); code != http.StatusOK {
		t.Fatalf("update incident: %d %s", code, out)
	}
	if n, err := f.app.NotifySubscribers(context.Background(), time.Now()); err != nil || n != 1 {
		t.Fatalf("enqueue second update: %d, %v", n, err)
	}
	if code, page := f.post(t, unsub[1], formType, "List-Unsubscribe=One-Click", ""); code != http.StatusOK || !strings.Contains(page, "unsubscribed") {
		t.Fatalf("one-click unsubscribe: %d %s", code, page)
	}
	f.restartSender()
	f.drain(t)
	if code, out := f.post(t, "/api/admin/incidents/"+mailID+"/updates", "application/json",
		`{"status":"monitoring","body":"The relay is draining its queue."}`, f.admin); code != http.StatusOK {
		t.Fatalf("update incident: %d %s", code, out)
	}
	if n := f.notify(t); n != 0 {
		t.Errorf("after unsubscribing: %d messages enqueued", n)
	}
	if n := len(f.smtp.Messages()); n != 2 {
		t.Errorf("after unsubscribing: %d messages received, want still 2", n)
	}
}
