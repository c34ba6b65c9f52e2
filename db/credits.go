package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slatehq/slate/store"
)

// RecordClose records the outcome of closing a period, idempotently, so the
// close job can run again after a crash or a retry:
//
//   - no entry for c's tenant, contract and period yet: it inserts a credit
//     entry in state computed, or issued directly when autoIssue is set and
//     c is not Flagged;
//   - the entry that carries the period's figures now (the latest
//     adjustment, or the credit when there is none) has c's EvidenceHash:
//     nothing changes;
//   - otherwise it inserts an adjustment entry (state computed) with c's
//     figures and the new amount minus the sum of the non-voided entries so
//     far as its AmountMinor; existing entries are never rewritten.
//
// RecordClose takes the period, figures, amount, currency and evidence hash
// from c and ignores c's ID, Kind, Adjusts, State, Reason and times. The
// currency and the period's bounds must match those already recorded. It
// returns the entry that now carries the period's figures and whether
// anything was written. Every insert and state change is audited by actor
// in the same transaction.
func (d *DB) RecordClose(ctx context.Context, c Credit, autoIssue bool, actor string) (Credit, bool, error) {
	what := fmt.Sprintf("record close of %s/%s/%s", c.Tenant, c.Contract, c.Period)
	if err := store.CheckClose(c, actor); err != nil {
		return Credit{}, false, fmt.Errorf("%s: %w", what, err)
	}
	var (
		out     Credit
		written bool
	)
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		out, written, err = recordCloseTx(ctx, tx, d.opts.Now(), c, autoIssue, actor)
		return err
	})
	if err != nil {
		return Credit{}, false, fmt.Errorf("%s: %w", what, err)
	}
	return out, written, nil
}

