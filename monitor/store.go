package monitor

import (
	"context"
	"github.com/slatehq/slate/store"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/dashboard/adminapi"
	"github.com/slatehq/slate/dashboard/console"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
)

// Store is what a running monitor needs of the store: what each package it
// drives declares (the collector's results, the credit close's evidence
// and ledger, the sender's outbox, the admin API's records), and the
// monitor's own reads and writes. *db.DB and *pgstore.Store satisfy it;
// cmd/slate checks the fit. Backups differ by engine (a file snapshot, or
// pg_dump): New picks the one the store supports. No method hands out a transaction: a write
// that must go with its notifications takes them as a function
// (SaveIncidentWithAlerts).
type Store interface {
	collector.Store
	LedgerStore
	alert.Store
	adminapi.Store
	console.Store
	BillingStore

	SaveDetection(ctx context.Context, ps []incident.Progress) error
	Detection(ctx context.Context) ([]incident.Progress, error)
	WriteHealth() error
	Prune(ctx context.Context, now time.Time) (db.Pruned, error)
	OpenIncidents(ctx context.Context) ([]db.Incident, error)
	Enqueue(ctx context.Context, as []db.Alert) error
	AlertsByKey(ctx context.Context, key string) ([]db.Alert, error)
	AlertKeyWithPrefix(ctx context.Context, prefix string) (bool, error)
	TokenByHash(ctx context.Context, sum [32]byte) (db.Token, error)
	TouchTokens(ctx context.Context, used map[string]time.Time) error
	FeedTokenStore
	Secret(ctx context.Context, name string) ([]byte, error)
	store.Subscriptions
	store.Locations
	store.PushBeats
	Close() error
}

// pushBeats keeps the collector's push heartbeats in the store, so that
// every replica judges a push check by the heartbeats any of them
// received, and a restart or a change of leader loses none.
type pushBeats struct{ s store.PushBeats }

func (p pushBeats) RecordBeat(ctx context.Context, b collector.Beat) error {
	return p.s.RecordPushBeat(ctx, store.PushBeat(b))
}

func (p pushBeats) LatestBeat(ctx context.Context, checkID string) (collector.Beat, bool, error) {
	b, ok, err := p.s.LatestPushBeat(ctx, checkID)
	return collector.Beat(b), ok, err
}

// MaintenanceStore reads the maintenance announced at run time.
type MaintenanceStore interface {
	ListMaintenance(ctx context.Context) ([]db.Maintenance, error)
}
