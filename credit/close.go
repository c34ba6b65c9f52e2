package credit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
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
// a thin adapter, is one. Recording must be idempotent per tenant, contract
// and period. RecordCloses records a batch (one durable commit for many
// contracts); errs[i] is closing i's refusal, err a failure of the whole
// batch.
type Recorder interface {
	RecordCloses(ctx context.Context, cs []Closing) (errs []error, err error)
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
	if s.Quarterly {
		return sla.QuarterContaining(t, s.Location)
	}
	return sla.MonthContaining(t, s.Location)
}

// LastClosed is the latest period whose end plus grace is at or before now.
func (s Schedule) LastClosed(now time.Time) sla.Period {
	p := s.PeriodAt(now.Add(-s.Grace))
	// p holds now-grace, so it has not ended grace ago: the one before has.
	return s.PeriodAt(p.Start.Add(-time.Nanosecond))
}

// MaxOwed bounds how many periods one schedule may owe: a close that
// catches up after a long stop records at most this many, the latest.
const MaxOwed = 24

// Owed are the periods of s due at now that the ledger does not hold yet:
// those after through (the end of the latest period recorded for the
// contract) that ended at least the grace ago, oldest first, at most
// MaxOwed of them. With nothing recorded (through zero) it is the last
// closed period alone: a new contract is not closed over its past.
func (s Schedule) Owed(through, now time.Time) []sla.Period {
	last := s.LastClosed(now)
	if through.IsZero() {
		return []sla.Period{last}
	}
	var out []sla.Period
	for p := last; p.End.After(through) && len(out) < MaxOwed; p = s.PeriodAt(p.Start.Add(-time.Nanosecond)) {
		out = append(out, p)
	}
	slices.Reverse(out)
	return out
}

// Due is one period of one schedule to close.
type Due struct {
	Schedule Schedule
	Period   sla.Period
}

// DuePeriods are the periods to close at now: for every schedule, those it
// owes given through (the end of the latest period the ledger holds per
// contract ID), and with again also its last closed period when the
// ledger holds it already, so that late evidence becomes an adjustment.
func DuePeriods(schedules []Schedule, through map[string]time.Time, again bool, now time.Time) []Due {
	var out []Due
	for _, s := range schedules {
		last := s.LastClosed(now)
		owed := s.Owed(through[s.Contract.ID], now)
		for _, p := range owed {
			out = append(out, Due{s, p})
		}
		if again && (len(owed) == 0 || !owed[len(owed)-1].Start.Equal(last.Start)) {
			out = append(out, Due{s, last})
		}
	}
	return out
}

// CloseDue computes and records, for every schedule, the last period that
// ended at least its grace ago: Close of DuePeriods with nothing known to
// be recorded, which is what a close run at once (slate credits close, a
// benchmark) does.
func CloseDue(ctx context.Context, h History, r Recorder, schedules []Schedule, now time.Time) (closed int, err error) {
	return Close(ctx, h, r, DuePeriods(schedules, nil, true, now))
}

// Close computes and records the periods due. Recording is idempotent, so
// running it again — after a crash between compute and record, or from
// two processes at once — leaves one credit per period. Statements are
// computed by one worker per CPU and recorded in batches. Errors of one
// contract do not stop the others; they are joined, each a *ContractError
// naming its contract (FailedContracts lists them).
func Close(ctx context.Context, h History, r Recorder, due []Due) (closed int, err error) {
	type computed struct {
		c   Closing
		err error
	}
	// Workers compute while batches are recorded: the ledger's single
	// writer and the CPUs work at the same time.
	jobs := make(chan int)
	results := make(chan computed, closeBatch)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(due))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				c, err := closing(ctx, h, due[i])
				results <- computed{c, err}
			}
		}()
	}
	go func() {
		for i := range due {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()

	var errs []error
	var batch []Closing
	flush := func() {
		if len(batch) == 0 {
			return
		}
		recErrs, err := r.RecordCloses(ctx, batch)
		for i, c := range batch {
			switch {
			case err != nil:
				errs = append(errs, failed(c.Contract.ID, fmt.Errorf("record %s %s: %w", c.Contract.ID, c.Period, err)))
			case recErrs[i] != nil:
				errs = append(errs, failed(c.Contract.ID, fmt.Errorf("record %s %s: %w", c.Contract.ID, c.Period, recErrs[i])))
			default:
				closed++
			}
		}
		batch = batch[:0]
	}
	for res := range results {
		if res.err != nil {
			errs = append(errs, res.err)
			continue
		}
		batch = append(batch, res.c)
		if len(batch) == closeBatch {
			flush()
		}
	}
	flush()
	return closed, errors.Join(errs...)
}

// closeBatch is how many closings share one ledger transaction.
const closeBatch = 1000

// closing computes one due period.
func closing(ctx context.Context, h History, d Due) (Closing, error) {
	s, p := d.Schedule, d.Period
	st, err := Compute(ctx, h, s.Contract, p, p.End)
	if err != nil {
		return Closing{}, failed(s.Contract.ID, err)
	}
	hash, err := EvidenceHash(st)
	if err != nil {
		return Closing{}, failed(s.Contract.ID, fmt.Errorf("contract %s: %w", s.Contract.ID, err))
	}
	return Closing{Statement: st, AutoIssue: s.AutoIssue, EvidenceHash: hash}, nil
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
