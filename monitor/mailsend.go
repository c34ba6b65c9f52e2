package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/email"
	"github.com/slatehq/slate/store"
	"github.com/slatehq/slate/subscription"
)

// mailer composes the outbox's e-mail rows into messages when they are
// sent, and sends them.
type mailer struct {
	a        *Monitor
	composer *email.Composer
	sender   *email.Sender
}

// newMailer is the e-mail deliverer of cfg, or nil when e-mail is off.
func newMailer(a *Monitor, cfg *config.Config) (*mailer, error) {
	if !cfg.Email.Enabled() {
		return nil, nil
	}
	e := cfg.Email
	s, err := email.NewSender(email.Config{Host: e.Host, Port: e.Port, Security: email.Security(e.Security), Username: e.Username,
		Password: e.Password, Concurrency: e.Connections, PerSecond: e.PerSecond})
	if err != nil {
		return nil, fmt.Errorf("email: %w", err)
	}
	return &mailer{a: a, composer: email.NewComposer(), sender: s}, nil
}

// deliverer is the outbox deliverer of m.
func (m *mailer) deliverer() alert.Mail {
	return alert.Mail{Compose: m.compose, Send: m.sender.Send}
}

// compose builds row a's message at now. A subscription that is gone, or
// no longer wants the services, is alert.ErrNoRecipient; a store that
// cannot be read is temporary; a message that cannot be composed is
// permanent.
func (m *mailer) compose(ctx context.Context, a db.Alert, e alert.Event, now time.Time) (*email.Message, error) {
	var j mailJob
	if err := json.Unmarshal(e.Data, &j); err != nil {
		return nil, fmt.Errorf("decode e-mail: %w", err)
	}
	cfg := m.a.cfg.Load()
	from, err := mail.ParseAddress(cfg.Email.From)
	if err != nil {
		return nil, fmt.Errorf("email.from: %w", err)
	}
	env := email.Envelope{From: *from, DedupKey: a.DedupKey, Domain: hostOf(cfg.PublicBase()), Date: now, ThreadKey: j.ThreadKey}
	env.Unsubscribe.Mailto = cfg.Email.UnsubscribeMailto
	au := m.audienceOf(cfg, j.Page)
	switch j.What {
	case mailConfirm:
		env.To, env.Unsubscribe.URL = j.To, j.Unsub
		env.DedupKey = a.DedupKey
		return m.composer.NewConfirmation(env, email.Confirmation{Provider: providerName(cfg), Page: au.name, Components: j.Names,
			ConfirmURL: j.URL, Expires: j.End, Location: au.loc})
	case mailStatement:
		return m.statement(ctx, cfg, env, j)
	case mailIncident, mailMaintenance:
	default:
		return nil, fmt.Errorf("e-mail: unknown kind %q", j.What)
	}
	sub, err := m.a.store.Subscriber(ctx, j.Subscriber)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, alert.ErrNoRecipient
	case err != nil:
		return nil, alert.Temporary(err)
	case sub.Page != j.Page || len(wanting([]store.Subscriber{sub}, j.Services)) == 0:
		return nil, alert.ErrNoRecipient
	}
	keys, err := m.a.subscriptionKeys(ctx)
	if err != nil {
		return nil, alert.Temporary(err)
	}
	tok, err := subscription.Sign(keys[0], subscription.Token{Purpose: subscription.Unsubscribe, Address: sub.Address, Scope: dashboard.Scope(sub.Page)})
	if err != nil {
		return nil, err
	}
	base := cfg.PublicBase()
	env.To = sub.Address
	env.DedupKey = fmt.Sprintf("%s/%d", a.DedupKey, sub.ID)
	env.Unsubscribe.URL = dashboard.UnsubscribeURL(base, tok)
	why := "You subscribed to updates about " + strings.Join(j.Names, ", ") + " on " + au.name + "."
	if j.What == mailIncident {
		return m.composer.NewIncidentUpdate(env, email.IncidentUpdate{Provider: providerName(cfg), Title: j.Title, Status: j.Status,
			Body: j.Body, Services: j.Names, At: j.At, Location: au.loc, URL: j.URL, Why: why, Manage: dashboard.ManageURL(base, tok)})
	}
	return m.composer.NewMaintenance(env, email.MaintenanceStage(j.Status), email.Maintenance{Provider: providerName(cfg), Title: j.Title,
		Body: j.Body, Services: j.Names, Start: j.At, End: j.End, Location: au.loc, URL: j.URL, Why: why, Manage: dashboard.ManageURL(base, tok)})
}

// statement composes a billing contact's statement message, building the
// statement (and its PDF) from the ledger as it is now.
func (m *mailer) statement(ctx context.Context, cfg *config.Config, env email.Envelope, j mailJob) (*email.Message, error) {
	t, ok := cfg.Catalog.Tenant(j.Page)
	if !ok {
		return nil, fmt.Errorf("statement: tenant %q is not configured", j.Page)
	}
	s, err := m.a.statement(ctx, j.Page, j.Period)
	if err != nil {
		return nil, alert.Temporary(err)
	}
	env.To = j.To
	env.DedupKey += "/" + j.To
	// A billing contact is configured, not subscribed: replies and
	// unsubscribes go to the provider, who keeps the contact list.
	env.Unsubscribe.URL = cfg.PublicBase() + "/status/" + t.ID
	if cfg.Provider.Email != "" {
		if p, err := mail.ParseAddress(cfg.Provider.Email); err == nil {
			env.ReplyTo = p.Address
			env.Unsubscribe.Mailto = p.Address
		}
	}
	return m.composer.NewStatement(env, s, j.URL, "You are a billing contact of "+t.Name+" with "+providerName(cfg)+".")
}

func (m *mailer) audienceOf(cfg *config.Config, page string) audience {
	for _, au := range audiences(cfg, &cfg.Catalog) {
		if au.page == page {
			return au
		}
	}
	return audience{loc: time.UTC, name: cfg.Provider.DisplayPageName()}
}

func providerName(cfg *config.Config) string {
	if cfg.Provider.Name != "" {
		return cfg.Provider.Name
	}
	return cfg.Provider.DisplayPageName()
}