// insertCredit inserts an entry in state computed and audits it.
func insertCredit(ctx context.Context, tx *sql.Tx, now time.Time, c Credit, kind string, adjusts, amount int64, actor string) (Credit, error) {
	ms := now.UnixMilli()
	var adj any // NULL for a credit
	if adjusts != 0 {
		adj = adjusts
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO credits (tenant, contract, period, period_start_ms, period_end_ms,
	kind, adjusts, state, uptime_exact, uptime_percent, breach_minutes, credit_percent, coverage_percent,
	flagged, amount_minor, currency, evidence_hash, reason, created_ms, updated_ms, credit_days, credit_multiplier)
VALUES (?, ?, ?, ?, ?, ?, ?, 'computed', ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?)`,
		c.Tenant, c.Contract, c.Period, c.PeriodStart.UnixMilli(), c.PeriodEnd.UnixMilli(),
		kind, adj, c.UptimeExact, c.UptimePercent, c.BreachMinutes, c.CreditPercent, c.CoveragePercent,
		c.Flagged, amount, c.Currency, c.EvidenceHash, ms, ms, c.CreditDays, c.CreditMultiplier)
	if err != nil {
		return Credit{}, fmt.Errorf("insert %s: %w", kind, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Credit{}, fmt.Errorf("insert %s: %w", kind, err)
	}
	out, err := queryCredit(ctx, tx, selectCredit+` WHERE id = ?`, id)
	if err != nil {
		return Credit{}, fmt.Errorf("read back credit %d: %w", id, err)
	}
	detail := store.CreditRecordedDetail(out)
	action := store.CreditRecordedAction(kind)
	if err := auditCredit(ctx, tx, now, actor, action, id, detail); err != nil {
		return Credit{}, err
	}
	return out, nil
}

func auditCredit(ctx context.Context, tx *sql.Tx, now time.Time, actor, action string, id int64, detail map[string]any) error {
	js, err := store.CanonicalJSON(detail)
	if err != nil {
		return fmt.Errorf("encode audit detail of credit %d: %w", id, err)
	}
	if _, err := appendAudit(ctx, tx, now, actor, action, store.CreditSubject(id), js); err != nil {
		return fmt.Errorf("audit credit %d: %w", id, err)
	}
	return nil
}

// transition moves entry id from one of the states froms to state to with
// one conditional UPDATE, so that of two racing or retried calls, even from
// two processes, only one changes the row; and it audits the change. When
// the row is in none of froms it returns ErrCreditState naming the state it
// is in. The state read first only names the old state in the audit entry
// and the error: the UPDATE's condition is what decides.
func transition(ctx context.Context, tx *sql.Tx, now time.Time, id int64, froms []CreditState, to CreditState, actor, reason string) (Credit, error) {
	before, err := queryCredit(ctx, tx, selectCredit+` WHERE id = ?`, id)
	if err != nil {
		return Credit{}, err
	}
	args := []any{to, reason, now.UnixMilli(), id}
	for _, f := range froms {
		args = append(args, f)
	}
	res, err := tx.ExecContext(ctx, `UPDATE credits SET state = ?, reason = ?, updated_ms = ?
WHERE id = ? AND state IN (?`+strings.Repeat(", ?", len(froms)-1)+`)`, args...)
	if err != nil {
		return Credit{}, fmt.Errorf("update: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Credit{}, fmt.Errorf("update: %w", err)
	} else if n == 0 {
		return Credit{}, store.StateError(before.State, froms)
	}
	after, err := queryCredit(ctx, tx, selectCredit+` WHERE id = ?`, id)
	if err != nil {
		return Credit{}, fmt.Errorf("read back: %w", err)
	}
	if err := auditCredit(ctx, tx, now, actor, "credit."+string(to), id, store.TransitionDetail(before.State, to, reason)); err != nil {
		return Credit{}, err
	}
	return after, nil
}

// setState runs transition on the writer.
func (d *DB) setState(ctx context.Context, what string, id int64, froms []CreditState, to CreditState, actor, reason string) (Credit, error) {
	if strings.TrimSpace(actor) == "" {
		return Credit{}, fmt.Errorf("%s credit %d: empty actor", what, id)
	}
	var out Credit
	err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		out, err = transition(ctx, tx, d.opts.Now(), id, froms, to, actor, reason)
		return err
	})
	if err != nil {
		return Credit{}, fmt.Errorf("%s credit %d: %w", what, id, err)
	}
	return out, nil
}

// ApproveCredit moves entry id from computed to approved.
func (d *DB) ApproveCredit(ctx context.Context, id int64, actor string) (Credit, error) {
	return d.setState(ctx, "approve", id, []CreditState{CreditComputed}, CreditApproved, actor, "")
}

// IssueCredit moves entry id from approved to issued. The change is a
// single UPDATE conditional on the approved state, so however often the
// call is retried or raced, by this process or another, the entry is issued
// once; every other call gets ErrCreditState. Money should move only on the
// call that returned nil.
func (d *DB) IssueCredit(ctx context.Context, id int64, actor string) (Credit, error) {
	return d.setState(ctx, "issue", id, []CreditState{CreditApproved}, CreditIssued, actor, "")
}

// VoidCredit moves entry id from computed or approved to voided, recording
// reason, which must not be empty. An issued entry cannot be voided: it is
// corrected by an adjustment.
func (d *DB) VoidCredit(ctx context.Context, id int64, actor, reason string) (Credit, error) {
	if strings.TrimSpace(reason) == "" {
		return Credit{}, fmt.Errorf("void credit %d: empty reason", id)
	}
	return d.setState(ctx, "void", id, []CreditState{CreditComputed, CreditApproved}, CreditVoided, actor, reason)
}

// Credit returns ledger entry id, or ErrNotFound.
func (d *DB) Credit(ctx context.Context, id int64) (Credit, error) {
	if d.closed() {
		return Credit{}, fmt.Errorf("credit %d: %w", id, ErrClosed)
	}
	c, err := queryCredit(ctx, d.rdb, selectCredit+` WHERE id = ?`, id)
	if err != nil {
		return Credit{}, fmt.Errorf("credit %d: %w", id, err)
	}
	return c, nil
}

// Credits returns the ledger entries that match f, in ID order (the order
// they were recorded in).
func (d *DB) Credits(ctx context.Context, f CreditFilter) ([]Credit, error) {
	if d.closed() {
		return nil, fmt.Errorf("credits: %w", ErrClosed)
	}
	where, args := creditWhere(f)
	rows, err := d.rdb.QueryContext(ctx, selectCredit+where+" ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("credits: %w", err)
	}
	return scanCredits(rows)
}

// CreditsPage is the entries f selects, newest first, from offset, at
// most limit, with the count and per-currency totals of all of them, all
// read in one snapshot. The totals are summed by SQLite (integers, exact).
func (d *DB) CreditsPage(ctx context.Context, f CreditFilter, limit, offset int) (store.CreditPage, error) {
	var out store.CreditPage
	if err := store.CheckCreditPage(limit, offset); err != nil {
		return out, err
	}
	if d.closed() {
		return out, fmt.Errorf("credits page: %w", ErrClosed)
	}
	tx, err := d.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return out, fmt.Errorf("credits page: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	where, args := creditWhere(f)
	sums, err := tx.QueryContext(ctx, "SELECT currency, count(*), sum(amount_minor) FROM credits"+where+" GROUP BY currency ORDER BY currency", args...)
	if err != nil {
		return out, fmt.Errorf("credits page: %w", err)
	}
	defer sums.Close()
	for sums.Next() {
		var t store.CurrencyTotal
		var n int
		if err := sums.Scan(&t.Currency, &n, &t.AmountMinor); err != nil {
			return out, fmt.Errorf("credits page: %w", err)
		}
		out.Count += n
		out.Totals = append(out.Totals, t)
	}
	if err := sums.Err(); err != nil {
		return out, fmt.Errorf("credits page: %w", err)
	}
	rows, err := tx.QueryContext(ctx, selectCredit+where+" ORDER BY id DESC LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return out, fmt.Errorf("credits page: %w", err)
	}
	out.Rows, err = scanCredits(rows)
	return out, err
}

// creditWhere is the WHERE clause (with its leading space, or "") and
// arguments of f.
func creditWhere(f CreditFilter) (string, []any) {
	var where []string
	var args []any
	for _, w := range []struct {
		col, val string
	}{{"tenant", f.Tenant}, {"contract", f.Contract}, {"period", f.Period}, {"state", string(f.State)}} {
		if w.val != "" {
			where = append(where, w.col+" = ?")
			args = append(args, w.val)
		}
	}
	if f.Flagged != nil {
		where = append(where, "flagged = ?")
		args = append(args, *f.Flagged)
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// scanCredits reads and closes rows of selectCredit.
func scanCredits(rows *sql.Rows) ([]Credit, error) {
	defer rows.Close()
	var out []Credit
	for rows.Next() {
		c, err := scanCredit(rows)
		if err != nil {
			return nil, fmt.Errorf("credits: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("credits: %w", err)
	}
	return out, nil
}

const selectCredit = `SELECT id, tenant, contract, period, period_start_ms, period_end_ms, kind, coalesce(adjusts, 0),
	state, uptime_exact, uptime_percent, breach_minutes, credit_percent, coverage_percent, flagged,
	amount_minor, currency, evidence_hash, reason, created_ms, updated_ms, credit_days, credit_multiplier FROM credits`

// querier is what queryCredit needs of a transaction or the read pool.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queryCredit reads the one entry query selects, or ErrNotFound.
func queryCredit(ctx context.Context, q querier, query string, args ...any) (Credit, error) {
	c, err := scanCredit(q.QueryRowContext(ctx, query, args...))
	return c, notFound(err)
}

// scanCredit reads one row of selectCredit.
func scanCredit(s interface{ Scan(...any) error }) (Credit, error) {
	var c Credit
	var start, end, created, updated int64
	var state string
	err := s.Scan(&c.ID, &c.Tenant, &c.Contract, &c.Period, &start, &end, &c.Kind, &c.Adjusts,
		&state, &c.UptimeExact, &c.UptimePercent, &c.BreachMinutes, &c.CreditPercent, &c.CoveragePercent, &c.Flagged,
		&c.AmountMinor, &c.Currency, &c.EvidenceHash, &c.Reason, &created, &updated, &c.CreditDays, &c.CreditMultiplier)
	if err != nil {
		return Credit{}, err
	}
	c.State = CreditState(state)
	c.PeriodStart = time.UnixMilli(start).UTC()
	c.PeriodEnd = time.UnixMilli(end).UTC()
	c.CreatedAt = time.UnixMilli(created).UTC()
	c.UpdatedAt = time.UnixMilli(updated).UTC()
	return c, nil
}

// recordCloseTx is RecordClose inside tx: it returns the entry that carries
// the period's figures and whether anything was written.
func recordCloseTx(ctx context.Context, tx *sql.Tx, now time.Time, c Credit, autoIssue bool, actor string) (Credit, bool, error) {
	first, err := queryCredit(ctx, tx, selectCredit+` WHERE tenant = ? AND contract = ? AND period = ? AND kind = 'credit'`,
		c.Tenant, c.Contract, c.Period)
	if errors.Is(err, ErrNotFound) {
		out, err := insertCredit(ctx, tx, now, c, KindCredit, 0, c.AmountMinor, actor)
		if err != nil {
			return Credit{}, false, err
		}
		if autoIssue && !c.Flagged {
			if out, err = transition(ctx, tx, now, out.ID, []CreditState{CreditComputed}, CreditIssued, actor, ""); err != nil {
				return Credit{}, false, err
			}
		}
		return out, true, nil
	}
	if err != nil {
		return Credit{}, false, fmt.Errorf("read credit: %w", err)
	}
	if err := store.CheckRecorded(first, c); err != nil {
		return Credit{}, false, err
	}
	latest, err := queryCredit(ctx, tx, selectCredit+` WHERE adjusts = ? ORDER BY id DESC LIMIT 1`, first.ID)
	if errors.Is(err, ErrNotFound) {
		latest, err = first, nil
	}
	if err != nil {
		return Credit{}, false, fmt.Errorf("read adjustments of credit %d: %w", first.ID, err)
	}
	if latest.EvidenceHash == c.EvidenceHash {
		return latest, false, nil
	}
	var sum int64
	err = tx.QueryRowContext(ctx, `SELECT coalesce(sum(amount_minor), 0) FROM credits
WHERE (id = ? OR adjusts = ?) AND state != 'voided'`, first.ID, first.ID).Scan(&sum)
	if err != nil {
		return Credit{}, false, fmt.Errorf("sum entries of credit %d: %w", first.ID, err)
	}
	out, err := insertCredit(ctx, tx, now, c, KindAdjustment, first.ID, c.AmountMinor-sum, actor)
	if err != nil {
		return Credit{}, false, err
	}
	return out, true, nil
}
