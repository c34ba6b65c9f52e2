package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/store"
)

const selectCredit = `SELECT id, tenant, contract, period, period_start_ms, period_end_ms, kind, coalesce(adjusts, 0),
	state, uptime_exact, uptime_percent, breach_minutes, credit_percent, coverage_percent, flagged,
	amount_minor, currency, evidence_hash, reason, created_ms, updated_ms, credit_days, credit_multiplier FROM credits`

func scanCredit(r pgx.Row) (store.Credit, error) {
	var c store.Credit
	var start, end, created, updated int64
	var state string
	err := r.Scan(&c.ID, &c.Tenant, &c.Contract, &c.Period, &start, &end, &c.Kind, &c.Adjusts,
		&state, &c.UptimeExact, &c.UptimePercent, &c.BreachMinutes, &c.CreditPercent, &c.CoveragePercent, &c.Flagged,
		&c.AmountMinor, &c.Currency, &c.EvidenceHash, &c.Reason, &created, &updated, &c.CreditDays, &c.CreditMultiplier)
	c.State = store.CreditState(state)
	c.PeriodStart, c.PeriodEnd = msTime(start), msTime(end)
	c.CreatedAt, c.UpdatedAt = msTime(created), msTime(updated)
	return c, err
}

func queryCredit(ctx context.Context, tx pgx.Tx, where string, args ...any) (store.Credit, error) {
	c, err := scanCredit(tx.QueryRow(ctx, selectCredit+where, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, store.ErrNotFound
	}
	return c, err
}

// RecordClose records the outcome of closing a period, idempotently; see
// store.Ledger and db.DB.RecordClose, whose rules it follows. The ledger
// lock serialises it with every other ledger change, on every replica.
func (s *Store) RecordClose(ctx context.Context, c store.Credit, autoIssue bool, actor string) (store.Credit, bool, error) {
	what := fmt.Sprintf("record close of %s/%s/%s", c.Tenant, c.Contract, c.Period)
	if err := store.CheckClose(c, actor); err != nil {
		return store.Credit{}, false, fmt.Errorf("%s: %w", what, err)
	}
	var out store.Credit
	var written bool
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, written, err = recordCloseTx(ctx, tx, s.opts.Now(), c, autoIssue, actor)
		return err
	})
	if err != nil {
		return store.Credit{}, false, fmt.Errorf("%s: %w", what, err)
	}
	return out, written, nil
}

