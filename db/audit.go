package db

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditEntry is one entry of the audit log.
type AuditEntry struct {
	ID       int64     // 1 for the first entry, then consecutive
	At       time.Time // when it was appended, UTC, millisecond precision
	Actor    string    // who made the change; 'slate' for automatic jobs, by convention
	Action   string    // what was done, "credit.issued"
	Subject  string    // to what, "credit/42"
	Detail   string    // canonical JSON of the changed fields (see AppendAudit)
	PrevHash string    // Hash of the entry before; genesisHash for the first
	Hash     string    // hex SHA-256 over PrevHash and the fields above, see auditHash
}

// genesisHash is the PrevHash of the first entry.
const genesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// auditHash is the chain hash of an entry:
//
//	hex(SHA-256(prevHash "\n" field(id) field(at_ms) field(actor) field(action) field(subject) field(detail)))
//
// where field(s) is the netstring len(s) ":" s "," and the integers are in
// decimal. The length prefixes make the encoding unambiguous: no two
// different entries encode to the same bytes, whatever their text holds.
func auditHash(prevHash string, id, atMS int64, actor, action, subject, detail string) string {
	h := sha256.New()
	h.Write([]byte(prevHash))
	h.Write([]byte{'\n'})
	for _, f := range []string{
		strconv.FormatInt(id, 10), strconv.FormatInt(atMS, 10), actor, action, subject, detail,
	} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
		h.Write([]byte{','})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON encodes v as JSON with object keys sorted, no insignificant
// white space, numbers as written and no HTML escaping, so that the same
// detail always hashes the same.
func canonicalJSON(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	// Decode into generic values (numbers kept as their text) and encode
	// again: maps encode with sorted keys, whatever order v had.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var g any
	if err := dec.Decode(&g); err != nil {
		return "", err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(g); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// AppendAudit appends an entry to the audit log, for changes made outside
// the ledger (manual exclusions, configuration changes). detail is encoded
// as canonical JSON (sorted keys, no white space); nil becomes null. The
// entry is written by the writer in its own transaction and is durable when
// AppendAudit returns nil. The ledger's methods append their own entries in
// the same transaction as the change they record.
func (d *DB) AppendAudit(ctx context.Context, actor, action, subject string, detail any) error {
	js, err := checkAudit(actor, action, subject, detail)
	if err != nil {
		return fmt.Errorf("append audit %s %s: %w", action, subject, err)
	}
	err = d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := appendAudit(ctx, tx, d.opts.Now(), actor, action, subject, js)
		return err
	})
	if err != nil {
		return fmt.Errorf("append audit %s %s: %w", action, subject, err)
	}
	return nil
}

// checkAudit validates an entry's fields and returns detail as canonical
// JSON.
func checkAudit(actor, action, subject string, detail any) (string, error) {
	switch {
	case strings.TrimSpace(actor) == "":
		return "", fmt.Errorf("empty actor")
	case strings.TrimSpace(action) == "":
		return "", fmt.Errorf("empty action")
	case strings.TrimSpace(subject) == "":
		return "", fmt.Errorf("empty subject")
	}
	js, err := canonicalJSON(detail)
	if err != nil {
		return "", fmt.Errorf("encode detail: %w", err)
	}
	return js, nil
}

// appendAudit appends one entry inside tx, which must be a writer
// transaction begun IMMEDIATE: it holds the write lock, so the entry read as
// the last one stays the last one until tx commits, and two writers (even
// in two processes) cannot fork the chain.
func appendAudit(ctx context.Context, tx *sql.Tx, now time.Time, actor, action, subject, detail string) (AuditEntry, error) {
	e := AuditEntry{
		At: time.UnixMilli(now.UnixMilli()).UTC(), Actor: actor, Action: action, Subject: subject, Detail: detail,
	}
	var lastID int64
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`).Scan(&lastID, &e.PrevHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		e.PrevHash = genesisHash
	case err != nil:
		return AuditEntry{}, fmt.Errorf("read audit head: %w", err)
	}
	e.ID = lastID + 1
	e.Hash = auditHash(e.PrevHash, e.ID, e.At.UnixMilli(), actor, action, subject, detail)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit (id, at_ms, actor, action, subject, detail, prev_hash, hash)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, e.At.UnixMilli(), actor, action, subject, detail, e.PrevHash, e.Hash)
	if err != nil {
		return AuditEntry{}, fmt.Errorf("insert audit entry %d: %w", e.ID, err)
	}
	return e, nil
}

const selectAudit = `SELECT id, at_ms, actor, action, subject, detail, prev_hash, hash FROM audit`

func scanAudit(rows *sql.Rows) (AuditEntry, error) {
	var e AuditEntry
	var atMS int64
	if err := rows.Scan(&e.ID, &atMS, &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
		return AuditEntry{}, err
	}
	e.At = time.UnixMilli(atMS).UTC()
	return e, nil
}

// AuditEntries returns up to limit entries with an ID above afterID, in
// order: pass the last ID of one page to get the next. limit 0 or less
// means no limit.
func (d *DB) AuditEntries(ctx context.Context, afterID int64, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return d.auditQuery(ctx, fmt.Sprintf("audit after %d", afterID),
		selectAudit+` WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
}

// AuditOf returns every entry about subject ("credit/42"), oldest first.
func (d *DB) AuditOf(ctx context.Context, subject string) ([]AuditEntry, error) {
	return d.auditQuery(ctx, "audit of "+subject, selectAudit+` WHERE subject = ? ORDER BY id`, subject)
}

func (d *DB) auditQuery(ctx context.Context, what, query string, args ...any) ([]AuditEntry, error) {
	if d.closed() {
		return nil, fmt.Errorf("%s: %w", what, ErrClosed)
	}
	return queryList(ctx, d.rdb, what, scanAudit, query, args...)
}

// VerifyAudit walks the whole audit log in ID order, in one read
// transaction, and checks that every entry's hash matches its contents and
// that its PrevHash is the hash of the entry before it (genesisHash for the
// first). It returns how many entries it checked and, for a broken chain,
// an error naming the first entry that does not fit: an edited entry fails
// its own hash, a deleted or moved one breaks the link of the entry after
// it. Deleting entries at the end of the log leaves a shorter chain that
// still verifies; compare checked, or the last hash, with a copy kept
// elsewhere to notice that.
func (d *DB) VerifyAudit(ctx context.Context) (checked int, err error) {
	if d.closed() {
		return 0, fmt.Errorf("verify audit: %w", ErrClosed)
	}
	// One statement is one read transaction in WAL mode: a consistent
	// snapshot, however long the walk takes and whatever the writer does.
	rows, err := d.rdb.QueryContext(ctx, selectAudit+` ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	prevID, prevHash := int64(0), genesisHash
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return checked, fmt.Errorf("verify audit: %w", err)
		}
		if auditHash(e.PrevHash, e.ID, e.At.UnixMilli(), e.Actor, e.Action, e.Subject, e.Detail) != e.Hash {
			return checked, fmt.Errorf("audit entry %d: hash does not match its contents", e.ID)
		}
		if e.PrevHash != prevHash {
			if prevID == 0 {
				return checked, fmt.Errorf("audit entry %d: prev_hash does not start the chain", e.ID)
			}
			return checked, fmt.Errorf("audit entry %d: prev_hash does not match entry %d", e.ID, prevID)
		}
		checked++
		prevID, prevHash = e.ID, e.Hash
	}
	if err := rows.Err(); err != nil {
		return checked, fmt.Errorf("verify audit: %w", err)
	}
	return checked, nil
}
