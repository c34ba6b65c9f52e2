package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/email"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
	"github.com/slatehq/slate/subscription"
)

// E-mail goes through the outbox like every other notification: one row
// per message, receiver MailReceiver, kind alert.KindEmail, the message's
// content in the event's Data (a mailJob). A subscriber's row names the
// subscription by its ID, never its address: the sender looks the
// subscription up when it sends, so the address stays in the subscribers
// table, and a message queued before an unsubscribe is not sent. The rows
// of one update share a dedup key ("mail/public/incident/ID/MS"); each
// message's Message-ID is derived from it and the subscription, so a retry
// carries the same ID.

// MailReceiver is the outbox receiver of e-mail.
const MailReceiver = "email"

// SubscriptionKeyName is the store secret that signs subscription links.
const SubscriptionKeyName = "subscriptions"

// mailFresh bounds how old an incident update or a maintenance start or
// end may be to be mailed: a subscriber hears of what happens now, not of
// history, and a slate that was down an hour does not send stale news.
const mailFresh = time.Hour

// What a mailJob is.
const (
	mailIncident    = "incident"
	mailMaintenance = "maintenance"
	mailConfirm     = "confirm"
	mailStatement   = "statement"
)

// mailJob is one message, as the outbox keeps it until it is sent.
type mailJob struct {
	What       string   `json:"what"`
	Page       string   `json:"page"`                 // "" the public page, else the tenant's
	Subscriber int64    `json:"subscriber,omitempty"` // incident and maintenance: the subscription
	Services   []string `json:"services,omitempty"`   // what the subscription must still want (any one)
	To         string   `json:"to,omitempty"`         // confirm: the address asking; statement: the billing contact
	// The content, frozen when the row is enqueued, as the audience reads it.
	Title      string    `json:"title,omitempty"`
	Status     string    `json:"status,omitempty"` // incident status, or the maintenance stage
	Body       string    `json:"body,omitempty"`
	Names      []string  `json:"names,omitempty"` // display names of the services, or of the chosen components
	At         time.Time `json:"at,omitzero"`     // an update's time; a maintenance's start
	End        time.Time `json:"end,omitzero"`    // a maintenance's end; a confirmation's expiry
	URL        string    `json:"url,omitempty"`   // the page it is about; the confirmation link
	Unsub      string    `json:"unsub,omitempty"` // confirm: the "this was not me" link
	ThreadKey  string    `json:"thread,omitempty"`
	Period     string    `json:"period,omitempty"` // statement
	PublicName string    `json:"page_name,omitempty"`
}

// mailRows are the outbox rows of jobs under dedup key key (followed by
// the subscription, for a subscriber's row).
func mailRows(key string, jobs []mailJob, now time.Time) ([]db.Alert, error) {
	out := make([]db.Alert, 0, len(jobs))
	for _, j := range jobs {
		data, err := json.Marshal(j)
		if err != nil {
			return nil, err
		}
		// A key per recipient, so that each is a queue of its own: one
		// outbox queue per batch would send ten thousand messages one
		// after another.
		rowKey := key
		if j.Subscriber != 0 {
			rowKey = key + "/" + strconv.FormatInt(j.Subscriber, 10)
		}
		e := alert.Event{DedupKey: rowKey, Kind: alert.KindEmail, Severity: alert.SeverityInfo, Title: "e-mail: " + j.What,
			Tenant: j.Page, Time: now.UTC(), Data: data}
		payload, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		out = append(out, db.Alert{DedupKey: rowKey, Receiver: MailReceiver, Kind: alert.KindEmail, Payload: payload})
	}
	return out, nil
}

// audience is one list of subscribers: the public page's or a tenant's.
type audience struct {
	page   string // "" or the tenant
	reader catalog.Reader
	loc    *time.Location
	base   string // the page's URL
	name   string // the page, in words
}

