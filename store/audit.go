package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	Detail   string    // canonical JSON of the changed fields (see CanonicalJSON)
	PrevHash string    // Hash of the entry before; GenesisHash for the first
	Hash     string    // hex SHA-256 over PrevHash and the fields above, see AuditHash
}

// GenesisHash is the PrevHash of the first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditHash is the chain hash of an entry:
//
//	hex(SHA-256(prevHash "\n" field(id) field(at_ms) field(actor) field(action) field(subject) field(detail)))
//
// where field(s) is the netstring len(s) ":" s "," and the integers are in
// decimal. The length prefixes make the encoding unambiguous: no two
// different entries encode to the same bytes, whatever their text holds.
// It is the same for every backend, so a log copied from one store to
// another still verifies.
func AuditHash(prevHash string, id, atMS int64, actor, action, subject, detail string) string {
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

// NextAudit is the entry that follows the entry with lastID and lastHash
// (0 and GenesisHash for an empty log), appended at now.
func NextAudit(lastID int64, lastHash string, now time.Time, actor, action, subject, detail string) AuditEntry {
	e := AuditEntry{
		ID: lastID + 1, At: time.UnixMilli(now.UnixMilli()).UTC(),
		Actor: actor, Action: action, Subject: subject, Detail: detail, PrevHash: lastHash,
	}
	e.Hash = AuditHash(e.PrevHash, e.ID, e.At.UnixMilli(), actor, action, subject, detail)
	return e
}

// CanonicalJSON encodes v as JSON with object keys sorted, no insignificant
// white space, numbers as written and no HTML escaping, so that the same
// detail always hashes the same.
func CanonicalJSON(v any) (string, error) {
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

// CheckAudit validates an entry's fields and returns detail as canonical
// JSON.
func CheckAudit(actor, action, subject string, detail any) (string, error) {
	switch {
	case strings.TrimSpace(actor) == "":
		return "", fmt.Errorf("empty actor")
	case strings.TrimSpace(action) == "":
		return "", fmt.Errorf("empty action")
	case strings.TrimSpace(subject) == "":
		return "", fmt.Errorf("empty subject")
	}
	js, err := CanonicalJSON(detail)
	if err != nil {
		return "", fmt.Errorf("encode detail: %w", err)
	}
	return js, nil
}

// AuditMark is how far an audit log was verified: through entry ID, whose
// hash is Hash, Checked entries in all. The zero mark is before the first
// entry.
type AuditMark struct {
	ID      int64
	Hash    string
	Checked int
}

// ChainVerifier checks an audit log entry by entry, in ID order. Resume
// it from a mark to check only the entries after it.
type ChainVerifier struct {
	Checked  int
	prevID   int64
	prevHash string
}

// Resume continues the check after m: the next entry must link to m's
// hash.
func (v *ChainVerifier) Resume(m AuditMark) {
	v.Checked, v.prevID, v.prevHash = m.Checked, m.ID, m.Hash
}

// Mark is how far the check has got.
func (v *ChainVerifier) Mark() AuditMark {
	return AuditMark{ID: v.prevID, Hash: v.prevHash, Checked: v.Checked}
}

// Next checks that e's hash matches its contents and that its PrevHash is
// the hash of the entry before it (GenesisHash for the first). The error
// names the first entry that does not fit: an edited entry fails its own
// hash, a deleted or moved one breaks the link of the entry after it.
func (v *ChainVerifier) Next(e AuditEntry) error {
	if v.prevHash == "" {
		v.prevHash = GenesisHash
	}
	if AuditHash(e.PrevHash, e.ID, e.At.UnixMilli(), e.Actor, e.Action, e.Subject, e.Detail) != e.Hash {
		return fmt.Errorf("audit entry %d: hash does not match its contents", e.ID)
	}
	if e.PrevHash != v.prevHash {
		if v.prevID == 0 {
			return fmt.Errorf("audit entry %d: prev_hash does not start the chain", e.ID)
		}
		return fmt.Errorf("audit entry %d: prev_hash does not match entry %d", e.ID, v.prevID)
	}
	v.Checked++
	v.prevID, v.prevHash = e.ID, e.Hash
	return nil
}
