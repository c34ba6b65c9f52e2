package credit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slatehq/slate/sla"
)

// Closing is a period's statement on its way to the ledger.
type Closing struct {
	Statement
	AutoIssue bool
	// EvidenceHash identifies the figures: a later close of the same period
	// with the same hash changes nothing, and one with another hash (late
	// evidence, a corrected exclusion) is recorded as an adjustment.
	EvidenceHash string
}

// Recorder is the credit ledger as the period close uses it; db.DB, through
// a thin adapter, is one. Record must be idempotent per tenant, contract and
// period.
type Recorder interface {
	RecordClose(ctx context.Context, c Closing) error
}

// Schedule is a contract as the period close sees it.
type Schedule struct {
	Contract  Contract
	Quarterly bool           // quarters instead of months
	Location  *time.Location // the tenant's time zone
	AutoIssue bool
	// Grace is how long after the period ends the close waits, so that late
	// evidence (a remote agent catching up) is in.
	Grace time.Duration
}

// PeriodAt is the schedule's period (month or quarter, in its zone) that
// holds t.
func (s Schedule) PeriodAt(t time.Time) sla.Period {
	lt := t.In(s.Location)
	if s.Quarterly {
		return sla.Quarter(lt.Year(), (int(lt.Month())-1)/3+1, s.Location)
	}
	return sla.Month(lt.Year(), lt.Month(), s.Location)
}

// LastClosed is the latest period whose end plus grace is at or before now.
func (s Schedule) LastClosed(now time.Time) sla.Period {
	p := s.PeriodAt(now.Add(-s.Grace))
	// p holds now-grace, so it has not ended grace ago: the one before has.
	return s.PeriodAt(p.Start.Add(-time.Nanosecond))
}

// CloseDue computes and records, for every schedule, the last period that
// ended at least its grace ago. It is the job cron runs; recording is
// idempotent, so running it again — after a crash between compute and
// record, or from two processes at once — leaves one credit per period.
// Errors of one contract do not stop the others; they are joined.
func CloseDue(ctx context.Context, h History, r Recorder, schedules []Schedule, now time.Time) (closed int, err error) {
	var errs []error
	for _, s := range schedules {
		p := s.LastClosed(now)
		st, err := Compute(ctx, h, s.Contract, p, p.End)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		hash, err := EvidenceHash(st)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := r.RecordClose(ctx, Closing{Statement: st, AutoIssue: s.AutoIssue, EvidenceHash: hash}); err != nil {
			errs = append(errs, fmt.Errorf("record %s %s: %w", s.Contract.ID, p, err))
			continue
		}
		closed++
	}
	return closed, errors.Join(errs...)
}

// EvidenceHash is the hex SHA-256 of what a statement's money rests on: the
// report's exact figures and the coverage.
func EvidenceHash(st Statement) (string, error) {
	b, err := json.Marshal(struct {
		Report   sla.Report
		Coverage sla.Coverage
		Flagged  bool
	}{st.Outcome.Report(), st.Coverage, st.Flagged})
	if err != nil {
		return "", fmt.Errorf("hash evidence: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
