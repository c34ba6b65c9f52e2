package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slatehq/slate/sla"
)

// History is the per-minute history of one check over a range of whole
// minutes; the type is the domain's, so that readers of evidence need not
// import a store.
type History = sla.MinuteHistory

// MaxHistoryMinutes bounds the range of one MinuteHistory call: 400 days,
// the retention of the history, so one call can read all of it.
const MaxHistoryMinutes = 400 * 1440

// Retention defaults and bounds, the same for every backend.
const (
	DefaultRawRetention     = 14 * 24 * time.Hour
	DefaultHistoryRetention = 400 * 24 * time.Hour
	MinHistoryRetention     = 400 * 24 * time.Hour
)

// Pruned counts what one Prune call deleted.
type Pruned struct {
	Results int64 // raw results (with their details); a backend that drops whole partitions counts their rows
	Days    int64 // check-days of minute history
}

// Counts are the row counts of the tables a backup or a copy must hold in
// full: the evidence (raw results, per-minute history days), the credit
// ledger, the audit log, the manual exclusions and the tokens.
type Counts struct {
	Results     int64 // rows of results: one per probe run
	HistoryDays int64 // check-days of per-minute history
	Credits     int64 // ledger entries, credits and adjustments
	Audit       int64 // audit log entries
	Exclusions  int64 // exclusions, cancelled ones included
	Tokens      int64 // API tokens, revoked ones included
}

// Exclusion is time a contract excludes from its SLA, entered by a person.
type Exclusion struct {
	ID           int64
	Contract     string
	Start, End   time.Time // [Start, End), UTC, millisecond precision
	Reason       string
	Actor        string    // who entered it
	CreatedAt    time.Time // UTC
	Cancelled    bool
	CancelledAt  time.Time // zero while in force
	CancelledBy  string
	CancelReason string
}

// CheckExclusion refuses an exclusion no store may record.
func CheckExclusion(e Exclusion, actor string) error {
	switch {
	case e.Contract == "":
		return errors.New("empty contract")
	case !e.Start.Before(e.End):
		return fmt.Errorf("end %s is not after start %s", e.End.UTC().Format(time.RFC3339), e.Start.UTC().Format(time.RFC3339))
	case sla.CheckInstant(e.Start) != nil:
		return fmt.Errorf("start: %w", sla.CheckInstant(e.Start))
	case sla.CheckInstant(e.End) != nil:
		return fmt.Errorf("end: %w", sla.CheckInstant(e.End))
	case strings.TrimSpace(e.Reason) == "":
		return errors.New("a reason is required")
	case strings.TrimSpace(actor) == "":
		return errors.New("empty actor")
	}
	return nil
}

// ExclusionDetail is the audit detail of an exclusion change.
func ExclusionDetail(e Exclusion) map[string]any {
	d := map[string]any{
		"contract": e.Contract, "start_ms": e.Start.UnixMilli(), "end_ms": e.End.UnixMilli(), "reason": e.Reason,
	}
	if e.Cancelled {
		d["cancel_reason"] = e.CancelReason
	}
	return d
}

// ExclusionSubject is the audit subject of exclusion id.
func ExclusionSubject(id int64) string { return fmt.Sprintf("exclusion/%d", id) }

// Maintenance is a window of announced work on some services, recorded at
// run time. Announced is when the store recorded it.
type Maintenance struct {
	ID       int64
	Services []string
	Title    string
	// Description says what will happen and what customers notice; it
	// is shown to every reader of the affected services. "" for none.
	Description string
	Start, End  time.Time // [Start, End), UTC
	Announced   time.Time
	Actor       string
	// Updates are the updates people posted, oldest first.
	Updates     []MaintenanceUpdate
	Cancelled   bool
	CancelledAt time.Time // zero while planned
	CancelledBy string
	// OverrideMax marks a window longer than the configured maximum,
	// announced by an admin's explicit choice. It is recorded in the
	// audit entry of the announcement, not on the row.
	OverrideMax bool
}

