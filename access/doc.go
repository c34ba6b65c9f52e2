// Package access is who may do and see what: the roles a token carries,
// which roles each kind of admin route admits, and how a viewer is kept to
// its own tenant. It is the one definition of the roles; the store checks
// a new token's role with ValidRole, the dashboard admits requests with
// Permits and Scope, and the admin API filters what it returns with
// Scope.
//
// Allowed imports: the standard library and catalog. Pure: no I/O.
package access