// RecordCloses records many closes in one transaction; see store.Ledger.
// A refused close is refused before it writes anything, so it is skipped
// alone. The batch costs a few round trips whatever its size when its
// closes are first closes or re-closes with unchanged evidence (the close
// and the quarter-hourly re-close); only a re-close that adjusts a credit,
// rare, takes its own.
func (s *Store) RecordCloses(ctx context.Context, cs []store.Closing, actor string) ([]error, error) {
	errs := make([]error, len(cs))
	name := func(c store.Credit) string {
		return fmt.Sprintf("record close of %s/%s/%s", c.Tenant, c.Contract, c.Period)
	}
	checked := make([]bool, len(cs))
	for i, c := range cs {
		if e := store.CheckClose(c.Credit, actor); e != nil {
			errs[i] = fmt.Errorf("%s: %w", name(c.Credit), e)
		}
		checked[i] = errs[i] == nil
	}
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		for i := range cs {
			if checked[i] {
				errs[i] = nil // a retried transaction decides again
			}
		}
		now := s.opts.Now()
		plan, err := planCloses(ctx, tx, cs, checked)
		if err != nil {
			return err
		}
		// In the batch's order, so the audit chain reads as if each close
		// had been recorded alone: the first closes between two re-closes
		// that may adjust together (the closes between them write
		// nothing), those re-closes one by one.
		for i := 0; i < len(cs); {
			if plan[i].step == closeAlone {
				_, _, e := recordCloseTx(ctx, tx, now, cs[i].Credit, cs[i].AutoIssue, actor)
				var refused *store.CloseRefusal
				switch {
				case errors.As(e, &refused):
					errs[i] = fmt.Errorf("%s: %w", name(cs[i].Credit), e)
				case e != nil:
					return e
				}
				i++
				continue
			}
			var firsts []store.Closing
			for ; i < len(cs) && plan[i].step != closeAlone; i++ {
				switch plan[i].step {
				case closeFirst:
					firsts = append(firsts, cs[i])
				case closeRefused:
					errs[i] = fmt.Errorf("%s: %w", name(cs[i].Credit), plan[i].refusal)
				}
			}
			if len(firsts) > 0 {
				if err := insertFirstCloses(ctx, tx, now, firsts, actor); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record closes: %w", err)
	}
	return errs, nil
}

// closeStep is what RecordCloses does with one close of a batch.
type closeStep int

const (
	closeSkip      closeStep = iota // refused before the transaction
	closeFirst                      // no entry for the period yet: inserted with others
	closeUnchanged                  // recorded with this evidence: nothing to write
	closeRefused                    // differs from the recorded period or currency
	closeAlone                      // may adjust the credit: recordCloseTx
)

type closePlan struct {
	step    closeStep
	refusal error
}

// planCloses decides, with one query, what recording each close of cs
// (those checked) takes: what recordCloseTx would find — the period's
// credit and the evidence it was last recorded with, the latest
// adjustment's or its own — read for the whole batch at once. A period
// closed twice in the batch is recorded alone the second time, after the
// first.
func planCloses(ctx context.Context, tx pgx.Tx, cs []store.Closing, checked []bool) ([]closePlan, error) {
	var tenants, contracts, periods []string
	for i, c := range cs {
		if checked[i] {
			tenants, contracts, periods = append(tenants, c.Credit.Tenant), append(contracts, c.Credit.Contract), append(periods, c.Credit.Period)
		}
	}
	type key struct{ tenant, contract, period string }
	type recorded struct {
		first  store.Credit
		latest string // evidence hash of the latest entry of the period
	}
	have := map[key]recorded{}
	rows, err := tx.Query(ctx, strings.TrimSuffix(selectCredit, " FROM credits")+`,
	coalesce((SELECT a.evidence_hash FROM credits a WHERE a.adjusts = c.id ORDER BY a.id DESC LIMIT 1), c.evidence_hash)
FROM credits c
WHERE c.kind = 'credit' AND (c.tenant, c.contract, c.period) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
		tenants, contracts, periods)
	if err != nil {
		return nil, fmt.Errorf("read recorded periods: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r recorded
		if r.first, err = scanCredit(withColumn{rows, &r.latest}); err != nil {
			return nil, fmt.Errorf("read recorded periods: %w", err)
		}
		have[key{r.first.Tenant, r.first.Contract, r.first.Period}] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read recorded periods: %w", err)
	}
	plan := make([]closePlan, len(cs))
	seen := map[key]bool{}
	for i, cl := range cs {
		c := cl.Credit
		k := key{c.Tenant, c.Contract, c.Period}
		r, ok := have[k]
		switch {
		case !checked[i]:
			continue
		case seen[k]:
			plan[i].step = closeAlone
		case !ok:
			plan[i].step = closeFirst
		default:
			if e := store.CheckRecorded(r.first, c); e != nil {
				plan[i] = closePlan{closeRefused, e}
			} else if r.latest == c.EvidenceHash {
				plan[i].step = closeUnchanged
			} else {
				plan[i].step = closeAlone
			}
		}
		seen[k] = true
	}
	return plan, nil
}

// withColumn is a row whose Scan fills one more column, after those its
// caller asks for.
type withColumn struct {
	pgx.Rows
	extra any
}

func (w withColumn) Scan(dest ...any) error { return w.Rows.Scan(append(dest, w.extra)...) }

// insertFirstCloses records closes that are each the first of its period
// in three round trips, whatever their number: the audit head, the
// credits (pipelined, in order, so their ids ascend as cs does), and the
// audit entries (one COPY). What it writes is what recordCloseTx writes
// for each in turn — the entry computed, then issued when auto-issued —
// entry for entry and hash for hash.
func insertFirstCloses(ctx context.Context, tx pgx.Tx, now time.Time, cs []store.Closing, actor string) error {
	lastID, lastHash, err := auditHead(ctx, tx)
	if err != nil {
		return err
	}
	ms := now.UnixMilli()
	issued := func(c store.Closing) bool { return c.AutoIssue && !c.Credit.Flagged }
	b := &pgx.Batch{}
	for _, cl := range cs {
		c, state := cl.Credit, store.CreditComputed
		if issued(cl) {
			state = store.CreditIssued
		}
		b.Queue(`INSERT INTO credits (tenant, contract, period, period_start_ms, period_end_ms,
	kind, state, uptime_exact, uptime_percent, breach_minutes, credit_percent, coverage_percent,
	flagged, amount_minor, currency, evidence_hash, reason, created_ms, updated_ms, credit_days, credit_multiplier)
VALUES ($1, $2, $3, $4, $5, 'credit', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, '', $16, $16, $17, $18)
RETURNING id`,
			c.Tenant, c.Contract, c.Period, c.PeriodStart.UnixMilli(), c.PeriodEnd.UnixMilli(),
			string(state), c.UptimeExact, c.UptimePercent, c.BreachMinutes, c.CreditPercent, c.CoveragePercent,
			c.Flagged, c.AmountMinor, c.Currency, c.EvidenceHash, ms, c.CreditDays, c.CreditMultiplier)
	}
	ids := make([]int64, len(cs))
	br := tx.SendBatch(ctx, b)
	for i := range cs {
		if err := br.QueryRow().Scan(&ids[i]); err != nil {
			br.Close()
			return fmt.Errorf("insert credit: %w", err)
		}
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("insert credit: %w", err)
	}
	var rows [][]any
	add := func(action, subject string, detail any) error {
		js, err := store.CanonicalJSON(detail)
		if err != nil {
			return fmt.Errorf("encode audit detail of %s: %w", subject, err)
		}
		e := store.NextAudit(lastID, lastHash, now, actor, action, subject, js)
		lastID, lastHash = e.ID, e.Hash
		rows = append(rows, []any{e.ID, e.At.UnixMilli(), e.Actor, e.Action, e.Subject, e.Detail, e.PrevHash, e.Hash})
		return nil
	}
	for i, cl := range cs {
		c := cl.Credit
		c.ID, c.Kind, c.Adjusts, c.State, c.Reason = ids[i], store.KindCredit, 0, store.CreditComputed, ""
		subject := store.CreditSubject(c.ID)
		if err := add(store.CreditRecordedAction(store.KindCredit), subject, store.CreditRecordedDetail(c)); err != nil {
			return err
		}
		if issued(cl) {
			if err := add("credit."+string(store.CreditIssued), subject, store.TransitionDetail(store.CreditComputed, store.CreditIssued, "")); err != nil {
				return err
			}
		}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"audit"},
		[]string{"id", "at_ms", "actor", "action", "subject", "detail", "prev_hash", "hash"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("insert audit entries %d–%d: %w", rows[0][0], lastID, err)
	}
	return nil
}

func recordCloseTx(ctx context.Context, tx pgx.Tx, now time.Time, c store.Credit, autoIssue bool, actor string) (store.Credit, bool, error) {
	first, err := queryCredit(ctx, tx, ` WHERE tenant = $1 AND contract = $2 AND period = $3 AND kind = 'credit'`,
		c.Tenant, c.Contract, c.Period)
	if errors.Is(err, store.ErrNotFound) {
		out, err := insertCredit(ctx, tx, now, c, store.KindCredit, 0, c.AmountMinor, actor)
		if err != nil {
			return store.Credit{}, false, err
		}
		if autoIssue && !c.Flagged {
			if out, err = transition(ctx, tx, now, out.ID, []store.CreditState{store.CreditComputed}, store.CreditIssued, actor, ""); err != nil {
				return store.Credit{}, false, err
			}
		}
		return out, true, nil
	}
	if err != nil {
		return store.Credit{}, false, fmt.Errorf("read credit: %w", err)
	}
	if err := store.CheckRecorded(first, c); err != nil {
		return store.Credit{}, false, err
	}
	latest, err := queryCredit(ctx, tx, ` WHERE adjusts = $1 ORDER BY id DESC LIMIT 1`, first.ID)
	if errors.Is(err, store.ErrNotFound) {
		latest, err = first, nil
	}
	if err != nil {
		return store.Credit{}, false, fmt.Errorf("read adjustments of credit %d: %w", first.ID, err)
	}
	if latest.EvidenceHash == c.EvidenceHash {
		return latest, false, nil
	}
	var sum int64
	err = tx.QueryRow(ctx, `SELECT coalesce(sum(amount_minor), 0) FROM credits
WHERE (id = $1 OR adjusts = $1) AND state != 'voided'`, first.ID).Scan(&sum)
	if err != nil {
		return store.Credit{}, false, fmt.Errorf("sum entries of credit %d: %w", first.ID, err)
	}
	out, err := insertCredit(ctx, tx, now, c, store.KindAdjustment, first.ID, c.AmountMinor-sum, actor)
	if err != nil {
		return store.Credit{}, false, err
	}
	return out, true, nil
}

func insertCredit(ctx context.Context, tx pgx.Tx, now time.Time, c store.Credit, kind string, adjusts, amount int64, actor string) (store.Credit, error) {
	ms := now.UnixMilli()
	var adj any
	if adjusts != 0 {
		adj = adjusts
	}
	out, err := scanCredit(tx.QueryRow(ctx, `INSERT INTO credits (tenant, contract, period, period_start_ms, period_end_ms,
	kind, adjusts, state, uptime_exact, uptime_percent, breach_minutes, credit_percent, coverage_percent,
	flagged, amount_minor, currency, evidence_hash, reason, created_ms, updated_ms, credit_days, credit_multiplier)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'computed', $8, $9, $10, $11, $12, $13, $14, $15, $16, '', $17, $17, $18, $19)
RETURNING `+strings.TrimPrefix(strings.TrimSuffix(selectCredit, " FROM credits"), "SELECT "),
		c.Tenant, c.Contract, c.Period, c.PeriodStart.UnixMilli(), c.PeriodEnd.UnixMilli(),
		kind, adj, c.UptimeExact, c.UptimePercent, c.BreachMinutes, c.CreditPercent, c.CoveragePercent,
		c.Flagged, amount, c.Currency, c.EvidenceHash, ms, c.CreditDays, c.CreditMultiplier))
	if err != nil {
		return store.Credit{}, fmt.Errorf("insert %s: %w", kind, err)
	}
	if err := audit(ctx, tx, now, actor, store.CreditRecordedAction(kind), store.CreditSubject(out.ID), store.CreditRecordedDetail(out)); err != nil {
		return store.Credit{}, err
	}
	return out, nil
}

// transition moves entry id from one of froms to to with one conditional
// UPDATE, and audits the change; see db's transition.
func transition(ctx context.Context, tx pgx.Tx, now time.Time, id int64, froms []store.CreditState, to store.CreditState, actor, reason string) (store.Credit, error) {
	before, err := queryCredit(ctx, tx, ` WHERE id = $1`, id)
	if err != nil {
		return store.Credit{}, err
	}
	states := make([]string, len(froms))
	for i, f := range froms {
		states[i] = string(f)
	}
	tag, err := tx.Exec(ctx, `UPDATE credits SET state = $1, reason = $2, updated_ms = $3 WHERE id = $4 AND state = ANY($5)`,
		string(to), reason, now.UnixMilli(), id, states)
	if err != nil {
		return store.Credit{}, fmt.Errorf("update: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return store.Credit{}, store.StateError(before.State, froms)
	}
	after, err := queryCredit(ctx, tx, ` WHERE id = $1`, id)
	if err != nil {
		return store.Credit{}, fmt.Errorf("read back: %w", err)
	}
	if err := audit(ctx, tx, now, actor, "credit."+string(to), store.CreditSubject(id), store.TransitionDetail(before.State, to, reason)); err != nil {
		return store.Credit{}, err
	}
	return after, nil
}

func (s *Store) setState(ctx context.Context, what string, id int64, froms []store.CreditState, to store.CreditState, actor, reason string) (store.Credit, error) {
	if err := store.CheckActor(fmt.Sprintf("%s credit %d", what, id), actor); err != nil {
		return store.Credit{}, err
	}
	var out store.Credit
	err := s.update(ctx, true, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = transition(ctx, tx, s.opts.Now(), id, froms, to, actor, reason)
		return err
	})
	if err != nil {
		return store.Credit{}, fmt.Errorf("%s credit %d: %w", what, id, err)
	}
	return out, nil
}

// ApproveCredit moves entry id from computed to approved.
func (s *Store) ApproveCredit(ctx context.Context, id int64, actor string) (store.Credit, error) {
	return s.setState(ctx, "approve", id, []store.CreditState{store.CreditComputed}, store.CreditApproved, actor, "")
}

// IssueCredit moves entry id from approved to issued, once: the UPDATE is
// conditional on the approved state and runs under the ledger lock.
func (s *Store) IssueCredit(ctx context.Context, id int64, actor string) (store.Credit, error) {
	return s.setState(ctx, "issue", id, []store.CreditState{store.CreditApproved}, store.CreditIssued, actor, "")
}

// VoidCredit moves entry id from computed or approved to voided.
func (s *Store) VoidCredit(ctx context.Context, id int64, actor, reason string) (store.Credit, error) {
	if strings.TrimSpace(reason) == "" {
		return store.Credit{}, fmt.Errorf("void credit %d: empty reason", id)
	}
	return s.setState(ctx, "void", id, []store.CreditState{store.CreditComputed, store.CreditApproved}, store.CreditVoided, actor, reason)
}

// Credit returns ledger entry id, or ErrNotFound.
func (s *Store) Credit(ctx context.Context, id int64) (store.Credit, error) {
	if err := s.check(fmt.Sprintf("credit %d", id)); err != nil {
		return store.Credit{}, err
	}
	c, err := scanCredit(s.pool.QueryRow(ctx, selectCredit+` WHERE id = $1`, id))
	if err != nil {
		return store.Credit{}, fmt.Errorf("credit %d: %w", id, s.mapErr(err))
	}
	return c, nil
}

// Credits returns the ledger entries that match f, in ID order.
func (s *Store) Credits(ctx context.Context, f store.CreditFilter) ([]store.Credit, error) {
	where, args := creditWhere(f)
	return queryList(ctx, s, "credits", func(r pgx.CollectableRow) (store.Credit, error) { return scanCredit(r) }, selectCredit+where+" ORDER BY id", args...)
}

// CreditsPage is the entries f selects, newest first, from offset, at
// most limit, with the count and per-currency totals of all of them, read
// in one snapshot; PostgreSQL sums the amounts (bigint, exact).
func (s *Store) CreditsPage(ctx context.Context, f store.CreditFilter, limit, offset int) (store.CreditPage, error) {
	var out store.CreditPage
	if err := store.CheckCreditPage(limit, offset); err != nil {
		return out, err
	}
	where, args := creditWhere(f)
	err := s.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		out = store.CreditPage{}
		rows, err := tx.Query(ctx, "SELECT currency, count(*), sum(amount_minor)::bigint FROM credits"+where+" GROUP BY currency ORDER BY currency", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t store.CurrencyTotal
			var n int64
			if err := rows.Scan(&t.Currency, &n, &t.AmountMinor); err != nil {
				return err
			}
			out.Count += int(n)
			out.Totals = append(out.Totals, t)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		n := len(args)
		page, err := tx.Query(ctx, selectCredit+where+fmt.Sprintf(" ORDER BY id DESC LIMIT $%d OFFSET $%d", n+1, n+2), append(args, limit, offset)...)
		if err != nil {
			return err
		}
		out.Rows, err = pgx.CollectRows(page, func(r pgx.CollectableRow) (store.Credit, error) { return scanCredit(r) })
		return err
	})
	if err != nil {
		return store.CreditPage{}, fmt.Errorf("credits page: %w", err)
	}
	return out, nil
}

// creditWhere is the WHERE clause (with its leading space, or "") and
// arguments of f.
func creditWhere(f store.CreditFilter) (string, []any) {
	var where []string
	var args []any
	for _, w := range []struct{ col, val string }{
		{"tenant", f.Tenant}, {"contract", f.Contract}, {"period", f.Period}, {"state", string(f.State)},
	} {
		if w.val != "" {
			args = append(args, w.val)
			where = append(where, fmt.Sprintf("%s = $%d", w.col, len(args)))
		}
	}
	if f.Flagged != nil {
		args = append(args, *f.Flagged)
		where = append(where, fmt.Sprintf("flagged = $%d", len(args)))
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}