// CheckMaintenance refuses a window no store may record.
func CheckMaintenance(m Maintenance, actor string) error {
	switch {
	case len(m.Services) == 0:
		return errors.New("add maintenance: name at least one service")
	case strings.TrimSpace(m.Title) == "":
		return errors.New("add maintenance: a title is required")
	case !m.Start.Before(m.End):
		return errors.New("add maintenance: end must be after start")
	case sla.CheckInstant(m.Start) != nil:
		return fmt.Errorf("add maintenance: start: %w", sla.CheckInstant(m.Start))
	case sla.CheckInstant(m.End) != nil:
		return fmt.Errorf("add maintenance: end: %w", sla.CheckInstant(m.End))
	case strings.TrimSpace(actor) == "":
		return errors.New("add maintenance: empty actor")
	}
	return nil
}

// MaintenanceDetail is the audit detail of an announced window.
func MaintenanceDetail(m Maintenance) map[string]any {
	d := map[string]any{"services": m.Services, "title": m.Title, "start_ms": m.Start.UnixMilli(), "end_ms": m.End.UnixMilli()}
	if m.Description != "" {
		d["description"] = m.Description
	}
	if m.OverrideMax {
		d["override_max"] = true
	}
	return d
}

// Audit actions of withdrawing a window (see MaintenanceCancel).
const (
	MaintenanceCancelled = "maintenance.cancelled" // a planned window withdrawn
	MaintenanceEnded     = "maintenance.ended"     // a window in progress ended early
)

// MaintenanceCancel is what withdrawing m at now does, the same in every
// store: a window not yet begun is cancelled (the row stays, marked); one
// in progress ends now, so the part that passed stays true on the status
// page and in the SLA; one that has ended, or was cancelled, stays as it
// is: ErrMaintenanceState. It returns the audit action and the window as
// it becomes (now is taken in whole milliseconds, as stored).
func MaintenanceCancel(m Maintenance, now time.Time, actor string) (string, Maintenance, error) {
	now = time.UnixMilli(now.UnixMilli()).UTC()
	switch {
	case m.Cancelled:
		return "", m, fmt.Errorf("maintenance %d: %w: cancelled already, at %s", m.ID, ErrMaintenanceState, m.CancelledAt.Format(time.RFC3339))
	case !now.Before(m.End):
		return "", m, fmt.Errorf("maintenance %d: %w: it ended at %s; a past window stays as readers were told", m.ID, ErrMaintenanceState, m.End.Format(time.RFC3339))
	case now.After(m.Start):
		m.End = now
		return MaintenanceEnded, m, nil
	}
	m.Cancelled, m.CancelledAt, m.CancelledBy = true, now, actor
	return MaintenanceCancelled, m, nil
}

// MaintenanceCancelDetail is the audit detail of withdrawing a window
// whose end was end before.
func MaintenanceCancelDetail(end time.Time) map[string]any {
	return map[string]any{"end_ms_before": end.UnixMilli()}
}

// MaintenanceUpdate is one update a person posted on a window: the state
// it speaks for and the words customers read. Actor is for staff only.
type MaintenanceUpdate struct {
	ID          int64
	Maintenance int64  // the window's ID
	Status      string // MaintenanceScheduled, MaintenanceInProgress or MaintenanceCompleted
	Body        string
	At          time.Time // when it was posted, UTC
	Actor       string
}

// States of a maintenance window, as its updates speak for them.
const (
	MaintenanceScheduled  = "scheduled"
	MaintenanceInProgress = "in_progress"
	MaintenanceCompleted  = "completed"
)

// MaintenanceUpdated is the audit action of posting an update.
const MaintenanceUpdated = "maintenance.updated"

