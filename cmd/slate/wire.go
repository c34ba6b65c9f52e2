package main

import (
	"context"
	"fmt"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/dashboard/adminapi"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/pgstore"
)

// The wiring checks that both stores fit every interface its users
// declare: the store contract, package by package.
var (
	_ monitor.Store       = (*db.DB)(nil)
	_ monitor.LedgerStore = (*db.DB)(nil)
	_ adminapi.Store      = (*db.DB)(nil)
	_ alert.Store         = (*db.DB)(nil)
	_ backup.Store        = (*db.DB)(nil)
	_ collector.Store     = (*db.DB)(nil)
	_ credit.History      = (*db.DB)(nil)

	_ monitor.Store      = (*pgstore.Store)(nil)
	_ monitor.LeaseStore = (*pgstore.Store)(nil)
	_ adminapi.Store     = (*pgstore.Store)(nil)
	_ alert.Store        = (*pgstore.Store)(nil)
	_ collector.Store    = (*pgstore.Store)(nil)
	_ credit.History     = (*pgstore.Store)(nil)
)

// cliStore is what the commands that work on stored data need of the
// store: the running monitor's contract, which both engines fulfil.
type cliStore interface {
	monitor.Store
	VerifyAudit(ctx context.Context) (checked int, err error)
	RotateSecret(ctx context.Context, name, actor string) error
}

// openStore opens the store the configuration names: the PostgreSQL
// database of storage.url, or the SQLite file of storage.path. An error
// names the store without its password.
func openStore(cfg *config.Config) (cliStore, error) {
	if !cfg.Storage.Postgres() {
		return db.Open(cfg.Storage.Path, db.Options{})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := pgstore.Open(ctx, cfg.Storage.URL, pgstore.Options{})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", cfg.Storage.Where(), err)
	}
	return s, nil
}
