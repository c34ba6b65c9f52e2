package main

import (
	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/dashboard/adminapi"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/monitor"
)

// The wiring checks that the SQLite store fits every interface its users
// declare: the store contract, package by package.
var (
	_ monitor.Store       = (*db.DB)(nil)
	_ monitor.LedgerStore = (*db.DB)(nil)
	_ adminapi.Store      = (*db.DB)(nil)
	_ alert.Store         = (*db.DB)(nil)
	_ backup.Store        = (*db.DB)(nil)
	_ collector.Store     = (*db.DB)(nil)
	_ credit.History      = (*db.DB)(nil)
)
