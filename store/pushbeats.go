package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// PushBeat is the latest heartbeat of one push check, as every replica of
// the store reads it: a heartbeat received by one replica is judged by
// all. One row per check, replaced by each later heartbeat; the judgement
// needs only the latest (how long ago, and whether it reported the service
// down), so no log is kept.
//
// At is the receiving replica's clock, to the millisecond: the replicas
// are taken to agree within the push check's grace, as for agents'
// leases (see LocationState).
type PushBeat struct {
	CheckID string
	At      time.Time
	Down    bool   // the heartbeat reported the service down (?status=down)
	Msg     string // its message (?msg=), at most MaxPushMsg bytes of UTF-8
}

// MaxPushMsg bounds a heartbeat's message, in bytes.
const MaxPushMsg = 160

// PushBeats keeps the latest heartbeat of each push check.
type PushBeats interface {
	// RecordPushBeat stores b as its check's latest heartbeat, unless a
	// heartbeat with a later At is stored already: the stored time never
	// moves back (of two with the same At, the later call wins). A
	// refused b (CheckPushBeat) changes nothing.
	RecordPushBeat(ctx context.Context, b PushBeat) error
	// LatestPushBeat returns checkID's latest heartbeat; ok is false
	// before the first.
	LatestPushBeat(ctx context.Context, checkID string) (b PushBeat, ok bool, err error)
}

// CheckPushBeat refuses a heartbeat no store may record, naming the field.
func CheckPushBeat(b PushBeat) error {
	switch {
	case strings.TrimSpace(b.CheckID) == "":
		return fmt.Errorf("push heartbeat: check_id: empty")
	case b.At.IsZero():
		return fmt.Errorf("push heartbeat of %s: at: no time", b.CheckID)
	case b.At.UnixMilli() <= 0:
		return fmt.Errorf("push heartbeat of %s: at %s: before 1970", b.CheckID, b.At.UTC().Format(time.RFC3339))
	case len(b.Msg) > MaxPushMsg:
		return fmt.Errorf("push heartbeat of %s: msg: %d bytes, at most %d", b.CheckID, len(b.Msg), MaxPushMsg)
	case !utf8.ValidString(b.Msg):
		return fmt.Errorf("push heartbeat of %s: msg: not UTF-8", b.CheckID)
	}
	return nil
}

// PushBeatColumns are the columns of the push_beats table, in the order
// of PushBeat.Values and ScanPushBeat.
const PushBeatColumns = "check_id, at_ms, down, msg"

// PushBeatUpsert follows "INSERT INTO push_beats (PushBeatColumns)
// VALUES (...)" in both backends: it replaces the stored heartbeat only
// with one at least as late, so the time never moves back, whatever order
// concurrent writes commit in.
const PushBeatUpsert = ` ON CONFLICT (check_id) DO UPDATE SET at_ms = excluded.at_ms, down = excluded.down, msg = excluded.msg
WHERE excluded.at_ms >= push_beats.at_ms`

// Values are b's column values, in PushBeatColumns' order.
func (b PushBeat) Values() []any { return []any{b.CheckID, b.At.UnixMilli(), b.Down, b.Msg} }

// ScanPushBeat reads one row of PushBeatColumns with scan.
func ScanPushBeat(scan func(dest ...any) error) (PushBeat, error) {
	var b PushBeat
	var at int64
	err := scan(&b.CheckID, &at, &b.Down, &b.Msg)
	b.At = time.UnixMilli(at).UTC()
	return b, err
}
