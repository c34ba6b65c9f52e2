// Package billing turns the credit ledger into what customers and billing
// systems receive: a tenant's credit statement for a period
// (Builder.Statement, a statement.Statement for the renderers), the
// billing-grade export of ledger entries (Rows, WriteCSV, WriteJSON, with
// stable snake_case columns shared with slate report), and the
// credit.issued event a billing system creates its credit note from
// (IssuedEvent).
//
// The builder maps only what a customer may read: contracts by display
// name, incidents by the public title the status page gives them, the
// public reasons of exclusions and announced maintenance, the method from
// the contract's checks, and no internal identifier beyond the tenant's ID
// inside the statement number. Voided entries are left out; adjustments
// become the statement's adjustments and raise its revision.
//
// The package reads the store through the interfaces it declares (Ledger,
// Store) and takes the time as an argument; it holds no clock and no
// configuration of its own.
package billing
