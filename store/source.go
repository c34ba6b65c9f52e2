package store

import (
	"context"
	"time"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// Source is a store's whole content, as copying it into another store
// needs it: everything the contract's reads return, and what they leave
// out (token hashes, secrets, attempts, cancellation times). A copy reads
// a store that nothing else writes meanwhile (the source process is
// stopped): Dump is one consistent read; the evidence is streamed after.
type Source interface {
	// Dump returns everything but the evidence, in one read transaction.
	Dump(ctx context.Context) (Dump, error)
	// DumpResults calls fn with every raw result, in batches.
	DumpResults(ctx context.Context, fn func([]sla.Result) error) error
	// DumpHistory calls fn with every stored day of minute history: one
	// call per check and UTC day, h covering exactly that day.
	DumpHistory(ctx context.Context, fn func(checkID string, h sla.RunHistory) error) error
	// Counts counts what a copy must hold in full.
	Counts(ctx context.Context) (Counts, error)
}

// Dump is a store's content apart from the evidence, with every id, hash
// and time as stored, so that the copy's audit chain verifies and its
// tokens and signed links keep working.
type Dump struct {
	Credits     []Credit
	Audit       []AuditEntry
	Exclusions  []Exclusion
	Maintenance []Maintenance
	Incidents   []Incident // with timelines (in recorded order) and tenants
	Postmortems []PostmortemVersion
	Alerts      []Alert
	Attempts    []Attempt
	Tokens      []TokenRecord
	Secrets     []SecretRecord
	Detection   []incident.Progress
	Subscribers []Subscriber
	Templates   []UpdateTemplate
}

// TokenRecord is a token as stored, hash included.
type TokenRecord struct {
	Token
	Hash [32]byte
}

// SecretRecord is a key Secret made, as stored.
type SecretRecord struct {
	Name      string
	Value     []byte
	CreatedAt time.Time
}
