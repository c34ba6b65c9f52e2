package store

import (
	"context"
	"time"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// Evidence is the write and read path of probe results and the per-minute
// history derived from them.
type Evidence interface {
	// WriteResults stores rs and returns nil once the transaction holding
	// them has committed durably: that is the acknowledgement. A result
	// already stored (same check, location and At in milliseconds) is
	// skipped, so a retried call stores nothing twice and counts nothing
	// twice in the minute history. If ctx ends first, the results may or
	// may not have been stored: retrying the call is safe.
	WriteResults(ctx context.Context, rs []sla.Result) error
	// Results returns the raw results of a check that started in [from,
	// to), in time order; ErrNotFound for an unknown check.
	Results(ctx context.Context, checkID string, from, to time.Time) ([]sla.Result, error)
	// LatestResults returns the n most recent raw results, newest first.
	LatestResults(ctx context.Context, checkID string, n int) ([]sla.Result, error)
	// MinuteHistory returns the per-minute history of the minutes that
	// overlap [from, to); ErrNotFound (and sla.ErrNoEvidence) for an
	// unknown check.
	MinuteHistory(ctx context.Context, checkID string, from, to time.Time) (History, error)
	// MinuteRuns is MinuteHistory in run-length form.
	MinuteRuns(ctx context.Context, checkID string, from, to time.Time) (sla.RunHistory, error)
	// ImportHistory writes whole UTC days of history recorded elsewhere;
	// days that already have history are refused whole (ErrHistoryExists).
	ImportHistory(ctx context.Context, checkID string, h sla.RunHistory) error
	// Prune applies retention at now: it deletes raw results older than
	// the raw retention (a backend may keep them up to a day longer, when
	// it drops whole days at once, never less) and the history of UTC days
	// that ended before now minus the history retention.
	Prune(ctx context.Context, now time.Time) (Pruned, error)
	// WriteHealth is nil when the latest commit of results succeeded.
	WriteHealth() error
}

// Ledger is the service-credit ledger. Every change appends its audit entry
// in the same transaction.
type Ledger interface {
	RecordClose(ctx context.Context, c Credit, autoIssue bool, actor string) (Credit, bool, error)
	RecordCloses(ctx context.Context, cs []Closing, actor string) (errs []error, err error)
	ApproveCredit(ctx context.Context, id int64, actor string) (Credit, error)
	IssueCredit(ctx context.Context, id int64, actor string) (Credit, error)
	VoidCredit(ctx context.Context, id int64, actor, reason string) (Credit, error)
	Credit(ctx context.Context, id int64) (Credit, error)
	Credits(ctx context.Context, f CreditFilter) ([]Credit, error)
	// CreditsPage is the entries f selects, newest first, from offset,
	// at most limit (CheckCreditPage), with their count and totals.
	CreditsPage(ctx context.Context, f CreditFilter, limit, offset int) (CreditPage, error)

	AddExclusion(ctx context.Context, e Exclusion, actor string) (Exclusion, error)
	CancelExclusion(ctx context.Context, id int64, actor, reason string) (Exclusion, error)
	ListExclusions(ctx context.Context, contract string) ([]Exclusion, error)
	ExclusionsInForce(ctx context.Context, contract string, from, to time.Time) ([]sla.Exclusion, error)

	// ClosedThrough returns, for every contract with entries in the
	// ledger, the end of the latest period recorded for it: the period
	// close derives from it which periods are still owed.
	ClosedThrough(ctx context.Context) (map[string]time.Time, error)
}

// Audit is the hash-chained, append-only audit log.
type Audit interface {
	AppendAudit(ctx context.Context, actor, action, subject string, detail any) error
	AuditEntries(ctx context.Context, afterID int64, limit int) ([]AuditEntry, error)
	AuditOf(ctx context.Context, subject string) ([]AuditEntry, error)
	VerifyAudit(ctx context.Context) (checked int, err error)
	// VerifyAuditAfter checks only the entries after mark (the first of
	// them must link to mark's hash) and returns the mark it reached,
	// which is mark itself when nothing was added. Entries through mark
	// are taken as verified already: VerifyAudit checks them all again.
	VerifyAuditAfter(ctx context.Context, mark AuditMark) (AuditMark, error)
}

// Outbox is the durable alert outbox. The alerts of one dedup key to one
// receiver form a queue: only the oldest pending one of them (the lowest
// ID) is ever due, the others wait until it is delivered or given up, so
// a receiver gets an incident's notifications in the order they were
// raised, whatever retries and backoffs happen.
type Outbox interface {
	Enqueue(ctx context.Context, as []Alert) error
	// DueAlerts returns up to limit pending alerts, each the head of its
	// queue, whose next attempt is due at or before now, the earliest due
	// first. limit 0 or less means no limit.
	DueAlerts(ctx context.Context, now time.Time, limit int) ([]Alert, error)
	// ClaimAlerts takes up to limit due pending alerts (heads of their
	// queues, as DueAlerts) that no live claim holds, marks them claimed by a fresh token until now+hold and
	// returns them with Claim set. Two senders claiming at once never get
	// the same alert. A claim ends with RecordAttempt, or lapses at
	// ClaimedUntil (a sender that died mid-attempt), after which the alert
	// can be claimed again.
	ClaimAlerts(ctx context.Context, now time.Time, limit int, claimant string, hold time.Duration) ([]Alert, error)
	// ReleaseAlerts ends the claim token holds on the alerts ids without
	// an attempt (a sender that will not attempt them: it is stopping, or
	// no slot freed in time), so that any sender may claim them at once.
	// An alert that token no longer holds is left as it is.
	ReleaseAlerts(ctx context.Context, token string, ids []int64) error
	Alert(ctx context.Context, id int64) (Alert, error)
	AlertsByKey(ctx context.Context, key string) ([]Alert, error)
	// AlertKeyWithPrefix reports whether any outbox row, in any state,
	// has a dedup key that starts with prefix: whether a batch whose rows
	// have keys of their own (one queue per e-mail recipient) was
	// enqueued.
	AlertKeyWithPrefix(ctx context.Context, prefix string) (bool, error)
	PendingAlerts(ctx context.Context) (int, error)
	RecordAttempt(ctx context.Context, id int64, at time.Time, outcome AttemptOutcome) error
	Attempts(ctx context.Context, alertID int64) ([]Attempt, error)
}

// Incidents holds incidents, their timelines and post-mortems.
type Incidents interface {
	SaveIncident(ctx context.Context, inc *Incident, actor string) (int64, error)
	// SaveIncidentWithAlerts saves inc and enqueues, in the same
	// transaction, the alerts returned for its ID.
	SaveIncidentWithAlerts(ctx context.Context, inc *Incident, actor string, alerts func(id int64) ([]Alert, error)) (int64, error)
	Incident(ctx context.Context, id int64) (Incident, error)
	Incidents(ctx context.Context, f IncidentFilter) ([]Incident, error)
	OpenIncidents(ctx context.Context) ([]Incident, error)
	SavePostmortem(ctx context.Context, incidentID int64, markdown, author string) (int, error)
	PublishPostmortem(ctx context.Context, incidentID int64, version int, author string) error
	Postmortem(ctx context.Context, incidentID int64) (Postmortem, error)
	PostmortemVersions(ctx context.Context, incidentID int64) ([]PostmortemVersion, error)

	AddMaintenance(ctx context.Context, m Maintenance, actor string) (Maintenance, error)
	// CancelMaintenance withdraws window id at the store's now, as
	// MaintenanceCancel says: a planned window is cancelled, one in
	// progress ends now, one that ended is refused (ErrMaintenanceState).
	// It returns the window as it became; audited.
	CancelMaintenance(ctx context.Context, id int64, actor string) (Maintenance, error)
	// PostMaintenanceUpdate posts a person's update on window id at the
	// store's now, as MaintenancePost says (a completed update before the
	// end ends the window then). It returns the window as it became;
	// audited.
	PostMaintenanceUpdate(ctx context.Context, id int64, status, body, actor string) (Maintenance, error)
	// ListMaintenance returns every recorded window with its updates,
	// cancelled ones included, by start.
	ListMaintenance(ctx context.Context) ([]Maintenance, error)
}

// Detection keeps how far incident detection has judged each service and
// the recovery hold under way, so that a restart judges every minute since
// and finishes the hold instead of starting it over.
type Detection interface {
	// SaveDetection stores ps, each replacing what was stored for its
	// service, in one transaction.
	SaveDetection(ctx context.Context, ps []incident.Progress) error
	// Detection returns the progress stored for every service, in the
	// order of their names.
	Detection(ctx context.Context) ([]incident.Progress, error)
}

// Tokens holds API tokens (as hashes) and the keys slate makes for itself.
type Tokens interface {
	CreateToken(ctx context.Context, nt NewToken, actor string) (string, Token, error)
	Tokens(ctx context.Context) ([]Token, error)
	TokenByHash(ctx context.Context, sum [32]byte) (Token, error)
	RevokeToken(ctx context.Context, prefix, actor string) (Token, error)
	TouchTokens(ctx context.Context, used map[string]time.Time) error
	// Secret returns the random key stored under name, making it on the
	// first call; racing first calls all get the one stored first.
	Secret(ctx context.Context, name string) ([]byte, error)
	// RotateSecret replaces the key stored under name with a fresh one (a
	// name with no key yet gets one), in one transaction with its audit
	// entry: action SecretRotated, subject SecretSubject(name), detail
	// RotationDetail (when the replaced key was made, never a key).
	// Whatever the old key signed stops verifying: rotating the key of
	// tenant links revokes every link.
	RotateSecret(ctx context.Context, name, actor string) error
}

// Leases are named leadership leases on the database's clock.
type Leases interface {
	// AcquireLease takes lease name for holder for ttl: when it is free,
	// expired or released (a new epoch), or already holder's (a renewal,
	// same epoch). Another holder's live lease is ErrLeaseHeld.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (Lease, error)
	// RenewLease extends l by its TTL from the database's now, only while
	// l is still live and the holder's (same holder and epoch); otherwise
	// ErrLeaseLost.
	RenewLease(ctx context.Context, l Lease) (Lease, error)
	// ReleaseLease ends l at once, so another holder can take it without
	// waiting for it to expire; a lease already lost is not an error.
	ReleaseLease(ctx context.Context, l Lease) error
}

// Locations keeps each location's agent lease and health (LocationState),
// shared by every replica of the store.
type Locations interface {
	// ClaimLocation makes c.Agent the holder of c.Location until
	// c.At+c.TTL and records its clock estimate, unless another agent's
	// lease runs past c.At (ErrLocationHeld, with nothing changed). Of
	// two agents claiming a free location at once, one holds it.
	ClaimLocation(ctx context.Context, c LocationClaim) (LocationState, error)
	// RecordLocationBatch records what the location's holder delivered:
	// the results stored, the watermark, the clock refusal. An agent that
	// no longer holds the location gets ErrLocationLost and changes
	// nothing.
	RecordLocationBatch(ctx context.Context, b LocationBatch) (LocationState, error)
	// LocationStates returns every location's state, by location.
	LocationStates(ctx context.Context) ([]LocationState, error)
}

// Store is the whole contract every backend implements and the store test
// suite (storetest.Run) holds each to.
type Store interface {
	Evidence
	Ledger
	Audit
	Outbox
	Incidents
	UpdateTemplates
	Detection
	Tokens
	Sessions
	Leases
	Locations
	PushBeats
	Subscriptions
	// Counts counts the rows of the tables in Counts in one consistent
	// read.
	Counts(ctx context.Context) (Counts, error)
	// Close stops accepting writes, finishes what was acknowledged and
	// releases the database.
	Close() error
}
