package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/billing"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/statement"
)

// BillingStore is what statements, the billing export and the
// credit.issued events read: the builder's store, maintenance announced at
// run time and the outbox.
type BillingStore interface {
	billing.Store
	MaintenanceStore
	Enqueue(ctx context.Context, as []db.Alert) error
	AlertsByKey(ctx context.Context, key string) ([]db.Alert, error)
}

// Statements is the statement builder of cfg over store, with the
// maintenance announced at run time.
func Statements(ctx context.Context, cfg *config.Config, store BillingStore) (*billing.Builder, error) {
	cat, err := WithStoredMaintenance(ctx, &cfg.Catalog, store)
	if err != nil {
		return nil, err
	}
	intervals := checkIntervals(&cfg.Catalog)
	return &billing.Builder{
		Store:     store,
		Catalog:   cat,
		Provider:  ProviderOf(cfg),
		Terms:     billing.Terms{Apply: statement.ApplyHow(cfg.Billing.Apply), ApplyDay: cfg.Billing.ApplyDay},
		Intervals: intervals,
		PageURL:   cfg.PublicBase(),
	}, nil
}

// ProviderOf is the configured provider as statements show it. The logo
// is served by the status site at /logo.
func ProviderOf(cfg *config.Config) statement.Provider {
	p := cfg.Provider
	out := statement.Provider{Name: p.Name, Code: p.Code, Address: p.Address, Email: p.Email, Phone: p.Phone,
		Website: p.Website, SupportURL: p.SupportURL}
	if len(p.LogoData) > 0 {
		out.Logo = &statement.Logo{Type: p.LogoType, Data: p.LogoData}
		out.LogoURL = "/logo"
	}
	return out
}

// issuedWindow is how far back NotifyIssued looks for issued credits: a
// week covers any outage of slate or of the outbox.
const issuedWindow = 7 * 24 * time.Hour

// IssuedCredits enqueues a credit.issued event, for each configured
// billing receiver, for every credit issued in the last week that has
// none yet. It derives what is due from the ledger and the outbox, so a
// crash between issuing and enqueuing loses nothing (at least once), and
// the dedup key "credit/ID/issued" keeps it to one event per ledger entry.
func IssuedCredits(ctx context.Context, cfg *config.Config, store BillingStore, now time.Time) (int, error) {
	if len(cfg.Billing.Receivers) == 0 {
		return 0, nil
	}
	cs, err := store.Credits(ctx, db.CreditFilter{State: db.CreditIssued})
	if err != nil {
		return 0, err
	}
	var due []db.Credit
	for _, c := range cs {
		if now.Sub(c.UpdatedAt) <= issuedWindow {
			due = append(due, c)
		}
	}
	rows, err := billing.Rows(ctx, store, &cfg.Catalog, due, billing.ExportOptions{})
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, r := range rows {
		key := fmt.Sprintf("credit/%d/issued", r.ID)
		have, err := store.AlertsByKey(ctx, key)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var missing []string
		for _, rcv := range cfg.Billing.Receivers {
			if !hasReceiver(have, rcv) {
				missing = append(missing, rcv)
			}
		}
		if len(missing) == 0 {
			continue
		}
		data, err := json.Marshal(r)
		if err != nil {
			return n, err
		}
		e := alert.Event{DedupKey: key, Kind: alert.KindCreditIssued, Severity: alert.SeverityInfo,
			Title:  fmt.Sprintf("Credit %d issued: %s %s %s %s", r.ID, r.Tenant, r.Period, r.CreditAmount, r.Currency),
			Tenant: r.Tenant, Time: now, Data: data}
		as, err := alert.Alerts(e, missing)
		if err != nil {
			return n, err
		}
		if err := store.Enqueue(ctx, as); err != nil {
			errs = append(errs, err)
			continue
		}
		n += len(as)
	}
	return n, errors.Join(errs...)
}

func hasReceiver(as []db.Alert, receiver string) bool {
	for _, a := range as {
		if a.Receiver == receiver {
			return true
		}
	}
	return false
}

// notifyIssued is IssuedCredits as a job.
func (a *Monitor) notifyIssued(ctx context.Context, now time.Time) error {
	_, err := IssuedCredits(ctx, a.cfg.Load(), a.store, now)
	return err
}

// statement builds a tenant's statement with the running configuration,
// for the tenant pages and the admin API.
func (a *Monitor) statement(ctx context.Context, tenant, period string) (statement.Statement, error) {
	b, err := Statements(ctx, a.cfg.Load(), a.store)
	if err != nil {
		return statement.Statement{}, err
	}
	s, err := b.Statement(ctx, tenant, period, a.now())
	if errors.Is(err, billing.ErrNoStatement) {
		return s, fmt.Errorf("%w: %w", dashboard.ErrNoStatement, err)
	}
	return s, err
}