// MaintenancePost is what posting an update with status and body on m at
// now does, the same in every store. The window's state follows its clock
// (scheduled before Start, in progress from it, completed from End), so
// an update may speak only for the state the window is in: scheduled
// before the start, in progress while it runs, completed only after the
// start (one at the start itself would leave an empty window, and the
// window stands as planned until then: cancel it instead). A completed update posted before the end ends the window then, as
// withdrawing it would: the time after the work stops is not
// maintenance. Nothing may be posted on a cancelled window, or after a
// completed update. It returns the update and the window as it becomes
// (now in whole milliseconds, as stored); a refusal wraps
// ErrMaintenanceState, or names the field.
func MaintenancePost(m Maintenance, status, body string, now time.Time, actor string) (MaintenanceUpdate, Maintenance, error) {
	now = time.UnixMilli(now.UnixMilli()).UTC()
	u := MaintenanceUpdate{Maintenance: m.ID, Status: status, Body: strings.TrimSpace(body), At: now, Actor: actor}
	switch {
	case status != MaintenanceScheduled && status != MaintenanceInProgress && status != MaintenanceCompleted:
		return u, m, fmt.Errorf("status: %q is not one of scheduled, in_progress, completed", status)
	case u.Body == "":
		return u, m, errors.New("body: is required: say what customers should know")
	case strings.TrimSpace(actor) == "":
		return u, m, errors.New("maintenance update: empty actor")
	case m.Cancelled:
		return u, m, fmt.Errorf("maintenance %d: %w: it was cancelled", m.ID, ErrMaintenanceState)
	case slices.ContainsFunc(m.Updates, func(p MaintenanceUpdate) bool { return p.Status == MaintenanceCompleted }):
		return u, m, fmt.Errorf("maintenance %d: %w: it was reported completed already", m.ID, ErrMaintenanceState)
	case status == MaintenanceScheduled && !now.Before(m.Start):
		return u, m, fmt.Errorf("maintenance %d: %w: it began at %s; a scheduled update goes before the start", m.ID, ErrMaintenanceState, m.Start.Format(time.RFC3339))
	case status == MaintenanceInProgress && (now.Before(m.Start) || !now.Before(m.End)):
		return u, m, fmt.Errorf("maintenance %d: %w: it runs %s to %s; an in-progress update goes inside the window", m.ID, ErrMaintenanceState, m.Start.Format(time.RFC3339), m.End.Format(time.RFC3339))
	case status == MaintenanceCompleted && !now.After(m.Start):
		return u, m, fmt.Errorf("maintenance %d: %w: it has not run yet (starts %s); a completed update goes after the start, or cancel it instead", m.ID, ErrMaintenanceState, m.Start.Format(time.RFC3339))
	}
	if status == MaintenanceCompleted && now.Before(m.End) {
		m.End = now
	}
	m.Updates = append(slices.Clip(m.Updates), u)
	return u, m, nil
}

// AttachMaintenanceUpdates puts each of us (oldest first) on its window
// in ms; updates of windows not in ms are left out.
func AttachMaintenanceUpdates(ms []Maintenance, us []MaintenanceUpdate) {
	byID := make(map[int64]int, len(ms))
	for i, m := range ms {
		byID[m.ID] = i
	}
	for _, u := range us {
		if i, ok := byID[u.Maintenance]; ok {
			ms[i].Updates = append(ms[i].Updates, u)
		}
	}
}

// MaintenanceUpdateDetail is the audit detail of posting u on a window
// whose end was end before (ended says the update moved it).
func MaintenanceUpdateDetail(u MaintenanceUpdate, end time.Time, ended bool) map[string]any {
	d := map[string]any{"status": u.Status, "body": u.Body}
	if ended {
		d["end_ms_before"] = end.UnixMilli()
	}
	return d
}

// MaintenanceSubject is the audit subject of window id.
func MaintenanceSubject(id int64) string { return fmt.Sprintf("maintenance/%d", id) }

// CheckResults refuses a batch of results with a result no store may keep.
func CheckResults(rs []sla.Result) error {
	for i, r := range rs {
		if r.CheckID == "" {
			return fmt.Errorf("write results: result %d: empty check ID", i)
		}
		if r.At.IsZero() {
			return fmt.Errorf("write results for %s: result %d: zero time", r.CheckID, i)
		}
	}
	return nil
}

// Retention applies the defaults and bounds every backend gives its
// retention settings: 0 means the default, raw retention must be positive
// and history retention at least MinHistoryRetention (a year of evidence
// plus a dispute window).
func Retention(raw, history time.Duration) (time.Duration, time.Duration, error) {
	if raw == 0 {
		raw = DefaultRawRetention
	}
	if raw < 0 {
		return raw, history, fmt.Errorf("raw retention: must be positive (got %v)", raw)
	}
	if history == 0 {
		history = DefaultHistoryRetention
	}
	if history < MinHistoryRetention {
		return raw, history, fmt.Errorf("history retention: must be at least %v (got %v)", MinHistoryRetention, history)
	}
	return raw, history, nil
}
