// Package adminapi is the admin API's handlers (/api/admin/...), on the
// dashboard's frame: authentication, roles, rate limits, strict JSON
// decoding and JSON errors are package dashboard's; who may see what is
// package access's; tenants, services and contracts are the catalogue's.
// Each write is one store call that appends its audit entry in the same
// transaction, with the token as the actor; routes open to viewers keep
// them to their own tenant's data.
//
// The store is reached through the Store interface declared here, which
// *db.DB satisfies (cmd/slate checks the fit). Store errors are mapped to
// API errors in one place (apiError).
//
// Allowed imports: the standard library, access, catalog, credit (the
// ledger's filters and a credit's explanation), dashboard, db (its record
// types and sentinel errors), incident and sla.
package adminapi
