package db

import "github.com/slatehq/slate/store"

// The store's types, errors and constants live in package store, shared by
// every backend; these aliases keep db's names working for its callers.
type (
	Credit            = store.Credit
	CreditState       = store.CreditState
	CreditFilter      = store.CreditFilter
	Closing           = store.Closing
	AuditEntry        = store.AuditEntry
	Alert             = store.Alert
	AttemptOutcome    = store.AttemptOutcome
	Attempt           = store.Attempt
	Incident          = store.Incident
	IncidentFilter    = store.IncidentFilter
	PostmortemState   = store.PostmortemState
	PostmortemVersion = store.PostmortemVersion
	Postmortem        = store.Postmortem
	Exclusion         = store.Exclusion
	Maintenance       = store.Maintenance
	Token             = store.Token
	NewToken          = store.NewToken
	Counts            = store.Counts
	Pruned            = store.Pruned
	History           = store.History
	Lease             = store.Lease
)

// Errors, shared with every backend.
var (
	ErrNotFound         = store.ErrNotFound
	ErrClosed           = store.ErrClosed
	ErrCreditState      = store.ErrCreditState
	ErrIncidentState    = store.ErrIncidentState
	ErrIncidentConflict = store.ErrIncidentConflict
	ErrAlertState       = store.ErrAlertState
	ErrMaintenanceState = store.ErrMaintenanceState
	ErrNotResolved      = store.ErrNotResolved
	ErrHistoryExists    = store.ErrHistoryExists
	ErrTokenNotFound    = store.ErrTokenNotFound
	ErrTokenRevoked     = store.ErrTokenRevoked
)

// Constants, shared with every backend.
const (
	CreditComputed = store.CreditComputed
	CreditApproved = store.CreditApproved
	CreditIssued   = store.CreditIssued
	CreditVoided   = store.CreditVoided
	KindCredit     = store.KindCredit
	KindAdjustment = store.KindAdjustment

	PostmortemDraft     = store.PostmortemDraft
	PostmortemPublished = store.PostmortemPublished

	AlertPending     = store.AlertPending
	AlertDelivered   = store.AlertDelivered
	AlertFailed      = store.AlertFailed
	OutcomeDelivered = store.OutcomeDelivered
	OutcomeRetry     = store.OutcomeRetry
	OutcomeGaveUp    = store.OutcomeGaveUp

	RoleAdmin          = store.RoleAdmin
	RoleAccountManager = store.RoleAccountManager
	RoleOncall         = store.RoleOncall
	RoleViewer         = store.RoleViewer
	RoleMetrics        = store.RoleMetrics
	RoleFeed           = store.RoleFeed
	RoleAgent          = store.RoleAgent

	MaxHistoryMinutes       = store.MaxHistoryMinutes
	DefaultRawRetention     = store.DefaultRawRetention
	DefaultHistoryRetention = store.DefaultHistoryRetention
	MinHistoryRetention     = store.MinHistoryRetention
)

// ValidRole reports whether role is one of the Role constants.
func ValidRole(role string) bool { return store.ValidRole(role) }

// HashToken is the SHA-256 of a token's whole text, as the store keeps it.
func HashToken(plaintext string) [32]byte { return store.HashToken(plaintext) }

// TokenPrefix checks that plaintext has the form of a token and returns its
// visible prefix.
func TokenPrefix(plaintext string) (string, bool) { return store.TokenPrefix(plaintext) }

// The contract, checked at compile time.
var _ store.Store = (*DB)(nil)