func audiences(cfg *config.Config, cat *catalog.Catalog) []audience {
	base := cfg.PublicBase()
	out := []audience{{page: "", reader: catalog.PublicReader(), loc: time.UTC, base: base,
		name: cfg.Provider.DisplayPageName() + " (" + hostOf(base) + ")"}}
	for _, t := range cat.Tenants {
		loc := t.Location
		if loc == nil {
			loc = time.UTC
		}
		out = append(out, audience{page: t.ID, reader: catalog.TenantReader(t.ID), loc: loc, base: base + "/status/" + t.ID,
			name: "the status page of " + t.Name})
	}
	return out
}

func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	return strings.ToLower(u.Hostname())
}

// wanting are the subscriptions among subs that want any of services.
func wanting(subs []store.Subscriber, services []string) []store.Subscriber {
	var out []store.Subscriber
	for _, s := range subs {
		for _, svc := range services {
			if s.Wants(svc) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// NotifySubscribers enqueues the e-mail owed to subscribers at now: each
// incident update of the last hour as each audience reads it
// (catalog.IncidentFor), and each maintenance notice due. It derives what
// is due from the incidents, the maintenance and the outbox, so a crash
// loses nothing and a second run sends nothing twice. It returns the
// number of messages enqueued.
func (a *Monitor) NotifySubscribers(ctx context.Context, now time.Time) (int, error) {
	cfg := a.cfg.Load()
	if !cfg.Email.Enabled() {
		return 0, nil
	}
	cat, err := a.catalog(ctx)
	if err != nil {
		return 0, err
	}
	key, err := a.store.Secret(ctx, PublicIDKeyName)
	if err != nil {
		return 0, fmt.Errorf("public ID key: %w", err)
	}
	incs, err := a.store.Incidents(ctx, db.IncidentFilter{Since: now.Add(-mailFresh), Limit: 100})
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, au := range audiences(cfg, cat) {
		subs, err := a.store.Subscribers(ctx, au.page, "")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(subs) == 0 {
			continue
		}
		var batches []mailBatch
		for _, inc := range incs {
			batches = append(batches, a.incidentMail(cat, au, inc, key, now)...)
		}
		batches = append(batches, maintenanceMail(cat, au, key, now)...)
		for _, b := range batches {
			k, err := a.enqueueBatch(ctx, b, subs, now)
			n += k
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	return n, errors.Join(errs...)
}

// mailBatch is one message for every subscription that wants services.
type mailBatch struct {
	key      string
	services []string
	job      mailJob
}

func (a *Monitor) enqueueBatch(ctx context.Context, b mailBatch, subs []store.Subscriber, now time.Time) (int, error) {
	// Each recipient's row has a key of its own (below); the batch was
	// sent once any of them is in the outbox.
	sent, err := a.store.AlertKeyWithPrefix(ctx, b.key+"/")
	if err != nil || sent {
		return 0, err
	}
	var jobs []mailJob
	for _, s := range wanting(subs, b.services) {
		j := b.job
		j.Subscriber, j.Services = s.ID, b.services
		jobs = append(jobs, j)
	}
	if len(jobs) == 0 {
		return 0, nil
	}
	rows, err := mailRows(b.key, jobs, now)
	if err != nil {
		return 0, err
	}
	return len(rows), a.store.Enqueue(ctx, rows)
}

// incidentMail are the updates of inc that au reads, new within
// mailFresh: readers read people's updates alone (IncidentFor), each of
// which is mailed, under the title IncidentFor gives it.
func (a *Monitor) incidentMail(cat *catalog.Catalog, au audience, stored db.Incident, key []byte, now time.Time) []mailBatch {
	view := cat.IncidentFor
	if a.viewOf != nil {
		view = func(r catalog.Reader, inc incident.Incident, affected []string) (incident.Incident, []string, bool) {
			return a.viewOf(cat, r, inc, affected)
		}
	}
	inc, _, ok := view(au.reader, stored.Incident, stored.Tenants)
	if !ok {
		return nil
	}
	pid := access.IncidentPublicID(key, stored.ID)
	var names []string
	for _, id := range inc.Services() {
		name := id
		if s, ok := cat.Service(id); ok && s.Name != "" {
			name = s.Name
		}
		names = append(names, name)
	}
	var out []mailBatch
	for _, e := range inc.Timeline {
		if now.Sub(e.At) > mailFresh || e.At.After(now) || strings.TrimSpace(e.Body) == "" {
			continue
		}
		out = append(out, mailBatch{
			key:      fmt.Sprintf("mail/%s/incident/%s/%d", scopeKey(au.page), pid, e.At.UnixMilli()),
			services: inc.Services(),
			job: mailJob{What: mailIncident, Page: au.page, Title: inc.Title, Status: string(e.Status), Body: e.Body,
				Names: names, At: e.At, URL: au.base + "/incidents/" + pid, ThreadKey: "incident/" + pid + "/" + au.page},
		})
	}
	return out
}

func scopeKey(page string) string {
	if page == "" {
		return "public"
	}
	return "tenant/" + page
}

// maintenanceMail are the maintenance notices due at now for au: scheduled
// once announced (before the start), a reminder from a day before the
// start (when announced earlier than that), started and completed within
// mailFresh of the start and the end.
func maintenanceMail(cat *catalog.Catalog, au audience, key []byte, now time.Time) []mailBatch {
	var out []mailBatch
	for _, m := range cat.Maintenance {
		var services, names []string
		for _, id := range m.Services {
			s, ok := cat.Service(id)
			if !ok || (au.page == "" && !s.Public) || (au.page != "" && !containsService(cat.TenantServices(au.page), id)) {
				continue
			}
			services, names = append(services, id), append(names, s.Name)
		}
		if len(services) == 0 {
			continue
		}
		var stage email.MaintenanceStage
		announced := m.Announced
		if announced.IsZero() {
			announced = m.Start.Add(-7 * 24 * time.Hour)
		}
		switch {
		case !now.Before(m.End):
			if now.Sub(m.End) <= mailFresh {
				stage = email.MaintenanceCompleted
			}
		case !now.Before(m.Start):
			if now.Sub(m.Start) <= mailFresh {
				stage = email.MaintenanceStarted
			}
		case !now.Before(m.Start.Add(-24*time.Hour)) && announced.Before(m.Start.Add(-24*time.Hour)):
			stage = email.MaintenanceReminder
		case !now.Before(announced):
			stage = email.MaintenanceScheduled
		}
		if stage == "" {
			continue
		}
		pid := access.MaintenancePublicID(key, m.ID)
		out = append(out, mailBatch{
			key:      fmt.Sprintf("mail/%s/maintenance/%s/%s", scopeKey(au.page), pid, stage),
			services: services,
			job: mailJob{What: mailMaintenance, Page: au.page, Title: m.Title, Status: string(stage), Names: names,
				Body: maintenanceWords(m, stage), At: m.Start, End: m.End, URL: au.base + "/incidents/" + pid},
		})
	}
	return out
}

// maintenanceWords is the text of m's notice at stage: the newest words a
// person posted for the state the notice speaks of (scheduled for the
// scheduled notice and the reminder), else the description
// (customer-facing text only; who posted stays with staff).
func maintenanceWords(m catalog.Maintenance, stage email.MaintenanceStage) string {
	status := map[email.MaintenanceStage]string{email.MaintenanceScheduled: store.MaintenanceScheduled, email.MaintenanceReminder: store.MaintenanceScheduled,
		email.MaintenanceStarted: store.MaintenanceInProgress, email.MaintenanceCompleted: store.MaintenanceCompleted}[stage]
	for i := len(m.Updates) - 1; i >= 0; i-- {
		if status != "" && m.Updates[i].Status == status {
			return m.Updates[i].Body
		}
	}
	if stage == email.MaintenanceCompleted {
		return ""
	}
	return m.Description
}

func containsService(ss []catalog.Service, id string) bool {
	for _, s := range ss {
		if s.ID == id {
			return true
		}
	}
	return false
}

// statementWindow is how long after its issue a statement is still
// mailed.
const statementWindow = 7 * 24 * time.Hour

// MailStatements enqueues, for every tenant period with a credit issued in
// the last week, its statement (PDF attached) to each of the tenant's
// billing contacts, once: the dedup key "mail/statement/TENANT/PERIOD" is
// looked up in the outbox first.
func (a *Monitor) MailStatements(ctx context.Context, now time.Time) (int, error) {
	cfg := a.cfg.Load()
	if !cfg.Email.Enabled() {
		return 0, nil
	}
	cs, err := a.store.Credits(ctx, db.CreditFilter{State: db.CreditIssued})
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	done := map[string]bool{}
	for _, c := range cs {
		t, ok := cfg.Catalog.Tenant(c.Tenant)
		k := "mail/statement/" + c.Tenant + "/" + c.Period
		if !ok || len(t.BillingContacts) == 0 || now.Sub(c.UpdatedAt) > statementWindow || done[k] {
			continue
		}
		done[k] = true
		var jobs []mailJob
		for _, to := range t.BillingContacts {
			addr := to
			if p, err := mail.ParseAddress(to); err == nil {
				addr = p.Address
			}
			jobs = append(jobs, mailJob{What: mailStatement, Page: c.Tenant, To: addr, Period: c.Period,
				URL: cfg.PublicBase() + "/status/" + c.Tenant + "/statement?period=" + c.Period})
		}
		k2, err := a.enqueueBatchTo(ctx, k, jobs, now)
		n += k2
		if err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

func (a *Monitor) enqueueBatchTo(ctx context.Context, key string, jobs []mailJob, now time.Time) (int, error) {
	have, err := a.store.AlertsByKey(ctx, key)
	if err != nil || len(have) > 0 {
		return 0, err
	}
	rows, err := mailRows(key, jobs, now)
	if err != nil {
		return 0, err
	}
	return len(rows), a.store.Enqueue(ctx, rows)
}

// notifyMail is NotifySubscribers and MailStatements as one job.
func (a *Monitor) notifyMail(ctx context.Context, now time.Time) error {
	_, err := a.NotifySubscribers(ctx, now)
	_, serr := a.MailStatements(ctx, now)
	return errors.Join(err, serr)
}

// subscriptionKeys are the keys of subscription links.
func (a *Monitor) subscriptionKeys(ctx context.Context) ([]subscription.Key, error) {
	secret, err := a.store.Secret(ctx, SubscriptionKeyName)
	if err != nil {
		return nil, err
	}
	return []subscription.Key{{ID: 1, Secret: secret}}, nil
}

// subscribeComponents are the components page's visitors may choose.
func (a *Monitor) subscribeComponents(ctx context.Context, page string) ([]dashboard.SubscribeComponent, error) {
	cat := &a.cfg.Load().Catalog
	ss := cat.PublicServices()
	if page != "" {
		ss = cat.TenantServices(page)
	}
	out := make([]dashboard.SubscribeComponent, 0, len(ss))
	for _, s := range ss {
		out = append(out, dashboard.SubscribeComponent{ID: s.ID, Name: s.Name})
	}
	return out, nil
}

// requestConfirmation enqueues a confirmation message. Its dedup key is
// random: the address must not appear in it, and two requests are two
// messages.
func (a *Monitor) requestConfirmation(ctx context.Context, r dashboard.ConfirmationRequest) error {
	tok, err := store.NewClaimToken("mail/confirm")
	if err != nil {
		return err
	}
	now := a.now()
	rows, err := mailRows(tok, []mailJob{{What: mailConfirm, Page: r.Page, To: r.Address, Names: r.Components, URL: r.URL,
		Unsub: r.Unsubscribe, End: r.Expires}}, now)
	if err != nil {
		return err
	}
	return a.store.Enqueue(ctx, rows)
}
