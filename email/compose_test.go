package email

import (
	"bytes"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/statement"
)

func testStatement(t *testing.T) statement.Statement {
	loc := berlin(t)
	eur := func(m int64) statement.Money { return statement.Money{Minor: m, Currency: "EUR"} }
	return statement.Statement{
		Provider: statement.Provider{Name: "Nordlicht Cloud AG", Code: "NORDLICHT", SupportURL: "https://nordlicht.example/support"},
		Tenant:   statement.Tenant{ID: "mueller", Name: "Müller GmbH", BillingRef: "K-10023", Location: loc},
		Period: statement.Period{Name: "2026-10", Start: time.Date(2026, 10, 1, 0, 0, 0, 0, loc),
			End: time.Date(2026, 11, 1, 0, 0, 0, 0, loc)},
		Issued: time.Date(2026, 11, 2, 9, 0, 0, 0, loc),
		Contracts: []statement.Contract{{
			Name: "Mail Premium", Target: "99.95", Uptime: "98.3871", DowntimeMinutes: "720",
			Credit: statement.Credit{Unit: statement.UnitDays, Days: "3", Fee: eur(31000)}, Amount: eur(3000),
		}},
		Method:      statement.Method{Locations: []string{"Frankfurt", "Virginia"}, Interval: time.Minute},
		Application: statement.Application{How: statement.ApplyInvoice, Date: time.Date(2026, 12, 1, 0, 0, 0, 0, loc)},
	}
}

// kinds composes one message of every kind, with the phrases each must
// carry in both its text and its HTML part.
func kinds(t *testing.T) []struct {
	name    string
	kind    Kind
	msg     *Message
	subject string
	phrases []string
} {
	c := NewComposer()
	loc := berlin(t)
	must := func(m *Message, err error) *Message {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	upd := IncidentUpdate{Provider: "Nordlicht Cloud", Title: "Sign-in failures for some users", Status: "identified",
		Body: "We found the cause: a certificate expired on one sign-in node.\nA fix is rolling out.", Services: []string{"Messenger sign-in"},
		At: testDate, Location: loc, URL: "https://status.nordlicht.example/incidents/41",
		Why: "You subscribed to Messenger sign-in on status.nordlicht.example."}
	mw := Maintenance{Provider: "Nordlicht Cloud", Title: "Database upgrade", Body: "Mail may be slow for up to 5 minutes.",
		Services: []string{"Hosted mail"}, Start: time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 10, 2, 0, 0, 0, time.UTC),
		Location: loc, URL: "https://status.nordlicht.example/maintenance/7", Why: "You subscribed to Hosted mail."}
	conf := Confirmation{Provider: "Nordlicht Cloud", Page: "the Nordlicht Cloud status page", Components: []string{"Hosted mail", "Messenger"},
		ConfirmURL: "https://status.nordlicht.example/subscribe/confirm/TOKEN456", Expires: testDate.Add(48 * time.Hour), Location: loc}
	type row = struct {
		name    string
		kind    Kind
		msg     *Message
		subject string
		phrases []string
	}
	rows := []row{
		{"incident update", KindIncidentUpdate, must(c.NewIncidentUpdate(envelope("incident/41/update/2/anna"), upd)),
			"[Nordlicht Cloud] Identified: Sign-in failures for some users",
			[]string{"Sign-in failures for some users", "a certificate expired on one sign-in node", "A fix is rolling out.",
				"3 October 2026, 14:30 CEST", "Messenger sign-in", "https://status.nordlicht.example/incidents/41"}},
		{"confirmation", KindConfirmation, must(c.NewConfirmation(envelope("confirm/anna/1"), conf)),
			"[Nordlicht Cloud] Confirm your subscription",
			[]string{"Confirm the subscription", "https://status.nordlicht.example/subscribe/confirm/TOKEN456", "Hosted mail, Messenger",
				"5 October 2026, 14:30 CEST", "Nothing is sent until you confirm"}},
		{"statement", KindStatement, must(c.NewStatement(envelope("statement/mueller/2026-10/billing"), testStatement(t),
			"https://status.nordlicht.example/status/mueller/statements/2026-10", "You are a billing contact of Müller GmbH.")),
			"[Nordlicht Cloud AG] Credit statement NORDLICHT-MUELLER-2026-10",
			[]string{"NORDLICHT-MUELLER-2026-10", "Müller GmbH", "K-10023", "1 October 2026 to 31 October 2026 (Europe/Berlin)", "30.00 EUR",
				"applied to your invoice of 1 December 2026", "https://nordlicht.example/support"}},
	}
	for _, st := range []struct {
		stage   MaintenanceStage
		kind    Kind
		subject string
		phrase  string
	}{
		{MaintenanceScheduled, KindMaintenanceScheduled, "Maintenance scheduled", "Maintenance is scheduled for 10 October 2026, 02:00 CEST to 10 October 2026, 04:00 CEST."},
		{MaintenanceReminder, KindMaintenanceReminder, "Maintenance reminder", "Reminder: maintenance starts 10 October 2026, 02:00 CEST"},
		{MaintenanceStarted, KindMaintenanceStarted, "Maintenance started", "Maintenance has started; it is planned to end 10 October 2026, 04:00 CEST."},
		{MaintenanceCompleted, KindMaintenanceCompleted, "Maintenance completed", "is complete."},
	} {
		rows = append(rows, row{"maintenance " + string(st.stage), st.kind,
			must(c.NewMaintenance(envelope("maintenance/7/"+string(st.stage)+"/anna"), st.stage, mw)),
			"[Nordlicht Cloud] " + st.subject + ": Database upgrade",
			[]string{st.phrase, "Database upgrade", "Mail may be slow for up to 5 minutes.", "Hosted mail", "https://status.nordlicht.example/maintenance/7"}})
	}
	return rows
}

