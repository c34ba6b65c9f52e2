package store

import (
	"errors"
	"fmt"
)

// Errors every store returns. Callers compare with errors.Is; a store wraps
// them with the operation and the key, and never lets its driver's own
// sentinels (database/sql's ErrNoRows, pgx's ErrNoRows) through.
var (
	ErrNotFound = errors.New("not found")       // no such check, row or entry
	ErrClosed   = errors.New("database closed") // the store was closed before the call finished

	// ErrCreditState is returned, wrapped with the entry's current state
	// and the state the call needed, when a transition does not apply:
	// approving an issued entry, issuing one twice, voiding an issued one.
	ErrCreditState = errors.New("credit state")

	// ErrIncidentState is returned, wrapped with the stored and the
	// requested status, when a save would move an incident backwards:
	// reopen a resolved one, or take a post-mortem one back to resolved.
	ErrIncidentState = errors.New("incident state")

	// ErrNotResolved is returned, wrapped with the incident's status, when
	// a post-mortem would be published while its incident is still open.
	ErrNotResolved = errors.New("incident not resolved")

	// ErrTemplateName is returned when an update template would take a
	// name another one has.
	ErrTemplateName = errors.New("another update template has this name")

	// ErrIncidentConflict is returned, wrapped with both revisions, when a
	// save would change an incident that changed since the caller read (or
	// last saved) it. Read the incident again, apply the change to it and
	// save that.
	ErrIncidentConflict = errors.New("incident changed since it was read")

	// ErrMaintenanceState is returned, wrapped with the window's times,
	// when a window can no longer be cancelled: it has ended (readers were
	// told it happened; it stays as it was) or was cancelled already.
	ErrMaintenanceState = errors.New("maintenance state")

	// ErrAlertState is returned, wrapped, when an attempt is recorded for
	// an alert that is no longer pending.
	ErrAlertState = errors.New("alert state")

	// ErrHistoryExists refuses an import into a day that already has
	// history: merging two records of the same minutes would be a guess.
	ErrHistoryExists = errors.New("history exists")

	// ErrTokenNotFound is also an ErrNotFound.
	ErrTokenNotFound = fmt.Errorf("token %w", ErrNotFound)
	ErrTokenRevoked  = errors.New("token already revoked")

	// ErrLeaseHeld is returned, wrapped with the holder and how long its
	// lease still runs, when another holder's lease has not expired.
	ErrLeaseHeld = errors.New("lease held by another")
	// ErrLeaseLost is returned when a renewal finds the lease expired, taken
	// by another holder or released: the caller is no longer the holder and
	// must acquire again (with a new epoch) before it acts.
	ErrLeaseLost = errors.New("lease lost")

	// ErrNotEmpty refuses to copy a store into one that already holds data.
	ErrNotEmpty = errors.New("target store is not empty")
)