// TestComposeEveryKind parses each composed message back as a mail client
// would and checks its headers, both parts and, for the statement, the
// attachment.
func TestComposeEveryKind(t *testing.T) {
	for _, k := range kinds(t) {
		t.Run(k.name, func(t *testing.T) {
			msg, parts := parse(t, k.msg.Bytes())
			h := msg.Header
			for _, tc := range []struct{ header, want string }{
				{"Message-Id", k.msg.MessageID},
				{"List-Unsubscribe", "<https://status.nordlicht.example/unsubscribe/TOKEN123>, <mailto:unsubscribe@nordlicht.example?subject=unsubscribe>"},
				{"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
				{"Auto-Submitted", "auto-generated"},
				{"X-Slate-Kind", string(k.kind)},
				{"To", "<anna.mueller@example.com>"},
			} {
				if got := h.Get(tc.header); got != tc.want {
					t.Errorf("%s: got %q, want %q", tc.header, got, tc.want)
				}
			}
			if got := decodeHeader(t, h.Get("Subject")); got != k.subject {
				t.Errorf("Subject: got %q, want %q", got, k.subject)
			}
			if from, err := h.AddressList("From"); err != nil || from[0].Address != "status@nordlicht.example" || from[0].Name != "Nordlicht Cloud status" {
				t.Errorf("From: got %v (%v)", from, err)
			}
			if d, err := h.Date(); err != nil || !d.Equal(testDate) {
				t.Errorf("Date: got %v (%v), want %v", d, err, testDate)
			}
			text, htm := partOf(parts, "text/plain"), partOf(parts, "text/html")
			if text == nil || htm == nil {
				t.Fatalf("parts: got %v, want text/plain and text/html", parts)
			}
			for _, p := range append(k.phrases, "https://status.nordlicht.example/unsubscribe/TOKEN123") {
				if !strings.Contains(string(text.body), p) {
					t.Errorf("text part lacks %q:\n%s", p, text.body)
				}
				if !strings.Contains(html.UnescapeString(string(htm.body)), p) {
					t.Errorf("HTML part lacks %q", p)
				}
			}
			if !strings.Contains(string(htm.body), `href="https://status.nordlicht.example/unsubscribe/TOKEN123"`) {
				t.Error("HTML part does not link the unsubscribe URL")
			}
			pdf := partOf(parts, "application/pdf")
			if k.kind != KindStatement {
				if pdf != nil {
					t.Error("unexpected attachment")
				}
				return
			}
			var want bytes.Buffer
			if err := statement.WritePDF(&want, testStatement(t)); err != nil {
				t.Fatal(err)
			}
			if pdf == nil || pdf.filename != "NORDLICHT-MUELLER-2026-10.pdf" || !bytes.Equal(pdf.body, want.Bytes()) {
				t.Errorf("attachment: got %v, want NORDLICHT-MUELLER-2026-10.pdf with the statement's PDF", pdf)
			}
		})
	}
}

// TestMessageIDFromDedupKey: composing again from the same key (a retry,
// or the outbox after a restart) gives the same Message-ID; another key
// another; the ID does not show the key.
func TestMessageIDFromDedupKey(t *testing.T) {
	c := NewComposer()
	conf := Confirmation{Provider: "P", Page: "the page", ConfirmURL: "https://s.example/c/1", Expires: testDate, Location: time.UTC}
	a, err := c.NewConfirmation(envelope("confirm/anna.mueller@example.com/1"), conf)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.NewConfirmation(envelope("confirm/anna.mueller@example.com/1"), conf)
	d, _ := c.NewConfirmation(envelope("confirm/anna.mueller@example.com/2"), conf)
	if a.MessageID != b.MessageID {
		t.Errorf("same key: %s and %s", a.MessageID, b.MessageID)
	}
	if a.MessageID == d.MessageID {
		t.Errorf("different keys: both %s", a.MessageID)
	}
	if strings.Contains(a.MessageID, "anna") || !strings.HasSuffix(a.MessageID, "@status.nordlicht.example>") {
		t.Errorf("Message-ID %s shows the key or lacks the domain", a.MessageID)
	}
}

// TestIncidentUpdatesThread: updates of one incident name the same thread.
func TestIncidentUpdatesThread(t *testing.T) {
	c := NewComposer()
	u := IncidentUpdate{Provider: "P", Title: "T", Status: "investigating", Body: "b", At: testDate, Location: time.UTC,
		URL: "https://s.example/i/1", Why: "w"}
	var refs []string
	for _, key := range []string{"incident/1/update/1/a", "incident/1/update/2/a"} {
		e := envelope(key)
		e.ThreadKey = "incident/1"
		m, err := c.NewIncidentUpdate(e, u)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := parse(t, m.Bytes())
		refs = append(refs, msg.Header.Get("References"))
		if msg.Header.Get("In-Reply-To") != refs[len(refs)-1] {
			t.Error("In-Reply-To differs from References")
		}
	}
	if refs[0] == "" || refs[0] != refs[1] {
		t.Errorf("References: got %q, want one non-empty thread", refs)
	}
}

func TestComposeRefuses(t *testing.T) {
	c := NewComposer()
	conf := Confirmation{Provider: "P", Page: "the page", ConfirmURL: "https://s.example/c/1", Expires: testDate, Location: time.UTC}
	for _, tc := range []struct {
		name   string
		change func(*Envelope, *Confirmation)
		want   string
	}{
		{"no dedup key", func(e *Envelope, _ *Confirmation) { e.DedupKey = "" }, "envelope.dedup_key: is required"},
		{"no recipient", func(e *Envelope, _ *Confirmation) { e.To = "" }, "envelope.to: is required"},
		{"recipient with a name", func(e *Envelope, _ *Confirmation) { e.To = "Anna <a@b.example>" }, "envelope.to:"},
		{"header injection in the name", func(e *Envelope, _ *Confirmation) { e.From.Name = "x\r\nBcc: all@example.com" }, "envelope.from.name: contains a line break"},
		{"http unsubscribe", func(e *Envelope, _ *Confirmation) { e.Unsubscribe.URL = "http://s.example/u" }, "envelope.unsubscribe.url:"},
		{"no unsubscribe", func(e *Envelope, _ *Confirmation) { e.Unsubscribe.URL = "" }, "envelope.unsubscribe.url:"},
		{"bad mailto", func(e *Envelope, _ *Confirmation) { e.Unsubscribe.Mailto = "nope" }, "envelope.unsubscribe.mailto:"},
		{"bad domain", func(e *Envelope, _ *Confirmation) { e.Domain = "Status Page" }, "envelope.domain:"},
		{"no date", func(e *Envelope, _ *Confirmation) { e.Date = time.Time{} }, "envelope.date: is required"},
		{"no confirm link", func(_ *Envelope, k *Confirmation) { k.ConfirmURL = "" }, "confirmation.confirm_url: is required"},
		{"plain-http confirm link", func(_ *Envelope, k *Confirmation) { k.ConfirmURL = "http://s.example/c" }, "confirmation.confirm_url:"},
		{"no expiry", func(_ *Envelope, k *Confirmation) { k.Expires = time.Time{} }, "confirmation.expires:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, k := envelope("k"), conf
			tc.change(&e, &k)
			_, err := c.NewConfirmation(e, k)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := c.NewMaintenance(envelope("k"), "soon", Maintenance{Provider: "P", Title: "T", URL: "https://u", Why: "w",
		Start: testDate, End: testDate.Add(time.Hour), Location: time.UTC}); err == nil || !strings.Contains(err.Error(), `maintenance stage: "soon"`) {
		t.Errorf("unknown stage: got %v", err)
	}
	if _, err := c.NewIncidentUpdate(envelope("k"), IncidentUpdate{}); err == nil ||
		!strings.Contains(err.Error(), "incident_update.provider, incident_update.title, incident_update.status, incident_update.body, incident_update.url, incident_update.why: is required") {
		t.Errorf("empty update: got %v", err)
	}
	bad := testStatement(t)
	bad.Tenant.Name = ""
	if _, err := c.NewStatement(envelope("k"), bad, "", "w"); err == nil || !strings.Contains(err.Error(), "tenant.name: is required") {
		t.Errorf("invalid statement: got %v", err)
	}
}
